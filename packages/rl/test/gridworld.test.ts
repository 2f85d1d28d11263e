import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { GridWorldEnv } from '@descent/rl';

describe('GridWorld-v0', () => {
  it('the shortest path (4 right, 4 down) returns 1 − 0.1·7 = 0.3', () => {
    const env = new GridWorldEnv();
    const o = env.reset();
    expect(o.length).toBe(25);
    expect(o[0]).toBe(1);
    let total = 0;
    const path = [1, 1, 1, 1, 2, 2, 2, 2];
    path.forEach((a, t) => {
      const r = env.step(a);
      total += r.reward;
      expect(r.terminated).toBe(t === path.length - 1);
    });
    expect(total).toBeCloseTo(0.3, 12);
    expect(Array.from(env.getState())).toEqual([4, 4]);
  });

  it('walls keep the agent in place; truncated at 4·size = 20 steps', () => {
    const env = new GridWorldEnv();
    const o0 = env.reset();
    const r = env.step(0); // up from the top row
    expect(Array.from(r.observation)).toEqual(Array.from(o0));
    for (let t = 2; t <= 20; t++) {
      const s = env.step(3); // left from the left column
      expect(s.reward).toBeCloseTo(-0.1, 15);
      expect(s.truncated).toBe(t === 20);
    }
    expect(() => env.step(0)).toThrow(DescentError);
  });

  it('validates options and actions', () => {
    expect(() => new GridWorldEnv({ size: 1 })).toThrow(/size/);
    const env = new GridWorldEnv({ size: 3, maxEpisodeSteps: 7 });
    expect(env.maxEpisodeSteps).toBe(7);
    env.reset();
    expect(() => env.step(4)).toThrow(/integer in \[0, 3\]/);
  });
});
