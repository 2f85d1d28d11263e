/**
 * `exactAugmentedLagrangianSketch`: Newton–KKT steps solved inexactly by randomized sketching, globalised by the exact
 * augmented Lagrangian merit with adaptive penalties (Hong, Na, Mahoney, Kolar, ICML 2023 — "AdaSketch-Newton").
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DescentError,
  type Key,
  checkKnownOptions,
  checkNumber,
  checkOneOf,
  foldIn,
  hvp,
  invalidOption,
  key as prngKey,
} from '@descent/core';
import { EigenvalueDecomposition, Matrix, inverse } from 'ml-matrix';
import {
  type LagrangianDerivatives,
  exactAugmentedLagrangian,
  exactAugmentedLagrangianGradient,
} from './exact-augmented-lagrangian.js';
import { constraintViolation, kktResidual } from './kkt.js';
import type { Problem, SolveIteration, SolveResult } from './problem.js';
import { type SketchSolveResult, gaussianSketch, randomizedKaczmarz } from './sketch-solver.js';

/** Options of {@link exactAugmentedLagrangianSketch}; defaults are `Parameter/Param.jl` of the reference code. */
export interface ExactAlSketchOptions {
  /** Sketch of the Newton–KKT solve: `'kaczmarz'` (randomized Kaczmarz) or `'gaussian'` (Gaussian vector). Default `'kaczmarz'`. */
  sketch?: 'kaczmarz' | 'gaussian';
  /**
   * Stop when ‖∇ₓL‖∞ ≤ tol·max(1, ‖∇f‖∞, ‖Gᵀλ‖∞) and ‖c‖∞ ≤ tol. Default 1e-6: tfjs computes f, c and their
   * derivatives in float32, whose rounding floor for ∇ₓL is a few 1e-7 relative.
   */
  tol?: number;
  /** Most Newton iterations. Default 200. */
  maxIterations?: number;
  /** Initial penalty μ₀ on ‖c‖² (`eta1`). Default 1. */
  mu0?: number;
  /** Initial weight ν₀ on ‖∇ₓL‖² (`eta2`). Default 0.1. */
  nu0?: number;
  /** Initial accuracy δ₀ of the sketch solve. Default 0.1 (floored at 1e-6 as in the code). */
  delta0?: number;
  /** Hessian shift base ξ_B. Default 0.1. */
  xiB?: number;
  /** Armijo constant β ∈ (0, ½). Default 0.1. */
  beta?: number;
  /** Penalty growth ϖ > 1 (`nu` in the code): μ ← ϖ²μ, ν ← ν/ϖ. Default 1.5. */
  varpi?: number;
  /** Factor θ of the adaptive accuracy condition. Default 1. */
  theta?: number;
  /**
   * Sketch size τ: rows (Kaczmarz) or Gaussian columns per sketch step, capped at N = n + m. Default
   * min(⌈N/2⌉, 64). The paper's experiments use τ = 1; its accuracy condition asks for a relative residual of about
   * δ/(Ψ‖K‖_F) (often below 1e-12), which single-row sketches reach only for well-conditioned K: on HS46, whose KKT
   * matrix becomes nearly singular (degenerate solution), τ = 1 and τ = 2 hit the 100 000-step cap every iteration
   * and stall at ‖c‖∞ ≈ 2e-5 after 100 iterations, while τ = ⌈7/2⌉ = 4 converges in 18 (measured here).
   */
  blockSize?: number;
  /** Cap on sketch iterations per solve. Default 100 000. */
  maxSketchIterations?: number;
  /** LICQ safeguard: the run stops (not converged) if λ_min(GGᵀ) < this. Default 1e-2. */
  licqThreshold?: number;
  /** Most Armijo halvings per iteration. Default 60. */
  maxBacktracks?: number;
  /** Seed of core's Threefry PRNG for the sketches. Default 0. */
  seed?: number;
  /** Initial multipliers λ₀ (length m). Default 0 (CUTEst's y0). */
  lambda0?: number[];
  /** Called after every iteration with its history record. */
  onIteration?: (record: SolveIteration) => void;
}

