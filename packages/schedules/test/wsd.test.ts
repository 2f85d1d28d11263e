import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wsd } from '@descent/schedules';

describe('wsd (warmup–stable–decay)', () => {
  it('warms up, holds the peak, then decays by linear, cosine or 1 − sqrt (values by hand)', () => {
    const base = { peak: 1, warmupSteps: 10, stableSteps: 20, decaySteps: 16, end: 0.2 };
    const lin = wsd(base);
    expect([lin(0), lin(5), lin(10), lin(29), lin(30)]).toEqual([0, 0.5, 1, 1, 1]);
    expect(lin(34)).toBeCloseTo(0.2 + 0.8 * 0.75, 15);
    expect(lin(46)).toBe(0.2);
    expect(lin(1e6)).toBe(0.2);
    const cos = wsd({ ...base, decay: 'cosine' });
    expect(cos(38)).toBeCloseTo(0.6, 15); // u = ½: ½(1 + cos(π/2)) = ½
    expect(cos(46)).toBe(0.2);
    const sqrt = wsd({ ...base, decay: '1-sqrt' });
    expect(sqrt(34)).toBeCloseTo(0.2 + 0.8 * 0.5, 15); // u = ¼: 1 − √¼ = ½
    expect(sqrt(46)).toBe(0.2);
  });

  it('has a defined zero-length warmup (peak from step 0) and zero-length stable phase', () => {
    const s = wsd({ peak: 2, warmupSteps: 0, stableSteps: 0, decaySteps: 4, init: 7 });
    expect([s(0), s(1), s(2), s(4)]).toEqual([2, 1.5, 1, 0]);
  });

  it('is continuous and monotone (up in the warmup, down after) for every decay shape', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 1, max: 100 }),
        fc.constantFrom<'linear' | 'cosine' | '1-sqrt'>('linear', 'cosine', '1-sqrt'),
        fc.double({ min: 0, max: 400, noNaN: true }),
        (warmupSteps, stableSteps, decaySteps, decay, t) => {
          const s = wsd({ peak: 1, warmupSteps, stableSteps, decaySteps, decay, end: 0.1 });
          // 1 − √u has an unbounded slope at u = 0 but is ½-Hölder: |Δ| ≤ 0.9·√(Δt/D).
          const delta = 1e-8;
          const change = Math.abs(s(t + delta) - s(t));
          const holder = 0.9 * Math.sqrt(delta / decaySteps);
          expect(change).toBeLessThanOrEqual(Math.max(delta / warmupSteps, (0.9 * Math.PI * delta) / (2 * decaySteps), holder) + 1e-12);
          if (t + delta <= warmupSteps) expect(s(t + delta)).toBeGreaterThanOrEqual(s(t));
          if (t >= warmupSteps) expect(s(t + delta)).toBeLessThanOrEqual(s(t) + 1e-15);
        },
      ),
    );
  });

  it('rejects decaySteps ≤ 0, negative phases and unknown decay shapes', () => {
    const ok = { peak: 1, warmupSteps: 1, stableSteps: 1, decaySteps: 1 };
    expect(() => wsd({ ...ok, decaySteps: 0 })).toThrow(/wsd: decaySteps must be a finite number > 0, got 0/);
    expect(() => wsd({ ...ok, stableSteps: -1 })).toThrow(/wsd: stableSteps must be a finite number >= 0, got -1/);
    expect(() => wsd({ ...ok, decay: 'sqrt' as never })).toThrow(/wsd: decay must be one of 'linear', 'cosine', '1-sqrt', got 'sqrt'/);
  });
});
