import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { type Problem, augmentedLagrangian, kktResidual, solve } from '@descent/constrained';

const SYNC = 'needs synchronous read-back (dataSync), which WebGPU in Node does not have';

/** Cooper issue #80: min x² + y² s.t. x + y − 1 = 0 → x = y = ½, f* = ½, λ* = −1. */
const cooper80: Problem = {
  dim: 2,
  x0: [0, 0],
  objective: (x) => tf.sum(tf.square(x)),
  eq: (x) => tf.reshape(tf.sub(tf.sum(x), 1), [1]),
};

function errorOf(f: () => unknown): DescentError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DescentError);
    return e as DescentError;
  }
  throw new Error('expected a DescentError');
}

describe('solve / augmentedLagrangian', () => {
  it('solves the Cooper #80 example with its closed-form multiplier', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip(SYNC);
    const r = solve(cooper80);
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(0.5, 6);
    expect(r.x[1]).toBeCloseTo(0.5, 6);
    expect(r.f).toBeCloseTo(0.5, 6);
    expect(r.multipliers.eq[0]).toBeCloseTo(-1, 5);
    expect(r.kktResidual).toBeLessThan(1e-5);
    expect(r.history.length).toBe(r.iterations);
    expect(r.evaluations!.grad).toBeGreaterThan(0);
    // the exported measure agrees with what the solver reported
    expect(kktResidual(cooper80, r.x, r.multipliers)).toBeCloseTo(r.kktResidual, 6);
  });

  it('finds an active inequality and its multiplier: min (x-2)² s.t. x - 1 <= 0 → x = 1, μ = 2', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip(SYNC);
    const r = solve({
      dim: 1,
      x0: [0],
      objective: (x) => tf.sum(tf.square(tf.sub(x, 2))),
      ineq: (x) => tf.sub(x, 1),
    });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 6);
    expect(r.multipliers.ineq[0]).toBeCloseTo(2, 4);
  });

  it('handles bounds (as inequalities, projected at the end): min (x+1)² + (y-3)² on [0,1]² → (0, 1)', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip(SYNC);
    const r = solve({
      dim: 2,
      x0: [5, -5], // outside the box: clipped
      objective: (x) => tf.sum(tf.square(tf.sub(x, tf.tensor1d([-1, 3])))),
      bounds: { lower: [0, 0], upper: [1, 1] },
    });
    expect(r.converged).toBe(true);
    expect(r.x).toEqual([0, 1]);
    expect(r.f).toBeCloseTo(5, 6);
    expect(r.constraintViolation).toBe(0);
  });

  it('accepts empty constraint vectors and unconstrained problems', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip(SYNC);
    const r = solve({
      dim: 2,
      x0: [3, -1],
      objective: (x) => tf.sum(tf.square(tf.sub(x, 1))),
      eq: () => tf.tensor1d([]),
      ineq: () => tf.zeros([0]) as tf.Tensor1D,
    });
    expect(r.converged).toBe(true);
    expect(r.x[0]).toBeCloseTo(1, 5);
    expect(r.x[1]).toBeCloseTo(1, 5);
    expect(r.multipliers).toEqual({ eq: [], ineq: [] });
  });

  it('reports non-convergence instead of throwing (infeasible constraints; iteration budget)', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip(SYNC);
    // x² + 1 = 0 has no solution
    const r = solve({
      dim: 1,
      x0: [1],
      objective: (x) => tf.sum(x),
      eq: (x) => tf.add(tf.square(x), 1),
    }, { maxIterations: 8 });
    expect(r.converged).toBe(false);
    expect(r.reason.length).toBeGreaterThan(0);
    expect(r.constraintViolation).toBeGreaterThan(0.5);
    const short = solve(cooper80, { maxIterations: 1 });
    expect(short.converged).toBe(false);
    expect(short.reason).toMatch(/max iterations 1/);
  });

  it('reports a NaN met during the iterations with the iteration, never returns it silently', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip(SYNC);
    // the objective turns NaN everywhere after 30 evaluations (a model that diverges mid-run)
    let calls = 0;
    const r = solve({
      ...cooper80,
      objective: (x) => {
        calls++;
        const f = tf.sum(tf.square(x));
        return (calls > 30 ? tf.mul(f, Number.NaN) : f) as tf.Scalar;
      },
    });
    expect(r.converged).toBe(false);
    expect(r.reason).toMatch(/not finite at iteration \d+/);
    for (const v of r.x) expect(Number.isFinite(v)).toBe(true);
    expect(Number.isFinite(r.f)).toBe(true);
  });

  it('keeps the tensor count flat and passes every history record to onIteration', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip(SYNC);
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const r = augmentedLagrangian(cooper80, { onIteration: (h) => seen.push(h.iteration) });
    expect(tf.memory().numTensors).toBe(before);
    expect(seen).toEqual(r.history.map((h) => h.iteration));
    expect(r.history[0]).toHaveProperty('penalty');
  });

  it('dispatches to every method by name', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip(SYNC);
    for (const method of ['augmented-lagrangian', 'exact-al-sketch', 'penalty', 'gda'] as const) {
      const r = solve(cooper80, { method, maxIterations: 3 });
      expect(r.x.length).toBe(2);
      expect(typeof r.converged).toBe('boolean');
    }
  });

  it('rejects bad problems and options with a DescentError naming the parameter', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip(SYNC);
    const base = cooper80;
    const cases: [Problem, string][] = [
      [{ ...base, dim: 0 }, 'problem.dim'],
      [{ ...base, x0: [0] }, 'problem.x0'],
      [{ ...base, x0: [0, Number.NaN] }, 'problem.x0[1]'],
      [{ ...base, bounds: { lower: [0] } }, 'problem.bounds.lower'],
      [{ ...base, bounds: { lower: [0, 2], upper: [1, 1] } }, 'problem.bounds.lower[1]'],
      [{ ...base, bounds: { upper: [1, Number.NaN] } }, 'problem.bounds.upper[1]'],
      [{ ...base, objective: (x) => tf.log(tf.sub(tf.sum(x), 1)) as tf.Scalar }, 'problem.objective'],
      [{ ...base, objective: (x) => x as unknown as tf.Scalar }, 'problem.objective(x0)'],
      [{ ...base, eq: (x) => tf.sum(x) as unknown as tf.Tensor1D }, 'problem.eq(x0)'],
      [{ ...base, ineq: (x) => tf.div(x, 0) }, 'problem.ineq'],
      [{ ...base, eq: 3 as never }, 'problem.eq'],
    ];
    for (const [p, parameter] of cases) expect(errorOf(() => solve(p)).parameter).toBe(parameter);
    expect(errorOf(() => solve(base, { method: 'slsqp' as never })).parameter).toBe('method');
    expect(errorOf(() => solve(base, { tol: -1 })).parameter).toBe('tol');
    expect(errorOf(() => solve(base, { maxIterations: 0 })).parameter).toBe('maxIterations');
    expect(errorOf(() => solve(base, { tolerance: 1 } as never)).parameter).toBe('tolerance');
    expect(errorOf(() => augmentedLagrangian(base, { penaltyGrowth: 1 })).parameter).toBe('penaltyGrowth');
    expect(errorOf(() => solve({ ...base, objective: (x) => tf.sum(tf.div(x, 0)) as tf.Scalar })).code).toBe('non-finite');
  });
});
