/**
 * GRPO group-relative advantages (TRL `GRPOTrainer._generate_and_score_completions`).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkKnownOptions, checkNumber, checkOneOf, invalidOption } from '@descent/core';

/** How {@link groupAdvantages} scales the centred rewards (TRL `scale_rewards`). */
export type AdvantageScale = 'group' | 'batch' | 'none';

/** Options of {@link groupAdvantages}. */
export interface GroupAdvantagesOptions {
  /**
   * `'group'` (TRL default): divide by the std of the prompt's group; `'batch'` (Lite-PPO): by the std of the whole
   * batch; `'none'` (Dr. GRPO): no division. Default `'group'`.
   */
  scale?: AdvantageScale;
  /** ε added to the std before dividing. Default 1e-4 (TRL). */
  eps?: number;
}

const WHERE = 'groupAdvantages';

/**
 * Validates `groupSize` against a batch of `batch` rewards and returns the per-group sizes.
 * `groupSize` is either one size (every prompt has that many completions, consecutive) or a list
 * of sizes (variable budgets, e.g. from {@link knapsackBudgets}), each ≥ 1, summing to `batch`.
 */
export function resolveGroupSizes(where: string, groupSize: number | readonly number[], batch: number): number[] {
  if (typeof groupSize === 'number') {
    checkNumber(where, 'groupSize', groupSize, { min: 1, integer: true });
    if (batch % groupSize !== 0) invalidOption(where, 'groupSize', groupSize, `a divisor of the number of rewards (${batch})`);
    return new Array<number>(batch / groupSize).fill(groupSize);
  }
  if (!Array.isArray(groupSize) || groupSize.length === 0) {
    invalidOption(where, 'groupSize', groupSize, 'a positive integer or a non-empty array of positive integers');
  }
  let total = 0;
  groupSize.forEach((g, i) => {
    checkNumber(where, `groupSize[${i}]`, g, { min: 1, integer: true });
    total += g;
  });
  if (total !== batch) invalidOption(where, 'groupSize', groupSize, `sizes summing to the number of rewards (${batch})`);
  return [...groupSize];
}

/**
 * Group-relative advantages of GRPO, as TRL computes them (spec rl.md §3.1):
 *
 *   Â_i = (r_i − μ_g) / (σ + ε),   μ_g = mean of the rewards of the completions of i's prompt,
 *
 * with σ the Bessel-corrected (n − 1) std of the group (`scale: 'group'`, default), of the whole batch (`'batch'`,
 * Lite-PPO), or no division at all (`'none'`, Dr. GRPO: Â_i = r_i − μ_g). ε = 1e-4.
 *
 * `rewards` holds the completions prompt by prompt: the first `groupSize` belong to prompt 0, and so on.
 * `groupSize` may also be a list of sizes for variable per-prompt budgets (Knapsack RL); a group of one
 * completion has Â = 0 (its own mean), and with `'group'` its σ is taken as 0 rather than NaN.
 * A group whose rewards are all equal gets Â = 0 for every member — no gradient (TRL logs this as
 * `frac_reward_zero_std`; see {@link groupsWithSignal}).
 *
 * Reference: `trl/trainer/grpo_trainer.py` (f2cd577), `scale_rewards`; Shao et al. 2024 (DeepSeekMath) eq. (3);
 * Liu et al. 2025 (Dr. GRPO) for `'none'`; Liu et al. 2025 (Lite-PPO) for `'batch'`.
 *
 * @returns a new `[batch]` tensor owned by the caller.
 */
