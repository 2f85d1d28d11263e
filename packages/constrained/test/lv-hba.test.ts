import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { bilevelToys } from '../src/bilevel-toys.js';
import { lvHba } from '../src/lv-hba.js';
import type { BilevelProblem } from '../src/problem.js';

const cpuOnly = (ctx: { skip: (reason: string) => void }) => {
  if (tf.getBackend() !== 'cpu') ctx.skip('iterates with synchronous reads (dataSync); cpu lane only');
};
const relErr = (a: number[], b: number[]) =>
  Math.sqrt(a.reduce((s, v, i) => s + (v - (b[i] as number)) ** 2, 0)) / Math.sqrt(b.reduce((s, v) => s + v * v, 0));

describe('bilevelToys.llc', () => {
  it('has the closed-form optimum x* = −0.3, y1* = 0.7, y2* = −0.4, F* = 0.05n, feasible and lower-level optimal', async () => {
    const toy = bilevelToys.llc(4);
    expect(toy.dimX).toBe(4);
    expect(toy.dimY).toBe(8);
    expect(toy.upperStar).toBeCloseTo(0.2, 12);
    const x = tf.tensor1d(toy.xStar);
    const y = tf.tensor1d(toy.yStar);
    const F = toy.upper(x, y);
    const h = toy.lowerEq!(x, y);
    expect((await F.data())[0]).toBeCloseTo(0.2, 6);
    expect(Math.abs((await h.data())[0] as number)).toBeLessThan(1e-6);
    // Lower-level optimality on {1ᵀy = −1ᵀx}: ∇_y f = (y1 − x, 1) must be a multiple of 1: y1 − x = 1.
    const p = toy.project!(tf.tensor1d([1, 2, 3, 4]), tf.zeros([8]) as tf.Tensor1D);
    const sum = (await tf.sum(p.x).data())[0]! + (await tf.sum(p.y).data())[0]!;
    expect(Math.abs(sum)).toBeLessThan(1e-5);
    tf.dispose([x, y, F, h, p.x, p.y]);
    expect(() => bilevelToys.llc(0)).toThrow(DescentError);
  });
});

describe('lvHba', () => {
  it('solves the LLC toy (n = 10) with defaults in 5000 iterations; tensor count flat; feasible after projection', (ctx) => {
    cpuOnly(ctx);
    const toy = bilevelToys.llc(10);
    const before = tf.memory().numTensors;
    const r = lvHba(toy);
    expect(tf.memory().numTensors).toBe(before);
    const last = r.history[r.history.length - 1]!;
    expect(last.iteration).toBe(5000);
    // Spec A1 acceptance: ‖x − x*‖/‖x*‖ ≤ 5e-3, |F − F*|/F* ≤ 1e-2 (measured: 5.8e-4 and 7.7e-3).
    expect(relErr(r.x, toy.xStar)).toBeLessThanOrEqual(5e-3);
    expect(Math.abs(last.upper - toy.upperStar) / toy.upperStar).toBeLessThanOrEqual(1e-2);
    expect(relErr(r.y, toy.yStar)).toBeLessThanOrEqual(1e-2);
    // 1ᵀx + 1ᵀy = 0 to float32 machine precision (30 entries of size ≤ 1).
    const w = [...r.x, ...r.y];
    const sum = w.reduce((s, v) => s + v, 0);
    expect(Math.abs(sum)).toBeLessThanOrEqual(w.length * 2 ** -23 * Math.max(...w.map(Math.abs)));
    expect(last.violation).toBeLessThanOrEqual(w.length * 2 ** -23);
    // The spec's converging constants are the defaults (c_k = 10(k+1)^0.3), not the authors' printed 0.025(k+1)^0.3.
    expect(last.penalty).toBeCloseTo(10 * 5000 ** 0.3, 9);
    expect(r.history[1]!.penalty).toBeCloseTo(10 * 100 ** 0.3, 9);
    // The multiplier of the equality is free (clipped to ±1000), z tracks λ.
    expect(r.lambda).toHaveLength(1);
    expect(Math.abs(r.lambda[0]! - r.z[0]!)).toBeLessThan(0.1);
  });

  it('without coupled constraints it reduces to the Moreau-envelope value-function penalty', (ctx) => {
    cpuOnly(ctx);
    // F = ½‖x − 1‖² + ½‖y‖², f = ½‖y − x‖²: y*(x) = x, F(x, x) = ½‖x − 1‖² + ½‖x‖², x* = ½·1, F* = 0.25·dim.
    // Here f − v_γ = (γ₁/(1 + γ₁))·½‖y − x‖², so the penalised minimiser is x = 1/(1 + c/(c + 2)) per coordinate,
    // 0.5063 at c = c_1000 ≈ 79: the bias of the penalty is O(1/c_k).
    const p: BilevelProblem = {
      dimX: 2,
      dimY: 2,
      x0: [0, 0],
      y0: [0, 0],
      upper: (x, y) => tf.mul(0.5, tf.add(tf.sum(tf.square(tf.sub(x, 1))), tf.sum(tf.square(y)))) as tf.Scalar,
      lower: (x, y) => tf.mul(0.5, tf.sum(tf.square(tf.sub(y, x)))) as tf.Scalar,
    };
    const before = tf.memory().numTensors;
    const r = lvHba(p, { iterations: 1000, alpha: 0.5, eta: 0.5, gamma1: 1 });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.lambda).toEqual([]);
    for (const v of r.x) expect(Math.abs(v - 0.5)).toBeLessThan(1e-2);
    for (let i = 0; i < 2; i++) expect(Math.abs(r.y[i]! - r.x[i]!)).toBeLessThan(2e-2);
  });

  it('rejects bad input with DescentError before iterating', () => {
    const toy = bilevelToys.llc(3);
    const { project: _omit, ...noProjection } = toy;
    expect(() => lvHba(noProjection as BilevelProblem, { iterations: 1 })).toThrow(expect.objectContaining({ code: 'unsupported' }));
    expect(() => lvHba(toy, { alpha: -1 })).toThrow(/alpha must be/);
    expect(() => lvHba(toy, { gamma1: 0 })).toThrow(/gamma1 must be/);
    expect(() => lvHba(toy, { theta0: [1] })).toThrow(/theta0 must be an array of length 6/);
    expect(() => lvHba(toy, { lambda0: [1, 2] })).toThrow(/lambda0 must be an array of length 1/);
    expect(() => lvHba(toy, { step: 1 } as never)).toThrow(/unknown option 'step'/);
    expect(() => lvHba({ ...toy, x0: [0, 0] })).toThrow(/problem.x0 must be an array of length 3/);
    expect(() => lvHba({ ...toy, y0: [0, NaN, 0, 0, 0, 0] })).toThrow(/problem.y0\[1\] must be a finite number/);
  });
});
