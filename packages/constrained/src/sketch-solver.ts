/**
 * Randomized iterative sketching solvers for a square linear system `A z = b` (sketch-and-project): randomized
 * Kaczmarz and the Gaussian vector sketch. They are the inexact Newton–KKT solvers of
 * {@link exactAugmentedLagrangianSketch} and are useful on their own.
 *
 * @packageDocumentation
 */
import { type Key, checkKnownOptions, checkNumber, foldIn, invalidOption, normalValues, uniformValues } from '@descent/core';
import { Matrix } from 'ml-matrix';

/** Options shared by {@link randomizedKaczmarz} and {@link gaussianSketch}. */
export interface SketchSolveOptions {
  /** PRNG key (core's Threefry `key(seed)`); the same key gives the same iterates. Required. */
  key: Key;
  /** Most sketch iterations. Default 100 000 (the cap of Hong et al.'s released code). */
  maxIterations?: number;
  /** Start point z₀ (length N). Default 0. */
  z0?: ArrayLike<number>;
  /**
   * Stop test on the exact residual norm ‖A z_j − b‖₂, checked every iteration. Default: ‖r_j‖ ≤ `tol`·‖b‖.
   * {@link exactAugmentedLagrangianSketch} passes its adaptive accuracy condition here.
   */
  stop?: (residualNorm: number, iteration: number) => boolean;
  /** Relative tolerance of the default stop test. Default 1e-10. */
  tol?: number;
  /**
   * Kaczmarz row sampling: `'uniform'` (i ~ U{1..N}, as Hong et al.'s code) or `'row-norm'` (P(i) ∝ ‖A_i‖², Strohmer
   * and Vershynin 2009, whose expected rate is 1 − σ_min(A)²/‖A‖_F²). Ignored by the Gaussian sketch. Default
   * `'uniform'`.
   */
  sampling?: 'uniform' | 'row-norm';
  /**
   * Sketch size τ (rows per step). 1 gives the classic methods; τ > 1 gives their block versions — block Kaczmarz
   * (S = τ distinct rows drawn uniformly, Needell and Tropp, "Paved with good intentions", Linear Algebra Appl. 2014)
   * and the block Gaussian sketch (S ∈ R^{N×τ} with N(0, 1) entries) — which project onto τ equations at once:
   * z ← z − AᵀS(SᵀAAᵀS)⁻¹Sᵀr. Both are members of the sketch-and-project family analysed by Gower and Richtárik
   * (2015), which Hong et al.'s accuracy condition applies to. Default 1; at most N.
   */
  blockSize?: number;
}

/** What a sketch solver returns. */
export interface SketchSolveResult {
  /** The last iterate z_j. */
  z: Float64Array;
  /** Its exact residual r_j = A z_j − b. */
  residual: Float64Array;
  /** ‖r_j‖₂. */
  residualNorm: number;
  /** Sketch iterations taken. */
  iterations: number;
  /**
   * `'condition'`: the stop test held; `'max-iterations'`: the cap was reached; `'rounding'`: the residual reached the
   * float64 rounding floor 16·ε·(‖A‖_F‖z‖ + ‖b‖) without meeting the test, where more iterations cannot help.
   */
  stoppedBy: 'condition' | 'max-iterations' | 'rounding';
}

const KNOWN = ['key', 'maxIterations', 'z0', 'stop', 'tol', 'sampling', 'blockSize'] as const;
const EPS64 = 2 ** -52;
/** Random numbers are drawn in batches of this many sketches (one Threefry call per batch). */
const BATCH = 1024;

interface Dense {
  n: number;
  /** Row-major A. */
  a: Float64Array;
  /** Row-major Gram matrix A Aᵀ: the residual of a sketch step moves along a combination of its columns. */
  gram: Float64Array;
  rowNorm2: Float64Array;
  frobenius: number;
}

