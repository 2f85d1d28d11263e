/**
 * Consensus-based optimization (CBO) as an ask/tell strategy.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkKnownOptions, checkNumber, fusedKernelsActive, invalidOption } from '@descent/core';
import type { Strategy, StrategyInitOptions } from './strategy.js';
import { consensusPoint } from './consensus.js';
import {
  type AlphaSchedule,
  type ConsensusConfig,
  type ConsensusState,
  CBXPY_DEFAULT_INIT,
  askConsensus,
  bestOf,
  bestOfAsync,
  checkAlphaSchedule,
  checkNoise,
  consensusOf,
  initConsensusState,
  stepNormalValues,
  tellConsensus,
  withHostCopies,
} from './consensus-dynamics.js';

export type { AlphaSchedule, BatchState, ConsensusState } from './consensus-dynamics.js';

/** Options of {@link cbo}. */
export interface CboOptions {
  /** Drift strength λ ≥ 0. Default 1 (CBXpy). */
  lambda?: number;
  /** Noise strength σ ≥ 0 (CBXpy convention: the noise is σ√dt·…; CBX.jl's σ equals this σ/√2). Required. */
  sigma: number;
  /** Time step dt > 0. Default 0.01 (CBXpy). */
  dt?: number;
  /** Inverse temperature α ≥ 0 of the consensus weights e^{−αf} (initial value when scheduled). Required. */
  alpha: number;
  /** How α changes after each step. Default `'constant'` (note: CBXpy's `optimize()` multiplies by 1.05 per step by default). */
  alphaSchedule?: AlphaSchedule;
  /** `'isotropic'` (default): σ√dt‖x−c‖ξ; `'anisotropic'`: σ√dt (x−c)⊙ξ. */
  noise?: 'isotropic' | 'anisotropic';
  /** Truncated noise (Fornasier, Richtárik, Riedl & Sun 2023): the noise scale ‖x−c‖ becomes min(‖x−c‖, M) (elementwise for anisotropic noise). */
  truncation?: number;
  /** Random particle batches of this size per step and run (Carrillo, Jin, Li & Zhu 2021; CBXpy `batch_args.size`); default: all particles. */
  batchSize?: number;
}

/** A consensus-based strategy: {@link Strategy} plus the consensus point per run and an asynchronous `best`. */
export interface ConsensusStrategy<S = ConsensusState> extends Strategy<S> {
  /** The consensus point of the last `tell` per run (`[M][d]`; the best point before the first `tell`). Synchronous read-back. */
  consensus(s: S): number[][];
  /** As `best`, with asynchronous read-backs (needed on WebGPU in Node, which cannot read synchronously). */
  bestAsync(s: S): Promise<{ x: number[][]; fitness: number[] }>;
  /**
   * `tell`, then the best point, fitness and consensus read back asynchronously into the state, so
   * that `best` and `consensus` of the returned state need no synchronous read-back (`minimize`
   * prefers `tellAsync` when a strategy has it).
   */
  tellAsync(s: S, population: tf.Tensor, fitness: tf.Tensor): Promise<S>;
}

/** Validates the options shared by CBO-type dynamics. */
export function checkCboOptions(name: string, o: CboOptions, extra: readonly string[] = []) {
  if (o === null || typeof o !== 'object') invalidOption(name, 'options', o, 'an options object');
  checkKnownOptions(name, o, ['lambda', 'sigma', 'dt', 'alpha', 'alphaSchedule', 'noise', 'truncation', 'batchSize', ...extra]);
  return {
    lambda: checkNumber(name, 'lambda', o.lambda ?? 1, { min: 0 }),
    sigma: checkNumber(name, 'sigma', o.sigma, { min: 0 }),
    dt: checkNumber(name, 'dt', o.dt ?? 0.01, { greaterThan: 0 }),
    alpha: checkNumber(name, 'alpha', o.alpha, { min: 0 }),
    schedule: checkAlphaSchedule(name, o.alphaSchedule),
    noise: checkNoise(name, o.noise),
    truncation: o.truncation === undefined ? undefined : checkNumber(name, 'truncation', o.truncation, { greaterThan: 0 }),
    batchSize: o.batchSize === undefined ? undefined : checkNumber(name, 'batchSize', o.batchSize, { integer: true, min: 1 }),
  };
}

