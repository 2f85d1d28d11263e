import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { linearDecay, refined } from '@descent/schedules';

interface ReferenceCase {
  name: string;
  gradNorms: number[];
  kind: 'sgd' | 'adam';
  options: { window?: number; smoothing?: number };
  width: number;
  schedule: number[];
}
const reference = JSON.parse(readFileSync(new URL('./fixtures/refined-reference.json', import.meta.url), 'utf8')) as {
  cases: ReferenceCase[];
};

const values = (s: (t: number) => number, n: number) => Array.from({ length: n }, (_, t) => s(t));

describe('refined (Defazio, Cutkosky, Mehta & Mishchenko 2023)', () => {
  it('gives exactly linear decay to zero for constant gradient norms: 1.0, 0.9, …, 0.1, 0 over 11 steps', () => {
    for (const kind of ['sgd', 'adam'] as const) {
      expect(values(refined(new Array(11).fill(2.5), { kind }), 11)).toEqual([1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0]);
    }
  });

  it('equals linearDecay value for value on any constant norms, length, peak and filter width', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 1e6, noNaN: true }),
        fc.integer({ min: 2, max: 400 }),
        fc.double({ min: 0.01, max: 10, noNaN: true }),
        fc.constantFrom<'sgd' | 'adam'>('sgd', 'adam'),
        fc.integer({ min: 0, max: 50 }),
        (norm, steps, peak, kind, window) => {
          const s = refined(new Array(steps).fill(norm), { kind, peak, window });
          const d = linearDecay({ peak, steps });
          for (let t = 0; t < steps + 3; t++) expect(s(t)).toBe(d(t));
        },
      ),
    );
  });

  it('reproduces the reference pipeline (numpy reflect pad + scipy median_filter + find_closed_form_schedule) to 1e-12', () => {
    for (const c of reference.cases) {
      const s = refined(c.gradNorms, { kind: c.kind, ...c.options });
      const got = values(s, c.gradNorms.length);
      c.schedule.forEach((v, t) => expect(Math.abs(got[t] - v), `${c.name} at step ${t}`).toBeLessThanOrEqual(1e-12));
      expect(Math.max(...got)).toBe(1);
      expect(got[got.length - 1]).toBe(0);
    }
  });

  it('median-filters with an odd width and reflect padding at the end (worked by hand)', () => {
    // window 3 over [4, 1, 9, 2, 3]: the start reads element 0 again (scipy 'nearest'), the end reads the reflected
    // value 2 (numpy 'reflect'): medians of [4,4,1], [4,1,9], [1,9,2], [9,2,3], [2,3,2] = 4, 4, 2, 3, 2.
    // Weights Ĝ⁻² = 1/16, 1/16, 1/4, 1/9, 1/4; s_t = w_t·Σ_{p>t} w_p.
    const raw = [(1 / 16) * (1 / 16 + 1 / 4 + 1 / 9 + 1 / 4), (1 / 16) * (1 / 4 + 1 / 9 + 1 / 4), (1 / 4) * (1 / 9 + 1 / 4), (1 / 9) * (1 / 4), 0];
    const top = Math.max(...raw);
    const s = refined([4, 1, 9, 2, 3], { kind: 'sgd', window: 3 });
    raw.forEach((v, t) => expect(s(t)).toBeCloseTo(v / top, 15));
    // An even window is forced odd as in the reference: 2 → 3.
    expect(values(refined([4, 1, 9, 2, 3], { kind: 'sgd', window: 2 }), 5)).toEqual(values(s, 5));
  });

  it('turns large early norms into a warmup and rising late norms into a faster anneal', () => {
    const falling = Array.from({ length: 100 }, (_, t) => 10 / (1 + t));
    const s = refined(falling, { kind: 'sgd', window: 0 });
    const v = values(s, 100);
    expect(v[0]).toBeLessThan(0.01);
    expect(v.indexOf(1)).toBeGreaterThan(50);
    const rising = Array.from({ length: 100 }, (_, t) => 1 + (t > 80 ? (t - 80) / 5 : 0));
    const r = values(refined(rising, { kind: 'sgd', window: 0 }), 100);
    expect(r[0]).toBe(1);
    const linear = values(linearDecay({ peak: 1, steps: 100 }), 100);
    expect(r[90]).toBeLessThan(linear[90]);
  });

  it('interpolates between integer steps, is 0 from the last step on, and scales by peak', () => {
    const s = refined([1, 2, 3, 4, 5], { kind: 'adam', window: 0, peak: 0.5 });
    expect(s(1.25)).toBeCloseTo(s(1) + 0.25 * (s(2) - s(1)), 15);
    expect([s(4), s(4.5), s(1000)]).toEqual([0, 0, 0]);
    expect(Math.max(...values(s, 5))).toBe(0.5);
  });

  it('resamples the smoothed norms to a different run length (steps)', () => {
    const s = refined([3, 3, 3], { kind: 'sgd', steps: 5 });
    expect(values(s, 5)).toEqual([1, 0.75, 0.5, 0.25, 0]);
    const norms = [1, 3];
    // Ĝ interpolated onto 3 points: 1, 2, 3 → w = 1, 1/4, 1/9; s = [1·(1/4 + 1/9), (1/4)(1/9), 0].
    const r = refined(norms, { kind: 'sgd', steps: 3, window: 0 });
    expect(r(1)).toBeCloseTo(1 / 36 / (1 / 4 + 1 / 9), 15);
  });

  it('takes smoothing as a fraction of the run: width 2⌊⌊τn⌋/2⌋ + 1', () => {
    const norms = [5, 1, 1, 9, 1, 1, 7, 1, 1, 1];
    // τ = 0.3, n = 10: width 2⌊3/2⌋ + 1 = 3; τ = 0.1: width 1 (no smoothing).
    expect(values(refined(norms, { kind: 'sgd', smoothing: 0.3 }), 10)).toEqual(values(refined(norms, { kind: 'sgd', window: 3 }), 10));
    expect(values(refined(norms, { kind: 'sgd' }), 10)).toEqual(values(refined(norms, { kind: 'sgd', window: 0 }), 10));
  });

  it('rejects bad norms and options with a DescentError naming them', () => {
    expect(() => refined([1], { kind: 'sgd' })).toThrow(/refined: gradNorms must be at least 2 gradient norms/);
    expect(() => refined([1, 0, 2], { kind: 'sgd' })).toThrow(/refined: gradNorms\[1\] must be a finite number > 0, got 0/);
    expect(() => refined([1, NaN], { kind: 'sgd' })).toThrow(/gradNorms\[1\] must be a finite number > 0, got NaN/);
    expect(() => refined([1, 2], { kind: 'lion' as never })).toThrow(/refined: kind must be one of 'sgd', 'adam', got 'lion'/);
    expect(() => refined([1, 2], { kind: 'sgd', window: 3, smoothing: 0.1 })).toThrow(/refined: window must be undefined when smoothing is given/);
    expect(() => refined([1, 2], { kind: 'sgd', window: 2.5 })).toThrow(/refined: window must be an integer >= 0, got 2.5/);
    expect(() => refined([1, 2], { kind: 'sgd', smoothing: 2 })).toThrow(/refined: smoothing must be a finite number in \[0, 1\], got 2/);
    expect(() => refined('12' as never, { kind: 'sgd' })).toThrow(DescentError);
    expect(() => refined([1, 2], { kind: 'sgd' })(-1)).toThrow(/refined: step must be a finite number >= 0, got -1/);
  });
});