function toDense(where: string, A: Matrix | ArrayLike<ArrayLike<number>>, b: ArrayLike<number>): Dense {
  const rows = A instanceof Matrix ? A.to2DArray() : Array.from(A as ArrayLike<ArrayLike<number>>, (r) => Array.from(r));
  const n = rows.length;
  if (n === 0) invalidOption(where, 'A', rows, 'a non-empty square matrix');
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const row = rows[i] as number[];
    if (row.length !== n) invalidOption(where, `A[${i}]`, row, `a row of length ${n} (A must be square)`);
    for (let j = 0; j < n; j++) {
      const v = row[j] as number;
      if (!Number.isFinite(v)) invalidOption(where, `A[${i}][${j}]`, v, 'a finite number');
      a[i * n + j] = v;
    }
  }
  if (b.length !== n) invalidOption(where, 'b', Array.from(b), `a vector of length ${n}`);
  for (let i = 0; i < n; i++) if (!Number.isFinite(b[i] as number)) invalidOption(where, `b[${i}]`, b[i], 'a finite number');
  const gram = new Float64Array(n * n);
  const rowNorm2 = new Float64Array(n);
  let fro = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += (a[i * n + k] as number) * (a[j * n + k] as number);
      gram[i * n + j] = s;
      gram[j * n + i] = s;
    }
    rowNorm2[i] = gram[i * n + i] as number;
    fro += rowNorm2[i] as number;
    if (rowNorm2[i] === 0) invalidOption(where, `A[${i}]`, rows[i], 'a non-zero row (a zero row makes A singular)');
  }
  return { n, a, gram, rowNorm2, frobenius: Math.sqrt(fro) };
}

function exactResidual(d: Dense, z: Float64Array, b: ArrayLike<number>, out: Float64Array): number {
  const { n, a } = d;
  let s2 = 0;
  for (let i = 0; i < n; i++) {
    let s = -(b[i] as number);
    for (let k = 0; k < n; k++) s += (a[i * n + k] as number) * (z[k] as number);
    out[i] = s;
    s2 += s * s;
  }
  return Math.sqrt(s2);
}

function norm2(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) ** 2;
  return Math.sqrt(s);
}

interface Parsed {
  key: Key;
  maxIterations: number;
  z0: Float64Array;
  stop: (residualNorm: number, iteration: number) => boolean;
  sampling: 'uniform' | 'row-norm';
  blockSize: number;
}

function parse(where: string, n: number, bNorm: number, options: SketchSolveOptions): Parsed {
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object with a key');
  checkKnownOptions(where, options, KNOWN);
  const k = options.key;
  if (!Array.isArray(k) || k.length !== 2) invalidOption(where, 'key', k, "a PRNG key from @descent/core's key(seed)");
  const maxIterations = checkNumber(where, 'maxIterations', options.maxIterations ?? 100_000, { min: 0, integer: true });
  const tol = checkNumber(where, 'tol', options.tol ?? 1e-10, { min: 0 });
  const sampling = options.sampling ?? 'uniform';
  if (sampling !== 'uniform' && sampling !== 'row-norm') invalidOption(where, 'sampling', sampling, "'uniform' or 'row-norm'");
  const z0 = new Float64Array(n);
  if (options.z0 !== undefined) {
    if (options.z0.length !== n) invalidOption(where, 'z0', Array.from(options.z0), `a vector of length ${n}`);
    for (let i = 0; i < n; i++) {
      const v = options.z0[i] as number;
      if (!Number.isFinite(v)) invalidOption(where, `z0[${i}]`, v, 'a finite number');
      z0[i] = v;
    }
  }
  if (options.stop !== undefined && typeof options.stop !== 'function') invalidOption(where, 'stop', options.stop, 'a function');
  const stop = options.stop ?? ((r: number) => r <= tol * bNorm);
  const blockSize = checkNumber(where, 'blockSize', options.blockSize ?? 1, { min: 1, max: n, integer: true });
  return { key: k, maxIterations, z0, stop, sampling, blockSize };
}

