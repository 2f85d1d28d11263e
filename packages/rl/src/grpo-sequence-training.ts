/**
 * The GRPO family end to end on a sequence task: supervised warm-up, then GRPO with optional Knapsack-RL budgets,
 * the GAIN-RL curriculum sampler, or the COPO objective — the proof that the tensor-level pieces train a policy.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type Key,
  type Params,
  Optimizer,
  chain,
  checkKnownOptions,
  checkNumber,
  checkOneOf,
  foldIn,
  key,
  permutation,
  treeDispose,
  uniformValues,
  valueAndGrad,
} from '@descent/core';
import { adam, clipByGlobalNorm } from '@descent/optim';
import type { AdditionProblem, AdditionTask } from './addition-task.js';
import { copoAdvantages, copoLoss } from './copo.js';
import { GainRlSampler, angleConcentration, sortByAngle } from './gain-rl.js';
import { groupAdvantages, groupsWithSignal } from './group-advantages.js';
import { type GruPolicyParams, completionLogProbs, sampleCompletions } from './gru-policy.js';
import { knapsackBudgets } from './knapsack-budgets.js';
import { type PolicyLossType, policyLoss } from './policy-loss.js';
import { SuccessRateTracker } from './success-rate-tracker.js';

/** Greedy-decoding accuracy of the policy on the given problem indices. */
export function evaluateAccuracy(task: AdditionTask, params: GruPolicyParams, problems: readonly number[]): number {
  if (problems.length === 0) return 0;
  const ps = problems.map((i) => task.problem(i));
  const out = sampleCompletions(params, ps.map((p) => task.prompt(p)), task.completionLength, key(0), { greedy: true });
  return ps.reduce((s, p, i) => s + task.reward(p, out.tokens[i]), 0) / ps.length;
}

/** Options of {@link supervisedWarmup}. */
export interface SupervisedWarmupOptions {
  /** Problem indices to draw training examples from. */
  problems: readonly number[];
  /** Gradient steps. */
  steps: number;
  /** Examples per step. Default 64. */
  batchSize?: number;
  /** Adam learning rate. Default 1e-2. */
  learningRate?: number;
  /** PRNG seed of the batches. Default 0. */
  seed?: number;
}

/**
 * Teacher-forced maximum likelihood on correct answers (the "SFT" warm start before RL): minimises
 * −mean log π(answer | prompt) with Adam. Trains `params` (tf.Variables) in place; returns the loss per step.
 */
export function supervisedWarmup(task: AdditionTask, params: GruPolicyParams, options: SupervisedWarmupOptions): number[] {
  const where = 'supervisedWarmup';
  checkKnownOptions(where, options, ['problems', 'steps', 'batchSize', 'learningRate', 'seed']);
  const steps = checkNumber(where, 'options.steps', options.steps, { min: 0, integer: true });
  const batch = checkNumber(where, 'options.batchSize', options.batchSize ?? 64, { min: 1, integer: true });
  const lr = checkNumber(where, 'options.learningRate', options.learningRate ?? 1e-2, { greaterThan: 0 });
  const seed = checkNumber(where, 'options.seed', options.seed ?? 0, { min: 0, integer: true });
  const pool = options.problems;
  const opt = new Optimizer(chain(clipByGlobalNorm(1), adam({ learningRate: lr })), params as unknown as Params as never);
  const losses: number[] = [];
  const f = (ps: AdditionProblem[]) =>
    valueAndGrad((p: Params) => {
      const lp = completionLogProbs(p as unknown as GruPolicyParams, ps.map((x) => task.prompt(x)), ps.map((x) => task.answer(x)));
      return tf.neg(tf.mean(lp)) as tf.Scalar;
    });
  for (let s = 0; s < steps; s++) {
    const u = uniformValues(foldIn(key(seed), s), batch);
    const ps = Array.from(u, (x) => task.problem(pool[Math.min(pool.length - 1, Math.floor(x * pool.length))]));
    const { value, grads } = f(ps)(params as unknown as Params);
    losses.push(value.dataSync()[0]);
    opt.step(grads);
    value.dispose();
    treeDispose(grads);
  }
  opt.dispose();
  return losses;
}

