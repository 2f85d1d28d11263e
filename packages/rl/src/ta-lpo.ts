/**
 * TA-LPO (Jackson, Lu, Kirsch, Lange, Whiteson & Foerster, "Discovering Temporally-Aware Reinforcement Learning
 * Algorithms", ICLR 2024): a learned drift function conditioned on training progress n/N, meta-trained by evolution
 * strategies (`@descent/zeroth`'s `openaiEs`) on the final return of short inner PPO-style runs.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, checkNumber, foldIn, invalidOption, key as makeKey } from '@descent/core';
import { adam } from '@descent/optim';
import { openaiEs } from '@descent/zeroth';
import { evaluate } from './evaluate.js';
import { type Drift, driftLoss, ppoDrift } from './lpo.js';
import { type PpoOptions, checkPpoOptions, ppoDefaults, ppoPresets, resolveOptions, runPpoFamily } from './ppo.js';
import type { TrainCallbacks, TrainConfig, TrainResult } from './training.js';

/** Number of drift-network parameters for `hidden` units: W₁ is [16, hidden], W₂ is [hidden, 1], no biases. */
export function taLpoDriftSize(hidden: number): number {
  return 16 * hidden + hidden;
}

/**
 * The progress-conditioned drift of TA-LPO (spec rl.md §7, parameterisation of LPO's `brax_drift.py` with the
 * temporal input of TA-LPO):
 *
 * $$x = [r-1,\ (r-1)^2,\ \log r,\ (\log r)^2],\quad u = [x,\ \hat A x],\quad z = [u,\ (n/N)\,u]\ (16\text{ inputs}),$$
 * $$D(r, \hat A, n/N) = \operatorname{ReLU}\big(D_{PPO,\varepsilon}(r,\hat A) + W_2^\top\tanh(W_1^\top z) - 10^{-4}\big).$$
 *
 * No biases, so the network's output is 0 at r = 1 for every Â and n/N (D and its r-derivative vanish there, as mirror
 * learning requires, up to the ReLU). θ = [vec W₁ (row-major [16, hidden]), W₂] ∈ ℝ^{17·hidden}; θ = 0 is "PPO-init"
 * (D = ReLU(D_PPO − 10⁻⁴)), the starting point of meta-training.
 */
export function taLpoDrift(theta: ArrayLike<number>, hidden: number, epsilon = 0.2): Drift {
  const h = checkNumber('taLpoDrift', 'hidden', hidden, { integer: true, min: 1 });
  if (theta === null || typeof theta !== 'object' || theta.length !== taLpoDriftSize(h)) {
    invalidOption('taLpoDrift', 'theta', theta, `${taLpoDriftSize(h)} numbers (17·hidden)`);
  }
  const values = Float32Array.from(theta);
  if (!values.every(Number.isFinite)) invalidOption('taLpoDrift', 'theta', theta, 'finite numbers');
  const w1 = values.slice(0, 16 * h);
  const w2 = values.slice(16 * h);
  const base = ppoDrift(epsilon);
  return (ratio, advantages, progress = 0) =>
    tf.tidy(() => {
      const n = ratio.size;
      const r = tf.reshape(ratio, [n, 1]);
      const a = tf.reshape(advantages, [n, 1]);
      const rm1 = tf.sub(r, tf.scalar(1));
      const lr = tf.log(r);
      const x = tf.concat([rm1, tf.square(rm1), lr, tf.square(lr)], 1);
      const u = tf.concat([x, tf.mul(a, x)], 1);
      const z = tf.concat([u, tf.mul(tf.scalar(progress), u)], 1);
      const out = tf.matMul(tf.tanh(tf.matMul(z, tf.tensor2d(w1, [16, h]))), tf.tensor2d(w2, [h, 1]));
      const d = tf.add(tf.reshape(base(ratio, advantages), [n, 1]), out);
      return tf.reshape(tf.relu(tf.sub(d, tf.scalar(1e-4))), ratio.shape);
    });
}

/** Options of {@link trainTaLpo}: PPO's (for the inner runs and the final run) plus the meta-training budget. */
export interface TaLpoOptions extends PpoOptions {
  /** Hidden units of the drift network. Default 8 (the paper uses 128; small so ES fits a small budget). */
  driftHidden: number;
  /** ε of the PPO drift the network is added to. Default 0.2. */
  driftEpsilon: number;
  /** Environment of the inner meta-training runs; '' means the training env. Default ''. */
  metaEnv: string;
  /** Environment steps of each inner run. Default 4096. */
  metaInnerSteps: number;
  /** ES generations. Default 3. */
  metaGenerations: number;
  /** ES population. Default 8. */
  metaPopSize: number;
  /** ES σ. Default 0.1. */
  metaSigma: number;
  /** Adam step size of the ES update. Default 0.05. */
  metaLearningRate: number;
  /** Evaluation episodes that score an inner run (its final return, with the stochastic policy). Default 10. */
  metaEvalEpisodes: number;
  /** Skip meta-training and use this θ (e.g. one learned before). Default [] (meta-train). */
  driftTheta: number[];
}

