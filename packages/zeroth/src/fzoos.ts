/**
 * FZooS (Shu, Lin, Dai & Low, "Federated Zeroth-Order Optimization using Trajectory-Informed
 * Surrogate Gradients", arXiv 2308.04077): federated zeroth-order optimisation where each client
 * replaces finite differences by the gradient of a GP surrogate fitted on its own query trajectory,
 * and corrects for client heterogeneity with the gradient of a global surrogate shared through
 * random Fourier features.
 *
 * @packageDocumentation
 */
import {
  type GradientTransformation,
  type Key,
  checkKnownOptions,
  checkNumber,
  foldIn,
  invalidOption,
  split,
  uniformValues,
} from '@descent/core';
import { adam } from '@descent/optim';
import {
  type FederatedOptimizer,
  type FederatedRecord,
  type FederatedRunOptions,
  type FederatedRunResult,
  LocalOptimizer,
  checkRunOptions,
  evaluateClient,
  globalValue,
  serverStep,
} from './federated.js';
import {
  type RffSurrogate,
  averageRffSurrogates,
  fitGpSurrogate,
  fitRffSurrogate,
  randomFourierFeatures,
  rffGradient,
} from './gp-surrogate.js';

/** Options of {@link fzoos}; defaults are the authors' code's unless stated. */
export interface FzoosOptions {
  /** RBF lengthscale ℓ of the local GP and of the random features. Default 1 (code: `RFFGP` lengthscale 1.0). */
  lengthscale?: number;
  /** GP noise variance σ² on min–max normalised values. Default 1e-6 (code: `alpha=1e-6`). */
  noise?: number;
  /** The local GP uses the `historySize` queries nearest to x. Default 150 (code: `max_queries=150`). */
  historySize?: number;
  /** Queries at x0 ± `exploreRadius` (uniform) before the first round, per client. Default 10 (code: `--n_inits 10`). */
  initialQueries?: number;
  /** Active queries after each local step but the last: this many candidates … Default 100 (code: `num=100`). */
  exploreCandidates?: number;
  /** … uniform in x ± exploreRadius … Default 0.01 (code: `r=0.01`). */
  exploreRadius?: number;
  /** … of which the ones with the largest gradient variance are queried. Default 5 (code: `n_exp=5`). */
  exploreQueries?: number;
  /** Random features M shared by all clients. Default 1000 (code: 10,000; lowered for cost, n²M per fit). */
  features?: number;
  /** The client's random-feature surrogate is fitted on the queries nearest to x̄. Default 500 (code: `max_queries=500`). */
  rffHistorySize?: number;
  /** Before that fit, candidates uniform in x̄ ± r_i, r_i = mean_m |x̄_m − x_{i,m}| / 2. Default 200 (code: `num=200`). */
  rffCandidates?: number;
  /** … of which this many with the largest gradient variance are queried. Default 50 (code: `n_exp=50`). */
  rffQueries?: number;
  /** γ of the correction weight γ_t = γ/(t + 1); 0 turns the correction off. Default 1 (code: `gamma = 1.0`). */
  gamma?: number;
  /** The clients' local optimiser, re-initialised every round. Default `adam({ learningRate: 0.01 })` (code: `--fo_opt adam --lr 0.01`). */
  localOptimizer?: GradientTransformation<any>; // any state type, as core's `chain`
  /** η of the server step x̄ ← x̄ − η Σ p_i (x̄ − x_i). Default 1 (averaging). */
  serverLearningRate?: number;
}

/** A client's query history (its trajectory and active queries). */
interface History {
  points: Float64Array[];
  values: number[];
}

/** The `count` history entries nearest to x (Euclidean). */
function nearest(h: History, x: Float64Array, count: number): History {
  if (h.points.length <= count) return h;
  const d2 = h.points.map((p) => {
    let s = 0;
    for (let m = 0; m < x.length; m++) s += (p[m]! - x[m]!) ** 2;
    return s;
  });
  const idx = d2.map((_, j) => j).sort((a, b) => d2[a]! - d2[b]! || a - b).slice(0, count);
  return { points: idx.map((j) => h.points[j]!), values: idx.map((j) => h.values[j]!) };
}

/** `n` points uniform in the box x ± r. */
function box(key: Key, x: Float64Array, r: number, n: number): Float64Array[] {
  const u = uniformValues(key, n * x.length, -1, 1);
  const out: Float64Array[] = [];
  for (let j = 0; j < n; j++) out.push(x.map((v, m) => v + r * u[j * x.length + m]!));
  return out;
}

