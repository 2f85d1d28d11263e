/**
 * AdAdaGrad's adaptive batch size: grow the batch when the gradient noise outweighs the signal.
 *
 * @packageDocumentation
 */
import { DescentError, checkKnownOptions, checkNumber, checkOneOf, invalidOption } from '@descent/core';
import type { Controller } from './controller.js';
import type { GradientStatistics } from './gradient-statistics.js';
import { checkOptionsObject } from './schedule.js';

/** Which test decides the next batch size. */
export type BatchSizeTest = 'norm' | 'inner-product' | 'orthogonality' | 'augmented-inner-product';

/** Options of {@link adadagradBatchSize}. */
export interface AdadagradBatchSizeOptions {
  /** b₀, the initial batch size: an integer ≥ 2 (the variances need two examples). */
  init: number;
  /** The test. Default `'norm'`. */
  test?: BatchSizeTest;
  /** η > 0 of the norm test. Default 0.1. */
  eta?: number;
  /** θ > 0 of the (augmented) inner-product test. Default 0.1. */
  theta?: number;
  /** ν > 0 of the orthogonality and augmented inner-product tests. Default 0.1. */
  nu?: number;
  /** The batch size never exceeds this (e.g. the dataset size): an integer ≥ init, or Infinity. Default Infinity. */
  maxBatchSize?: number;
}

/**
 * The statistics a test reads: ‖ḡ‖² and the numerator of the chosen test (see
 * {@link GradientStatistics}; {@link gradientStatistics} computes them all from per-example gradients).
 */
export type BatchSizeObservation = Pick<GradientStatistics, 'batchGradNormSq'> &
  Partial<Pick<GradientStatistics, 'varianceL1' | 'innerProductVariance' | 'orthogonalVariance' | 'batchSize'>>;

/** The controller returned by {@link adadagradBatchSize}. */
export interface AdadagradBatchSize extends Controller<BatchSizeObservation> {
  /** The unrounded batch size the last test asked for (0 before any test). */
  readonly lastRequired: number;
}

/**
 * Adaptive batch sizes of AdAdaGrad / AdAdaGrad-Norm (Lau, Liu & Kolar, "AdAdaGrad: Adaptive Batch
 * Size Schemes for Adaptive Gradient Methods", arXiv:2402.11215, 2024). Each `update(statistics)`
 * runs one test on the current batch's per-example gradients and sets
 *
 * $$b_{k+1} = \min\bigl(b_{\max},\ \max(b_k, \lceil r_k \rceil)\bigr)$$
 *
 * so the batch only grows, with r_k from the chosen test (Bessel-corrected variances, ḡ the batch mean):
 *
 * - `'norm'` (Byrd, Chin, Nocedal & Wu 2012): $r = \sum_j \operatorname{Var}_i(g_{i,j}) / (\eta^2\|\bar g\|^2)$,
 *   the practical form of $\mathbb E\|\bar g - \nabla F\|^2 \le \eta^2\|\nabla F\|^2$;
 * - `'inner-product'` (Bollapragada, Byrd & Nocedal 2018): $r = \operatorname{Var}_i\langle g_i, \bar g\rangle / (\theta^2\|\bar g\|^4)$;
 * - `'orthogonality'`: $r = \sum_j \operatorname{Var}_i(g_i^{\perp})_j / (\nu^2\|\bar g\|^2)$ with
 *   $g_i^{\perp} = g_i - \frac{\langle g_i, \bar g\rangle}{\|\bar g\|^2}\bar g$;
 * - `'augmented-inner-product'`: the larger of the inner-product and orthogonality r.
 *
 * Call `update` on the steps where you test (the authors test every `test_interval` steps while
 * b < b_max). If ‖ḡ‖² = 0, a zero numerator leaves b unchanged and a positive one asks for an
 * infinite batch: b becomes `maxBatchSize`, or, with no finite maximum, a `non-finite`
 * DescentError is thrown before any state changes. Defaults: test 'norm', η = θ = ν = 0.1 (the
 * authors' command-line defaults; their experiments use η ∈ {0.1, 0.5}, θ = 0.5, ν = 1), no maximum.
 *
 * Source: the authors' code `timlautk/AdAdaGrad` (`tests.py`: `norm_test`, `inner_product_test`,
 * `orthogonality_test`, `inner_product_orthogonality_test`; `main.py` for the cap). The paper's
 * coordinate-wise variant of the norm test is not implemented (it is not in the released code).
 */
export function adadagradBatchSize(options: AdadagradBatchSizeOptions): AdadagradBatchSize {
  const where = 'adadagradBatchSize';
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['init', 'test', 'eta', 'theta', 'nu', 'maxBatchSize']);
  const init = checkNumber(where, 'init', options.init, { min: 2, integer: true });
  const test = checkOneOf(where, 'test', options.test ?? 'norm', ['norm', 'inner-product', 'orthogonality', 'augmented-inner-product'] as const);
  const eta = checkNumber(where, 'eta', options.eta ?? 0.1, { greaterThan: 0 });
  const theta = checkNumber(where, 'theta', options.theta ?? 0.1, { greaterThan: 0 });
  const nu = checkNumber(where, 'nu', options.nu ?? 0.1, { greaterThan: 0 });
  const max = options.maxBatchSize ?? Infinity;
  if (max !== Infinity) checkNumber(where, 'maxBatchSize', max, { min: init, integer: true });

  const numerator = (stats: BatchSizeObservation, field: 'varianceL1' | 'innerProductVariance' | 'orthogonalVariance') =>
    checkNumber(where, `statistics.${field}`, stats[field], { min: 0 });
  // A zero denominator with a zero numerator asks for nothing; with a positive one, for everything.
  const ratio = (top: number, bottom: number) => (top === 0 ? 0 : top / bottom);
  const required = (stats: BatchSizeObservation): number => {
    const normSq = checkNumber(where, 'statistics.batchGradNormSq', stats.batchGradNormSq, { min: 0 });
    const innerProduct = () => ratio(numerator(stats, 'innerProductVariance'), theta ** 2 * normSq ** 2);
    const orthogonal = () => ratio(numerator(stats, 'orthogonalVariance'), nu ** 2 * normSq);
    switch (test) {
      case 'norm':
        return ratio(numerator(stats, 'varianceL1'), eta ** 2 * normSq);
      case 'inner-product':
        return innerProduct();
      case 'orthogonality':
        return orthogonal();
      case 'augmented-inner-product':
        return Math.max(innerProduct(), orthogonal());
    }
  };

  let value = init;
  let lastRequired = 0;
  return {
    init() {
      value = init;
      lastRequired = 0;
      return value;
    },
    update(statistics: BatchSizeObservation) {
      if (statistics === null || typeof statistics !== 'object') invalidOption(where, 'statistics', statistics, 'gradient statistics');
      const r = required(statistics);
      const next = Math.min(max, Math.max(value, Math.ceil(r)));
      if (!Number.isFinite(next)) {
        throw new DescentError(
          'non-finite',
          `${where}: the ${test} test asks for an infinite batch (statistics.batchGradNormSq is 0) and maxBatchSize is not set`,
          { parameter: 'statistics.batchGradNormSq', value: statistics.batchGradNormSq },
        );
      }
      lastRequired = r;
      value = next;
      return value;
    },
    get value() {
      return value;
    },
    get lastRequired() {
      return lastRequired;
    },
  };
}
