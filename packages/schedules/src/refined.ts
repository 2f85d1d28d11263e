/**
 * Refined schedules: a learning-rate schedule computed from the gradient norms of a previous run.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber, checkOneOf, invalidOption } from '@descent/core';
import { type Schedule, checkOptionsObject, checkStep } from './schedule.js';

/** Options of {@link refined}. */
export interface RefinedOptions {
  /**
   * `'sgd'`: weights $w_t = \hat G_t^{-2}$, for SGD-like methods, with `gradNorms` the ℓ2 norms
   * ‖g_t‖₂. `'adam'`: weights $w_t = \hat G_t^{-1}$, for Adam and other coordinate-wise methods,
   * with `gradNorms` the ℓ1 norms ‖g_t‖₁ (the paper's "ℓ1-norm inverse weighting").
   */
  kind: 'sgd' | 'adam';
  /**
   * τ ∈ [0, 1], the median filter's width as a fraction of the recorded run (the reference's
   * `sigma2`): width = 2⌊⌊τ·n⌋/2⌋ + 1. Default 0.1. Give `smoothing` or `window`, not both.
   */
  smoothing?: number;
  /**
   * The median filter's width in steps, an integer ≥ 0, forced odd as the reference does:
   * width = 2⌊window/2⌋ + 1 (0 or 1: no smoothing). Default: from `smoothing`.
   */
  window?: number;
  /**
   * The length of the new run, an integer ≥ 2, if it differs from the recorded one: the smoothed
   * norms are linearly interpolated onto `steps` equally spaced points first. Default `gradNorms.length`.
   */
  steps?: number;
  /** The schedule's maximum (finite). Default 1 (the schedule is normalised to peak 1, then scaled). */
  peak?: number;
}

/**
 * The refined schedule of Defazio, Cutkosky, Mehta & Mishchenko, "When, Why and How Much? Adaptive
 * Learning Rate Scheduling by Refinement" (arXiv:2310.07831, 2023): run once with a baseline
 * schedule (e.g. {@link linearDecay}), record the gradient norm $G_t$ of every step, then
 *
 * 1. smooth: $\hat G$ = median filter of G with an odd width (`smoothing` τ = 0.1 of the run by
 *    default), the sequence first padded at its end with 2·width `reflect`-padded values and
 *    filtered with `nearest` edges, then cut back to its length — the reference's
 *    `median_filter(np.pad(G, (0, 2w), mode='reflect'), size=w, mode='nearest')[:-2w]`;
 * 2. optionally resample $\hat G$ to the new run's length `steps` by linear interpolation;
 * 3. weight: $w_t = \hat G_t^{-2}$ (`'sgd'`) or $\hat G_t^{-1}$ (`'adam'`, with ℓ1 norms);
 * 4. $$s_t = w_t \,\frac{\sum_{p > t} w_p}{\sum_p w_p}\quad (s_{T-1} = 0),\qquad s \leftarrow P\, s / \max_t s.$$
 *
 * Large early norms give a warmup; a rise of the norms near the end gives a faster anneal. With
 * constant norms the result is exactly {@link linearDecay}: $s_t = P\,(T - 1 - t)/(T - 1)$
 * (the weights are divided by their maximum first — it cancels in the normalisation — so equal
 * norms give weights of exactly 1 and the sums are exact integers).
 *
 * The schedule has `steps` values, for steps 0 … T − 1; it is 0 from T − 1 on (past the end it
 * stays 0) and linearly interpolated between integer steps. `gradNorms` must hold at least two
 * finite, positive numbers (a zero norm would give an infinite weight).
 *
 * Sources: the paper's Algorithm (refinement) and the authors' code, `find_schedule.py`
 * (`find_closed_form_schedule`, which divides by the last tail sum instead of the total — the
 * same after normalising to peak 1) and the median-filter snippet of its README.
 */
