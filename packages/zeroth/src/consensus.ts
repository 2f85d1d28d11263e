/**
 * The consensus point of consensus-based optimization: a Gibbs-weighted mean of the particles.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, checkNumber } from '@descent/core';

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * Energies `[M, N]` that cannot poison a Gibbs average: NaN becomes +∞ (a NaN fitness is a failed
 * evaluation, never a good one), then each run is shifted by its smallest energy so the best
 * particle has energy 0 (`e^{−α·0} = 1`: no underflow of every weight at large α). A run with no
 * finite minimum (all +∞/NaN, or a −∞) is set to all zeros, i.e. equal weights.
 * The caller owns the returned tensor.
 */
export function shiftedEnergies(energies: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const f = tf.cast(energies, 'float32');
    const e = tf.where(tf.isNaN(f), tf.fill(f.shape, Infinity), f);
    const min = tf.min(e, -1, true);
    const finiteMin = tf.broadcastTo(tf.isFinite(min), e.shape);
    return tf.where(finiteMin, tf.sub(e, min), tf.zerosLike(e));
  });
}

function alphaColumn(where: string, alpha: tf.Tensor | number, runs: number): tf.Tensor {
  if (typeof alpha === 'number') {
    checkNumber(where, 'alpha', alpha, { min: 0 });
    return tf.scalar(alpha);
  }
  if (alpha.rank !== 1 || alpha.shape[0] !== runs) {
    throw new DescentError('structure-mismatch', `${where}: alpha must be a number or a tensor of shape [${runs}] (one per run), got ${shapeText(alpha.shape)}`, {
      parameter: 'alpha',
      value: alpha.shape,
    });
  }
  return tf.reshape(tf.cast(alpha, 'float32'), [runs, 1]);
}

/**
 * The normalised Gibbs weights of every run,
 * `w_i = exp(−α (E_i − min_j E_j)) / Σ_k exp(−α (E_k − min_j E_j))` (a softmax of `−α E`),
 * computed with the minimum shift and a log-sum-exp so that α = 1e5 with energies around 1e3
 * neither overflows nor underflows to 0/0 (pitfall 1 of the spec; Riedl's MATLAB code shifts by
 * min f, CBXpy uses `scipy.special.logsumexp`).
 *
 * NaN energies count as +∞ (weight 0); a run whose energies are all +∞ or NaN gets equal weights.
 *
 * @param energies - `[M, N]`: the energy (fitness) of N particles in each of M runs.
 * @param alpha - the inverse temperature α ≥ 0: a number, or a `[M]` tensor (one per run).
 * @returns `[M, N]` weights; every row sums to 1. The caller owns the tensor.
 * @throws DescentError `structure-mismatch` when `energies` is not rank 2 or `alpha` is not `[M]`;
 *   `invalid-option` for a negative or non-finite numeric `alpha`.
 */
export function consensusWeights(energies: tf.Tensor, alpha: tf.Tensor | number): tf.Tensor2D {
  if (energies.rank !== 2) {
    throw new DescentError('structure-mismatch', `consensusWeights: energies must be [M, N], got ${shapeText(energies.shape)}`, {
      parameter: 'energies',
      value: energies.shape,
    });
  }
  return tf.tidy(() => {
    const a = alphaColumn('consensusWeights', alpha, energies.shape[0]);
    // α·0 for the best particle; α·∞ = ∞ elsewhere, and 0·∞ (α = 0 with an infinite energy) must stay +∞.
    const shifted = shiftedEnergies(tf.cast(energies, 'float32'));
    const scaled = tf.mul(a, shifted);
    const z = tf.neg(tf.where(tf.isNaN(scaled), tf.fill(scaled.shape, Infinity), scaled));
    return tf.exp(tf.sub(z, tf.logSumExp(z, -1, true))) as tf.Tensor2D;
  });
}

/**
 * The consensus point of each run (Pinnau, Totzeck, Tse & Martin 2017; CBXpy
 * `compute_consensus_default`):
 *
 *     c_α(m) = Σ_i x_{m,i} e^{−α_m f_{m,i}} / Σ_i e^{−α_m f_{m,i}}
 *
 * evaluated stably as `Σ_i w_{m,i} x_{m,i}` with the weights of {@link consensusWeights}
 * (minimum shift and log-sum-exp, so α = 1e5 with energies ~1e3 gives the best particle, not NaN).
 * All M runs are computed in one batched matrix product.
 *
 * @param x - `[M, N, d]` particles.
 * @param energies - `[M, N]` their energies; NaN counts as +∞.
 * @param alpha - α ≥ 0, a number or a `[M]` tensor (one per run).
 * @returns `[M, d]`; the caller owns the tensor.
 * @throws DescentError `structure-mismatch` when the shapes do not agree.
 */
export function consensusPoint(x: tf.Tensor, energies: tf.Tensor, alpha: tf.Tensor | number): tf.Tensor2D {
  if (x.rank !== 3 || energies.rank !== 2 || x.shape[0] !== energies.shape[0] || x.shape[1] !== energies.shape[1]) {
    throw new DescentError(
      'structure-mismatch',
      `consensusPoint: x must be [M, N, d] and energies [M, N], got ${shapeText(x.shape)} and ${shapeText(energies.shape)}`,
      { parameter: 'energies', value: energies.shape },
    );
  }
  const [m, n, d] = x.shape;
  return tf.tidy(() => {
    const w = consensusWeights(energies, alpha);
    return tf.reshape(tf.matMul(tf.reshape(w, [m, 1, n]), tf.cast(x, 'float32')), [m, d]) as tf.Tensor2D;
  });
}
