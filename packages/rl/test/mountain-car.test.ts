import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { MountainCarEnv } from '@descent/rl';

describe('MountainCar-v0', () => {
  it('has Gymnasium constants, spaces and time limit', () => {
    const env = new MountainCarEnv();
    expect(env.maxEpisodeSteps).toBe(200);
    expect(env.actionSpace).toEqual({ kind: 'discrete', n: 3 });
    expect(Array.from(env.observationSpace.low)).toEqual([Math.fround(-1.2), Math.fround(-0.07)]);
  });

  it('clips the velocity to 0.07', () => {
    // x = −0.5, v = 0.0695, action 2: v' = 0.0695 + 0.001 − 0.0025·cos(−1.5) = 0.0695 + 0.001 − 0.0025·0.0707372
    //   = 0.070323157 → clipped to 0.07;  x' = −0.5 + 0.07 = −0.43.
    const env = new MountainCarEnv();
    env.reset();
    env.setState([-0.5, 0.0695]);
    const r = env.step(2);
    expect(env.getState()[1]).toBe(0.07);
    expect(env.getState()[0]).toBeCloseTo(-0.43, 15);
    expect(r.reward).toBe(-1);
    expect(r.terminated).toBe(false);
  });

  it('stops the car at the left wall', () => {
    // x = −1.19, v = −0.05, action 0: v' = −0.05 − 0.001 − 0.0025·cos(−3.57) = −0.051 + 0.0025·0.90962853 = −0.04872593;
    //   x' = −1.19 − 0.04872593 = −1.23872593 → clipped to −1.2, and v' < 0 there ⇒ v' = 0.
    const env = new MountainCarEnv();
    env.reset();
    env.setState([-1.19, -0.05]);
    env.step(0);
    expect(Array.from(env.getState())).toEqual([-1.2, 0]);
  });

  it('one unclipped step matches the equation', () => {
    // x = 0.49, v = 0.02, action 1: v' = 0.02 − 0.0025·cos(1.47) = 0.02 − 0.0025·0.100625733 = 0.01974843566653267;
    //   x' = 0.5097484356665327 ≥ 0.5 and v' ≥ 0 ⇒ terminated, reward −1.
    const env = new MountainCarEnv();
    env.reset();
    env.setState([0.49, 0.02]);
    const r = env.step(1);
    expect(env.getState()[1]).toBeCloseTo(0.01974843566653267, 15);
    expect(env.getState()[0]).toBeCloseTo(0.5097484356665327, 15);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(-1);
    expect(() => env.step(1)).toThrow(DescentError);
  });

  it('does not terminate at the goal while moving left', () => {
    const env = new MountainCarEnv();
    env.reset();
    env.setState([0.52, -0.01]); // v' < 0
    expect(env.step(1).terminated).toBe(false);
  });

  it('is truncated at exactly 200 steps; resets x ~ U(−0.6, −0.4), v = 0', () => {
    const env = new MountainCarEnv(1);
    const x0 = env.reset();
    expect(x0[0]).toBeGreaterThanOrEqual(Math.fround(-0.6));
    expect(x0[0]).toBeLessThanOrEqual(Math.fround(-0.4));
    expect(x0[1]).toBe(0);
    for (let t = 1; t <= 200; t++) {
      const r = env.step(1);
      expect(r.terminated).toBe(false);
      expect(r.truncated).toBe(t === 200);
    }
  });
});
