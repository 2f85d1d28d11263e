/**
 * The bookkeeping every built-in environment shares: seeding with core's PRNG, Gymnasium's `TimeLimit` truncation,
 * refusing to step a finished episode, and checking actions and observations.
 *
 * @packageDocumentation
 */
import { DescentError, type Key, checkNumber, describeValue, invalidOption, key, randomBits, split } from '@descent/core';
import type { BoxSpace, DiscreteSpace, Env, StepResult } from './env.js';

const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

/**
 * `count` float64 values uniform on `[lo, hi)` drawn from `k`: each pair of 32-bit Threefry words gives a 53-bit
 * mantissa, `u = ((b₀ >>> 5)·2²⁶ + (b₁ >>> 6)) / 2⁵³` (numpy's `random_standard_uniform` construction from 64 random
 * bits), then `lo + (hi − lo)·u` as `Generator.uniform` does. Gymnasium draws initial states with numpy's PCG64, which
 * cannot be reproduced here, so the built-in environments match Gymnasium's initial-state *distribution*, not its bits.
 */
export function uniformFloat64(k: Key, count: number, lo: number, hi: number): Float64Array {
  const bits = randomBits(k, 2 * count);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const u = ((bits[2 * i] >>> 5) * TWO_POW_26 + (bits[2 * i + 1] >>> 6)) / TWO_POW_53;
    out[i] = lo + (hi - lo) * u;
  }
  return out;
}

/** A `Box` space of the given bounds (float32, as Gymnasium's classic-control spaces). */
export function boxSpace(low: ArrayLike<number>, high: ArrayLike<number>): BoxSpace {
  return { kind: 'box', shape: [low.length], low: Float32Array.from(low), high: Float32Array.from(high) };
}

/** A `Discrete(n)` space. */
export function discreteSpace(n: number): DiscreteSpace {
  return { kind: 'discrete', n };
}

/**
 * Throws a DescentError unless `action` belongs to `space`: an integer in {0, …, n − 1} for `Discrete(n)`; a
 * Float32Array of the box's size with every entry finite and inside `[low, high]` for a `Box` (Gymnasium's
 * `Space.contains`; policies map their samples into the bounds before stepping, as SB3 clips before `env.step`).
 */
export function checkAction(where: string, space: DiscreteSpace | BoxSpace, action: unknown): void {
  if (space.kind === 'discrete') {
    if (typeof action !== 'number' || !Number.isInteger(action) || action < 0 || action >= space.n) {
      invalidOption(where, 'action', action, `an integer in [0, ${space.n - 1}] (Discrete(${space.n}))`);
    }
    return;
  }
  const size = space.low.length;
  if (!(action instanceof Float32Array) || action.length !== size) {
    invalidOption(where, 'action', action, `a Float32Array of length ${size}`);
  }
  for (let i = 0; i < size; i++) {
    const a = action[i];
    if (Number.isNaN(a)) {
      throw new DescentError('non-finite', `${where}: action[${i}] is NaN`, { parameter: 'action', value: a });
    }
    if (!(a >= space.low[i] && a <= space.high[i])) {
      invalidOption(where, `action[${i}]`, a, `inside the action space [${space.low[i]}, ${space.high[i]}]`);
    }
  }
}

/**
 * True when `action` belongs to `space` (the predicate behind {@link checkAction}, without building a message: the
 * hot path of every step).
 */
export function actionIsValid(space: DiscreteSpace | BoxSpace, action: unknown): boolean {
  if (space.kind === 'discrete') {
    return typeof action === 'number' && Number.isInteger(action) && action >= 0 && action < space.n;
  }
  const size = space.low.length;
  if (!(action instanceof Float32Array) || action.length !== size) return false;
  for (let i = 0; i < size; i++) if (!(action[i] >= space.low[i] && action[i] <= space.high[i])) return false;
  return true;
}

function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}

/** Throws a `non-finite` DescentError when an observation holds NaN or ±Infinity (names the entry). */
export function checkFiniteObservation(where: string, observation: ArrayLike<number>): void {
  for (let i = 0; i < observation.length; i++) {
    if (!Number.isFinite(observation[i])) {
      throw new DescentError('non-finite', `${where}: observation[${i}] is ${describeValue(observation[i])}`, {
        parameter: 'observation',
        value: observation[i],
      });
    }
  }
}

/** Throws a `non-finite` DescentError when a reward is NaN or ±Infinity (names the row). */
export function checkFiniteReward(where: string, rewards: ArrayLike<number>): void {
  for (let i = 0; i < rewards.length; i++) {
    if (!Number.isFinite(rewards[i])) {
      throw new DescentError('non-finite', `${where}: reward[${i}] is ${describeValue(rewards[i])}`, {
        parameter: 'reward',
        value: rewards[i],
      });
    }
  }
}

