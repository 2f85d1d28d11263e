/**
 * Polarized CBO: every particle moves towards its own, kernel-localised consensus point.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, checkOneOf } from '@descent/core';
import type { StrategyInitOptions } from './strategy.js';
import { consensusPoint, shiftedEnergies } from './consensus.js';
import { type CboOptions, type ConsensusStrategy, cboMove, checkCboOptions } from './cbo.js';
import {
  type ConsensusConfig,
  CBXPY_DEFAULT_INIT,
  askConsensus,
  bestOf,
  bestOfAsync,
  consensusOf,
  initConsensusState,
  stepNormalValues,
  tellConsensus,
  withHostCopies,
} from './consensus-dynamics.js';

/** Options of {@link polarCbo}: those of `cbo` plus the kernel. */
export interface PolarCboOptions extends CboOptions {
  /** Kernel width κ > 0. Default 1 (CBXpy). */
  kappa?: number;
  /** `'gaussian'` (default): −log k = ‖x − y‖² / (2κ²); `'laplace'`: −log k = ‖x − y‖ / κ. */
  kernel?: 'gaussian' | 'laplace';
  /** Scale of the kernel term: `'alpha'` (default, CBXpy `kernel_factor_mode='alpha'`) multiplies it by α, `'const'` by 1. */
  kernelFactor?: 'alpha' | 'const';
}

/**
 * The polarized consensus points `[M, B, d]` (Bungert, Roith & Wacker 2022, eq. (2.2); CBXpy
 * `compute_polar_consensus`):
 *
 *     c_i = Σ_j x_j exp(−κ_f ℓ(x_i, x_j) − α f(x_j)) / Σ_j exp(−κ_f ℓ(x_i, x_j) − α f(x_j))
 *
 * with ℓ = −log k the negative log-kernel and κ_f = α (`'alpha'`) or 1 (`'const'`); a row-wise
 * log-sum-exp with the run's minimum energy subtracted, so large α neither overflows nor underflows.
 * Cost O(M B² d).
 */
export function polarConsensus(
  x: tf.Tensor,
  energies: tf.Tensor,
  alpha: tf.Tensor,
  p: { kappa: number; kernel: 'gaussian' | 'laplace'; kernelFactor: 'alpha' | 'const' },
): tf.Tensor {
  return tf.tidy(() => {
    const [m, b] = x.shape as [number, number, number];
    const sq = tf.sum(tf.square(x), -1);
    // ‖x_i − x_j‖² = ‖x_i‖² + ‖x_j‖² − 2 x_i·x_j, clamped at 0 against rounding.
    const d2 = tf.relu(tf.sub(tf.add(tf.reshape(sq, [m, b, 1]), tf.reshape(sq, [m, 1, b])), tf.mul(2, tf.matMul(x, x, false, true))));
    const negLog = p.kernel === 'gaussian' ? tf.div(d2, 2 * p.kappa * p.kappa) : tf.div(tf.sqrt(d2), p.kappa);
    const a = tf.reshape(alpha, [m, 1, 1]);
    const factor = p.kernelFactor === 'alpha' ? a : tf.scalar(1);
    const scaledE = tf.mul(a, tf.reshape(shiftedEnergies(energies), [m, 1, b]));
    const z0 = tf.neg(tf.add(tf.mul(factor, negLog), tf.where(tf.isNaN(scaledE), tf.fill(scaledE.shape, Infinity), scaledE)));
    // A row with every weight −∞ (all other particles infinitely bad and far) falls back to the particle itself.
    const z = tf.where(tf.isNaN(z0), tf.fill(z0.shape, -Infinity), z0);
    const w = tf.exp(tf.sub(z, tf.logSumExp(z, -1, true)));
    const c = tf.matMul(w, x);
    return tf.where(tf.isNaN(c), x, c);
  });
}

/**
 * Polarized consensus-based optimization (Bungert, Roith & Wacker 2022, "Polarized consensus-based
 * dynamics for optimization and sampling", Math. Program.; CBXpy `cbx/dynamics/polarcbo.py`).
 *
 * As {@link cbo}, but particle i drifts towards its own consensus `c_i` of {@link polarConsensus},
 * which weights the other particles by the kernel k(x_i, x_j) as well as by e^{−αf}, so separate
 * clusters can settle in separate minima (several global minima are found in one run):
 *
 *     x_i ← x_i − λ dt (x_i − c_i) + σ √dt · noise(x_i − c_i)
 *
 * with the noise of `cbo` (isotropic or anisotropic, optional truncation; σ√dt convention of CBXpy),
 * the same α schedules, random batches (the consensus of a batch uses that batch only), bookkeeping
 * and key derivation. `consensus(state)` reports the ordinary global consensus `c_α` of the last
 * evaluated particles. Defaults: λ = 1, dt = 0.01, κ = 1, Gaussian kernel scaled by α, initial
 * particles U(−1, 1)^d (CBXpy).
 *
 * @throws DescentError `invalid-option` for bad options (κ > 0 and the options of `cbo`).
 */
export function polarCbo(options: PolarCboOptions): ConsensusStrategy {
  const name = 'polarCbo';
  const p = checkCboOptions(name, options, ['kappa', 'kernel', 'kernelFactor']);
  const kernel = {
    kappa: checkNumber(name, 'kappa', options.kappa ?? 1, { greaterThan: 0 }),
    kernel: checkOneOf(name, 'kernel', options.kernel ?? 'gaussian', ['gaussian', 'laplace'] as const),
    kernelFactor: checkOneOf(name, 'kernelFactor', options.kernelFactor ?? 'alpha', ['alpha', 'const'] as const),
  };
  const config: ConsensusConfig = { name, alpha: p.alpha, schedule: p.schedule, batchSize: p.batchSize, init: CBXPY_DEFAULT_INIT };
  return {
    init: (o: StrategyInitOptions) => initConsensusState(config, o),
    ask: (s) => askConsensus(s, p.batchSize),
    tell: (s, population, fitness) =>
      tellConsensus(config, s, population, fitness, (xb, energies) => {
        const c = polarConsensus(xb, energies, s.alpha, kernel);
        const xi = stepNormalValues(s, xb.size);
        return { moved: cboMove(xb, c, xi, p), consensus: consensusPoint(xb, energies, s.alpha) };
      }),
    best: (s) => bestOf(name, s),
    bestAsync: bestOfAsync,
    async tellAsync(s, population, fitness) {
      return withHostCopies(this.tell(s, population, fitness));
    },
    consensus: (s) => consensusOf(name, s),
  };
}