/** Options of {@link trainGrpoSequence}. */
export interface GrpoSequenceOptions {
  /** Training prompts (problem indices) and held-out test problems for greedy accuracy. */
  train: readonly number[];
  test: readonly number[];
  /** Training steps (one batch of prompts and rollouts each, then `iterations` gradient steps). */
  steps: number;
  /** Prompts per step. Default 16. */
  promptsPerStep?: number;
  /** G: rollouts per prompt under uniform allocation; the per-step budget is promptsPerStep × G. Default 8. */
  rolloutsPerPrompt?: number;
  /** `'uniform'` (G each) or `'knapsack'` (Knapsack-RL budgets from last epoch's success rates). Default uniform. */
  allocation?: 'uniform' | 'knapsack';
  /** Knapsack bounds N_low, N_up. Defaults 2 and 4·G. */
  minBudget?: number;
  maxBudget?: number;
  /** `'epoch'` (shuffled passes over `train`) or `'gain-rl'` (angle-sorted Gaussian curriculum). Default epoch. */
  sampler?: 'epoch' | 'gain-rl';
  /** GAIN-RL: prompts drawn per sampler loop (μ updated after each). Default train.length / 2. The reference σ = 1000, n = 500, adj_max = 1000 (for ~10⁴ examples) are scaled to σ = M/8, n = M/16, adj_max = M/8 for M train prompts. */
  gainRlLoopPrompts?: number;
  /** `'grpo'` (policyLoss) or `'copo'` (copoLoss, soft-with-zero, k 5, b 1). Default grpo. */
  objective?: 'grpo' | 'copo';
  /** policyLoss type. Default `'dapo'`. */
  lossType?: PolicyLossType;
  /** Clip range. Defaults 0.2 / 0.28 (DAPO clip-higher). */
  epsLow?: number;
  epsHigh?: number;
  /**
   * μ: gradient steps per batch of rollouts (TRL `num_iterations`). With μ > 1 the later steps are off-policy, so the
   * importance ratio and its clipping act. Default 1.
   */
  iterations?: number;
  /** Adam learning rate (with global-norm clipping at 1). Default 3e-3. */
  learningRate?: number;
  /** Evaluate greedy test accuracy every this many steps (and at 0 and the end). Default 10. */
  evalEvery?: number;
  /** PRNG seed of prompt order and sampling. Default 0. */
  seed?: number;
}

/** One step of {@link trainGrpoSequence}. */
export interface GrpoSequenceStep {
  step: number;
  /** Mean reward (accuracy) of the sampled rollouts. */
  reward: number;
  /** Fraction of prompt groups whose rewards differ (non-zero GRPO gradient). */
  groupSignalFraction: number;
  /** Fraction of rollouts that belong to such groups (the Knapsack paper's effective-gradient ratio). */
  rolloutSignalFraction: number;
  /** Rollouts per prompt used this step. */
  budgets: number[];
}

/** The result of {@link trainGrpoSequence}. */
export interface GrpoSequenceResult {
  steps: GrpoSequenceStep[];
  /** Greedy test accuracy curve. */
  accuracy: { step: number; accuracy: number }[];
  /** Means over all steps. */
  meanGroupSignalFraction: number;
  meanRolloutSignalFraction: number;
  /** GAIN-RL's μ after each loop (empty otherwise). */
  gainRlMu: number[];
}

/**
 * GRPO on the built-in {@link AdditionTask} (trains `params` in place): each step takes `promptsPerStep` prompts
 * (shuffled epochs, or the GAIN-RL sampler), gives each G rollouts (or Knapsack-RL budgets with the same total,
 * from a {@link SuccessRateTracker} of the previous epoch: unseen prompts 0.5, so the first epoch is uniform), scores
 * them exactly (reward 1 for the right sum), computes group advantages (variable group sizes allowed) and takes
 * `iterations` Adam steps on {@link policyLoss} (or {@link copoLoss} with COPO's consistency-based global advantages).
 * Records the fraction of groups / rollouts with a non-zero gradient and the greedy test accuracy.
 */
