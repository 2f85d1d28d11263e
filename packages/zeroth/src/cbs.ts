/**
 * Consensus-based sampling (CBS) as an ask/tell strategy.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkKnownOptions, checkNumber, checkOneOf, invalidOption } from '@descent/core';
import type { StrategyInitOptions } from './strategy.js';
import { consensusWeights } from './consensus.js';
import type { ConsensusStrategy } from './cbo.js';
import {
  type AlphaSchedule,
  type ConsensusConfig,
  CBXPY_DEFAULT_INIT,
  askConsensus,
  bestOf,
  bestOfAsync,
  checkAlphaSchedule,
  consensusOf,
  initConsensusState,
  stepNormal,
  tellConsensus,
  withHostCopies,
} from './consensus-dynamics.js';

/** Options of {@link cbs}. */
export interface CbsOptions {
  /** Time step dt > 0. Default 0.01 (CBXpy). */
  dt?: number;
  /** Inverse temperature α ≥ 0 of the weights e^{−αf}. Default 1 (CBXpy). */
  alpha?: number;
  /** How α changes after each step; default `'constant'` (CBXpy's CBS has no default schedule). */
  alphaSchedule?: AlphaSchedule;
  /** `'optimization'` (default here): Λ = 1; `'sampling'`: Λ = 1/(1 + α), which samples ∝ e^{−f} for a Gaussian target (CBXpy's default mode). */
  mode?: 'optimization' | 'sampling';
}

/**
 * The CBS step with covariance noise (CBXpy `CBS.inner_step` + `covariance_noise`):
 *
 *     x_i ← c + e^{−dt} (x_i − c) + √((1 − e^{−2dt}) / Λ) · C^{1/2} ζ_i,
 *     C = Σ_j w_j (x_j − c)(x_j − c)ᵀ,   w = softmax(−αf)
 *
 * The Gaussian C^{1/2} ζ_i ~ N(0, C) is drawn as `Σ_j √w_j η_ij (x_j − c)` with η_ij ~ N(0, 1):
 * with D = [√w_j (x_j − c)]_j, D Dᵀ = C, so D η has exactly the law N(0, C), and no eigen-
 * decomposition (CBXpy's `compute_mat_sqrt`) is needed; it costs O(M N² d) in tensor ops.
 * `eta` is `[M, N, N]`; `lambdaInv` is 1/Λ per run `[M]`.
 */
export function cbsMove(x: tf.Tensor, energies: tf.Tensor, alpha: tf.Tensor, eta: tf.Tensor, dt: number, lambdaInv: tf.Tensor): { moved: tf.Tensor; consensus: tf.Tensor } {
  return tf.tidy(() => {
    const [m, n] = x.shape as [number, number, number];
    const w = consensusWeights(energies, alpha);
    const c = tf.reshape(tf.matMul(tf.reshape(w, [m, 1, n]), x), [m, 1, -1]);
    const delta = tf.sub(x, c);
    const noise = tf.matMul(tf.mul(eta, tf.reshape(tf.sqrt(w), [m, 1, n])), delta);
    const scale = tf.sqrt(tf.mul(tf.reshape(lambdaInv, [m, 1, 1]), 1 - Math.exp(-2 * dt)));
    const moved = tf.add(tf.add(c, tf.mul(Math.exp(-dt), delta)), tf.mul(scale, noise));
    return { moved, consensus: tf.reshape(c, [m, -1]) };
  });
}

/**
 * Consensus-based sampling (Carrillo, Hoffmann, Stuart & Vaes 2022, "Consensus-based sampling",
 * Stud. Appl. Math. 148(3)), in CBXpy's discretisation (`cbx/dynamics/cbs.py`): every particle is
 * pulled towards the consensus by the exact factor e^{−dt} and re-spread with the weighted
 * covariance of the ensemble ({@link cbsMove}). In `'optimization'` mode (Λ = 1) the ensemble
 * contracts to a point near the global minimiser; in `'sampling'` mode (Λ = 1/(1+α), with the
 * current α) it approximates the Laplace approximation of e^{−f}. All particles are evaluated each
 * step (CBXpy has no batching for CBS); NaN fitness counts as +∞.
 *
 * Defaults: dt = 0.01, α = 1 constant, initial particles U(−1, 1)^d (CBXpy). The t-th `tell` draws
 * η = `normal(foldIn(foldIn(state.key, 0), t), [M, N, N])`.
 *
 * @throws DescentError `invalid-option` for an unknown or out-of-range option.
 */
export function cbs(options: CbsOptions = {}): ConsensusStrategy {
  const name = 'cbs';
  if (options === null || typeof options !== 'object') invalidOption(name, 'options', options, 'an options object');
  checkKnownOptions(name, options, ['dt', 'alpha', 'alphaSchedule', 'mode']);
  const dt = checkNumber(name, 'dt', options.dt ?? 0.01, { greaterThan: 0 });
  const alpha = checkNumber(name, 'alpha', options.alpha ?? 1, { min: 0 });
  const mode = checkOneOf(name, 'mode', options.mode ?? 'optimization', ['optimization', 'sampling'] as const);
  const config: ConsensusConfig = { name, alpha, schedule: checkAlphaSchedule(name, options.alphaSchedule), batchSize: undefined, init: CBXPY_DEFAULT_INIT };
  return {
    init: (o: StrategyInitOptions) => initConsensusState(config, o),
    ask: (s) => askConsensus(s, undefined),
    tell: (s, population, fitness) =>
      tellConsensus(config, s, population, fitness, (xb, energies) => {
        const [m, n] = xb.shape as [number, number, number];
        const eta = stepNormal(s, [m, n, n]);
        const lambdaInv = mode === 'optimization' ? tf.onesLike(s.alpha) : tf.add(1, s.alpha);
        return cbsMove(xb, energies, s.alpha, eta, dt, lambdaInv);
      }),
    best: (s) => bestOf(name, s),
    bestAsync: bestOfAsync,
    async tellAsync(s, population, fitness) {
      return withHostCopies(this.tell(s, population, fitness));
    },
    consensus: (s) => consensusOf(name, s),
  };
}
