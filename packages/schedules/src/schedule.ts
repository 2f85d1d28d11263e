/**
 * The `Schedule` type every constructor of this package returns, and the checks they share.
 *
 * @packageDocumentation
 */
import { checkNumber, invalidOption } from '@descent/core';

/**
 * A hyper-parameter as a pure function of the step count, `step ↦ value` (DESIGN.md §4), as in
 * optax (`optax._src.base.Schedule`). Every descent option typed `ScalarOrSchedule` accepts one.
 *
 * Steps are host numbers: `0` is the first step, fractional steps are allowed (torch's
 * `CosineAnnealingWarmRestarts` documents fractional epochs), and a negative or non-finite step
 * throws a `DescentError` naming `step`.
 */
export type Schedule = (step: number) => number;

/**
 * Validates a step count given to a schedule: a finite number ≥ 0. Throws an `invalid-option`
 * `DescentError` naming `where` and `step` otherwise.
 */
export function checkStep(where: string, step: unknown): number {
  return checkNumber(where, 'step', step, { min: 0 });
}

/** Validates that a constructor received one options object (not `undefined`, a number or an array). */
export function checkOptionsObject<T>(where: string, options: T): asserts options is T & object {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    invalidOption(where, 'options', options, 'an options object');
  }
}

/** Validates that `value` is a schedule (a function of the step). */
export function checkSchedule(where: string, parameter: string, value: unknown): Schedule {
  if (typeof value !== 'function') invalidOption(where, parameter, value, 'a schedule (step: number) => number');
  return value as Schedule;
}
