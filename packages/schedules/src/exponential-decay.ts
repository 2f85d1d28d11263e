/**
 * Exponential decay, continuous or staircase.
 *
 * @packageDocumentation
 */
import { checkBoolean, checkKnownOptions, checkNumber } from '@descent/core';
import { type Schedule, checkOptionsObject, checkStep } from './schedule.js';

/** Options of {@link exponentialDecay}; optax's `exponential_decay` arguments in camelCase. */
export interface ExponentialDecayOptions {
  /** I, the value up to `transitionBegin` (finite). */
  init: number;
  /** T > 0, the number of steps over which the value is multiplied by `decayRate` once. */
  transitionSteps: number;
  /** r > 0, the decay rate (r < 1 decays, r > 1 grows). */
  decayRate: number;
  /** B ≥ 0, the step at which the decay starts. Default 0. */
  transitionBegin?: number;
  /** Decay in whole steps of T (floor of the exponent). Default false. */
  staircase?: boolean;
  /** A floor (r < 1) or ceiling (r ≥ 1) on the value (finite). Default none. */
  endValue?: number;
}

/**
 * Exponential decay from `init` at rate r per T steps after step B:
 *
 * $$s(t) = \begin{cases} I & t \le B\\ I\, r^{(t - B)/T} & t > B\end{cases}
 *   \quad(\text{staircase: } r^{\lfloor (t-B)/T \rfloor}),$$
 *
 * then clipped by `endValue`: $\max(s, E)$ when r < 1, $\min(s, E)$ when r ≥ 1 — at every step,
 * including t ≤ B, exactly as optax applies it. Without `endValue` there is no end: the value
 * keeps decaying (or growing) past any step. Defaults: transitionBegin 0, staircase false, no endValue.
 *
 * Source: optax `exponential_decay(init_value, transition_steps, decay_rate, transition_begin=0,
 * staircase=False, end_value=None)` (`optax/schedules/_schedule.py`). optax turns
 * `transition_steps ≤ 0` or `decay_rate = 0` into a constant schedule and a negative
 * `transition_begin` into 0 (logging only); its docstring says "must be positive" / "must not be
 * zero", and here those inputs are errors.
 */
export function exponentialDecay(options: ExponentialDecayOptions): Schedule {
  const where = 'exponentialDecay';
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['init', 'transitionSteps', 'decayRate', 'transitionBegin', 'staircase', 'endValue']);
  return exponentialDecaySchedule(where, options);
}

/** {@link exponentialDecay} under another constructor's name (for its error messages). */
export function exponentialDecaySchedule(where: string, options: ExponentialDecayOptions): Schedule {
  const init = checkNumber(where, 'init', options.init);
  const steps = checkNumber(where, 'transitionSteps', options.transitionSteps, { greaterThan: 0 });
  const rate = checkNumber(where, 'decayRate', options.decayRate, { greaterThan: 0 });
  const begin = checkNumber(where, 'transitionBegin', options.transitionBegin ?? 0, { min: 0 });
  const staircase = checkBoolean(where, 'staircase', options.staircase ?? false);
  const endValue = options.endValue === undefined ? undefined : checkNumber(where, 'endValue', options.endValue);
  return (step: number) => {
    checkStep(where, step);
    const since = step - begin;
    let p = since / steps;
    if (staircase) p = Math.floor(p);
    const value = since <= 0 ? init : init * rate ** p;
    if (endValue === undefined) return value;
    return rate < 1 ? Math.max(value, endValue) : Math.min(value, endValue);
  };
}
