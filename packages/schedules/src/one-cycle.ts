/**
 * The one-cycle policy (Smith & Topin): warm up to a peak, then anneal far below the start.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber, checkOneOf, invalidOption } from '@descent/core';
import { interpolatedSchedule } from './piecewise.js';
import { type Schedule, checkOptionsObject } from './schedule.js';

/** Options of {@link oneCycle}; optax's `cosine_onecycle_schedule` / `linear_onecycle_schedule` arguments in camelCase. */
export interface OneCycleOptions {
  /** T, the length of the cycle: an integer ≥ 1. */
  transitionSteps: number;
  /** P, the value at step ⌊pctStart · T⌋ (finite). */
  peak: number;
  /** The fraction of the cycle spent warming up, in [0, 1). Default 0.3. */
  pctStart?: number;
  /** `'linear'` only: the fraction of the cycle at which the value is back at P/div, in (pctStart, 1). Default 0.85. */
  pctFinal?: number;
  /** div > 0: the cycle starts at P/div. Default 25. */
  divFactor?: number;
  /** final > 0: the cycle ends at P/(div · final). Default 1e4. */
  finalDivFactor?: number;
  /** `'cosine'` (optax's `cosine_onecycle_schedule`; `'cos'`, torch's spelling, is accepted) or `'linear'`. Default `'cosine'`. */
  kind?: 'cosine' | 'cos' | 'linear';
}

/**
 * The one-cycle schedule with optax's semantics, a {@link piecewiseInterpolate} over the
 * accumulated values at integer boundaries:
 *
 * - cosine: $P/d \to P$ on $[0, \lfloor p_s T\rfloor]$, then $P \to P/(d f)$ on
 *   $[\lfloor p_s T\rfloor, T]$, each leg $v_1 + \tfrac12(v_0 - v_1)(\cos \pi u + 1)$;
 * - linear: $P/d \to P$ on $[0, \lfloor p_s T\rfloor]$, $P \to P/d$ on
 *   $[\lfloor p_s T\rfloor, \lfloor p_f T\rfloor]$, $P/d \to P/(d f)$ on $[\lfloor p_f T\rfloor, T]$,
 *
 * holding $P/(d f)$ from step T on (d = divFactor, f = finalDivFactor, p_s = pctStart, p_f = pctFinal).
 * When ⌊p_s T⌋ = 0 the warmup is empty and the cycle starts at the peak. Defaults: pctStart 0.3,
 * pctFinal 0.85, divFactor 25, finalDivFactor 1e4, kind 'cosine'.
 *
 * Source: optax `cosine_onecycle_schedule(transition_steps, peak_value, pct_start=0.3,
 * div_factor=25.0, final_div_factor=1e4)` and `linear_onecycle_schedule(…, pct_final=0.85, …)`
 * (`optax/schedules/_schedule.py`); Smith & Topin, "Super-Convergence: Very Fast Training of
 * Neural Networks Using Large Learning Rates", 2017 (arXiv:1708.07120). torch's `OneCycleLR` has
 * the same start and end values but places the peak at step ⌊p_s T⌋ − 1 and ends at T − 1.
 * Where ⌊p_s T⌋ = ⌊p_f T⌋, optax's `{step: scale}` dict silently drops a phase; here that
 * `transitionSteps` is rejected.
 */
export function oneCycle(options: OneCycleOptions): Schedule {
  const where = 'oneCycle';
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['transitionSteps', 'peak', 'pctStart', 'pctFinal', 'divFactor', 'finalDivFactor', 'kind']);
  const steps = checkNumber(where, 'transitionSteps', options.transitionSteps, { min: 1, integer: true });
  const peak = checkNumber(where, 'peak', options.peak);
  const pctStart = checkNumber(where, 'pctStart', options.pctStart ?? 0.3, { min: 0, lessThan: 1 });
  const div = checkNumber(where, 'divFactor', options.divFactor ?? 25, { greaterThan: 0 });
  const finalDiv = checkNumber(where, 'finalDivFactor', options.finalDivFactor ?? 1e4, { greaterThan: 0 });
  const kind = checkOneOf(where, 'kind', options.kind ?? 'cosine', ['cosine', 'cos', 'linear'] as const);
  const rise = Math.floor(pctStart * steps);
  if (kind !== 'linear') {
    if (options.pctFinal !== undefined) invalidOption(where, 'pctFinal', options.pctFinal, "undefined unless kind is 'linear'");
    return interpolatedSchedule(where, 'cosine', peak / div, [rise, steps], [div, 1 / (div * finalDiv)]);
  }
  const pctFinal = checkNumber(where, 'pctFinal', options.pctFinal ?? 0.85, { greaterThan: pctStart, lessThan: 1 });
  const fall = Math.floor(pctFinal * steps);
  if (fall <= rise || fall >= steps) {
    invalidOption(
      where,
      'transitionSteps',
      steps,
      `large enough that floor(pctStart·T) = ${rise} < floor(pctFinal·T) = ${fall} < T (three distinct phases)`,
    );
  }
  return interpolatedSchedule(where, 'linear', peak / div, [rise, fall, steps], [div, 1 / div, 1 / finalDiv]);
}
