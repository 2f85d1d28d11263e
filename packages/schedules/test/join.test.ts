import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { constant, join, linear } from '@descent/schedules';

describe('join (optax join_schedules)', () => {
  it('runs each schedule on the steps since its boundary', () => {
    const s = join({
      schedules: [constant({ value: 1 }), linear({ init: 1, end: 0, transitionSteps: 10 }), constant({ value: 7 })],
      boundaries: [5, 20],
    });
    expect([s(0), s(4.5), s(5), s(10), s(15), s(19), s(20), s(1e6)]).toEqual([1, 1, 1, 0.5, 0, 0, 7, 7]);
  });

  it('switches exactly at the boundary, as optax’s `step < boundary`', () => {
    const seen: number[] = [];
    const s = join({ schedules: [() => -1, (t) => (seen.push(t), t)], boundaries: [3] });
    expect([s(2.999), s(3), s(4.25)]).toEqual([-1, 0, 1.25]);
    expect(seen).toEqual([0, 1.25]);
  });

  it('with one schedule and no boundaries is that schedule', () => {
    const s = join({ schedules: [linear({ init: 2, end: 0, transitionSteps: 4 })], boundaries: [] });
    expect([s(0), s(2), s(8)]).toEqual([2, 1, 0]);
  });

  it('rejects empty schedules, a wrong number of boundaries, and boundaries not strictly increasing', () => {
    const c = constant({ value: 1 });
    expect(() => join({ schedules: [], boundaries: [] })).toThrow(/join: schedules must be a non-empty array of schedules/);
    expect(() => join({ schedules: [c, c], boundaries: [] })).toThrow(/join: boundaries must be 1 steps \(one fewer than schedules\), got \[\]/);
    expect(() => join({ schedules: [c, c, c], boundaries: [5, 5] })).toThrow(
      /join: boundaries\[1\] must be > boundaries\[0\] = 5 \(strictly increasing\), got 5/,
    );
    expect(() => join({ schedules: [c, c, c], boundaries: [5, 2] })).toThrow(/boundaries\[1\] must be > boundaries\[0\] = 5/);
    expect(() => join({ schedules: [c, c], boundaries: [-1] })).toThrow(/join: boundaries\[0\] must be a finite number >= 0, got -1/);
    expect(() => join({ schedules: [c, 3 as never], boundaries: [1] })).toThrow(/join: schedules\[1\] must be a schedule/);
    try {
      join({ schedules: [c, c], boundaries: [NaN] });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DescentError);
      expect((e as DescentError).parameter).toBe('boundaries[0]');
    }
  });
});
