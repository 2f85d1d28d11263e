/**
 * CMA-ES, the covariance matrix adaptation evolution strategy with a full covariance matrix,
 * after N. Hansen, "The CMA Evolution Strategy: A Tutorial" (arXiv:1604.00772, 2016), with the
 * default (active) weights of its Table 1 and eq. (49)–(53), the defaults pycma uses.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import {
  DescentError,
  type Key,
  checkBoolean,
  checkKnownOptions,
  checkNumber,
  foldIn,
  invalidOption,
  isKey,
  normalValues,
  split,
  uniformValues,
} from '@descent/core';
import type { InitSpec, StrategyInitOptions } from './strategy.js';
import { type HostStrategy, checkFitnessShape, checkPopulationShape, readAsync, readSync } from './host-strategy.js';

/** The strategy parameters of CMA-ES for a dimension and population size (tutorial Table 1). */
export interface CmaEsParameters {
  /** Dimension n. */
  readonly dim: number;
  /** Population size λ. */
  readonly popSize: number;
  /** Parents μ = ⌊λ/2⌋. */
  readonly mu: number;
  /** Recombination weights w₁ … w_λ (positive for i ≤ μ, summing to 1; negative after when active). */
  readonly weights: readonly number[];
  /** Variance-effective selection mass μ_eff = (Σᵢ≤μ w′ᵢ)² / Σᵢ≤μ w′ᵢ². */
  readonly muEff: number;
  /** Cumulation constant of the step-size path, c_σ = (μ_eff + 2)/(n + μ_eff + 5). */
  readonly cSigma: number;
  /** Step-size damping, d_σ = 1 + 2 max(0, √((μ_eff − 1)/(n + 1)) − 1) + c_σ. */
  readonly dSigma: number;
  /** Cumulation constant of the rank-one path, c_c = (4 + μ_eff/n)/(n + 4 + 2μ_eff/n). */
  readonly cc: number;
  /** Rank-one learning rate, c₁ = 2/((n + 1.3)² + μ_eff). */
  readonly c1: number;
  /** Rank-μ learning rate, c_μ = min(1 − c₁, 2(μ_eff − 2 + 1/μ_eff)/((n + 2)² + μ_eff)). */
  readonly cMu: number;
  /** E‖N(0, I)‖ ≈ √n (1 − 1/(4n) + 1/(21n²)). */
  readonly chiN: number;
  /** Generations between eigendecompositions of C: max(1, ⌊1/(10 n (c₁ + c_μ))⌋). */
  readonly eigenInterval: number;
}

/**
 * The default population size of CMA-ES, λ = 4 + ⌊3 ln n⌋ (tutorial Table 1; 10 for n = 10).
 *
 * @throws DescentError (`invalid-option`) unless `dim` is a positive integer.
 */
export function cmaEsPopSize(dim: number): number {
  checkNumber('cmaEsPopSize', 'dim', dim, { integer: true, min: 1 });
  return 4 + Math.floor(3 * Math.log(dim));
}

/**
 * The strategy parameters of CMA-ES (Hansen 2016, Table 1 and eq. (49)–(53)):
 *
 * - raw weights w′ᵢ = ln((λ + 1)/2) − ln i, i = 1 … λ, μ = ⌊λ/2⌋;
 * - μ_eff = (Σᵢ≤μ w′ᵢ)² / Σᵢ≤μ w′ᵢ², μ⁻_eff likewise over i > μ;
 * - c_σ, d_σ, c_c, c₁, c_μ as documented on {@link CmaEsParameters} (α_cov = 2);
 * - positive weights wᵢ = w′ᵢ / Σ w′⁺; with `active`, negative weights
 *   wᵢ = min(α⁻_μ, α⁻_μeff, α⁻_posdef) w′ᵢ / Σ|w′⁻| with α⁻_μ = 1 + c₁/c_μ,
 *   α⁻_μeff = 1 + 2μ⁻_eff/(μ_eff + 2), α⁻_posdef = (1 − c₁ − c_μ)/(n c_μ); without it, wᵢ = 0 for i > μ.
 *
 * @param dim - n ≥ 1.
 * @param popSize - λ ≥ 2; default 4 + ⌊3 ln n⌋.
 * @param active - negative weights for the covariance update (active CMA, pycma's default); default true.
 * @throws DescentError (`invalid-option`) on a bad `dim` or `popSize`.
 */