/**
 * FZooS (Shu et al. 2023), following the authors' code shuyao95/FZooS (read at b380a19:
 * `optimizers.py` `fzoos_opt.update`, `fzoos_opt.minimize_uncertainty`, `RFFGP`; `settings.py`
 * `get_rff`, `FedZoo.run_server` and `FedZoo.run`).
 *
 * Before round 1, client i queries x̄₀ and `initialQueries` points uniform in x̄₀ ± r (`FedZoo.run`).
 * In round r every client starts at x̄ and takes T local steps t = 0..T−1 (`fzoos_opt.update`):
 *
 *     μ_i  = GP posterior mean on the `historySize` queries of client i nearest to x (RBF kernel)
 *     g    = ∇μ_i(x) + γ_t (∇μ̃(x) − ∇μ̃_i(x)),   γ_t = γ/(t + 1)      (correction from round 2 on)
 *     x   ← x + LocalOpt(g)                                              (default Adam, lr 0.01)
 *     query f_i(x) and, if t < T−1, the `exploreQueries` of `exploreCandidates` points uniform
 *     in x ± `exploreRadius` with the largest tr Var[∇f_i | history ∪ {x}] (active queries; the
 *     variance depends only on the query locations, so all of them go to the client in one batch)
 *
 * where μ̃_i(x) = c_i + φ(x)ᵀw_i is client i's random-feature surrogate and μ̃ = Σ_i p_i μ̃_i the
 * global one (`FedZoo.run_server`, `correction == 'rff'`: the server averages the weights w_i,
 * O(M) numbers per client). Then the server averages: x̄ ← x̄ − η Σ_i p_i (x̄ − x_i). Unless it
 * was the last round, each client queries f_i(x̄), explores `rffCandidates` points uniform in
 * x̄ ± r_i, r_i = mean_m |x̄_m − x_{i,m}| / 2, keeps the `rffQueries` of largest gradient variance,
 * and fits μ̃_i on its `rffHistorySize` queries nearest to x̄ (`get_rff`).
 *
 * Deviations from the code, all documented in {@link fitGpSurrogate} or here:
 * - the local GP uses an RBF kernel with a fixed lengthscale and an analytic gradient (code:
 *   Matérn-5/2 with fitted hyper-parameters and finite differences of the mean);
 * - the gradient variance is the trace of the gradient's posterior covariance (code: the first
 *   coordinate's variance only, `dK2_dXdX2(…, 0, 0)`), over the GP of the history including the new
 *   x (the code's `xs + [x]` adds x to every point instead, a NumPy broadcast);
 * - no query is repeated (the code re-queries x̄ at the start of each client update), and the
 *   last round does not fit random features it would not use;
 * - the code reverts x̄ when the **true global F** increased; that oracle is left out;
 * - `features` defaults to 1000 instead of 10,000.
 *
 * Queries are counted per client and include the initial, trajectory and active queries;
 * `history[r].value` is a monitor of F(x̄) that the algorithm never sees.
 *
 * Not a population `Strategy`: a federated round is a sequence of dependent local steps per client
 * and a server step, which one ask/tell population cannot express.
 *
 * @example
 * ```ts
 * const result = await fzoos().run({ clients, dim: 50, x0, rounds: 50, localSteps: 10, key: key(0) });
 * result.history; // [{ round, queries, value: F(x̄) }, ...]
 * ```
 */
