/**
 * Gaussian-process surrogates of a black-box function and their gradients, the building blocks
 * of FZooS (Shu, Lin, Dai & Low, "Federated Zeroth-Order Optimization using Trajectory-Informed
 * Surrogate Gradients", arXiv 2308.04077): an exact GP with an RBF kernel fitted on a query
 * history (the "trajectory"), and its random-Fourier-feature approximation, whose weight vector is
 * what a client sends to the server.
 *
 * All linear algebra is float64 on the host (`ml-matrix` Cholesky); these systems are small
 * (a few hundred queries).
 *
 * @packageDocumentation
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { type Key, checkKnownOptions, checkNumber, invalidOption, normalValues, split, uniformValues } from '@descent/core';

/** Options of {@link fitGpSurrogate}. */
export interface GpSurrogateOptions {
  /** RBF lengthscale ℓ > 0. Default 1 (the lengthscale of the FZooS code's random features). */
  lengthscale?: number;
  /**
   * Observation-noise variance σ² > 0 added to the diagonal, in units of the min–max normalised
   * values. Default 1e-6 (sklearn `alpha=1e-6` in the FZooS code). Doubled until the Cholesky
   * factorisation succeeds, should the kernel matrix be numerically singular.
   */
  noise?: number;
}

/**
 * An exact GP posterior mean μ and its gradient, fitted on points `X` (n × d) and values `y`.
 *
 * Values are min–max normalised to [0, 1] before fitting, as the FZooS code does
 * (`fzoos_opt.fit_gp`: `ys_trans = (ys - ys_min) / (ys_max - ys_min)`); `mean` and `gradient`
 * are in the original units again.
 */
export interface GpSurrogate {
  /** Input dimension d. */
  readonly dim: number;
  /** Number of fitted points n. */
  readonly size: number;
  /** μ(x) = y_min + (y_max − y_min) · k(x, X)ᵀ (K + σ²I)⁻¹ ỹ. */
  mean(x: ArrayLike<number>): number;
  /** ∇μ(x) = (y_max − y_min) · Σ_j α_j k(x, x_j) (x_j − x) / ℓ², with α = (K + σ²I)⁻¹ ỹ. */
  gradient(x: ArrayLike<number>): Float64Array;
  /**
   * Trace of the posterior covariance of ∇f(x) (normalised units):
   * tr Σ∇(x) = d/ℓ² − ℓ⁻⁴ Σ_{j,k} A_jk k(x,x_j) k(x,x_k) (x − x_j)·(x − x_k), A = (K + σ²I)⁻¹.
   * FZooS queries where this is largest (active queries).
   */
  gradientVariance(x: ArrayLike<number>): number;
}

function checkPoints(where: string, points: readonly ArrayLike<number>[], values: ArrayLike<number>): number {
  if (!Array.isArray(points) || points.length === 0) invalidOption(where, 'points', points, 'a non-empty array of points');
  const dim = points[0]!.length;
  if (!Number.isInteger(dim) || dim < 1) invalidOption(where, 'points[0]', points[0], 'a point with at least one coordinate');
  for (let j = 0; j < points.length; j++) {
    const p = points[j]!;
    if (p.length !== dim) invalidOption(where, `points[${j}]`, p, `a point of length ${dim}`);
    for (let m = 0; m < dim; m++) {
      if (!Number.isFinite(p[m]!)) invalidOption(where, `points[${j}][${m}]`, p[m], 'a finite number');
    }
  }
  if (values.length !== points.length) {
    invalidOption(where, 'values', values, `${points.length} values (one per point)`);
  }
  for (let j = 0; j < values.length; j++) {
    if (!Number.isFinite(values[j]!)) invalidOption(where, `values[${j}]`, values[j], 'a finite number');
  }
  return dim;
}

/** Min–max normalisation `(y − min) / range`; a constant history gets range 1. */
function normalise(values: ArrayLike<number>): { y: Float64Array; min: number; range: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0; j < values.length; j++) {
    min = Math.min(min, values[j]!);
    max = Math.max(max, values[j]!);
  }
  const range = max > min ? max - min : 1;
  const y = new Float64Array(values.length);
  for (let j = 0; j < values.length; j++) y[j] = (values[j]! - min) / range;
  return { y, min, range };
}

/** Cholesky of `gram + σ²I`, doubling σ² until it is positive definite. */
function choleskyWithJitter(where: string, gram: Float64Array, n: number, noise: number): CholeskyDecomposition {
  let jitter = noise;
  for (let attempt = 0; attempt < 40; attempt++) {
    const rows: number[][] = [];
    for (let j = 0; j < n; j++) {
      const row = Array.from(gram.subarray(j * n, (j + 1) * n));
      row[j]! += jitter;
      rows.push(row);
    }
    const chol = new CholeskyDecomposition(new Matrix(rows));
    if (chol.isPositiveDefinite()) return chol;
    jitter *= 2;
  }
  return invalidOption(where, 'points', '(kernel matrix)', 'points whose kernel matrix can be factorised');
}

