/**
 * `augmentedLagrangian`: the classic method of multipliers (Powell–Hestenes–Rockafellar) with safeguarded multipliers,
 * an L-BFGS inner solve and bounds treated as inequality constraints.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber, invalidOption } from '@descent/core';
import { lbfgs } from '@descent/optim';
import type { Problem, SolveIteration, SolveResult } from './problem.js';
import { problemEvaluator } from './problem-evaluator.js';
import { kktMeasures } from './kkt.js';
import { leastSquaresMultipliers } from './least-squares-multipliers.js';
import { validateProblem } from './validate-problem.js';

/** Options of {@link augmentedLagrangian}. */
export interface AugmentedLagrangianOptions {
  /** Converged when the KKT residual and the constraint violation are both ≤ tol. > 0. Default 1e-8. */
  tol?: number;
  /** Maximum outer (multiplier) iterations. Integer ≥ 1. Default 100. */
  maxIterations?: number;
  /** Called after every outer iteration with its record (the same object that goes into `history`). */
  onIteration?: (record: SolveIteration) => void;
  /**
   * Initial penalty ρ₀ > 0. Default: ALGENCAN's 10·max(1, |f(x0)|) / max(1, ½‖c(x0)‖² + ½‖g₊(x0)‖²), clipped to
   * [1e-8, 10] (ALGENCAN clips at 1e8; see the cap's note).
   */
  penalty?: number;
  /** Factor γ > 1 applied to ρ when the violation did not shrink enough. Default 10. */
  penaltyGrowth?: number;
  /** τ ∈ (0, 1): ρ grows unless V_k ≤ τ·V_{k−1} (violation–complementarity measure). Default 0.5. */
  violationDecrease?: number;
  /** Largest penalty ρ. Default 1e12. */
  maxPenalty?: number;
  /** Iteration budget of each inner L-BFGS solve. Integer ≥ 1. Default 200. */
  innerIterations?: number;
  /** L-BFGS history length. Integer ≥ 1. Default 10. */
  memory?: number;
}

const KNOWN = [
  'tol',
  'maxIterations',
  'onIteration',
  'penalty',
  'penaltyGrowth',
  'violationDecrease',
  'maxPenalty',
  'innerIterations',
  'memory',
] as const;

/** Safeguard box for the multiplier estimates used in the subproblems (Birgin & Martínez 2014, Algorithm 4.1). */
const MULTIPLIER_CAP = 1e20;

/**
 * Float32 resolution limits. f, c, g and their gradients come from tfjs in float32, at x rounded to float32, so an
 * inner step below ~1 ulp of x changes nothing (L-BFGS stops there), and stationarity cannot be driven below about
 * (curvature × ulp(x)). When the outer iteration stops improving, the run counts as converged if it is feasible to
 * {@link FLOAT32_FEASIBILITY} and stationary to {@link FLOAT32_STATIONARITY}·max(1, ‖∇f(x)‖∞) (measured on the HS
 * set: violation 0..6e-7, KKT residual 1e-15..3e-5 at the floor).
 */
const FLOAT32_STEP = 1e-7;
/**
 * Cap of the automatic ρ₀. ALGENCAN caps its formula at 1e8; with a feasible x0 and a large |f(x0)| that gives ρ₀ in
 * the hundreds, and the L-BFGS subproblems become too ill-conditioned to resolve in float32 (HS28/48/51 stalled at KKT
 * residuals ~1e-4). 10 is LANCELOT's default initial penalty 1/μ₀ (Conn, Gould & Toint 1992).
 */
const RHO0_MAX = 10;
const FLOAT32_FEASIBILITY = 1e-6;
const FLOAT32_STATIONARITY = 1e-4;

const maxAbs = (v: ArrayLike<number> | undefined) => {
  let m = 0;
  if (v !== undefined) for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i] as number));
  return m;
};

const clampCap = (v: number) => Math.min(Math.max(v, -MULTIPLIER_CAP), MULTIPLIER_CAP);

