import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cosineDecay } from '@descent/schedules';

describe('cosineDecay (optax cosine_decay_schedule)', () => {
  it('matches I·[(1 − α)(½(1 + cos(π·min(t, T)/T)))^p + α] at points computed by hand', () => {
    const s = cosineDecay({ init: 1, decaySteps: 100 });
    expect(s(0)).toBe(1);
    expect(s(50)).toBeCloseTo(0.5, 15);
    // cos(π/4) = √2/2, so ½(1 + √2/2) = 0.8535533905932737…
    expect(s(25)).toBeCloseTo(0.5 + Math.SQRT2 / 4, 15);
    expect(s(100)).toBe(0);
    const a = cosineDecay({ init: 2, decaySteps: 100, alpha: 0.1 });
    expect(a(50)).toBeCloseTo(2 * (0.9 * 0.5 + 0.1), 15); // 1.1
    expect(a(100)).toBeCloseTo(0.2, 15);
    const p = cosineDecay({ init: 1, decaySteps: 100, exponent: 2 });
    expect(p(50)).toBeCloseTo(0.25, 15);
  });

  it('holds α·I past decaySteps (a schedule called past its end)', () => {
    const s = cosineDecay({ init: 3, decaySteps: 10, alpha: 0.5 });
    expect(s(10)).toBe(1.5);
    expect(s(11)).toBe(1.5);
    expect(s(1e12)).toBe(1.5);
  });

  it('is non-increasing for I ≥ 0, α ≤ 1 and Lipschitz with constant |I(1 − α)|·p·π/(2T) for p ≥ 1', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 1, max: 4, noNaN: true }),
        fc.double({ min: 0, max: 1200, noNaN: true }),
        fc.double({ min: 0, max: 1200, noNaN: true }),
        (init, decaySteps, alpha, exponent, a, b) => {
          const s = cosineDecay({ init, decaySteps, alpha, exponent });
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          // Rounding slack relative to init (plus the smallest normal, for subnormal inits).
          const slack = 1e-12 * init + 1e-300;
          expect(s(hi)).toBeLessThanOrEqual(s(lo) + slack);
          const lipschitz = (init * (1 - alpha) * exponent * Math.PI) / (2 * decaySteps);
          expect(s(lo) - s(hi)).toBeLessThanOrEqual(lipschitz * (hi - lo) + slack);
        },
      ),
    );
  });

  it('rejects decaySteps ≤ 0 (optax raises too), exponent ≤ 0 and bad steps', () => {
    expect(() => cosineDecay({ init: 1, decaySteps: 0 })).toThrow(/cosineDecay: decaySteps must be a finite number > 0, got 0/);
    expect(() => cosineDecay({ init: 1, decaySteps: 10, exponent: 0 })).toThrow(/cosineDecay: exponent must be a finite number > 0, got 0/);
    expect(() => cosineDecay({ init: 1, decaySteps: 10, alpha: NaN })).toThrow(/cosineDecay: alpha must be a finite number, got NaN/);
    expect(() => cosineDecay({ init: 1, decaySteps: 10 })(Infinity)).toThrow(/cosineDecay: step must be a finite number >= 0, got Infinity/);
  });
});
