/**
 * COPO — Consistency-Aware Policy Optimization (Han et al. 2025, arXiv 2508.04138; code hijih/copo-code, verl fork).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkKnownOptions, checkNumber, checkOneOf, invalidOption } from '@descent/core';
import { resolveGroupSizes } from './group-advantages.js';

/** An extracted final answer; `null`/`undefined` (nothing extracted) counts as one answer of its own. */
export type ExtractedAnswer = string | number | null | undefined;

/** Options of {@link consistencyReward}. */
export interface ConsistencyRewardOptions {
  /**
   * λ of the consistency coefficient 1 − λ·H. Default (1 − 1/N)/log2(N) (COPO), which maps H ∈ [0, log2 N] onto
   * [1/N, 1]; `lambda: 0` gives the plain group accuracy (the released `run_copo.sh`, `reward_coef_flg=false`).
   */
  lambda?: number;
}

/** The result of {@link consistencyRewardDetails}. */
export interface ConsistencyReward {
  /** g = accuracy · (1 − λ·H): the prompt's global (consistency) reward. */
  reward: number;
  /** (1/N) Σ r_i. */
  accuracy: number;
  /** H = −Σ_a p_a log2(p_a + 1e-8): entropy in bits of the empirical distribution of extracted answers. */
  entropy: number;
  /** 1 − λ·H. */
  coefficient: number;
}

/**
 * COPO's global reward g of one prompt from its N rollouts (spec rl.md §4.1, `compute_score_global`):
 *
 *   acc = (1/N) Σ r_i,   H = −Σ_a p_a·log2(p_a + 1e-8)  over the distinct extracted answers a,
 *   g = acc · (1 − λ·H),  λ = (1 − 1/N)/log2 N by default.
 *
 * Answers are compared as raw values (COPO's sympy canonicalisation is commented out in the reference).
 */
export function consistencyReward(
  rewards: readonly number[],
  answers: readonly ExtractedAnswer[],
  options: ConsistencyRewardOptions = {},
): number {
  return consistencyRewardDetails(rewards, answers, options, 'consistencyReward').reward;
}

/**
 * {@link consistencyReward} with its parts: the reward g, the accuracy, the answer entropy H (bits) and the
 * coefficient 1 − λ·H.
 */
export function consistencyRewardDetails(
  rewards: readonly number[],
  answers: readonly ExtractedAnswer[],
  options: ConsistencyRewardOptions = {},
  where = 'consistencyRewardDetails',
): ConsistencyReward {
  checkKnownOptions(where, options, ['lambda']);
  if (!Array.isArray(rewards) || rewards.length === 0) invalidOption(where, 'rewards', rewards, 'a non-empty array of numbers');
  rewards.forEach((r, i) => checkNumber(where, `rewards[${i}]`, r));
  if (!Array.isArray(answers) || answers.length !== rewards.length) {
    invalidOption(where, 'answers', answers, `${rewards.length} extracted answers, one per rollout`);
  }
  const N = rewards.length;
  const lambda = checkNumber(where, 'options.lambda', options.lambda ?? (N > 1 ? (1 - 1 / N) / Math.log2(N) : 0), { min: 0 });
  const counts = new Map<string, number>();
  for (const a of answers) {
    const keyOf = a === null || a === undefined ? '\u2205' : `${typeof a}:${String(a)}`;
    counts.set(keyOf, (counts.get(keyOf) ?? 0) + 1);
  }
  let entropy = 0;
  for (const c of counts.values()) {
    const p = c / N;
    entropy -= p * Math.log2(p + 1e-8);
  }
  const accuracy = rewards.reduce((a, b) => a + b, 0) / N;
  const coefficient = 1 - lambda * entropy;
  return { reward: accuracy * coefficient, accuracy, entropy, coefficient };
}

/** Options of {@link copoAdvantages}. */
export interface CopoAdvantagesOptions extends ConsistencyRewardOptions {
  /** ε added to the stds. Default 1e-6 (verl `epsilon`). */
  eps?: number;
}

/** The result of {@link copoAdvantages}. */
export interface CopoAdvantages {
  /** Â_i: group-relative (local) advantage per rollout, `[batch]`. */
  local: tf.Tensor1D;
  /** Ĝ_i: the z-score of its prompt's global reward across the prompts of the batch, per rollout, `[batch]`. */
  global: tf.Tensor1D;
  /** Answer entropy H (bits) of each rollout's prompt, per rollout (feeds {@link copoBlendWeight}). */
  entropy: number[];
  /** One {@link consistencyRewardDetails} per prompt. */
  prompts: ConsistencyReward[];
}