/** Defaults of {@link trainTaLpo}. */
export const taLpoDefaults: TaLpoOptions = {
  ...ppoDefaults,
  driftHidden: 8,
  driftEpsilon: 0.2,
  metaEnv: '',
  metaInnerSteps: 4096,
  metaGenerations: 3,
  metaPopSize: 8,
  metaSigma: 0.1,
  metaLearningRate: 0.05,
  metaEvalEpisodes: 10,
  driftTheta: [],
};

/** Presets of {@link trainTaLpo}: PPO's rl-zoo presets for the inner and final runs. */
export const taLpoPresets: Record<string, Partial<TaLpoOptions>> = ppoPresets;

/** One ES generation of {@link trainTaLpo}. */
export interface TaLpoMetaRecord {
  generation: number;
  /** Final returns of the population's inner runs. */
  returns: number[];
  meanReturn: number;
  bestReturn: number;
  wallTimeMs: number;
}

/** What {@link trainTaLpo} resolves to: the trained policy, its history, and the meta-learned drift. */
export interface TaLpoResult extends TrainResult {
  drift: { theta: number[]; hidden: number; epsilon: number; fn: Drift };
  metaHistory: TaLpoMetaRecord[];
}

/**
 * TA-LPO: meta-train the progress-conditioned drift {@link taLpoDrift} with OpenAI-ES (Salimans et al. 2017, via
 * `openaiEs` with Adam and centred ranks, without antithetic pairs — the drift network is odd-symmetric in θ, so θ₀ ± σε
 * score the same around θ₀ = 0 = PPO-init) — each candidate θ scored by the final
 * return of a short inner run (`metaInnerSteps` on `metaEnv`, PPO machinery with the drift objective), fitness
 * −return minimised (the return of the stochastic policy: unlike the greedy one it varies smoothly with the drift, so
 * centred ranks see differences even where every candidate's argmax is the same) — then train on `config.env` for `config.totalSteps` with the ES mean θ. The inner runs use
 * common random numbers within a generation (same seed for every candidate) so the ranking compares drifts, not
 * seeds.
 *
 * Budget: `metaGenerations × metaPopSize` inner runs of `metaInnerSteps` steps (default 3 × 8 × 4096 ≈ 1e5 steps),
 * orders of magnitude below the paper's (which meta-trains on MinAtar/Brax for thousands of generations); the meta-
 * learned drift is therefore a demonstration of the loop, not the paper's learned rule (no weights were published).
 */
