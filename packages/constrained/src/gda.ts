/**
 * `gda`: the `solve()` entry that runs a {@link Problem} through the Cooper-style Lagrangian formulation with
 * primal–dual gradient steps.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type GradientTransformation, checkKnownOptions, checkNumber, checkOneOf, invalidOption } from '@descent/core';
import { adam, sgd } from '@descent/optim';
import { boundArrays, kktMeasures } from './kkt.js';
import { leastSquaresMultipliers } from './least-squares-multipliers.js';
import {
  type ConstrainedUpdate,
  type Formulation,
  type CmpState,
  augmentedLagrangianFormulation,
  constrainedOptimizer,
} from './lagrangian-formulation.js';
import type { Problem, SolveIteration, SolveResult } from './problem.js';
import { problemEvaluator } from './problem-evaluator.js';
import { validateProblem } from './validate-problem.js';

/** Options of {@link gda}. */
export interface GdaOptions {
  /** Stop when the KKT residual and the constraint violation are both ≤ tol (checked every `checkEvery` steps). Default 1e-5. */
  tol?: number;
  /** The fixed budget of primal–dual steps. Default 5000. */
  maxIterations?: number;
  /** Called at every check with the current record; its `extra` fields: `penalty`. */
  onIteration?: (it: SolveIteration) => void;
  /** The formulation. Default `augmentedLagrangianFormulation({ penaltyCoefficient: 10 })`. */
  formulation?: Formulation;
  /**
   * Primal transform. Default Adam (b1 0.9, b2 0.99) with learning rate 0.05 decaying as 0.05·(1e-3)^(t/T) to 5e-5
   * at the end of the budget T: the per-coordinate scaling makes one step size work across the HS problems'
   * scales; the decay turns the final oscillation of a constant-step GDA into convergence; b2 = 0.99 (not 0.999)
   * lets the second-moment estimate forget the large early constraint gradients (with 0.999 HS6 stalls at f ≈ 3.8).
   */
  primal?: GradientTransformation<any>;
  /** Dual transform (gradient ascent on the multipliers). Default `sgd({ learningRate: 0.05 })`. */
  dual?: GradientTransformation<any>;
  /** Update scheme. Default `'alternating-lambda-first'`. */
  update?: ConstrainedUpdate;
  /** Steps between convergence checks (each costs one gradient and one VJP per constraint). Default 100. */
  checkEvery?: number;
}

/**
 * Lagrangian gradient descent–ascent for a {@link Problem}: minimises f subject to c(x) = 0, g(x) ≤ 0 and the
 * bounds by running {@link constrainedOptimizer} on
 *
 * $$\min_x \max_{\mu,\ \lambda\ge0}\ f(x) + \mu^\top c + \tfrac\rho2\|c\|^2 + \tfrac1{2\rho}\textstyle\sum_i(\max(0,\lambda_i+\rho g_i)^2-\lambda_i^2)$$
 *
 * (the augmented Lagrangian formulation, ρ = 10: its ρJᵀJ term adds curvature along the constraint normals, where
 * the plain Lagrangian is linear and GDA on it tends to circle the saddle point), one Adam step in x and one SGD
 * ascent step in (μ, λ) per iteration (dual first, Cooper's `AlternatingDualPrimalOptimizer`), bounds enforced by
 * projecting x after every step. A first-order method: it is meant to reach about 1e-3 accuracy on a fixed budget,
 * not 1e-8 — use `augmentedLagrangian` for that. Reported multipliers are the first-order estimates μ + ρc and
 * max(0, λ + ρg), or the least-squares estimate on the inequalities those hold active where that gives a smaller KKT
 * residual; the returned point is the best (smallest max(KKT residual, violation)) of the checks, normally the last;
 * `kktResidual` and `constraintViolation` are the package's common measures ({@link kktMeasures}).
 *
 * Never throws on non-convergence: `converged: false` with the reason. Needs synchronous read-back (CPU/WASM).
 *
 * References: Cooper v1.0.0 (Gallego-Posada et al., arXiv:2504.01212); Arrow, Hurwicz & Uzawa (1958) for
 * Lagrangian gradient descent–ascent; Nocedal & Wright §17.3–17.4 for the augmented Lagrangian.
 */