export function cmaEsParameters(dim: number, popSize?: number, active = true): CmaEsParameters {
  checkNumber('cmaEsParameters', 'dim', dim, { integer: true, min: 1 });
  const lambda = popSize === undefined ? cmaEsPopSize(dim) : checkNumber('cmaEsParameters', 'popSize', popSize, { integer: true, min: 2 });
  checkBoolean('cmaEsParameters', 'active', active);
  const n = dim;
  const mu = Math.floor(lambda / 2);
  const raw: number[] = [];
  for (let i = 1; i <= lambda; i++) raw.push(Math.log((lambda + 1) / 2) - Math.log(i));
  let sumPos = 0;
  let sumPosSq = 0;
  let sumNeg = 0;
  let sumNegSq = 0;
  for (let i = 0; i < lambda; i++) {
    if (i < mu) {
      sumPos += raw[i];
      sumPosSq += raw[i] * raw[i];
    } else {
      sumNeg += raw[i];
      sumNegSq += raw[i] * raw[i];
    }
  }
  const muEff = (sumPos * sumPos) / sumPosSq;
  const muEffMinus = sumNegSq > 0 ? (sumNeg * sumNeg) / sumNegSq : 0;
  const cSigma = (muEff + 2) / (n + muEff + 5);
  const dSigma = 1 + 2 * Math.max(0, Math.sqrt((muEff - 1) / (n + 1)) - 1) + cSigma;
  const cc = (4 + muEff / n) / (n + 4 + (2 * muEff) / n);
  const alphaCov = 2;
  const c1 = alphaCov / ((n + 1.3) ** 2 + muEff);
  const cMu = Math.min(1 - c1, (alphaCov * (muEff - 2 + 1 / muEff)) / ((n + 2) ** 2 + (alphaCov * muEff) / 2));
  const alphaMu = 1 + c1 / cMu;
  const alphaMuEff = 1 + (2 * muEffMinus) / (muEff + 2);
  const alphaPosDef = (1 - c1 - cMu) / (n * cMu);
  const negScale = Math.min(alphaMu, alphaMuEff, alphaPosDef);
  // For odd λ the weight at i = μ + 1 is exactly 0 and belongs to neither group's effect.
  const sumAbsNeg = -raw.slice(mu).reduce((a, w) => a + Math.min(w, 0), 0);
  const weights = raw.map((w, i) => {
    if (i < mu) return w / sumPos;
    if (!active || w >= 0 || sumAbsNeg === 0) return 0;
    return (negScale * w) / sumAbsNeg;
  });
  const chiN = Math.sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
  const eigenInterval = Math.max(1, Math.floor(1 / (10 * n * (c1 + cMu))));
  return { dim, popSize: lambda, mu, weights, muEff, cSigma, dSigma, cc, c1, cMu, chiN, eigenInterval };
}

/** The state of one CMA-ES run (host-side, float64). */
export interface CmaEsRun {
  /** Distribution mean m. */
  readonly mean: Float64Array;
  /** Step size σ. */
  readonly sigma: number;
  /** Covariance matrix C, row-major n × n. */
  readonly C: Float64Array;
  /** Eigenvectors of C (columns, row-major n × n) from the last decomposition. */
  readonly B: Float64Array;
  /** Square roots of the eigenvalues of C from the last decomposition. */
  readonly D: Float64Array;
  /** Step-size evolution path p_σ. */
  readonly pSigma: Float64Array;
  /** Rank-one evolution path p_c. */
  readonly pc: Float64Array;
  /** Generations completed (tells). */
  readonly generation: number;
  /** Generation at which B and D were last computed. */
  readonly eigenGeneration: number;
  /** Best evaluated point so far (its float32 values as evaluated; NaN before the first tell). */
  readonly bestX: Float32Array;
  /** Fitness of `bestX` (+∞ before the first tell). */
  readonly bestFitness: number;
  /** Fitness evaluations told so far. */
  readonly evaluations: number;
}

/** The state of {@link cmaEs}: independent runs and the samples of the last `ask`. */
export interface CmaEsState {
  /** Dimension n. */
  readonly dim: number;
  /** Population size λ. */
  readonly popSize: number;
  /** Independent runs. */
  readonly runs: number;
  /** The strategy parameters ({@link cmaEsParameters}). */
  readonly params: CmaEsParameters;
  /** Per-run sampling keys (`foldIn(·, generation)` gives a generation's key). */
  readonly keys: readonly Key[];
  /** Per-run states. */
  readonly run: readonly CmaEsRun[];
  /** The last asked population and its float64 steps yₖ = B D zₖ, per run. */
  readonly pending?: { readonly population: tf.Tensor; readonly y: readonly Float64Array[]; readonly x: readonly Float32Array[] };
}