/**
 * The Euler–Maruyama CBO move of the particles `xb` `[M, B, d]` towards `c` (`[M, d]`, or one per
 * particle `[M, B, d]`), with ξ ~ N(0, I_d) given as host values `xi` (length M·B·d):
 *
 *     isotropic:    x ← x − λ dt (x − c) + σ √dt min(‖x − c‖₂, M) ξ
 *     anisotropic:  x ← x − λ dt (x − c) + σ √dt clip(x − c, −M, M) ⊙ ξ
 *
 * (M = ∞ without truncation). σ√dt is CBXpy's convention (`cbo_update` with `isotropic_noise` /
 * `anisotropic_noise`, both `√dt · …`), also the CBX JOSS paper's and Riedl's. The scalars are
 * folded into ξ on the host before the upload (untruncated anisotropic noise becomes one factor,
 * x ← x + (x − c) ⊙ (σ√dt ξ − λ dt)), which saves full-size tensor ops on every step.
 */
export function cboMove(
  xb: tf.Tensor,
  c: tf.Tensor,
  xi: Float32Array,
  p: { lambda: number; sigma: number; dt: number; noise: 'isotropic' | 'anisotropic'; truncation: number | undefined },
): tf.Tensor {
  const s = p.sigma * Math.sqrt(p.dt);
  const ld = p.lambda * p.dt;
  const scaled = new Float32Array(xi.length);
  const anisotropicFactor = p.noise === 'anisotropic' && p.truncation === undefined;
  for (let j = 0; j < xi.length; j++) scaled[j] = anisotropicFactor ? s * xi[j] - ld : s * xi[j];
  return tf.tidy(() => {
    const noise = tf.tensor(scaled, xb.shape, 'float32');
    const drift = tf.sub(xb, c.rank === 2 ? tf.expandDims(c, 1) : c);
    if (anisotropicFactor) return tf.add(xb, tf.mul(drift, noise));
    let scale: tf.Tensor;
    if (p.noise === 'isotropic') {
      const norm = tf.sqrt(tf.sum(tf.square(drift), 2, true));
      scale = p.truncation === undefined ? norm : tf.minimum(norm, p.truncation);
    } else {
      scale = tf.clipByValue(drift, -(p.truncation as number), p.truncation as number);
    }
    return tf.add(tf.sub(xb, tf.mul(ld, drift)), tf.mul(scale, noise));
  });
}

/** The CPU fast path of {@link cbo}'s move runs on the 'cpu' backend while fused kernels are on (`setFusedKernels(false)` forces the tfjs-ops path). */
function cpuFastPathActive(): boolean {
  return tf.getBackend() === 'cpu' && fusedKernelsActive();
}

/** The CPU backend's Float32Array of a float32 tensor (never written to), or null if it has none. */
function cpuValues(t: tf.Tensor): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const values: unknown = (tf.backend() as any).data?.get(t.dataId)?.values;
  return values instanceof Float32Array && values.length === t.size ? values : null;
}

/**
 * The consensus point ({@link consensusPoint}: min-shifted energies, NaN → +∞, log-sum-exp
 * weights) and the move of {@link cboMove} in one host pass over the CPU backend's Float32Arrays,
 * with the same equations and the same draw ξ as the tfjs-ops path, rounding every intermediate to
 * float32 as the CPU kernels do (equal to that path up to float32 rounding; bitwise equal in the
 * tests). It moves whatever batch `tell` was given, so random batches take it too. Returns null
 * when an input has no plain Float32Array storage (the caller then takes the tfjs-ops path).
 */
