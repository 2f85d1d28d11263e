/**
 * `solve`: one entry point for every constrained solver of the package, with problem validation up front.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber, checkOneOf, invalidOption } from '@descent/core';
import type { Problem, SolveIteration, SolveMethod, SolveResult } from './problem.js';
import { augmentedLagrangian } from './augmented-lagrangian.js';
import { exactAugmentedLagrangianSketch } from './exact-augmented-lagrangian-sketch.js';
import { gda } from './gda.js';
import { penalty } from './penalty.js';
import { validateProblem } from './validate-problem.js';

/** Options of {@link solve}. */
export interface SolveOptions {
  /**
   * Which solver: `'augmented-lagrangian'` ({@link augmentedLagrangian}), `'exact-al-sketch'`
   * ({@link exactAugmentedLagrangianSketch}), `'penalty'` ({@link penalty}), `'gda'` ({@link gda}); `'auto'` (default)
   * picks the augmented Lagrangian, the one method that handles equalities, inequalities and bounds alike and passes the
   * whole public Hock–Schittkowski set (README, acceptance table).
   */
  method?: SolveMethod;
  /** Tolerance on the KKT residual and the constraint violation, passed to the solver (each documents its default). */
  tol?: number;
  /** Iteration budget, passed to the solver (outer iterations for the augmented Lagrangian). */
  maxIterations?: number;
  /** Called with each history record. */
  onIteration?: (record: SolveIteration) => void;
}

const METHODS = ['auto', 'augmented-lagrangian', 'exact-al-sketch', 'penalty', 'gda'] as const satisfies readonly SolveMethod[];

/**
 * Solves min f(x) s.t. c(x) = 0, g(x) ≤ 0, l ≤ x ≤ u (DESIGN.md §7).
 *
 * Validates the problem first (see `validateProblem`: dimensions of x0 and the bounds, lower ≤ upper, scalar objective
 * and vector constraints, finite f, c, g at x0 — each failure a `DescentError` naming the parameter), clips x0 to the
 * bounds, then runs the chosen method on the clipped problem. Never throws on a problem that merely fails to converge:
 * the result has `converged: false` and the reason (a NaN met during the iterations is reported with its iteration).
 * Empty constraint vectors are fine. Needs synchronous tensor read-back (CPU/WASM backends).
 *
 * @example
 * ```ts
 * const r = solve({ dim: 2, x0: [0, 0], objective: (x) => tf.sum(tf.square(x)), eq: (x) => tf.reshape(tf.sub(tf.sum(x), 1), [1]) });
 * // r.x ≈ [0.5, 0.5], r.f ≈ 0.5, r.multipliers.eq ≈ [-1]
 * ```
 */
export function solve(problem: Problem, options: SolveOptions = {}): SolveResult {
  const where = 'solve';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an object');
  checkKnownOptions(where, options, ['method', 'tol', 'maxIterations', 'onIteration']);
  const method = checkOneOf(where, 'method', options.method ?? 'auto', METHODS);
  const passed: { tol?: number; maxIterations?: number; onIteration?: (record: SolveIteration) => void } = {};
  if (options.tol !== undefined) passed.tol = checkNumber(where, 'tol', options.tol, { greaterThan: 0 });
  if (options.maxIterations !== undefined) {
    passed.maxIterations = checkNumber(where, 'maxIterations', options.maxIterations, { min: 1, integer: true });
  }
  if (options.onIteration !== undefined) {
    if (typeof options.onIteration !== 'function') invalidOption(where, 'onIteration', options.onIteration, 'a function');
    passed.onIteration = options.onIteration;
  }
  const valid = validateProblem(problem, where);
  const clipped: Problem = valid.clipped ? { ...bind(problem), x0: Array.from(valid.x0) } : problem;
  switch (method) {
    case 'auto':
    case 'augmented-lagrangian':
      return augmentedLagrangian(clipped, passed);
    case 'exact-al-sketch':
      return exactAugmentedLagrangianSketch(clipped, passed);
    case 'penalty':
      return penalty(clipped, passed);
    case 'gda':
      return gda(clipped, passed);
  }
}

/** A plain-object copy of a problem whose methods keep their `this` (problems may be class instances). */
function bind(problem: Problem): Problem {
  const copy: Problem = { dim: problem.dim, x0: problem.x0, objective: problem.objective.bind(problem) };
  if (problem.eq !== undefined) copy.eq = problem.eq.bind(problem);
  if (problem.ineq !== undefined) copy.ineq = problem.ineq.bind(problem);
  if (problem.bounds !== undefined) copy.bounds = problem.bounds;
  return copy;
}
