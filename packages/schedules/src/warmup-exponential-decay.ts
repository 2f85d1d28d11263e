/**
 * Linear warmup followed by exponential decay.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber } from '@descent/core';
import { exponentialDecaySchedule } from './exponential-decay.js';
import { polynomialSchedule } from './polynomial.js';
import { type Schedule, checkOptionsObject, checkStep } from './schedule.js';

/** Options of {@link warmupExponentialDecay}; optax's `warmup_exponential_decay_schedule` arguments in camelCase. */
export interface WarmupExponentialDecayOptions {
  /** I, the value at step 0 (finite). */
  init: number;
  /** P, the value reached at the end of the warmup (finite). */
  peak: number;
  /** W ≥ 0, the length of the linear warmup; 0 starts the decay at `peak` on step 0. */
  warmupSteps: number;
  /** T > 0, the number of steps per factor of `decayRate`. */
  transitionSteps: number;
  /** r > 0, the decay rate. */
  decayRate: number;
  /** B ≥ 0, steps after the warmup before the decay starts. Default 0. */
  transitionBegin?: number;
  /** Decay in whole steps of T. Default false. */
  staircase?: boolean;
  /** A floor (r < 1) or ceiling (r ≥ 1) on the decayed value. Default none. */
  endValue?: number;
}

/**
 * Linear warmup from `init` to `peak` over W steps, then {@link exponentialDecay} from `peak`
 * on the steps since the warmup: $s(t) = I + (P - I)t/W$ for t < W, else
 * $\mathrm{exponentialDecay}(P, T, r, B, \ldots)(t - W)$.
 *
 * Source: optax `warmup_exponential_decay_schedule(init_value, peak_value, warmup_steps,
 * transition_steps, decay_rate, transition_begin=0, staircase=False, end_value=None)`
 * (`optax/schedules/_schedule.py`, `join_schedules` at boundary W).
 */
export function warmupExponentialDecay(options: WarmupExponentialDecayOptions): Schedule {
  const where = 'warmupExponentialDecay';
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, [
    'init', 'peak', 'warmupSteps', 'transitionSteps', 'decayRate', 'transitionBegin', 'staircase', 'endValue',
  ]);
  const init = checkNumber(where, 'init', options.init);
  const peak = checkNumber(where, 'peak', options.peak);
  const warmupSteps = checkNumber(where, 'warmupSteps', options.warmupSteps, { min: 0 });
  const warmup = polynomialSchedule(where, { init, end: peak, power: 1, transitionSteps: warmupSteps });
  const decay = exponentialDecaySchedule(where, {
    init: peak,
    transitionSteps: options.transitionSteps,
    decayRate: options.decayRate,
    transitionBegin: options.transitionBegin,
    staircase: options.staircase,
    endValue: options.endValue,
  });
  return (step: number) => {
    checkStep(where, step);
    return step < warmupSteps ? warmup(step) : decay(step - warmupSteps);
  };
}
