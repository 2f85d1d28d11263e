/**
 * `hockSchittkowski`: the 15 public Hock–Schittkowski test problems of the acceptance table, as {@link Problem}s with
 * g(x) ≤ 0 inequalities, start points and known optima.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Problem } from './problem.js';

/** One test problem: its name, the problem, the optimal value f* and a minimiser x*. */
export interface TestProblem {
  name: string;
  problem: Problem;
  fStar: number;
  xStar: number[];
}

type T = tf.Tensor;
const add = (...xs: (T | number)[]): T => xs.slice(1).reduce<T>((a, b) => tf.add(a, b), tf.add(xs[0] as T | number, 0));
const sub = (a: T | number, b: T | number): T => tf.sub(a, b);
const mul = (...xs: (T | number)[]): T => xs.slice(1).reduce<T>((a, b) => tf.mul(a, b), tf.mul(xs[0] as T | number, 1));
const sq = (a: T): T => tf.square(a);
const scalar = (v: T): tf.Scalar => tf.reshape(v, []) as tf.Scalar;
const vec = (...vs: T[]): tf.Tensor1D => tf.stack(vs.map((v) => tf.reshape(v, []))) as tf.Tensor1D;
/** Components x₁…x_n as scalars (1-based names in the formulas below follow the HS book). */
const xs = (x: tf.Tensor1D): T[] => tf.unstack(x);

function hs(
  name: string,
  x0: number[],
  objective: (x: T[]) => T,
  parts: { eq?: (x: T[]) => T[]; ineqGe?: (x: T[]) => T[]; lower?: number[]; upper?: number[] },
  xStar: number[],
  fStar: number,
): TestProblem {
  const problem: Problem = { dim: x0.length, x0, objective: (x) => scalar(objective(xs(x))) };
  if (parts.eq !== undefined) {
    const eq = parts.eq;
    problem.eq = (x) => vec(...eq(xs(x)));
  }
  if (parts.ineqGe !== undefined) {
    const ge = parts.ineqGe;
    // the HS tables state g(x) ≥ 0; descent's convention is g(x) ≤ 0
    problem.ineq = (x) => vec(...ge(xs(x)).map((g) => tf.neg(g)));
  }
  if (parts.lower !== undefined || parts.upper !== undefined) {
    problem.bounds = {};
    if (parts.lower !== undefined) problem.bounds.lower = parts.lower;
    if (parts.upper !== undefined) problem.bounds.upper = parts.upper;
  }
  return { name, problem, fStar, xStar };
}

const SQRT2 = Math.SQRT2;
const SQRT7 = Math.sqrt(7);

/**
 * The 15 public Hock–Schittkowski problems of descent's acceptance table (HS6, 7, 14, 21, 22, 27, 28, 35, 39, 42, 46,
 * 48, 51, 52, 76): original HS (1981, Lecture Notes in Economics and Mathematical Systems 187) scaling — no ½ factors,
 * unlike OptimizationProblems.jl's HS6/14/28/42/48/51/52 — with the book's g(x) ≥ 0 inequalities negated to g(x) ≤ 0,
 * the book's start points (HS21's x0 = (−1, −1) lies outside its bounds; solvers clip it) and the optima as
 * cross-checked against OPTI's `nlp_HS.m`, Tomlab's `chs_prob.m`, the HS21/HS52 SIF files and DIRECTLib's hs076
 * (closed forms where they exist: HS14 f* = 9 − 23√7/8, HS52 f* = 1859/349, HS76 f* = −103/22). Pass criterion used by
 * the tests: |f − f*| ≤ 1e-6·max(1, |f*|), ‖c‖∞ ≤ 1e-6, max g ≤ 1e-6.
 */
