import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { type BatchSizeTest, adadagradBatchSize, gradientStatistics } from '@descent/schedules';

describe('adadagradBatchSize (Lau, Liu & Kolar 2024; timlautk/AdAdaGrad tests.py)', () => {
  // The statistics of gradient-statistics.test.ts: ‖ḡ‖² = 8, Σ Var = 5, Var⟨gᵢ, ḡ⟩ = 12, Σ Var g⊥ = 3.5.
  const stats = { batchSize: 3, batchGradNormSq: 8, varianceL1: 5, innerProductVariance: 12, orthogonalVariance: 3.5 };

  it('applies each test with η = θ = ν = 0.1 by default (values by hand)', () => {
    // norm: 5/(0.01·8) = 62.5 → 63; inner product: 12/(0.01·64) = 18.75 → 19; orthogonality: 3.5/(0.01·8) = 43.75 → 44.
    const cases: [BatchSizeTest, number, number][] = [
      ['norm', 62.5, 63],
      ['inner-product', 18.75, 19],
      ['orthogonality', 43.75, 44],
      ['augmented-inner-product', 43.75, 44],
    ];
    for (const [test, required, next] of cases) {
      const c = adadagradBatchSize({ init: 3, test });
      expect(c.update(stats)).toBe(next);
      expect(c.lastRequired).toBeCloseTo(required, 12);
    }
    // η = 0.5: 5/(0.25·8) = 2.5 → 3, not below the current 3.
    expect(adadagradBatchSize({ init: 3, eta: 0.5 }).update(stats)).toBe(3);
  });

  it('only grows the batch, and caps it at maxBatchSize', () => {
    const c = adadagradBatchSize({ init: 100 });
    expect(c.update(stats)).toBe(100);
    const capped = adadagradBatchSize({ init: 2, maxBatchSize: 50 });
    expect(capped.update(stats)).toBe(50);
    expect(capped.update({ ...stats, varianceL1: 1e9 })).toBe(50);
    expect(capped.init()).toBe(2);
    expect(capped.value).toBe(2);
  });

  it('handles ḡ = 0: a zero numerator keeps b, a positive one jumps to the cap or throws without a cap', () => {
    const zero = { batchGradNormSq: 0, varianceL1: 0 };
    expect(adadagradBatchSize({ init: 4 }).update(zero)).toBe(4);
    expect(adadagradBatchSize({ init: 4, maxBatchSize: 64 }).update({ batchGradNormSq: 0, varianceL1: 2 })).toBe(64);
    const c = adadagradBatchSize({ init: 4 });
    expect(() => c.update({ batchGradNormSq: 0, varianceL1: 2 })).toThrow(DescentError);
    expect(() => c.update({ batchGradNormSq: 0, varianceL1: 2 })).toThrow(/asks for an infinite batch/);
    expect(c.value).toBe(4);
  });

  it('rejects bad options and missing statistics, naming them', () => {
    expect(() => adadagradBatchSize({ init: 1 })).toThrow(/adadagradBatchSize: init must be an integer >= 2, got 1/);
    expect(() => adadagradBatchSize({ init: 4, maxBatchSize: 3 })).toThrow(/maxBatchSize must be an integer >= 4, got 3/);
    expect(() => adadagradBatchSize({ init: 4, eta: 0 })).toThrow(/eta must be a finite number > 0, got 0/);
    expect(() => adadagradBatchSize({ init: 4, test: 'variance' as never })).toThrow(/test must be one of 'norm', 'inner-product'/);
    expect(() => adadagradBatchSize({ init: 4, test: 'inner-product' }).update({ batchGradNormSq: 1, varianceL1: 1 })).toThrow(
      /statistics.innerProductVariance must be a finite number >= 0, got undefined/,
    );
    expect(() => adadagradBatchSize({ init: 4 }).update({ batchGradNormSq: NaN, varianceL1: 1 })).toThrow(/statistics.batchGradNormSq/);
  });

  /**
   * The hand-computed trajectory. f(x) = ½(x₁² + 2x₂²) (A = diag(1, 2)), gradient descent with step ¼ on the
   * exact batch mean, x₀ = (2, 1), so x_{k+1} = (¾x₁, ½x₂) and ḡ_k = A x_k. Example i of a batch of b has
   * gradient A x_k + sᵢσv with v = (1, 2), σ² = 1/20, sᵢ = +1, −1, +1, … for the first m = 2⌊b/2⌋ examples and
   * sᵢ = 0 for a last odd one, so the noise has mean exactly 0 and, with Bessel's correction,
   *   Σ Var = mσ²‖v‖²/(b−1),  Var⟨gᵢ, ḡ⟩ = mσ²⟨v, ḡ⟩²/(b−1),  Σ Var g⊥ = mσ²(‖v‖² − ⟨v, ḡ⟩²/‖ḡ‖²)/(b−1).
   * The requested sizes r_k (exact fractions, printed rounded) and b_{k+1} = max(b_k, ⌈r_k⌉) from b₀ = 2:
   *   norm:          r = 6.25, 7.6923, 18.8513, 32.2825, 60.0851, 109.0939 → 2, 7, 8, 19, 33, 61, 110
   *   inner-product: r = 5.625, 6.9586, 9.8289, 16.727, 22.5092, 34.2317 → 2, 6, 7, 10, 17, 23, 35
   *   orthogonality: r = 0.625, 3.787, 8.8879, 17.2282, 39.7862, 76.7818 → 2, 2, 4, 9, 18, 40, 77
   *   augmented:     r = 5.625, 6.9586, 9.8289, 19.1424, 39.5535, 76.7818 → 2, 6, 7, 10, 20, 40, 77
   * e.g. k = 0: ḡ = (2, 2), ‖ḡ‖² = 8, b = m = 2: Σ Var = 2·(1/20)·5 = ½ and r_norm = ½/(0.01·8) = 6.25 → 7.
   * Every r is at least 0.02 away from an integer, far beyond float32 rounding of the statistics.
   */
  const expected: Record<BatchSizeTest, number[]> = {
    norm: [2, 7, 8, 19, 33, 61, 110],
    'inner-product': [2, 6, 7, 10, 17, 23, 35],
    orthogonality: [2, 2, 4, 9, 18, 40, 77],
    'augmented-inner-product': [2, 6, 7, 10, 20, 40, 77],
  };

  for (const test of Object.keys(expected) as BatchSizeTest[]) {
    it(`reproduces the hand-computed ${test} batch-size trajectory on a noisy quadratic`, async () => {
      const before = tf.memory().numTensors;
      const sigma = Math.sqrt(1 / 20);
      const v = [1, 2];
      let x = [2, 1];
      const controller = adadagradBatchSize({ init: 2, test });
      const trajectory = [controller.value];
      for (let k = 0; k < 6; k++) {
        const b = controller.value;
        const mean = [x[0], 2 * x[1]];
        const m = 2 * Math.floor(b / 2);
        const perExample = Array.from({ length: b }, (_, i) => {
          const s = i < m ? (i % 2 === 0 ? 1 : -1) : 0;
          return [mean[0] + s * sigma * v[0], mean[1] + s * sigma * v[1]];
        });
        const g = tf.tensor2d(perExample);
        const stats = await gradientStatistics(g);
        g.dispose();
        // The statistics themselves against the closed forms above (float32 on the device).
        const normSq = mean[0] ** 2 + mean[1] ** 2;
        const vg = v[0] * mean[0] + v[1] * mean[1];
        expect(stats.batchGradNormSq / normSq).toBeCloseTo(1, 5);
        expect(stats.varianceL1 / ((m * (1 / 20) * 5) / (b - 1))).toBeCloseTo(1, 4);
        expect(stats.innerProductVariance / ((m * (1 / 20) * vg ** 2) / (b - 1))).toBeCloseTo(1, 4);
        expect(stats.orthogonalVariance / ((m * (1 / 20) * (5 - vg ** 2 / normSq)) / (b - 1))).toBeCloseTo(1, 3);
        trajectory.push(controller.update(stats));
        x = [x[0] - 0.25 * mean[0], x[1] - 0.25 * mean[1]];
      }
      expect(trajectory).toEqual(expected[test]);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});
