import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { exactAugmentedLagrangian, exactAugmentedLagrangianGradient } from '../src/exact-augmented-lagrangian.js';
import { exactAugmentedLagrangianSketch } from '../src/exact-augmented-lagrangian-sketch.js';
import { hockSchittkowski } from '../src/hock-schittkowski.js';
import type { Problem } from '../src/problem.js';

const cpuOnly = (ctx: { skip: (reason: string) => void }) => {
  if (tf.getBackend() !== 'cpu') ctx.skip('reads values synchronously (dataSync); cpu lane only');
};

/** The equality-only problems of the public HS set: HS6, 7, 27, 28, 39, 42, 46, 48, 51, 52. */
const equalityOnly = hockSchittkowski.filter((t) => t.problem.ineq === undefined && t.problem.bounds === undefined);

/** The Cooper issue #80 problem: min x² + y² s.t. x + y − 1 = 0; x* = (½, ½), f* = ½, λ* = −1 (L = f + λc). */
const cooper80: Problem = {
  dim: 2,
  x0: [0, 0],
  objective: (x) => tf.sum(tf.square(x)) as tf.Scalar,
  eq: (x) => tf.reshape(tf.sub(tf.sum(x), 1), [1]) as tf.Tensor1D,
};

describe('exactAugmentedLagrangian (merit)', () => {
  it('matches the closed form and its gradient matches finite differences of the closed form', () => {
    // f = x1² + x2², c = x1 + x2 − 1 at x = (0.3, −0.2), λ = 0.7: ∇ₓL = 2x + λ1, G = [1, 1], ∇²ₓL = 2I.
    const x = [0.3, -0.2];
    const merit = (x1: number, x2: number, l: number, mu: number, nu: number) => {
      const c = x1 + x2 - 1;
      const g1 = 2 * x1 + l;
      const g2 = 2 * x2 + l;
      return x1 * x1 + x2 * x2 + l * c + (mu / 2) * c * c + (nu / 2) * (g1 * g1 + g2 * g2);
    };
    const derivs = (x1: number, x2: number, l: number) => ({
      n: 2,
      m: 1,
      f: x1 * x1 + x2 * x2,
      c: Float64Array.of(x1 + x2 - 1),
      lambda: Float64Array.of(l),
      gradL: Float64Array.of(2 * x1 + l, 2 * x2 + l),
      jacobian: Float64Array.of(1, 1),
      hessianL: Float64Array.of(2, 0, 0, 2),
    });
    const d = derivs(x[0]!, x[1]!, 0.7);
    expect(exactAugmentedLagrangian(d, 3, 0.2)).toBeCloseTo(merit(0.3, -0.2, 0.7, 3, 0.2), 12);
    const g = exactAugmentedLagrangianGradient(d, 3, 0.2);
    const h = 1e-6;
    const fd = [
      (merit(0.3 + h, -0.2, 0.7, 3, 0.2) - merit(0.3 - h, -0.2, 0.7, 3, 0.2)) / (2 * h),
      (merit(0.3, -0.2 + h, 0.7, 3, 0.2) - merit(0.3, -0.2 - h, 0.7, 3, 0.2)) / (2 * h),
      (merit(0.3, -0.2, 0.7 + h, 3, 0.2) - merit(0.3, -0.2, 0.7 - h, 3, 0.2)) / (2 * h),
    ];
    for (let i = 0; i < 3; i++) expect(g[i]).toBeCloseTo(fd[i]!, 7);
  });

  it('uses the Hessian of the Lagrangian, not of f, in the ν-term', () => {
    // c = x² − 1 (so ∇²c = 2), f = x, λ = 3: ∇²ₓL = 0 + 3·2 = 6, while ∇²f = 0 would drop the ν-term.
    const d = {
      n: 1,
      m: 1,
      f: 0.5,
      c: Float64Array.of(-0.75),
      lambda: Float64Array.of(3),
      gradL: Float64Array.of(1 + 3 * 2 * 0.5),
      jacobian: Float64Array.of(1),
      hessianL: Float64Array.of(6),
    };
    const g = exactAugmentedLagrangianGradient(d, 2, 0.1);
    // ∇ₓL + μGᵀc + ν∇²L∇ₓL = 4 + 2·1·(−0.75) + 0.1·6·4
    expect(g[0]).toBeCloseTo(4 - 1.5 + 2.4, 12);
    expect(g[1]).toBeCloseTo(-0.75 + 0.1 * 1 * 4, 12);
  });
});

