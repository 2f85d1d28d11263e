import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { type Problem, constraintViolation, kktResidual, leastSquaresMultipliers, problemEvaluator } from '@descent/constrained';

const SYNC = 'needs synchronous read-back (dataSync), which WebGPU in Node does not have';

// min x² + y² s.t. x + y − 1 = 0, x − 0.8 ≤ 0, 0.25 ≤ y ≤ 2
const problem: Problem = {
  dim: 2,
  x0: [0, 0],
  objective: (x) => tf.sum(tf.square(x)),
  eq: (x) => tf.reshape(tf.sub(tf.sum(x), 1), [1]),
  ineq: (x) => tf.reshape(tf.sub(tf.slice(x, [0], [1]), 0.8), [1]),
  bounds: { lower: [Number.NEGATIVE_INFINITY, 0.25], upper: [Number.POSITIVE_INFINITY, 2] },
};

describe('kkt measures', () => {
  it('is zero at the KKT point (½, ½) with λ = −1, μ = 0 and equals the hand-computed residual elsewhere', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip(SYNC);
    expect(kktResidual(problem, [0.5, 0.5], { eq: [-1], ineq: [0] })).toBe(0);
    // λ = 0: r = ∇f = (1, 1), y is free (0.25 < ½ < 2) → projected step |P(x − r) − x|∞ = 1
    expect(kktResidual(problem, [0.5, 0.5], { eq: [0], ineq: [0] })).toBe(1);
    // complementarity: g = 0.5 − 0.8 = −0.3 with μ = 2 → |min(0.3, 2)| = 0.3; stationarity r = (1 − 1 + 2, 0) → 2
    expect(kktResidual(problem, [0.5, 0.5], { eq: [-1], ineq: [2] })).toBeCloseTo(2, 6);
    // a negative inequality multiplier is dual-infeasible
    expect(kktResidual(problem, [0.8, 0.2 + 0.05], { eq: [-1.6], ineq: [-0.1] })).toBeGreaterThanOrEqual(0.1);
  });

  it('uses the projected gradient at an active bound: y = 0.25 with ∂f/∂y > 0 pushing outward counts as stationary', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip(SYNC);
    // at (0.75, 0.25) with λ = −1.5: r = (1.5 − 1.5, 0.5 − 1.5) = (0, −1): x − r pushes y up, inside the box → 1
    expect(kktResidual(problem, [0.75, 0.25], { eq: [-1.5], ineq: [0] })).toBeCloseTo(1, 6);
    // with λ = −0.5: r = (1.5 − 0.5, 0.5 − 0.5) = (1, 0) → x−r = (−0.25, 0.25): 1 in x; y at its bound, r_y = 0
    expect(kktResidual(problem, [0.75, 0.25], { eq: [-0.5], ineq: [0] })).toBeCloseTo(1, 6);
  });

  it('measures the violation of equalities, inequalities and bounds', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip(SYNC);
    expect(constraintViolation(problem, [0.5, 0.5])).toBe(0);
    expect(constraintViolation(problem, [1, 0.5])).toBeCloseTo(0.5, 6); // c = 0.5, g = 0.2
    expect(constraintViolation(problem, [0.9, 0.1])).toBeCloseTo(0.15, 6); // g = 0.1, y below 0.25 by 0.15
    expect(constraintViolation(problem, [0.5, 3])).toBeCloseTo(2.5, 6); // c = 2.5, y above 2 by 1
  });

  it('least-squares multipliers recover λ = −1 at (½, ½) and are used by nothing but ∇f and J', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip(SYNC);
    const point = problemEvaluator(problem).full([0.5, 0.5]);
    expect(Array.from(point.grad!)).toEqual([1, 1]);
    expect(point.eqJac!.map((r) => Array.from(r))).toEqual([[1, 1]]);
    expect(point.ineqJac!.map((r) => Array.from(r))).toEqual([[1, 0]]);
    const ls = leastSquaresMultipliers(point, []);
    expect(ls.eq[0]).toBeCloseTo(-1, 12);
    expect(Array.from(ls.ineq)).toEqual([0]);
  });
});