/** Options of {@link cmaEs}. */
export interface CmaEsOptions {
  /** Initial step size σ₀ > 0. */
  sigma0: number;
  /** Population size λ; default 4 + ⌊3 ln n⌋. If `init`'s `popSize` is given too, both must agree. */
  popSize?: number;
  /** Initial mean m₀ (a number for every coordinate, or a vector of length `dim`), the same for every run. */
  mean0?: number | number[];
  /** Active covariance update with negative weights (tutorial eq. (53), pycma's default); default true. */
  active?: boolean;
}

const WHERE = 'cmaEs';

/** Symmetric eigendecomposition C = B diag(D²) Bᵀ with ml-matrix (float64). */
function decompose(C: Float64Array, n: number): { B: Float64Array; D: Float64Array } {
  const rows: number[][] = [];
  for (let i = 0; i < n; i++) {
    const row: number[] = [];
    // Symmetrise: rounding in the rank updates leaves C slightly asymmetric.
    for (let j = 0; j < n; j++) row.push(0.5 * (C[i * n + j] + C[j * n + i]));
    rows.push(row);
  }
  const evd = new EigenvalueDecomposition(new Matrix(rows), { assumeSymmetric: true });
  const values = evd.realEigenvalues;
  const vectors = evd.eigenvectorMatrix;
  const maxValue = Math.max(...values);
  if (!(maxValue > 0) || !Number.isFinite(maxValue)) {
    throw new DescentError('non-finite', `${WHERE}: the covariance matrix lost positive definiteness (largest eigenvalue ${maxValue})`);
  }
  const B = new Float64Array(n * n);
  const D = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    // Eigenvalues that rounding pushed to or below zero are raised to 1e-20 of the largest.
    D[j] = Math.sqrt(Math.max(values[j], maxValue * 1e-20));
    for (let i = 0; i < n; i++) B[i * n + j] = vectors.get(i, j);
  }
  return { B, D };
}

/** C^{-1/2} v = B D⁻¹ Bᵀ v. */
function invSqrtC(B: Float64Array, D: Float64Array, v: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += B[i * n + j] * v[i];
    t[j] = s / D[j];
  }
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += B[i * n + j] * t[j];
    out[i] = s;
  }
  return out;
}

