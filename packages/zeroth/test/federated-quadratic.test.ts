import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { key } from '@descent/core';
import { federatedQuadratic } from '@descent/zeroth';

describe('federatedQuadratic', () => {
  it('the client average is (0.1/d) Σ (z² + z + 1): minimiser 0.475, minimum 0.075; clients differ', async () => {
    const dim = 6;
    const prob = federatedQuadratic({ dim, clients: 5, div: 0.5, key: key(11) });
    const { quadratic, linear } = prob.coefficients;
    for (let k = 0; k < dim; k++) {
      expect(quadratic.reduce((s, row) => s + row[k]!, 0)).toBeCloseTo(5, 12);
      expect(linear.reduce((s, row) => s + row[k]!, 0)).toBeCloseTo(5, 12);
      for (const row of quadratic) expect(row[k]!).toBeGreaterThanOrEqual(1 - 0.5 / 5 - 1e-12);
    }
    expect(quadratic[0]).not.toEqual(quadratic[1]);
    const pts = [prob.minimizer, prob.x0, new Array<number>(dim).fill(0.9), new Array<number>(dim).fill(1.5)];
    const x = tf.tensor2d(pts);
    const values = await Promise.all(prob.clients.map(async (f) => f(x).data()));
    x.dispose();
    pts.forEach((p, j) => {
      const F = values.reduce((s, v) => s + v[j]! / 5, 0);
      const z = p.map((v) => 20 * Math.min(1, Math.max(0, v)) - 10);
      expect(F).toBeCloseTo((0.1 / dim) * z.reduce((s, zk) => s + zk * zk + zk + 1, 0), 4);
    });
    expect(values.reduce((s, v) => s + v[0]! / 5, 0)).toBeCloseTo(prob.minimum, 5);
    prob.x0.forEach((v) => {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    });
    expect(federatedQuadratic({ dim, key: key(11) }).coefficients).toEqual(prob.coefficients);
    expect(() => federatedQuadratic({ dim: 0, key: key(0) })).toThrow(/dim/);
    expect(() => federatedQuadratic({ dim: 2, div: -1, key: key(0) })).toThrow(/div/);
  });
});