/**
 * The sketch-and-project loop shared by both solvers. `direction(j, r, out)` writes the sketched row combination
 * w = Aᵀs (and returns sᵀr and sᵀA Aᵀs); the step is z ← z − (sᵀr / sᵀAAᵀs)·Aᵀs, the projection of z onto the
 * solution set of the sketched equation sᵀA z = sᵀb. The residual moves by −(sᵀr / sᵀAAᵀs)·AAᵀs, which is
 * tracked in O(N) (Kaczmarz) or O(N²) work and recomputed exactly every N steps and before the stop test is
 * trusted, so rounding never accumulates in the value the accuracy condition reads.
 */
function sketchLoop(
  d: Dense,
  b: ArrayLike<number>,
  p: Parsed,
  step: (j: number, r: Float64Array, w: Float64Array, gw: Float64Array) => number,
): SketchSolveResult {
  const { n } = d;
  const z = p.z0.slice();
  const r = new Float64Array(n);
  const w = new Float64Array(n);
  const gw = new Float64Array(n);
  const bNorm = norm2(b);
  let rNorm = exactResidual(d, z, b, r);
  let j = 0;
  let exactAt = 0;
  for (;;) {
    if (p.stop(rNorm, j)) {
      if (exactAt === j) return { z, residual: r, residualNorm: rNorm, iterations: j, stoppedBy: 'condition' };
      rNorm = exactResidual(d, z, b, r);
      exactAt = j;
      continue;
    }
    if (exactAt === j && rNorm <= 16 * EPS64 * (d.frobenius * norm2(z) + bNorm)) {
      return { z, residual: r, residualNorm: rNorm, iterations: j, stoppedBy: 'rounding' };
    }
    if (j >= p.maxIterations) {
      if (exactAt !== j) rNorm = exactResidual(d, z, b, r);
      return { z, residual: r, residualNorm: rNorm, iterations: j, stoppedBy: 'max-iterations' };
    }
    // t = sᵀr / sᵀAAᵀs; z ← z − t·w with w = Aᵀs; r ← r − t·AAᵀs (gw holds AAᵀs).
    const t = step(j, r, w, gw);
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      z[i] = (z[i] as number) - t * (w[i] as number);
      const ri = (r[i] as number) - t * (gw[i] as number);
      r[i] = ri;
      s2 += ri * ri;
    }
    rNorm = Math.sqrt(s2);
    j++;
    if (j - exactAt >= Math.max(n, 16)) {
      rNorm = exactResidual(d, z, b, r);
      exactAt = j;
    }
  }
}

/**
 * Solves the τ×τ symmetric positive definite system M y = v in place of v (Cholesky; M row-major, overwritten).
 * Returns false if M is not numerically positive definite (dependent sketched rows).
 */
function choleskySolve(M: Float64Array, v: Float64Array, t: number): boolean {
  for (let j = 0; j < t; j++) {
    let d = M[j * t + j] as number;
    for (let k = 0; k < j; k++) d -= (M[j * t + k] as number) ** 2;
    if (!(d > 1e-300)) return false;
    const l = Math.sqrt(d);
    M[j * t + j] = l;
    for (let i = j + 1; i < t; i++) {
      let s = M[i * t + j] as number;
      for (let k = 0; k < j; k++) s -= (M[i * t + k] as number) * (M[j * t + k] as number);
      M[i * t + j] = s / l;
    }
  }
  for (let i = 0; i < t; i++) {
    let s = v[i] as number;
    for (let k = 0; k < i; k++) s -= (M[i * t + k] as number) * (v[k] as number);
    v[i] = s / (M[i * t + i] as number);
  }
  for (let i = t - 1; i >= 0; i--) {
    let s = v[i] as number;
    for (let k = i + 1; k < t; k++) s -= (M[k * t + i] as number) * (v[k] as number);
    v[i] = s / (M[i * t + i] as number);
  }
  return true;
}

