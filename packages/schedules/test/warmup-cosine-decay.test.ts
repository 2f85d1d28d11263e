import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cosineDecay, warmupCosineDecay } from '@descent/schedules';

describe('warmupCosineDecay (optax warmup_cosine_decay_schedule)', () => {
  it('warms up linearly, then decays by cosine over decaySteps − warmupSteps to end (values by hand)', () => {
    const s = warmupCosineDecay({ init: 0, peak: 1, warmupSteps: 10, decaySteps: 110, end: 0.1 });
    expect(s(0)).toBe(0);
    expect(s(5)).toBe(0.5);
    expect(s(10)).toBe(1);
    // Cosine half-way through the 100 decay steps, α = end/peak = 0.1: 0.9·0.5 + 0.1.
    expect(s(60)).toBeCloseTo(0.55, 15);
    expect(s(110)).toBeCloseTo(0.1, 15);
    expect(s(500)).toBeCloseTo(0.1, 15);
  });

  it('is optax’s join of a linear warmup and a cosine decay seeing the steps since the boundary', () => {
    const s = warmupCosineDecay({ init: 0.2, peak: 2, warmupSteps: 7, decaySteps: 47, end: 0.5, exponent: 2 });
    const decay = cosineDecay({ init: 2, decaySteps: 40, alpha: 0.25, exponent: 2 });
    for (let t = 7; t < 60; t += 0.25) expect(s(t)).toBe(decay(t - 7));
  });

  it('has a defined zero-length warmup: the cosine starts at peak on step 0', () => {
    const s = warmupCosineDecay({ init: 0, peak: 1, warmupSteps: 0, decaySteps: 100 });
    expect(s(0)).toBe(1);
    expect(s(50)).toBeCloseTo(0.5, 15);
  });

  it('uses α = 0 when peak is 0 (as optax) instead of dividing by zero', () => {
    const s = warmupCosineDecay({ init: 1, peak: 0, warmupSteps: 2, decaySteps: 4, end: 3 });
    expect([s(0), s(1), s(2), s(3), s(4)]).toEqual([1, 0.5, 0, 0, 0]);
  });

  it('is continuous (at the warmup boundary too), non-decreasing in the warmup and non-increasing after', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 1, max: 5, noNaN: true }),
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 500 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 800, noNaN: true }),
        (init, peak, warmupSteps, extra, end, t) => {
          const decaySteps = warmupSteps + extra;
          const s = warmupCosineDecay({ init, peak, warmupSteps, decaySteps, end });
          const delta = 1e-6;
          const bound = Math.max((peak - init) / warmupSteps, (peak * Math.PI) / (2 * extra)) * delta + 1e-12;
          expect(Math.abs(s(t + delta) - s(t))).toBeLessThanOrEqual(bound);
          if (t + delta <= warmupSteps) expect(s(t + delta)).toBeGreaterThanOrEqual(s(t) - 1e-12);
          if (t >= warmupSteps) expect(s(t + delta)).toBeLessThanOrEqual(s(t) + 1e-12);
        },
      ),
    );
    const s = warmupCosineDecay({ init: 0, peak: 1, warmupSteps: 10, decaySteps: 20 });
    expect(Math.abs(s(10) - s(10 - 1e-9))).toBeLessThan(1e-9);
  });

  it('rejects decaySteps ≤ warmupSteps (decaySteps includes the warmup) and negative warmups', () => {
    expect(() => warmupCosineDecay({ init: 0, peak: 1, warmupSteps: 10, decaySteps: 10 })).toThrow(
      /warmupCosineDecay: decaySteps must be > warmupSteps = 10 \(decaySteps includes the warmup\), got 10/,
    );
    expect(() => warmupCosineDecay({ init: 0, peak: 1, warmupSteps: -1, decaySteps: 10 })).toThrow(
      /warmupCosineDecay: warmupSteps must be a finite number >= 0, got -1/,
    );
    expect(() => warmupCosineDecay({ init: 0, peak: 1, warmupSteps: 1, decaySteps: 10 })(-0.5)).toThrow(/step must be/);
  });
});
