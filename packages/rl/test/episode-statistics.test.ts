import { describe, expect, it } from 'vitest';
import { EpisodeStatistics, makeEnv } from '@descent/rl';

describe('EpisodeStatistics', () => {
  it('records CartPole returns and lengths (return = length: +1 per step)', () => {
    const env = new EpisodeStatistics(makeEnv('CartPole-v1', { numEnvs: 3, seed: 7 }));
    env.reset();
    for (let t = 0; t < 60; t++) env.step(new Int32Array(3).fill(1)); // always pushing right falls in ~10 steps
    const rec = env.drain();
    expect(rec.returns.length).toBeGreaterThan(9);
    expect(rec.returns).toEqual(rec.lengths);
    for (const l of rec.lengths) {
      expect(l).toBeGreaterThan(5);
      expect(l).toBeLessThan(20);
    }
    expect(env.totalEpisodes).toBe(rec.returns.length);
    expect(env.totalSteps).toBe(180);
    expect(env.drain()).toEqual({ returns: [], lengths: [] });
  });

  it('sums Pendulum rewards over the 200-step episode', () => {
    const raw = makeEnv('Pendulum-v1', { numEnvs: 1, seed: 3 });
    const env = new EpisodeStatistics(makeEnv('Pendulum-v1', { numEnvs: 1, seed: 3 }));
    raw.reset();
    env.reset();
    let total = 0;
    for (let t = 0; t < 200; t++) {
      total += raw.step(Float32Array.of(0.5)).rewards[0];
      env.step(Float32Array.of(0.5));
    }
    const rec = env.drain();
    expect(rec.lengths).toEqual([200]);
    expect(rec.returns[0]).toBeCloseTo(total, 9);
  });
});