/**
 * Randomized Kaczmarz for a square system A z = b (sketch-and-project with S_j = e_i):
 *
 *   z_{j+1} = z_j − ((A_i z_j − b_i) / ‖A_i‖²) · A_iᵀ,
 *
 * i drawn uniformly (Hong et al.'s code) or with P(i) ∝ ‖A_i‖² (`sampling: 'row-norm'`, Strohmer and Vershynin,
 * "A randomized Kaczmarz algorithm with exponential convergence", J. Fourier Anal. Appl. 2009: for consistent
 * systems E‖z_j − z*‖² ≤ (1 − σ_min(A)²/‖A‖_F²)^j ‖z_0 − z*‖²). With `blockSize` τ > 1, τ distinct rows S are
 * drawn uniformly and z_{j+1} = z_j − A_Sᵀ(A_S A_Sᵀ)⁻¹(A_S z_j − b_S) (block Kaczmarz).
 *
 * Float64 host arithmetic; indices from core's Threefry PRNG (`foldIn(key, batch)`), so runs are reproducible.
 * Reference: Hong, Na, Mahoney, Kolar, "Constrained optimization via exact augmented Lagrangian and randomized
 * iterative sketching", ICML 2023 (arXiv:2305.18379), §3; code `IlgeeHong/AdaSketch-Newton`,
 * `CUTEst/AdaSketchNewtonRK/AdaSketchNewtonRK.jl`.
 */
export function randomizedKaczmarz(
  A: Matrix | ArrayLike<ArrayLike<number>>,
  b: ArrayLike<number>,
  options: SketchSolveOptions,
): SketchSolveResult {
  const where = 'randomizedKaczmarz';
  const d = toDense(where, A, b);
  const p = parse(where, d.n, norm2(b), options);
  const { n, a, gram, rowNorm2 } = d;
  const tau = p.blockSize;
  const cumulative = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += p.sampling === 'uniform' ? 1 : (rowNorm2[i] as number);
    cumulative[i] = acc;
  }
  const perBatch = Math.max(1, Math.floor(BATCH / tau));
  let batch: Float32Array = new Float32Array(0);
  let batchIndex = -1;
  const uniform = (j: number, q: number): number => {
    const bi = Math.floor(j / perBatch);
    if (bi !== batchIndex) {
      batch = uniformValues(foldIn(p.key, bi), perBatch * tau);
      batchIndex = bi;
    }
    return batch[(j % perBatch) * tau + q] as number;
  };
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  const M = new Float64Array(tau * tau);
  const y = new Float64Array(tau);
  return sketchLoop(d, b, p, (j, r, w, gw) => {
    if (tau === 1) {
      const u = uniform(j, 0) * acc;
      let i = 0;
      while (i < n - 1 && (cumulative[i] as number) <= u) i++;
      for (let k = 0; k < n; k++) {
        w[k] = a[i * n + k] as number;
        gw[k] = gram[k * n + i] as number;
      }
      return (r[i] as number) / (rowNorm2[i] as number);
    }
    // τ distinct rows: a partial Fisher–Yates shuffle of the row indices.
    for (let q = 0; q < tau; q++) {
      const pick = q + Math.min(n - q - 1, Math.floor(uniform(j, q) * (n - q)));
      const tmp = rows[q] as number;
      rows[q] = rows[pick] as number;
      rows[pick] = tmp;
    }
    for (let q = 0; q < tau; q++) {
      const iq = rows[q] as number;
      y[q] = r[iq] as number;
      for (let s = 0; s < tau; s++) M[q * tau + s] = gram[iq * n + (rows[s] as number)] as number;
    }
    if (!choleskySolve(M, y, tau)) return 0;
    w.fill(0);
    gw.fill(0);
    for (let q = 0; q < tau; q++) {
      const iq = rows[q] as number;
      const yq = y[q] as number;
      for (let k = 0; k < n; k++) {
        w[k] = (w[k] as number) + yq * (a[iq * n + k] as number);
        gw[k] = (gw[k] as number) + yq * (gram[k * n + iq] as number);
      }
    }
    return 1;
  });
}