function meanStdUnbiased(xs: readonly number[]): [number, number] {
  const mu = xs.reduce((a, b) => a + b, 0) / xs.length;
  if (xs.length < 2) return [mu, 0];
  return [mu, Math.sqrt(xs.reduce((a, b) => a + (b - mu) ** 2, 0) / (xs.length - 1))];
}

/**
 * COPO's two advantages for a batch of prompt groups (spec rl.md §4.2, `compute_grpo_outcome_advantage_with_global`):
 *
 *   local  Â_i = (r_i − mean_group r) / (std_group r + ε)          (unbiased std; a group of one: mean 0, std 1, as verl)
 *   global Ĝ_i = (g_p − mean_batch g) / (std_batch g + ε)          (z-score across prompts, g from {@link consistencyReward})
 *
 * `rewards`/`answers` hold rollouts prompt by prompt; `groupSize` is one size or a list (variable budgets). With a
 * single prompt the batch std is taken as 0 (so Ĝ = 0) instead of torch's NaN.
 */
export function copoAdvantages(
  rewards: readonly number[],
  answers: readonly ExtractedAnswer[],
  groupSize: number | readonly number[],
  options: CopoAdvantagesOptions = {},
): CopoAdvantages {
  const where = 'copoAdvantages';
  checkKnownOptions(where, options, ['lambda', 'eps']);
  const eps = checkNumber(where, 'options.eps', options.eps ?? 1e-6, { min: 0 });
  if (!Array.isArray(rewards) || rewards.length === 0) invalidOption(where, 'rewards', rewards, 'a non-empty array of numbers');
  if (!Array.isArray(answers) || answers.length !== rewards.length) invalidOption(where, 'answers', answers, `${rewards.length} answers`);
  const sizes = resolveGroupSizes(where, groupSize, rewards.length);
  const local: number[] = [];
  const entropy: number[] = [];
  const prompts: ConsistencyReward[] = [];
  let at = 0;
  for (const g of sizes) {
    const r = rewards.slice(at, at + g);
    const c = consistencyRewardDetails(r, answers.slice(at, at + g), options.lambda === undefined ? {} : { lambda: options.lambda }, where);
    prompts.push(c);
    const [mu, sd] = g === 1 ? [0, 1] : meanStdUnbiased(r);
    for (const x of r) {
      local.push((x - mu) / (sd + eps));
      entropy.push(c.entropy);
    }
    at += g;
  }
  const [gMu, gSd] = meanStdUnbiased(prompts.map((p) => p.reward));
  const global: number[] = [];
  sizes.forEach((g, k) => {
    const z = (prompts[k].reward - gMu) / (gSd + eps);
    for (let j = 0; j < g; j++) global.push(z);
  });
  return { local: tf.tensor1d(local, 'float32'), global: tf.tensor1d(global, 'float32'), entropy, prompts };
}

/** Options of {@link copoBlendWeight}. */
export interface CopoBlendOptions {
  /** k: sharpness. Default 5 (`run_copo.sh`; the config default is 1). */
  k?: number;
  /** b: entropy (bits) at which local and global weigh equally. Default 1. */
  b?: number;
}

/**
 * COPO's entropy-based soft blend weight on the LOCAL loss: w = σ(k·(H − b)). High answer entropy (the group
 * disagrees) → local GRPO signal; low entropy (consistent group, often all-equal rewards) → global signal.
 */
export function copoBlendWeight(entropy: number, options: CopoBlendOptions = {}): number {
  checkKnownOptions('copoBlendWeight', options, ['k', 'b']);
  checkNumber('copoBlendWeight', 'entropy', entropy, { min: 0 });
  const k = checkNumber('copoBlendWeight', 'options.k', options.k ?? 5);
  const b = checkNumber('copoBlendWeight', 'options.b', options.b ?? 1);
  return 1 / (1 + Math.exp(-k * (entropy - b)));
}

/** COPO's `global_flg` variants (spec rl.md §4.3). */
export type CopoVariant =
  | 'no-global'
  | 'only-global'
  | 'only-soft'
  | 'soft-with-forced'
  | 'soft-with-zero'
  | 'only-forced'
  | 'only-zero';

/** verl's `loss_agg_mode`. */
export type LossAggregation = 'token-mean' | 'seq-mean-token-sum' | 'seq-mean-token-mean';

