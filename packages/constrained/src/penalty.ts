/**
 * `penalty`: the quadratic penalty method with an increasing penalty parameter (Nocedal & Wright, Framework 17.1).
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber, invalidOption } from '@descent/core';
import { lbfgs } from '@descent/optim';
import { kktMeasures } from './kkt.js';
import { leastSquaresMultipliers } from './least-squares-multipliers.js';
import type { Problem, SolveIteration, SolveResult } from './problem.js';
import { type ProblemPoint, problemEvaluator } from './problem-evaluator.js';
import { validateProblem } from './validate-problem.js';

/** Options of {@link penalty}. */
export interface PenaltyOptions {
  /** Stop when the constraint violation and the KKT residual are both ≤ tol. Default 1e-6. */
  tol?: number;
  /** Maximum number of outer iterations (penalty increases). Default 12. */
  maxIterations?: number;
  /** Called after every outer iteration; extra fields `rho`, `innerIterations`. */
  onIteration?: (it: SolveIteration) => void;
  /** ρ₀ > 0. Default 10. */
  initialPenalty?: number;
  /** Growth factor of ρ per outer iteration, > 1. Default 10. */
  penaltyGrowth?: number;
  /** Upper limit on ρ (beyond it the subproblems are too ill-conditioned for float32 gradients). Default 1e10. */
  maxPenalty?: number;
  /** Iteration limit of each inner L-BFGS solve. Default 500. */
  maxInnerIterations?: number;
}

/**
 * The quadratic penalty method for a {@link Problem}: for ρ_k = ρ₀·γᵏ minimise
 *
 * $$Q(x;\rho) = f(x) + \tfrac\rho2\big(\|c(x)\|^2 + \|\max(0, g(x))\|^2 + \|\max(0, l - x)\|^2 + \|\max(0, x - u)\|^2\big)$$
 *
 * with L-BFGS (`@descent/optim`'s `lbfgs`, strong-Wolfe line search, float64 on the host) warm-started at x_{k−1} to the
 * gradient tolerance τ_k = max(tol, 1/ρ_k) (Nocedal & Wright, *Numerical Optimization*, 2nd ed., Framework 17.1 and
 * Theorem 17.2), until the violation and the KKT residual are ≤ tol. Bounds are penalised like the other
 * inequalities (the result can sit outside the box by O(1/ρ)). Reported multipliers are whichever of ρc, ρ·max(0, g) (N&W eq. 17.6) and the
 * least-squares estimate on the active set ({@link leastSquaresMultipliers}) gives the smaller KKT residual — at large
 * ρ the first is ρ times the float32 rounding noise of c. The violation of the k-th minimiser is O(1/ρ_k), so tight tolerances need large ρ and
 * ill-conditioned subproblems — the reason the augmented Lagrangian is the default method of `solve`.
 *
 * Defaults ρ₀ = 10, γ = 10, ρ ≤ 1e10, 12 outer iterations, 500 inner iterations. Never throws on non-convergence:
 * `converged: false` with the reason. Needs synchronous read-back (CPU/WASM). The same formulation for tensor
 * parameters and stochastic training is {@link quadraticPenaltyFormulation}.
 */
