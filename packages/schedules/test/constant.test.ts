import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { constant } from '@descent/schedules';

describe('constant (optax constant_schedule)', () => {
  it('returns its value at every step, as the optax doctest (5 at 0 and 100)', () => {
    const s = constant({ value: 5 });
    expect(s(0)).toBe(5);
    expect(s(100)).toBe(5);
    fc.assert(fc.property(fc.double({ min: 0, max: 1e12, noNaN: true }), (t) => s(t) === 5));
  });

  it('rejects a bad value, unknown options and bad steps with a DescentError naming the argument', () => {
    expect(() => constant({ value: NaN })).toThrow(/constant: value must be a finite number, got NaN/);
    expect(() => constant({ value: 1, valu: 2 } as never)).toThrow(/unknown option 'valu'/);
    expect(() => constant(undefined as never)).toThrow(/constant: options must be an options object/);
    const s = constant({ value: 1 });
    for (const bad of [-1, NaN, Infinity, -Infinity]) {
      let error: unknown;
      try {
        s(bad);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DescentError);
      expect((error as DescentError).parameter).toBe('step');
      expect((error as DescentError).message).toMatch(/constant: step must be a finite number >= 0/);
    }
  });
});