export function gda(problem: Problem, options: GdaOptions = {}): SolveResult {
  const where = 'gda';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['tol', 'maxIterations', 'onIteration', 'formulation', 'primal', 'dual', 'update', 'checkEvery']);
  const tol = checkNumber(where, 'tol', options.tol ?? 1e-5, { min: 0 });
  const maxIterations = checkNumber(where, 'maxIterations', options.maxIterations ?? 5000, { min: 1, integer: true });
  const checkEvery = checkNumber(where, 'checkEvery', options.checkEvery ?? 100, { min: 1, integer: true });
  if (options.onIteration !== undefined && typeof options.onIteration !== 'function') {
    invalidOption(where, 'onIteration', options.onIteration, 'a function');
  }
  // Options first, then the problem (which evaluates it): a bad option is reported before any evaluation.
  const update: ConstrainedUpdate = checkOneOf(where, 'update', options.update ?? 'alternating-lambda-first', [
    'simultaneous',
    'alternating-x-first',
    'alternating-lambda-first',
    'extragradient',
  ] as const);
  const valid = validateProblem(problem, where);
  const formulation = options.formulation ?? augmentedLagrangianFormulation({ penaltyCoefficient: 10 });
  const lr0 = 0.05;
  const primal = options.primal ?? adam({ learningRate: (t: number) => lr0 * 1e-3 ** Math.min(1, t / maxIterations), b2: 0.99 });
  const dual = options.dual ?? sgd({ learningRate: 0.05 });
  const { lower, upper } = boundArrays(problem);
  const hasBounds = lower.some(Number.isFinite) || upper.some(Number.isFinite);
  // Created after the optimizer has validated its options, so that a rejected option leaks nothing.
  const box: { lo?: tf.Tensor1D; hi?: tf.Tensor1D } = {};
  const opt = constrainedOptimizer({
    formulation,
    primal,
    dual,
    update,
    project: hasBounds ? (p) => ({ x: tf.minimum(tf.maximum((p as { x: tf.Tensor }).x, box.lo as tf.Tensor1D), box.hi as tf.Tensor1D) }) : undefined,
  });
  box.lo = tf.tensor1d(Float32Array.from(lower));
  box.hi = tf.tensor1d(Float32Array.from(upper));
  const x0 = tf.tensor1d(Float32Array.from(valid.x0));
  const x = tf.variable(x0);
  x0.dispose();
  const closure = (p: { x: tf.Tensor1D }): CmpState => {
    const xt = p.x;
    const state: CmpState = { loss: problem.objective(xt) };
    if (problem.eq !== undefined && valid.mEq > 0) state.eq = problem.eq(xt);
    if (problem.ineq !== undefined && valid.mIneq > 0) state.ineq = problem.ineq(xt);
    return state;
  };
  const evaluator = problemEvaluator(problem);
  const bounds = { lower, upper };
  const history: SolveIteration[] = [];
  let mu = new Float64Array(valid.mEq);
  let lam = new Float64Array(valid.mIneq);
  let iterations = 0;
  let converged = false;
  let reason = `max iterations ${maxIterations} reached`;
  let best: { x: Float64Array; f: number; kkt: number; violation: number; eq: number[]; ineq: number[] } | undefined;
  let gradCalls = 0;

  /** Full evaluation at the current x with first-order multiplier estimates; records history. */
  const check = (): { kkt: number; violation: number } => {
    const point = evaluator.full(x.dataSync());
    const rho = formulation.penaltyCoefficient(iterations);
    const firstOrder = {
      eq: Array.from(point.eq, (c, i) => (mu[i] as number) + rho * c),
      ineq: Array.from(point.ineq, (g, i) => (formulation.name === 'lagrangian' ? (lam[i] as number) : Math.max(0, (lam[i] as number) + rho * g))),
    };
    // The least-squares estimate on the inequalities the dual player holds active, for comparison; report the better.
    const active: number[] = [];
    firstOrder.ineq.forEach((v, i) => {
      if (v > 0) active.push(i);
    });
    const fixed: number[] = [];
    point.x.forEach((xj, j) => {
      if (xj <= (lower[j] as number) || xj >= (upper[j] as number)) fixed.push(j);
    });
    const ls = leastSquaresMultipliers(point, active, fixed);
    const lsMult = { eq: Array.from(ls.eq), ineq: Array.from(ls.ineq) };
    const m1 = kktMeasures(point, firstOrder, bounds);
    const m2 = kktMeasures(point, lsMult, bounds);
    const useLs = m2.kktResidual < m1.kktResidual;
    const m = useLs ? m2 : m1;
    const eqM = useLs ? lsMult.eq : firstOrder.eq;
    const ineqM = useLs ? lsMult.ineq : firstOrder.ineq;
    const record: SolveIteration = { iteration: iterations, f: point.f, kktResidual: m.kktResidual, constraintViolation: m.violation, penalty: rho };
    history.push(record);
    options.onIteration?.(record);
    const score = Math.max(m.kktResidual, m.violation);
    if (Number.isFinite(point.f) && (best === undefined || score <= Math.max(best.kkt, best.violation))) {
      best = { x: point.x, f: point.f, kkt: m.kktResidual, violation: m.violation, eq: eqM, ineq: ineqM };
    }
    return { kkt: m.kktResidual, violation: m.violation };
  };

  try {
    const start = check();
    if (start.kkt <= tol && start.violation <= tol) {
      converged = true;
      reason = `kkt residual ${start.kkt.toExponential(2)} and violation ${start.violation.toExponential(2)} <= tol ${tol} at x0`;
    }
    while (!converged && iterations < maxIterations) {
      let out;
      try {
        out = opt.step({ x }, closure);
      } catch (e) {
        reason = `stopped at iteration ${iterations + 1}: ${(e as Error).message}`;
        break;
      }
      iterations++;
      gradCalls++;
      mu = Float64Array.from(out.multipliers.eq);
      lam = Float64Array.from(out.multipliers.ineq);
      if (iterations % checkEvery === 0 || iterations === maxIterations) {
        const m = check();
        if (m.kkt <= tol && m.violation <= tol) {
          converged = true;
          reason = `kkt residual ${m.kkt.toExponential(2)} and violation ${m.violation.toExponential(2)} <= tol ${tol}`;
        }
      }
    }
  } finally {
    opt.dispose();
    x.dispose();
    box.lo.dispose();
    box.hi.dispose();
  }
  const final = best as NonNullable<typeof best>;
  return {
    x: Array.from(final.x),
    f: final.f,
    kktResidual: final.kkt,
    constraintViolation: final.violation,
    multipliers: { eq: final.eq, ineq: final.ineq },
    iterations,
    converged,
    reason,
    history,
    // Per step: one forward–backward pass, plus a forward pass without tape for the alternating schemes' defects, or a
    // second forward–backward pass for extragradient.
    evaluations: { f: evaluator.counts.f + 2 * gradCalls * (update === 'simultaneous' ? 0.5 : 1), grad: evaluator.counts.grad + gradCalls * (update === 'extragradient' ? 2 : 1) },
  };
}
