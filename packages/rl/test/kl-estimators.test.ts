/**
 * klK3: Schulman's k3 = exp(Δ) − Δ − 1 (Δ = logπ_ref − logπ), ≥ 0, 0 at equality; the ±20 clamp keeps float32 finite.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { klK3 } from '@descent/rl';

describe('klK3', () => {
  it('hand values, non-negativity and the clamp', async () => {
    // Δ = 0.5: e^0.5 − 0.5 − 1 = 0.1487213;  Δ = −1: e^−1 + 1 − 1 = 0.3678794;  Δ = 0: 0
    const k = await klK3(tf.tensor1d([0, 0, -3]), tf.tensor1d([0.5, -1, -3])).data();
    expect(k[0]).toBeCloseTo(0.1487213, 6);
    expect(k[1]).toBeCloseTo(0.3678794, 6);
    expect(k[2]).toBe(0);
    // Δ = 1e4 is clamped to 20: e^20 − 21 = 485165174.4 (finite);  Δ = −1e4 → e^−20 + 20 − 1 ≈ 19
    const big = await klK3(tf.tensor1d([-1e4, 0]), tf.tensor1d([0, -1e4])).data();
    expect(big[0]).toBeCloseTo(Math.exp(20) - 21, -3);
    expect(big[1]).toBeCloseTo(19, 5);
    // unclamped: Infinity for Δ = 1e4
    const raw = await klK3(tf.tensor1d([-1e4]), tf.tensor1d([0]), Infinity).data();
    expect(raw[0]).toBe(Infinity);
  });
});
