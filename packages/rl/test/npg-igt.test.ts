import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { gpomdpWeights, igtExtrapolate, momentumAt, npgIgtStep, stepSizeAt, trainNpgIgt } from '@descent/rl';

describe('N-PG-IGT pieces', () => {
  it('GPOMDP weights w_h = Σ_{t≥h} γ^t r_t (discounted from the episode start)', () => {
    // r = [1, 1, 1], γ = 0.5: w = [1 + 0.5 + 0.25, 0.5 + 0.25, 0.25]
    expect(Array.from(gpomdpWeights([1, 1, 1], 0.5))).toEqual([1.75, 0.75, 0.25]);
    // r = [2, 0, −4], γ = 1: reward-to-go [−2, −4, −4]
    expect(Array.from(gpomdpWeights([2, 0, -4], 1))).toEqual([-2, -4, -4]);
    expect(Array.from(gpomdpWeights([3, 5], 0))).toEqual([3, 0]);
  });

  it('the IGT point θ + (1 − η)/η (θ − θ_prev)', () => {
    // η = 0.25 ⇒ (1 − η)/η = 3: [1 + 3·(1 − 0), 2 + 3·(2 − 4)] = [4, −4]
    expect(Array.from(igtExtrapolate(Float32Array.of(1, 2), Float32Array.of(0, 4), 0.25))).toEqual([4, -4]);
    // η = 1: no extrapolation
    expect(Array.from(igtExtrapolate(Float32Array.of(1, 2), Float32Array.of(0, 4), 1))).toEqual([1, 2]);
    expect(() => igtExtrapolate(Float32Array.of(1), Float32Array.of(0), 0)).toThrow(DescentError);
  });

  it('one normalised step: d = (1 − η)d + ηg, θ += γ d/‖d‖', () => {
    // d = [1, 0], g = [0, 2], η = 0.5 ⇒ d' = [0.5, 1], ‖d'‖ = √1.25; θ' = [0, 0] + 0.1·[0.5, 1]/√1.25
    const { theta, d } = npgIgtStep({ theta: Float32Array.of(0, 0), d: Float32Array.of(1, 0) }, Float32Array.of(0, 2), 0.5, 0.1);
    expect(Array.from(d)).toEqual([0.5, 1]);
    expect(theta[0]).toBeCloseTo(0.05 / Math.sqrt(1.25), 7);
    expect(theta[1]).toBeCloseTo(0.1 / Math.sqrt(1.25), 7);
    // Unnormalised (PG-IGT): θ += γ d
    const plain = npgIgtStep({ theta: Float32Array.of(0, 0), d: Float32Array.of(1, 0) }, Float32Array.of(0, 2), 0.5, 0.1, false);
    expect(Array.from(plain.theta)).toEqual([Math.fround(0.05), Math.fround(0.1)]);
    // A zero direction does not move θ; NaN is refused.
    expect(Array.from(npgIgtStep({ theta: Float32Array.of(1), d: Float32Array.of(0) }, Float32Array.of(0), 0.5, 0.1).theta)).toEqual([1]);
    expect(() => npgIgtStep({ theta: Float32Array.of(1), d: Float32Array.of(0) }, Float32Array.of(NaN), 0.5, 0.1)).toThrow(DescentError);
  });

  it('schedules: η_t = max(η_min, t^−p), γ_t = γ_0 t^−q', () => {
    expect(momentumAt(1, 0.8, 0.1)).toBe(1);
    expect(momentumAt(32, 0.8, 0.01)).toBeCloseTo(32 ** -0.8, 15); // 0.0625
    expect(momentumAt(1e6, 0.8, 0.1)).toBe(0.1);
    expect(stepSizeAt(4, 0.2, 0.5)).toBeCloseTo(0.1, 15);
  });
});

describe('trainNpgIgt', () => {
  it('solves the 4-armed bandit (picks the best arm)', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('RL trainers read actions back synchronously (cpu lane only)');
    const { policy, history } = await trainNpgIgt({ env: 'Bandit-v0', seed: 0, totalSteps: 800 });
    const probs = Array.from(policy.act(Float32Array.of(1, 1, 1, 1, 1, 1, 1, 1), { deterministic: true }));
    expect(probs).toEqual(new Array(8).fill(2)); // arm 2 (p = 0.8) is optimal
    const late = history.slice(-20).reduce((a, s) => a + s.meanReturn, 0) / 20;
    expect(late).toBeGreaterThan(0.7);
    policy.dispose();
  });

  it('CartPole-v1 return rises clearly within 25k steps, with a flat tensor count', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('RL trainers read actions back synchronously (cpu lane only)');
    const counts: number[] = [];
    const { policy, history } = await trainNpgIgt(
      { env: 'CartPole-v1', seed: 1, totalSteps: 25_000 },
      { onIteration: () => void counts.push(tf.memory().numTensors) },
    );
    const first = history.slice(0, 3).reduce((a, s) => a + s.meanReturn, 0) / 3;
    const last = history.slice(-5).reduce((a, s) => a + s.meanReturn, 0) / 5;
    expect(first).toBeLessThan(50); // a near-uniform policy survives ~20 steps
    expect(last).toBeGreaterThan(100);
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(history.at(-1)!.steps).toBeGreaterThanOrEqual(25_000);
    policy.dispose();
  });

  it('rejects unknown environments and options', async () => {
    await expect(trainNpgIgt({ env: 'CartPole-v0', seed: 0, totalSteps: 10 })).rejects.toThrow(/valid ids/);
    await expect(trainNpgIgt({ env: 'CartPole-v1', seed: 0, totalSteps: 10, stepsize: 1 })).rejects.toThrow(/unknown option 'stepsize'/);
    await expect(trainNpgIgt({ env: 'CartPole-v1', seed: 0, totalSteps: 10, minMomentum: 0 })).rejects.toThrow(/minMomentum/);
  });
});