function solveColumn(chol: CholeskyDecomposition, b: Float64Array): Float64Array {
  const sol = chol.solve(Matrix.columnVector(Array.from(b)));
  return Float64Array.from(sol.getColumn(0));
}

/**
 * Fits the exact GP surrogate of FZooS (paper §4.1; code `fzoos_opt.fit_gp` and `grad_mean`):
 * kernel k(x, x') = exp(−‖x − x'‖² / (2ℓ²)), noise σ², values min–max normalised.
 *
 * Deviations from the authors' code (shuyao95/FZooS `optimizers.py`): the code uses sklearn's
 * Matérn-5/2 kernel with marginal-likelihood hyper-parameter fitting (20 restarts) and takes the
 * gradient of the mean by finite differences (`approx_fprime`); here the kernel is the RBF kernel
 * with a fixed lengthscale (the code's own gradient-variance and random-feature parts assume RBF)
 * and the gradient is the closed form above.
 */
export function fitGpSurrogate(
  points: readonly ArrayLike<number>[],
  values: ArrayLike<number>,
  options: GpSurrogateOptions = {},
): GpSurrogate {
  const where = 'fitGpSurrogate';
  checkKnownOptions(where, options, ['lengthscale', 'noise']);
  const lengthscale = checkNumber(where, 'lengthscale', options.lengthscale ?? 1, { greaterThan: 0 });
  const noise = checkNumber(where, 'noise', options.noise ?? 1e-6, { greaterThan: 0 });
  const dim = checkPoints(where, points, values);
  const n = points.length;
  // Centre the inputs: the expansion in gradientVariance subtracts inner products, which is
  // accurate only when they are small.
  const centre = new Float64Array(dim);
  for (const p of points) for (let m = 0; m < dim; m++) centre[m]! += p[m]! / n;
  const X = new Float64Array(n * dim);
  for (let j = 0; j < n; j++) for (let m = 0; m < dim; m++) X[j * dim + m] = points[j]![m]! - centre[m]!;
  const inv2l2 = 1 / (2 * lengthscale * lengthscale);
  const invl2 = 1 / (lengthscale * lengthscale);
  const gram = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    gram[j * n + j] = 1;
    for (let k = 0; k < j; k++) {
      let d2 = 0;
      for (let m = 0; m < dim; m++) {
        const t = X[j * dim + m]! - X[k * dim + m]!;
        d2 += t * t;
      }
      const v = Math.exp(-d2 * inv2l2);
      gram[j * n + k] = v;
      gram[k * n + j] = v;
    }
  }
  const chol = choleskyWithJitter(where, gram, n, noise);
  const { y, min, range } = normalise(values);
  const alpha = solveColumn(chol, y);

  const toCentred = (x: ArrayLike<number>): Float64Array => {
    if (x.length !== dim) invalidOption(where, 'x', x, `a point of length ${dim}`);
    const c = new Float64Array(dim);
    for (let m = 0; m < dim; m++) c[m] = x[m]! - centre[m]!;
    return c;
  };
  const kernelRow = (c: Float64Array): Float64Array => {
    const a = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      let d2 = 0;
      for (let m = 0; m < dim; m++) {
        const t = c[m]! - X[j * dim + m]!;
        d2 += t * t;
      }
      a[j] = Math.exp(-d2 * inv2l2);
    }
    return a;
  };

  // A = (K + σ²I)⁻¹ and H = A ∘ (X Xᵀ), built on the first gradientVariance call only.
  let A: Float64Array | undefined;
  let H: Float64Array | undefined;
  const precision = (): void => {
    // A = L⁻ᵀL⁻¹ from the Cholesky factor: W = L⁻¹ by forward substitution, then WᵀW.
    const Lm = chol.lowerTriangularMatrix;
    const L = new Float64Array(n * n);
    for (let j = 0; j < n; j++) for (let k = 0; k <= j; k++) L[j * n + k] = Lm.get(j, k);
    const W = new Float64Array(n * n);
    for (let c = 0; c < n; c++) {
      for (let j = c; j < n; j++) {
        let s = j === c ? 1 : 0;
        for (let k = c; k < j; k++) s -= L[j * n + k]! * W[k * n + c]!;
        W[j * n + c] = s / L[j * n + j]!;
      }
    }
    A = new Float64Array(n * n);
    H = new Float64Array(n * n);
    for (let j = 0; j < n; j++) {
      for (let k = 0; k <= j; k++) {
        let ajk = 0;
        for (let i = j; i < n; i++) ajk += W[i * n + j]! * W[i * n + k]!;
        let g = 0;
        for (let m = 0; m < dim; m++) g += X[j * dim + m]! * X[k * dim + m]!;
        A[j * n + k] = ajk;
        A[k * n + j] = ajk;
        H[j * n + k] = ajk * g;
        H[k * n + j] = ajk * g;
      }
    }
  };

  return {
    dim,
    size: n,
    mean(x) {
      const a = kernelRow(toCentred(x));
      let s = 0;
      for (let j = 0; j < n; j++) s += a[j]! * alpha[j]!;
      return min + range * s;
    },
    gradient(x) {
      const c = toCentred(x);
      const a = kernelRow(c);
      const g = new Float64Array(dim);
      for (let j = 0; j < n; j++) {
        const w = alpha[j]! * a[j]! * invl2 * range;
        for (let m = 0; m < dim; m++) g[m]! += w * (X[j * dim + m]! - c[m]!);
      }
      return g;
    },
    gradientVariance(x) {
      if (A === undefined) precision();
      const c = toCentred(x);
      const a = kernelRow(c);
      // (x − x_j)·(x − x_k) = ‖x‖² − x·x_j − x·x_k + x_j·x_k, so the double sum is
      // ‖x‖² aᵀAa − 2 (a∘s)ᵀ A a + aᵀ H a with s = X x: O(n²) per point instead of O(n²d).
      let cc = 0;
      for (let m = 0; m < dim; m++) cc += c[m]! * c[m]!;
      let aAa = 0;
      let asAa = 0;
      let aHa = 0;
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let m = 0; m < dim; m++) s += X[j * dim + m]! * c[m]!;
        let Aa = 0;
        let Ha = 0;
        for (let k = 0; k < n; k++) {
          Aa += A![j * n + k]! * a[k]!;
          Ha += H![j * n + k]! * a[k]!;
        }
        aAa += a[j]! * Aa;
        asAa += a[j]! * s * Aa;
        aHa += a[j]! * Ha;
      }
      const reduction = (cc * aAa - 2 * asAa + aHa) * invl2 * invl2;
      return Math.max(0, dim * invl2 - reduction);
    },
  };
}

