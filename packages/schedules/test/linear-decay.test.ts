import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linear, linearDecay } from '@descent/schedules';

describe('linearDecay', () => {
  it('decays from peak on step 0 to 0 on the last step T − 1, and stays 0', () => {
    const s = linearDecay({ peak: 1, steps: 11 });
    expect(Array.from({ length: 11 }, (_, t) => s(t))).toEqual([1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0]);
    expect(s(10)).toBe(0);
    expect(s(50)).toBe(0);
    expect(linearDecay({ peak: 2, steps: 5 })(1)).toBe(1.5);
  });

  it('equals linear({ init: P, end: 0, transitionSteps: T − 1 }) up to rounding', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 10, noNaN: true }), fc.integer({ min: 2, max: 1000 }), fc.double({ min: 0, max: 1100, noNaN: true }), (peak, steps, t) => {
        const a = linearDecay({ peak, steps })(t);
        const b = linear({ init: peak, end: 0, transitionSteps: steps - 1 })(t);
        expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-14 * peak + 1e-300);
      }),
    );
  });

  it('is non-increasing and Lipschitz with constant P/(T − 1)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.integer({ min: 2, max: 1000 }),
        fc.double({ min: 0, max: 1100, noNaN: true }),
        fc.double({ min: 0, max: 1100, noNaN: true }),
        (peak, steps, a, b) => {
          const s = linearDecay({ peak, steps });
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(s(hi)).toBeLessThanOrEqual(s(lo));
          expect(s(lo) - s(hi)).toBeLessThanOrEqual((peak / (steps - 1)) * (hi - lo) + 1e-14 * peak + 1e-300);
        },
      ),
    );
  });

  it('needs a run of at least 2 steps', () => {
    expect(() => linearDecay({ peak: 1, steps: 1 })).toThrow(/linearDecay: steps must be an integer >= 2, got 1/);
    expect(() => linearDecay({ peak: 1, steps: 10 })(-3)).toThrow(/linearDecay: step must be a finite number >= 0, got -3/);
  });
});
