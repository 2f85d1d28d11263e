import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, key, uniformValues } from '@descent/core';
import { ackley, diffGradF1, diffGradF2, diffGradF3, griewank, levy, rastrigin, rosenbrock, schwefel, sphere } from '@descent/zeroth';

type Fn = (x: tf.Tensor2D) => tf.Tensor1D;

async function values(fn: Fn, rows: number[][]): Promise<number[]> {
  const x = tf.tensor2d(rows);
  const y = fn(x);
  const out = Array.from(await y.data());
  tf.dispose([x, y]);
  return out;
}

/** Double-precision references written from the formulas, one point at a time. */
const ref = {
  sphere: (x: number[]) => x.reduce((a, v) => a + v * v, 0),
  rosenbrock: (x: number[]) => x.slice(0, -1).reduce((a, v, i) => a + 100 * (x[i + 1]! - v * v) ** 2 + (1 - v) ** 2, 0),
  rastrigin: (x: number[]) => 10 * x.length + x.reduce((a, v) => a + v * v - 10 * Math.cos(2 * Math.PI * v), 0),
  ackley: (x: number[]) => {
    const d = x.length;
    const s = x.reduce((a, v) => a + v * v, 0) / d;
    const c = x.reduce((a, v) => a + Math.cos(2 * Math.PI * v), 0) / d;
    return -20 * Math.exp(-0.2 * Math.sqrt(s)) - Math.exp(c) + 20 + Math.E;
  },
  griewank: (x: number[]) => 1 + x.reduce((a, v) => a + v * v, 0) / 4000 - x.reduce((a, v, i) => a * Math.cos(v / Math.sqrt(i + 1)), 1),
  schwefel: (x: number[]) => 418.9829 * x.length - x.reduce((a, v) => a + v * Math.sin(Math.sqrt(Math.abs(v))), 0),
  levy: (x: number[]) => {
    const w = x.map((v) => 1 + (v - 1) / 4);
    const d = w.length;
    let f = Math.sin(Math.PI * w[0]!) ** 2;
    for (let i = 0; i < d - 1; i++) f += (w[i]! - 1) ** 2 * (1 + 10 * Math.sin(Math.PI * w[i]! + 1) ** 2);
    return f + (w[d - 1]! - 1) ** 2 * (1 + Math.sin(2 * Math.PI * w[d - 1]!) ** 2);
  },
};

