/**
 * OpenAI-ES (Salimans, Ho, Chen, Sidor, Sutskever 2017): a Gaussian search distribution around θ,
 * antithetic sampling, centred-rank fitness shaping, and any `GradientTransformation` (Adam in the
 * paper) applied to the resulting gradient estimate.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type GradientTransformation,
  type Key,
  type Params,
  type ScalarOrSchedule,
  DescentError,
  applyUpdates,
  checkBoolean,
  checkKnownOptions,
  checkNumber,
  checkScalarOrSchedule,
  foldIn,
  invalidOption,
  normal,
} from '@descent/core';
import { centeredRanks } from './centered-ranks.js';
import { type HostStrategy, readAsync, readSync } from './host-strategy.js';
import { checkFitness, checkPopulation, checkStrategyInit, improvedRows, improvements, initialSearchPoint, mergeBest } from './search-point-init.js';

/** Options of {@link openaiEs}. */
export interface OpenAiEsOptions {
  /** σ > 0, the standard deviation of the search distribution (a number or a schedule of the step). Required. */
  sigma: ScalarOrSchedule;
  /** The transformation that turns the gradient estimate into an update of θ, e.g. `adam({ learningRate: 0.01 })`. Required. */
  optimizer: GradientTransformation<any>;
  /** Antithetic pairs θ ± σε (needs an even popSize). Default true. */
  antithetic?: boolean;
  /** Centred-rank fitness shaping; false uses the raw fitness values. Default true. */
  centeredRanks?: boolean;
  /** λ ≥ 0: adds λθ to the gradient estimate (OpenAI's `l2coeff`, 0.005 in their configs). Default 0. */
  weightDecay?: number;
}

/** The state of {@link openaiEs} (a value: `ask`/`tell` return new states and dispose nothing). */
export interface OpenAiEsState {
  /** θ, the mean of the search distribution, per run: `[runs, dim]`. */
  readonly theta: tf.Tensor2D;
  /** The inner transformation's state, one per run (each run is optimised independently). */
  readonly optState: readonly unknown[];
  /** The unit perturbations z of the pending population (`population = θ + σ z`), set by `ask`. */
  readonly noise: tf.Tensor3D | null;
  /** σ used for the pending population. */
  readonly sigmaUsed: number;
  /** The strategy's key; step t draws from `foldIn(key, t)`. */
  readonly key: Key;
  /** Completed ask/tell rounds. */
  readonly step: number;
  /** Dimension d. */
  readonly dim: number;
  /** Population size n per run. */
  readonly popSize: number;
  /** Independent runs. */
  readonly runs: number;
  /** Best evaluated point per run, on the host (NaN entries until a finite fitness is told). */
  readonly bestX: readonly (readonly number[])[];
  /** Its fitness per run (+∞ until a finite fitness is told). */
  readonly bestFitness: readonly number[];
}

