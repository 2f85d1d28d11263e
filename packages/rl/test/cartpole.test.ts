import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { CartPoleEnv, CARTPOLE, makeEnv } from '@descent/rl';

describe('CartPole-v1', () => {
  it('has Gymnasium constants, spaces and time limit', () => {
    const env = new CartPoleEnv();
    expect(env.id).toBe('CartPole-v1');
    expect(env.maxEpisodeSteps).toBe(500);
    expect(env.actionSpace).toEqual({ kind: 'discrete', n: 2 });
    expect(CARTPOLE.thetaThreshold).toBeCloseTo(0.20943951023931953, 15);
    expect(Array.from(env.observationSpace.high)).toEqual([Math.fround(4.8), Infinity, Math.fround(0.41887902047863906), Infinity]);
  });

  it('one Euler step with F = +10 matches the hand-computed values', () => {
    // From s = [x, ẋ, θ, θ̇] = [0.1, −0.2, 0.05, 0.3], action 1 (F = +10):
    //   sinθ = 0.04997916927067833, cosθ = 0.9987502603949663
    //   temp = (10 + 0.05·0.3²·sinθ)/1.1 = (10 + 0.000224906)/1.1 = 9.091113551147014
    //   θ̈ = (9.8·sinθ − cosθ·temp) / (0.5·(4/3 − 0.1·cos²θ/1.1))
    //     = (0.489795859 − 9.079752264) / (0.5·(1.333333333 − 0.090682730)) = −8.589956405/0.621325302 = −13.825207424073673
    //   ẍ = temp − 0.05·θ̈·cosθ/1.1 = 9.091113551 + 0.627633160 = 9.718746710911015
    //   x' = 0.1 + 0.02·(−0.2) = 0.096;  ẋ' = −0.2 + 0.02·9.718746711 = −0.005625065781779709
    //   θ' = 0.05 + 0.02·0.3 = 0.056;     θ̇' = 0.3 + 0.02·(−13.825207424) = 0.02349585151852651
    const env = new CartPoleEnv();
    env.reset(0);
    env.setState([0.1, -0.2, 0.05, 0.3]);
    const r = env.step(1);
    const s = env.getState();
    expect(s[0]).toBeCloseTo(0.096, 14);
    expect(s[1]).toBeCloseTo(-0.005625065781779709, 14);
    expect(s[2]).toBeCloseTo(0.056, 14);
    expect(s[3]).toBeCloseTo(0.02349585151852651, 14);
    expect(r.reward).toBe(1);
    expect(r.terminated).toBe(false);
    expect(r.truncated).toBe(false);
    // The observation is the float32 rounding of the float64 state.
    expect(Array.from(r.observation)).toEqual(Array.from(s, (v) => Math.fround(v)));
  });

  it('pushing left (action 0) mirrors pushing right from the mirrored state', () => {
    const a = new CartPoleEnv();
    const b = new CartPoleEnv();
    a.reset();
    b.reset();
    a.setState([0.1, -0.2, 0.05, 0.3]);
    b.setState([-0.1, 0.2, -0.05, -0.3]);
    a.step(1);
    b.step(0);
    const sa = a.getState();
    const sb = b.getState();
    for (let i = 0; i < 4; i++) expect(sb[i]).toBeCloseTo(-sa[i], 15);
  });

  it('terminates past |θ| > 12° or |x| > 2.4 with reward 1 on the terminating step, then refuses to step', () => {
    const env = new CartPoleEnv();
    env.reset();
    // θ' = 0.2094 + 0.02·0.1 = 0.2114 > 0.20944.
    env.setState([0, 0, 0.2094, 0.1]);
    const r = env.step(0);
    expect(r.terminated).toBe(true);
    expect(r.reward).toBe(1);
    expect(() => env.step(0)).toThrow(DescentError);
    env.reset();
    // x' = 2.39 + 0.02·1 = 2.41 > 2.4.
    env.setState([2.39, 1, 0, 0]);
    expect(env.step(1).terminated).toBe(true);
    env.reset();
    // x' = 2.39 + 0.02·0.5 = 2.4 is not beyond the threshold.
    env.setState([2.39, 0.5, 0, 0]);
    expect(env.step(1).terminated).toBe(false);
  });

  it('is truncated at exactly 500 steps (TimeLimit)', () => {
    const env = new CartPoleEnv();
    env.reset(3);
    for (let t = 1; t <= 500; t++) {
      env.setState([0, 0, 0, 0]); // keep the pole up; elapsed steps still count
      const r = env.step(t % 2);
      expect(r.terminated).toBe(false);
      expect(r.truncated).toBe(t === 500);
    }
    expect(() => env.step(0)).toThrow(/reset/);
  });

  it('resets every state variable uniformly on [−0.05, 0.05), reproducibly by seed', () => {
    const env = new CartPoleEnv();
    const values: number[] = [];
    env.reset(11);
    for (let i = 0; i < 500; i++) values.push(...env.reset());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-0.05);
    expect(Math.max(...values)).toBeLessThan(0.05);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    // U(−0.05, 0.05): mean 0, variance 0.1²/12 = 8.333e-4; 2000 draws: sd(mean) ≈ 6.5e-4.
    expect(Math.abs(mean)).toBeLessThan(3e-3);
    expect(variance).toBeGreaterThan(7.5e-4);
    expect(variance).toBeLessThan(9.2e-4);
    const again = new CartPoleEnv();
    again.reset(11);
    expect(Array.from(again.reset())).toEqual(values.slice(0, 4));
    // A fresh environment constructed with seed s then reset() equals reset(s).
    expect(Array.from(new CartPoleEnv(11).reset())).toEqual(Array.from(new CartPoleEnv(0).reset(11)));
  });

  it('rejects actions outside Discrete(2)', () => {
    const env = new CartPoleEnv();
    env.reset();
    for (const bad of [2, -1, 0.5, NaN]) expect(() => env.step(bad)).toThrow(DescentError);
    expect(() => env.step(Float32Array.of(1))).toThrow(/integer in \[0, 1\]/);
    expect(() => new CartPoleEnv().step(0)).toThrow(/reset/);
    // The failed steps did not advance the episode.
    expect(env.elapsedSteps).toBe(0);
  });

  it('a random policy survives ~22 steps on average (Gymnasium lore: 20-25)', () => {
    const env = makeEnv('CartPole-v1', { numEnvs: 4, seed: 0 });
    env.reset();
    let episodes = 0;
    let steps = 0;
    let parity = 0x9e3779b9;
    while (episodes < 200) {
      const actions = new Int32Array(4);
      for (let i = 0; i < 4; i++) {
        parity = (Math.imul(parity, 1664525) + 1013904223) >>> 0;
        actions[i] = parity >>> 31;
      }
      const r = env.step(actions);
      steps += 4;
      for (let i = 0; i < 4; i++) episodes += r.terminated[i] | r.truncated[i];
    }
    expect(steps / episodes).toBeGreaterThan(17);
    expect(steps / episodes).toBeLessThan(27);
  });
});