/**
 * Random Fourier features of the RBF kernel (Rahimi & Recht 2007):
 * φ(x) = √(2/M) cos(Ωx + b), Ω_m ~ N(0, I/ℓ²), b_m ~ U[0, 2π), so φ(x)ᵀφ(x') ≈ exp(−‖x − x'‖²/(2ℓ²)).
 * sklearn's `RBFSampler` (used by the FZooS code) draws the same distribution.
 */
export interface RandomFourierFeatures {
  /** Input dimension d. */
  readonly dim: number;
  /** Number of features M. */
  readonly features: number;
  /** RBF lengthscale ℓ. */
  readonly lengthscale: number;
  /** Ω, row-major M × d. */
  readonly omega: Float64Array;
  /** b, length M. */
  readonly phase: Float64Array;
}

/** Draws {@link RandomFourierFeatures} from `key` (the same key gives the same features everywhere). */
export function randomFourierFeatures(options: {
  dim: number;
  features: number;
  lengthscale?: number;
  key: Key;
}): RandomFourierFeatures {
  const where = 'randomFourierFeatures';
  checkKnownOptions(where, options, ['dim', 'features', 'lengthscale', 'key']);
  const dim = checkNumber(where, 'dim', options.dim, { integer: true, min: 1 });
  const features = checkNumber(where, 'features', options.features, { integer: true, min: 1 });
  const lengthscale = checkNumber(where, 'lengthscale', options.lengthscale ?? 1, { greaterThan: 0 });
  const [kOmega, kPhase] = split(options.key, 2) as [Key, Key];
  const omega = Float64Array.from(normalValues(kOmega, features * dim, 0, 1 / lengthscale));
  const phase = Float64Array.from(uniformValues(kPhase, features, 0, 2 * Math.PI));
  return { dim, features, lengthscale, omega, phase };
}

/**
 * A surrogate in the random-feature weight space: μ̃(x) = c + φ(x)ᵀw, ∇μ̃(x) = −√(2/M) Ωᵀ(sin(Ωx + b) ∘ w).
 * Weights of surrogates on the same features can be averaged ({@link averageRffSurrogates}).
 */
export interface RffSurrogate {
  /** The shared features. */
  readonly rff: RandomFourierFeatures;
  /** w (length M), in the units of the values. */
  readonly weights: Float64Array;
  /** c, the constant added back after normalisation. */
  readonly offset: number;
}