/**
 * Augmented Lagrangian method of multipliers for min f(x) s.t. c(x) = 0, g(x) ≤ 0, l ≤ x ≤ u.
 *
 * Outer iteration k minimises the PHR augmented Lagrangian (Nocedal & Wright 2006, eqs. 17.36 and 17.65;
 * Birgin & Martínez 2014, eq. 4.3)
 *
 *   L_ρ(x; λ̄, μ̄) = f(x) + Σ_i [λ̄_i c_i(x) + (ρ/2) c_i(x)²] + (1/(2ρ)) Σ_j [max(0, μ̄_j + ρ g_j(x))² − μ̄_j²]
 *
 * approximately, by {@link lbfgs} (strong-Wolfe L-BFGS, float64 state) from the previous iterate to ‖∇L_ρ‖∞ ≤ ε_k, with
 * ε_1 = 1e-2 and ε_{k+1} = max(tol, ε_k/10) (inner tolerances tightened with the outer iterations, as in
 * Conn–Gould–Toint's LANCELOT and ALGENCAN). Then
 *
 *   λ = λ̄ + ρ c(x),  μ = max(0, μ̄ + ρ g(x)),
 *   V_k = max(‖c(x)‖∞, max_j |min(−g_j(x), μ̄_j/ρ)|),  ρ ← γρ if V_k > τ V_{k−1},
 *
 * and the safeguarded estimates λ̄, μ̄ are λ, μ clipped to ±1e20. Stops converged when the KKT residual and the violation
 * (see `kktMeasures`) are both ≤ tol; otherwise after `maxIterations`, when ρ reaches `maxPenalty` without progress, or
 * when outer iterations stop improving either measure (two to four in a row at the float32 floor, five otherwise), with
 * the reason.
 *
 * Bounds l ≤ x ≤ u are handled as the inequalities l − x ≤ 0 and x − u ≤ 0 of the augmented Lagrangian, computed in
 * float64 on the host (their multipliers are internal; the reported KKT residual uses the projected gradient, which
 * needs none). This is the LANCELOT/ALGENCAN option of keeping simple constraints out of a projected inner solver: it
 * lets the inner solver be plain L-BFGS. Consequences: f and the constraints may be evaluated slightly outside the box
 * during the inner solves, so they must be defined there; and the returned x is projected onto the box at the end
 * (moving it by at most the bound violation, ≤ tol on success).
 *
 * Evaluation: f, c, g through tfjs (float32 on the CPU backend), ∇L_ρ as one backward pass of f + wᵀc + vᵀg with the
 * weights w = λ̄ + ρc, v = max(0, μ̄ + ρg) computed on the host; KKT quantities from one full Jacobian per outer
 * iteration. Defaults: ρ₀ as ALGENCAN (Birgin & Martínez 2014, §12.3) but at most 10, γ = 10, τ = 0.5, tol = 1e-8.
 */
