/**
 * ZO-RankSGD (Tang, Rybin, Chang 2024, "Zeroth-Order Optimization Meets Human Feedback: Provable
 * Learning via Ranking Oracles", ICLR 2024, arXiv:2303.03751): gradient descent driven only by
 * rankings of perturbed points, so the oracle can be a person.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type Key,
  type ScalarOrSchedule,
  DescentError,
  checkKnownOptions,
  checkNumber,
  checkScalarOrSchedule,
  foldIn,
  invalidOption,
  normal,
} from '@descent/core';
import { type HostStrategy, readAsync, readSync } from './host-strategy.js';
import { checkFitness, checkPopulation, checkStrategyInit, improvedRows, improvements, initialSearchPoint, mergeBest } from './search-point-init.js';

/**
 * Number of edges of the comparison DAG of an (m, k) ranking: every ordered pair among the top k,
 * plus each top-k point against each of the m − k unranked ones: |E| = k(k−1)/2 + k(m−k).
 */
export function rankingEdgeCount(m: number, k: number): number {
  return (k * (k - 1)) / 2 + k * (m - k);
}

/**
 * The coefficients c_i of the ZO-RankSGD estimate ĝ = Σ_i c_i ξ_i for one ranking of m points
 * (`ranking` lists point indices, best — lowest f — first; its length k ∈ [1, m] is the top-k that
 * the oracle revealed).
 *
 * ĝ = (1/|E|) Σ_{(i ≺ j) ∈ E} (ξ_j − ξ_i) over the DAG edges "i ranked better than j", which points
 * uphill (towards increasing f). Collecting terms: the point at rank r (0-based) is better than
 * m−1−r points and worse than r, so c = (2r − (m−1))/|E|; an unranked point is worse than all k
 * ranked ones, c = k/|E|. The c_i sum to 0. This is the exact DAG form; the authors'
 * Stable-Diffusion code uses m − 2r (an extra multiple of Σξ: zero mean, more variance).
 */
export function rankingCoefficients(m: number, ranking: readonly number[]): Float64Array {
  const k = ranking.length;
  const edges = rankingEdgeCount(m, k);
  const c = new Float64Array(m).fill(k / edges);
  ranking.forEach((i, r) => {
    c[i] = (2 * r - (m - 1)) / edges;
  });
  return c;
}

/** Options of {@link zoRankSgd}. */
export interface ZoRankSgdOptions {
  /** η ≥ 0, the step size (a number or a schedule of the step). Required. */
  learningRate: ScalarOrSchedule;
  /** μ > 0, the perturbation radius: the queried points are x + μξ_i. Required. */
  mu: number;
  /** m ≥ 2, points queried per step; must equal `init`'s popSize. Default: popSize. */
  m?: number;
  /** k ∈ [1, m], length of the top-k ranking that the value-based `tell` reveals. Default: m. */
  k?: number;
}

/** The state of {@link zoRankSgd} (a value: `ask`/`tell` return new states and dispose nothing). */
export interface ZoRankSgdState {
  /** The iterate x_t per run: `[runs, dim]`. */
  readonly x: tf.Tensor2D;
  /** ξ of the pending query (`population = x + μξ`), set by `ask`. */
  readonly noise: tf.Tensor3D | null;
  /** The strategy's key; step t draws from `foldIn(key, t)`. */
  readonly key: Key;
  /** Completed steps. */
  readonly step: number;
  /** Dimension d. */
  readonly dim: number;
  /** m, points per query. */
  readonly popSize: number;
  /** Independent runs. */
  readonly runs: number;
  /** k used by the value-based `tell`. */
  readonly k: number;
  /** Best evaluated point per run, on the host (only value-based `tell` knows values; NaN entries until then). */
  readonly bestX: readonly (readonly number[])[];
  /** Its fitness (+∞ while no value has been told). */
  readonly bestFitness: readonly number[];
}

/** A ranking per run (indices into the queried points, best first); a flat list is accepted when runs = 1. */
export type Rankings = readonly (readonly number[])[] | readonly number[];

