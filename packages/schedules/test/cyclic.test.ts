import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cyclic } from '@descent/schedules';

describe('cyclic (torch CyclicLR)', () => {
  it("'triangular' matches the closed form by hand: base → max over stepSizeUp, back over stepSizeDown", () => {
    const s = cyclic({ baseLr: 0.1, maxLr: 1, stepSizeUp: 4 });
    const expected = [0.1, 0.325, 0.55, 0.775, 1, 0.775, 0.55, 0.325, 0.1, 0.325];
    expected.forEach((v, t) => expect(s(t)).toBeCloseTo(v, 15));
    expect(s(4)).toBe(1);
  });

  it("'triangular2' halves the amplitude every cycle; 'exp_range' scales it by γ^t", () => {
    const s = cyclic({ baseLr: 0.1, maxLr: 1, stepSizeUp: 4, mode: 'triangular2' });
    expect(s(4)).toBe(1);
    expect(s(12)).toBeCloseTo(0.55, 15); // cycle 2 peak: 0.1 + 0.9·½
    expect(s(20)).toBeCloseTo(0.325, 15); // cycle 3 peak: 0.1 + 0.9·¼
    const e = cyclic({ baseLr: 0.1, maxLr: 1, stepSizeUp: 4, mode: 'exp_range', gamma: 0.9 });
    expect(e(4)).toBeCloseTo(0.1 + 0.9 * 0.9 ** 4, 15); // 0.690490
    expect(e(2)).toBeCloseTo(0.1 + 0.9 * 0.5 * 0.81, 15);
  });

  it('handles asymmetric cycles: r = up/(up + down)', () => {
    const s = cyclic({ baseLr: 0, maxLr: 1, stepSizeUp: 2, stepSizeDown: 6 });
    expect(s(2)).toBe(1);
    expect(s(5)).toBeCloseTo(0.5, 15); // x = 5/8, f = (0.625 − 1)/(0.25 − 1)
    expect(s(8)).toBe(0);
  });

  it('uses a custom scaleFn per cycle or per iteration', () => {
    const perCycle = cyclic({ baseLr: 0, maxLr: 1, stepSizeUp: 1, scaleFn: (c) => 1 / c });
    expect([perCycle(1), perCycle(3), perCycle(5)]).toEqual([1, 0.5, 1 / 3]);
    const perStep = cyclic({ baseLr: 0, maxLr: 1, stepSizeUp: 1, scaleFn: (t) => 1 / (t + 1), scaleMode: 'iterations' });
    expect([perStep(1), perStep(3)]).toEqual([0.5, 0.25]);
  });

  it('is continuous for triangular and triangular2 (Lipschitz (max − base)/min(up, down)) and stays in [base, max]', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 50 }),
        fc.constantFrom<'triangular' | 'triangular2'>('triangular', 'triangular2'),
        fc.double({ min: 0, max: 1000, noNaN: true }),
        (stepSizeUp, stepSizeDown, mode, t) => {
          const s = cyclic({ baseLr: 0.1, maxLr: 1, stepSizeUp, stepSizeDown, mode });
          const delta = 1e-7;
          expect(Math.abs(s(t + delta) - s(t))).toBeLessThanOrEqual((0.9 / Math.min(stepSizeUp, stepSizeDown)) * delta + 1e-12);
          expect(s(t)).toBeGreaterThanOrEqual(0.1 - 1e-15);
          expect(s(t)).toBeLessThanOrEqual(1 + 1e-15);
        },
      ),
    );
  });

  it('rejects bad sizes, modes and scale functions', () => {
    expect(() => cyclic({ baseLr: 0, maxLr: 1, stepSizeUp: 0 })).toThrow(/cyclic: stepSizeUp must be a finite number > 0, got 0/);
    expect(() => cyclic({ baseLr: 0, maxLr: 1, mode: 'sawtooth' as never })).toThrow(
      /cyclic: mode must be one of 'triangular', 'triangular2', 'exp_range', got 'sawtooth'/,
    );
    expect(() => cyclic({ baseLr: 0, maxLr: 1, scaleMode: 'cycle' })).toThrow(/cyclic: scaleMode must be undefined unless scaleFn is given/);
    expect(() => cyclic({ baseLr: 0, maxLr: 1, stepSizeUp: 1, scaleFn: () => NaN })(1)).toThrow(/cyclic: scaleFn\(1\) must be a finite number, got NaN/);
  });
});