export function augmentedLagrangian(problem: Problem, options: AugmentedLagrangianOptions = {}): SolveResult {
  const where = 'augmentedLagrangian';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an object');
  checkKnownOptions(where, options, KNOWN);
  const tol = checkNumber(where, 'tol', options.tol ?? 1e-8, { greaterThan: 0 });
  const maxIterations = checkNumber(where, 'maxIterations', options.maxIterations ?? 100, { min: 1, integer: true });
  const onIteration = options.onIteration;
  if (onIteration !== undefined && typeof onIteration !== 'function') invalidOption(where, 'onIteration', onIteration, 'a function');
  const penalty0 = options.penalty === undefined ? undefined : checkNumber(where, 'penalty', options.penalty, { greaterThan: 0 });
  const growth = checkNumber(where, 'penaltyGrowth', options.penaltyGrowth ?? 10, { greaterThan: 1 });
  const tau = checkNumber(where, 'violationDecrease', options.violationDecrease ?? 0.5, { greaterThan: 0, lessThan: 1 });
  const maxPenalty = checkNumber(where, 'maxPenalty', options.maxPenalty ?? 1e12, { greaterThan: 0 });
  const innerIterations = checkNumber(where, 'innerIterations', options.innerIterations ?? 200, { min: 1, integer: true });
  const memory = checkNumber(where, 'memory', options.memory ?? 10, { min: 1, integer: true });

  const valid = validateProblem(problem, where);
  const { lower, upper, mEq, mIneq } = valid;
  const n = problem.dim;
  const ev = problemEvaluator(problem);
  // bound constraints as inequalities: entries j with a finite lower (l_j − x_j ≤ 0) or upper (x_j − u_j ≤ 0) side
  const lowerIdx: number[] = [];
  const upperIdx: number[] = [];
  for (let j = 0; j < n; j++) {
    if (Number.isFinite(lower[j])) lowerIdx.push(j);
    if (Number.isFinite(upper[j])) upperIdx.push(j);
  }

  let x: Float64Array = Float64Array.from(valid.x0);
  let lambdaBar = new Float64Array(mEq);
  let muBar = new Float64Array(mIneq);
  let nuLowBar = new Float64Array(lowerIdx.length);
  let nuUpBar = new Float64Array(upperIdx.length);

  let point = ev.full(x);
  let rho: number;
  if (penalty0 !== undefined) {
    rho = penalty0;
  } else {
    let sq = 0;
    for (const c of point.eq) sq += c * c;
    for (const g of point.ineq) sq += Math.max(0, g) ** 2;
    rho = Math.min(Math.max((10 * Math.max(1, Math.abs(point.f))) / Math.max(1, 0.5 * sq), 1e-8), RHO0_MAX);
  }

  const history: SolveIteration[] = [];
  let lambda: Float64Array = new Float64Array(mEq);
  let mu: Float64Array = new Float64Array(mIneq);
  let reported: { eq: Float64Array; ineq: Float64Array } = { eq: lambda, ineq: mu };
  let measures = kktMeasures(point, reported, { lower, upper });
  /** The better (smaller KKT residual) of the method-of-multipliers estimate and the least-squares estimate. */
  const assess = (activeIneq: number[], fixed: number[]) => {
    const first = kktMeasures(point, { eq: lambda, ineq: mu }, { lower, upper });
    const ls = leastSquaresMultipliers(point, activeIneq, fixed);
    const second = kktMeasures(point, ls, { lower, upper });
    if (second.kktResidual < first.kktResidual) {
      reported = ls;
      measures = second;
    } else {
      reported = { eq: lambda, ineq: mu };
      measures = first;
    }
  };
  let active: number[] = [];
  let fixed: number[] = [];
  let bestKkt = measures.kktResidual;
  let bestViolation = measures.violation;
  let stalled = 0;
  let epsInner = Math.max(tol, 1e-2);
  let vPrev = Number.POSITIVE_INFINITY;

  /** Distance from "converged at the float32 floor", ≤ 1 when there (used to keep the best iterate). */
  const floorScore = () =>
    Math.max(
      measures.violation / Math.max(tol, FLOAT32_FEASIBILITY),
      measures.kktResidual / Math.max(tol, FLOAT32_STATIONARITY * Math.max(1, maxAbs(point.grad))),
    );
  let best: { x: Float64Array; point: typeof point; reported: typeof reported; measures: typeof measures; score: number } | undefined;
  const result = (iterations: number, converged: boolean, reason: string): SolveResult => {
    // a run that ends without converging returns its best iterate, not its last (penalty increases at the noise floor
    // can make the last one worse)
    if (!converged && best !== undefined && best.score < floorScore()) {
      ({ x, point, reported, measures } = best);
      reason += `; returning the best iterate (kkt residual ${measures.kktResidual.toExponential(2)}, violation ${measures.violation.toExponential(2)})`;
    }
    // project onto the box: bounds were only penalised during the solve
    const projected = x.map((v, j) => Math.min(Math.max(v, lower[j] as number), upper[j] as number));
    if (projected.some((v, j) => v !== x[j])) {
      x = projected;
      point = ev.full(x);
      assess(active, fixed);
    }
    return {
      x: Array.from(x),
      f: point.f,
      kktResidual: measures.kktResidual,
      constraintViolation: measures.violation,
      multipliers: { eq: Array.from(reported.eq), ineq: Array.from(reported.ineq) },
      iterations,
      converged,
      reason,
      history,
      evaluations: { f: ev.counts.f, grad: ev.counts.grad },
    };
  };

  if (measures.violation <= tol && mEq + mIneq === 0 && measures.kktResidual <= tol) {
    return result(0, true, `kkt residual ${measures.kktResidual.toExponential(2)} <= tol ${tol} at x0`);
  }

  for (let k = 1; k <= maxIterations; k++) {
    const r = rho;
    const lb = lambdaBar;
    const mb = muBar;
    const nl = nuLowBar;
    const nu = nuUpBar;
    let lastValue = Number.NaN;
    const weights = (pt: { eq: Float64Array; ineq: Float64Array; f: number; x: Float64Array }) => {
      const we = new Float64Array(mEq);
      const wi = new Float64Array(mIneq);
      let value = pt.f;
      for (let i = 0; i < mEq; i++) {
        const c = pt.eq[i] as number;
        we[i] = (lb[i] as number) + r * c;
        value += (lb[i] as number) * c + 0.5 * r * c * c;
      }
      for (let i = 0; i < mIneq; i++) {
        const m = mb[i] as number;
        const t = Math.max(0, m + r * (pt.ineq[i] as number));
        wi[i] = t;
        value += (t * t - m * m) / (2 * r);
      }
      lastValue = value;
      return { eq: we, ineq: wi };
    };
    const inner = lbfgs(
      (z) => {
        const { point: pt, grad } = ev.weightedGradient(z, weights);
        let value = lastValue;
        // bound terms, exact in float64
        for (let q = 0; q < lowerIdx.length; q++) {
          const j = lowerIdx[q] as number;
          const m = nl[q] as number;
          const t = Math.max(0, m + r * ((lower[j] as number) - (z[j] as number)));
          value += (t * t - m * m) / (2 * r);
          grad[j] = (grad[j] as number) - t;
        }
        for (let q = 0; q < upperIdx.length; q++) {
          const j = upperIdx[q] as number;
          const m = nu[q] as number;
          const t = Math.max(0, m + r * ((z[j] as number) - (upper[j] as number)));
          value += (t * t - m * m) / (2 * r);
          grad[j] = (grad[j] as number) + t;
        }
        if (!Number.isFinite(pt.f)) value = Number.NaN;
        return { f: value, g: grad };
      },
      x,
      { gtol: epsInner, ftol: 0, maxIterations: innerIterations, m: memory, approximateWolfe: 1e-6, xtol: FLOAT32_STEP },
    );
    const next = ev.full(inner.x);
    const finite =
      Number.isFinite(next.f) &&
      next.eq.every(Number.isFinite) &&
      next.ineq.every(Number.isFinite) &&
      (next.grad as Float64Array).every(Number.isFinite);
    if (!finite) {
      // keep the last finite iterate (x, point, multipliers, measures) and say where the NaN appeared
      return result(k, false, `objective, constraints or their derivatives not finite at iteration ${k} (f = ${next.f}); returning iteration ${k - 1}`);
    }
    x = inner.x;
    point = next;

    lambda = Float64Array.from(point.eq, (c, i) => (lambdaBar[i] as number) + rho * c);
    mu = Float64Array.from(point.ineq, (g, i) => Math.max(0, (muBar[i] as number) + rho * g));
    const nuLow = Float64Array.from(lowerIdx, (j, q) => Math.max(0, (nuLowBar[q] as number) + rho * ((lower[j] as number) - (x[j] as number))));
    const nuUp = Float64Array.from(upperIdx, (j, q) => Math.max(0, (nuUpBar[q] as number) + rho * ((x[j] as number) - (upper[j] as number))));
    let v = 0;
    for (const c of point.eq) v = Math.max(v, Math.abs(c));
    for (let i = 0; i < mIneq; i++) v = Math.max(v, Math.abs(Math.min(-(point.ineq[i] as number), (muBar[i] as number) / rho)));
    lowerIdx.forEach((j, q) => {
      v = Math.max(v, Math.abs(Math.min(x[j] - (lower[j] as number), (nuLowBar[q] as number) / rho)));
    });
    upperIdx.forEach((j, q) => {
      v = Math.max(v, Math.abs(Math.min((upper[j] as number) - x[j], (nuUpBar[q] as number) / rho)));
    });

    active = [];
    mu.forEach((m, i) => {
      if (m > 0) active.push(i);
    });
    fixed = [];
    lowerIdx.forEach((j, q) => {
      if ((nuLow[q] as number) > 0 || (x[j] as number) <= (lower[j] as number)) fixed.push(j);
    });
    upperIdx.forEach((j, q) => {
      if ((nuUp[q] as number) > 0 || (x[j] as number) >= (upper[j] as number)) fixed.push(j);
    });
    assess(active, fixed);
    const record: SolveIteration = {
      iteration: k,
      f: point.f,
      kktResidual: measures.kktResidual,
      constraintViolation: measures.violation,
      penalty: rho,
      innerIterations: inner.iterations,
      innerTolerance: epsInner,
    };
    history.push(record);
    onIteration?.(record);
    if (measures.kktResidual <= tol && measures.violation <= tol) {
      return result(
        k,
        true,
        `kkt residual ${measures.kktResidual.toExponential(2)} and violation ${measures.violation.toExponential(2)} <= tol ${tol}`,
      );
    }
    if (measures.kktResidual < 0.5 * bestKkt || measures.violation < 0.5 * bestViolation) {
      bestKkt = Math.min(bestKkt, measures.kktResidual);
      bestViolation = Math.min(bestViolation, measures.violation);
      stalled = 0;
    } else if (epsInner <= tol) {
      stalled++;
    }
    const score = floorScore();
    if (best === undefined || score < best.score) best = { x, point, reported, measures, score };
    const ok = best.score <= 1;
    // well inside the float32 floor (score ≤ ½) two idle iterations settle it, just inside it four (returning the best
    // iterate); short of it, give the penalty increases five chances
    if ((stalled >= 2 && best.score <= 0.5) || (stalled >= 4 && ok) || stalled >= 5) {
      if (ok) ({ x, point, reported, measures } = best);
      return result(
        k,
        ok,
        `no progress in ${stalled} outer iterations at kkt residual ${measures.kktResidual.toExponential(2)}, violation ${measures.violation.toExponential(2)}: ${ok ? 'float32 evaluation floor reached' : 'stalled'} (tol ${tol})`,
      );
    }
    // below the float32 feasibility floor a larger ρ only amplifies rounding noise in c (λ = λ̄ + ρc)
    if (v > tau * vPrev && v > 0.1 * FLOAT32_FEASIBILITY) {
      if (rho >= maxPenalty) {
        return result(k, false, `penalty reached maxPenalty ${maxPenalty} with violation ${measures.violation.toExponential(2)}`);
      }
      rho = Math.min(rho * growth, maxPenalty);
    }
    vPrev = v;
    lambdaBar = lambda.map(clampCap);
    muBar = mu.map((m) => Math.min(m, MULTIPLIER_CAP));
    nuLowBar = nuLow.map((m) => Math.min(m, MULTIPLIER_CAP));
    nuUpBar = nuUp.map((m) => Math.min(m, MULTIPLIER_CAP));
    epsInner = Math.max(tol, epsInner / 10);
  }
  return result(
    maxIterations,
    false,
    `max iterations ${maxIterations} reached (kkt residual ${measures.kktResidual.toExponential(2)}, violation ${measures.violation.toExponential(2)})`,
  );
}
