import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { DescentError } from '@descent/core';
import { categoricalKl, diagonalGaussianKl, mdpoLoss, mdpoStepSize, trainMdpoOn } from '../src/mdpo-on.js';

async function values(t: tf.Tensor): Promise<number[]> {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

describe('MDPO on-policy pieces (hand-computed)', () => {
  it('diagonalGaussianKl: Σ log σ_old/σ + (σ² + Δμ²)/(2σ_old²) − ½', async () => {
    // dim 0: σ = 1, σ_old = 2, Δμ = −1 → log 2 + 2/8 − ½;  dim 1: σ = 2, σ_old = 1 → −log 2 + 4/2 − ½.  Sum 1.25.
    const kl = diagonalGaussianKl(
      tf.tensor2d([[0, 1], [1, 1]]),
      tf.tensor2d([[0, Math.log(2)], [Math.log(2), 0]]),
      tf.tensor2d([[1, 1], [1, 1]]),
      tf.tensor2d([[Math.log(2), 0], [Math.log(2), 0]]),
    );
    const v = await values(kl);
    expect(v[0]).toBeCloseTo(1.25, 5);
    expect(v[1]).toBeCloseTo(0, 6); // identical distributions
  });

  it('diagonalGaussianKl broadcasts a state-independent log-std', async () => {
    const kl = diagonalGaussianKl(tf.tensor2d([[0], [2]]), tf.tensor1d([0]), tf.tensor2d([[0], [0]]), tf.tensor1d([0]));
    const v = await values(kl);
    expect(v[0]).toBeCloseTo(0, 6);
    expect(v[1]).toBeCloseTo(2, 5); // Δμ²/2
  });

  it('categoricalKl: Σ p log(p/q)', async () => {
    const kl = categoricalKl(tf.tensor2d([[0, Math.log(3)]]), tf.tensor2d([[0, 0]]));
    expect((await values(kl))[0]).toBeCloseTo(0.25 * Math.log(0.5) + 0.75 * Math.log(1.5), 5);
  });

  it('mdpoStepSize follows the code: t_k = 1 − (k − 1)/K', () => {
    expect(mdpoStepSize(0, 10)).toBeCloseTo(1.1, 12);
    expect(mdpoStepSize(1, 4)).toBe(1);
    expect(mdpoStepSize(10, 10)).toBeCloseTo(0.1, 12);
    expect(() => mdpoStepSize(11, 10)).toThrow(DescentError);
    expect(() => mdpoStepSize(-1, 10)).toThrow(DescentError);
  });

  it('mdpoLoss: −[mean(r·A) − mean(KL)/t_k]', async () => {
    // r = [2, 1], A = [1, −1] → gain ½; mean KL 0.3, t = ½ → 0.6; loss = −(0.5 − 0.6) = 0.1
    const inputs = {
      logProb: tf.tensor1d([Math.log(2), 0]),
      oldLogProb: tf.tensor1d([0, 0]),
      advantages: tf.tensor1d([1, -1]),
      kl: tf.tensor1d([0.2, 0.4]),
    };
    expect((await values(mdpoLoss(inputs, { stepSize: 0.5 })))[0]).toBeCloseTo(0.1, 5);
    // Gradient in log π: −r·A/B = [−1, 0.5] (KL given as a constant here).
    const g = tf.grad((lp: tf.Tensor) => mdpoLoss({ ...inputs, logProb: lp }, { stepSize: 0.5 }))(inputs.logProb);
    const gv = await values(g);
    expect(gv[0]).toBeCloseTo(-1, 5);
    expect(gv[1]).toBeCloseTo(0.5, 5);
    tf.dispose(Object.values(inputs));
  });

  it('mdpoLoss with the Tsallis option (tsallisQ = 2 → q = 0, log_q x = x − 1)', async () => {
    // π = [0.5, 0.25], π_old = [0.25, 0.25] → divergence mean([0.25, 0]) = 0.125; r = [2, 1], A = [1, 1] → gain 1.5.
    const l = mdpoLoss(
      {
        logProb: tf.tensor1d([Math.log(0.5), Math.log(0.25)]),
        oldLogProb: tf.tensor1d([Math.log(0.25), Math.log(0.25)]),
        advantages: tf.tensor1d([1, 1]),
      },
      { stepSize: 1, tsallisQ: 2 },
    );
    expect((await values(l))[0]).toBeCloseTo(-(1.5 - 0.125), 5);
  });

  it('mdpoLoss rejects a non-positive step size and a missing KL', () => {
    const t = tf.tensor1d([0]);
    expect(() => mdpoLoss({ logProb: t, oldLogProb: t, advantages: t, kl: t }, { stepSize: 0 })).toThrow(/stepSize/);
    expect(() => mdpoLoss({ logProb: t, oldLogProb: t, advantages: t }, { stepSize: 1 })).toThrow(/kl must be/);
    t.dispose();
  });
});

describe('trainMdpoOn (smoke)', () => {
  it('solves the 4-armed Bernoulli bandit; t_k follows the schedule; tensor count flat', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('RL training runs on the CPU backend (synchronous read-back)');
    const counts: number[] = [];
    const { policy, history } = await trainMdpoOn(
      { env: 'Bandit-v0', seed: 0, totalSteps: 40 * 128 },
      { onIteration: () => void counts.push(tf.memory().numTensors) },
    );
    expect(history).toHaveLength(40);
    expect(history[0]!.stepSize).toBeCloseTo(mdpoStepSize(0, 40), 12);
    expect(history[39]!.stepSize).toBeCloseTo(mdpoStepSize(39, 40), 12);
    // Arms pay 0.2, 0.5, 0.8, 0.35: the uniform policy earns 0.4625; the greedy arm is 2.
    expect(history[0]!.meanReturn).toBeLessThan(0.6);
    const late = history.slice(-5).reduce((s, h) => s + h.meanReturn, 0) / 5;
    expect(late).toBeGreaterThan(0.7);
    expect((policy.act(new Float32Array([1]), { deterministic: true }) as Int32Array)[0]).toBe(2);
    expect(new Set(counts.slice(1)).size).toBe(1);
    policy.dispose();
  });

  it('rejects unknown options and bad values', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('RL training runs on the CPU backend');
    await expect(trainMdpoOn({ env: 'CartPole-v1', seed: 0, totalSteps: 10, sgd_steps: 3 })).rejects.toThrow(/unknown option 'sgd_steps'/);
    await expect(trainMdpoOn({ env: 'CartPole-v1', seed: 0, totalSteps: 10, sgdSteps: 0 })).rejects.toThrow(/sgdSteps/);
    await expect(trainMdpoOn({ env: 'CartPole-v1', seed: 0, totalSteps: 10, tsallisQ: 0 })).rejects.toThrow(/tsallisQ/);
  });
});