/** {@link zoRankSgd}'s strategy: the {@link Strategy} methods plus `tellRanking`. */
export interface ZoRankSgd extends HostStrategy<ZoRankSgdState> {
  /**
   * One step from a ranking oracle: `ranking[r]` lists indices of `population[r]` (the points
   * `ask` returned), best first — all m of them or the top k only. No values are needed, so a
   * person can rank. Nothing is read back from the device. `best()` keeps reporting the best
   * point whose value was told (NaN coordinates and +∞ if none).
   */
  tellRanking(s: ZoRankSgdState, population: tf.Tensor, ranking: Rankings): ZoRankSgdState;
}

/**
 * ZO-RankSGD as an ask/tell strategy.
 *
 * Each step, per run: draw ξ_1 … ξ_m ~ N(0, I_d) (`normal(foldIn(key, t), [runs, m, dim])`), ask for the points
 * x_t + μξ_i, receive a ranking of them (best first; the (m, k) oracle reveals the top k in order),
 * and step
 *
 * $$\hat g_t = \frac{1}{|E|}\sum_{(i \prec j)\in E} (\xi_j - \xi_i), \qquad x_{t+1} = x_t - \eta_t \hat g_t,$$
 *
 * |E| = k(k−1)/2 + k(m−k) (see {@link rankingCoefficients} for the closed form). The trajectory
 * depends on f only through rankings, so it is identical for f and any strictly increasing
 * transform of f (e.g. exp f) from the same key.
 *
 * - `tellRanking(s, population, ranking)`: the ranking oracle (a person, a preference model).
 * - `tell(s, population, fitness)`: the {@link Strategy} form; sorts each run's fitness (ascending,
 *   ties by index, NaN as +∞) and keeps the top k, then proceeds as `tellRanking`. It also
 *   tracks the best evaluated point for `best()`. It reads the fitness and the improving rows
 *   back synchronously, which fails for device-resident tensors on WebGPU in Node
 *   (`DescentError('unsupported')`); `tellAsync` does the same with `await t.data()`.
 *
 * Start: x₀ = 0, or `init` drawn with shape `[runs, 1, dim]`. Defaults: m = popSize, k = m. The
 * authors' synthetic runs use d = 100, m = 10, k ∈ {9, 10}, μ = 0.1 with unit-normalised
 * directions and gradient (`rank_opt/experiment.ipynb`); this implementation uses Gaussian ξ and
 * the unnormalised estimate, as the paper's Algorithm 1.
 *
 * @see Tang, Rybin & Chang, ICLR 2024; authors' code TZW1998/Taming-Stable-Diffusion-with-Human-Ranking-Feedback (`optimizer.py`).
 */