const KNOWN = [
  'sketch',
  'tol',
  'maxIterations',
  'mu0',
  'nu0',
  'delta0',
  'xiB',
  'beta',
  'varpi',
  'theta',
  'blockSize',
  'maxSketchIterations',
  'licqThreshold',
  'maxBacktracks',
  'seed',
  'lambda0',
  'onIteration',
] as const;

const WHERE = 'exactAugmentedLagrangianSketch';
/** tfjs evaluates f and c in float32: merit values carry relative rounding of about this size. */
const EPS32 = 2 ** -23;

interface Counter {
  f: number;
  grad: number;
}

/** f, c and ∇ₓL at (x, λ) (+ G and ∇²ₓL when `second`), from tfjs autodiff, copied into float64. */
function evaluate(problem: Problem, m: number, x: Float64Array, lambda: Float64Array, second: boolean, count: Counter): LagrangianDerivatives {
  const n = x.length;
  let out: LagrangianDerivatives | undefined;
  tf.tidy(() => {
    const xt = tf.tensor1d(Array.from(x));
    const lam = m > 0 ? tf.tensor1d(Array.from(lambda)) : undefined;
    const eq = problem.eq;
    const lagrangian = (z: tf.Tensor1D): tf.Scalar => {
      const f = problem.objective(z);
      return lam !== undefined && eq !== undefined ? tf.add(f, tf.sum(tf.mul(lam, eq.call(problem, z)))) : f;
    };
    const fT = problem.objective(xt);
    const cT = m > 0 && eq !== undefined ? eq.call(problem, xt) : undefined;
    if (cT !== undefined && (cT.rank !== 1 || cT.shape[0] !== m)) {
      invalidOption(WHERE, 'problem.eq(x)', cT.shape, `a 1-D tensor of length m = ${m} at every x (its length at x0)`);
    }
    const gL = tf.grad((z: tf.Tensor) => lagrangian(z as tf.Tensor1D))(xt);
    count.f++;
    count.grad++;
    const d: LagrangianDerivatives = {
      n,
      m,
      f: fT.dataSync()[0] as number,
      c: Float64Array.from(cT?.dataSync() ?? []),
      lambda,
      gradL: Float64Array.from(gL.dataSync()),
    };
    if (second) {
      const G = new Float64Array(m * n);
      for (let i = 0; i < m && eq !== undefined; i++) {
        const e = tf.tensor1d(Array.from({ length: m }, (_, r) => (r === i ? 1 : 0)));
        const row = tf.grad((z: tf.Tensor) => tf.sum(tf.mul(e, eq.call(problem, z as tf.Tensor1D))))(xt).dataSync();
        G.set(row, i * n);
        count.grad++;
      }
      const H = new Float64Array(n * n);
      for (let j = 0; j < n; j++) {
        const e = tf.tensor1d(Array.from({ length: n }, (_, r) => (r === j ? 1 : 0)));
        H.set(hvp(lagrangian, xt, e).dataSync(), j * n);
        count.grad += 2;
      }
      // Symmetrise: the two triangles of an autodiff Hessian agree only up to float32 rounding.
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          const s = 0.5 * ((H[i * n + j] as number) + (H[j * n + i] as number));
          H[i * n + j] = s;
          H[j * n + i] = s;
        }
      }
      d.jacobian = G;
      d.hessianL = H;
    }
    out = d;
  });
  return out as LagrangianDerivatives;
}

function finite(d: LagrangianDerivatives): boolean {
  if (!Number.isFinite(d.f)) return false;
  for (const v of d.c) if (!Number.isFinite(v)) return false;
  for (const v of d.gradL) if (!Number.isFinite(v)) return false;
  for (const v of d.jacobian ?? []) if (!Number.isFinite(v)) return false;
  for (const v of d.hessianL ?? []) if (!Number.isFinite(v)) return false;
  return true;
}

