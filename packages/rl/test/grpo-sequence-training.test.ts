/**
 * End-to-end smoke test of the GRPO family on the built-in task (the full run with README numbers is
 * packages/rl/accept/grpo-e2e.mjs): a tiny GRU policy, briefly supervised-warmed on 1-digit addition, then trained
 * with GRPO on 0/1 rewards only must clearly improve its greedy accuracy; every variant (Knapsack budgets, GAIN-RL
 * sampler, COPO) runs with flat tensor counts and the same rollout budget.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureGradients, key, treeDispose } from '@descent/core';
import { additionTask, evaluateAccuracy, initGruPolicy, supervisedWarmup, trainGrpoSequence } from '@descent/rl';

beforeAll(async () => {
  await ensureGradients();
});

const task = additionTask({ digits: 1 });
const SFT_STEPS = 15;
const RL_STEPS = 20;
const MARGIN = 0.2;

describe('trainGrpoSequence (smoke)', () => {
  it('GRPO raises the accuracy of a warm-started policy from rewards alone', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('RL loops run on the CPU backend (sync reads while sampling)');
    // 10 prompts; a short supervised pass on them, stopped early (accuracy 0.1), then GRPO (μ = 2) from rewards only
    const params = initGruPolicy(key(0), { vocabSize: task.vocabSize, outputSize: task.outputSize, hiddenDim: 16 });
    const train = task.split(key(1), 10, 0).train;
    supervisedWarmup(task, params, { problems: train, steps: SFT_STEPS, batchSize: 32, learningRate: 1e-2 });
    const before = tf.memory().numTensors;
    const r = trainGrpoSequence(task, params, {
      train,
      test: train,
      steps: RL_STEPS,
      promptsPerStep: 5,
      rolloutsPerPrompt: 8,
      learningRate: 1e-2,
      iterations: 2,
      evalEvery: RL_STEPS,
    });
    expect(tf.memory().numTensors).toBe(before);
    const start = r.accuracy[0].accuracy;
    const end = r.accuracy.at(-1)!.accuracy;
    expect(end).toBeGreaterThanOrEqual(start + MARGIN);
    expect(r.steps).toHaveLength(RL_STEPS);
    expect(r.steps.every((s) => s.budgets.reduce((a, b) => a + b, 0) === 40)).toBe(true);
    // measured (seed 0): 0.1 → 0.5
    treeDispose(params);
  });

  it('Knapsack, GAIN-RL and COPO variants keep the budget and the tensor count', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('RL loops run on the CPU backend (sync reads while sampling)');
    const params = initGruPolicy(key(2), { vocabSize: task.vocabSize, outputSize: task.outputSize, hiddenDim: 8, numLayers: 1 });
    const train = task.split(key(3), 8, 0).train;
    for (const variant of [{ allocation: 'knapsack' as const }, { sampler: 'gain-rl' as const }, { objective: 'copo' as const }]) {
      const before = tf.memory().numTensors;
      const r = trainGrpoSequence(task, params, { train, test: train, steps: 3, promptsPerStep: 4, rolloutsPerPrompt: 4, evalEvery: 3, ...variant });
      expect(tf.memory().numTensors).toBe(before);
      for (const s of r.steps) {
        expect(s.budgets.reduce((a, b) => a + b, 0)).toBe(16);
        expect(s.groupSignalFraction).toBeGreaterThanOrEqual(0);
        expect(s.rolloutSignalFraction).toBeLessThanOrEqual(1);
      }
      if (variant.sampler) expect(r.gainRlMu.length).toBeGreaterThanOrEqual(0);
    }
    expect(evaluateAccuracy(task, params, [])).toBe(0);
  });
});
