import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { PendulumEnv, angleNormalize } from '@descent/rl';

describe('Pendulum-v1', () => {
  it('angle_normalize is ((x + π) mod 2π) − π with a floored modulo', () => {
    expect(angleNormalize(0)).toBe(0);
    expect(angleNormalize(3)).toBeCloseTo(3, 15);
    expect(angleNormalize(-4)).toBeCloseTo(2 * Math.PI - 4, 14); // 2.2831853071795862
    expect(angleNormalize(-7)).toBeCloseTo(-0.7168146928204138, 14); // −7 + 2π
    expect(angleNormalize(Math.PI)).toBeCloseTo(-Math.PI, 14); // [−π, π): π maps to −π
    expect(angleNormalize(10 * Math.PI + 0.5)).toBeCloseTo(0.5, 12);
  });

  it('one step from θ = π/2, θ̇ = 0, u = 0 (spec §9 example)', () => {
    // θ̇' = 0 + (3·10/2·sin(π/2) + 3·0)·0.05 = 0.75;  θ' = π/2 + 0.75·0.05 = π/2 + 0.0375;  reward = −(π/2)² = −2.4674011
    const env = new PendulumEnv();
    env.reset();
    env.setState([Math.PI / 2, 0]);
    const r = env.step(Float32Array.of(0));
    const s = env.getState();
    expect(s[1]).toBeCloseTo(0.75, 14);
    expect(s[0]).toBeCloseTo(Math.PI / 2 + 0.0375, 14);
    expect(r.reward).toBeCloseTo(-2.4674011002723395, 14);
    expect(r.observation[0]).toBeCloseTo(Math.cos(Math.PI / 2 + 0.0375), 6);
    expect(r.observation[1]).toBeCloseTo(Math.sin(Math.PI / 2 + 0.0375), 6);
    expect(r.observation[2]).toBe(0.75);
  });

  it('clips θ̇ to ±8 and takes the cost from the old state', () => {
    // θ = 1, θ̇ = 7.9, u = 2: cost = 1² + 0.1·7.9² + 0.001·2² = 1 + 6.241 + 0.004 = 7.245;
    // θ̇' = 7.9 + (15·sin 1 + 3·2)·0.05 = 7.9 + (12.622064772 + 6)·0.05 = 8.831103 → clipped to 8; θ' = 1 + 8·0.05 = 1.4.
    const env = new PendulumEnv();
    env.reset();
    env.setState([1, 7.9]);
    const r = env.step(Float32Array.of(2));
    expect(r.reward).toBeCloseTo(-7.245, 14);
    expect(env.getState()[1]).toBe(8);
    expect(env.getState()[0]).toBeCloseTo(1.4, 14);
  });

  it('normalises the angle in the cost but not in the state', () => {
    // θ = −4 → angle_normalize = 2π − 4 = 2.2831853071795862; θ̇ = −2, u = −0.5:
    // cost = 2.28318530718² + 0.1·4 + 0.001·0.25 = 5.212932 + 0.4 + 0.00025 = 5.613185146920742
    // θ̇' = −2 + (15·sin(−4) − 1.5)·0.05 = −2 + (11.352037 − 1.5)·0.05 = −1.5073981285190539; θ' = −4 + θ̇'·0.05 = −4.075369906425952
    const env = new PendulumEnv();
    env.reset();
    env.setState([-4, -2]);
    const r = env.step(Float32Array.of(-0.5));
    expect(r.reward).toBeCloseTo(-5.613185146920742, 13);
    expect(env.getState()[1]).toBeCloseTo(-1.5073981285190539, 14);
    expect(env.getState()[0]).toBeCloseTo(-4.075369906425952, 14);
  });

  it('never terminates and is truncated at exactly 200 steps; rewards lie in [−16.2736, 0]', () => {
    const env = new PendulumEnv(5);
    env.reset();
    for (let t = 1; t <= 200; t++) {
      const r = env.step(Float32Array.of(t % 3 === 0 ? 2 : -2));
      expect(r.terminated).toBe(false);
      expect(r.truncated).toBe(t === 200);
      expect(r.reward).toBeLessThanOrEqual(0);
      expect(r.reward).toBeGreaterThanOrEqual(-16.2736045);
    }
    expect(() => env.step(Float32Array.of(0))).toThrow(DescentError);
  });

  it('resets θ ~ U(−π, π), θ̇ ~ U(−1, 1)', () => {
    const env = new PendulumEnv(2);
    let maxTheta = 0;
    let maxDot = 0;
    for (let i = 0; i < 300; i++) {
      env.reset();
      const [theta, dot] = env.getState();
      maxTheta = Math.max(maxTheta, Math.abs(theta));
      maxDot = Math.max(maxDot, Math.abs(dot));
    }
    expect(maxTheta).toBeLessThanOrEqual(Math.PI);
    expect(maxTheta).toBeGreaterThan(3.0);
    expect(maxDot).toBeLessThanOrEqual(1);
    expect(maxDot).toBeGreaterThan(0.95);
  });

  it('rejects torques outside [−2, 2], NaN, and wrong shapes', () => {
    const env = new PendulumEnv();
    env.reset();
    expect(() => env.step(Float32Array.of(2.5))).toThrow(/inside the action space/);
    expect(() => env.step(Float32Array.of(NaN))).toThrow(DescentError);
    expect(() => env.step(Float32Array.of(0, 0))).toThrow(/length 1/);
    expect(() => env.step(1)).toThrow(DescentError);
  });
});
