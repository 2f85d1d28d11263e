/**
 * GAIN-RL: angle concentration (hand-computed cosines under the tril(·, +1) pattern), the angle sort, and the
 * Gaussian-over-ranks sampler (distribution, reproducibility, the μ update rule).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { foldIn, key } from '@descent/core';
import { GainRlSampler, angleConcentration, sortByAngle } from '@descent/rl';

describe('angleConcentration', () => {
  it('hand-computed: mean cosine over the pairs u ≤ t + 1', async () => {
    // x0 = [1, 0], x1 = [1, 1], x2 = [0, 1]; cosines c01 = c12 = 1/√2, c02 = 0, cₜₜ = 1
    // pairs with u ≤ t + 1: all but (0, 2): sum = 3 + 4/√2 = 5.8284271 over 8 pairs = 0.7285534
    // with token 2 masked: the 4 pairs of tokens 0, 1: (2 + 2/√2)/4 = 0.8535534
    const h = tf.tensor3d([
      [
        [1, 0],
        [2, 2],
        [0, 3],
      ],
      [
        [1, 0],
        [1, 1],
        [9, -9],
      ],
    ]);
    const a = await angleConcentration(h, tf.tensor2d([
      [1, 1, 1],
      [1, 1, 0],
    ])).data();
    expect(a[0]).toBeCloseTo(0.7285534, 5);
    expect(a[1]).toBeCloseTo(0.8535534, 5);
    // one sequence as [tokens, hidden]; an empty mask scores 0
    const one = await angleConcentration(tf.tensor2d([[1, 0], [1, 1]])).data();
    expect(one[0]).toBeCloseTo(0.8535534, 5);
    const none = await angleConcentration(h, tf.zeros([2, 3])).data();
    expect(Array.from(none)).toEqual([0, 0]);
  });

  it('sortByAngle: descending, stable', () => {
    expect(sortByAngle([0.2, 0.9, 0.5, 0.9])).toEqual([1, 3, 2, 0]);
  });
});

describe('GainRlSampler', () => {
  it('samples around μ without replacement, reproducibly', () => {
    const order = [10, 11, 12, 13, 14, 15, 16, 17];
    const s = new GainRlSampler({ order, mu: 3, sigma: 0.01 });
    expect(s.sample(key(0), 1)).toEqual([13]);
    const wide = new GainRlSampler({ order, sigma: 2 });
    const a = wide.sample(key(1), 5);
    expect(a).toEqual(wide.sample(key(1), 5));
    expect(new Set(a).size).toBe(5);
    // probabilities ∝ exp(−½(i/2)²)
    const p = wide.probabilities();
    expect(p[2] / p[0]).toBeCloseTo(Math.exp(-0.5), 10);
    // empirical frequency of rank 0 vs rank 4 over many single draws ≈ e^{2} (= 7.39)
    let c0 = 0;
    let c4 = 0;
    for (let i = 0; i < 3000; i++) {
      const [x] = wide.sample(foldIn(key(9), i), 1);
      if (x === 10) c0++;
      if (x === 14) c4++;
    }
    expect(c0 / c4).toBeGreaterThan(5);
    expect(c0 / c4).toBeLessThan(11);
  });

  it('μ update: Δ = n·tanh(α(ā/maxAcc − β)) + n·tanh(α·ᾱ), clamped to [adjMin, adjMax]', () => {
    const s = new GainRlSampler({ order: [0, 1, 2] });
    // ā = 2 (TRL reward 2.0, all correct), ᾱ = 0: 500·tanh(2·0.5) = 380.7970779
    expect(s.update([2, 2], [0, 0])).toBeCloseTo(380.7970779, 6);
    expect(s.mu).toBeCloseTo(380.7970779, 6);
    // ā = 0: 500·tanh(−1) < 0 → clamped to 0
    expect(s.update([0], [0])).toBe(0);
    // ā = 1 with maxAccuracy 1, ᾱ = 0.5: 500·tanh(1) + 500·tanh(1) = 761.59 → ok (≤ 1000)
    const t = new GainRlSampler({ order: [0], maxAccuracy: 1 });
    expect(t.update([1], [0.5])).toBeCloseTo(2 * 500 * Math.tanh(1), 6);
    expect(() => t.update([], [1])).toThrow(/accuracy/);
  });
});