export const hockSchittkowski: readonly TestProblem[] = Object.freeze([
  hs('HS6', [-1.2, 1], ([x1]) => sq(sub(1, x1 as T)), { eq: ([x1, x2]) => [mul(10, sub(x2 as T, sq(x1 as T)))] }, [1, 1], 0),
  hs(
    'HS7',
    [2, 2],
    ([x1, x2]) => sub(tf.log1p(sq(x1 as T)), x2 as T),
    { eq: ([x1, x2]) => [sub(add(sq(add(1, sq(x1 as T))), sq(x2 as T)), 4)] },
    [0, Math.sqrt(3)],
    -Math.sqrt(3),
  ),
  hs(
    'HS14',
    [2, 2],
    ([x1, x2]) => add(sq(sub(x1 as T, 2)), sq(sub(x2 as T, 1))),
    {
      eq: ([x1, x2]) => [add(sub(x1 as T, mul(2, x2 as T)), 1)],
      ineqGe: ([x1, x2]) => [add(mul(-0.25, sq(x1 as T)), tf.neg(sq(x2 as T)), 1)],
    },
    [(SQRT7 - 1) / 2, (SQRT7 + 1) / 4],
    9 - (23 * SQRT7) / 8,
  ),
  hs(
    'HS21',
    [-1, -1],
    ([x1, x2]) => add(mul(0.01, sq(x1 as T)), sq(x2 as T), -100),
    { ineqGe: ([x1, x2]) => [sub(sub(mul(10, x1 as T), x2 as T), 10)], lower: [2, -50], upper: [50, 50] },
    [2, 0],
    -99.96,
  ),
  hs(
    'HS22',
    [2, 2],
    ([x1, x2]) => add(sq(sub(x1 as T, 2)), sq(sub(x2 as T, 1))),
    { ineqGe: ([x1, x2]) => [sub(sub(2, x1 as T), x2 as T), sub(x2 as T, sq(x1 as T))] },
    [1, 1],
    1,
  ),
  hs(
    'HS27',
    [2, 2, 2],
    ([x1, x2]) => add(mul(0.01, sq(sub(x1 as T, 1))), sq(sub(x2 as T, sq(x1 as T)))),
    { eq: ([x1, , x3]) => [add(x1 as T, sq(x3 as T), 1)] },
    [-1, 1, 0],
    0.04,
  ),
  hs(
    'HS28',
    [-4, 1, 1],
    ([x1, x2, x3]) => add(sq(add(x1 as T, x2 as T)), sq(add(x2 as T, x3 as T))),
    { eq: ([x1, x2, x3]) => [add(x1 as T, mul(2, x2 as T), mul(3, x3 as T), -1)] },
    [0.5, -0.5, 0.5],
    0,
  ),
  hs(
    'HS35',
    [0.5, 0.5, 0.5],
    ([x1, x2, x3]) =>
      add(
        9,
        mul(-8, x1 as T),
        mul(-6, x2 as T),
        mul(-4, x3 as T),
        mul(2, sq(x1 as T)),
        mul(2, sq(x2 as T)),
        sq(x3 as T),
        mul(2, x1 as T, x2 as T),
        mul(2, x1 as T, x3 as T),
      ),
    { ineqGe: ([x1, x2, x3]) => [sub(sub(sub(3, x1 as T), x2 as T), mul(2, x3 as T))], lower: [0, 0, 0] },
    [4 / 3, 7 / 9, 4 / 9],
    1 / 9,
  ),
  hs(
    'HS39',
    [2, 2, 2, 2],
    ([x1]) => tf.neg(x1 as T),
    {
      eq: ([x1, x2, x3, x4]) => [
        sub(sub(x2 as T, mul(x1 as T, x1 as T, x1 as T)), sq(x3 as T)),
        sub(sub(sq(x1 as T), x2 as T), sq(x4 as T)),
      ],
    },
    [1, 1, 0, 0],
    -1,
  ),
  hs(
    'HS42',
    [1, 1, 1, 1],
    ([x1, x2, x3, x4]) => add(sq(sub(x1 as T, 1)), sq(sub(x2 as T, 2)), sq(sub(x3 as T, 3)), sq(sub(x4 as T, 4))),
    { eq: ([x1, , x3, x4]) => [sub(x1 as T, 2), sub(add(sq(x3 as T), sq(x4 as T)), 2)] },
    [2, 2, 0.6 * SQRT2, 0.8 * SQRT2],
    28 - 10 * SQRT2,
  ),
  hs(
    'HS46',
    [SQRT2 / 2, 1.75, 0.5, 2, 2],
    ([x1, x2, x3, x4, x5]) =>
      add(sq(sub(x1 as T, x2 as T)), sq(sub(x3 as T, 1)), tf.pow(sub(x4 as T, 1), 4), tf.pow(sub(x5 as T, 1), 6)),
    {
      eq: ([x1, x2, x3, x4, x5]) => [
        add(mul(sq(x1 as T), x4 as T), tf.sin(sub(x4 as T, x5 as T)), -1),
        add(x2 as T, mul(tf.pow(x3 as T, 4), sq(x4 as T)), -2),
      ],
    },
    [1, 1, 1, 1, 1],
    0,
  ),
  hs(
    'HS48',
    [3, 5, -3, 2, -2],
    ([x1, x2, x3, x4, x5]) => add(sq(sub(x1 as T, 1)), sq(sub(x2 as T, x3 as T)), sq(sub(x4 as T, x5 as T))),
    {
      eq: ([x1, x2, x3, x4, x5]) => [
        add(x1 as T, x2 as T, x3 as T, x4 as T, x5 as T, -5),
        add(sub(x3 as T, mul(2, add(x4 as T, x5 as T))), 3),
      ],
    },
    [1, 1, 1, 1, 1],
    0,
  ),
  hs(
    'HS51',
    [2.5, 0.5, 2, -1, 0.5],
    ([x1, x2, x3, x4, x5]) =>
      add(sq(sub(x1 as T, x2 as T)), sq(add(x2 as T, x3 as T, -2)), sq(sub(x4 as T, 1)), sq(sub(x5 as T, 1))),
    {
      eq: ([x1, x2, x3, x4, x5]) => [
        add(x1 as T, mul(3, x2 as T), -4),
        sub(add(x3 as T, x4 as T), mul(2, x5 as T)),
        sub(x2 as T, x5 as T),
      ],
    },
    [1, 1, 1, 1, 1],
    0,
  ),
  hs(
    'HS52',
    [2, 2, 2, 2, 2],
    ([x1, x2, x3, x4, x5]) =>
      add(sq(sub(mul(4, x1 as T), x2 as T)), sq(add(x2 as T, x3 as T, -2)), sq(sub(x4 as T, 1)), sq(sub(x5 as T, 1))),
    {
      eq: ([x1, x2, x3, x4, x5]) => [
        add(x1 as T, mul(3, x2 as T)),
        sub(add(x3 as T, x4 as T), mul(2, x5 as T)),
        sub(x2 as T, x5 as T),
      ],
    },
    [-33 / 349, 11 / 349, 180 / 349, -158 / 349, 11 / 349],
    1859 / 349,
  ),
  hs(
    'HS76',
    [0.5, 0.5, 0.5, 0.5],
    ([x1, x2, x3, x4]) =>
      add(
        sq(x1 as T),
        mul(0.5, sq(x2 as T)),
        sq(x3 as T),
        mul(0.5, sq(x4 as T)),
        mul(-1, x1 as T, x3 as T),
        mul(x3 as T, x4 as T),
        tf.neg(x1 as T),
        mul(-3, x2 as T),
        x3 as T,
        tf.neg(x4 as T),
      ),
    {
      ineqGe: ([x1, x2, x3, x4]) => [
        sub(5, add(x1 as T, mul(2, x2 as T), x3 as T, x4 as T)),
        add(sub(sub(sub(4, mul(3, x1 as T)), x2 as T), mul(2, x3 as T)), x4 as T),
        add(x2 as T, mul(4, x3 as T), -1.5),
      ],
      lower: [0, 0, 0, 0],
    },
    [3 / 11, 23 / 11, 0, 6 / 11],
    -103 / 22,
  ),
]);
