import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { MountainCarContinuousEnv } from '@descent/rl';

describe('MountainCarContinuous-v0', () => {
  it('has Gymnasium constants, spaces and time limit', () => {
    const env = new MountainCarContinuousEnv();
    expect(env.maxEpisodeSteps).toBe(999);
    expect(env.actionSpace.kind).toBe('box');
    expect(Array.from((env.actionSpace as { low: Float32Array }).low)).toEqual([-1]);
  });

  it('reward is −0.1·a² per step', () => {
    // x = −0.5, v = 0, a = −0.75: v' = −0.75·0.0015 − 0.0025·cos(−1.5) = −0.001125 − 0.000176843 = −0.0013018430041692574;
    //   x' = −0.5013018430041692; reward = −0.1·0.5625 = −0.05625.
    const env = new MountainCarContinuousEnv();
    env.reset();
    env.setState([-0.5, 0]);
    const r = env.step(Float32Array.of(-0.75));
    expect(env.getState()[1]).toBeCloseTo(-0.0013018430041692574, 15);
    expect(env.getState()[0]).toBeCloseTo(-0.5013018430041692, 15);
    expect(r.reward).toBeCloseTo(-0.05625, 15);
    expect(r.terminated).toBe(false);
  });

  it('+100 on reaching the goal, minus the action penalty', () => {
    // x = 0.44, v = 0.02, a = 0.5: v' = 0.02 + 0.00075 − 0.0025·cos(1.32) = 0.02075 − 0.000620439 = 0.02012956137086907;
    //   x' = 0.4601295613708691 ≥ 0.45, v' ≥ 0 ⇒ terminated; reward = 100 − 0.1·0.25 = 99.975.
    const env = new MountainCarContinuousEnv();
    env.reset();
    env.setState([0.44, 0.02]);
    const r = env.step(Float32Array.of(0.5));
    expect(env.getState()[0]).toBeCloseTo(0.4601295613708691, 15);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBeCloseTo(99.975, 13);
    expect(() => env.step(Float32Array.of(0))).toThrow(DescentError);
  });

  it('stops at the left wall and clips the velocity', () => {
    const env = new MountainCarContinuousEnv();
    env.reset();
    env.setState([-1.19, -0.05]);
    env.step(Float32Array.of(-1));
    expect(Array.from(env.getState())).toEqual([-1.2, 0]);
    env.setState([-0.5, 0.0699]);
    env.step(Float32Array.of(1)); // 0.0699 + 0.0015 − 0.000177 > 0.07
    expect(env.getState()[1]).toBe(0.07);
  });

  it('is truncated at exactly 999 steps', () => {
    const env = new MountainCarContinuousEnv(2);
    env.reset();
    for (let t = 1; t <= 999; t++) {
      const r = env.step(Float32Array.of(0));
      expect(r.terminated).toBe(false);
      if (t === 999) expect(r.truncated).toBe(true);
      else if (r.truncated) throw new Error(`truncated early at ${t}`);
    }
  });

  it('rejects actions outside [−1, 1]', () => {
    const env = new MountainCarContinuousEnv();
    env.reset();
    expect(() => env.step(Float32Array.of(1.5))).toThrow(/inside the action space/);
    expect(() => env.step(Float32Array.of(NaN))).toThrow(DescentError);
  });
});