export function trainGrpoSequence(task: AdditionTask, params: GruPolicyParams, options: GrpoSequenceOptions): GrpoSequenceResult {
  const where = 'trainGrpoSequence';
  checkKnownOptions(where, options, [
    'train', 'test', 'steps', 'promptsPerStep', 'rolloutsPerPrompt', 'allocation', 'minBudget', 'maxBudget', 'sampler',
    'gainRlLoopPrompts', 'objective', 'lossType', 'epsLow', 'epsHigh', 'iterations', 'learningRate', 'evalEvery', 'seed',
  ]);
  const train = options.train;
  const steps = checkNumber(where, 'options.steps', options.steps, { min: 0, integer: true });
  const P = checkNumber(where, 'options.promptsPerStep', options.promptsPerStep ?? 16, { min: 1, max: train.length, integer: true });
  const G = checkNumber(where, 'options.rolloutsPerPrompt', options.rolloutsPerPrompt ?? 8, { min: 2, integer: true });
  const allocation = checkOneOf(where, 'options.allocation', options.allocation ?? 'uniform', ['uniform', 'knapsack'] as const);
  const minBudget = checkNumber(where, 'options.minBudget', options.minBudget ?? 2, { min: 1, max: G, integer: true });
  const maxBudget = checkNumber(where, 'options.maxBudget', options.maxBudget ?? 4 * G, { min: G, integer: true });
  const sampler = checkOneOf(where, 'options.sampler', options.sampler ?? 'epoch', ['epoch', 'gain-rl'] as const);
  const loopPrompts = checkNumber(where, 'options.gainRlLoopPrompts', options.gainRlLoopPrompts ?? Math.max(P, Math.floor(train.length / 2)), {
    min: P,
    max: train.length,
    integer: true,
  });
  const objective = checkOneOf(where, 'options.objective', options.objective ?? 'grpo', ['grpo', 'copo'] as const);
  const lossType = options.lossType ?? 'dapo';
  const epsLow = checkNumber(where, 'options.epsLow', options.epsLow ?? 0.2, { min: 0 });
  const epsHigh = checkNumber(where, 'options.epsHigh', options.epsHigh ?? 0.28, { min: 0 });
  const lr = checkNumber(where, 'options.learningRate', options.learningRate ?? 3e-3, { greaterThan: 0 });
  const iterations = checkNumber(where, 'options.iterations', options.iterations ?? 1, { min: 1, integer: true });
  const evalEvery = checkNumber(where, 'options.evalEvery', options.evalEvery ?? 10, { min: 1, integer: true });
  const seed = checkNumber(where, 'options.seed', options.seed ?? 0, { min: 0, integer: true });
  const root = key(seed);
  const opt = new Optimizer(chain(clipByGlobalNorm(1), adam({ learningRate: lr })), params as unknown as Params as never);
  const tracker = new SuccessRateTracker();

  // Prompt order: shuffled epochs, or GAIN-RL loops over the angle-sorted list.
  const queue: number[] = [];
  let epoch = 0;
  let gain: GainRlSampler | undefined;
  let loopAcc: number[] = [];
  let loopAngle: number[] = [];
  const gainRlMu: number[] = [];
  if (sampler === 'gain-rl') {
    // Offline score: angle concentration of the prompt's hidden states (prefill), highest first.
    const prompts = train.map((i) => task.prompt(task.problem(i)));
    const pre = sampleCompletions(params, prompts, 1, key(0), { greedy: true, hidden: true });
    const scores = angleConcentration(pre.hidden!);
    const order = sortByAngle(Array.from(scores.dataSync())).map((r) => train[r]);
    scores.dispose();
    pre.hidden!.dispose();
    // The reference's σ = 1000, n = 500, adj_max = 1000 are for ~10⁴ examples; scale them with the list length.
    const M = train.length;
    gain = new GainRlSampler({ order, sigma: M / 8, n: M / 16, adjMax: M / 8, maxAccuracy: 1 });
  }
  const nextPrompts = (): number[] => {
    while (queue.length < P) {
      if (gain) {
        if (loopAcc.length > 0) {
          gain.update(loopAcc, loopAngle);
          gainRlMu.push(gain.mu);
          loopAcc = [];
          loopAngle = [];
        }
        queue.push(...gain.sample(foldIn(foldIn(root, 1), epoch), loopPrompts));
      } else {
        const perm = permutation(foldIn(foldIn(root, 2), epoch), train.length);
        queue.push(...Array.from(perm, (j) => train[j]));
      }
      epoch += 1;
    }
    return queue.splice(0, P);
  };

  const history: GrpoSequenceStep[] = [];
  const accuracy: { step: number; accuracy: number }[] = [{ step: 0, accuracy: evaluateAccuracy(task, params, options.test) }];
  for (let s = 0; s < steps; s++) {
    const ids = nextPrompts();
    const budgets =
      allocation === 'knapsack'
        ? knapsackBudgets({ successRates: tracker.rates(ids), totalBudget: P * G, minBudget, maxBudget })
        : new Array<number>(P).fill(G);
    const problems: AdditionProblem[] = [];
    ids.forEach((id, i) => {
      for (let j = 0; j < budgets[i]; j++) problems.push(task.problem(id));
    });
    const prompts = problems.map((p) => task.prompt(p));
    const stepKey: Key = foldIn(foldIn(root, 3), s);
    const roll = sampleCompletions(params, prompts, task.completionLength, stepKey, { hidden: gain !== undefined });
    const rewards = problems.map((p, i) => task.reward(p, roll.tokens[i]));
    let at = 0;
    ids.forEach((id, i) => {
      tracker.record(id, rewards.slice(at, at + budgets[i]));
      at += budgets[i];
    });
    if (gain) {
      const angles = angleConcentration(roll.hidden!);
      loopAngle.push(...Array.from(angles.dataSync()));
      angles.dispose();
      roll.hidden!.dispose();
      loopAcc.push(...rewards);
    }
    const signal = groupsWithSignal(rewards, budgets);
    const rolloutsWithSignal = budgets.reduce((a, g, i) => a + (signal[i] ? g : 0), 0);
    history.push({
      step: s + 1,
      reward: rewards.reduce((a, b) => a + b, 0) / rewards.length,
      groupSignalFraction: signal.filter(Boolean).length / P,
      rolloutSignalFraction: rolloutsWithSignal / rewards.length,
      budgets,
    });

    const oldLogp = tf.tensor2d(roll.logp);
    const mask = tf.onesLike(oldLogp);
    const completions = roll.tokens;
    let lossFn: (p: Params) => tf.Scalar;
    let extra: tf.Tensor[] = [];
    if (objective === 'copo') {
      const answers = completions.map((c) => c.join(''));
      const adv = copoAdvantages(rewards, answers, budgets);
      extra = [adv.local, adv.global];
      lossFn = (p) =>
        copoLoss({
          logp: completionLogProbs(p as unknown as GruPolicyParams, prompts, completions),
          oldLogp,
          mask,
          localAdvantages: adv.local,
          globalAdvantages: adv.global,
          entropy: adv.entropy,
          rewards,
          epsLow,
          epsHigh,
        }).loss;
    } else {
      const advantages = groupAdvantages(rewards, budgets);
      extra = [advantages];
      lossFn = (p) =>
        policyLoss({
          logp: completionLogProbs(p as unknown as GruPolicyParams, prompts, completions),
          oldLogp,
          advantages,
          mask,
          lossType,
          epsLow,
          epsHigh,
          diagnostics: false,
        }).loss;
    }
    for (let it = 0; it < iterations; it++) {
      const { value, grads } = valueAndGrad(lossFn)(params as unknown as Params);
      opt.step(grads);
      value.dispose();
      treeDispose(grads);
    }
    for (const t of [oldLogp, mask, ...extra]) t.dispose();
    if ((s + 1) % evalEvery === 0 || s === steps - 1) {
      accuracy.push({ step: s + 1, accuracy: evaluateAccuracy(task, params, options.test) });
    }
  }
  opt.dispose();
  const mean = (xs: number[]) => (xs.length === 0 ? 0 : xs.reduce((a, b) => a + b, 0) / xs.length);
  return {
    steps: history,
    accuracy,
    meanGroupSignalFraction: mean(history.map((h) => h.groupSignalFraction)),
    meanRolloutSignalFraction: mean(history.map((h) => h.rolloutSignalFraction)),
    gainRlMu,
  };
}