export async function trainTaLpo(config: TrainConfig, callbacks?: TrainCallbacks): Promise<TaLpoResult> {
  const where = 'trainTaLpo';
  const { env, seed, options: o } = resolveOptions(where, config, taLpoDefaults, taLpoPresets);
  checkPpoOptions(where, o);
  const hidden = checkNumber(where, 'driftHidden', o.driftHidden, { integer: true, min: 1, max: 256 });
  const epsilon = checkNumber(where, 'driftEpsilon', o.driftEpsilon, { greaterThan: 0 });
  checkNumber(where, 'metaInnerSteps', o.metaInnerSteps, { integer: true, min: 1 });
  const generations = checkNumber(where, 'metaGenerations', o.metaGenerations, { integer: true, min: 0 });
  const popSize = checkNumber(where, 'metaPopSize', o.metaPopSize, { integer: true, min: 2 });
  const sigma = checkNumber(where, 'metaSigma', o.metaSigma, { greaterThan: 0 });
  const metaLr = checkNumber(where, 'metaLearningRate', o.metaLearningRate, { greaterThan: 0 });
  const evalEpisodes = checkNumber(where, 'metaEvalEpisodes', o.metaEvalEpisodes, { integer: true, min: 1 });
  if (typeof o.metaEnv !== 'string') invalidOption(where, 'metaEnv', o.metaEnv, "an environment id or ''");
  if (!Array.isArray(o.driftTheta)) invalidOption(where, 'driftTheta', o.driftTheta, 'an array of numbers');
  const dim = taLpoDriftSize(hidden);
  if (o.driftTheta.length !== 0 && o.driftTheta.length !== dim) invalidOption(where, 'driftTheta', o.driftTheta.length, `${dim} numbers (17·driftHidden) or []`);
  const metaEnv = o.metaEnv === '' ? env : o.metaEnv;
  const innerOptions: PpoOptions = { ...o, ...(ppoPresets[metaEnv] ?? {}), ...pickPpoOverrides(config) };

  const runWith = (theta: ArrayLike<number>, cfg: TrainConfig, opts: PpoOptions, cbs?: TrainCallbacks): Promise<TrainResult> => {
    const drift = taLpoDrift(theta, hidden, epsilon);
    return runPpoFamily(cfg, opts, { where, policyTerm: (logRatio, adv, progress) => tf.tidy(() => driftLoss(tf.exp(logRatio), adv, drift, progress)) }, cbs);
  };

  const metaHistory: TaLpoMetaRecord[] = [];
  let theta: number[] = o.driftTheta.length ? o.driftTheta.slice() : new Array<number>(dim).fill(0);
  if (o.driftTheta.length === 0 && generations > 0) {
    // No antithetic pairs: the network is odd-symmetric, out(−W₁, −W₂) = out(W₁, W₂), so around θ₀ = 0 the pair
    // θ ± σε scores identically and the antithetic estimate is exactly zero.
    const es = openaiEs({ sigma, optimizer: adam({ learningRate: metaLr }), antithetic: false });
    let state = es.init({ dim, popSize, key: foldIn(makeKey(seed), 0x7a1) });
    const start = Date.now();
    for (let g = 0; g < generations; g++) {
      const asked = es.ask(state);
      const rows = asked.population.dataSync() as Float32Array;
      const returns: number[] = [];
      for (let i = 0; i < popSize; i++) {
        const innerSeed = seed * 1000 + g;
        const { policy } = await runWith(rows.subarray(i * dim, (i + 1) * dim), { env: metaEnv, seed: innerSeed, totalSteps: o.metaInnerSteps }, innerOptions);
        const { meanReturn } = await evaluate(policy, { env: metaEnv, episodes: evalEpisodes, seed: innerSeed + 1, deterministic: false });
        policy.dispose();
        returns.push(meanReturn);
      }
      const fitness = tf.tensor2d(returns.map((r) => -r), [1, popSize]);
      const next = es.tell(asked.state, asked.population, fitness);
      disposeReplaced(state as unknown as Record<string, unknown>, next as unknown as Record<string, unknown>);
      disposeReplaced(asked.state as unknown as Record<string, unknown>, next as unknown as Record<string, unknown>);
      tf.dispose([fitness, asked.population]);
      state = next;
      const record: TaLpoMetaRecord = {
        generation: g + 1,
        returns,
        meanReturn: returns.reduce((a, b) => a + b, 0) / popSize,
        bestReturn: Math.max(...returns),
        wallTimeMs: Date.now() - start,
      };
      metaHistory.push(record);
    }
    theta = Array.from(state.theta.dataSync());
    disposeReplaced(state as unknown as Record<string, unknown>, {});
  }
  if (!theta.every(Number.isFinite)) throw new DescentError('non-finite', `${where}: the meta-learned drift has non-finite weights`, {});
  const finalOptions: PpoOptions = { ...o };
  const result = await runWith(theta, config, finalOptions, callbacks);
  return { ...result, drift: { theta, hidden, epsilon, fn: taLpoDrift(theta, hidden, epsilon) }, metaHistory };
}

/** The PPO option overrides given explicitly in `config` (they apply to the inner runs too). */
function pickPpoOverrides(config: TrainConfig): Partial<PpoOptions> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(ppoDefaults)) if (k in config) out[k] = config[k];
  return out as Partial<PpoOptions>;
}

/** Disposes the tensors of an ES state that the next state does not reuse (ES states are values). */
function disposeReplaced(old: Record<string, unknown>, next: Record<string, unknown>): void {
  const keep = new Set<unknown>();
  const collect = (v: unknown, into: (t: tf.Tensor) => void): void => {
    if (v instanceof tf.Tensor) into(v);
    else if (Array.isArray(v)) v.forEach((x) => collect(x, into));
    else if (v !== null && typeof v === 'object') Object.values(v).forEach((x) => collect(x, into));
  };
  collect(next, (t) => keep.add(t));
  collect(old, (t) => {
    if (!keep.has(t) && !t.isDisposed) t.dispose();
  });
}