function norm(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

function initialMeans(options: CmaEsOptions, o: StrategyInitOptions, runs: number, initKey: Key): Float64Array[] {
  const dim = o.dim;
  if (options.mean0 !== undefined && o.init !== undefined) {
    invalidOption(WHERE, 'init', o.init, 'undefined when cmaEs({ mean0 }) is given (one initial mean, not two)');
  }
  const means: Float64Array[] = [];
  if (options.mean0 !== undefined) {
    const m0 = options.mean0;
    const m = new Float64Array(dim);
    for (let i = 0; i < dim; i++) m[i] = typeof m0 === 'number' ? m0 : m0[i];
    for (let r = 0; r < runs; r++) means.push(Float64Array.from(m));
    return means;
  }
  const init: InitSpec | undefined = o.init;
  let values: ArrayLike<number>;
  if (init === undefined) values = new Float64Array(runs * dim);
  else if (typeof init === 'function') {
    const t = init(initKey, [runs, 1, dim]);
    if (!(t instanceof tf.Tensor) || t.size !== runs * dim) {
      invalidOption(WHERE, 'init', init, `a function returning a tensor of shape [${runs},1,${dim}]`);
    }
    values = readSync(WHERE, t);
    t.dispose();
  } else if ('uniform' in init) {
    values = uniformValues(initKey, runs * dim, init.uniform.low, init.uniform.high);
  } else if ('normal' in init) {
    values = normalValues(initKey, runs * dim, init.normal.mean, init.normal.std);
  } else {
    invalidOption(WHERE, 'init', init, "{ uniform: { low, high } }, { normal: { mean, std } } or a function (key, shape) => tensor");
  }
  for (let r = 0; r < runs; r++) means.push(Float64Array.from({ length: dim }, (_, i) => values[r * dim + i]));
  return means;
}

/**
 * One CMA-ES generation update of a run from its λ steps yₖ (with xₖ = m + σ yₖ) and their
 * fitness (tutorial, "Summary"):
 *
 * - ⟨y⟩_w = Σᵢ≤μ wᵢ y_{i:λ};  m ← m + σ ⟨y⟩_w (c_m = 1);
 * - p_σ ← (1 − c_σ) p_σ + √(c_σ(2 − c_σ) μ_eff) C^{-1/2} ⟨y⟩_w;
 * - h_σ = 1 iff ‖p_σ‖ / √(1 − (1 − c_σ)^{2(g+1)}) < (1.4 + 2/(n + 1)) E‖N(0, I)‖;
 * - p_c ← (1 − c_c) p_c + h_σ √(c_c(2 − c_c) μ_eff) ⟨y⟩_w;
 * - wᵢ° = wᵢ for wᵢ ≥ 0, else wᵢ n / ‖C^{-1/2} y_{i:λ}‖²;
 * - C ← (1 + c₁ δ(h_σ) − c₁ − c_μ Σ wⱼ) C + c₁ p_c p_cᵀ + c_μ Σᵢ wᵢ° y_{i:λ} y_{i:λ}ᵀ, δ(h_σ) = (1 − h_σ) c_c (2 − c_c);
 * - σ ← σ exp((c_σ/d_σ)(‖p_σ‖/E‖N(0, I)‖ − 1));
 * - B, D recomputed every `eigenInterval` generations (C^{-1/2} uses the last ones, as in the tutorial).
 */
function updateRun(p: CmaEsParameters, s: CmaEsRun, y: Float64Array, x: Float32Array, fitness: Float32Array): CmaEsRun {
  const n = p.dim;
  const lambda = p.popSize;
  // NaN fitness ranks last (as +∞); ties keep the population order, so the update is deterministic.
  const f = Array.from(fitness, (v) => (Number.isNaN(v) ? Infinity : v));
  const order = Array.from({ length: lambda }, (_, i) => i).sort((a, b) => f[a] - f[b] || a - b);

  const yw = new Float64Array(n);
  for (let i = 0; i < p.mu; i++) {
    const k = order[i];
    for (let j = 0; j < n; j++) yw[j] += p.weights[i] * y[k * n + j];
  }
  const mean = Float64Array.from(s.mean, (m, j) => m + s.sigma * yw[j]);

  const csn = Math.sqrt(p.cSigma * (2 - p.cSigma) * p.muEff);
  const zw = invSqrtC(s.B, s.D, yw, n);
  const pSigma = Float64Array.from(s.pSigma, (v, j) => (1 - p.cSigma) * v + csn * zw[j]);
  const psNorm = norm(pSigma);
  const g = s.generation;
  const hSigma = psNorm / Math.sqrt(1 - (1 - p.cSigma) ** (2 * (g + 1))) < (1.4 + 2 / (n + 1)) * p.chiN ? 1 : 0;
  const ccn = Math.sqrt(p.cc * (2 - p.cc) * p.muEff);
  const pc = Float64Array.from(s.pc, (v, j) => (1 - p.cc) * v + hSigma * ccn * yw[j]);

  const sumW = p.weights.reduce((a, w) => a + w, 0);
  const delta = (1 - hSigma) * p.cc * (2 - p.cc);
  const decay = 1 + p.c1 * delta - p.c1 - p.cMu * sumW;
  const C = Float64Array.from(s.C, (c) => decay * c);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) C[i * n + j] += p.c1 * pc[i] * pc[j];
  for (let r = 0; r < lambda; r++) {
    let w = p.weights[r];
    if (w === 0) continue;
    const k = order[r];
    const yk = y.subarray(k * n, (k + 1) * n);
    if (w < 0) {
      const zk = norm(invSqrtC(s.B, s.D, yk, n));
      w *= n / (zk * zk);
    }
    const cw = p.cMu * w;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) C[i * n + j] += cw * yk[i] * yk[j];
  }
  const sigma = s.sigma * Math.exp((p.cSigma / p.dSigma) * (psNorm / p.chiN - 1));

  const generation = g + 1;
  let { B, D, eigenGeneration } = s;
  if (generation - eigenGeneration >= p.eigenInterval) {
    ({ B, D } = decompose(C, n));
    eigenGeneration = generation;
  }

  let { bestX, bestFitness } = s;
  const k0 = order[0];
  if (f[k0] < bestFitness) {
    bestFitness = f[k0];
    bestX = x.slice(k0 * n, (k0 + 1) * n);
  }
  return {
    mean, sigma, C, B, D, pSigma, pc, generation, eigenGeneration, bestX, bestFitness,
    evaluations: s.evaluations + lambda,
  };
}

