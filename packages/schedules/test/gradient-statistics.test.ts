import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { gradientStatistics } from '@descent/schedules';

// Per-example gradients g₁ = (1, 2), g₂ = (3, 0), g₃ = (2, 4); by hand: ḡ = (2, 2), ‖ḡ‖² = 8;
// Σ‖gᵢ − ḡ‖² = 1 + 5 + 4 = 10 → varianceL1 = 10/2 = 5; ⟨gᵢ, ḡ⟩ = 6, 6, 12 (mean 8) → Var = (4 + 4 + 16)/2 = 12;
// gᵢ − (⟨gᵢ, ḡ⟩/8)ḡ = (−½, ½), (3/2, −3/2), (−1, 1) (mean 0) → Σ‖·‖² = 7 → orthogonalVariance = 3.5.
const rows = [
  [1, 2],
  [3, 0],
  [2, 4],
];

describe('gradientStatistics (AdAdaGrad tests.py statistics, with tfjs)', () => {
  it('computes ‖ḡ‖², the variance sum, the inner-product and orthogonal variances of a [batch, dim] tensor', async () => {
    const before = tf.memory().numTensors;
    const g = tf.tensor2d(rows);
    const stats = await gradientStatistics(g);
    g.dispose();
    expect(stats.batchSize).toBe(3);
    expect(stats.batchGradNormSq).toBeCloseTo(8, 5);
    expect(stats.varianceL1).toBeCloseTo(5, 5);
    expect(stats.innerProductVariance).toBeCloseTo(12, 4);
    expect(stats.orthogonalVariance).toBeCloseTo(3.5, 5);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('flattens each example of a higher-rank tensor', async () => {
    const g = tf.tensor3d(rows.map((r) => [r]));
    const stats = await gradientStatistics(g);
    g.dispose();
    expect(stats.varianceL1).toBeCloseTo(5, 5);
    expect(stats.orthogonalVariance).toBeCloseTo(3.5, 5);
  });

  it('takes a list of per-example gradient trees and sums per-leaf statistics, as the authors’ code does', async () => {
    const before = tf.memory().numTensors;
    const trees = rows.map(([a, b]) => ({ a: tf.tensor1d([a]), b: [tf.tensor2d([[b]])] }));
    const stats = await gradientStatistics(trees);
    for (const t of trees) tf.dispose([t.a, ...t.b]);
    expect(tf.memory().numTensors).toBe(before);
    // Leaf a: values 1, 3, 2 (mean 2); leaf b: 2, 0, 4 (mean 2). ‖ḡ‖² and Σ Var are the same as on the whole vector;
    // the inner products are per leaf: Var(2, 6, 4) + Var(4, 0, 8) = 4 + 16 = 20, and a one-coordinate leaf has no
    // orthogonal part (0), where the concatenated vector gives 12 and 3.5.
    expect(stats.batchGradNormSq).toBeCloseTo(8, 5);
    expect(stats.varianceL1).toBeCloseTo(5, 5);
    expect(stats.innerProductVariance).toBeCloseTo(20, 4);
    expect(stats.orthogonalVariance).toBeCloseTo(0, 5);
    // One leaf per tree: identical to the stacked tensor.
    const single = rows.map((r) => tf.tensor1d(r));
    const same = await gradientStatistics(single);
    tf.dispose(single);
    expect(same.innerProductVariance).toBeCloseTo(12, 4);
    expect(same.orthogonalVariance).toBeCloseTo(3.5, 5);
  });

  it('with ḡ = 0 takes the projection as 0, so the orthogonal variance is the whole variance', async () => {
    const g = tf.tensor2d([
      [1, -1],
      [-1, 1],
    ]);
    const stats = await gradientStatistics(g);
    g.dispose();
    expect(stats.batchGradNormSq).toBe(0);
    expect(stats.varianceL1).toBeCloseTo(4, 6);
    expect(stats.innerProductVariance).toBe(0);
    expect(stats.orthogonalVariance).toBeCloseTo(4, 6);
  });

  it('rejects a single example, rank-1 tensors, non-float32 gradients and mismatched trees', async () => {
    const one = tf.tensor2d([[1, 2]]);
    await expect(gradientStatistics(one)).rejects.toThrow(/gradientStatistics: perExample must be at least 2 per-example gradients/);
    const flat = tf.tensor1d([1, 2]);
    await expect(gradientStatistics(flat)).rejects.toThrow(/perExample must be a tensor \[batch, …\] of rank ≥ 2/);
    const ints = tf.tensor2d(rows, [3, 2], 'int32');
    await expect(gradientStatistics(ints)).rejects.toThrow(/per-example gradients must be float32, got int32/);
    const a = { w: tf.tensor1d([1, 2]) };
    const b = { w: tf.tensor1d([1, 2, 3]) };
    const error = await gradientStatistics([a, b]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DescentError);
    expect((error as DescentError).code).toBe('structure-mismatch');
    await expect(gradientStatistics('x' as never)).rejects.toThrow(/perExample must be a tensor \[batch, …\] or an array/);
    tf.dispose([one, flat, ints, a.w, b.w]);
  });
});
