/**
 * gda: the Lagrangian GDA entry of `solve` on Hock–Schittkowski problems (the acceptance criterion for first-order
 * primal–dual methods: |f − f*| ≤ 1e-3·max(1, |f*|) and violation ≤ 1e-3 within the default fixed budget, no
 * per-problem settings), on Cooper issue #80, memory, and bad input. The full 15-problem table is in the README
 * (bench/constrained-gda-penalty.mjs).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { cooperIssue80, gda } from '@descent/constrained';
import { hockSchittkowski } from '../src/hock-schittkowski.js';

const byName = (name: string) => {
  const p = hockSchittkowski.find((q) => q.name === name);
  if (p === undefined) throw new Error(`no ${name}`);
  return p;
};

describe('gda', () => {
  // HS14: equality + inequality; HS21: inequality + bounds (x0 outside the box); HS35: inequality + x ≥ 0.
  for (const name of ['HS14', 'HS21', 'HS35']) {
    it(`${name}: f within 1e-3 of f*, violation ≤ 1e-3, default options`, (ctx) => {
      if (tf.getBackend() !== 'cpu') ctx.skip('thousands of synchronous steps: cpu lane');
      const { problem, fStar, xStar } = byName(name);
      const before = tf.memory().numTensors;
      const r = gda(problem);
      expect(tf.memory().numTensors).toBe(before);
      expect(Math.abs(r.f - fStar)).toBeLessThanOrEqual(1e-3 * Math.max(1, Math.abs(fStar)));
      expect(r.constraintViolation).toBeLessThanOrEqual(1e-3);
      r.x.forEach((v, i) => expect(Math.abs(v - (xStar[i] as number))).toBeLessThan(1e-2));
      expect(r.iterations).toBeLessThanOrEqual(5000);
      expect(r.history.length).toBeGreaterThan(1);
      expect(r.history[0]?.iteration).toBe(0);
    });
  }

  it('Cooper issue #80: x = y = 1/2, μ = −1', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('synchronous steps: cpu lane');
    const r = gda(cooperIssue80.problem);
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(0.5, 4);
    expect(r.x[1]).toBeCloseTo(0.5, 4);
    // tol 1e-5 allows |x + y − 1| ≤ 1e-5, hence |f − ½| ≲ 1e-5.
    expect(Math.abs(r.f - 0.5)).toBeLessThanOrEqual(2e-5);
    expect(r.constraintViolation).toBeLessThanOrEqual(1e-5);
    expect(r.multipliers.eq[0]).toBeCloseTo(-1, 3);
    expect(r.multipliers.ineq).toEqual([]);
    expect(r.kktResidual).toBeLessThanOrEqual(1e-5);
    expect(r.reason).toMatch(/<= tol/);
  });

  it('a budget too small is reported, not thrown', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('synchronous steps: cpu lane');
    const r = gda(byName('HS14').problem, { maxIterations: 20 });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(20);
    expect(r.reason).toBe('max iterations 20 reached');
  });

  it('rejects bad options and bad problems with DescentError', () => {
    const p = cooperIssue80.problem;
    expect(() => gda(p, { maxIterations: 0 })).toThrow(/maxIterations/);
    expect(() => gda(p, { tol: -1 })).toThrow(/tol/);
    expect(() => gda(p, { steps: 3 } as never)).toThrow(/unknown option 'steps'/);
    const before = tf.memory().numTensors;
    expect(() => gda(p, { update: 'sideways' as never })).toThrow(/update/);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => gda({ ...p, x0: [0] })).toThrow(DescentError);
    expect(() => gda({ ...p, bounds: { lower: [1, 1], upper: [0, 2] } })).toThrow(DescentError);
  });
});