export function groupAdvantages(
  rewards: readonly number[] | tf.Tensor1D,
  groupSize: number | readonly number[],
  options: GroupAdvantagesOptions = {},
): tf.Tensor1D {
  checkKnownOptions(WHERE, options, ['scale', 'eps']);
  const scale = checkOneOf(WHERE, 'options.scale', options.scale ?? 'group', ['group', 'batch', 'none'] as const);
  const eps = checkNumber(WHERE, 'options.eps', options.eps ?? 1e-4, { min: 0 });
  let batch: number;
  if (rewards instanceof tf.Tensor) {
    if (rewards.rank !== 1) invalidOption(WHERE, 'rewards', `a rank-${rewards.rank} tensor`, 'a rank-1 tensor');
    batch = rewards.shape[0];
  } else {
    if (!Array.isArray(rewards)) invalidOption(WHERE, 'rewards', rewards, 'an array of numbers or a tf.Tensor1D');
    rewards.forEach((r, i) => checkNumber(WHERE, `rewards[${i}]`, r));
    batch = rewards.length;
  }
  if (batch === 0) invalidOption(WHERE, 'rewards', rewards, 'at least one reward');
  const sizes = resolveGroupSizes(WHERE, groupSize, batch);
  if (scale === 'batch' && batch < 2) invalidOption(WHERE, 'rewards', rewards, "at least 2 rewards with scale 'batch'");
  return tf.tidy(() => {
    const r = rewards instanceof tf.Tensor ? tf.cast(rewards, 'float32') : tf.tensor1d(rewards as number[], 'float32');
    const uniform = sizes.every((g) => g === sizes[0]);
    let centred: tf.Tensor1D;
    let groupStd: tf.Tensor1D | undefined;
    if (uniform) {
      const g = sizes[0];
      const m = tf.reshape(r, [sizes.length, g]);
      const mean = tf.mean(m, 1, true);
      const c = tf.sub(m, mean);
      centred = tf.reshape(c, [batch]);
      if (scale === 'group') {
        // Bessel: Σ(r − μ)²/(n − 1); a group of one has no spread (0 instead of torch's NaN).
        const variance = g > 1 ? tf.div(tf.sum(tf.square(c), 1, true), g - 1) : tf.zerosLike(mean);
        groupStd = tf.reshape(tf.tile(tf.sqrt(variance), [1, g]), [batch]);
      }
    } else {
      const ids: number[] = [];
      sizes.forEach((g, k) => {
        for (let j = 0; j < g; j++) ids.push(k);
      });
      const seg = tf.tensor1d(ids, 'int32');
      const counts = tf.tensor1d(sizes, 'float32');
      const mean = tf.div(tf.unsortedSegmentSum(r, seg, sizes.length), counts);
      centred = tf.sub(r, tf.gather(mean, seg)) as tf.Tensor1D;
      if (scale === 'group') {
        const denom = tf.tensor1d(sizes.map((g) => Math.max(g - 1, 1)), 'float32');
        const variance = tf.div(tf.unsortedSegmentSum(tf.square(centred), seg, sizes.length), denom);
        groupStd = tf.gather(tf.sqrt(variance), seg) as tf.Tensor1D;
      }
    }
    if (scale === 'none') return centred;
    if (scale === 'group') return tf.div(centred, tf.add(groupStd!, eps)) as tf.Tensor1D;
    const mu = tf.mean(r);
    const std = tf.sqrt(tf.div(tf.sum(tf.square(tf.sub(r, mu))), batch - 1));
    return tf.div(centred, tf.add(std, eps)) as tf.Tensor1D;
  });
}

/**
 * Which groups carry a learning signal: `true` where the group's rewards are not all equal (max − min > `tol`), i.e.
 * where GRPO's group advantage, and so the policy gradient, is non-zero. A plain-number utility for samplers and
 * diagnostics (dynamic sampling, the non-zero-gradient fraction of Knapsack RL). `tol` defaults to 0: exact
 * comparison is right for binary accuracies; pass a small tolerance for shaped float rewards (OpenRLHF#1270).
 */
export function groupsWithSignal(rewards: readonly number[], groupSize: number | readonly number[], tol = 0): boolean[] {
  const where = 'groupsWithSignal';
  rewards.forEach((r, i) => checkNumber(where, `rewards[${i}]`, r));
  checkNumber(where, 'tol', tol, { min: 0 });
  const sizes = resolveGroupSizes(where, groupSize, rewards.length);
  const out: boolean[] = [];
  let at = 0;
  for (const g of sizes) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = at; j < at + g; j++) {
      lo = Math.min(lo, rewards[j]);
      hi = Math.max(hi, rewards[j]);
    }
    out.push(hi - lo > tol);
    at += g;
  }
  return out;
}