export function zoRankSgd(options: ZoRankSgdOptions): ZoRankSgd {
  const where = 'zoRankSgd';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['learningRate', 'mu', 'm', 'k']);
  const lr = checkScalarOrSchedule(where, 'learningRate', options.learningRate, { min: 0 });
  const mu = checkNumber(where, 'mu', options.mu, { greaterThan: 0 });
  const m = options.m === undefined ? undefined : checkNumber(where, 'm', options.m, { integer: true, min: 2 });
  const kOpt = options.k === undefined ? undefined : checkNumber(where, 'k', options.k, { integer: true, min: 1, ...(m === undefined ? {} : { max: m }) });

  const step = (s: ZoRankSgdState, rankings: number[][]): ZoRankSgdState => {
    const noise = s.noise as tf.Tensor3D;
    const coef = new Float32Array(s.runs * s.popSize);
    rankings.forEach((ranking, r) => coef.set(rankingCoefficients(s.popSize, ranking), r * s.popSize));
    const eta = lr(s.step);
    const x = tf.tidy(() => {
      const g = tf.reshape(tf.matMul(tf.tensor3d(coef, [s.runs, 1, s.popSize]), noise), [s.runs, s.dim]);
      return tf.sub(s.x, tf.mul(eta, g)) as tf.Tensor2D;
    });
    return { ...s, x, noise: null, step: s.step + 1 };
  };

  /** The (m, k) oracle applied to values: each run's k lowest, ascending (ties by index, NaN as +∞). */
  const topK = (s: ZoRankSgdState, values: ArrayLike<number>): number[][] => {
    const rankings: number[][] = [];
    for (let r = 0; r < s.runs; r++) {
      const v = Array.from({ length: s.popSize }, (_, i) => {
        const y = values[r * s.popSize + i] as number;
        return Number.isNaN(y) ? Infinity : y;
      });
      const order = v.map((_, i) => i).sort((a, b) => (v[a] < v[b] ? -1 : v[a] > v[b] ? 1 : a - b));
      rankings.push(order.slice(0, s.k));
    }
    return rankings;
  };

  const checkPending = (s: ZoRankSgdState, population: tf.Tensor): void => {
    if (s.noise === null) throw new DescentError('invalid-option', `${where}: tell needs the state returned by ask (no pending population)`, { parameter: 'state' });
    checkPopulation(where, population, s.runs, s.popSize, s.dim);
  };

  return {
    init(o) {
      const { dim, popSize, runs, key: k } = checkStrategyInit(where, o);
      if (m !== undefined && m !== popSize) invalidOption(where, 'popSize', popSize, `equal to m (${m})`);
      if (kOpt !== undefined && kOpt > popSize) invalidOption(where, 'k', kOpt, `an integer in [1, popSize] = [1, ${popSize}]`);
      const x = initialSearchPoint(where, o.init, foldIn(k, 0xffffffff), runs, dim);
      return {
        x, noise: null, key: k, step: 0, dim, popSize, runs, k: kOpt ?? popSize,
        bestX: Array.from({ length: runs }, () => new Array<number>(dim).fill(NaN)),
        bestFitness: new Array<number>(runs).fill(Infinity),
      };
    },

    ask(s) {
      const noise = normal(foldIn(s.key, s.step), [s.runs, s.popSize, s.dim]) as tf.Tensor3D;
      const population = tf.tidy(() => tf.add(tf.expandDims(s.x, 1), tf.mul(mu, noise)));
      return { population, state: { ...s, noise } };
    },

    tellRanking(s, population, ranking) {
      checkPending(s, population);
      const list = (s.runs === 1 && Array.isArray(ranking) && ranking.every((v) => typeof v === 'number') ? [ranking] : ranking) as unknown[];
      if (!Array.isArray(list) || list.length !== s.runs) invalidOption(where, 'ranking', ranking, `one ranking per run (${s.runs} arrays of point indices, best first)`);
      const rankings = list.map((rk, r) => {
        if (!Array.isArray(rk) || rk.length < 1 || rk.length > s.popSize) {
          invalidOption(where, `ranking[${r}]`, rk, `an array of 1 to ${s.popSize} distinct point indices, best first`);
        }
        const seen = new Set<number>();
        for (const i of rk as unknown[]) {
          if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= s.popSize || seen.has(i)) {
            invalidOption(where, `ranking[${r}]`, rk, `distinct integers in [0, ${s.popSize - 1}]`);
          }
          seen.add(i);
        }
        return rk as number[];
      });
      return step(s, rankings);
    },

    tell(s, population, fitness) {
      checkPending(s, population);
      checkFitness(where, fitness, s.runs, s.popSize);
      const values = readSync(where, fitness);
      const imp = improvements(values, s.runs, s.popSize, s.bestFitness);
      const rows = improvedRows(population, imp.index);
      let read: Float32Array | null = null;
      try {
        if (rows !== null) read = readSync(where, rows);
      } finally {
        rows?.dispose();
      }
      return { ...step(s, topK(s, values)), bestX: mergeBest(s.bestX, imp.index, read, s.dim), bestFitness: imp.fitness };
    },

    async tellAsync(s, population, fitness) {
      checkPending(s, population);
      checkFitness(where, fitness, s.runs, s.popSize);
      const values = await readAsync(fitness);
      const imp = improvements(values, s.runs, s.popSize, s.bestFitness);
      const rows = improvedRows(population, imp.index);
      let read: Float32Array | null = null;
      try {
        if (rows !== null) read = await readAsync(rows);
      } finally {
        rows?.dispose();
      }
      return { ...step(s, topK(s, values)), bestX: mergeBest(s.bestX, imp.index, read, s.dim), bestFitness: imp.fitness };
    },

    best(s) {
      return { x: s.bestX.map((row) => row.slice()), fitness: s.bestFitness.slice() };
    },
  };
}
