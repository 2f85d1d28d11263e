/**
 * Per-prompt success-rate estimates for budget allocation (Knapsack RL) and curricula.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber, checkOneOf, invalidOption } from '@descent/core';

/** Options of {@link SuccessRateTracker}. */
export interface SuccessRateTrackerOptions {
  /** Estimate for a prompt never seen yet. Default 0.5 (the Knapsack-RL re-implementation's choice: maximal uncertainty). */
  unseenRate?: number;
  /** A rollout counts as a success when its reward is ≥ this. Default 0.5 (binary 0/1 rewards). */
  successThreshold?: number;
  /**
   * `'last'` (default): the rate of the prompt's most recent batch of rollouts — the paper's "success rate from the
   * previous epoch"; `'cumulative'`: all successes / all rollouts so far.
   */
  mode?: 'last' | 'cumulative';
  /**
   * Estimate reported for a prompt that has been tried but never solved, instead of 0 (which Knapsack RL values at 0
   * and so starves of rollouts). Default 0 (report the plain rate; {@link knapsackBudgets}' `fallback` then gives such
   * prompts the spare budget). A small value such as 1/(2·rollouts) keeps them in the optimisation instead.
   */
  unsolvedRate?: number;
}

interface Entry {
  lastSuccesses: number;
  lastTrials: number;
  successes: number;
  trials: number;
}

/**
 * Tracks the success rate p̂ of each prompt from its rollouts, with the conventions Knapsack RL needs: `record` the
 * rewards of a prompt's group after each generation; `rate(id)` is the estimate for the next allocation, with
 * `unseenRate` for unseen prompts and (optionally) `unsolvedRate` for prompts never solved.
 *
 * Reference: Li et al. 2025 (Knapsack RL) §4 — p_i estimated from the previous epoch; the 0.5 default for unseen
 * prompts follows the public re-implementation (spec rl.md §6; the paper's exact rule is an open item, §13).
 */
export class SuccessRateTracker {
  private readonly entries = new Map<string | number, Entry>();
  private readonly unseenRate: number;
  private readonly threshold: number;
  private readonly mode: 'last' | 'cumulative';
  private readonly unsolvedRate: number;

  constructor(options: SuccessRateTrackerOptions = {}) {
    const where = 'SuccessRateTracker';
    checkKnownOptions(where, options, ['unseenRate', 'successThreshold', 'mode', 'unsolvedRate']);
    this.unseenRate = checkNumber(where, 'options.unseenRate', options.unseenRate ?? 0.5, { min: 0, max: 1 });
    this.threshold = checkNumber(where, 'options.successThreshold', options.successThreshold ?? 0.5);
    this.mode = checkOneOf(where, 'options.mode', options.mode ?? 'last', ['last', 'cumulative'] as const);
    this.unsolvedRate = checkNumber(where, 'options.unsolvedRate', options.unsolvedRate ?? 0, { min: 0, max: 1 });
  }

  /** Records one batch of rollout rewards for prompt `id` (success = reward ≥ `successThreshold`). */
  record(id: string | number, rewards: readonly number[]): void {
    if (typeof id !== 'string' && typeof id !== 'number') invalidOption('SuccessRateTracker.record', 'id', id, 'a string or number');
    if (!Array.isArray(rewards) || rewards.length === 0) {
      invalidOption('SuccessRateTracker.record', 'rewards', rewards, 'a non-empty array of numbers');
    }
    let s = 0;
    rewards.forEach((r, i) => {
      checkNumber('SuccessRateTracker.record', `rewards[${i}]`, r);
      if (r >= this.threshold) s += 1;
    });
    const e = this.entries.get(id) ?? { lastSuccesses: 0, lastTrials: 0, successes: 0, trials: 0 };
    e.lastSuccesses = s;
    e.lastTrials = rewards.length;
    e.successes += s;
    e.trials += rewards.length;
    this.entries.set(id, e);
  }

  /** Whether prompt `id` has any recorded rollouts. */
  has(id: string | number): boolean {
    return this.entries.has(id);
  }

  /** Whether prompt `id` has been tried and never solved. */
  isUnsolved(id: string | number): boolean {
    const e = this.entries.get(id);
    return e !== undefined && e.successes === 0;
  }

  /** The success-rate estimate of prompt `id` (see the class notes for unseen and unsolved prompts). */
  rate(id: string | number): number {
    const e = this.entries.get(id);
    if (e === undefined) return this.unseenRate;
    if (e.successes === 0) return this.unsolvedRate;
    return this.mode === 'last' ? e.lastSuccesses / e.lastTrials : e.successes / e.trials;
  }

  /** {@link rate} for many prompts. */
  rates(ids: readonly (string | number)[]): number[] {
    return ids.map((id) => this.rate(id));
  }

  /** Number of prompts seen. */
  get size(): number {
    return this.entries.size;
  }
}
