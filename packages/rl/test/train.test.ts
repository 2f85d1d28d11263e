import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { DescentError } from '@descent/core';
import { CategoricalPolicy } from '../src/categorical-policy.js';
import { key } from '@descent/core';
import { evaluate } from '../src/evaluate.js';
import { learningCurveJson, parseLearningCurve } from '../src/learning-curve.js';
import { loadPolicy } from '../src/policy-io.js';
import { algorithmIds, train } from '../src/train.js';
import { presetFor } from '../src/presets.js';

describe('train dispatcher', () => {
  it('unknown algorithm or environment -> DescentError listing the valid ids', async () => {
    await expect(train('a2c', { env: 'CartPole-v1', seed: 0, totalSteps: 10 })).rejects.toThrow(/valid ids are 'ppo', 'sac', 'mdpo-on'/);
    await expect(train('ppo', { env: 'CartPole-v9', seed: 0, totalSteps: 10 })).rejects.toThrow(/valid ids are .*'Pendulum-v1'/);
    expect(algorithmIds).toEqual(['ppo', 'sac', 'mdpo-on', 'mdpo-off', 'npg-igt', 'n-harpg', 'dpo-drift', 'ta-lpo']);
  });

  it('presets: rl-zoo PPO CartPole-v1 values; unknown algo rejected', () => {
    expect(presetFor('ppo', 'CartPole-v1')).toMatchObject({ numEnvs: 8, numSteps: 32, batchSize: 256, gaeLambda: 0.8, gamma: 0.98, numEpochs: 20, learningRate: 1e-3 });
    expect(presetFor('ppo', 'GridWorld-v1')).toEqual({});
    expect(() => presetFor('a3c', 'CartPole-v1')).toThrow(/valid ids/);
  });

  it("train('ppo') on the bandit: callbacks see every iteration and can stop early; the policy round-trips", async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('RL training runs on the CPU backend (sync reads)');
    const seen: number[] = [];
    const { policy, history } = await train('ppo', { env: 'Bandit-v0', seed: 0, totalSteps: 4096 }, {
      onIteration: (s) => {
        seen.push(s.iteration);
        return s.iteration < 3;
      },
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(history).toHaveLength(3);
    expect(history[2].steps).toBe(3 * 8 * 16);
    const copy = loadPolicy(policy.save());
    const obs = new Float32Array([1, 1, 1]);
    expect(Array.from(copy.act(obs, { deterministic: true }))).toEqual(Array.from(policy.act(obs, { deterministic: true })));
    copy.dispose();
    policy.dispose();
  });
});

describe('evaluate', () => {
  it('counts exactly one episode per sub-environment, deterministically; validates the policy', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('policy.act reads back synchronously');
    const p = CategoricalPolicy.create(key(0), { envId: 'CartPole-v1', observationDim: 4, actionDim: 2 });
    const a = await evaluate(p, { env: 'CartPole-v1', episodes: 5, seed: 7 });
    const b = await evaluate(p, { env: 'CartPole-v1', episodes: 5, seed: 7 });
    expect(a.returns).toHaveLength(5);
    expect(a.returns).toEqual(b.returns);
    // CartPole pays 1 per step: return = length, mean of the list
    expect(a.returns).toEqual(a.lengths);
    expect(a.meanReturn).toBeCloseTo(a.returns.reduce((s, v) => s + v, 0) / 5, 10);
    const c = await evaluate(p, { env: 'CartPole-v1', episodes: 5, seed: 7, deterministic: false });
    expect(c.returns).toHaveLength(5);
    await expect(evaluate(p, { env: 'Pendulum-v1', episodes: 2, seed: 0 })).rejects.toThrow(DescentError);
    await expect(evaluate(p, { env: 'CartPole-v1', episodes: 0, seed: 0 })).rejects.toThrow(/episodes/);
    await expect(evaluate(p, { env: 'Nope', episodes: 1, seed: 0 })).rejects.toThrow(/valid ids/);
    p.dispose();
  });
});

describe('learning curve JSON', () => {
  it('round trip; NaN becomes null; format validated', () => {
    const json = learningCurveJson(
      [
        { iteration: 1, steps: 256, meanReturn: NaN, episodes: 0, wallTimeMs: 10, kl: 0.01 },
        { iteration: 2, steps: 512, meanReturn: 21.5, episodes: 3, wallTimeMs: 20 },
      ],
      { algo: 'ppo', env: 'CartPole-v1', seed: 0 },
    );
    const doc = parseLearningCurve(json);
    expect(doc.meta.algo).toBe('ppo');
    expect(doc.records[0].meanReturn).toBeNull();
    expect(doc.records[1]).toEqual({ iteration: 2, steps: 512, meanReturn: 21.5, episodes: 3, wallTimeMs: 20 });
    expect(() => parseLearningCurve('{"format":"x","records":[]}')).toThrow(DescentError);
    expect(() => parseLearningCurve(json.replace('"version":1', '"version":2'))).toThrow(/version 2/);
  });
});
