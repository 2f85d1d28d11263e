/**
 * KKT residual and constraint violation: the two numbers every solver of `@descent/constrained` reports, defined once
 * here so that all of them are compared on the same scale.
 *
 * @packageDocumentation
 */
import { invalidOption } from '@descent/core';
import type { Problem } from './problem.js';
import { type ProblemPoint, problemEvaluator } from './problem-evaluator.js';

/** Multipliers of c(x) = 0 (any sign) and of g(x) ≤ 0 (μ ≥ 0), as in {@link SolveResult}. */
export interface KktMultipliers {
  eq: ArrayLike<number>;
  ineq: ArrayLike<number>;
}

/** Finite lower/upper bound arrays of a problem (missing sides and entries become ∓Infinity). */
export function boundArrays(problem: Pick<Problem, 'dim' | 'bounds'>): { lower: Float64Array; upper: Float64Array } {
  const n = problem.dim;
  const lower = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  const upper = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const b = problem.bounds;
  if (b?.lower !== undefined) for (let i = 0; i < n; i++) lower[i] = b.lower[i] ?? Number.NEGATIVE_INFINITY;
  if (b?.upper !== undefined) for (let i = 0; i < n; i++) upper[i] = b.upper[i] ?? Number.POSITIVE_INFINITY;
  return { lower, upper };
}

/**
 * The KKT measures at an evaluated point (`point` from a full evaluation, with ∇f and the Jacobians).
 *
 * - stationarity = ‖P_[l,u](x − r) − x‖∞ with r = ∇f + J_cᵀλ + J_gᵀμ: the projected-gradient measure, so that the
 *   bounds need no multipliers of their own (it equals ‖r‖∞ without bounds; ALGENCAN's optimality measure,
 *   Birgin & Martínez 2014, "Practical Augmented Lagrangian Methods for Constrained Optimization", §12.1).
 * - complementarity = max_i |min(−g_i, μ_i)| — zero exactly when g_i ≤ 0, μ_i ≥ 0 and μ_i g_i = 0 (the same book's
 *   measure of feasibility-complementarity).
 * - dual infeasibility = max_i max(0, −μ_i).
 *
 * `kktResidual` is the largest of the three; `violation` is {@link violationAt}.
 */
export function kktMeasures(
  point: ProblemPoint,
  multipliers: KktMultipliers,
  bounds: { lower: Float64Array; upper: Float64Array },
): { kktResidual: number; stationarity: number; complementarity: number; violation: number } {
  const { grad, eqJac, ineqJac, x } = point;
  if (grad === undefined || eqJac === undefined || ineqJac === undefined) {
    invalidOption('kktMeasures', 'point', point, 'a full evaluation (with grad, eqJac and ineqJac)');
  }
  const n = x.length;
  const r = Float64Array.from(grad);
  const addRows = (rows: Float64Array[], w: ArrayLike<number>) => {
    for (let i = 0; i < rows.length; i++) {
      const wi = w[i] ?? 0;
      if (wi === 0) continue;
      const row = rows[i] as Float64Array;
      for (let j = 0; j < n; j++) r[j] = (r[j] as number) + wi * (row[j] as number);
    }
  };
  addRows(eqJac, multipliers.eq);
  addRows(ineqJac, multipliers.ineq);
  let stationarity = 0;
  for (let j = 0; j < n; j++) {
    const xj = x[j] as number;
    const projected = Math.min(Math.max(xj - (r[j] as number), bounds.lower[j] as number), bounds.upper[j] as number);
    stationarity = Math.max(stationarity, Math.abs(projected - xj));
  }
  let complementarity = 0;
  for (let i = 0; i < point.ineq.length; i++) {
    const mu = multipliers.ineq[i] ?? 0;
    complementarity = Math.max(complementarity, Math.abs(Math.min(-(point.ineq[i] as number), mu)), Math.max(0, -mu));
  }
  const kktResidual = Math.max(stationarity, complementarity);
  return {
    kktResidual: Number.isNaN(kktResidual) ? Number.POSITIVE_INFINITY : kktResidual,
    stationarity,
    complementarity,
    violation: violationAt(point, bounds),
  };
}

/** max(‖c(x)‖∞, max_i max(g_i(x), 0), max_j max(l_j − x_j, x_j − u_j, 0)) at an evaluated point; NaN becomes Infinity. */
export function violationAt(point: ProblemPoint, bounds: { lower: Float64Array; upper: Float64Array }): number {
  let v = 0;
  for (const c of point.eq) v = Math.max(v, Math.abs(c));
  for (const g of point.ineq) v = Math.max(v, g);
  for (let j = 0; j < point.x.length; j++) {
    const xj = point.x[j] as number;
    v = Math.max(v, (bounds.lower[j] as number) - xj, xj - (bounds.upper[j] as number));
  }
  if (Number.isNaN(v) || point.eq.some(Number.isNaN) || point.ineq.some(Number.isNaN)) return Number.POSITIVE_INFINITY;
  return v;
}

/**
 * KKT residual of `problem` at x with the given multipliers (see {@link kktMeasures}): one gradient and one
 * vector–Jacobian product per constraint, through tfjs autodiff (float32), assembled in float64.
 */
export function kktResidual(problem: Problem, x: ArrayLike<number>, multipliers: KktMultipliers): number {
  const point = problemEvaluator(problem).full(x);
  return kktMeasures(point, multipliers, boundArrays(problem)).kktResidual;
}

/** Constraint violation max(‖c‖∞, max g₊, bound violation) of `problem` at x (forward passes only). */
export function constraintViolation(problem: Problem, x: ArrayLike<number>): number {
  return violationAt(problemEvaluator(problem).values(x), boundArrays(problem));
}
