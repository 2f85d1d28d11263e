/**
 * Piecewise schedules from `{ boundary: scale }` tables: constant jumps and interpolated ramps.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber, checkOneOf, invalidOption } from '@descent/core';
import { type Schedule, checkOptionsObject, checkStep } from './schedule.js';

/** Options of {@link piecewiseConstant}; optax's `piecewise_constant_schedule` arguments in camelCase. */
export interface PiecewiseConstantOptions {
  /** I, the value before the first boundary (finite). */
  init: number;
  /**
   * `{ step: scale }`: from `step` on, the value is multiplied by `scale`. Steps are integers
   * ≥ 0 (as optax's `dict[int, float]`), scales finite and ≥ 0. Empty or omitted: the constant `init`.
   */
  boundariesAndScales?: Record<number, number>;
}

/** Options of {@link piecewiseInterpolate}; optax's `piecewise_interpolate_schedule` arguments in camelCase. */
export interface PiecewiseInterpolateOptions {
  /** `'linear'` or `'cosine'` interpolation between the accumulated values. */
  kind: 'linear' | 'cosine';
  /** I, the value at step 0 (finite). */
  init: number;
  /** `{ step: scale }` as in {@link PiecewiseConstantOptions}. Empty or omitted: the constant `init`. */
  boundariesAndScales?: Record<number, number>;
}

/**
 * Reads a `{ step: scale }` table into boundaries sorted ascending with their scales. The keys of
 * a JavaScript object are strings, so `'1'` and `'1.0'` can both be present and name the same
 * step: that, like a non-integer or negative step, is rejected rather than merged.
 */
export function boundaryTable(where: string, table: unknown): { boundaries: number[]; scales: number[] } {
  if (table === undefined) return { boundaries: [], scales: [] };
  if (table === null || typeof table !== 'object' || Array.isArray(table)) {
    invalidOption(where, 'boundariesAndScales', table, 'an object { step: scale }');
  }
  const entries = Object.entries(table as Record<string, unknown>).map(([key, scale]) => {
    const step = key.trim() === '' ? NaN : Number(key);
    checkNumber(where, `boundariesAndScales key '${key}'`, step, { min: 0, integer: true });
    checkNumber(where, `boundariesAndScales[${key}]`, scale, { min: 0 });
    return { step, scale: scale as number, key };
  });
  entries.sort((a, b) => a.step - b.step);
  for (let k = 1; k < entries.length; k++) {
    if (entries[k].step === entries[k - 1].step) {
      invalidOption(
        where,
        `boundariesAndScales key '${entries[k].key}'`,
        entries[k].key,
        `a step not already given (as '${entries[k - 1].key}'); boundaries must be strictly increasing`,
      );
    }
  }
  return { boundaries: entries.map((e) => e.step), scales: entries.map((e) => e.scale) };
}

/**
 * `init` multiplied by every scale whose boundary has been reached:
 *
 * $$s(t) = I \prod_{i:\, b_i \le t} c_i .$$
 *
 * A scale applies *at* its boundary (t = bᵢ already gets cᵢ). Past the last boundary the value
 * stays at $I\prod_i c_i$.
 *
 * Source: optax `piecewise_constant_schedule(init_value, boundaries_and_scales=None)`
 * (`optax/schedules/_schedule.py`); its doctest (I = 1, {100: 0.1, 200: 0.01}) gives 1.0, 0.1,
 * 0.001 at t = 50, 150, 250.
 */
export function piecewiseConstant(options: PiecewiseConstantOptions): Schedule {
  const where = 'piecewiseConstant';
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['init', 'boundariesAndScales']);
  const init = checkNumber(where, 'init', options.init);
  const { boundaries, scales } = boundaryTable(where, options.boundariesAndScales);
  return (step: number) => {
    checkStep(where, step);
    let v = init;
    for (let i = 0; i < boundaries.length && boundaries[i] <= step; i++) v *= scales[i];
    return v;
  };
}

/**
 * Interpolates between the *accumulated* values $v_0 = I$, $v_k = I\prod_{i \le k} c_i$ at the
 * boundaries $b_0 = 0 < b_1 < \dots$: for $b_{k-1} \le t < b_k$, with
 * $u = (t - b_{k-1}) / \max(b_k - b_{k-1}, 1)$,
 *
 * $$\text{linear: } s = v_{k-1} + (v_k - v_{k-1})\,u,\qquad
 *   \text{cosine: } s = v_k + \tfrac12 (v_{k-1} - v_k)(\cos \pi u + 1),$$
 *
 * and $s = v_K$ from the last boundary on. Continuous (boundaries are integers, so the
 * `max(·, 1)` of the reference never changes an interval).
 *
 * Source: optax `piecewise_interpolate_schedule(interpolate_type, init_value,
 * boundaries_and_scales=None)` (`optax/schedules/_schedule.py`); its doctest ('linear', I = 1,
 * {4: 0.1, 8: 0.01}) gives 1.0, 0.55, 0.1, 0.0505, 0.001, 0.001 at t = 0, 2, 4, 6, 8, 10.
 */
export function piecewiseInterpolate(options: PiecewiseInterpolateOptions): Schedule {
  const where = 'piecewiseInterpolate';
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['kind', 'init', 'boundariesAndScales']);
  const kind = checkOneOf(where, 'kind', options.kind, ['linear', 'cosine'] as const);
  const init = checkNumber(where, 'init', options.init);
  const { boundaries, scales } = boundaryTable(where, options.boundariesAndScales);
  return interpolatedSchedule(where, kind, init, boundaries, scales);
}

/** The schedule of {@link piecewiseInterpolate} from an already validated table. */
export function interpolatedSchedule(
  where: string,
  kind: 'linear' | 'cosine',
  init: number,
  boundaries: readonly number[],
  scales: readonly number[],
): Schedule {
  const bounds = [0, ...boundaries];
  const values = [init];
  for (const c of scales) values.push(values[values.length - 1] * c);
  const last = values[values.length - 1];
  return (step: number) => {
    checkStep(where, step);
    for (let k = 1; k < bounds.length; k++) {
      if (bounds[k - 1] <= step && step < bounds[k]) {
        const u = (step - bounds[k - 1]) / Math.max(bounds[k] - bounds[k - 1], 1);
        const start = values[k - 1];
        const end = values[k];
        return kind === 'linear' ? (end - start) * u + start : end + ((start - end) / 2) * (Math.cos(Math.PI * u) + 1);
      }
    }
    return last;
  };
}
