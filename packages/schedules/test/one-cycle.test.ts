import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { oneCycle, piecewiseInterpolate } from '@descent/schedules';

describe('oneCycle (optax cosine_onecycle_schedule / linear_onecycle_schedule)', () => {
  it('cosine: P/25 → P at ⌊0.3T⌋ → P/(25·1e4) at T (values by hand; torch OneCycleLR has the same ends)', () => {
    const s = oneCycle({ transitionSteps: 100, peak: 1 });
    expect(s(0)).toBeCloseTo(0.04, 16);
    expect(s(15)).toBeCloseTo(0.52, 15); // half-way up: 1 + (0.04 − 1)/2·(cos(π/2) + 1)
    expect(s(30)).toBe(1);
    expect(s(65)).toBeCloseTo(0.500002, 15); // half-way down to 4e-6
    expect(s(100)).toBeCloseTo(4e-6, 20);
    expect(s(1e5)).toBe(s(100));
  });

  it("is optax's piecewise_interpolate_schedule('cosine', P/div, {⌊pct·T⌋: div, T: 1/(div·final)})", () => {
    const s = oneCycle({ transitionSteps: 37, peak: 3, pctStart: 0.25, divFactor: 10, finalDivFactor: 100 });
    const ref = piecewiseInterpolate({ kind: 'cosine', init: 0.3, boundariesAndScales: { 9: 10, 37: 1 / 1000 } });
    for (let t = 0; t < 45; t += 0.5) expect(s(t)).toBe(ref(t));
    expect(oneCycle({ transitionSteps: 37, peak: 3, kind: 'cos' })(12)).toBe(oneCycle({ transitionSteps: 37, peak: 3 })(12));
  });

  it('linear: P/25 → P at ⌊0.3T⌋ → P/25 at ⌊0.85T⌋ → P/(25·1e4) at T (values by hand)', () => {
    const s = oneCycle({ transitionSteps: 100, peak: 1, kind: 'linear' });
    expect(s(0)).toBeCloseTo(0.04, 16);
    expect(s(30)).toBe(1);
    expect(s(50)).toBeCloseTo(1 - 0.96 * (20 / 55), 15);
    expect(s(85)).toBeCloseTo(0.04, 16);
    expect(s(92.5)).toBeCloseTo(0.020002, 15);
    expect(s(100)).toBeCloseTo(4e-6, 20);
  });

  it('starts at the peak when ⌊pctStart·T⌋ = 0 (empty warmup, as optax)', () => {
    const s = oneCycle({ transitionSteps: 3, peak: 2, pctStart: 0.3 });
    expect(s(0)).toBe(2);
  });

  it('is continuous, non-decreasing up to the peak and non-increasing after it (cosine and linear)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 20, max: 500 }),
        fc.double({ min: 0.05, max: 0.5, noNaN: true }),
        fc.constantFrom<'cosine' | 'linear'>('cosine', 'linear'),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (transitionSteps, pctStart, kind, where) => {
          const s = oneCycle({ transitionSteps, peak: 1, pctStart, kind });
          const t = where * (transitionSteps + 5);
          const delta = 1e-7;
          const rise = Math.floor(pctStart * transitionSteps);
          // Every leg moves by at most 1 over at least one step; a cosine leg's slope is at most π/2 times that.
          expect(Math.abs(s(t + delta) - s(t))).toBeLessThanOrEqual((Math.PI / 2) * delta + 1e-12);
          if (t + delta <= rise) expect(s(t + delta)).toBeGreaterThanOrEqual(s(t) - 1e-15);
          if (t >= rise && kind === 'cosine') expect(s(t + delta)).toBeLessThanOrEqual(s(t) + 1e-15);
          if (t >= rise && kind === 'linear' && t + delta <= Math.floor(0.85 * transitionSteps)) {
            expect(s(t + delta)).toBeLessThanOrEqual(s(t) + 1e-15);
          }
        },
      ),
    );
  });

  it('rejects bad phases and a cycle too short for three linear phases', () => {
    expect(() => oneCycle({ transitionSteps: 0, peak: 1 })).toThrow(/oneCycle: transitionSteps must be an integer >= 1, got 0/);
    expect(() => oneCycle({ transitionSteps: 10.5, peak: 1 })).toThrow(/transitionSteps must be an integer >= 1, got 10.5/);
    expect(() => oneCycle({ transitionSteps: 10, peak: 1, pctStart: 1 })).toThrow(/oneCycle: pctStart must be a finite number in \[0, 1\), got 1/);
    expect(() => oneCycle({ transitionSteps: 10, peak: 1, kind: 'linear', pctStart: 0.5, pctFinal: 0.4 })).toThrow(
      /oneCycle: pctFinal must be a finite number in \(0.5, 1\), got 0.4/,
    );
    expect(() => oneCycle({ transitionSteps: 4, peak: 1, kind: 'linear', pctStart: 0.5, pctFinal: 0.6 })).toThrow(
      /oneCycle: transitionSteps must be large enough that floor\(pctStart·T\) = 2 < floor\(pctFinal·T\) = 2 < T/,
    );
    expect(oneCycle({ transitionSteps: 2, peak: 1, kind: 'linear' })(0)).toBe(1); // phases [0, 0), [0, 1), [1, 2)
    expect(() => oneCycle({ transitionSteps: 1, peak: 1, kind: 'linear' })).toThrow(/floor\(pctStart·T\) = 0 < floor\(pctFinal·T\) = 0/);
    expect(() => oneCycle({ transitionSteps: 10, peak: 1, pctFinal: 0.9 })).toThrow(/oneCycle: pctFinal must be undefined unless kind is 'linear'/);
    expect(() => oneCycle({ transitionSteps: 10, peak: 1, divFactor: 0 })).toThrow(/divFactor must be a finite number > 0, got 0/);
  });
});