/** max(1, ‖Gᵀλ‖∞, ‖∇f‖∞) with ∇f = ∇ₓL − Gᵀλ: the size of the terms whose float32 sum is ∇ₓL. */
function stationarityScale(d: LagrangianDerivatives): number {
  let scale = 1;
  for (let j = 0; j < d.n; j++) {
    let gtl = 0;
    for (let i = 0; i < d.m; i++) gtl += (d.jacobian![i * d.n + j] as number) * (d.lambda[i] as number);
    scale = Math.max(scale, Math.abs(gtl), Math.abs((d.gradL[j] as number) - gtl));
  }
  return scale;
}

function normInf(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s = Math.max(s, Math.abs(v[i] as number));
  return s;
}

function norm2(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += (v[i] as number) ** 2;
  return Math.sqrt(s);
}

function frobenius(a: Float64Array): number {
  return norm2(a);
}

function minEigenvalue(a: Matrix): number {
  const ev = new EigenvalueDecomposition(a, { assumeSymmetric: true }).realEigenvalues;
  return Math.min(...ev);
}

/**
 * The Hessian shift t_k: 0 if the reduced Hessian Zᵀ∇²ₓL Z (Z an orthonormal basis of null(G)) has
 * λ_min ≥ 1e-6, else ξ_B + ‖∇²ₓL‖_F — the released code's rule, which makes B_k positive definite on null(G)
 * so the Newton–KKT matrix is nonsingular and its step a descent direction of the merit.
 */
function hessianShift(H: Matrix, G: Matrix, n: number, m: number, xiB: number): number {
  if (m >= n) return 0;
  let Z: Matrix;
  if (m === 0) {
    Z = Matrix.eye(n);
  } else {
    // Null-space basis from the projector P = I − Gᵀ(GGᵀ)⁻¹G: its eigenvectors with eigenvalue 1.
    const P = Matrix.eye(n).sub(G.transpose().mmul(inverse(G.mmul(G.transpose()))).mmul(G));
    const evd = new EigenvalueDecomposition(P, { assumeSymmetric: true });
    const cols: number[] = [];
    evd.realEigenvalues.forEach((v, i) => {
      if (v > 0.5) cols.push(i);
    });
    if (cols.length === 0) return 0;
    Z = evd.eigenvectorMatrix.subMatrixColumn(cols);
  }
  const reduced = Z.transpose().mmul(H).mmul(Z);
  return minEigenvalue(reduced) < 1e-6 ? xiB + Math.sqrt(H.to1DArray().reduce((s, v) => s + v * v, 0)) : 0;
}

interface Parsed {
  sketch: 'kaczmarz' | 'gaussian';
  tol: number;
  maxIterations: number;
  mu0: number;
  nu0: number;
  delta0: number;
  xiB: number;
  beta: number;
  varpi: number;
  theta: number;
  blockSize: number;
  maxSketchIterations: number;
  licqThreshold: number;
  maxBacktracks: number;
  key: Key;
  lambda0: number[] | undefined;
  onIteration: ((record: SolveIteration) => void) | undefined;
}

