import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linear, polynomial } from '@descent/schedules';

describe('linear (optax linear_schedule)', () => {
  it('reproduces the optax doctest (1.0 at t = 0, 0.01 at t = 100) and interpolates linearly', () => {
    const s = linear({ init: 1.0, end: 0.01, transitionSteps: 100 });
    expect(s(0)).toBe(1);
    expect(s(100)).toBe(0.01);
    expect(s(25)).toBeCloseTo(1 - 0.99 * 0.25, 15);
    expect(s(200)).toBe(0.01);
  });

  it('equals polynomial with power 1, including transitionBegin', () => {
    const a = linear({ init: 3, end: -1, transitionSteps: 40, transitionBegin: 7 });
    const b = polynomial({ init: 3, end: -1, power: 1, transitionSteps: 40, transitionBegin: 7 });
    for (let t = 0; t < 60; t += 0.5) expect(a(t)).toBe(b(t));
    expect(a(7)).toBe(3);
    expect(a(27)).toBe(1);
  });

  it('is monotone and Lipschitz with constant |I − E|/T (continuity)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.double({ min: -10, max: 10, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        fc.double({ min: 0, max: 1200, noNaN: true }),
        fc.double({ min: 0, max: 1200, noNaN: true }),
        (init, end, transitionSteps, a, b) => {
          const s = linear({ init, end, transitionSteps });
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const slack = 1e-12 * (Math.abs(init) + Math.abs(end)) + 1e-300;
          expect(Math.sign(s(hi) - s(lo)) * Math.sign(end - init)).toBeGreaterThanOrEqual(Math.abs(s(hi) - s(lo)) <= slack ? -1 : 0);
          expect(Math.abs(s(hi) - s(lo))).toBeLessThanOrEqual((Math.abs(init - end) * (hi - lo)) / transitionSteps + slack);
        },
      ),
    );
  });

  it('names linear in its errors', () => {
    expect(() => linear({ init: 1, end: 0, transitionSteps: NaN })).toThrow(/linear: transitionSteps must be a finite number >= 0, got NaN/);
    expect(() => linear({ init: 1, end: 0, transitionSteps: 3, power: 2 } as never)).toThrow(/linear: unknown option 'power'/);
  });
});
