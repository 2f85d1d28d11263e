import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sgdr, warmupCosineDecay } from '@descent/schedules';

/** torch's recursive `CosineAnnealingWarmRestarts.step()` (no epoch argument), one call per step. */
function torchRecursive(peak: number, t0: number, tMult: number, etaMin: number, steps: number): number[] {
  let tCur = 0;
  let tI = t0;
  const out: number[] = [];
  for (let t = 0; t < steps; t++) {
    if (t > 0) {
      tCur += 1;
      if (tCur >= tI) {
        tCur -= tI;
        tI *= tMult;
      }
    }
    out.push(etaMin + ((peak - etaMin) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2);
  }
  return out;
}

describe('sgdr, torch form (CosineAnnealingWarmRestarts)', () => {
  it('matches the closed form at points computed by hand', () => {
    const s = sgdr({ peak: 1, t0: 10 });
    expect(s(0)).toBe(1);
    expect(s(5)).toBeCloseTo(0.5, 15);
    expect(s(10)).toBe(1); // restart
    expect(s(2.5)).toBeCloseTo((1 + Math.SQRT1_2) / 2, 15); // fractional epochs, as torch's step(epoch)
    const m = sgdr({ peak: 1, t0: 10, tMult: 2, etaMin: 0.1 });
    expect([m(10), m(30), m(70)]).toEqual([1, 1, 1]); // cycles of 10, 20, 40
    expect(m(20)).toBeCloseTo(0.55, 15); // T_cur = 10 of T_i = 20
  });

  it("equals torch's recursive step() trajectory step for step (T_mult 1, 2 and 3)", () => {
    for (const [t0, tMult] of [
      [7, 1],
      [5, 2],
      [3, 3],
    ]) {
      const s = sgdr({ peak: 0.3, t0, tMult, etaMin: 0.01 });
      const expected = torchRecursive(0.3, t0, tMult, 0.01, 300);
      expected.forEach((v, t) => expect(s(t)).toBe(v));
    }
  });

  it('restarts exactly where torch’s floating-point log would round down (T_0 = 1, T_mult = 10, step 111)', () => {
    // torch: n = int(math.log(111/1·9 + 1, 10)) = int(2.9999999999999996) = 2, which would put step 111 at
    // the end of cycle 2 (eta_min); cycles are 1, 10, 100 long, so 111 starts cycle 3 at the peak.
    expect(Math.log(1000) / Math.log(10)).toBeLessThan(3);
    const s = sgdr({ peak: 1, t0: 1, tMult: 10 });
    expect(s(111)).toBe(1);
    expect(s(110.5)).toBeCloseTo((1 + Math.cos((Math.PI * 99.5) / 100)) / 2, 15);
  });

  it('stays in [etaMin, peak] and is continuous inside each cycle', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 3 }),
        fc.double({ min: 0, max: 1000, noNaN: true }),
        (t0, tMult, t) => {
          const s = sgdr({ peak: 1, t0, tMult, etaMin: 0.1 });
          expect(s(t)).toBeGreaterThanOrEqual(0.1);
          expect(s(t)).toBeLessThanOrEqual(1);
          const delta = 1e-7;
          const sameCycle = torchCycleStart(t0, tMult, t) === torchCycleStart(t0, tMult, t + delta);
          if (sameCycle) expect(Math.abs(s(t + delta) - s(t))).toBeLessThanOrEqual(((0.9 * Math.PI) / (2 * t0)) * delta + 1e-12);
        },
      ),
    );
  });

  it('rejects non-integer or non-positive T_0 and T_mult < 1, as torch does', () => {
    expect(() => sgdr({ peak: 1, t0: 0 })).toThrow(/sgdr: t0 must be an integer >= 1, got 0/);
    expect(() => sgdr({ peak: 1, t0: 2.5 })).toThrow(/sgdr: t0 must be an integer >= 1, got 2.5/);
    expect(() => sgdr({ peak: 1, t0: 2, tMult: 0 })).toThrow(/sgdr: tMult must be an integer >= 1, got 0/);
    expect(() => sgdr({ peak: 1, t0: 2, etaMn: 0 } as never)).toThrow(/sgdr: unknown option 'etaMn'/);
  });
});

function torchCycleStart(t0: number, tMult: number, t: number): number {
  let start = 0;
  let length = t0;
  while (t >= start + length) {
    start += length;
    length *= tMult;
  }
  return start;
}

describe('sgdr, optax form (sgdr_schedule)', () => {
  it('joins warmupCosineDecay cycles at the cumulative sums of their decaySteps', () => {
    const a = { init: 0, peak: 1, warmupSteps: 2, decaySteps: 10 };
    const b = { init: 0, peak: 0.5, warmupSteps: 2, decaySteps: 10, end: 0.05 };
    const s = sgdr({ cycles: [a, b] });
    const first = warmupCosineDecay(a);
    const second = warmupCosineDecay(b);
    for (let t = 0; t < 10; t += 0.5) expect(s(t)).toBe(first(t));
    for (let t = 10; t < 30; t += 0.5) expect(s(t)).toBe(second(t - 10));
    expect([s(10), s(11), s(12)]).toEqual([0, 0.25, 0.5]);
    expect(s(1000)).toBeCloseTo(0.05, 15); // the last cycle holds its end
  });

  it('rejects an empty cycle list and names the bad cycle', () => {
    expect(() => sgdr({ cycles: [] })).toThrow(/sgdr: cycles must be a non-empty array of cycle options/);
    expect(() => sgdr({ cycles: [{ init: 0, peak: 1, warmupSteps: 5, decaySteps: 5 }] })).toThrow(
      /sgdr: cycles\[0\]: decaySteps must be > warmupSteps = 5/,
    );
    expect(() => sgdr({ cycles: [{ init: 0, peak: 1, warmupSteps: 0, decaySteps: 5 }], t0: 3 } as never)).toThrow(/unknown option 't0'/);
  });
});