export function penalty(problem: Problem, options: PenaltyOptions = {}): SolveResult {
  const where = 'penalty';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, [
    'tol',
    'maxIterations',
    'onIteration',
    'initialPenalty',
    'penaltyGrowth',
    'maxPenalty',
    'maxInnerIterations',
  ]);
  const tol = checkNumber(where, 'tol', options.tol ?? 1e-6, { min: 0 });
  const maxIterations = checkNumber(where, 'maxIterations', options.maxIterations ?? 12, { min: 1, integer: true });
  const rho0 = checkNumber(where, 'initialPenalty', options.initialPenalty ?? 10, { greaterThan: 0 });
  const growth = checkNumber(where, 'penaltyGrowth', options.penaltyGrowth ?? 10, { greaterThan: 1 });
  const maxPenalty = checkNumber(where, 'maxPenalty', options.maxPenalty ?? 1e10, { min: rho0 });
  const maxInner = checkNumber(where, 'maxInnerIterations', options.maxInnerIterations ?? 500, { min: 1, integer: true });
  if (options.onIteration !== undefined && typeof options.onIteration !== 'function') {
    invalidOption(where, 'onIteration', options.onIteration, 'a function');
  }
  const valid = validateProblem(problem, where);
  const { lower, upper } = valid;
  const bounds = { lower, upper };
  const n = problem.dim;
  const evaluator = problemEvaluator(problem);

  const penaltyValue = (point: ProblemPoint, x: ArrayLike<number>, rho: number): number => {
    let s = 0;
    for (const c of point.eq) s += c * c;
    for (const g of point.ineq) if (g > 0) s += g * g;
    for (let j = 0; j < n; j++) {
      const xj = x[j] as number;
      const lo = (lower[j] as number) - xj;
      const hi = xj - (upper[j] as number);
      if (lo > 0) s += lo * lo;
      if (hi > 0) s += hi * hi;
    }
    return point.f + 0.5 * rho * s;
  };

  const history: SolveIteration[] = [];
  let x: Float64Array = Float64Array.from(valid.x0);
  let rho = rho0;
  let iterations = 0;
  let converged = false;
  let reason = `max iterations ${maxIterations} reached`;
  let last: { point: ProblemPoint; kkt: number; violation: number; eq: number[]; ineq: number[] } | undefined;

  while (iterations < maxIterations) {
    const r = rho;
    const inner = lbfgs(
      (z) => {
        const { point, grad } = evaluator.weightedGradient(z, (p) => ({
          eq: Array.from(p.eq, (c) => r * c),
          ineq: Array.from(p.ineq, (g) => r * Math.max(0, g)),
        }));
        const g = Float64Array.from(grad);
        for (let j = 0; j < n; j++) {
          const zj = z[j] as number;
          const lo = (lower[j] as number) - zj;
          const hi = zj - (upper[j] as number);
          if (lo > 0) g[j] = (g[j] as number) - r * lo;
          if (hi > 0) g[j] = (g[j] as number) + r * hi;
        }
        return { f: penaltyValue(point, z, r), g };
      },
      x,
      { gtol: Math.max(tol, 1 / rho), maxIterations: maxInner },
    );
    iterations++;
    if (!inner.x.every(Number.isFinite)) {
      reason = `stopped at iteration ${iterations}: the inner solve produced a non-finite point (${inner.reason})`;
      break;
    }
    x = inner.x;
    const point = evaluator.full(x);
    // Two multiplier estimates, report the better: ρc, ρ·max(0, g) (N&W eq. 17.6), and least squares on the active set
    // (at large ρ the first is float32 rounding noise of c times ρ).
    const activeTol = 10 * Math.max(tol, 1e-6);
    const active: number[] = [];
    point.ineq.forEach((g, i) => {
      if (g >= -activeTol) active.push(i);
    });
    const fixed: number[] = [];
    point.x.forEach((xj, j) => {
      if (xj <= (lower[j] as number) + activeTol || xj >= (upper[j] as number) - activeTol) fixed.push(j);
    });
    const ls = leastSquaresMultipliers(point, active, fixed);
    const candidates = [
      { eq: Array.from(point.eq, (c) => rho * c), ineq: Array.from(point.ineq, (g) => rho * Math.max(0, g)) },
      { eq: Array.from(ls.eq), ineq: Array.from(ls.ineq) },
    ].map((mult) => ({ mult, m: kktMeasures(point, mult, bounds) }));
    const pick = (candidates[1] as (typeof candidates)[number]).m.kktResidual <= (candidates[0] as (typeof candidates)[number]).m.kktResidual ? 1 : 0;
    const { mult, m } = candidates[pick] as (typeof candidates)[number];
    const eqM = mult.eq;
    const ineqM = mult.ineq;
    last = { point, kkt: m.kktResidual, violation: m.violation, eq: eqM, ineq: ineqM };
    const record: SolveIteration = {
      iteration: iterations,
      f: point.f,
      kktResidual: m.kktResidual,
      constraintViolation: m.violation,
      rho,
      innerIterations: inner.iterations,
    };
    history.push(record);
    options.onIteration?.(record);
    if (!Number.isFinite(point.f)) {
      reason = `stopped at iteration ${iterations}: f is ${point.f}`;
      break;
    }
    if (m.violation <= tol && m.kktResidual <= tol) {
      converged = true;
      reason = `violation ${m.violation.toExponential(2)} and kkt residual ${m.kktResidual.toExponential(2)} <= tol ${tol} (rho ${rho.toExponential(0)})`;
      break;
    }
    if (m.violation <= tol && inner.iterations === 0) {
      // Larger ρ cannot help: the float32 defects are at rounding level and the subproblem no longer moves x.
      reason = `stalled at rho ${rho.toExponential(0)}: feasible within tol, inner solve made no progress, kkt residual ${m.kktResidual.toExponential(2)}`;
      break;
    }
    if (rho * growth > maxPenalty) {
      reason = `penalty limit ${maxPenalty} reached with violation ${m.violation.toExponential(2)}, kkt residual ${m.kktResidual.toExponential(2)}`;
      break;
    }
    rho *= growth;
  }
  if (last === undefined) {
    const point = evaluator.full(x);
    const zeros = { eq: new Array<number>(point.eq.length).fill(0), ineq: new Array<number>(point.ineq.length).fill(0) };
    const m = kktMeasures(point, zeros, bounds);
    last = { point, kkt: m.kktResidual, violation: m.violation, ...zeros };
  }
  return {
    x: Array.from(last.point.x),
    f: last.point.f,
    kktResidual: last.kkt,
    constraintViolation: last.violation,
    multipliers: { eq: last.eq, ineq: last.ineq },
    iterations,
    converged,
    reason,
    history,
    evaluations: { ...evaluator.counts },
  };
}