export function refined(gradNorms: ArrayLike<number>, options: RefinedOptions): Schedule {
  const where = 'refined';
  const values = refinedValues(where, gradNorms, options);
  const last = values.length - 1;
  return (step: number) => {
    checkStep(where, step);
    if (step >= last) return values[last];
    const i = Math.floor(step);
    const frac = step - i;
    return frac === 0 ? values[i] : values[i] + (values[i + 1] - values[i]) * frac;
  };
}

function refinedValues(where: string, gradNorms: ArrayLike<number>, options: RefinedOptions): number[] {
  if (gradNorms === null || typeof gradNorms !== 'object' || typeof gradNorms.length !== 'number') {
    invalidOption(where, 'gradNorms', gradNorms, 'an array of gradient norms');
  }
  const n = gradNorms.length;
  if (n < 2) invalidOption(where, 'gradNorms', gradNorms, 'at least 2 gradient norms');
  const norms: number[] = [];
  for (let i = 0; i < n; i++) norms.push(checkNumber(where, `gradNorms[${i}]`, gradNorms[i], { greaterThan: 0 }));
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['kind', 'smoothing', 'window', 'steps', 'peak']);
  const kind = checkOneOf(where, 'kind', options.kind, ['sgd', 'adam'] as const);
  if (options.smoothing !== undefined && options.window !== undefined) {
    invalidOption(where, 'window', options.window, 'undefined when smoothing is given (both set the filter width)');
  }
  let width: number;
  if (options.window !== undefined) {
    const window = checkNumber(where, 'window', options.window, { min: 0, integer: true });
    width = 2 * Math.floor(window / 2) + 1;
  } else {
    const tau = checkNumber(where, 'smoothing', options.smoothing ?? 0.1, { min: 0, max: 1 });
    width = 2 * Math.floor(Math.floor(tau * n) / 2) + 1;
  }
  const steps = checkNumber(where, 'steps', options.steps ?? n, { min: 2, integer: true });
  const peak = checkNumber(where, 'peak', options.peak ?? 1);

  const smoothed = resample(medianFilter(norms, width), steps);
  const power = kind === 'sgd' ? 2 : 1;
  // (G_min / G_t)^q is w_t / max w: immune to overflow for tiny norms, and exactly 1 for equal norms.
  const smallest = smoothed.reduce((a, b) => Math.min(a, b));
  const weights = smoothed.map((g) => (smallest / g) ** power);
  const s = new Array<number>(steps).fill(0);
  let tail = 0;
  for (let t = steps - 2; t >= 0; t--) {
    tail += weights[t + 1];
    s[t] = weights[t] * tail;
  }
  const top = s.reduce((a, b) => Math.max(a, b));
  return s.map((v) => (v / top) * peak);
}

/**
 * The reference's smoothing: pad the end with 2·width values by numpy's `reflect` rule (mirror
 * without repeating the edge, period 2(n − 1)), take the running median of `width` values with
 * scipy's `nearest` rule at the start (indices below 0 read element 0), keep the first n.
 */
function medianFilter(g: readonly number[], width: number): number[] {
  const n = g.length;
  if (width <= 1) return [...g];
  const period = 2 * (n - 1);
  const padded = (j: number): number => {
    if (j < 0) return g[0];
    if (j < n) return g[j];
    const m = j % period;
    return g[m < n ? m : period - m];
  };
  const half = (width - 1) / 2;
  const window = new Array<number>(width);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < width; k++) window[k] = padded(i - half + k);
    window.sort((a, b) => a - b);
    out.push(window[half]);
  }
  return out;
}

/** Linear interpolation of `g` (n points on [0, 1]) onto `steps` equally spaced points. */
function resample(g: readonly number[], steps: number): number[] {
  const n = g.length;
  if (steps === n) return [...g];
  const out: number[] = [];
  for (let j = 0; j < steps; j++) {
    const x = (j * (n - 1)) / (steps - 1);
    const i = Math.min(Math.floor(x), n - 2);
    const frac = x - i;
    out.push(g[i] + (g[i + 1] - g[i]) * frac);
  }
  return out;
}