/**
 * OpenAI-ES as a {@link Strategy}.
 *
 * Each step, per run: draw ε_1 … ε_{n/2} ~ N(0, I_d) and ask for the population
 * `x_i = θ + σ z_i` with `z = [ε_1 … ε_{n/2}, −ε_1 … −ε_{n/2}]` (antithetic; without it, n
 * independent z_i). Given the fitness f_i (minimised), shape it to `F_i = centredRank(f)_i`
 * (or `F_i = f_i`), and estimate the gradient of the Gaussian smoothing f_σ(θ) = E f(θ + σz):
 *
 * $$\hat g = \frac{1}{n\sigma}\sum_{i=1}^{n} F_i z_i \;(+\,\lambda\theta),$$
 *
 * which with antithetic pairs is `Σ_j (F_j⁺ − F_j⁻) ε_j / (nσ)` (OpenAI's `g = Σ(r⁺−r⁻)ε/(2n)` with σ
 * shown rather than folded into the step size). Then `(u, s) = optimizer.update(ĝ, s, θ)` and
 * `θ ← applyUpdates(θ, u)`. ĝ points uphill; the transformation supplies the minus sign (as for
 * any gradient). Each run has its own inner state, so even non-elementwise transformations
 * (global-norm clipping) never mix runs.
 *
 * With centred ranks the update depends on the fitness only through its order (invariant to
 * strictly increasing transforms of f); ties share their average rank and NaN ranks worst. With
 * `centeredRanks: false`, a non-finite fitness throws `DescentError('non-finite')`.
 *
 * `tell` reads the fitness back to the host (`runs × popSize` numbers; ranking is a sort) and the
 * improving rows for `best`; that synchronous read-back fails on backends without one for
 * device-resident tensors (WebGPU in Node: `DescentError('unsupported')`), where `tellAsync`
 * (`await t.data()`, bit-identical result) works. `best` reports the best evaluated point, with
 * NaN coordinates and fitness +∞ until a finite fitness is told (the mean θ itself is never
 * evaluated; read `state.theta`).
 * Default start θ₀ = 0; `init` draws θ₀ with shape `[runs, 1, dim]` from `foldIn(key, 2³²−1)`.
 * Randomness: step t draws ε = `normal(foldIn(key, t), [runs, n/2, dim])` (antithetic) or
 * z = `normal(foldIn(key, t), [runs, n, dim])`, so a key reproduces the run on every backend.
 *
 * Defaults: antithetic true, centeredRanks true, weightDecay 0. The paper's settings: Adam with
 * step size 0.01, σ = 0.02, l2coeff 0.005 (openai/evolution-strategies-starter, Humanoid config).
 * evosax `Open_ES` is the same estimator with `optax.sgd(1e-3)` and σ = 1 by default.
 *
 * @see Salimans et al. 2017, arXiv:1703.03864; openai/evolution-strategies-starter `es_distributed/es.py`.
 */
