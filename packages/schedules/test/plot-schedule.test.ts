import { describe, expect, it } from 'vitest';
import { cosineDecay, linearDecay, plotSchedule } from '@descent/schedules';

describe('plotSchedule', () => {
  it('samples steps 0, every, … below steps and always includes the last step', () => {
    const s = linearDecay({ peak: 1, steps: 11 });
    expect(plotSchedule(s, { steps: 11 })).toEqual({
      steps: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      values: [1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0],
    });
    expect(plotSchedule(s, { steps: 11, every: 4 })).toEqual({ steps: [0, 4, 8, 10], values: [1, 0.6, 0.2, 0] });
    expect(plotSchedule(s, { steps: 11, every: 5 })).toEqual({ steps: [0, 5, 10], values: [1, 0.5, 0] });
    const c = plotSchedule(cosineDecay({ init: 2, decaySteps: 100 }), { steps: 101, every: 50 });
    expect(c.steps).toEqual([0, 50, 100]);
    expect(c.values[1]).toBeCloseTo(1, 15);
  });

  it('rejects bad sizes and a schedule returning a non-finite value', () => {
    expect(() => plotSchedule(() => 1, { steps: 0 })).toThrow(/plotSchedule: steps must be an integer >= 1, got 0/);
    expect(() => plotSchedule(() => 1, { steps: 5, every: 0 })).toThrow(/plotSchedule: every must be an integer >= 1, got 0/);
    expect(() => plotSchedule((t) => (t === 3 ? NaN : 1), { steps: 5 })).toThrow(/plotSchedule: schedule\(step 3\) must be a finite number, got NaN/);
    expect(() => plotSchedule(1 as never, { steps: 5 })).toThrow(/plotSchedule: schedule must be a schedule/);
  });
});