function cboCpuStep(
  xb: tf.Tensor,
  energies: tf.Tensor,
  alpha: tf.Tensor,
  xi: Float32Array,
  p: { lambda: number; sigma: number; dt: number; noise: 'isotropic' | 'anisotropic'; truncation: number | undefined },
): { moved: tf.Tensor; consensus: tf.Tensor } | null {
  const xv = cpuValues(xb);
  const ev = cpuValues(energies);
  const av = cpuValues(alpha);
  if (xv === null || ev === null || av === null) return null;
  const [runs, n, d] = xb.shape as [number, number, number];
  const f32 = Math.fround;
  // Every intermediate is rounded to float32 where the tfjs CPU kernels store one, and sums are
  // accumulated as those kernels do (float64 per reduction; the matrix product per block of
  // `blockSize` rows, then into float32), so the trajectory follows the tfjs-ops path closely.
  const blockSize = Number((tf.backend() as { blockSize?: unknown }).blockSize ?? 48) || 48;
  const s = p.sigma * Math.sqrt(p.dt);
  const ld = p.lambda * p.dt;
  const ld32 = f32(ld);
  const trunc = p.truncation === undefined ? Infinity : f32(p.truncation);
  const anisotropicFactor = p.noise === 'anisotropic' && p.truncation === undefined;
  const out = new Float32Array(xv.length);
  const cOut = new Float32Array(runs * d);
  const z = new Float64Array(n);
  const w = new Float64Array(n);
  const drift = new Float64Array(d);
  for (let m = 0; m < runs; m++) {
    // consensusWeights: min shift (shiftedEnergies), NaN → +∞, softmax via logSumExp.
    let min = Infinity;
    for (let i = 0; i < n; i++) {
      const e = ev[m * n + i];
      if (e < min) min = e;
    }
    const finiteMin = Number.isFinite(min);
    const a = av[m];
    let zMax = -Infinity;
    for (let i = 0; i < n; i++) {
      let e = ev[m * n + i];
      if (Number.isNaN(e)) e = Infinity;
      const shifted = finiteMin ? f32(e - min) : 0;
      let scaled = f32(a * shifted);
      if (Number.isNaN(scaled)) scaled = Infinity;
      z[i] = -scaled;
      if (z[i] > zMax) zMax = z[i];
    }
    let sum = 0;
    for (let i = 0; i < n; i++) sum += f32(Math.exp(f32(z[i] - zMax)));
    const lse = f32(zMax + f32(Math.log(f32(sum))));
    for (let i = 0; i < n; i++) w[i] = f32(Math.exp(f32(z[i] - lse)));
    // consensusPoint: the batched matrix product w·x.
    for (let k = 0; k < d; k++) {
      let acc = 0;
      for (let i0 = 0; i0 < n; i0 += blockSize) {
        const i1 = Math.min(i0 + blockSize, n);
        let part = 0;
        for (let i = i0; i < i1; i++) part += w[i] * xv[(m * n + i) * d + k];
        acc = f32(acc + part);
      }
      cOut[m * d + k] = acc;
    }
    // cboMove, with the noise scaled on the host as there.
    for (let i = 0; i < n; i++) {
      const row = (m * n + i) * d;
      if (anisotropicFactor) {
        for (let k = 0; k < d; k++) {
          const x = xv[row + k];
          out[row + k] = x + f32(f32(x - cOut[m * d + k]) * f32(s * xi[row + k] - ld));
        }
        continue;
      }
      let sq = 0;
      for (let k = 0; k < d; k++) {
        drift[k] = f32(xv[row + k] - cOut[m * d + k]);
        sq += f32(drift[k] * drift[k]);
      }
      const norm = Math.min(f32(Math.sqrt(f32(sq))), trunc);
      for (let k = 0; k < d; k++) {
        const scale = p.noise === 'isotropic' ? norm : Math.min(Math.max(drift[k], -trunc), trunc);
        out[row + k] = f32(xv[row + k] - f32(ld32 * drift[k])) + f32(scale * f32(s * xi[row + k]));
      }
    }
  }
  return { moved: tf.tensor(out, [runs, n, d], 'float32'), consensus: tf.tensor(cOut, [runs, d], 'float32') };
}

