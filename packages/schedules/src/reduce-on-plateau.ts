/**
 * Reduce the learning rate when a metric stops improving, as torch's `ReduceLROnPlateau`.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber, checkOneOf, invalidOption } from '@descent/core';
import type { Controller } from './controller.js';
import { checkOptionsObject } from './schedule.js';

/** Options of {@link reduceOnPlateau}; torch's `ReduceLROnPlateau` arguments in camelCase. */
export interface ReduceOnPlateauOptions {
  /** The initial value (torch: the optimizer's learning rate), ≥ 0. Default 1 (a multiplier, as optax's scale). */
  init?: number;
  /** `'min'`: the metric should decrease (a loss); `'max'`: increase (an accuracy). Default `'min'`. */
  mode?: 'min' | 'max';
  /** The factor applied on a plateau, in [0, 1). Default 0.1. */
  factor?: number;
  /** How many bad observations in a row are tolerated; the reduction happens on the next one. An integer ≥ 0. Default 10. */
  patience?: number;
  /** The improvement needed to count as better, ≥ 0 (relative or absolute per `thresholdMode`). Default 1e-4. */
  threshold?: number;
  /** `'rel'`: better means beyond best·(1 ∓ threshold); `'abs'`: beyond best ∓ threshold. Default `'rel'`. */
  thresholdMode?: 'rel' | 'abs';
  /** Observations to wait after a reduction before counting bad ones again, an integer ≥ 0. Default 0. */
  cooldown?: number;
  /** The value is never reduced below this, ≥ 0. Default 0. */
  minLr?: number;
  /** A reduction smaller than eps is skipped, ≥ 0. Default 1e-8. */
  eps?: number;
}

/** The controller returned by {@link reduceOnPlateau}; its internal counters are readable for logging. */
export interface ReduceOnPlateau extends Controller<number> {
  /** The best metric seen so far (±Infinity before the first observation). */
  readonly best: number;
  /** Bad observations since the last improvement, reduction or cooldown step. */
  readonly numBadEpochs: number;
  /** Observations left in the current cooldown. */
  readonly cooldownCounter: number;
}

/**
 * Torch's plateau rule, observation by observation (`update(metric)` is torch's `step(metrics)`):
 *
 * - better: $a < b(1 - \theta)$ (min, rel), $a < b - \theta$ (min, abs), $a > b(1 + \theta)$
 *   (max, rel), $a > b + \theta$ (max, abs), with b the best so far (+∞ / −∞ at first);
 *   if better, b ← a and the bad count resets, else the bad count grows;
 * - while in cooldown the counter decreases and bad observations are not counted;
 * - when the bad count exceeds `patience`: $\eta \leftarrow \max(\eta\,\text{factor}, \eta_{\min})$
 *   if that lowers η by more than eps, then the cooldown starts and the bad count resets.
 *
 * A NaN metric is never better, so it counts as a bad observation, as in torch.
 * Defaults: init 1, mode 'min', factor 0.1, patience 10, threshold 1e-4, thresholdMode 'rel',
 * cooldown 0, minLr 0, eps 1e-8.
 *
 * Source: torch `ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=10,
 * threshold=1e-4, threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-8)`
 * (`torch/optim/lr_scheduler.py`: `step`, `_reduce_lr`, `is_better`). optax's
 * `contrib.reduce_on_plateau` is the same idea with `rtol`/`atol` and accumulated losses.
 */
export function reduceOnPlateau(options: ReduceOnPlateauOptions = {}): ReduceOnPlateau {
  const where = 'reduceOnPlateau';
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['init', 'mode', 'factor', 'patience', 'threshold', 'thresholdMode', 'cooldown', 'minLr', 'eps']);
  const init = checkNumber(where, 'init', options.init ?? 1, { min: 0 });
  const mode = checkOneOf(where, 'mode', options.mode ?? 'min', ['min', 'max'] as const);
  const factor = checkNumber(where, 'factor', options.factor ?? 0.1, { min: 0, lessThan: 1 });
  const patience = checkNumber(where, 'patience', options.patience ?? 10, { min: 0, integer: true });
  const threshold = checkNumber(where, 'threshold', options.threshold ?? 1e-4, { min: 0 });
  const thresholdMode = checkOneOf(where, 'thresholdMode', options.thresholdMode ?? 'rel', ['rel', 'abs'] as const);
  const cooldown = checkNumber(where, 'cooldown', options.cooldown ?? 0, { min: 0, integer: true });
  const minLr = checkNumber(where, 'minLr', options.minLr ?? 0, { min: 0 });
  const eps = checkNumber(where, 'eps', options.eps ?? 1e-8, { min: 0 });

  const worst = mode === 'min' ? Infinity : -Infinity;
  const isBetter = (a: number, best: number): boolean => {
    if (mode === 'min') return thresholdMode === 'rel' ? a < best * (1 - threshold) : a < best - threshold;
    return thresholdMode === 'rel' ? a > best * (threshold + 1) : a > best + threshold;
  };

  let value = init;
  let best = worst;
  let numBadEpochs = 0;
  let cooldownCounter = 0;
  return {
    init() {
      value = init;
      best = worst;
      numBadEpochs = 0;
      cooldownCounter = 0;
      return value;
    },
    update(metric: number) {
      if (typeof metric !== 'number') invalidOption(where, 'metric', metric, 'a number');
      if (isBetter(metric, best)) {
        best = metric;
        numBadEpochs = 0;
      } else {
        numBadEpochs += 1;
      }
      if (cooldownCounter > 0) {
        cooldownCounter -= 1;
        numBadEpochs = 0;
      }
      if (numBadEpochs > patience) {
        const reduced = Math.max(value * factor, minLr);
        if (value - reduced > eps) value = reduced;
        cooldownCounter = cooldown;
        numBadEpochs = 0;
      }
      return value;
    },
    get value() {
      return value;
    },
    get best() {
      return best;
    },
    get numBadEpochs() {
      return numBadEpochs;
    },
    get cooldownCounter() {
      return cooldownCounter;
    },
  };
}
