/**
 * FedZO (Fang, Yu, Jiang, Shi, Jones & Zhou, "Communication-Efficient Stochastic Zeroth-Order
 * Optimization for Federated Learning", IEEE TSP 2022): local zeroth-order SGD with a forward
 * difference Gaussian-smoothing gradient estimate, server averaging. The baseline of FZooS.
 *
 * @packageDocumentation
 */
import {
  type GradientTransformation,
  type Key,
  checkKnownOptions,
  checkNumber,
  checkOneOf,
  foldIn,
  invalidOption,
  normalValues,
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

/** Options of {@link fedZo}. */
export interface FedZoOptions {
  /** q ≥ 1 directions per gradient estimate. Default 20 (FZooS code `--q 20`). */
  directions?: number;
  /** μ > 0, the finite-difference step. Default 0.01 (FZooS code `--mu 0.01`). */
  smoothing?: number;
  /**
   * `'orthogonal'` (default): Gaussian draws Gram–Schmidt-orthonormalised, as the FZooS code's
   * `rgf_opt.rand_grad_est` (needs q ≤ dim); `'gaussian'`: independent N(0, I) directions.
   */
  sampling?: 'orthogonal' | 'gaussian';
  /** The clients' local optimiser, re-initialised every round. Default `adam({ learningRate: 0.01 })` (FZooS code: `--fo_opt adam --lr 0.01`). */
  localOptimizer?: GradientTransformation<any>; // any state type, as core's `chain`
  /** η, the server step x̄ ← x̄ − η Σ p_i (x̄ − x_i). Default 1 (averaging). */
  serverLearningRate?: number;
}

/**
 * Orthonormal directions by Gram–Schmidt on Gaussian draws, or the Gaussian draws themselves.
 * Returns q rows of length d.
 */
function drawDirections(key: Key, q: number, dim: number, orthogonal: boolean): Float64Array[] {
  const raw = normalValues(key, q * dim);
  const out: Float64Array[] = [];
  for (let j = 0; j < q; j++) {
    const u = Float64Array.from(raw.subarray(j * dim, (j + 1) * dim));
    if (orthogonal) {
      // Two passes of classical Gram–Schmidt keep the rows orthonormal to rounding.
      for (let pass = 0; pass < 2; pass++) {
        for (const v of out) {
          let dot = 0;
          for (let m = 0; m < dim; m++) dot += u[m]! * v[m]!;
          for (let m = 0; m < dim; m++) u[m]! -= dot * v[m]!;
        }
      }
      let norm = 0;
      for (let m = 0; m < dim; m++) norm += u[m]! * u[m]!;
      norm = Math.sqrt(norm);
      for (let m = 0; m < dim; m++) u[m]! /= norm;
    }
    out.push(u);
  }
  return out;
}

/**
 * FedZO (Fang et al. 2022) with the gradient estimator of the FZooS authors' baseline (`rgf_opt`
 * in shuyao95/FZooS `optimizers.py`).
 *
 * Each round, every client i starts at the server's x̄ and takes T local steps
 *
 *     g = s · Σ_{j=1..q} (f_i(x + μu_j) − f_i(x)) / μ · u_j,     x ← x + LocalOpt(g)
 *
 * with s = d/q for orthonormal directions (each u_j is uniform on the unit sphere, E[u uᵀ] = I/d,
 * so g is an unbiased estimate of the gradient of the sphere-smoothed f_i) and s = 1/q for Gaussian
 * directions (Nesterov & Spokoiny 2017). The code uses 1/q for orthonormal directions, which only
 * rescales g (irrelevant under Adam, its default). Then the server averages:
 * x̄ ← x̄ − η Σ_i p_i (x̄ − x_i).
 *
 * Queries: q + 1 per local step (x and the q perturbations, one batch). The reference code's
 * server-side revert of x̄ when the true global F increased is an oracle a federated system does
 * not have and is left out.
 *
 * @example
 * ```ts
 * const result = await fedZo({ directions: 20 }).run({ clients, dim: 50, x0, rounds: 50, localSteps: 10, key: key(0) });
 * result.history; // [{ round, queries, value: F(x̄) }, ...]
 * ```
 */
export function fedZo(options: FedZoOptions = {}): FederatedOptimizer {
  const where = 'fedZo';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['directions', 'smoothing', 'sampling', 'localOptimizer', 'serverLearningRate']);
  const q = checkNumber(where, 'directions', options.directions ?? 20, { integer: true, min: 1 });
  const mu = checkNumber(where, 'smoothing', options.smoothing ?? 0.01, { greaterThan: 0 });
  const sampling = checkOneOf(where, 'sampling', options.sampling ?? 'orthogonal', ['orthogonal', 'gaussian'] as const);
  const eta = checkNumber(where, 'serverLearningRate', options.serverLearningRate ?? 1, { greaterThan: 0 });
  const transformation = options.localOptimizer ?? adam({ learningRate: 0.01 });
  if (typeof transformation?.init !== 'function' || typeof transformation?.update !== 'function') {
    invalidOption(where, 'localOptimizer', transformation, 'a GradientTransformation');
  }
  const orthogonal = sampling === 'orthogonal';
  const scale = (dim: number): number => (orthogonal ? dim / q : 1 / q);

  return {
    async run(runOptions: FederatedRunOptions): Promise<FederatedRunResult> {
      const run = checkRunOptions(where, runOptions);
      const { dim, clients, p } = run;
      if (orthogonal && q > dim) {
        invalidOption(where, 'directions', q, `at most dim = ${dim} with sampling 'orthogonal'`);
      }
      const clientQueries = clients.map(() => 0);
      let xBar: Float64Array = Float64Array.from(run.x0);
      const history: FederatedRecord[] = [{ round: 0, queries: 0, value: await globalValue(where, run, xBar) }];
      for (let r = 0; r < run.rounds; r++) {
        const roundKey = foldIn(run.key, r);
        const locals: Float64Array[] = [];
        for (let i = 0; i < clients.length; i++) {
          const clientKey = foldIn(roundKey, i);
          const opt = new LocalOptimizer(transformation as GradientTransformation, xBar);
          let x: Float64Array = xBar;
          try {
            for (let t = 0; t < run.localSteps; t++) {
              const dirs = drawDirections(foldIn(clientKey, t), q, dim, orthogonal);
              const points = [x, ...dirs.map((u) => x.map((v, m) => v + mu * u[m]!))];
              const f = await evaluateClient(where, clients[i]!, i, points, dim);
              clientQueries[i]! += points.length;
              const g = new Float64Array(dim);
              const s = scale(dim);
              dirs.forEach((u, j) => {
                const c = (s * (f[j + 1]! - f[0]!)) / mu;
                for (let m = 0; m < dim; m++) g[m]! += c * u[m]!;
              });
              x = await opt.step(g);
            }
          } finally {
            opt.dispose();
          }
          locals.push(x);
        }
        xBar = serverStep(xBar, locals, p, eta);
        history.push({
          round: r + 1,
          queries: clientQueries.reduce((a, b) => a + b, 0),
          value: await globalValue(where, run, xBar),
        });
      }
      const last = history[history.length - 1]!;
      return { x: Array.from(xBar), value: last.value, queries: last.queries, clientQueries, history };
    },
  };
}
