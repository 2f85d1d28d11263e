import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { DescentError } from '@descent/core';
import { QuadraticBandit } from './quadratic-bandit.js';
import { GsdePolicy } from '../src/gsde-policy.js';
import { loadPolicy } from '../src/policy-io.js';
import { sacActorLoss, sacCriticLoss, sacCriticTarget, sacTemperatureLoss, trainSac, trainSacOn } from '../src/sac.js';
import { SyncVectorEnv } from '../src/vector-env.js';

async function values(t: tf.Tensor): Promise<number[]> {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

describe('SAC losses (hand-computed)', () => {
  it('sacCriticTarget: r + γ(1 − d)(min Q̄ − α log π)', async () => {
    const y = sacCriticTarget(
      {
        rewards: tf.tensor1d([1, 2]),
        dones: tf.tensor1d([0, 1]),
        nextQ1: tf.tensor1d([3, 5]),
        nextQ2: tf.tensor1d([4, 1]),
        nextLogProb: tf.tensor1d([-1, 7]),
      },
      { alpha: 0.2, gamma: 0.9 },
    );
    const v = await values(y);
    expect(v[0]).toBeCloseTo(1 + 0.9 * (3 + 0.2), 5); // 3.88
    expect(v[1]).toBeCloseTo(2, 6);
  });

  it('sacCriticLoss: ½(MSE(Q1, y) + MSE(Q2, y))', async () => {
    const l = sacCriticLoss(tf.tensor1d([1, 2]), tf.tensor1d([0, 4]), tf.tensor1d([1, 3]));
    expect((await values(l))[0]).toBeCloseTo(0.5 * (0.5 + 1), 6);
  });

  it('sacActorLoss: mean(α log π − min(Q1, Q2))', async () => {
    const l = sacActorLoss(tf.tensor1d([-1, 1]), tf.tensor1d([2, 3]), tf.tensor1d([1, 5]), 0.5);
    expect((await values(l))[0]).toBeCloseTo(-2, 6);
  });

  it('sacTemperatureLoss: −mean(log α (log π + H̄)) and its gradient lowers α when entropy exceeds the target', async () => {
    const logAlpha = tf.scalar(Math.log(0.5));
    const logp = tf.tensor1d([-1, -3]);
    const l = sacTemperatureLoss(logAlpha, logp, -1);
    expect((await values(l))[0]).toBeCloseTo(3 * Math.log(0.5), 5);
    // d/dlogα = −mean(log π + H̄) = 3 > 0: entropy 2 > target −1, so a descent step decreases α.
    const g = tf.grad((la: tf.Tensor) => sacTemperatureLoss(la, logp, -1))(logAlpha);
    expect((await values(g))[0]).toBeCloseTo(3, 5);
    tf.dispose([logAlpha, logp]);
  });
});


describe('trainSac (smoke: learns a 1-D continuous bandit)', () => {
  it('moves the deterministic action to the optimum, tensor count flat across iterations', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('RL training runs on the CPU backend (synchronous read-back)');
    const env = new SyncVectorEnv([() => new QuadraticBandit()]);
    const counts: number[] = [];
    const { policy, history } = await trainSacOn(
      env,
      { env: 'QuadraticBandit', seed: 0, totalSteps: 600, hiddenSizes: [16, 16], batchSize: 32, learningStarts: 50, learningRate: 3e-3, logInterval: 100 },
      { onIteration: () => void counts.push(tf.memory().numTensors) },
    );
    const a = policy.act(new Float32Array([1]), { deterministic: true })[0]!;
    expect(Math.abs(a - 1)).toBeLessThan(0.15);
    // Random actions in [−2, 2] earn E[−(a − 1)²] = −7/3; the learned policy's episodes must beat that clearly.
    expect(history.at(-1)!.meanReturn).toBeGreaterThan(-0.5);
    expect(history).toHaveLength(6);
    expect(new Set(counts.slice(1)).size).toBe(1);
    // Saved bytes load back into the same deterministic policy.
    const loaded = loadPolicy(policy.save());
    expect(loaded.act(new Float32Array([1]), { deterministic: true })[0]).toBeCloseTo(a, 6);
    loaded.dispose();
    policy.dispose();
  });

  it('with gSDE (useSde) learns the same bandit through a GsdePolicy, tensor count flat, and saves/loads it', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('RL training runs on the CPU backend (synchronous read-back)');
    const env = new SyncVectorEnv([() => new QuadraticBandit()]);
    const counts: number[] = [];
    const { policy, history } = await trainSacOn(
      env,
      {
        env: 'QuadraticBandit',
        seed: 1,
        totalSteps: 600,
        hiddenSizes: [16, 16],
        batchSize: 32,
        learningStarts: 50,
        learningRate: 3e-3,
        logInterval: 100,
        useSde: true,
        logStdInit: -1,
        trainFreq: 4,
        gradientSteps: 4,
      },
      { onIteration: () => void counts.push(tf.memory().numTensors) },
    );
    expect(policy).toBeInstanceOf(GsdePolicy);
    const a = policy.act(new Float32Array([1]), { deterministic: true })[0]!;
    expect(Math.abs(a - 1)).toBeLessThan(0.15);
    expect(history.at(-1)!.meanReturn).toBeGreaterThan(-0.5);
    expect(new Set(counts.slice(1)).size).toBe(1);
    const loaded = loadPolicy(policy.save());
    expect(loaded.act(new Float32Array([1]), { deterministic: true })[0]).toBeCloseTo(a, 6);
    loaded.dispose();
    policy.dispose();
  });

  it('rejects unknown options and discrete action spaces', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('RL training runs on the CPU backend');
    await expect(trainSac({ env: 'Pendulum-v1', seed: 0, totalSteps: 10, learningRat: 1 })).rejects.toThrow(/unknown option 'learningRat'/);
    await expect(trainSac({ env: 'Pendulum-v1', seed: 0, totalSteps: 10, tau: 0 })).rejects.toThrow(/tau/);
    await expect(trainSac({ env: 'Pendulum-v1', seed: 0, totalSteps: 10, sdeSampleFreq: 0 })).rejects.toThrow(/sdeSampleFreq/);
    await expect(trainSac({ env: 'Pendulum-v1', seed: 0, totalSteps: 10, useSde: 1 })).rejects.toThrow(/useSde/);
    await expect(trainSac({ env: 'CartPole-v1', seed: 0, totalSteps: 10 })).rejects.toThrow(/continuous \(box\) action space/);
    await expect(trainSac({ env: 'Nope-v0', seed: 0, totalSteps: 10 })).rejects.toThrow(DescentError);
  });
});