/**
 * Gaussian sketch for a square system A z = b (sketch-and-project with S_j = s ~ N(0, I)):
 *
 *   z_{j+1} = z_j − (sᵀr_j / sᵀAAᵀs) · Aᵀs,   r_j = A z_j − b,
 *
 * or, with `blockSize` τ > 1 and S ∈ R^{N×τ} Gaussian, z_{j+1} = z_j − AᵀS(SᵀAAᵀS)⁻¹Sᵀr_j. Each step is the exact
 * projection of z_j onto {z : SᵀA z = Sᵀb}, so the error contracts in expectation by 1 − λ_min(E[P]) where P
 * projects onto range(AᵀS): for a nonsingular A the expected squared error falls geometrically (Gower and
 * Richtárik, "Randomized iterative methods for linear systems", SIAM J. Matrix Anal. Appl. 2015, Thm 4.6). Float64
 * host arithmetic; S from core's Threefry PRNG (`normalValues(foldIn(key, batch), …)`).
 * Reference: Hong et al. 2023 (arXiv:2305.18379), code `CUTEst/AdaSketchNewtonGV/AdaSketchNewtonGV.jl`.
 */
export function gaussianSketch(
  A: Matrix | ArrayLike<ArrayLike<number>>,
  b: ArrayLike<number>,
  options: SketchSolveOptions,
): SketchSolveResult {
  const where = 'gaussianSketch';
  const d = toDense(where, A, b);
  const p = parse(where, d.n, norm2(b), options);
  const { n, a, gram } = d;
  const tau = p.blockSize;
  const perBatch = Math.max(1, Math.floor(BATCH / (n * tau)));
  let batch: Float32Array = new Float32Array(0);
  let batchIndex = -1;
  // Column q of S is S[q*n .. q*n+n); AS holds Aᵀs_q, GS holds AAᵀs_q, both column-major like S.
  const AS = new Float64Array(n * tau);
  const GS = new Float64Array(n * tau);
  const M = new Float64Array(tau * tau);
  const y = new Float64Array(tau);
  return sketchLoop(d, b, p, (j, r, w, gw) => {
    const bi = Math.floor(j / perBatch);
    if (bi !== batchIndex) {
      batch = normalValues(foldIn(p.key, bi), perBatch * n * tau);
      batchIndex = bi;
    }
    const off = (j % perBatch) * n * tau;
    for (let q = 0; q < tau; q++) {
      const sq = off + q * n;
      let sr = 0;
      for (let k = 0; k < n; k++) {
        let sa = 0;
        let sg = 0;
        for (let i = 0; i < n; i++) {
          const si = batch[sq + i] as number;
          sa += si * (a[i * n + k] as number);
          sg += si * (gram[i * n + k] as number);
        }
        AS[q * n + k] = sa;
        GS[q * n + k] = sg;
        sr += (batch[sq + k] as number) * (r[k] as number);
      }
      y[q] = sr;
    }
    for (let q = 0; q < tau; q++) {
      for (let s = 0; s < tau; s++) {
        let v = 0;
        for (let k = 0; k < n; k++) v += (batch[off + q * n + k] as number) * (GS[s * n + k] as number);
        M[q * tau + s] = v;
      }
    }
    if (!choleskySolve(M, y, tau)) return 0;
    w.fill(0);
    gw.fill(0);
    for (let q = 0; q < tau; q++) {
      const yq = y[q] as number;
      for (let k = 0; k < n; k++) {
        w[k] = (w[k] as number) + yq * (AS[q * n + k] as number);
        gw[k] = (gw[k] as number) + yq * (GS[q * n + k] as number);
      }
    }
    return 1;
  });
}
