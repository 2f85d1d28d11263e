/**
 * Per-example gradient statistics for adaptive batch-size tests, computed with tfjs.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, type Tree, assertSameStructure, invalidOption, treeLeaves } from '@descent/core';

/**
 * The statistics of a batch of b per-example gradients $g_1 … g_b$ (mean $\bar g$) that AdAdaGrad's
 * tests need; variances are Bessel-corrected (divided by b − 1), as `torch.var(…, correction=1)`.
 */
export interface GradientStatistics {
  /** b, the number of per-example gradients. */
  batchSize: number;
  /** $\|\bar g\|^2$. */
  batchGradNormSq: number;
  /** $\sum_j \operatorname{Var}_i(g_{i,j})$ — the norm test's numerator (the reference's `variance_one_norm`). */
  varianceL1: number;
  /** $\operatorname{Var}_i\langle g_i, \bar g\rangle$ — the inner-product test's numerator. */
  innerProductVariance: number;
  /** $\sum_j \operatorname{Var}_i\bigl(g_i - \tfrac{\langle g_i, \bar g\rangle}{\|\bar g\|^2}\bar g\bigr)_j$ — the orthogonality test's numerator. */
  orthogonalVariance: number;
}

/**
 * Computes {@link GradientStatistics} from per-example gradients, on the active tfjs backend, and
 * reads back four numbers (one `await data()`; no synchronous read-back, so it runs on WebGPU too).
 *
 * `perExample` is either one float32 tensor `[b, …]` (row i is example i's gradient, flattened) or
 * an array of b gradient trees of identical structure and shapes (one per example). For trees the
 * statistics are computed per leaf and summed, as the authors' code does parameter tensor by
 * parameter tensor (`tests.py`: `norm_test`, `inner_product_test`, `orthogonality_test`); for
 * ‖ḡ‖² and the norm-test variance that is the same as on the concatenated vector, for the
 * inner-product and orthogonality variances it takes $\bar g$ per leaf (the cross-leaf
 * covariances are left out). With $\bar g = 0$ the projection onto $\bar g$ is taken as 0
 * (`tf.divNoNan`), so the orthogonal variance equals `varianceL1`.
 *
 * Equations (Lau, Liu & Kolar, "AdAdaGrad: Adaptive Batch Size Schemes for Adaptive Gradient
 * Methods", arXiv:2402.11215, §2–3; code `timlautk/AdAdaGrad`): see {@link GradientStatistics}.
 * Intermediates are freed with `tf.tidy`; the inputs are not disposed.
 *
 * @throws DescentError `invalid-option` for fewer than 2 examples or a malformed input,
 *   `invalid-dtype` for non-float32 gradients, `structure-mismatch` for trees that differ.
 */
export async function gradientStatistics(perExample: tf.Tensor | readonly Tree<tf.Tensor>[]): Promise<GradientStatistics> {
  const where = 'gradientStatistics';
  // One group per parameter tensor: the stacked batch itself, or the b per-example copies of a leaf.
  let leaves: tf.Tensor[][];
  let batchSize: number;
  let stacked: boolean;
  if (perExample instanceof tf.Tensor) {
    if (perExample.rank < 2) invalidOption(where, 'perExample', perExample, 'a tensor [batch, …] of rank ≥ 2');
    batchSize = perExample.shape[0];
    leaves = [[perExample]];
    stacked = true;
  } else if (Array.isArray(perExample)) {
    batchSize = perExample.length;
    stacked = false;
    const first = perExample[0];
    perExample.forEach((tree, i) => {
      if (i > 0) assertSameStructure(first, tree, { names: ['perExample[0]', `perExample[${i}]`], where });
    });
    const byExample = perExample.map((tree) => treeLeaves(tree as Tree<tf.Tensor>));
    leaves = (byExample[0] ?? []).map((_, l) => byExample.map((ls) => ls[l]));
    for (const leaf of leaves.flat()) {
      if (!(leaf instanceof tf.Tensor)) invalidOption(where, 'perExample', leaf, 'trees whose leaves are tensors');
    }
  } else {
    invalidOption(where, 'perExample', perExample, 'a tensor [batch, …] or an array of per-example gradient trees');
  }
  if (batchSize < 2) invalidOption(where, 'perExample', perExample, 'at least 2 per-example gradients (the variances divide by b − 1)');
  if (leaves.length === 0) invalidOption(where, 'perExample', perExample, 'gradient trees with at least one tensor');
  for (const leaf of leaves.flat()) {
    if (leaf.dtype !== 'float32') {
      throw new DescentError('invalid-dtype', `${where}: per-example gradients must be float32, got ${leaf.dtype}`, {
        parameter: 'perExample',
        value: leaf.dtype,
      });
    }
  }
  const packed = tf.tidy(() => {
    const sums = leaves.map((group) => {
      const g = tf.reshape(stacked ? group[0] : tf.stack(group), [batchSize, -1]);
      return leafStatistics(g, batchSize);
    });
    return sums.length === 1 ? sums[0] : tf.addN(sums);
  });
  try {
    const [batchGradNormSq, varianceL1, innerProductVariance, orthogonalVariance] = Array.from(await packed.data());
    return { batchSize, batchGradNormSq, varianceL1, innerProductVariance, orthogonalVariance };
  } finally {
    packed.dispose();
  }
}

/** [‖ḡ‖², Σ_j Var g_j, Var⟨g_i, ḡ⟩, Σ_j Var g⊥_j] of one matrix of per-example rows; call inside `tf.tidy`. */
function leafStatistics(g: tf.Tensor, b: number): tf.Tensor1D {
  const bessel = tf.scalar(1 / (b - 1));
  const sampleVariance = (x: tf.Tensor) => tf.mul(tf.sum(tf.square(tf.sub(x, tf.mean(x, 0)))), bessel);
  const mean = tf.mean(g, 0);
  const meanSq = tf.sum(tf.square(mean));
  const inner = tf.sum(tf.mul(g, mean), 1);
  const coefficient = tf.divNoNan(inner, meanSq);
  const orthogonal = tf.sub(g, tf.mul(tf.expandDims(coefficient, 1), mean));
  return tf.stack([meanSq, sampleVariance(g), sampleVariance(inner), sampleVariance(orthogonal)]) as tf.Tensor1D;
}