/** φ(x) for one point. */
function featuresAt(rff: RandomFourierFeatures, x: ArrayLike<number>): Float64Array {
  const { dim, features, omega, phase } = rff;
  const scale = Math.sqrt(2 / features);
  const phi = new Float64Array(features);
  for (let i = 0; i < features; i++) {
    let t = phase[i]!;
    for (let m = 0; m < dim; m++) t += omega[i * dim + m]! * x[m]!;
    phi[i] = scale * Math.cos(t);
  }
  return phi;
}

/**
 * Fits an {@link RffSurrogate}: the GP posterior mean under the approximate kernel φ(x)ᵀφ(x'),
 * w = (y_max − y_min) Φᵀ(ΦΦᵀ + σ²I)⁻¹ỹ with ỹ min–max normalised and c = y_min
 * (code: `RFFGP.fit`, which uses least squares, `Ridge(alpha=0)`; σ² = `noise` regularises it).
 */
export function fitRffSurrogate(
  rff: RandomFourierFeatures,
  points: readonly ArrayLike<number>[],
  values: ArrayLike<number>,
  options: { noise?: number } = {},
): RffSurrogate {
  const where = 'fitRffSurrogate';
  checkKnownOptions(where, options, ['noise']);
  const noise = checkNumber(where, 'noise', options.noise ?? 1e-6, { greaterThan: 0 });
  const dim = checkPoints(where, points, values);
  if (dim !== rff.dim) invalidOption(where, 'points[0]', points[0], `a point of length ${rff.dim} (the features' dim)`);
  const n = points.length;
  const M = rff.features;
  const Phi = new Float64Array(n * M);
  for (let j = 0; j < n; j++) Phi.set(featuresAt(rff, points[j]!), j * M);
  const gram = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    for (let k = 0; k <= j; k++) {
      let s = 0;
      for (let i = 0; i < M; i++) s += Phi[j * M + i]! * Phi[k * M + i]!;
      gram[j * n + k] = s;
      gram[k * n + j] = s;
    }
  }
  const chol = choleskyWithJitter(where, gram, n, noise);
  const { y, min, range } = normalise(values);
  const beta = solveColumn(chol, y);
  const weights = new Float64Array(M);
  for (let j = 0; j < n; j++) {
    const b = beta[j]! * range;
    for (let i = 0; i < M; i++) weights[i]! += Phi[j * M + i]! * b;
  }
  return { rff, weights, offset: min };
}

/** μ̃(x) = c + φ(x)ᵀw. */
export function rffMean(s: RffSurrogate, x: ArrayLike<number>): number {
  const phi = featuresAt(s.rff, x);
  let v = s.offset;
  for (let i = 0; i < phi.length; i++) v += phi[i]! * s.weights[i]!;
  return v;
}

/** ∇μ̃(x) = −√(2/M) Ωᵀ(sin(Ωx + b) ∘ w) (code: `RFFGP.grad_mean`). */
export function rffGradient(s: RffSurrogate, x: ArrayLike<number>): Float64Array {
  const { dim, features, omega, phase } = s.rff;
  const scale = -Math.sqrt(2 / features);
  const g = new Float64Array(dim);
  for (let i = 0; i < features; i++) {
    let t = phase[i]!;
    for (let m = 0; m < dim; m++) t += omega[i * dim + m]! * x[m]!;
    const c = scale * Math.sin(t) * s.weights[i]!;
    for (let m = 0; m < dim; m++) g[m]! += c * omega[i * dim + m]!;
  }
  return g;
}

/**
 * The server's global surrogate: w̄ = Σ_i p_i w_i, c̄ = Σ_i p_i c_i, so μ̃(x) = Σ_i p_i μ̃_i(x)
 * (code: `FedZoo.run_server`, `correction == 'rff'`). `p` is normalised to sum to 1.
 */
export function averageRffSurrogates(surrogates: readonly RffSurrogate[], p: readonly number[]): RffSurrogate {
  const where = 'averageRffSurrogates';
  if (surrogates.length === 0 || surrogates.length !== p.length) {
    invalidOption(where, 'p', p, `${surrogates.length} weights, one per surrogate (at least one)`);
  }
  const rff = surrogates[0]!.rff;
  let total = 0;
  for (let i = 0; i < p.length; i++) total += checkNumber(where, `p[${i}]`, p[i], { min: 0 });
  if (!(total > 0)) invalidOption(where, 'p', p, 'weights with a positive sum');
  const weights = new Float64Array(rff.features);
  let offset = 0;
  surrogates.forEach((s, i) => {
    if (s.rff !== rff) invalidOption(where, `surrogates[${i}]`, s, 'a surrogate on the same features as surrogates[0]');
    const w = p[i]! / total;
    for (let k = 0; k < weights.length; k++) weights[k]! += w * s.weights[k]!;
    offset += w * s.offset;
  });
  return { rff, weights, offset };
}
