/**
 * Consensus hopping (Riedl, Klock, Geldhauser, Fornasier 2023, "Gradient is All You Need?").
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkKnownOptions, checkNumber, invalidOption } from '@descent/core';
import type { StrategyInitOptions } from './strategy.js';
import { consensusPoint } from './consensus.js';
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

/** Options of {@link consensusHopping}. */
export interface ConsensusHoppingOptions {
  /** Standard deviation σ > 0 of the samples around the current point. Required. */
  sigma: number;
  /** Inverse temperature α ≥ 0 of the consensus weights. Required. */
  alpha: number;
  /** How α changes after each step. Default `'constant'` (Riedl's code keeps α fixed). */
  alphaSchedule?: AlphaSchedule;
  /** σ ← factor·σ every `every` steps (Riedl's `ConsensusHopping_scheduledvanishingBM`: factor 0.98 every 100). Default: none. */
  sigmaDecay?: { factor: number; every: number };
}

/**
 * Consensus hopping (Riedl, Klock, Geldhauser & Fornasier 2023, "Gradient is All You Need?",
 * arXiv 2306.09778; the authors' MATLAB `CBOstochasticGD/algorithms/CH.m`): the point jumps to the
 * consensus of fresh Gaussian samples around it,
 *
 *     Y_k^i = x_k + σ_k ξ_i  (i = 1…N, ξ_i ~ N(0, I_d)),     x_{k+1} = c_α(Y_k) = Σ_i w_i Y_k^i,
 *     w_i ∝ exp(−α (f(Y_k^i) − min_j f(Y_k^j))),
 *
 * which for α → ∞ with ασ² = τ fixed behaves like an implicit gradient (proximal) step of size τ
 * plus noise — a derivative-free "gradient" method sharing the consensus kernel of CBO.
 *
 * `ask` returns the samples `[M, N, d]`; the first population is drawn from `init` (default
 * U(−1, 1)^d, as the other consensus strategies), every later one around the last consensus:
 * `Y_k = c_{k−1} + σ_k ξ` with ξ = `normal(foldIn(foldIn(state.key, 0), k−1), [M, N, d])`.
 * σ_k = σ·factor^{⌊k/every⌋} with `sigmaDecay`. `consensus(state)` is the current point x_k;
 * `best` the best sample evaluated. NaN fitness counts as +∞.
 *
 * @throws DescentError `invalid-option` for an unknown or out-of-range option.
 */
export function consensusHopping(options: ConsensusHoppingOptions): ConsensusStrategy {
  const name = 'consensusHopping';
  if (options === null || typeof options !== 'object') invalidOption(name, 'options', options, 'an options object');
  checkKnownOptions(name, options, ['sigma', 'alpha', 'alphaSchedule', 'sigmaDecay']);
  const sigma = checkNumber(name, 'sigma', options.sigma, { greaterThan: 0 });
  const alpha = checkNumber(name, 'alpha', options.alpha, { min: 0 });
  let decay = { factor: 1, every: 1 };
  if (options.sigmaDecay !== undefined) {
    const d: unknown = options.sigmaDecay;
    if (d === null || typeof d !== 'object') invalidOption(name, 'sigmaDecay', d, 'an object { factor, every }');
    checkKnownOptions(`${name}: sigmaDecay`, d, ['factor', 'every']);
    const { factor, every } = d as { factor: unknown; every: unknown };
    decay = {
      factor: checkNumber(name, 'sigmaDecay.factor', factor, { greaterThan: 0, max: 1 }),
      every: checkNumber(name, 'sigmaDecay.every', every, { integer: true, min: 1 }),
    };
  }
  const config: ConsensusConfig = { name, alpha, schedule: checkAlphaSchedule(name, options.alphaSchedule), batchSize: undefined, init: CBXPY_DEFAULT_INIT };
  return {
    init: (o: StrategyInitOptions) => initConsensusState(config, o),
    ask: (s) => askConsensus(s, undefined),
    tell: (s, population, fitness) =>
      tellConsensus(config, s, population, fitness, (yb, energies) => {
        const c = consensusPoint(yb, energies, s.alpha);
        // The samples of the next step, drawn around the new point with σ_{k+1}.
        const sigmaNext = sigma * decay.factor ** Math.floor((s.step + 1) / decay.every);
        const xi = stepNormal(s, yb.shape);
        return { moved: tf.add(tf.expandDims(c, 1), tf.mul(sigmaNext, xi)), consensus: c };
      }),
    best: (s) => bestOf(name, s),
    bestAsync: bestOfAsync,
    async tellAsync(s, population, fitness) {
      return withHostCopies(this.tell(s, population, fitness));
    },
    consensus: (s) => consensusOf(name, s),
  };
}
