/**
 * Sequential composition of schedules.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber, invalidOption } from '@descent/core';
import { type Schedule, checkOptionsObject, checkSchedule, checkStep } from './schedule.js';

/** Options of {@link join}; optax's `join_schedules` arguments. */
export interface JoinOptions {
  /** s₀ … s_K, at least one schedule. */
  schedules: readonly Schedule[];
  /** b₁ < … < b_K, one fewer than `schedules`: finite, ≥ 0, strictly increasing. */
  boundaries: readonly number[];
}

/**
 * Runs `schedules[k]` from `boundaries[k-1]` to `boundaries[k]`, each seeing the steps since its
 * own start:
 *
 * $$s(t) = s_k(t - b_k)\quad\text{for } b_k \le t < b_{k+1},\qquad b_0 = 0,\ b_{K+1} = \infty.$$
 *
 * The last schedule runs forever; with one schedule and no boundaries `join` is that schedule.
 * Boundaries must be strictly increasing (optax does not check; equal or decreasing boundaries
 * would silently skip schedules), so an empty phase is expressed by leaving its schedule out.
 *
 * Source: optax `join_schedules(schedules, boundaries)` (`optax/schedules/_join.py`).
 */
export function join(options: JoinOptions): Schedule {
  const where = 'join';
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['schedules', 'boundaries']);
  const { schedules, boundaries } = options;
  if (!Array.isArray(schedules) || schedules.length === 0) {
    invalidOption(where, 'schedules', schedules, 'a non-empty array of schedules');
  }
  schedules.forEach((s, k) => checkSchedule(where, `schedules[${k}]`, s));
  if (!Array.isArray(boundaries)) invalidOption(where, 'boundaries', boundaries, 'an array of steps');
  if (boundaries.length !== schedules.length - 1) {
    invalidOption(where, 'boundaries', boundaries, `${schedules.length - 1} steps (one fewer than schedules)`);
  }
  boundaries.forEach((b, k) => {
    checkNumber(where, `boundaries[${k}]`, b, { min: 0 });
    if (k > 0 && b <= boundaries[k - 1]) {
      invalidOption(where, `boundaries[${k}]`, b, `> boundaries[${k - 1}] = ${boundaries[k - 1]} (strictly increasing)`);
    }
  });
  const parts = [...schedules];
  const starts = [0, ...boundaries];
  return (step: number) => {
    checkStep(where, step);
    let k = starts.length - 1;
    while (k > 0 && step < starts[k]) k--;
    return parts[k](step - starts[k]);
  };
}
