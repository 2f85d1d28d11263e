import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { BanditEnv, makeEnv } from '@descent/rl';

describe('Bandit-v0', () => {
  it('one-step episodes with Bernoulli arms of the default means', () => {
    const env = makeEnv('Bandit-v0', { numEnvs: 4, seed: 0 });
    expect(env.actionSpace).toEqual({ kind: 'discrete', n: 4 });
    expect(Array.from(env.reset())).toEqual([1, 1, 1, 1]);
    const sums = [0, 0, 0, 0];
    const rounds = 1000;
    for (let t = 0; t < rounds; t++) {
      const r = env.step(Int32Array.of(0, 1, 2, 3));
      for (let a = 0; a < 4; a++) {
        expect(r.terminated[a]).toBe(1);
        expect(r.truncated[a]).toBe(1); // maxEpisodeSteps = 1: TimeLimit also fires
        expect([0, 1]).toContain(r.rewards[a]);
        sums[a] += r.rewards[a];
      }
    }
    // Means 0.2, 0.5, 0.8, 0.35; sd of a mean over 1000 draws ≤ 0.016.
    [0.2, 0.5, 0.8, 0.35].forEach((p, a) => expect(Math.abs(sums[a] / rounds - p)).toBeLessThan(0.06));
  });

  it('Gaussian arms: mean and std of the rewards', () => {
    const env = new BanditEnv({ kind: 'gaussian', means: [1, -2], stds: [0.5, 2], seed: 4 });
    const xs: number[] = [];
    for (let t = 0; t < 2000; t++) {
      env.reset();
      xs.push(env.step(1).reward);
    }
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean + 2)).toBeLessThan(0.15);
    expect(Math.abs(sd - 2)).toBeLessThan(0.12);
  });

  it('is reproducible by seed and validates options', () => {
    const run = (seed: number) => {
      const env = makeEnv('Bandit-v0', { numEnvs: 2, seed });
      env.reset();
      return Array.from({ length: 50 }, () => Array.from(env.step(Int32Array.of(1, 1)).rewards)).flat();
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
    expect(() => new BanditEnv({ means: [0.5, 1.5] })).toThrow(/means\[1\]/);
    expect(() => new BanditEnv({ means: [] })).toThrow(DescentError);
    expect(() => new BanditEnv({ kind: 'gaussian', means: [0], stds: [-1] })).toThrow(/stds\[0\]/);
    expect(() => new BanditEnv({ arms: 3 } as never)).toThrow(/unknown option 'arms'/);
  });
});
