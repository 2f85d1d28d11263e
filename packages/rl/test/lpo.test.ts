import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, ensureGradients } from '@descent/core';
import { dpoDrift, driftLoss, ppoDrift, trainDpoDrift } from '../src/lpo.js';
import { ppoLoss } from '../src/ppo.js';
import { taLpoDrift, taLpoDriftSize, trainTaLpo } from '../src/ta-lpo.js';

async function arr(t: tf.Tensor): Promise<number[]> {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

describe('drift functions (hand-computed)', () => {
  it('PPO as a drift equals ppoLoss’s policy term', async () => {
    const logRatio = [0.3, -0.4, 0.05, 0.25, -0.1, -0.5];
    const adv = [1.2, -0.7, 0.3, -1.5, 2.0, 0.4];
    const logProbs = tf.tensor1d(logRatio);
    const old = tf.zeros([6]);
    const a = tf.tensor1d(adv);
    const { policyLoss } = ppoLoss({ logProbs, oldLogProbs: old, advantages: a }, { clipRange: 0.2, normalizeAdvantage: false });
    const ratio = tf.exp(logProbs);
    const d = driftLoss(ratio, a, ppoDrift(0.2));
    const [x, y] = [await arr(policyLoss), await arr(d)];
    expect(y[0]).toBeCloseTo(x[0], 6);
    // by hand: −mean(min(rÂ, clip(r)Â))
    const hand = -logRatio.map((l, i) => Math.min(Math.exp(l) * adv[i], Math.min(1.2, Math.max(0.8, Math.exp(l))) * adv[i])).reduce((s, v) => s + v, 0) / 6;
    expect(y[0]).toBeCloseTo(hand, 6);
    tf.dispose([logProbs, old, a, ratio]);
  });

  it('DPO drift: both branches, α = 2, β = 0.6', async () => {
    const r = tf.tensor1d([1.5, 0.5, 1.0, 1.0]);
    const A = tf.tensor1d([1, -1, 3, -3]);
    const d = await arr(dpoDrift()(r, A));
    expect(d[0]).toBeCloseTo(0.5 - 2 * Math.tanh(0.25), 6);
    const z = Math.log(0.5) * -1;
    expect(d[1]).toBeCloseTo(z - 0.6 * Math.tanh(z / 0.6), 6);
    // r = 1 gives 0 on both branches (the WebGPU shader may return −0, which is the same value).
    expect(Math.abs(d[2])).toBe(0);
    expect(Math.abs(d[3])).toBe(0);
    tf.dispose([r, A]);
    expect(() => dpoDrift(0)).toThrow(DescentError);
  });

  it('drifts are ≥ 0 with zero r-derivative at r = 1', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('gradients in Node need the cpu lane');
    await ensureGradients();
    const theta = Array.from({ length: taLpoDriftSize(4) }, (_, i) => Math.sin(i + 1));
    const A = tf.tensor1d([-2, -0.5, 0.5, 2]);
    for (const drift of [ppoDrift(), dpoDrift(), taLpoDrift(theta, 4)]) {
      const g = tf.grad((r: tf.Tensor) => tf.sum(drift(r, A, 0.7)))(tf.ones([4]));
      for (const v of await arr(g)) expect(Math.abs(v)).toBeLessThan(1e-6);
      const d = await arr(drift(tf.tensor1d([0.5, 0.9, 1.3, 2.0]), A, 0.7));
      for (const v of d) expect(v).toBeGreaterThanOrEqual(0);
    }
    A.dispose();
  });

  it('TA-LPO drift: θ = 0 is PPO-init, and the progress input changes a learned drift', async () => {
    const r = tf.tensor1d([0.6, 1.4, 1.1]);
    const A = tf.tensor1d([1, 1, -1]);
    const zero = await arr(taLpoDrift(new Array(taLpoDriftSize(3)).fill(0), 3)(r, A, 0.5));
    const ppo = await arr(ppoDrift()(r, A));
    zero.forEach((v, i) => expect(v).toBeCloseTo(Math.max(0, ppo[i] - 1e-4), 6));
    const theta = Array.from({ length: taLpoDriftSize(3) }, (_, i) => Math.cos(i));
    const early = await arr(taLpoDrift(theta, 3)(r, A, 0));
    const late = await arr(taLpoDrift(theta, 3)(r, A, 0.9));
    expect(early.some((v, i) => Math.abs(v - late[i]) > 1e-4)).toBe(true);
    expect(() => taLpoDrift([1, 2], 3)).toThrow(/17·hidden/);
    tf.dispose([r, A]);
  });
});

describe('drift trainers (small budgets)', () => {
  it('trainDpoDrift solves the bandit', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('RL training runs on the CPU backend (sync reads)');
    const { policy, history } = await trainDpoDrift({ env: 'Bandit-v0', seed: 1, totalSteps: 2048 });
    expect(Array.from(policy.act(new Float32Array([1]), { deterministic: true }))).toEqual([2]);
    expect(history.at(-1)!.meanReturn).toBeGreaterThan(0.6);
    policy.dispose();
  });

  it('trainTaLpo meta-trains the drift with openaiEs (bandit, tiny budget) and returns it with the policy', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('RL training runs on the CPU backend (sync reads)');
    const before = tf.memory().numTensors;
    const res = await trainTaLpo({
      env: 'Bandit-v0', seed: 0, totalSteps: 2048, driftHidden: 2, metaGenerations: 2, metaPopSize: 4, metaInnerSteps: 128, metaEvalEpisodes: 64, metaSigma: 2, learningRate: 0.05,
    });
    expect(res.metaHistory).toHaveLength(2);
    expect(res.metaHistory[0].returns).toHaveLength(4);
    expect(res.drift.theta).toHaveLength(taLpoDriftSize(2));
    expect(res.drift.theta.some((v) => v !== 0)).toBe(true); // ES moved θ off PPO-init
    expect(Array.from(res.policy.act(new Float32Array([1]), { deterministic: true }))).toEqual([2]);
    res.policy.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expect(trainTaLpo({ env: 'Bandit-v0', seed: 0, totalSteps: 10, metaPopSize: 1 })).rejects.toThrow(/metaPopSize/);
  });
});