function parseOptions(options: ExactAlSketchOptions): Parsed {
  if (options === null || typeof options !== 'object') invalidOption(WHERE, 'options', options, 'an options object');
  checkKnownOptions(WHERE, options, KNOWN);
  const o = options;
  if (o.onIteration !== undefined && typeof o.onIteration !== 'function') invalidOption(WHERE, 'onIteration', o.onIteration, 'a function');
  return {
    sketch: checkOneOf(WHERE, 'sketch', o.sketch ?? 'kaczmarz', ['kaczmarz', 'gaussian'] as const),
    tol: checkNumber(WHERE, 'tol', o.tol ?? 1e-6, { greaterThan: 0 }),
    maxIterations: checkNumber(WHERE, 'maxIterations', o.maxIterations ?? 200, { min: 0, integer: true }),
    mu0: checkNumber(WHERE, 'mu0', o.mu0 ?? 1, { greaterThan: 0 }),
    nu0: checkNumber(WHERE, 'nu0', o.nu0 ?? 0.1, { greaterThan: 0 }),
    delta0: checkNumber(WHERE, 'delta0', o.delta0 ?? 0.1, { greaterThan: 0 }),
    xiB: checkNumber(WHERE, 'xiB', o.xiB ?? 0.1, { greaterThan: 0 }),
    beta: checkNumber(WHERE, 'beta', o.beta ?? 0.1, { greaterThan: 0, lessThan: 0.5 }),
    varpi: checkNumber(WHERE, 'varpi', o.varpi ?? 1.5, { greaterThan: 1 }),
    theta: checkNumber(WHERE, 'theta', o.theta ?? 1, { greaterThan: 0 }),
    blockSize: o.blockSize === undefined ? 0 : checkNumber(WHERE, 'blockSize', o.blockSize, { min: 1, integer: true }),
    maxSketchIterations: checkNumber(WHERE, 'maxSketchIterations', o.maxSketchIterations ?? 100_000, { min: 1, integer: true }),
    licqThreshold: checkNumber(WHERE, 'licqThreshold', o.licqThreshold ?? 1e-2, { min: 0 }),
    maxBacktracks: checkNumber(WHERE, 'maxBacktracks', o.maxBacktracks ?? 60, { min: 0, integer: true }),
    key: prngKey(checkNumber(WHERE, 'seed', o.seed ?? 0, { min: 0, integer: true })),
    lambda0: o.lambda0,
    onIteration: o.onIteration,
  };
}

/** Validates the problem; returns m. Bounds other than ±∞ and inequalities are outside the method. */
function checkProblem(problem: Problem): number {
  if (problem === null || typeof problem !== 'object') invalidOption(WHERE, 'problem', problem, 'a Problem object');
  const n = checkNumber(WHERE, 'problem.dim', problem.dim, { min: 1, integer: true });
  if (typeof problem.objective !== 'function') invalidOption(WHERE, 'problem.objective', problem.objective, 'a function');
  if (!Array.isArray(problem.x0) || problem.x0.length !== n) invalidOption(WHERE, 'problem.x0', problem.x0, `an array of length dim = ${n}`);
  problem.x0.forEach((v, i) => checkNumber(WHERE, `problem.x0[${i}]`, v));
  if (problem.ineq !== undefined) {
    throw new DescentError(
      'unsupported',
      `${WHERE}: the exact augmented Lagrangian method of Hong et al. handles equality constraints only; problem.ineq is set (use method 'augmented-lagrangian')`,
      { parameter: 'problem.ineq', value: problem.ineq },
    );
  }
  const b = problem.bounds;
  if (b !== undefined) {
    for (const side of ['lower', 'upper'] as const) {
      const v = b[side];
      if (v === undefined) continue;
      if (!Array.isArray(v) || v.length !== n) invalidOption(WHERE, `problem.bounds.${side}`, v, `an array of length dim = ${n}`);
      v.forEach((bi, i) => {
        if (bi !== (side === 'lower' ? -Infinity : Infinity)) {
          throw new DescentError(
            'unsupported',
            `${WHERE}: the exact augmented Lagrangian method handles equality constraints only; problem.bounds.${side}[${i}] = ${bi} is finite (use method 'augmented-lagrangian')`,
            { parameter: `problem.bounds.${side}`, value: v },
          );
        }
      });
    }
  }
  if (problem.eq === undefined) return 0;
  if (typeof problem.eq !== 'function') invalidOption(WHERE, 'problem.eq', problem.eq, 'a function');
  const shape = tf.tidy(() => problem.eq!(tf.tensor1d(problem.x0)).shape);
  if (shape.length !== 1) invalidOption(WHERE, 'problem.eq(x0)', shape, 'a 1-D tensor (shape [m])');
  return shape[0] as number;
}

