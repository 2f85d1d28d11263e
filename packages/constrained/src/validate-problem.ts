/**
 * `validateProblem`: the checks every constrained solver runs on a {@link Problem} before iterating (DESIGN.md §8).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, checkNumber, describeValue, invalidOption } from '@descent/core';
import type { Problem } from './problem.js';
import { boundArrays } from './kkt.js';

/** What {@link validateProblem} learned about a valid problem. */
export interface ValidatedProblem {
  /** x0 clipped to the bounds (a start point outside the box, like HS21's, is moved onto it). */
  x0: Float64Array;
  /** True when clipping changed x0. */
  clipped: boolean;
  lower: Float64Array;
  upper: Float64Array;
  /** Number of equality constraints (0 without `eq`, or when `eq` returns an empty vector). */
  mEq: number;
  /** Number of inequality constraints. */
  mIneq: number;
}

function checkBoundArray(where: string, name: string, value: unknown, n: number): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.length !== n) invalidOption(where, name, value, `an array of length dim = ${n}`);
  value.forEach((v, i) => {
    if (typeof v !== 'number' || Number.isNaN(v)) invalidOption(where, `${name}[${i}]`, v, 'a number (±Infinity for none)');
  });
}

/** Reads a tfjs function's output at x0, checking rank and finiteness; names the parameter in any error. */
function probe(where: string, name: string, out: unknown, rank: 0 | 1): Float32Array {
  if (!(out instanceof tf.Tensor)) invalidOption(where, name, out, `a function returning a rank-${rank} tensor`);
  if (out.rank !== rank) {
    invalidOption(where, `${name}(x0)`, `a rank-${out.rank} tensor of shape [${out.shape.join(',')}]`, `a rank-${rank} tensor`);
  }
  const data = out.dataSync() as Float32Array;
  data.forEach((v, i) => {
    if (!Number.isFinite(v)) {
      const at = rank === 0 ? `${name}(x0)` : `${name}(x0)[${i}]`;
      throw new DescentError('non-finite', `${where}: ${at} is ${describeValue(v)} at the (clipped) start point x0`, {
        parameter: name,
        value: v,
      });
    }
  });
  return data;
}

/**
 * Validates `problem` and returns its clipped start point, bounds and constraint counts. Throws a {@link DescentError}
 * naming the parameter for: a non-object problem; `dim` not a positive integer; `x0` not `dim` finite numbers; a missing
 * `objective` or a non-function `eq`/`ineq`; `bounds.lower`/`bounds.upper` not arrays of `dim` numbers (NaN rejected,
 * ±Infinity meaning "none"); lower[i] > upper[i]; an objective that is not a scalar or constraints that are not
 * vectors at x0; a NaN or ±Infinity in f, c or g at the clipped x0 (code `non-finite`). Empty constraint vectors are
 * valid (m = 0). Evaluates f, c and g once at x0 (synchronous read-back).
 */
export function validateProblem(problem: Problem, where = 'solve'): ValidatedProblem {
  if (problem === null || typeof problem !== 'object') invalidOption(where, 'problem', problem, 'a Problem object');
  const n = checkNumber(where, 'problem.dim', problem.dim, { min: 1, integer: true });
  const x0 = problem.x0;
  if (!Array.isArray(x0) || x0.length !== n) invalidOption(where, 'problem.x0', x0, `an array of length dim = ${n}`);
  x0.forEach((v, i) => checkNumber(where, `problem.x0[${i}]`, v));
  if (typeof problem.objective !== 'function') invalidOption(where, 'problem.objective', problem.objective, 'a function');
  for (const k of ['eq', 'ineq'] as const) {
    if (problem[k] !== undefined && typeof problem[k] !== 'function') invalidOption(where, `problem.${k}`, problem[k], 'a function');
  }
  const b = problem.bounds;
  if (b !== undefined) {
    if (b === null || typeof b !== 'object') invalidOption(where, 'problem.bounds', b, 'an object { lower?, upper? }');
    checkBoundArray(where, 'problem.bounds.lower', b.lower, n);
    checkBoundArray(where, 'problem.bounds.upper', b.upper, n);
  }
  const { lower, upper } = boundArrays(problem);
  for (let i = 0; i < n; i++) {
    if ((lower[i] as number) > (upper[i] as number)) {
      invalidOption(where, `problem.bounds.lower[${i}]`, lower[i], `<= problem.bounds.upper[${i}] = ${upper[i]}`);
    }
  }
  let clipped = false;
  const start = Float64Array.from(x0, (v, i) => {
    const c = Math.min(Math.max(v, lower[i] as number), upper[i] as number);
    if (c !== v) clipped = true;
    return c;
  });
  const { mEq, mIneq } = tf.tidy(() => {
    const xt = tf.tensor1d(Array.from(start), 'float32');
    probe(where, 'problem.objective', problem.objective(xt), 0);
    const e = problem.eq === undefined ? 0 : probe(where, 'problem.eq', problem.eq(xt), 1).length;
    const g = problem.ineq === undefined ? 0 : probe(where, 'problem.ineq', problem.ineq(xt), 1).length;
    return { mEq: e, mIneq: g };
  });
  return { x0: start, clipped, lower, upper, mEq, mIneq };
}
