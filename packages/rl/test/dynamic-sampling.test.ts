/**
 * DAPO dynamic sampling: keep groups whose rollouts disagree, generate until the batch is full.
 */
import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { dynamicSampling, dynamicSamplingAsync } from '@descent/rl';

describe('dynamicSampling', () => {
  // round r yields 3 groups: [all 1], [1, 0], [all 0] → 1 kept per round
  const gen = (round: number) => [
    { items: [`${round}a`], metric: [1, 1] },
    { items: [`${round}b`], metric: [1, 0] },
    { items: [`${round}c`], metric: [0, 0] },
  ];

  it('keeps only groups with non-equal metrics until the batch is full', () => {
    const r = dynamicSampling(gen, { targetGroups: 2 });
    expect(r.groups.map((g) => g.items[0])).toEqual(['0b', '1b']);
    expect(r.rounds).toBe(2);
    expect(r.generated).toBe(6);
    expect(r.kept).toBe(2);
  });

  it('truncates the surplus of the last round, and errors after maxRounds', async () => {
    const many = (round: number) => [0, 1, 2].map((k) => ({ items: [round * 3 + k], metric: [0, 1] }));
    expect(dynamicSampling(many, { targetGroups: 4 }).groups.map((g) => g.items[0])).toEqual([0, 1, 2, 3]);
    expect(() => dynamicSampling(gen, { targetGroups: 5, maxRounds: 3 })).toThrow(DescentError);
    const a = await dynamicSamplingAsync(async (r) => gen(r), { targetGroups: 1 });
    expect(a.groups[0].items).toEqual(['0b']);
  });

  it('a tolerance filters near-equal shaped rewards', () => {
    const r = dynamicSampling(() => [{ items: [1], metric: [0.5, 0.5000001] }, { items: [2], metric: [0, 1] }], { targetGroups: 1, tol: 1e-3 });
    expect(r.groups[0].items).toEqual([2]);
  });
});
