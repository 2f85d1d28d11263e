import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { piecewiseConstant, piecewiseInterpolate } from '@descent/schedules';

describe('piecewiseConstant (optax piecewise_constant_schedule)', () => {
  it('reproduces the optax doctest: 1.0, 0.1, 0.001 at t = 50, 150, 250', () => {
    const s = piecewiseConstant({ init: 1.0, boundariesAndScales: { 100: 0.1, 200: 0.01 } });
    expect(s(50)).toBe(1.0);
    expect(s(150)).toBe(0.1);
    expect(s(250)).toBeCloseTo(0.001, 17);
  });

  it('applies a scale at its boundary (t ≥ b), whatever the key order', () => {
    const s = piecewiseConstant({ init: 2, boundariesAndScales: { 20: 0.5, 10: 3 } });
    expect([s(9.999), s(10), s(19), s(20), s(1e9)]).toEqual([2, 6, 6, 3, 3]);
  });

  it('is the constant init for an empty or omitted table (as optax)', () => {
    expect(piecewiseConstant({ init: 4, boundariesAndScales: {} })(99)).toBe(4);
    expect(piecewiseConstant({ init: 4 })(0)).toBe(4);
  });

  it('is non-increasing when every scale is ≤ 1', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.integer({ min: 0, max: 100 }).map(String), fc.double({ min: 0, max: 1, noNaN: true })),
        fc.double({ min: 0, max: 200, noNaN: true }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        (table, a, b) => {
          const s = piecewiseConstant({ init: 1, boundariesAndScales: table });
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(s(hi)).toBeLessThanOrEqual(s(lo));
        },
      ),
    );
  });

  it('rejects negative scales, non-integer or negative steps and one step given twice', () => {
    expect(() => piecewiseConstant({ init: 1, boundariesAndScales: { 10: -1 } })).toThrow(
      /piecewiseConstant: boundariesAndScales\[10\] must be a finite number >= 0, got -1/,
    );
    expect(() => piecewiseConstant({ init: 1, boundariesAndScales: { 1.5: 0.5 } })).toThrow(
      /piecewiseConstant: boundariesAndScales key '1.5' must be an integer >= 0, got 1.5/,
    );
    expect(() => piecewiseConstant({ init: 1, boundariesAndScales: { [-3]: 0.5 } })).toThrow(/key '-3' must be an integer >= 0, got -3/);
    expect(() => piecewiseConstant({ init: 1, boundariesAndScales: { ['1']: 0.5, ['1.0']: 0.2 } as never })).toThrow(
      /key '1.0' must be a step not already given \(as '1'\); boundaries must be strictly increasing/,
    );
    expect(() => piecewiseConstant({ init: 1, boundariesAndScales: [0.5] as never })).toThrow(/boundariesAndScales must be an object/);
  });
});

describe('piecewiseInterpolate (optax piecewise_interpolate_schedule)', () => {
  it("reproduces the optax doctest ('linear', 1.0, {4: 0.1, 8: 0.01}) at t = 0, 2, …, 10", () => {
    const s = piecewiseInterpolate({ kind: 'linear', init: 1.0, boundariesAndScales: { 4: 0.1, 8: 0.01 } });
    const doctest = [1.0, 0.55, 0.1, 0.0505, 0.001, 0.001];
    doctest.forEach((v, k) => expect(s(2 * k)).toBeCloseTo(v, 6));
  });

  it('interpolates between accumulated values with ½(cos πu + 1) for kind cosine (values by hand)', () => {
    const s = piecewiseInterpolate({ kind: 'cosine', init: 1, boundariesAndScales: { 4: 0.1 } });
    expect(s(0)).toBe(1);
    expect(s(2)).toBeCloseTo(0.55, 15);
    // u = 1/4: 0.1 + 0.45·(cos(π/4) + 1)
    expect(s(1)).toBeCloseTo(0.1 + 0.45 * (Math.SQRT1_2 + 1), 15);
    expect(s(4)).toBe(0.1);
    expect(s(400)).toBe(0.1);
  });

  it('is continuous (Lipschitz between integer boundaries) and non-increasing when every scale is ≤ 1', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<'linear' | 'cosine'>('linear', 'cosine'),
        fc.dictionary(fc.integer({ min: 1, max: 100 }).map(String), fc.double({ min: 0, max: 1, noNaN: true }), { minKeys: 1 }),
        fc.double({ min: 0, max: 200, noNaN: true }),
        (kind, table, t) => {
          const s = piecewiseInterpolate({ kind, init: 1, boundariesAndScales: table });
          const delta = 1e-7;
          // Each leg changes by at most 1 over at least one step; the cosine leg's slope is at most π/2 times that.
          expect(Math.abs(s(t + delta) - s(t))).toBeLessThanOrEqual((Math.PI / 2) * delta + 1e-12);
          expect(s(t + delta)).toBeLessThanOrEqual(s(t) + 1e-15);
        },
      ),
    );
  });

  it('rejects an unknown kind and bad tables', () => {
    expect(() => piecewiseInterpolate({ kind: 'cubic' as never, init: 1 })).toThrow(
      /piecewiseInterpolate: kind must be one of 'linear', 'cosine', got 'cubic'/,
    );
    expect(() => piecewiseInterpolate({ kind: 'linear', init: 1, boundariesAndScales: { 4: NaN } })).toThrow(/boundariesAndScales\[4\]/);
  });
});
