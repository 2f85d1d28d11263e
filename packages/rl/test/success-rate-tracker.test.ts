/**
 * SuccessRateTracker: last-epoch and cumulative rates, the unseen (0.5) and unsolved conventions Knapsack RL needs.
 */
import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { SuccessRateTracker } from '@descent/rl';

describe('SuccessRateTracker', () => {
  it('last-epoch rates, unseen and unsolved conventions', () => {
    const t = new SuccessRateTracker();
    expect(t.rate('q')).toBe(0.5);
    t.record('q', [1, 0, 0, 1]);
    expect(t.rate('q')).toBe(0.5);
    t.record('q', [1, 1, 1, 0]);
    expect(t.rate('q')).toBe(0.75);
    t.record(7, [0, 0]);
    expect(t.rate(7)).toBe(0);
    expect(t.isUnsolved(7)).toBe(true);
    const c = new SuccessRateTracker({ mode: 'cumulative', unsolvedRate: 0.05, unseenRate: 0.3 });
    c.record('q', [1, 0, 0, 1]);
    c.record('q', [1, 1, 1, 0]);
    expect(c.rate('q')).toBe(5 / 8);
    c.record('z', [0, 0, 0]);
    expect(c.rate('z')).toBe(0.05);
    expect(c.rates(['q', 'new'])).toEqual([5 / 8, 0.3]);
    expect(() => c.record('q', [])).toThrow(DescentError);
  });
});
