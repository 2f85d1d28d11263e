/**
 * `cooperIssue80`: the worked example users asked Cooper for (cooper-org/cooper issue #80).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { TestProblem } from './hock-schittkowski.js';

/**
 * The smallest constrained problem with a known saddle point, asked for as a "trivial worked example" in Cooper's
 * issue #80:
 *
 * $$\min_{x,y}\ x^2 + y^2\quad\text{s.t.}\quad x + y - 1 = 0,$$
 *
 * x* = y* = ½, f* = ½, and with the Lagrangian f + μ(x + y − 1) (the sign convention of {@link lagrangianFormulation}
 * and of `SolveResult.multipliers`) μ* = −1, since ∇f(x*) = (1, 1) = −μ*·(1, 1). Start point (0, 0).
 */
export const cooperIssue80: TestProblem & { multipliers: { eq: number[]; ineq: number[] } } = Object.freeze({
  name: 'cooper-issue-80',
  problem: {
    dim: 2,
    x0: [0, 0],
    objective: (x: tf.Tensor1D): tf.Scalar => tf.sum(tf.square(x)),
    eq: (x: tf.Tensor1D): tf.Tensor1D => tf.reshape(tf.sub(tf.sum(x), 1), [1]) as tf.Tensor1D,
  },
  fStar: 0.5,
  xStar: [0.5, 0.5],
  multipliers: { eq: [-1], ineq: [] },
});