describe('test functions', () => {
  it('are 0 at their minimisers', async () => {
    const zeros = [[0, 0, 0, 0, 0]];
    const ones = [[1, 1, 1, 1, 1]];
    expect(await values(sphere, zeros)).toEqual([0]);
    expect(await values(rastrigin, zeros)).toEqual([0]);
    expect(await values(griewank, zeros)).toEqual([0]);
    expect(await values(rosenbrock, ones)).toEqual([0]);
    // float32: e − exp(1) is one rounding of e (≤ 2.4e-7).
    expect(Math.abs((await values(ackley, zeros))[0]!)).toBeLessThan(5e-7);
    expect(Math.abs((await values(levy, ones))[0]!)).toBeLessThan(1e-13);
    // Schwefel at 420.9687 is 1.27e-5 per coordinate in double; float32 adds ≤ 5 × 3e-5 of rounding.
    const s = (await values(schwefel, [new Array<number>(5).fill(420.9687)]))[0]!;
    expect(ref.schwefel(new Array<number>(5).fill(420.9687))).toBeCloseTo(5 * 1.2727e-5, 8);
    expect(Math.abs(s)).toBeLessThan(2e-4);
    expect(await values(diffGradF1, [[-0.3]])).toEqual([0]);
    expect(await values(diffGradF3, [[0]])).toEqual([0]);
    const f2 = (await values(diffGradF2, [[-0.6429]]))[0]!;
    expect(f2).toBeGreaterThan(0);
    expect(f2).toBeLessThan(1.3e-4);
  });

  it('match hand-computed values', async () => {
    expect(await values(sphere, [[1, 2]])).toEqual([5]);
    expect(await values(rosenbrock, [[0, 0], [1, 2], [-1, 1]])).toEqual([1, 100, 4]);
    const r = await values(rastrigin, [[1, 0], [0.5, 0]]);
    expect(r[0]).toBeCloseTo(1, 5); // 20 + (1 − 10) + (0 − 10)
    expect(r[1]).toBeCloseTo(20.25, 4); // 20 + (0.25 + 10) + (0 − 10)
    expect((await values(ackley, [[1, 1]]))[0]).toBeCloseTo(20 * (1 - Math.exp(-0.2)), 5); // cos 2π = 1 cancels e
    // Griewank at (1, √2·π): 1 + (1 + 2π²)/4000 − cos(1)·cos(π).
    expect((await values(griewank, [[1, Math.SQRT2 * Math.PI]]))[0]).toBeCloseTo(1 + (1 + 2 * Math.PI ** 2) / 4000 + Math.cos(1), 5);
    expect((await values(schwefel, [[0, 0]]))[0]).toBeCloseTo(2 * 418.9829, 3);
    // Lévy in 1-D at 0: w = 0.75, sin²(0.75π) + 0.0625·(1 + sin²(1.5π)) = 0.5 + 0.125.
    expect((await values(levy, [[0]]))[0]).toBeCloseTo(0.625, 6);
    const f1 = await values(diffGradF1, [[0.2], [0], [-1], [1]]);
    [0.05, 0.09, 0.49, 0.69].forEach((v, i) => expect(f1[i]).toBeCloseTo(v, 6)); // 0.05; 0.3²; 0.7²; 0.8² + 0.05
    const f2 = await values(diffGradF2, [[0], [-1], [-0.9]]);
    expect(f2[0]).toBeCloseTo(0.85, 6);
    expect(f2[1]).toBeCloseTo(4.85, 5); // 40 − 35.15
    expect(f2[2]).toBeCloseTo(0.85, 5); // the linear branch includes −0.9: 36 − 35.15
    const f3 = await values(diffGradF3, [[-0.5], [-0.45], [-0.2], [0.2], [0.45], [0.5], [1], [-1]]);
    [0.25, 0.3, 0.175, 0.175, 0.3, 0.25, 1, 1].forEach((v, i) => expect(f3[i]).toBeCloseTo(v, 6));
    // Separable in d > 1: the sum over coordinates.
    expect((await values(diffGradF1, [[-0.3, 0.2]]))[0]).toBeCloseTo(0.05, 6);
  });

  it('agree with double-precision references at random points, and batch == row by row', async () => {
    const cases: [string, Fn, (x: number[]) => number, number, number][] = [
      ['sphere', sphere, ref.sphere, -5, 5],
      ['rosenbrock', rosenbrock, ref.rosenbrock, -2, 2],
      ['rastrigin', rastrigin, ref.rastrigin, -5.12, 5.12],
      ['ackley', ackley, ref.ackley, -32, 32],
      ['griewank', griewank, ref.griewank, -600, 600],
      ['schwefel', schwefel, ref.schwefel, -500, 500],
      ['levy', levy, ref.levy, -10, 10],
    ];
    const n = 16;
    const d = 6;
    for (const [i, [name, fn, reference, lo, hi]] of cases.entries()) {
      const flat = Array.from(uniformValues(key(i), n * d, lo, hi));
      const rows = Array.from({ length: n }, (_, r) => flat.slice(r * d, (r + 1) * d));
      const batch = await values(fn, rows);
      for (let r = 0; r < n; r++) {
        const want = reference(rows[r]!);
        expect(Math.abs(batch[r]! - want), `${name} row ${r}`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(want)) * d);
        expect((await values(fn, [rows[r]!]))[0], `${name} row ${r} alone`).toBe(batch[r]);
      }
    }
    for (const fn of [diffGradF1, diffGradF2, diffGradF3]) {
      const rows = Array.from(uniformValues(key(9), 12, -1.2, 1.2), (v) => [v]);
      const batch = await values(fn, rows);
      for (let r = 0; r < rows.length; r++) expect((await values(fn, [rows[r]!]))[0]).toBe(batch[r]);
    }
  });

  it('reject points that are not float32 [n, d]', () => {
    const x1 = tf.tensor1d([1, 2]);
    const xi = tf.tensor2d([[1, 2]], [1, 2], 'int32');
    const x1d = tf.tensor2d([[1]]);
    for (const [fn, x] of [
      [sphere, x1],
      [ackley, xi],
      [rosenbrock, x1d],
    ] as [Fn, tf.Tensor][]) {
      try {
        fn(x as tf.Tensor2D);
        throw new Error('expected a DescentError');
      } catch (e) {
        expect(e).toBeInstanceOf(DescentError);
        expect((e as DescentError).parameter).toBe('x');
      }
    }
    tf.dispose([x1, xi, x1d]);
  });
});