export function fzoos(options: FzoosOptions = {}): FederatedOptimizer {
  const where = 'fzoos';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, [
    'lengthscale',
    'noise',
    'historySize',
    'initialQueries',
    'exploreCandidates',
    'exploreRadius',
    'exploreQueries',
    'features',
    'rffHistorySize',
    'rffCandidates',
    'rffQueries',
    'gamma',
    'localOptimizer',
    'serverLearningRate',
  ]);
  const lengthscale = checkNumber(where, 'lengthscale', options.lengthscale ?? 1, { greaterThan: 0 });
  const noise = checkNumber(where, 'noise', options.noise ?? 1e-6, { greaterThan: 0 });
  const historySize = checkNumber(where, 'historySize', options.historySize ?? 150, { integer: true, min: 2 });
  const initialQueries = checkNumber(where, 'initialQueries', options.initialQueries ?? 10, { integer: true, min: 0 });
  const exploreCandidates = checkNumber(where, 'exploreCandidates', options.exploreCandidates ?? 100, {
    integer: true,
    min: 1,
  });
  const exploreRadius = checkNumber(where, 'exploreRadius', options.exploreRadius ?? 0.01, { greaterThan: 0 });
  const exploreQueries = checkNumber(where, 'exploreQueries', options.exploreQueries ?? 5, {
    integer: true,
    min: 0,
    max: exploreCandidates,
  });
  const features = checkNumber(where, 'features', options.features ?? 1000, { integer: true, min: 1 });
  const rffHistorySize = checkNumber(where, 'rffHistorySize', options.rffHistorySize ?? 500, { integer: true, min: 2 });
  const rffCandidates = checkNumber(where, 'rffCandidates', options.rffCandidates ?? 200, { integer: true, min: 1 });
  const rffQueries = checkNumber(where, 'rffQueries', options.rffQueries ?? 50, {
    integer: true,
    min: 0,
    max: rffCandidates,
  });
  const gamma = checkNumber(where, 'gamma', options.gamma ?? 1, { min: 0 });
  const eta = checkNumber(where, 'serverLearningRate', options.serverLearningRate ?? 1, { greaterThan: 0 });
  const transformation = options.localOptimizer ?? adam({ learningRate: 0.01 });
  if (typeof transformation?.init !== 'function' || typeof transformation?.update !== 'function') {
    invalidOption(where, 'localOptimizer', transformation, 'a GradientTransformation');
  }
  const gp = { lengthscale, noise };

  return {
    async run(runOptions: FederatedRunOptions): Promise<FederatedRunResult> {
      const run = checkRunOptions(where, runOptions);
      const { dim, clients, p } = run;
      const [featureKey, initKey, roundsKey] = split(run.key, 3) as [Key, Key, Key];
      const rff = randomFourierFeatures({ dim, features, lengthscale, key: featureKey });
      const clientQueries = clients.map(() => 0);
      const histories: History[] = clients.map(() => ({ points: [], values: [] }));

      const query = async (i: number, points: Float64Array[]): Promise<void> => {
        if (points.length === 0) return;
        const f = await evaluateClient(where, clients[i]!, i, points, dim);
        clientQueries[i]! += points.length;
        points.forEach((pt, j) => {
          histories[i]!.points.push(pt);
          histories[i]!.values.push(f[j]!);
        });
      };
      // Queries `known` (points about to be queried anyway) together with the `keep` of
      // `candidates` that have the largest posterior gradient variance under the GP of the
      // history nearest to `centre` plus `known` (code: `minimize_uncertainty`). The variance
      // depends only on where f is queried, not on the values, so `known` need not be evaluated
      // first and everything goes to the client in one batch.
      const activeQueries = async (
        i: number,
        centre: Float64Array,
        known: Float64Array[],
        candidates: Float64Array[],
        keep: number,
      ): Promise<void> => {
        if (keep === 0) return query(i, known);
        const near = nearest(histories[i]!, centre, Math.max(1, historySize - known.length)).points;
        const locations = [...near, ...known];
        const model = fitGpSurrogate(locations, new Float64Array(locations.length), gp);
        const v = candidates.map((c) => model.gradientVariance(c));
        const order = v.map((_, j) => j).sort((a, b) => v[b]! - v[a]! || a - b);
        return query(i, [...known, ...order.slice(0, keep).map((j) => candidates[j]!)]);
      };

      let xBar: Float64Array = Float64Array.from(run.x0);
      for (let i = 0; i < clients.length; i++) {
        await query(i, [xBar, ...box(foldIn(initKey, i), xBar, exploreRadius, initialQueries)]);
      }
      const total = (): number => clientQueries.reduce((a, b) => a + b, 0);
      const history: FederatedRecord[] = [{ round: 0, queries: total(), value: await globalValue(where, run, xBar) }];
      let own: RffSurrogate[] | undefined;
      let global: RffSurrogate | undefined;

      for (let r = 0; r < run.rounds; r++) {
        const roundKey = foldIn(roundsKey, r);
        const locals: Float64Array[] = [];
        for (let i = 0; i < clients.length; i++) {
          const clientKey = foldIn(roundKey, i);
          const opt = new LocalOptimizer(transformation as GradientTransformation, xBar);
          let x: Float64Array = xBar;
          try {
            for (let t = 0; t < run.localSteps; t++) {
              const near = nearest(histories[i]!, x, historySize);
              const g = fitGpSurrogate(near.points, near.values, gp).gradient(x);
              if (global !== undefined && own !== undefined && gamma > 0) {
                const gammaT = gamma / (t + 1);
                const gGlobal = rffGradient(global, x);
                const gOwn = rffGradient(own[i]!, x);
                for (let m = 0; m < dim; m++) g[m]! += gammaT * (gGlobal[m]! - gOwn[m]!);
              }
              x = await opt.step(g);
              if (t < run.localSteps - 1) {
                const candidates = box(foldIn(clientKey, t), x, exploreRadius, exploreCandidates);
                await activeQueries(i, x, [x], candidates, exploreQueries);
              } else {
                await query(i, [x]);
              }
            }
          } finally {
            opt.dispose();
          }
          locals.push(x);
        }
        xBar = serverStep(xBar, locals, p, eta);

        if (r < run.rounds - 1 && gamma > 0) {
          own = [];
          for (let i = 0; i < clients.length; i++) {
            let radius = 0;
            for (let m = 0; m < dim; m++) radius += Math.abs(xBar[m]! - locals[i]![m]!) / dim / 2;
            if (!(radius > 0)) radius = exploreRadius;
            const candidates = box(foldIn(foldIn(roundKey, clients.length), i), xBar, radius, rffCandidates);
            await activeQueries(i, xBar, [xBar], candidates, rffQueries);
            const near = nearest(histories[i]!, xBar, rffHistorySize);
            own.push(fitRffSurrogate(rff, near.points, near.values, { noise }));
          }
          global = averageRffSurrogates(own, p);
        } else if (r < run.rounds - 1) {
          // Without the correction there are no random features to fit; x̄ is still queried, as
          // it is the next trajectory's first point.
          for (let i = 0; i < clients.length; i++) await query(i, [xBar]);
        }
        history.push({ round: r + 1, queries: total(), value: await globalValue(where, run, xBar) });
      }
      const last = history[history.length - 1]!;
      return { x: Array.from(xBar), value: last.value, queries: last.queries, clientQueries, history };
    },
  };
}
