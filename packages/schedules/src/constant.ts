/**
 * The constant schedule.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber } from '@descent/core';
import { type Schedule, checkOptionsObject, checkStep } from './schedule.js';

/** Options of {@link constant}. */
export interface ConstantOptions {
  /** The value returned at every step (finite). */
  value: number;
}

/**
 * A schedule that returns `value` at every step: $s(t) = v$.
 *
 * Source: optax `constant_schedule(value)` (`optax/schedules/_schedule.py`).
 */
export function constant(options: ConstantOptions): Schedule {
  const where = 'constant';
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['value']);
  const value = checkNumber(where, 'value', options.value);
  return (step: number) => {
    checkStep(where, step);
    return value;
  };
}
