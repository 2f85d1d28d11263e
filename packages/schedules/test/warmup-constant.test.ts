import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { warmupConstant } from '@descent/schedules';

describe('warmupConstant (optax warmup_constant_schedule)', () => {
  it('ramps linearly from init to peak over warmupSteps, then holds peak', () => {
    const s = warmupConstant({ init: 0.1, peak: 1.1, warmupSteps: 4 });
    // optax evaluates (I − P)(1 − t/W) + P, so step 0 is init up to one rounding.
    const expected = [0.1, 0.35, 0.6, 0.85, 1.1];
    expected.forEach((v, t) => expect(s(t)).toBeCloseTo(v, 15));
    expect([s(4), s(100)]).toEqual([1.1, 1.1]);
  });

  it('gives peak from step 0 for a zero-length warmup (documented difference from optax, which keeps init)', () => {
    const s = warmupConstant({ init: 0, peak: 2, warmupSteps: 0 });
    expect([s(0), s(1), s(1000)]).toEqual([2, 2, 2]);
  });

  it('is non-decreasing for init ≤ peak and Lipschitz with constant (peak − init)/W', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -5, max: 5, noNaN: true }),
        fc.double({ min: 0, max: 5, noNaN: true }),
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        (init, rise, warmupSteps, a, b) => {
          const s = warmupConstant({ init, peak: init + rise, warmupSteps });
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(s(hi)).toBeGreaterThanOrEqual(s(lo) - 1e-12);
          expect(s(hi) - s(lo)).toBeLessThanOrEqual((rise / warmupSteps) * (hi - lo) + 1e-12);
        },
      ),
    );
  });

  it('rejects a negative warmup', () => {
    expect(() => warmupConstant({ init: 0, peak: 1, warmupSteps: -2 })).toThrow(/warmupConstant: warmupSteps must be a finite number >= 0, got -2/);
  });
});