/** Inputs and options of {@link copoLoss}. */
export interface CopoLossInput {
  /** log π_θ, `[batch, tokens]`. */
  logp: tf.Tensor;
  /** log π_old, `[batch, tokens]`. */
  oldLogp: tf.Tensor;
  /** Response mask, `[batch, tokens]`. */
  mask: tf.Tensor;
  /** Â per rollout, `[batch]` ({@link copoAdvantages} `.local`). */
  localAdvantages: tf.Tensor;
  /** Ĝ per rollout, `[batch]` ({@link copoAdvantages} `.global`). */
  globalAdvantages: tf.Tensor;
  /** Answer entropy H of each rollout's prompt, `[batch]` ({@link copoAdvantages} `.entropy`). */
  entropy: readonly number[];
  /** Rollout rewards r_i, `[batch]`; needed by the `*-zero` variants. */
  rewards?: readonly number[];
  /** Default `'soft-with-zero'` (`run_copo.sh`). */
  variant?: CopoVariant;
  /** Blend sharpness k and centre b of w = σ(k(H − b)). Defaults 5 and 1 (`run_copo.sh`). */
  k?: number;
  b?: number;
  /** Clip range: ratio clipped to [1 − ε_low, 1 + ε_high]. Defaults 0.2 / 0.2. */
  epsLow?: number;
  epsHigh?: number;
  /** Dual-clip constant c (> 1): for A < 0 the loss is capped at −A·c. Default 3 (verl `clip_ratio_c`). */
  clipRatioC?: number;
  /** Default `'seq-mean-token-mean'` (`run_copo.sh`). */
  aggregation?: LossAggregation;
}

/** The result of {@link copoLoss}. */
export interface CopoLossOutput {
  loss: tf.Scalar;
  /** Mean blend weight on the local loss over the batch (a plain number). */
  localWeightMean: number;
}

/** verl dual-clip PPO per-token loss (compute_policy_loss): max(−A r, −A clip(r)), capped at −A c when A < 0. */
function dualClip(ratio: tf.Tensor, adv: tf.Tensor, epsLow: number, epsHigh: number, c: number): tf.Tensor {
  const l1 = tf.neg(tf.mul(adv, ratio));
  const l2 = tf.neg(tf.mul(adv, tf.clipByValue(ratio, 1 - epsLow, 1 + epsHigh)));
  const clipped = tf.maximum(l1, l2);
  const capped = tf.minimum(clipped, tf.mul(tf.neg(adv), c));
  return tf.where(tf.less(tf.broadcastTo(adv, ratio.shape), 0), capped, clipped);
}

/** verl `agg_loss` (with max(1, ·) token counts so all-masked rows give 0, not NaN). */
export function aggregateLoss(perToken: tf.Tensor, mask: tf.Tensor, mode: LossAggregation): tf.Scalar {
  return tf.tidy(() => {
    const masked = tf.mul(perToken, mask);
    if (mode === 'token-mean') return tf.div(tf.sum(masked), tf.maximum(tf.sum(mask), 1)) as tf.Scalar;
    const rows = tf.sum(masked, 1);
    if (mode === 'seq-mean-token-sum') return tf.mean(rows) as tf.Scalar;
    return tf.mean(tf.div(rows, tf.maximum(tf.sum(mask, 1), 1))) as tf.Scalar;
  });
}

/**
 * COPO's loss (spec rl.md §4.3, `compute_policy_loss_with_global`): two verl dual-clip PPO losses with the same
 * ratio r_t = exp(logπ_θ − logπ_old) (log-ratio clamped to ±20 as verl), one on the local advantage Â and one on
 * the global advantage Ĝ, blended per rollout:
 *
 *   ℓ_t = (1 − w_i)·ℓ^{Ĝ}_t + w_i·ℓ^{Â}_t,   w_i = σ(k(H_i − b))
 *
 * with the `variant` rules: `'no-global'` w = 1; `'only-global'` w = 0; `'only-soft'` w as above;
 * `'soft-with-forced'` w·1[Â_i ≠ 0]; `'soft-with-zero'` w·1[r_i ≠ 0] (default; wrong answers learn from the global
 * signal only); `'only-forced'` 1[Â_i ≠ 0]; `'only-zero'` 1[r_i ≠ 0]. Aggregated with verl's `loss_agg_mode`.
 * Dual-clip: ℓ^A = max(−A r, −A clip(r, 1 − ε_low, 1 + ε_high)), and for A < 0, min(ℓ^A, −A·c).
 * The `*-forced` variants read Â on the host (synchronously: CPU backend); the others need no read-back.
 */