describe('exactAugmentedLagrangianSketch', () => {
  it('finds the ten equality-only HS problems with defaults (|f − f*| ≤ 1e-6·max(1,|f*|), ‖c‖∞ ≤ 1e-6)', (ctx) => {
    cpuOnly(ctx);
    expect(equalityOnly.map((t) => t.name)).toEqual(['HS6', 'HS7', 'HS27', 'HS28', 'HS39', 'HS42', 'HS46', 'HS48', 'HS51', 'HS52']);
    for (const { name, problem, fStar } of equalityOnly) {
      const r = exactAugmentedLagrangianSketch(problem);
      expect({ name, converged: r.converged, reason: r.reason }).toEqual({ name, converged: true, reason: r.reason });
      expect(Math.abs(r.f - fStar), name).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(fStar)));
      expect(r.constraintViolation, name).toBeLessThanOrEqual(1e-6);
      expect(r.multipliers.ineq).toEqual([]);
      expect(r.history.length).toBe(r.iterations);
    }
  });

  it('finds the Cooper #80 optimum and its multiplier λ* = −1 with the Gaussian sketch', (ctx) => {
    cpuOnly(ctx);
    const r = exactAugmentedLagrangianSketch(cooper80, { sketch: 'gaussian' });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(0.5, 6);
    expect(r.x[1]).toBeCloseTo(0.5, 6);
    expect(r.f).toBeCloseTo(0.5, 6);
    expect(r.multipliers.eq[0]).toBeCloseTo(-1, 5);
  });

  it('Gaussian sketch also solves well-conditioned HS problems (HS28, HS48, HS51, HS52, HS6)', (ctx) => {
    cpuOnly(ctx);
    for (const t of equalityOnly.filter((p) => ['HS6', 'HS28', 'HS48', 'HS51', 'HS52'].includes(p.name))) {
      const r = exactAugmentedLagrangianSketch(t.problem, { sketch: 'gaussian' });
      expect(Math.abs(r.f - t.fStar), t.name).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(t.fStar)));
      expect(r.constraintViolation, t.name).toBeLessThanOrEqual(1e-6);
    }
  });

  it('takes the full Newton step on a quadratic program with linear constraints (HS28: one iteration)', (ctx) => {
    cpuOnly(ctx);
    const hs28 = equalityOnly.find((t) => t.name === 'HS28')!;
    const r = exactAugmentedLagrangianSketch(hs28.problem);
    expect(r.iterations).toBe(1);
    expect(r.history[0]!.stepLength).toBe(1);
    expect(r.x[0]).toBeCloseTo(0.5, 5);
    expect(r.x[1]).toBeCloseTo(-0.5, 5);
    expect(r.x[2]).toBeCloseTo(0.5, 5);
  });

  it('is reproducible for a seed and keeps the tensor count flat', (ctx) => {
    cpuOnly(ctx);
    const hs7 = equalityOnly.find((t) => t.name === 'HS7')!;
    const before = tf.memory().numTensors;
    const a = exactAugmentedLagrangianSketch(hs7.problem, { seed: 3 });
    const b = exactAugmentedLagrangianSketch(hs7.problem, { seed: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(a.x).toEqual(b.x);
    expect(a.history.map((h) => h.sketchIterations)).toEqual(b.history.map((h) => h.sketchIterations));
  });

  it('without constraints (empty eq) is a globalised Newton method: Rosenbrock-type f from (−1.2, 1)', (ctx) => {
    cpuOnly(ctx);
    const at = (x: tf.Tensor1D, i: number) => tf.squeeze(tf.slice(x, [i], [1]));
    const p: Problem = {
      dim: 2,
      x0: [-1.2, 1],
      objective: (x) => tf.add(tf.square(tf.sub(1, at(x, 0))), tf.mul(10, tf.square(tf.sub(at(x, 1), tf.square(at(x, 0)))))) as tf.Scalar,
      eq: () => tf.zeros([0]) as tf.Tensor1D,
    };
    const r = exactAugmentedLagrangianSketch(p);
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 6);
    expect(r.x[1]).toBeCloseTo(1, 6);
    expect(r.multipliers.eq).toEqual([]);
  });

  it('reports the LICQ safeguard as a failed run, not an exception', (ctx) => {
    cpuOnly(ctx);
    // c(x) = x1² + x2² at x0 = 0: G = 0, so λ_min(GGᵀ) = 0 < 1e-2.
    const p: Problem = { dim: 2, x0: [0, 0], objective: (x) => tf.sum(x) as tf.Scalar, eq: (x) => tf.reshape(tf.sum(tf.square(x)), [1]) as tf.Tensor1D };
    const r = exactAugmentedLagrangianSketch(p);
    expect(r.converged).toBe(false);
    expect(r.reason).toMatch(/LICQ/);
    expect(r.iterations).toBe(0);
  });

  it('stops at maxIterations with converged: false', (ctx) => {
    cpuOnly(ctx);
    const hs7 = equalityOnly.find((t) => t.name === 'HS7')!;
    const r = exactAugmentedLagrangianSketch(hs7.problem, { maxIterations: 2 });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(2);
    expect(r.reason).toMatch(/max iterations 2/);
  });

  it('rejects inequalities, finite bounds, bad options and a non-finite start', (ctx) => {
    cpuOnly(ctx);
    const withIneq: Problem = { ...cooper80, ineq: (x) => tf.neg(x) as tf.Tensor1D };
    expect(() => exactAugmentedLagrangianSketch(withIneq)).toThrow(expect.objectContaining({ code: 'unsupported' }));
    const bounded: Problem = { ...cooper80, bounds: { lower: [0, -Infinity] } };
    expect(() => exactAugmentedLagrangianSketch(bounded)).toThrow(expect.objectContaining({ code: 'unsupported' }));
    const unbounded: Problem = { ...cooper80, bounds: { lower: [-Infinity, -Infinity], upper: [Infinity, Infinity] } };
    expect(exactAugmentedLagrangianSketch(unbounded).converged).toBe(true);
    expect(() => exactAugmentedLagrangianSketch({ ...cooper80, x0: [0] })).toThrow(/x0 must be an array of length dim = 2/);
    expect(() => exactAugmentedLagrangianSketch(cooper80, { beta: 0.5 })).toThrow(DescentError);
    expect(() => exactAugmentedLagrangianSketch(cooper80, { sketch: 'cg' as never })).toThrow(/sketch must be one of/);
    expect(() => exactAugmentedLagrangianSketch(cooper80, { tolerance: 1 } as never)).toThrow(/unknown option 'tolerance'/);
    expect(() => exactAugmentedLagrangianSketch(cooper80, { lambda0: [1, 2] })).toThrow(/lambda0 must be an array of length m = 1/);
    const nanStart: Problem = { ...cooper80, objective: (x) => tf.sum(tf.log(x)) as tf.Scalar, x0: [-1, 2] };
    expect(() => exactAugmentedLagrangianSketch(nanStart)).toThrow(expect.objectContaining({ code: 'non-finite' }));
  });
});
