/**
 * penalty: the quadratic penalty method (Nocedal & Wright Framework 17.1) — the closed-form minimiser of one
 * subproblem, Hock–Schittkowski problems with equalities, inequalities and bounds, Cooper issue #80, bad input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { cooperIssue80, penalty } from '@descent/constrained';
import type { Problem } from '../src/problem.js';
import { hockSchittkowski } from '../src/hock-schittkowski.js';

// min (x − 2)² s.t. x − 1 ≤ 0: the penalised minimiser is x(ρ) = (4 + ρ)/(2 + ρ) → 1, with ρ·max(0, g) → λ* = 2.
const oneD: Problem = {
  dim: 1,
  x0: [0],
  objective: (x) => tf.sum(tf.square(tf.sub(x, 2))),
  ineq: (x) => tf.sub(x, 1) as tf.Tensor1D,
};

describe('penalty', () => {
  it('one outer iteration solves the subproblem: x(ρ) = (4 + ρ)/(2 + ρ)', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('synchronous read-back: cpu lane');
    const r = penalty(oneD, { maxIterations: 1, initialPenalty: 8 });
    expect(r.x[0]).toBeCloseTo(12 / 10, 5);
    expect(r.iterations).toBe(1);
    expect(r.converged).toBe(false);
    expect(r.constraintViolation).toBeCloseTo(0.2, 5);
    expect(r.history[0]?.rho).toBe(8);
  });

  it('increasing ρ drives x → 1 and the multiplier → 2', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('synchronous read-back: cpu lane');
    const r = penalty(oneD);
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.constraintViolation).toBeLessThanOrEqual(1e-6);
    expect(r.multipliers.ineq[0]).toBeCloseTo(2, 3);
    const rhos = r.history.map((h) => h.rho as number);
    expect(rhos.slice(0, 3)).toEqual([10, 100, 1000]);
  });

  for (const name of ['HS14', 'HS21', 'HS28', 'HS35', 'HS48', 'HS76']) {
    it(`${name}: |f − f*| ≤ 1e-5·max(1, |f*|), violation ≤ 2e-6`, (ctx) => {
      if (tf.getBackend() !== 'cpu') ctx.skip('synchronous read-back: cpu lane');
      const { problem, fStar } = hockSchittkowski.find((q) => q.name === name) as (typeof hockSchittkowski)[number];
      const before = tf.memory().numTensors;
      const r = penalty(problem);
      expect(tf.memory().numTensors).toBe(before);
      expect(Math.abs(r.f - fStar)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(fStar)));
      expect(r.constraintViolation).toBeLessThanOrEqual(2e-6);
      expect(r.evaluations?.grad).toBeGreaterThan(0);
    });
  }

  it('Cooper issue #80: x = y = 1/2 and the least-squares multiplier μ = −1', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('synchronous read-back: cpu lane');
    const r = penalty(cooperIssue80.problem);
    expect(r.x[0]).toBeCloseTo(0.5, 5);
    expect(r.x[1]).toBeCloseTo(0.5, 5);
    expect(r.multipliers.eq[0]).toBeCloseTo(-1, 4);
    expect(r.kktResidual).toBeLessThanOrEqual(1e-5);
  });

  it('rejects bad options with DescentError', () => {
    expect(() => penalty(oneD, { penaltyGrowth: 1 })).toThrow(/penaltyGrowth/);
    expect(() => penalty(oneD, { initialPenalty: 0 })).toThrow(/initialPenalty/);
    expect(() => penalty(oneD, { maxPenalty: 1, initialPenalty: 10 })).toThrow(/maxPenalty/);
    expect(() => penalty(oneD, { rho: 1 } as never)).toThrow(DescentError);
    expect(() => penalty({ ...oneD, x0: [Number.NaN] })).toThrow(DescentError);
  });
});
