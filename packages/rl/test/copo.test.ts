/**
 * COPO: consistency reward (answer entropy in bits, λ = (1 − 1/N)/log2 N), local/global advantages, the soft blend
 * weight and copoLoss's variants and dual clip, against hand-computed values.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { consistencyReward, consistencyRewardDetails, copoAdvantages, copoBlendWeight, copoLoss } from '@descent/rl';

describe('consistencyReward', () => {
  it('entropy of extracted answers and the coefficient 1 − λH', () => {
    // answers 4,4,5,6: p = 1/2, 1/4, 1/4 → H = 0.5·1 + 2·0.25·2 = 1.5 bits; λ = (1 − 1/4)/log2 4 = 0.375
    // coef = 1 − 0.5625 = 0.4375; acc = 0.5; g = 0.21875
    const c = consistencyRewardDetails([1, 1, 0, 0], ['4', '4', '5', '6']);
    expect(consistencyReward([1, 1, 0, 0], ['4', '4', '5', '6'])).toBeCloseTo(0.21875, 6);
    expect(c.entropy).toBeCloseTo(1.5, 6);
    expect(c.coefficient).toBeCloseTo(0.4375, 6);
    expect(c.accuracy).toBe(0.5);
    expect(c.reward).toBeCloseTo(0.21875, 6);
    // lambda 0: plain accuracy (run_copo.sh reward_coef_flg=false)
    expect(consistencyReward([1, 1, 0, 0], ['4', '4', '5', '6'], { lambda: 0 })).toBe(0.5);
    // explicit λ: 1 − 0.2·1.5 = 0.7 → g = 0.35
    expect(consistencyReward([1, 1, 0, 0], ['4', '4', '5', '6'], { lambda: 0.2 })).toBeCloseTo(0.35, 6);
    // all answers equal: H = 0 (up to the 1e-8 inside the log), coef 1; all distinct (N = 4): H = 2, coef = 1/N
    expect(consistencyRewardDetails([1, 1, 1, 1], [7, 7, 7, 7]).coefficient).toBeCloseTo(1, 6);
    expect(consistencyRewardDetails([1, 0, 0, 0], ['a', 'b', 'c', null]).coefficient).toBeCloseTo(0.25, 6);
  });
});

describe('copoAdvantages', () => {
  it('local group z-scores and global z-scores across prompts', async () => {
    // prompt 0: r = [1, 0], answers a, b → H = 1, λ = (1/2)/1 = 0.5, coef 0.5, g0 = 0.5·0.5 = 0.25
    // prompt 1: r = [1, 1], answers a, a → H = 0, g1 = 1
    // local: prompt 0 mean 0.5, std sqrt(0.5) → ±0.5/(0.7071068 + 1e-6); prompt 1 → 0
    // global: mean 0.625, unbiased std = sqrt(2·0.375²/1) = 0.5303301 → ∓0.375/0.5303311 = ∓0.7071054
    const a = copoAdvantages([1, 0, 1, 1], ['a', 'b', 'a', 'a'], 2);
    const loc = await a.local.data();
    const glob = await a.global.data();
    const l = 0.5 / (Math.SQRT1_2 + 1e-6);
    [l, -l, 0, 0].forEach((x, i) => expect(loc[i]).toBeCloseTo(x, 5));
    const g = 0.375 / (Math.sqrt(2 * 0.375 ** 2) + 1e-6);
    [-g, -g, g, g].forEach((x, i) => expect(glob[i]).toBeCloseTo(x, 5));
    expect(a.entropy[0]).toBeCloseTo(1, 6);
    expect(a.entropy[3]).toBeCloseTo(0, 6);
    a.local.dispose();
    a.global.dispose();
  });
});

describe('copoBlendWeight', () => {
  it('σ(k(H − b))', () => {
    // k = 5, b = 1, H = 1.5: σ(2.5) = 0.9241418
    expect(copoBlendWeight(1.5)).toBeCloseTo(0.9241418, 6);
    expect(copoBlendWeight(1)).toBe(0.5);
    expect(copoBlendWeight(0, { k: 1, b: 1 })).toBeCloseTo(1 / (1 + Math.E), 6);
  });
});

describe('copoLoss', () => {
  const base = () => ({
    logp: tf.tensor2d([[-1], [-2]]),
    oldLogp: tf.tensor2d([[-1], [-2]]),
    mask: tf.tensor2d([[1], [1]]),
    localAdvantages: tf.tensor1d([0.5, -0.5]),
    globalAdvantages: tf.tensor1d([1, 1]),
    entropy: [1.5, 1.5],
    rewards: [1, 0],
  });

  it("'soft-with-zero': incorrect responses learn from the global term only", async () => {
    // ratio 1 → ℓ^A = −A. w0 = σ(2.5) = 0.9241418, w1 = 0 (r1 = 0)
    // ℓ0 = (1 − 0.9241418)(−1) + 0.9241418(−0.5) = −0.5379291; ℓ1 = −1 → mean = −0.7689646
    const out = copoLoss(base());
    expect((await out.loss.data())[0]).toBeCloseTo(-0.7689646, 6);
    expect(out.localWeightMean).toBeCloseTo(0.9241418 / 2, 6);
  });

  it('other variants', async (ctx) => {
    // the *-forced variants read Â on the host (dataSync): no synchronous read-back on the webgpu lane in Node
    if (tf.getBackend() !== 'cpu') ctx.skip('forced variants read advantages synchronously (CPU-side RL)');
    const v = async (variant: Parameters<typeof copoLoss>[0]['variant']) => (await copoLoss({ ...base(), variant }).loss.data())[0];
    expect(await v('no-global')).toBeCloseTo(0, 6); // (−0.5 + 0.5)/2
    expect(await v('only-global')).toBeCloseTo(-1, 6);
    // only-soft: ℓ1 = (1 − w)(−1) + w(0.5) = −0.0758582 + 0.4620709 = 0.3862127; mean with ℓ0 = −0.0758582
    expect(await v('only-soft')).toBeCloseTo((-0.5379291 + 0.3862127) / 2, 6);
    expect(await v('only-zero')).toBeCloseTo((-0.5 - 1) / 2, 6);
    expect(await v('only-forced')).toBeCloseTo(0, 6);
  });

  it('dual clip caps negative-advantage losses at −A·c; positive at the upper clip', async () => {
    // ratio 5: A = −1 → max(5, 1.2) = 5 → min(5, 3) = 3;  A = +1 → max(−5, −1.2) = −1.2; mean = 0.9
    const out = copoLoss({
      logp: tf.tensor2d([[Math.log(5)], [Math.log(5)]]),
      oldLogp: tf.zeros([2, 1]),
      mask: tf.ones([2, 1]),
      localAdvantages: tf.tensor1d([-1, 1]),
      globalAdvantages: tf.tensor1d([0, 0]),
      entropy: [0, 0],
      variant: 'no-global',
    });
    expect((await out.loss.data())[0]).toBeCloseTo(0.9, 5);
  });

  it('aggregation modes and an all-masked row', async () => {
    // per-token −A: row 0 [−1, −1] (A = 1), row 1 [2, masked] (A = −2)
    const inp = {
      logp: tf.tensor2d([
        [-1, -1],
        [-1, -1e4],
      ]),
      oldLogp: tf.tensor2d([
        [-1, -1],
        [-1, 0],
      ]),
      mask: tf.tensor2d([
        [1, 1],
        [1, 0],
      ]),
      localAdvantages: tf.tensor1d([1, -2]),
      globalAdvantages: tf.tensor1d([0, 0]),
      entropy: [0, 0],
      variant: 'no-global' as const,
    };
    const agg = async (aggregation: 'token-mean' | 'seq-mean-token-sum' | 'seq-mean-token-mean') =>
      (await copoLoss({ ...inp, aggregation }).loss.data())[0];
    expect(await agg('token-mean')).toBeCloseTo(0, 6); // (−2 + 2)/3
    expect(await agg('seq-mean-token-sum')).toBeCloseTo(0, 6); // (−2 + 2)/2
    expect(await agg('seq-mean-token-mean')).toBeCloseTo(0.5, 6); // (−1 + 2)/2
    const allMasked = await copoLoss({ ...inp, mask: tf.zeros([2, 2]) }).loss.data();
    expect(allMasked[0]).toBe(0);
  });

  it('rejects bad input', () => {
    expect(() => copoLoss({ ...base(), variant: 'soft' as never })).toThrow(DescentError);
    expect(() => copoLoss({ ...base(), rewards: undefined })).toThrow(/rewards/);
    expect(() => copoLoss({ ...base(), clipRatioC: 1 })).toThrow(/clipRatioC/);
  });
});
