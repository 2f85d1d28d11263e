import { describe, expect, it } from 'vitest';
import { reduceOnPlateau } from '@descent/schedules';

// Every expected trajectory below is torch's ReduceLROnPlateau.step traced by hand (torch/optim/lr_scheduler.py:
// is_better, then the cooldown, then `num_bad_epochs > patience` → _reduce_lr).
const run = (c: { update(m: number): number }, metrics: number[]) => metrics.map((m) => c.update(m));

describe('reduceOnPlateau (torch ReduceLROnPlateau)', () => {
  it('min/rel: reduces after more than `patience` observations not below best·(1 − threshold)', () => {
    const c = reduceOnPlateau({ factor: 0.5, patience: 2, threshold: 0.1 });
    expect(c.value).toBe(1);
    // 9.5, 9.2, 9.1 are not below 10·0.9 = 9; the third bad one (> patience 2) halves; 8 is below 9; 7 is below 7.2.
    expect(run(c, [10, 9.5, 9.2, 9.1, 8, 8, 8, 8, 7])).toEqual([1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25]);
    expect(c.best).toBe(7);
    expect(c.numBadEpochs).toBe(0);
  });

  it('min/abs with cooldown: bad observations during the cooldown are not counted', () => {
    const c = reduceOnPlateau({ factor: 0.1, patience: 0, threshold: 0.5, thresholdMode: 'abs', cooldown: 2 });
    expect(run(c, [5, 5, 5, 5, 5, 5])).toEqual([1, 0.1, 0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1]);
    expect(c.cooldownCounter).toBe(1);
    // 4.6 is not below 5 − 0.5, 4.4 is.
    const d = reduceOnPlateau({ factor: 0.1, patience: 0, threshold: 0.5, thresholdMode: 'abs' });
    expect(run(d, [5, 4.4, 4.6])).toEqual([1, 1, 0.1]);
  });

  it('max mode: better means above best·(1 + threshold) (rel) or best + threshold (abs)', () => {
    const rel = reduceOnPlateau({ mode: 'max', factor: 0.5, patience: 1, threshold: 0.1 });
    expect(run(rel, [0.5, 0.6, 0.6, 0.6])).toEqual([1, 1, 1, 0.5]);
    const abs = reduceOnPlateau({ mode: 'max', factor: 0.5, patience: 0, threshold: 0.05, thresholdMode: 'abs' });
    // 0.56 > 0.55 and 0.62 > 0.61 improve; 0.64 is not above 0.67.
    expect(run(abs, [0.5, 0.56, 0.62, 0.64])).toEqual([1, 1, 1, 0.5]);
    expect(abs.best).toBe(0.62);
  });

  it('never goes below minLr and skips reductions of at most eps', () => {
    const c = reduceOnPlateau({ factor: 0.1, patience: 0, minLr: 0.05 });
    expect(run(c, [1, 1, 1, 1])).toEqual([1, 0.1, 0.05, 0.05]);
    const e = reduceOnPlateau({ init: 1e-7, factor: 0.5, patience: 0, eps: 1e-7 });
    expect(run(e, [1, 1, 1])).toEqual([1e-7, 1e-7, 1e-7]);
  });

  it('counts a NaN metric as a bad observation, as torch does', () => {
    const c = reduceOnPlateau({ patience: 1 });
    expect(run(c, [1, NaN, NaN])).toEqual([1, 1, 0.1]);
    expect(c.best).toBe(1);
  });

  it('init() resets the value and the counters', () => {
    const c = reduceOnPlateau({ init: 0.3, patience: 0 });
    run(c, [1, 2, 3]);
    expect(c.value).toBeCloseTo(0.003, 15);
    expect(c.init()).toBe(0.3);
    expect([c.value, c.best, c.numBadEpochs, c.cooldownCounter]).toEqual([0.3, Infinity, 0, 0]);
    expect(reduceOnPlateau({ mode: 'max' }).best).toBe(-Infinity);
  });

  it('rejects bad options and non-number metrics', () => {
    expect(() => reduceOnPlateau({ factor: 1 })).toThrow(/reduceOnPlateau: factor must be a finite number in \[0, 1\), got 1/);
    expect(() => reduceOnPlateau({ patience: 1.5 })).toThrow(/reduceOnPlateau: patience must be an integer >= 0, got 1.5/);
    expect(() => reduceOnPlateau({ mode: 'minimum' as never })).toThrow(/reduceOnPlateau: mode must be one of 'min', 'max', got 'minimum'/);
    expect(() => reduceOnPlateau({ thresholdMode: 'relative' as never })).toThrow(/thresholdMode must be one of 'rel', 'abs'/);
    expect(() => reduceOnPlateau({ min_lr: 0 } as never)).toThrow(/reduceOnPlateau: unknown option 'min_lr'/);
    expect(() => reduceOnPlateau().update('1' as never)).toThrow(/reduceOnPlateau: metric must be a number, got '1'/);
  });
});
