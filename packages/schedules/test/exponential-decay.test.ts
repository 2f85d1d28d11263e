import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exponentialDecay } from '@descent/schedules';

describe('exponentialDecay (optax exponential_decay)', () => {
  it('decays as I·r^((t − B)/T) after transitionBegin (values by hand)', () => {
    const s = exponentialDecay({ init: 1, transitionSteps: 10, decayRate: 0.5 });
    expect(s(0)).toBe(1);
    expect(s(10)).toBe(0.5);
    expect(s(20)).toBe(0.25);
    expect(s(15)).toBeCloseTo(Math.SQRT1_2 / 2, 15); // 0.5^1.5
    const begun = exponentialDecay({ init: 2, transitionSteps: 10, decayRate: 0.5, transitionBegin: 5 });
    expect([begun(0), begun(5), begun(15), begun(25)]).toEqual([2, 2, 1, 0.5]);
  });

  it('with staircase decays in whole steps of T', () => {
    const s = exponentialDecay({ init: 1, transitionSteps: 10, decayRate: 0.5, staircase: true });
    expect([s(0), s(9.99), s(10), s(15), s(19), s(20)]).toEqual([1, 1, 0.5, 0.5, 0.5, 0.25]);
  });

  it('clips by endValue: a floor when r < 1, a ceiling when r ≥ 1, at every step as optax does', () => {
    const down = exponentialDecay({ init: 1, transitionSteps: 1, decayRate: 0.5, endValue: 0.3 });
    expect([down(1), down(2), down(100)]).toEqual([0.5, 0.3, 0.3]);
    const up = exponentialDecay({ init: 1, transitionSteps: 1, decayRate: 2, endValue: 3 });
    expect([up(0), up(1), up(2), up(100)]).toEqual([1, 2, 3, 3]);
    // optax applies the clip before transition_begin too: init 1 under a floor of 2 reads 2.
    const clipped = exponentialDecay({ init: 1, transitionSteps: 10, decayRate: 0.5, transitionBegin: 5, endValue: 2 });
    expect(clipped(0)).toBe(2);
  });

  it('is monotone (non-increasing for r < 1) and, without staircase, Lipschitz with constant I·|ln r|/T', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0.01, max: 0.999, noNaN: true }),
        fc.integer({ min: 0, max: 50 }),
        fc.boolean(),
        fc.double({ min: 0, max: 500, noNaN: true }),
        fc.double({ min: 0, max: 500, noNaN: true }),
        (init, transitionSteps, decayRate, transitionBegin, staircase, a, b) => {
          const s = exponentialDecay({ init, transitionSteps, decayRate, transitionBegin, staircase });
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          const slack = 1e-12 * init + 1e-300;
          expect(s(hi)).toBeLessThanOrEqual(s(lo) + slack);
          if (!staircase) {
            expect(s(lo) - s(hi)).toBeLessThanOrEqual(((init * -Math.log(decayRate)) / transitionSteps) * (hi - lo) + slack);
          }
        },
      ),
    );
  });

  it('rejects transitionSteps ≤ 0 and decayRate ≤ 0 (optax: "must be positive" / "must not be zero")', () => {
    expect(() => exponentialDecay({ init: 1, transitionSteps: 0, decayRate: 0.5 })).toThrow(
      /exponentialDecay: transitionSteps must be a finite number > 0, got 0/,
    );
    expect(() => exponentialDecay({ init: 1, transitionSteps: 1, decayRate: 0 })).toThrow(/exponentialDecay: decayRate must be a finite number > 0, got 0/);
    expect(() => exponentialDecay({ init: 1, transitionSteps: 1, decayRate: 0.5, staircase: 1 as never })).toThrow(
      /exponentialDecay: staircase must be a boolean, got 1/,
    );
    expect(() => exponentialDecay({ init: 1, transitionSteps: 1, decayRate: 0.5, endValue: NaN })).toThrow(/endValue must be a finite number/);
  });
});