export function openaiEs(options: OpenAiEsOptions): HostStrategy<OpenAiEsState> {
  const where = 'openaiEs';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['sigma', 'optimizer', 'antithetic', 'centeredRanks', 'weightDecay']);
  const sigma = checkScalarOrSchedule(where, 'sigma', options.sigma, { greaterThan: 0 });
  const optimizer = options.optimizer;
  if (optimizer === null || typeof optimizer !== 'object' || typeof optimizer.init !== 'function' || typeof optimizer.update !== 'function') {
    invalidOption(where, 'optimizer', optimizer, 'a GradientTransformation ({ init, update }), e.g. adam({ learningRate: 0.01 })');
  }
  const antithetic = checkBoolean(where, 'antithetic', options.antithetic ?? true);
  const ranks = checkBoolean(where, 'centeredRanks', options.centeredRanks ?? true);
  const weightDecay = checkNumber(where, 'weightDecay', options.weightDecay ?? 0, { min: 0 });

  const checkTell = (s: OpenAiEsState, population: tf.Tensor, fitness: tf.Tensor): void => {
    if (s.noise === null) throw new DescentError('invalid-option', `${where}: tell needs the state returned by ask (no pending population)`, { parameter: 'state' });
    checkPopulation(where, population, s.runs, s.popSize, s.dim);
    checkFitness(where, fitness, s.runs, s.popSize);
  };

  /** The ES step from the fitness values (host) and the best-point bookkeeping. */
  const update = (s: OpenAiEsState, values: Float32Array, imp: { fitness: number[]; index: number[] }, rows: Float32Array | null): OpenAiEsState => {
    const shaped = new Float32Array(s.runs * s.popSize);
    for (let r = 0; r < s.runs; r++) {
      const row = values.subarray(r * s.popSize, (r + 1) * s.popSize);
      if (ranks) shaped.set(centeredRanks(row), r * s.popSize);
      else {
        const bad = row.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) {
          throw new DescentError('non-finite', `${where}: fitness[${r}][${bad}] is ${row[bad]}; raw fitness (centeredRanks: false) must be finite`, {
            parameter: 'fitness', value: row[bad],
          });
        }
        shaped.set(row, r * s.popSize);
      }
    }
    const noise = s.noise as tf.Tensor3D;
    const next = tf.tidy(() => {
      const F = tf.tensor3d(shaped, [s.runs, 1, s.popSize]);
      // ĝ_r = (1/(nσ)) Σ_i F_ri z_ri, one batched product over the runs.
      let g = tf.mul(tf.reshape(tf.matMul(F, noise), [s.runs, s.dim]), 1 / (s.popSize * s.sigmaUsed));
      if (weightDecay > 0) g = tf.add(g, tf.mul(weightDecay, s.theta));
      const gs = tf.unstack(g);
      const thetas = tf.unstack(s.theta);
      const rowsOut: tf.Tensor[] = [];
      const states: unknown[] = [];
      for (let r = 0; r < s.runs; r++) {
        const out = optimizer.update(gs[r] as Params, s.optState[r], thetas[r] as Params);
        rowsOut.push(applyUpdates(thetas[r] as Params, out.updates) as tf.Tensor);
        states.push(out.state);
      }
      return { theta: tf.stack(rowsOut) as tf.Tensor2D, optState: states as tf.TensorContainer };
    }) as { theta: tf.Tensor2D; optState: unknown[] };
    return {
      ...s, theta: next.theta, optState: next.optState, noise: null, sigmaUsed: NaN, step: s.step + 1,
      bestX: mergeBest(s.bestX, imp.index, rows, s.dim), bestFitness: imp.fitness,
    };
  };

  return {
    init(o) {
      const { dim, popSize, runs, key: k } = checkStrategyInit(where, o);
      if (antithetic && popSize % 2 !== 0) invalidOption(where, 'popSize', popSize, 'an even integer >= 2 when antithetic is true');
      const theta = initialSearchPoint(where, o.init, foldIn(k, 0xffffffff), runs, dim);
      const optState = tf.tidy(() => {
        const rows = tf.unstack(theta);
        return rows.map((row) => optimizer.init(row) as tf.TensorContainer);
      }) as unknown[];
      return {
        theta, optState, noise: null, sigmaUsed: NaN, key: k, step: 0, dim, popSize, runs,
        bestX: Array.from({ length: runs }, () => new Array<number>(dim).fill(NaN)),
        bestFitness: new Array<number>(runs).fill(Infinity),
      };
    },

    ask(s) {
      const sig = sigma(s.step);
      const k = foldIn(s.key, s.step);
      const noise = tf.tidy(() => {
        if (!antithetic) return normal(k, [s.runs, s.popSize, s.dim]) as tf.Tensor3D;
        const eps = normal(k, [s.runs, s.popSize / 2, s.dim]);
        return tf.concat([eps, tf.neg(eps)], 1) as tf.Tensor3D;
      });
      const population = tf.tidy(() => tf.add(tf.expandDims(s.theta, 1), tf.mul(sig, noise)));
      return { population, state: { ...s, noise, sigmaUsed: sig } };
    },

    tell(s, population, fitness) {
      checkTell(s, population, fitness);
      const values = readSync(where, fitness);
      const imp = improvements(values, s.runs, s.popSize, s.bestFitness);
      const rows = improvedRows(population, imp.index);
      let read: Float32Array | null = null;
      try {
        if (rows !== null) read = readSync(where, rows);
      } finally {
        rows?.dispose();
      }
      return update(s, values, imp, read);
    },

    async tellAsync(s, population, fitness) {
      checkTell(s, population, fitness);
      const values = await readAsync(fitness);
      const imp = improvements(values, s.runs, s.popSize, s.bestFitness);
      const rows = improvedRows(population, imp.index);
      let read: Float32Array | null = null;
      try {
        if (rows !== null) read = await readAsync(rows);
      } finally {
        rows?.dispose();
      }
      return update(s, values, imp, read);
    },

    best(s) {
      return { x: s.bestX.map((row) => row.slice()), fitness: s.bestFitness.slice() };
    },
  };
}