/** The steps y = (x − m)/σ of a population that `ask` did not produce (float32 `x`). */
function stepsFrom(run: CmaEsRun, x: Float32Array, n: number, lambda: number): Float64Array {
  const y = new Float64Array(lambda * n);
  for (let k = 0; k < lambda; k++) for (let j = 0; j < n; j++) y[k * n + j] = (x[k * n + j] - run.mean[j]) / run.sigma;
  return y;
}

function tellWith(
  s: CmaEsState,
  population: tf.Tensor,
  fitness: Float32Array,
  readPopulation: () => Float32Array,
): CmaEsState {
  const { dim: n, popSize: lambda, runs } = s;
  const asked = s.pending !== undefined && s.pending.population === population;
  const xAll = asked ? undefined : readPopulation();
  const run = s.run.map((r, i) => {
    const x = asked ? s.pending!.x[i] : xAll!.subarray(i * lambda * n, (i + 1) * lambda * n);
    const y = asked ? s.pending!.y[i] : stepsFrom(r, x, n, lambda);
    return updateRun(s.params, r, y, x, fitness.subarray(i * lambda, (i + 1) * lambda));
  });
  return { dim: s.dim, popSize: s.popSize, runs, params: s.params, keys: s.keys, run };
}

/**
 * CMA-ES with a full covariance matrix (N. Hansen, "The CMA Evolution Strategy: A Tutorial",
 * arXiv:1604.00772, 2016; defaults as in its Table 1 and in pycma, CMA-ES/pycma), as an ask/tell
 * {@link HostStrategy} over independent batched runs.
 *
 * `ask` draws zₖ ~ N(0, I) from the run's counter-based key (`normalValues(foldIn(runKey, g), λ n)`,
 * so the same key gives the same run on every backend) and returns xₖ = m + σ B D zₖ in float32.
 * `tell` ranks by fitness (minimised; NaN ranks as +∞) and applies the update of the tutorial
 * (weighted recombination, cumulative step-size adaptation with the h_σ stall of p_c, rank-one and
 * rank-μ covariance updates, negative weights when `active`), all on the host in float64; the
 * eigendecomposition C = B D² Bᵀ uses ml-matrix and is refreshed every
 * max(1, ⌊1/(10 n (c₁ + c_μ))⌋) generations, as the tutorial suggests. When `tell` receives the
 * tensor `ask` returned it uses the float64 steps of that `ask`; any other population (repaired or
 * injected points) is used through y = (x − m)/σ of its float32 values.
 *
 * Initial mean: `mean0` if given, else per run from `init` (uniform or normal draws, or the
 * function's `[runs, 1, dim]` tensor, read synchronously: return a host-created tensor, e.g.
 * `tf.tensor(values, shape)`, on backends without synchronous read-back), else 0.
 * C₀ = I, p_σ = p_c = 0.
 *
 * Defaults: λ = 4 + ⌊3 ln n⌋, μ = ⌊λ/2⌋, active weights. No restarts or stopping criteria here —
 * `minimize`'s `maxIterations` and `stop` handle termination.
 *
 * @example
 * ```ts
 * const es = cmaEs({ sigma0: 0.3, mean0: 0.1 });
 * let s = es.init({ dim: 10, popSize: cmaEsPopSize(10), key: key(0) });
 * const { population, state } = es.ask(s);
 * s = await es.tellAsync(state, population, rosenbrock(population));
 * ```
 * @throws DescentError (`invalid-option`) on a bad `sigma0`, `popSize`, `mean0` or `active`.
 */