/**
 * Consensus-based optimization (Pinnau, Totzeck, Tse & Martin 2017, "A consensus-based model for
 * global optimization and its mean-field limit"; Carrillo, Jin, Li & Zhu 2021 for anisotropic noise
 * and random batches; Fornasier, Richtárik, Riedl & Sun 2023 for truncated noise), following CBXpy's
 * `CBO` (PdIPS/CBXpy `cbx/dynamics/cbo.py`, `pdyn.py`, `noise.py`, `scheduler.py`).
 *
 * `ask` returns the particles `[M, N, d]` (with `batchSize = B < N`: a random batch `[M, B, d]`,
 * drawn per run without replacement from a permutation that is redrawn when exhausted, as CBXpy's
 * `var='resample'`). `tell` computes, per run,
 *
 *     c_α = Σ_i x_i e^{−α f(x_i)} / Σ_i e^{−α f(x_i)}          (see consensusPoint; log-sum-exp, min shift)
 *     x_i ← x_i − λ dt (x_i − c_α) + σ √dt · noise_i
 *
 * with the noise of {@link cboMove} (isotropic, anisotropic, optionally truncated at M), moves only
 * the batch particles (CBXpy `partial=True`), clips positions to ±1e8 with NaN → 1e8 (CBXpy
 * post-processing), keeps the best evaluated point per run, and then updates α by the schedule.
 * NaN fitness counts as +∞.
 *
 * Defaults: λ = 1, dt = 0.01, isotropic noise, α constant, all particles per step; initial particles
 * U(−1, 1)^d as CBXpy (`x_min = −1, x_max = 1`). Noise convention σ√dt (CBXpy); CBX.jl uses σ√(2dt).
 * Keys: the t-th `tell` draws ξ = `normal(foldIn(foldIn(state.key, 0), t), [M, B, d])`, so the same
 * key gives the same trajectory on every backend.
 *
 * @example
 * ```ts
 * // CBXpy's success study: anisotropic CBO on Rastrigin, α = 30 ×1.05 per step capped at 1e5.
 * const s = cbo({ sigma: 10.1, alpha: 30, alphaSchedule: { multiply: 1.05, max: 1e5 }, noise: 'anisotropic' });
 * ```
 * @throws DescentError `invalid-option` for an unknown or out-of-range option (σ, α, λ ≥ 0; dt > 0;
 *   truncation > 0; batchSize a positive integer ≤ popSize).
 */
export function cbo(options: CboOptions): ConsensusStrategy {
  const name = 'cbo';
  const p = checkCboOptions(name, options);
  const config: ConsensusConfig = { name, alpha: p.alpha, schedule: p.schedule, batchSize: p.batchSize, init: CBXPY_DEFAULT_INIT };
  return {
    init: (o: StrategyInitOptions) => initConsensusState(config, o),
    ask: (s) => askConsensus(s, p.batchSize),
    tell: (s, population, fitness) =>
      tellConsensus(config, s, population, fitness, (xb, energies) => {
        if (cpuFastPathActive()) {
          const fast = cboCpuStep(xb, energies, s.alpha, stepNormalValues(s, xb.size), p);
          if (fast !== null) return fast;
        }
        const c = consensusPoint(xb, energies, s.alpha);
        const xi = stepNormalValues(s, xb.size);
        return { moved: cboMove(xb, c, xi, p), consensus: c };
      }),
    best: (s) => bestOf(name, s),
    bestAsync: bestOfAsync,
    async tellAsync(s, population, fitness) {
      return withHostCopies(this.tell(s, population, fitness));
    },
    consensus: (s) => consensusOf(name, s),
  };
}