export function copoLoss(input: CopoLossInput): CopoLossOutput {
  const where = 'copoLoss';
  if (input === null || typeof input !== 'object') invalidOption(where, 'input', input, 'an object');
  checkKnownOptions(where, input, [
    'logp', 'oldLogp', 'mask', 'localAdvantages', 'globalAdvantages', 'entropy', 'rewards', 'variant', 'k', 'b',
    'epsLow', 'epsHigh', 'clipRatioC', 'aggregation',
  ]);
  const variant = checkOneOf(where, 'variant', input.variant ?? 'soft-with-zero', [
    'no-global', 'only-global', 'only-soft', 'soft-with-forced', 'soft-with-zero', 'only-forced', 'only-zero',
  ] as const);
  const aggregation = checkOneOf(where, 'aggregation', input.aggregation ?? 'seq-mean-token-mean', [
    'token-mean', 'seq-mean-token-sum', 'seq-mean-token-mean',
  ] as const);
  const epsLow = checkNumber(where, 'epsLow', input.epsLow ?? 0.2, { min: 0 });
  const epsHigh = checkNumber(where, 'epsHigh', input.epsHigh ?? 0.2, { min: 0 });
  const c = checkNumber(where, 'clipRatioC', input.clipRatioC ?? 3, { greaterThan: 1 });
  const k = checkNumber(where, 'k', input.k ?? 5);
  const b = checkNumber(where, 'b', input.b ?? 1);
  for (const name of ['logp', 'oldLogp', 'mask'] as const) {
    const t = input[name];
    if (!(t instanceof tf.Tensor) || t.rank !== 2) invalidOption(where, name, t, 'a [batch, tokens] tensor');
  }
  const [B, T] = input.logp.shape;
  for (const name of ['oldLogp', 'mask'] as const) {
    if (input[name].shape[0] !== B || input[name].shape[1] !== T) invalidOption(where, name, `shape [${input[name].shape}]`, `[${B},${T}]`);
  }
  for (const name of ['localAdvantages', 'globalAdvantages'] as const) {
    const t = input[name];
    if (!(t instanceof tf.Tensor) || t.rank !== 1 || t.shape[0] !== B) invalidOption(where, name, t, `a [${B}] tensor`);
  }
  if (!Array.isArray(input.entropy) || input.entropy.length !== B) invalidOption(where, 'entropy', input.entropy, `${B} entropies`);
  const needsRewards = variant === 'soft-with-zero' || variant === 'only-zero';
  if (needsRewards && (!Array.isArray(input.rewards) || input.rewards.length !== B)) {
    invalidOption(where, 'rewards', input.rewards, `${B} rewards (variant '${variant}')`);
  }
  const needsLocalNonZero = variant === 'soft-with-forced' || variant === 'only-forced';
  // Â ≠ 0 needs the advantage values on the host; RL runs on CPU (sync reads are fine there).
  const localValues = needsLocalNonZero ? input.localAdvantages.dataSync() : undefined;
  const w = input.entropy.map((h, i) => {
    const soft = 1 / (1 + Math.exp(-k * (h - b)));
    const nonZeroA = localValues ? localValues[i] !== 0 : true;
    const nonZeroR = needsRewards ? input.rewards![i] !== 0 : true;
    switch (variant) {
      case 'no-global':
        return 1;
      case 'only-global':
        return 0;
      case 'only-soft':
        return soft;
      case 'soft-with-forced':
        return nonZeroA ? soft : 0;
      case 'soft-with-zero':
        return nonZeroR ? soft : 0;
      case 'only-forced':
        return nonZeroA ? 1 : 0;
      default:
        return nonZeroR ? 1 : 0;
    }
  });
  const loss = tf.tidy(() => {
    const valid = tf.greater(input.mask, 0);
    const m = tf.cast(valid, 'float32');
    const zeros = tf.zerosLike(m);
    const lp = tf.where(valid, tf.cast(input.logp, 'float32'), zeros);
    const old = tf.where(valid, tf.cast(input.oldLogp, 'float32'), zeros);
    const ratio = tf.exp(tf.clipByValue(tf.sub(lp, old), -20, 20));
    const aLoc = tf.expandDims(tf.cast(input.localAdvantages, 'float32'), 1);
    const aGlob = tf.expandDims(tf.cast(input.globalAdvantages, 'float32'), 1);
    const wt = tf.tensor2d(w, [B, 1], 'float32');
    const lLoc = dualClip(ratio, aLoc, epsLow, epsHigh, c);
    const lGlob = dualClip(ratio, aGlob, epsLow, epsHigh, c);
    const perToken = tf.add(tf.mul(tf.sub(1, wt), lGlob), tf.mul(wt, lLoc));
    return aggregateLoss(perToken, m, aggregation);
  });
  return { loss, localWeightMean: w.reduce((a, x) => a + x, 0) / B };
}
