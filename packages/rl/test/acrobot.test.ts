import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { AcrobotEnv, wrapAngle } from '@descent/rl';

/**
 * An independent transcription of the "book" Acrobot equations (Sutton & Barto; Gymnasium `_dsdt`), written
 * from the equations with all masses, lengths and inertias 1, lc = 0.5, g = 9.8.
 */
function f(y: number[], a: number): number[] {
  const [t1, t2, w1, w2] = y;
  const d1 = 0.25 + (1 + 0.25 + Math.cos(t2)) + 2; // m1 lc1² + m2(l1² + lc2² + 2 l1 lc2 cos t2) + I1 + I2
  const d2 = 0.25 + 0.5 * Math.cos(t2) + 1; // m2(lc2² + l1 lc2 cos t2) + I2
  const phi2 = 0.5 * 9.8 * Math.cos(t1 + t2 - Math.PI / 2);
  const phi1 = -0.5 * w2 * w2 * Math.sin(t2) - 2 * 0.5 * w2 * w1 * Math.sin(t2) + 1.5 * 9.8 * Math.cos(t1 - Math.PI / 2) + phi2;
  const dd2 = (a + (d2 / d1) * phi1 - 0.5 * w1 * w1 * Math.sin(t2) - phi2) / (0.25 + 1 - (d2 * d2) / d1);
  const dd1 = -(d2 * dd2 + phi1) / d1;
  return [w1, w2, dd1, dd2];
}

/** Classical RK4, one step of size h: y + h/6 (k1 + 2k2 + 2k3 + k4). */
function rk4(y: number[], a: number, h: number): number[] {
  const axpy = (s: number, k: number[]) => y.map((v, i) => v + s * k[i]);
  const k1 = f(y, a);
  const k2 = f(axpy(h / 2, k1), a);
  const k3 = f(axpy(h / 2, k2), a);
  const k4 = f(axpy(h, k3), a);
  return y.map((v, i) => v + (h / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
}

describe('Acrobot-v1', () => {
  it('has Gymnasium constants, spaces and time limit', () => {
    const env = new AcrobotEnv();
    expect(env.maxEpisodeSteps).toBe(500);
    expect(env.actionSpace).toEqual({ kind: 'discrete', n: 3 });
    expect(Array.from(env.observationSpace.high)).toEqual([1, 1, 1, 1, Math.fround(4 * Math.PI), Math.fround(9 * Math.PI)]);
  });

  it('hanging straight down at rest is an equilibrium (up to cos(−π/2) ≈ 6e-17 rounding)', () => {
    // θ1 = θ2 = 0 hangs straight down: φ1 = φ2 = 0 (cos(−π/2) = 0) ⇒ θ̈1 = θ̈2 = 0 with no torque.
    const env = new AcrobotEnv();
    env.reset();
    env.setState([0, 0, 0, 0]);
    const r = env.step(1);
    for (const v of env.getState()) expect(Math.abs(v)).toBeLessThan(1e-15);
    expect(r.reward).toBe(-1);
    [1, 0, 1, 0, 0, 0].forEach((v, i) => expect(r.observation[i]).toBeCloseTo(v, 15));
  });

  it('one RK4 step (dt = 0.2) matches an independent RK4 for each torque', () => {
    const start = [0.3, -0.7, 1.1, -2.0];
    for (const action of [0, 1, 2]) {
      const env = new AcrobotEnv();
      env.reset();
      env.setState(start);
      env.step(action);
      const expected = rk4(start, action - 1, 0.2);
      const s = env.getState();
      for (let i = 0; i < 4; i++) expect(s[i]).toBeCloseTo(expected[i], 12);
    }
  });

  it('wraps angles to [−π, π] and bounds velocities to ±4π, ±9π after the RK4 step', () => {
    expect(wrapAngle(Math.PI + 0.5, -Math.PI, Math.PI)).toBeCloseTo(-Math.PI + 0.5, 15);
    expect(wrapAngle(-Math.PI - 0.25, -Math.PI, Math.PI)).toBeCloseTo(Math.PI - 0.25, 15);
    expect(wrapAngle(Math.PI, -Math.PI, Math.PI)).toBe(Math.PI); // the while-loops keep the endpoint
    expect(wrapAngle(7 * Math.PI + 0.1, -Math.PI, Math.PI)).toBeCloseTo(-Math.PI + 0.1, 12);
    const start = [3.0, 0.2, 12.0, 27.0];
    const env = new AcrobotEnv();
    env.reset();
    env.setState(start);
    env.step(2);
    const raw = rk4(start, 1, 0.2);
    const s = env.getState();
    const wrap = (x: number) => {
      let y = x;
      while (y > Math.PI) y -= 2 * Math.PI;
      while (y < -Math.PI) y += 2 * Math.PI;
      return y;
    };
    expect(s[0]).toBeCloseTo(wrap(raw[0]), 12);
    expect(s[1]).toBeCloseTo(wrap(raw[1]), 12);
    expect(s[2]).toBeCloseTo(Math.min(Math.max(raw[2], -4 * Math.PI), 4 * Math.PI), 12);
    expect(s[3]).toBeCloseTo(Math.min(Math.max(raw[3], -9 * Math.PI), 9 * Math.PI), 12);
    expect(Math.abs(s[0])).toBeLessThanOrEqual(Math.PI);
    expect(Math.abs(s[3])).toBeLessThanOrEqual(9 * Math.PI);
  });

  it('terminates when −cosθ1 − cos(θ1 + θ2) > 1 with reward 0 on that step', () => {
    const env = new AcrobotEnv();
    env.reset();
    // Both links pointing up: −cos(π) − cos(π + 0) = 2 > 1 (the step barely moves it from there).
    env.setState([Math.PI - 0.01, 0, 0, 0]);
    const r = env.step(1);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(0);
    expect(() => env.step(1)).toThrow(DescentError);
  });

  it('is truncated at exactly 500 steps with reward −1 each step when it cannot swing up', () => {
    const env = new AcrobotEnv(4);
    env.reset();
    let total = 0;
    for (let t = 1; t <= 500; t++) {
      const r = env.step(1); // no torque from near rest: never reaches the line
      total += r.reward;
      expect(r.terminated).toBe(false);
      expect(r.truncated).toBe(t === 500);
    }
    expect(total).toBe(-500);
  });

  it('resets all four state variables in [−0.1, 0.1)', () => {
    const env = new AcrobotEnv(9);
    for (let i = 0; i < 100; i++) {
      env.reset();
      for (const v of env.getState()) expect(Math.abs(v)).toBeLessThanOrEqual(0.1);
    }
  });
});
