/**
 * `leastSquaresMultipliers`: multiplier estimates that minimise the Lagrangian-gradient norm over a given active set.
 *
 * @packageDocumentation
 */
import { Matrix, solve } from 'ml-matrix';
import type { ProblemPoint } from './problem-evaluator.js';

/**
 * Least-squares multipliers at an evaluated point (Nocedal & Wright 2006, eq. 18.21; Gill, Murray & Wright 1981 §5.1):
 *
 *   (λ, μ_A) = argmin ‖∇f(x) + J_cᵀλ + J_Aᵀμ_A‖₂  over the free coordinates,
 *
 * where A = `activeIneq` are the inequalities taken as active (others get μ = 0) and the free coordinates are those not
 * listed in `fixed` (variables held at a bound, whose gradient component the bound's own multiplier absorbs). Negative
 * μ_A are clipped to 0. Solved with ml-matrix's SVD (rank-deficient Jacobians are fine).
 *
 * Why: a method of multipliers estimates λ = λ̄ + ρc(x); with c evaluated in float32, ρ times its rounding noise pollutes
 * that estimate once ρ is large, while the least-squares estimate only sees ∇f and J. Solvers report whichever of the
 * two gives the smaller KKT residual.
 */
export function leastSquaresMultipliers(
  point: ProblemPoint,
  activeIneq: readonly number[],
  fixed: readonly number[] = [],
): { eq: Float64Array; ineq: Float64Array } {
  const { grad, eqJac, ineqJac } = point;
  const mEq = point.eq.length;
  const eq = new Float64Array(mEq);
  const ineq = new Float64Array(point.ineq.length);
  if (grad === undefined || eqJac === undefined || ineqJac === undefined) return { eq, ineq };
  const fixedSet = new Set(fixed);
  const free: number[] = [];
  for (let j = 0; j < grad.length; j++) if (!fixedSet.has(j)) free.push(j);
  const columns = [...eqJac, ...activeIneq.map((i) => ineqJac[i] as Float64Array)];
  if (columns.length === 0 || free.length === 0) return { eq, ineq };
  const a = new Matrix(free.length, columns.length);
  const b = new Matrix(free.length, 1);
  free.forEach((j, r) => {
    columns.forEach((col, c) => a.set(r, c, col[j] as number));
    b.set(r, 0, -(grad[j] as number));
  });
  const z = solve(a, b, true).to1DArray();
  if (!z.every(Number.isFinite)) return { eq, ineq };
  for (let i = 0; i < mEq; i++) eq[i] = z[i] as number;
  activeIneq.forEach((i, q) => {
    ineq[i] = Math.max(0, z[mEq + q] as number);
  });
  return { eq, ineq };
}
