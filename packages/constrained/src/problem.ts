/**
 * The problem and result shapes every solver of `@descent/constrained` shares (DESIGN.md §7).
 *
 * @packageDocumentation
 */
import type * as tf from '@tensorflow/tfjs-core';

/**
 * A smooth constrained problem: minimise f(x) subject to c(x) = 0, g(x) ≤ 0 and lower ≤ x ≤ upper.
 *
 * Inequalities follow the `g(x) ≤ 0` convention (the Hock–Schittkowski tables use g ≥ 0; {@link hockSchittkowski}
 * converts). `objective`, `eq` and `ineq` are tfjs functions so that gradients, Jacobians and Hessian-vector products
 * come from automatic differentiation.
 */
export interface Problem {
  /** Number of variables n. */
  dim: number;
  /** Start point, length n. */
  x0: number[];
  /** f(x), a scalar. */
  objective(x: tf.Tensor1D): tf.Scalar;
  /** c(x) = 0, a vector of length m_eq (omit when there are none). */
  eq?(x: tf.Tensor1D): tf.Tensor1D;
  /** g(x) ≤ 0, a vector of length m_ineq (omit when there are none). */
  ineq?(x: tf.Tensor1D): tf.Tensor1D;
  /** Simple bounds; a missing side, or ±Infinity entries, mean unbounded. */
  bounds?: { lower?: number[]; upper?: number[] };
}

/** The solver names {@link solve} accepts. */
export type SolveMethod = 'auto' | 'augmented-lagrangian' | 'exact-al-sketch' | 'penalty' | 'gda';

/** One record of a solver's history (one outer iteration). */
export interface SolveIteration {
  iteration: number;
  f: number;
  kktResidual: number;
  constraintViolation: number;
  /** Solver-specific scalars (penalty parameter, step length, inner iterations, …). */
  [extra: string]: number;
}

/** What every constrained solver returns; it never throws on a problem that merely fails to converge. */
export interface SolveResult {
  x: number[];
  f: number;
  /** ‖∇f + Jcᵀλ + Jgᵀμ‖∞ with projected bound terms, plus complementarity, at the returned point. */
  kktResidual: number;
  /** max(‖c(x)‖∞, max(g(x), 0), bound violation). */
  constraintViolation: number;
  multipliers: { eq: number[]; ineq: number[] };
  iterations: number;
  converged: boolean;
  /** Why the solver stopped, in words ("kkt residual 3e-9 <= tol 1e-8", "max iterations 200 reached", …). */
  reason: string;
  history: SolveIteration[];
  /** Function and gradient evaluation counts, for the benchmark table. */
  evaluations?: { f: number; grad: number };
}

/** A bilevel problem: min_x F(x, y*(x)) with y*(x) ∈ argmin_y { f(x, y) : g(x, y) ≤ 0 } (DESIGN.md §7). */
export interface BilevelProblem {
  dimX: number;
  dimY: number;
  x0: number[];
  y0: number[];
  /** Upper-level objective F(x, y). */
  upper(x: tf.Tensor1D, y: tf.Tensor1D): tf.Scalar;
  /** Lower-level objective f(x, y). */
  lower(x: tf.Tensor1D, y: tf.Tensor1D): tf.Scalar;
  /** Constraints coupling x and y: g(x, y) ≤ 0. */
  lowerIneq?(x: tf.Tensor1D, y: tf.Tensor1D): tf.Tensor1D;
  /** Equality constraints coupling x and y: h(x, y) = 0 (their multipliers are free; LV-HBA clips them to ±u). */
  lowerEq?(x: tf.Tensor1D, y: tf.Tensor1D): tf.Tensor1D;
  /**
   * Euclidean projection of (x, y) onto C = {(x, y) ∈ X×Y : g(x, y) ≤ 0, h(x, y) = 0} (LV-HBA's Proj_C). Required by
   * {@link lvHba} whenever `lowerIneq` or `lowerEq` is set; returns new tensors the caller owns.
   */
  project?(x: tf.Tensor1D, y: tf.Tensor1D): { x: tf.Tensor1D; y: tf.Tensor1D };
  /** Euclidean projection onto the lower-level set Y (omit for Y = R^dimY); returns a new tensor. */
  projectLower?(y: tf.Tensor1D): tf.Tensor1D;
}