function finish(
  problem: Problem,
  d: LagrangianDerivatives | undefined,
  x: Float64Array,
  lambda: Float64Array,
  iterations: number,
  converged: boolean,
  reason: string,
  history: SolveIteration[],
  count: Counter,
): SolveResult {
  // The package-wide measures (kkt.ts) so that every solver reports on the same scale.
  const usable = d !== undefined && finite(d);
  return {
    x: Array.from(x),
    f: d?.f ?? NaN,
    kktResidual: usable ? kktResidual(problem, x, { eq: lambda, ineq: [] }) : Infinity,
    constraintViolation: usable ? constraintViolation(problem, x) : Infinity,
    multipliers: { eq: Array.from(lambda), ineq: [] },
    iterations,
    converged,
    reason,
    history,
    evaluations: { f: count.f, grad: count.grad },
  };
}

/**
 * Exact augmented Lagrangian method with randomized iterative sketching (Hong, Na, Mahoney, Kolar, "Constrained
 * optimization via exact augmented Lagrangian and randomized iterative sketching", ICML 2023, arXiv:2305.18379;
 * reference code `IlgeeHong/AdaSketch-Newton`, `CUTEst/AdaSketchNewton{RK,GV}`). For min f(x) s.t. c(x) = 0, with
 * G = ∇cᵀ and L = f + λᵀc, iteration k:
 *
 * 1. Stop if ‖∇ₓL‖∞ ≤ tol·max(1, ‖∇f‖∞, ‖Gᵀλ‖∞) and ‖c‖∞ ≤ tol; stop (failed) if λ_min(GGᵀ) < `licqThreshold` (LICQ safeguard).
 * 2. B = ∇²ₓL + t I, t = ξ_B + ‖∇²ₓL‖_F if the reduced Hessian on null(G) has λ_min < 1e-6, else 0.
 * 3. Sketch K Δz = −(∇ₓL, c), K = [[B, Gᵀ], [G, 0]], from Δz = 0 until the adaptive accuracy condition
 *    Ψ‖K‖_F‖r‖ ≤ θδ‖(∇ₓL, c)‖ holds, Ψ = 20·max(‖B‖_F², 1)/(min(λ_min(GGᵀ), 1)·min(ξ_B, 1)),
 *    δ ← max(1e-6, min(δ, δ_trial)), δ_trial = (½ − β)ν/((1 + μ + ν)Υ²Ψ²), Υ = max(‖G‖_F, ‖∇²ₓL‖_F, 1).
 * 4. Descent test ∇L_{μ,ν}ᵀΔz ≤ −(ν/2)‖(∇ₓL, c)‖²; if it fails, μ ← ϖ²μ, ν ← ν/ϖ, δ ← max(1e-6, min(δ/ϖ⁴, δ_trial))
 *    and sketch on (adaptation stops once μ > 1e8 or ν < 1e-8).
 * 5. Armijo backtracking (halving from 1) on L_{μ,ν}(x + αΔx, λ + αΔλ) ≤ L_{μ,ν} + αβ∇L_{μ,ν}ᵀΔz.
 *
 * L_{μ,ν} is {@link exactAugmentedLagrangian}; its gradient uses ∇²ₓL (not ∇²f as the released code does).
 * Matrix norms are Frobenius, as Julia's `norm(A)` in the code. ∇f, G and ∇²ₓL (n Hessian-vector products through
 * core's `hvp`) come from tfjs autodiff in float32; all linear algebra is float64 on the host. Because merit values
 * carry float32 rounding, the Armijo test allows a slack of 8·2⁻²³·max(1, |L_{μ,ν}|) (the ε|f| relaxation of
 * Hager and Zhang's approximate Wolfe test) so the unit Newton step is not rejected on rounding noise.
 *
 * Scope: equality constraints only (the paper's setting). A problem with `ineq` or finite `bounds` throws a
 * `DescentError` with code `'unsupported'`. Without equality constraints (no `eq`, or `eq` returning an empty
 * vector) the method is a Newton method globalised on f + (ν/2)‖∇f‖². Dense K: intended for n + m up to a few hundred.
 * Never throws on a run that merely fails: `converged: false` with the reason (LICQ safeguard, line search,
 * iteration cap, a non-finite value at an accepted point).
 */
