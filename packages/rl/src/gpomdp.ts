/**
 * The GPOMDP / REINFORCE trajectory estimator shared by N-PG-IGT and (N)-HARPG (Fatkhullin et al., ICML 2023,
 * arXiv 2302.01734, §2): whole-episode sampling with a policy, the discounted reward-to-go weights, the surrogate Φ
 * whose gradient is the estimator, and the flat-vector plumbing both algorithms iterate on.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Key, type Params, foldIn, invalidOption, treeFlatten, treeUnflatten, valueAndGrad } from '@descent/core';
import type { Env } from './env.js';
import { mlpForward } from './mlp.js';
import type { TrainablePolicy } from './trainable-policy.js';
import { CategoricalPolicy } from './categorical-policy.js';

/** One finished (or horizon-truncated) episode. */
export interface Trajectory {
  /** [length × observationDim], the observations the policy saw. */
  observations: Float32Array;
  /** The distribution's samples (`PolicySample.raw`): [length] indices or [length × actionDim] pre-clip values. */
  raw: Int32Array | Float32Array;
  /** [length] rewards r_0 … r_{H−1}. */
  rewards: Float32Array;
  length: number;
  /** The undiscounted return Σ r_t. */
  totalReward: number;
}

/**
 * Runs one episode in each of `envs` with the policy's current parameters, stepping all unfinished episodes together
 * (one batched `policy.sample` per step), until each terminates, is truncated, or reaches `horizon` steps. Each env is
 * `reset()` without a seed (continuing its own stream); `k` seeds the action sampling (`foldIn(k, step)`).
 */
export function sampleTrajectories(envs: readonly Env[], policy: TrainablePolicy, k: Key, horizon: number): Trajectory[] {
  const obsDim = policy.observationDim;
  const discrete = policy.kind === 'categorical';
  const actDim = discrete ? 1 : policy.actionDim;
  const obs: number[][] = envs.map(() => []);
  const raws: number[][] = envs.map(() => []);
  const rewards: number[][] = envs.map(() => []);
  const current = envs.map((e) => e.reset());
  let active = envs.map((_, i) => i);
  for (let step = 0; active.length > 0 && step < horizon; step++) {
    const batch = new Float32Array(active.length * obsDim);
    active.forEach((i, r) => batch.set(current[i], r * obsDim));
    const s = policy.sample(batch, foldIn(k, step));
    const still: number[] = [];
    active.forEach((i, r) => {
      for (let j = 0; j < obsDim; j++) obs[i].push(batch[r * obsDim + j]);
      for (let j = 0; j < actDim; j++) raws[i].push(s.raw[r * actDim + j]);
      const action = discrete ? s.actions[r] : (s.actions as Float32Array).slice(r * actDim, (r + 1) * actDim);
      const res = envs[i].step(action);
      rewards[i].push(res.reward);
      current[i] = res.observation;
      if (!res.terminated && !res.truncated) still.push(i);
    });
    active = still;
  }
  return envs.map((_, i) => ({
    observations: Float32Array.from(obs[i]),
    raw: discrete ? Int32Array.from(raws[i]) : Float32Array.from(raws[i]),
    rewards: Float32Array.from(rewards[i]),
    length: rewards[i].length,
    totalReward: rewards[i].reduce((a, b) => a + b, 0),
  }));
}

/**
 * GPOMDP weights `w_h = Σ_{t ≥ h} γ^t r_t` (discounting from the episode start, as the estimator of §2 of the paper:
 * `g(τ, θ) = Σ_t γ^t r_t Σ_{h ≤ t} ∇log π_θ(a_h|s_h) = Σ_h w_h ∇log π_θ(a_h|s_h)`). Computed backwards in float64.
 */
export function gpomdpWeights(rewards: ArrayLike<number>, discount: number): Float32Array {
  const n = rewards.length;
  const discounted = new Float64Array(n);
  let power = 1;
  for (let t = 0; t < n; t++) {
    discounted[t] = power * rewards[t];
    power *= discount;
  }
  const w = new Float32Array(n);
  let acc = 0;
  for (let t = n - 1; t >= 0; t--) {
    acc += discounted[t];
    w[t] = acc;
  }
  return w;
}

/**
 * A per-step log-likelihood function `params ↦ [log π_params(a_h | s_h)]_h` of fixed trajectories, written so that
 * it can be differentiated TWICE (Hessian-vector products through core's `hvp`): for a categorical policy the
 * log-softmax subtracts a per-row constant read from the current logits instead of `tf.logSumExp` (whose max-shift
 * is not twice differentiable in tfjs); a Gaussian policy uses its own `logProb` (exp/tanh only).
 */
