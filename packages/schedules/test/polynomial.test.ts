import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { polynomial } from '@descent/schedules';

describe('polynomial (optax polynomial_schedule)', () => {
  it('reproduces the optax doctest with transition_begin = 5 (printed to 4 decimals)', () => {
    const s = polynomial({ init: 1.0, end: 0.01, power: 2, transitionSteps: 100, transitionBegin: 5 });
    const doctest: [number, number][] = [
      [0, 1.0],
      [5, 1.0],
      [6, 0.9803],
      [104, 0.0101],
      [105, 0.01],
      [110, 0.01],
    ];
    for (const [t, v] of doctest) expect(s(t)).toBeCloseTo(v, 4);
    // By hand: t = 6 is one step into the transition, (1 − 0.01)(1 − 1/100)² + 0.01 = 0.99·0.9801 + 0.01.
    expect(s(6)).toBeCloseTo(0.980299, 14);
    // t = 104: 0.99·(1/100)² + 0.01 = 0.010099.
    expect(s(104)).toBeCloseTo(0.010099, 14);
    expect(s(105)).toBe(0.01);
  });

  it('reproduces the doctest without transition_begin: 1.0 at t = 0 and 0.01 at t = 100', () => {
    const s = polynomial({ init: 1.0, end: 0.01, power: 2, transitionSteps: 100 });
    expect(s(0)).toBe(1);
    expect(s(100)).toBe(0.01);
    expect(s(50)).toBeCloseTo(0.99 * 0.25 + 0.01, 15);
  });

  it('holds end past the transition and is the constant init when transitionSteps is 0 (as optax)', () => {
    const s = polynomial({ init: 2, end: 0.5, power: 3, transitionSteps: 10 });
    expect(s(10)).toBe(0.5);
    expect(s(1e9)).toBe(0.5);
    const flat = polynomial({ init: 2, end: 0.5, power: 3, transitionSteps: 0 });
    expect([flat(0), flat(7), flat(1e6)]).toEqual([2, 2, 2]);
  });

  it('is monotone from init to end and Lipschitz with constant |I − E|·P/T for P ≥ 1 (continuity)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.double({ min: 1, max: 5, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 0, max: 100 }),
        fc.double({ min: 0, max: 1200, noNaN: true }),
        fc.double({ min: 0, max: 1200, noNaN: true }),
        (init, end, power, transitionSteps, transitionBegin, a, b) => {
          const s = polynomial({ init, end, power, transitionSteps, transitionBegin });
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const slack = 1e-12 * (Math.abs(init) + Math.abs(end)) + 1e-300;
          if (init >= end) expect(s(hi)).toBeLessThanOrEqual(s(lo) + slack);
          else expect(s(hi)).toBeGreaterThanOrEqual(s(lo) - slack);
          expect(Math.abs(s(hi) - s(lo))).toBeLessThanOrEqual((Math.abs(init - end) * power * (hi - lo)) / transitionSteps + slack);
        },
      ),
    );
  });

  it('rejects bad options and bad steps, naming the argument', () => {
    const ok = { init: 1, end: 0, power: 1, transitionSteps: 10 };
    expect(() => polynomial({ ...ok, power: 0 })).toThrow(/polynomial: power must be a finite number > 0, got 0/);
    expect(() => polynomial({ ...ok, transitionSteps: -1 })).toThrow(/polynomial: transitionSteps must be a finite number >= 0, got -1/);
    expect(() => polynomial({ ...ok, transitionBegin: -5 })).toThrow(/polynomial: transitionBegin must be a finite number >= 0, got -5/);
    expect(() => polynomial({ ...ok, end: Infinity })).toThrow(/polynomial: end must be a finite number, got Infinity/);
    expect(() => polynomial(ok)(-1)).toThrow(/polynomial: step must be a finite number >= 0, got -1/);
  });
});
