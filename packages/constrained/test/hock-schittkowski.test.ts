import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { constraintViolation, hockSchittkowski, solve } from '@descent/constrained';

const SYNC = 'needs synchronous read-back (dataSync), which WebGPU in Node does not have';

/** Evaluates f, c, g of a problem at x in float32 tfjs (the same precision the acceptance criteria are read in). */
function valuesAt(p: (typeof hockSchittkowski)[number]['problem'], x: number[]) {
  return tf.tidy(() => {
    const xt = tf.tensor1d(x);
    return {
      f: p.objective(xt).dataSync()[0] as number,
      eq: p.eq === undefined ? [] : Array.from(p.eq(xt).dataSync()),
      ineq: p.ineq === undefined ? [] : Array.from(p.ineq(xt).dataSync()),
    };
  });
}

describe('hockSchittkowski', () => {
  it('has the 15 public problems with f(x*) = f* and x* feasible', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip(SYNC);
    expect(hockSchittkowski.map((t) => t.name)).toEqual([
      'HS6', 'HS7', 'HS14', 'HS21', 'HS22', 'HS27', 'HS28', 'HS35', 'HS39', 'HS42', 'HS46', 'HS48', 'HS51', 'HS52', 'HS76',
    ]);
    for (const t of hockSchittkowski) {
      expect(t.problem.x0.length).toBe(t.problem.dim);
      const v = valuesAt(t.problem, t.xStar);
      // float32 evaluation at x* rounded to float32: a few ulps of the largest term
      expect(Math.abs(v.f - t.fStar)).toBeLessThan(2e-6 * Math.max(1, Math.abs(t.fStar)));
      expect(constraintViolation(t.problem, t.xStar)).toBeLessThan(1e-6);
    }
  });

  it('stores inequalities as g(x) <= 0 (HS21: g = -(10 x1 - x2 - 10)) and HS21 x0 outside its bounds', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip(SYNC);
    const hs21 = hockSchittkowski.find((t) => t.name === 'HS21')!;
    expect(valuesAt(hs21.problem, [2, 1]).ineq[0]).toBeCloseTo(-9, 5);
    expect(hs21.problem.x0).toEqual([-1, -1]);
    expect(hs21.problem.bounds).toEqual({ lower: [2, -50], upper: [50, 50] });
  });

  // Acceptance (issue 8): the default method from the listed x0, no per-problem settings.
  for (const t of hockSchittkowski) {
    it(`solve() reaches f* on ${t.name}: |f - f*| <= 1e-6 max(1,|f*|), violation <= 1e-6`, (ctx) => {
      if (tf.getBackend() !== 'cpu') ctx.skip(SYNC);
      const before = tf.memory().numTensors;
      const r = solve(t.problem);
      expect(tf.memory().numTensors).toBe(before);
      expect(Math.abs(r.f - t.fStar)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(t.fStar)));
      const v = valuesAt(t.problem, r.x);
      for (const c of v.eq) expect(Math.abs(c)).toBeLessThanOrEqual(1e-6);
      for (const g of v.ineq) expect(g).toBeLessThanOrEqual(1e-6);
      expect(r.constraintViolation).toBeLessThanOrEqual(1e-6);
      expect(r.converged).toBe(true);
      expect(r.multipliers.eq.length).toBe(v.eq.length);
      expect(r.multipliers.ineq.length).toBe(v.ineq.length);
      for (const m of r.multipliers.ineq) expect(m).toBeGreaterThanOrEqual(0);
    });
  }
});