export function exactAugmentedLagrangianSketch(problem: Problem, options: ExactAlSketchOptions = {}): SolveResult {
  const o = parseOptions(options);
  const m = checkProblem(problem);
  const n = problem.dim;
  const N = n + m;
  let x = Float64Array.from(problem.x0);
  let lambda = new Float64Array(m);
  if (o.lambda0 !== undefined) {
    if (!Array.isArray(o.lambda0) || o.lambda0.length !== m) invalidOption(WHERE, 'lambda0', o.lambda0, `an array of length m = ${m}`);
    o.lambda0.forEach((v, i) => checkNumber(WHERE, `lambda0[${i}]`, v));
    lambda = Float64Array.from(o.lambda0);
  }
  const count: Counter = { f: 0, grad: 0 };
  const history: SolveIteration[] = [];
  let d = evaluate(problem, m, x, lambda, true, count);
  if (!finite(d)) {
    throw new DescentError('non-finite', `${WHERE}: f, c or a derivative is not finite at problem.x0 = [${problem.x0.join(', ')}]`, {
      parameter: 'problem.x0',
      value: problem.x0,
    });
  }
  let mu = o.mu0;
  let nu = o.nu0;
  let delta = o.delta0;
  for (let k = 0; ; k++) {
    const kkt = Math.max(normInf(d.gradL), normInf(d.c));
    // ∇ₓL = ∇f + Gᵀλ is a float32 sum: its rounding floor is a few ulps of max(‖∇f‖∞, ‖Gᵀλ‖∞), so stationarity is
    // measured relative to that scale (absolute below 1); feasibility ‖c‖∞ stays absolute.
    if (normInf(d.gradL) <= o.tol * stationarityScale(d) && normInf(d.c) <= o.tol) {
      return finish(problem, d, x, lambda, k, true, `kkt residual ${kkt.toExponential(2)} <= tol ${o.tol}`, history, count);
    }
    if (k >= o.maxIterations) {
      return finish(problem, d, x, lambda, k, false, `max iterations ${o.maxIterations} reached (kkt residual ${kkt.toExponential(2)})`, history, count);
    }
    const Gm = new Matrix(m, n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) Gm.set(i, j, d.jacobian![i * n + j] as number);
    const Hm = new Matrix(n, n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Hm.set(i, j, d.hessianL![i * n + j] as number);
    const xiG = m > 0 ? minEigenvalue(Gm.mmul(Gm.transpose())) : 1;
    if (xiG < o.licqThreshold) {
      return finish(
        problem,
        d,
        x,
        lambda,
        k,
        false,
        `LICQ safeguard: lambda_min(G G^T) = ${xiG.toExponential(2)} < licqThreshold ${o.licqThreshold} at iteration ${k}`,
        history,
        count,
      );
    }
    const shift = hessianShift(Hm, Gm, n, m, o.xiB);
    // K = [[B, Gᵀ], [G, 0]] and b = −(∇ₓL, c).
    const K: number[][] = [];
    for (let i = 0; i < N; i++) K.push(new Array<number>(N).fill(0));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) (K[i] as number[])[j] = (d.hessianL![i * n + j] as number) + (i === j ? shift : 0);
      for (let r = 0; r < m; r++) {
        const g = d.jacobian![r * n + i] as number;
        (K[i] as number[])[n + r] = g;
        (K[n + r] as number[])[i] = g;
      }
    }
    const rhs = new Float64Array(N);
    for (let i = 0; i < n; i++) rhs[i] = -(d.gradL[i] as number);
    for (let i = 0; i < m; i++) rhs[n + i] = -(d.c[i] as number);
    const bNorm = norm2(rhs);
    let bFro2 = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) bFro2 += ((K[i] as number[])[j] as number) ** 2;
    const kFro = Math.sqrt(K.reduce((s, row) => s + row.reduce((t, v) => t + v * v, 0), 0));
    const psi = (20 * Math.max(bFro2, 1)) / (Math.min(xiG, 1) * Math.min(o.xiB, 1));
    const upsilon = Math.max(m > 0 ? frobenius(d.jacobian!) : 0, frobenius(d.hessianL!), 1);
    const deltaTrial = () => ((0.5 - o.beta) * nu) / ((1 + mu + nu) * upsilon ** 2 * psi ** 2);
    delta = Math.max(1e-6, Math.min(delta, deltaTrial()));
    const iterKey = foldIn(o.key, k);
    let z: Float64Array = new Float64Array(N);
    let sketchIterations = 0;
    let capped = false;
    let directional = 0;
    for (let attempt = 0; ; attempt++) {
      const threshold = o.theta * delta * bNorm;
      const sketchOptions = {
        key: foldIn(iterKey, attempt),
        z0: z,
        maxIterations: o.maxSketchIterations,
        blockSize: o.blockSize === 0 ? Math.min(Math.ceil(N / 2), 64) : Math.min(o.blockSize, N),
        stop: (rNorm: number) => kFro * psi * rNorm <= threshold,
      };
      const solved: SketchSolveResult = o.sketch === 'kaczmarz' ? randomizedKaczmarz(K, rhs, sketchOptions) : gaussianSketch(K, rhs, sketchOptions);
      z = solved.z;
      sketchIterations += solved.iterations;
      capped = solved.stoppedBy === 'max-iterations';
      const grad = exactAugmentedLagrangianGradient(d, mu, nu);
      directional = 0;
      for (let i = 0; i < N; i++) directional += (grad[i] as number) * (z[i] as number);
      if (mu > 1e8 || nu < 1e-8) break;
      if (directional <= -(nu / 2) * bNorm * bNorm) break;
      mu *= o.varpi ** 2;
      nu /= o.varpi;
      delta = Math.max(1e-6, Math.min(delta / o.varpi ** 4, deltaTrial()));
    }
    // Armijo backtracking on the merit.
    const merit0 = exactAugmentedLagrangian(d, mu, nu);
    const slack = 8 * EPS32 * Math.max(1, Math.abs(merit0));
    let alpha = 1;
    let next: LagrangianDerivatives | undefined;
    let xNext = x;
    let lambdaNext = lambda;
    for (let bt = 0; bt <= o.maxBacktracks; bt++) {
      xNext = x.map((v, i) => v + alpha * (z[i] as number));
      lambdaNext = lambda.map((v, i) => v + alpha * (z[n + i] as number));
      const trial = evaluate(problem, m, xNext, lambdaNext, false, count);
      if (finite(trial) && exactAugmentedLagrangian(trial, mu, nu) <= merit0 + alpha * o.beta * directional + slack) {
        next = trial;
        break;
      }
      alpha *= 0.5;
    }
    if (next === undefined) {
      return finish(
        problem,
        d,
        x,
        lambda,
        k,
        false,
        `line search failed at iteration ${k}: no decrease of the merit after ${o.maxBacktracks} halvings (kkt residual ${kkt.toExponential(2)})`,
        history,
        count,
      );
    }
    x = xNext;
    lambda = lambdaNext;
    d = evaluate(problem, m, x, lambda, true, count);
    if (!finite(d)) {
      return finish(problem, d, x, lambda, k + 1, false, `non-finite f, c or derivative at the accepted point of iteration ${k}`, history, count);
    }
    const record: SolveIteration = {
      iteration: k + 1,
      f: d.f,
      kktResidual: normInf(d.gradL),
      constraintViolation: normInf(d.c),
      mu,
      nu,
      delta,
      stepLength: alpha,
      sketchIterations,
      // 1 when the last sketch solve stopped at maxSketchIterations without meeting the accuracy condition.
      sketchCapped: capped ? 1 : 0,
      hessianShift: shift,
    };
    history.push(record);
    o.onIteration?.(record);
  }
}