export function cmaEs(options: CmaEsOptions): HostStrategy<CmaEsState> {
  if (typeof options !== 'object' || options === null) invalidOption(WHERE, 'options', options, 'an object');
  checkKnownOptions(WHERE, options, ['sigma0', 'popSize', 'mean0', 'active']);
  const sigma0 = checkNumber(WHERE, 'sigma0', options.sigma0, { greaterThan: 0 });
  if (options.popSize !== undefined) checkNumber(WHERE, 'popSize', options.popSize, { integer: true, min: 2 });
  const active = options.active === undefined ? true : checkBoolean(WHERE, 'active', options.active);
  const m0 = options.mean0;
  if (m0 !== undefined && typeof m0 !== 'number' && !(Array.isArray(m0) && m0.every((v) => typeof v === 'number' && Number.isFinite(v)))) {
    invalidOption(WHERE, 'mean0', m0, 'a finite number or an array of finite numbers');
  }
  if (typeof m0 === 'number') checkNumber(WHERE, 'mean0', m0);

  function tellCommon(s: CmaEsState, population: tf.Tensor, fitness: tf.Tensor): void {
    checkFitnessShape(WHERE, fitness, s.runs, s.popSize);
    checkPopulationShape(WHERE, population, s.runs, s.popSize, s.dim);
  }

  return {
    init(o: StrategyInitOptions): CmaEsState {
      if (typeof o !== 'object' || o === null) invalidOption(WHERE, 'init options', o, 'an object');
      const dim = checkNumber(WHERE, 'dim', o.dim, { integer: true, min: 1 });
      const runs = checkNumber(WHERE, 'runs', o.runs ?? 1, { integer: true, min: 1 });
      if (!isKey(o.key)) invalidOption(WHERE, 'key', o.key, 'a Key (from key(seed), split or foldIn)');
      let popSize = options.popSize ?? (o.popSize as number | undefined) ?? cmaEsPopSize(dim);
      if (o.popSize !== undefined) {
        checkNumber(WHERE, 'popSize', o.popSize, { integer: true, min: 2 });
        if (options.popSize !== undefined && options.popSize !== o.popSize) {
          invalidOption(WHERE, 'popSize', o.popSize, `equal to cmaEs({ popSize: ${options.popSize} })`);
        }
        popSize = o.popSize;
      }
      if (Array.isArray(m0) && m0.length !== dim) invalidOption(WHERE, 'mean0', m0, `an array of length dim = ${dim}`);
      const params = cmaEsParameters(dim, popSize, active);
      const [initKey, sampleKey] = split(o.key);
      const means = initialMeans(options, o, runs, initKey);
      const eye = new Float64Array(dim * dim);
      for (let i = 0; i < dim; i++) eye[i * dim + i] = 1;
      const run: CmaEsRun[] = means.map((mean) => ({
        mean, sigma: sigma0, C: eye.slice(), B: eye.slice(), D: new Float64Array(dim).fill(1),
        pSigma: new Float64Array(dim), pc: new Float64Array(dim), generation: 0, eigenGeneration: 0,
        bestX: new Float32Array(dim).fill(NaN), bestFitness: Infinity, evaluations: 0,
      }));
      const keys = Array.from({ length: runs }, (_, r) => foldIn(sampleKey, r));
      return { dim, popSize, runs, params, keys, run };
    },

    ask(s: CmaEsState) {
      const { dim: n, popSize: lambda, runs } = s;
      const all = new Float32Array(runs * lambda * n);
      const ys: Float64Array[] = [];
      const xs: Float32Array[] = [];
      s.run.forEach((r, i) => {
        const z = normalValues(foldIn(s.keys[i], r.generation), lambda * n);
        const y = new Float64Array(lambda * n);
        for (let k = 0; k < lambda; k++) {
          for (let a = 0; a < n; a++) {
            let v = 0;
            for (let b = 0; b < n; b++) v += r.B[a * n + b] * r.D[b] * z[k * n + b];
            y[k * n + a] = v;
          }
        }
        const x = Float32Array.from(y, (v, idx) => r.mean[idx % n] + r.sigma * v);
        all.set(x, i * lambda * n);
        ys.push(y);
        xs.push(x);
      });
      const population = tf.tensor3d(all, [runs, lambda, n], 'float32');
      return { population, state: { ...s, pending: { population, y: ys, x: xs } } };
    },

    tell(s, population, fitness) {
      tellCommon(s, population, fitness);
      return tellWith(s, population, readSync(WHERE, fitness), () => readSync(WHERE, population));
    },

    async tellAsync(s, population, fitness) {
      tellCommon(s, population, fitness);
      const f = await readAsync(fitness);
      const asked = s.pending !== undefined && s.pending.population === population;
      const x = asked ? undefined : await readAsync(population);
      return tellWith(s, population, f, () => x!);
    },

    best(s) {
      return { x: s.run.map((r) => Array.from(r.bestX)), fitness: s.run.map((r) => r.bestFitness) };
    },
  };
}
