/**
 * Cyclical learning rates (Smith 2017) as torch's `CyclicLR` computes them.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber, checkOneOf, invalidOption } from '@descent/core';
import { type Schedule, checkOptionsObject, checkSchedule, checkStep } from './schedule.js';

/** Options of {@link cyclic}; torch's `CyclicLR` arguments in camelCase. */
export interface CyclicOptions {
  /** The lower bound of the cycle (torch's `base_lr`; finite). */
  baseLr: number;
  /** The upper amplitude bound (torch's `max_lr`; finite). */
  maxLr: number;
  /** Steps in the increasing half of a cycle, > 0. Default 2000. */
  stepSizeUp?: number;
  /** Steps in the decreasing half of a cycle, ≥ 0. Default `stepSizeUp`. */
  stepSizeDown?: number;
  /** The amplitude policy. Default `'triangular'`; ignored when `scaleFn` is given. */
  mode?: 'triangular' | 'triangular2' | 'exp_range';
  /** γ > 0 of `'exp_range'` (amplitude γ^t). Default 1. */
  gamma?: number;
  /** A custom amplitude scale, overriding `mode`; called with the cycle number or the step (see `scaleMode`). */
  scaleFn?: (x: number) => number;
  /** What `scaleFn` receives: `'cycle'` (1, 2, …) or `'iterations'` (the step). Default `'cycle'`. */
  scaleMode?: 'cycle' | 'iterations';
}

/**
 * The cyclical learning rate of torch's `CyclicLR` (closed form of `get_lr`): with
 * S = up + down, r = up / S,
 *
 * $$c = \lfloor 1 + t/S \rfloor,\quad x = 1 + t/S - c,\quad
 *   f = \begin{cases} x / r & x \le r\\ (x - 1)/(r - 1) & x > r\end{cases},\quad
 *   s(t) = \text{base} + (\text{max} - \text{base})\, f\, \sigma,$$
 *
 * σ = 1 (`'triangular'`), $1/2^{c-1}$ (`'triangular2'`, per cycle) or $\gamma^{t}$
 * (`'exp_range'`, per step). It starts at `baseLr` on step 0, peaks at `maxLr·σ` after
 * `stepSizeUp` steps and repeats forever (no end). torch's momentum cycling is not part of a
 * learning-rate schedule; build it with a second `cyclic` between the two momenta if needed.
 * Defaults: stepSizeUp 2000, stepSizeDown = stepSizeUp, mode 'triangular', gamma 1.
 *
 * Source: torch `CyclicLR(optimizer, base_lr, max_lr, step_size_up=2000, step_size_down=None,
 * mode='triangular', gamma=1.0, scale_fn=None, scale_mode='cycle')` (`torch/optim/lr_scheduler.py`);
 * Smith, "Cyclical Learning Rates for Training Neural Networks", WACV 2017.
 */
export function cyclic(options: CyclicOptions): Schedule {
  const where = 'cyclic';
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['baseLr', 'maxLr', 'stepSizeUp', 'stepSizeDown', 'mode', 'gamma', 'scaleFn', 'scaleMode']);
  const base = checkNumber(where, 'baseLr', options.baseLr);
  const max = checkNumber(where, 'maxLr', options.maxLr);
  const up = checkNumber(where, 'stepSizeUp', options.stepSizeUp ?? 2000, { greaterThan: 0 });
  const down = checkNumber(where, 'stepSizeDown', options.stepSizeDown ?? up, { min: 0 });
  const mode = checkOneOf(where, 'mode', options.mode ?? 'triangular', ['triangular', 'triangular2', 'exp_range'] as const);
  const gamma = checkNumber(where, 'gamma', options.gamma ?? 1, { greaterThan: 0 });
  const total = up + down;
  const ratio = up / total;
  let scale: (x: number) => number;
  let perCycle: boolean;
  if (options.scaleFn !== undefined) {
    const fn = checkSchedule(where, 'scaleFn', options.scaleFn);
    perCycle = checkOneOf(where, 'scaleMode', options.scaleMode ?? 'cycle', ['cycle', 'iterations'] as const) === 'cycle';
    scale = (x) => {
      const v = fn(x);
      if (typeof v !== 'number' || !Number.isFinite(v)) invalidOption(where, `scaleFn(${x})`, v, 'a finite number');
      return v;
    };
  } else {
    if (options.scaleMode !== undefined) invalidOption(where, 'scaleMode', options.scaleMode, 'undefined unless scaleFn is given');
    perCycle = mode !== 'exp_range';
    scale = mode === 'triangular' ? () => 1 : mode === 'triangular2' ? (c) => 1 / 2 ** (c - 1) : (t) => gamma ** t;
  }
  return (step: number) => {
    checkStep(where, step);
    const cycle = Math.floor(1 + step / total);
    const x = 1 + step / total - cycle;
    const f = x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
    return base + (max - base) * f * scale(perCycle ? cycle : step);
  };
}