/** What a subclass's dynamics return for one step (truncation is the base class's business). */
export interface Transition {
  reward: number;
  terminated: boolean;
}

/**
 * Base class of the built-in environments. Subclasses keep their state in float64 (Gymnasium computes in float64)
 * and implement `resetState` (draw the initial state from a key), `transition` (advance one step) and `observe`
 * (emit the float32 observation).
 *
 * Seeding: the environment holds a PRNG key, `key(seed)` from the constructor (default seed 0 — a run is always
 * reproducible). `reset(seed)` replaces the key by `key(seed)`; every reset then splits the key and draws the
 * initial state from one half, so `reset(s)` and a fresh environment constructed with seed `s` then `reset()` give
 * the same episode, and later unseeded resets continue the stream (as Gymnasium's `np_random`).
 *
 * Truncation is Gymnasium's `TimeLimit`: `truncated = elapsedSteps ≥ maxEpisodeSteps` (both flags can be true on the
 * same step). Stepping before the first reset or after `terminated || truncated` without a reset throws.
 */
export abstract class EpisodicEnv implements Env {
  abstract readonly id: string;
  abstract readonly observationSpace: BoxSpace;
  abstract readonly actionSpace: DiscreteSpace | BoxSpace;
  abstract readonly maxEpisodeSteps: number;
  /** The float64 state vector the dynamics act on (layout documented by each environment). */
  protected abstract readonly state: Float64Array;
  private rngKey: Key;
  private elapsed = 0;
  private needsReset = true;

  constructor(seed = 0) {
    checkNumber('Env', 'seed', seed, { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER });
    this.rngKey = key(seed);
  }

  /** Steps taken in the current episode. */
  get elapsedSteps(): number {
    return this.elapsed;
  }

  /** A copy of the float64 state vector. */
  getState(): Float64Array {
    return Float64Array.from(this.state);
  }

  /**
   * Overwrites the state vector (for tests and for starting from a chosen state); the episode bookkeeping (elapsed
   * steps, whether a reset is needed) is unchanged.
   */
  setState(state: ArrayLike<number>): void {
    if (state === null || typeof state !== 'object' || state.length !== this.state.length) {
      invalidOption(`${this.id}.setState`, 'state', state, `an array of ${this.state.length} finite numbers`);
    }
    for (let i = 0; i < state.length; i++) checkNumber(`${this.id}.setState`, `state[${i}]`, state[i]);
    this.state.set(state);
  }

  reset(seed?: number): Float32Array {
    if (seed !== undefined) {
      checkNumber(`${this.id}.reset`, 'seed', seed, { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER });
      this.rngKey = key(seed);
    }
    const [next, draw] = split(this.rngKey);
    this.rngKey = next;
    this.resetState(draw);
    this.elapsed = 0;
    this.needsReset = false;
    const observation = this.observe();
    checkFiniteObservation(`${this.id}.reset`, observation);
    return observation;
  }

  step(action: number | Float32Array): StepResult {
    if (this.needsReset) {
      throw new DescentError(
        'invalid-option',
        `${this.id}.step: the episode is over (or was never started); call reset() before step()`,
        { parameter: 'action', value: action },
      );
    }
    if (!actionIsValid(this.actionSpace, action)) checkAction(`${this.id}.step`, this.actionSpace, action);
    return this.advance(action);
  }

  /**
   * `step` for a caller that has already checked the action against `actionSpace` (SyncVectorEnv validates every row
   * before stepping any): skips only that check; stepping a finished episode still throws.
   */
  stepPrevalidated(action: number | Float32Array): StepResult {
    if (this.needsReset) return this.step(action);
    return this.advance(action);
  }

  private advance(action: number | Float32Array): StepResult {
    const { reward, terminated } = this.transition(action);
    this.elapsed += 1;
    const truncated = this.elapsed >= this.maxEpisodeSteps;
    if (terminated || truncated) this.needsReset = true;
    const observation = this.observe();
    if (!allFinite(observation)) checkFiniteObservation(`${this.id}.step`, observation);
    return { observation, reward, terminated, truncated };
  }

  /** Draws the initial state from `k` (the base class already handled seeding). */
  protected abstract resetState(k: Key): void;
  /** Advances the state by one step under a valid action. */
  protected abstract transition(action: number | Float32Array): Transition;
  /** The float32 observation of the current state. */
  protected abstract observe(): Float32Array;
}