export function logLikelihoodFn(policy: TrainablePolicy, trajectories: readonly Trajectory[]): {
  fn: (params: Params) => tf.Tensor1D;
  steps: number;
  dispose(): void;
} {
  const steps = trajectories.reduce((a, t) => a + t.length, 0);
  const obsDim = policy.observationDim;
  const obsFlat = new Float32Array(steps * obsDim);
  const discrete = policy.kind === 'categorical';
  const width = discrete ? 1 : policy.actionDim;
  const rawFlat = discrete ? new Int32Array(steps) : new Float32Array(steps * width);
  let offset = 0;
  for (const t of trajectories) {
    obsFlat.set(t.observations, offset * obsDim);
    (rawFlat as Float32Array).set(t.raw as Float32Array, offset * width);
    offset += t.length;
  }
  const observations = tf.tensor2d(obsFlat, [steps, obsDim]);
  const actions = policy.actionsTensor(rawFlat, steps);
  let fn: (params: Params) => tf.Tensor1D;
  if (policy instanceof CategoricalPolicy) {
    const k = policy.actionDim;
    const onehot = tf.oneHot(actions as tf.Tensor1D, k);
    fn = (params) => {
      const logits = mlpForward((params as { net: never }).net, observations, policy.activation);
      // A constant per-row shift (read back, so it is not on the tape) keeps exp() in range.
      const host = logits.dataSync();
      const shift = new Float32Array(steps);
      for (let i = 0; i < steps; i++) {
        let m = -Infinity;
        for (let a = 0; a < k; a++) m = Math.max(m, host[i * k + a]);
        shift[i] = m;
      }
      const shifted = tf.sub(logits, tf.tensor2d(shift, [steps, 1]));
      const logp = tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), 1, true)));
      return tf.sum(tf.mul(logp, onehot), 1) as tf.Tensor1D;
    };
    return {
      fn,
      steps,
      dispose: () => tf.dispose([observations, actions, onehot]),
    };
  }
  fn = (params) => policy.logProb(params as never, observations, actions);
  return { fn, steps, dispose: () => tf.dispose([observations, actions]) };
}

/** The concatenated GPOMDP weights of `trajectories`, each scaled by `scale` (1/N for a batch mean). */
export function batchWeights(trajectories: readonly Trajectory[], discount: number, scale: number): Float32Array {
  const out = new Float32Array(trajectories.reduce((a, t) => a + t.length, 0));
  let offset = 0;
  for (const t of trajectories) {
    const w = gpomdpWeights(t.rewards, discount);
    for (let i = 0; i < w.length; i++) out[offset + i] = w[i] * scale;
    offset += t.length;
  }
  return out;
}

/**
 * The surrogate `Φ(τ, θ) = Σ_h w_h log π_θ(a_h | s_h)` (so `∇Φ = g`, the GPOMDP estimator) from per-step log-probs
 * and weights (both `[H]`).
 */
export function gpomdpSurrogate(logProbs: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  return tf.sum(tf.mul(logProbs, weights)) as tf.Scalar;
}

/**
 * The batch GPOMDP estimate `g = (1/N) Σ_i Σ_h w_{i,h} ∇log π_θ(a_{i,h} | s_{i,h})` at `params` as a flat vector,
 * plus the surrogate's value.
 */
export function gpomdpGradient(policy: TrainablePolicy, params: Params, trajectories: readonly Trajectory[], discount: number): Float32Array {
  const ll = logLikelihoodFn(policy, trajectories);
  const w = tf.tensor1d(batchWeights(trajectories, discount, 1 / trajectories.length));
  try {
    const { value, grads } = valueAndGrad((p: Params) => gpomdpSurrogate(ll.fn(p), w))(params);
    const flat = treeToFlat(grads);
    tf.dispose(value);
    tf.dispose(treeFlatten(grads).leaves as tf.Tensor[]);
    return flat;
  } finally {
    w.dispose();
    ll.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Flat parameter vectors (the algorithms keep θ_t, θ_{t−1} and d_t on the host: memory O(d), as the paper notes)
// ---------------------------------------------------------------------------------------------------------------

/** The leaves of a tensor tree concatenated into one Float32Array (treeFlatten order). */
export function treeToFlat(tree: Params): Float32Array {
  const leaves = treeFlatten(tree).leaves as tf.Tensor[];
  const total = leaves.reduce((a, l) => a + l.size, 0);
  const out = new Float32Array(total);
  let offset = 0;
  for (const l of leaves) {
    out.set(l.dataSync() as Float32Array, offset);
    offset += l.size;
  }
  return out;
}

/** New tensors shaped like `like`'s leaves holding consecutive slices of `flat` (the caller disposes them). */
export function flatToTree<P extends Params>(flat: Float32Array, like: P): P {
  const { leaves, treedef } = treeFlatten(like);
  const total = (leaves as tf.Tensor[]).reduce((a, l) => a + l.size, 0);
  if (flat.length !== total) invalidOption('flatToTree', 'flat.length', flat.length, `${total} (the parameter count)`);
  let offset = 0;
  const out = (leaves as tf.Tensor[]).map((l) => {
    const t = tf.tensor(flat.subarray(offset, offset + l.size), l.shape, 'float32');
    offset += l.size;
    return t;
  });
  return treeUnflatten(treedef, out) as P;
}

/** Writes `flat` into a tree of tf.Variables (treeFlatten order). */
export function assignFlat(variables: Params, flat: Float32Array): void {
  const leaves = treeFlatten(variables).leaves as tf.Variable[];
  let offset = 0;
  for (const v of leaves) {
    const t = tf.tensor(flat.subarray(offset, offset + v.size), v.shape, 'float32');
    v.assign(t);
    t.dispose();
    offset += v.size;
  }
}

/** Euclidean norm of a flat vector (float64 accumulation). */
export function flatNorm(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}
