/**
 * Linear warmup followed by cosine decay.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber, invalidOption } from '@descent/core';
import { cosineDecaySchedule } from './cosine-decay.js';
import { polynomialSchedule } from './polynomial.js';
import { type Schedule, checkOptionsObject, checkStep } from './schedule.js';

/** Options of {@link warmupCosineDecay}; optax's `warmup_cosine_decay_schedule` arguments in camelCase. */
export interface WarmupCosineDecayOptions {
  /** I, the value at step 0 (finite). */
  init: number;
  /** The value reached at the end of the warmup (finite). */
  peak: number;
  /** W ≥ 0, the length of the linear warmup; 0 starts the cosine at `peak` on step 0. */
  warmupSteps: number;
  /** T > W, the total length of the schedule *including* the warmup. */
  decaySteps: number;
  /** E, the value at and after step T (finite). Default 0. */
  end?: number;
  /** p > 0, the exponent of the cosine factor. Default 1. */
  exponent?: number;
}

/**
 * Linear warmup from `init` to `peak` over W steps, then cosine decay from `peak` to `end` over
 * the remaining T − W steps (T = `decaySteps` includes the warmup):
 *
 * $$s(t) = \begin{cases} I + (P - I)\,t/W & t < W\\
 *   P\bigl[(1-\alpha)\bigl(\tfrac12(1 + \cos\tfrac{\pi \min(t - W,\,T - W)}{T - W})\bigr)^{p} + \alpha\bigr],\ \alpha = E/P & t \ge W\end{cases}$$
 *
 * (α = 0 when P = 0), holding E past step T. Defaults: end 0, exponent 1.
 *
 * Source: optax `warmup_cosine_decay_schedule(init_value, peak_value, warmup_steps, decay_steps,
 * end_value=0.0, exponent=1.0)` (`optax/schedules/_schedule.py`: `join_schedules` of a
 * `linear_schedule` and a `cosine_decay_schedule`, boundary W).
 */
export function warmupCosineDecay(options: WarmupCosineDecayOptions): Schedule {
  const where = 'warmupCosineDecay';
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['init', 'peak', 'warmupSteps', 'decaySteps', 'end', 'exponent']);
  return warmupCosineDecaySchedule(where, options);
}

/** {@link warmupCosineDecay} under another constructor's name (for its error messages). */
export function warmupCosineDecaySchedule(where: string, options: WarmupCosineDecayOptions): Schedule {
  const init = checkNumber(where, 'init', options.init);
  const peak = checkNumber(where, 'peak', options.peak);
  const warmupSteps = checkNumber(where, 'warmupSteps', options.warmupSteps, { min: 0 });
  const decaySteps = checkNumber(where, 'decaySteps', options.decaySteps, { greaterThan: 0 });
  if (decaySteps <= warmupSteps) {
    invalidOption(where, 'decaySteps', decaySteps, `> warmupSteps = ${warmupSteps} (decaySteps includes the warmup)`);
  }
  const end = checkNumber(where, 'end', options.end ?? 0);
  const exponent = checkNumber(where, 'exponent', options.exponent ?? 1, { greaterThan: 0 });
  const warmup = polynomialSchedule(where, { init, end: peak, power: 1, transitionSteps: warmupSteps });
  const decay = cosineDecaySchedule(where, {
    init: peak,
    decaySteps: decaySteps - warmupSteps,
    alpha: peak === 0 ? 0 : end / peak,
    exponent,
  });
  return (step: number) => {
    checkStep(where, step);
    return step < warmupSteps ? warmup(step) : decay(step - warmupSteps);
  };
}
