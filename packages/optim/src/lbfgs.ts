/**
 * `lbfgs`: limited-memory BFGS with a strong-Wolfe line search, for small deterministic problems solved in float64 on
 * the host (inner solves of the augmented Lagrangian in `@descent/constrained`, smooth full-batch fits).
 *
 * @packageDocumentation
 */
import { DescentError, checkKnownOptions, checkNumber, invalidOption } from '@descent/core';

/** The objective {@link lbfgs} minimises: value and gradient at x (x must not be kept or modified by the callee). */
export type LbfgsObjective = (x: Float64Array) => { f: number; g: ArrayLike<number> };

/** Options of {@link lbfgs}. */
export interface LbfgsOptions {
  /** History length m: number of (s, y) pairs kept. Integer ≥ 1. Default 10. */
  m?: number;
  /** Maximum number of iterations (accepted steps). Integer ≥ 0. Default 1000. */
  maxIterations?: number;
  /** Maximum number of objective evaluations, line searches included. Integer ≥ 1. Default 20·maxIterations + 100. */
  maxEvaluations?: number;
  /** Stop (converged) when ‖∇f‖∞ ≤ gtol. ≥ 0. Default 1e-5 (scipy `L-BFGS-B`'s `pgtol`). */
  gtol?: number;
  /**
   * Stop (converged) when (f_k − f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) ≤ ftol. ≥ 0. Default 2.220446049250313e-9
   * (scipy's `factr = 1e7` times machine epsilon). 0 disables the test.
   */
  ftol?: number;
  /**
   * Stop (converged) when an accepted step moves no coordinate by more than xtol·max(1, ‖x‖∞), once min(m, n) pairs are
   * stored: steps below the resolution at which the objective is evaluated (≈ 1.2e-7 for float32) change nothing.
   * ≥ 0. Default 0 (off).
   */
  xtol?: number;
  /** Sufficient-decrease constant c1 of the Wolfe conditions, in (0, c2). Default 1e-4. */
  c1?: number;
  /** Curvature constant c2 of the strong Wolfe conditions, in (c1, 1). Default 0.9. */
  c2?: number;
  /**
   * ε ≥ 0 of Hager & Zhang's approximate Wolfe conditions, for objectives computed with rounding noise (float32 tfjs
   * evaluations): a step is also accepted when f(x + αd) ≤ f(x) + ε_k, ε_k = ε·(1 + |f(x)|), and the strong curvature
   * condition holds, and the line search brackets by the sign of φ' instead of by f once f differences are within ε_k.
   * The run also stops (not converged) when 10 iterations in a row lowered f by less than ε_k in total and found no
   * smaller ‖∇f‖∞: progress is then below the noise. 0 (the default) gives the exact strong Wolfe line search.
   */
  approximateWolfe?: number;
  /** Maximum objective evaluations per line search. Integer ≥ 1. Default 30. */
  maxLineSearch?: number;
  /**
   * Called after every accepted step with the iteration number, the new point, f, ∇f, ‖∇f‖∞ and the step length α
   * (`x` and `g` are the solver's arrays: read, do not modify); return `false` to stop.
   */
  onIteration?: (info: {
    iteration: number;
    x: Float64Array;
    f: number;
    g: Float64Array;
    gradNorm: number;
    step: number;
  }) => boolean | void;
}

/** What {@link lbfgs} returns. `x` and `g` are fresh arrays owned by the caller. */
export interface LbfgsResult {
  x: Float64Array;
  f: number;
  g: Float64Array;
  /** Accepted steps taken. */
  iterations: number;
  /** Objective (value-and-gradient) evaluations, line searches included. */
  evaluations: number;
  /** True when a gtol or ftol test stopped the run. */
  converged: boolean;
  /** Why it stopped, in words. */
  reason: string;
}

const KNOWN = [
  'm',
  'maxIterations',
  'maxEvaluations',
  'gtol',
  'ftol',
  'xtol',
  'c1',
  'c2',
  'approximateWolfe',
  'maxLineSearch',
  'onIteration',
] as const;

interface Trial {
  alpha: number;
  f: number;
  /** φ'(α) = ∇f(x + αd)·d. */
  d: number;
  x: Float64Array;
  g: Float64Array;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function maxAbs(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s = Math.max(s, Math.abs(a[i] as number));
  return s;
}

/**
 * Minimiser of the cubic interpolating φ and φ' at a and b (Nocedal & Wright eq. 3.59), or NaN when the cubic has no
 * real minimiser (the caller then bisects).
 */
function cubicMinimizer(a: number, fa: number, da: number, b: number, fb: number, db: number): number {
  const d1 = da + db - (3 * (fa - fb)) / (a - b);
  const disc = d1 * d1 - da * db;
  if (!(disc >= 0)) return Number.NaN;
  const d2 = Math.sign(b - a) * Math.sqrt(disc);
  return b - ((b - a) * (db + d2 - d1)) / (db - da + 2 * d2);
}

/**
 * Strong-Wolfe line search, Nocedal & Wright (2006) Algorithm 3.5 (bracketing) and 3.6 (zoom) with safeguarded cubic
 * interpolation. A non-finite φ(α) counts as "too large" (the bracket shrinks towards the last good step), so a step
 * into a region where f is undefined is retried shorter instead of poisoning the state.
 *
 * With a noise allowance `epsK` > 0 the sufficient-decrease test is relaxed to Hager & Zhang's approximate Wolfe form
 * φ(α) ≤ φ(0) + ε_k (Hager & Zhang 2005, "A new conjugate gradient method with guaranteed descent and an efficient line
 * search", SIAM J. Optim. 16(1), eq. 4.1 and the update rules of §4), and the bracket is updated from the sign of φ'
 * rather than by comparing f values that rounding noise dominates.
 */
function strongWolfe(
  evaluate: (alpha: number) => Trial,
  f0: number,
  d0: number,
  alpha1: number,
  c1: number,
  c2: number,
  maxEvals: number,
  epsK: number,
): { trial: Trial | undefined; evals: number } {
  let evals = 0;
  const noisy = epsK > 0;
  const armijo = (t: Trial) => Number.isFinite(t.f) && (t.f <= f0 + c1 * t.alpha * d0 || (noisy && t.f <= f0 + epsK));
  const curvature = (t: Trial) => Math.abs(t.d) <= -c2 * d0;
  // best point satisfying sufficient decrease, returned when the budget runs out (still a descent step)
  let best: Trial | undefined;
  const note = (t: Trial) => {
    if (armijo(t) && Number.isFinite(t.d) && (best === undefined || t.f < best.f)) best = t;
  };

  const zoom = (lo: Trial, hi: Trial): Trial | undefined => {
    while (evals < maxEvals) {
      const width = hi.alpha - lo.alpha;
      let alpha = Number.isFinite(hi.f) && Number.isFinite(hi.d)
        ? cubicMinimizer(lo.alpha, lo.f, lo.d, hi.alpha, hi.f, hi.d)
        : Number.NaN;
      // safeguard: stay in the inner 80% of the bracket, else bisect (N&W §3.5, "safeguarded" interpolation)
      const inner0 = lo.alpha + 0.1 * width;
      const inner1 = hi.alpha - 0.1 * width;
      if (!Number.isFinite(alpha) || alpha < Math.min(inner0, inner1) || alpha > Math.max(inner0, inner1)) {
        alpha = lo.alpha + 0.5 * width;
      }
      if (Math.abs(width) <= 1e-16 * Math.max(1, Math.abs(lo.alpha))) return best;
      const t = evaluate(alpha);
      evals++;
      note(t);
      if (!armijo(t) || (!noisy && t.f >= lo.f)) {
        hi = t;
      } else {
        if (curvature(t)) return t;
        if (t.d * (hi.alpha - lo.alpha) >= 0) hi = lo;
        lo = t;
      }
    }
    return best;
  };

  let prev: Trial = { alpha: 0, f: f0, d: d0, x: new Float64Array(0), g: new Float64Array(0) };
  let alpha = alpha1;
  for (let i = 1; evals < maxEvals; i++) {
    const t = evaluate(alpha);
    evals++;
    note(t);
    if (!armijo(t) || (!noisy && i > 1 && t.f >= prev.f)) return { trial: zoom(prev, t), evals };
    if (curvature(t)) return { trial: t, evals };
    if (t.d >= 0) return { trial: zoom(t, prev), evals };
    prev = t;
    alpha *= 2;
  }
  return { trial: best, evals };
}

/**
 * Limited-memory BFGS (Nocedal 1980; Liu & Nocedal 1989) with a strong-Wolfe line search.
 *
 * Each iteration takes d = −H_k ∇f(x_k), where H_k is applied by the two-loop recursion over the last m pairs
 * s_i = x_{i+1} − x_i, y_i = ∇f(x_{i+1}) − ∇f(x_i) with the initial scaling H⁰ = (sᵀy / yᵀy) I (Nocedal & Wright 2006,
 * Algorithm 7.4 and eq. 7.20), then x_{k+1} = x_k + α d with α satisfying the strong Wolfe conditions
 * f(x + αd) ≤ f(x) + c1 α ∇fᵀd and |∇f(x + αd)ᵀd| ≤ c2 |∇fᵀd| (Algorithms 3.5/3.6, cubic interpolation). The first step
 * tries α = min(1, 1/‖∇f‖∞); later ones α = 1. A pair with yᵀs ≤ 1e-10·‖y‖‖s‖ is skipped so H stays positive definite.
 *
 * Stops with `converged: true` when ‖∇f‖∞ ≤ gtol or the relative decrease is ≤ ftol; with `converged: false` when the
 * iteration or evaluation budget is spent, the line search finds no acceptable step, or f or ∇f is not finite at x0.
 * All arithmetic is float64; `fun` may compute in any precision (a float32 objective stalls near its rounding level,
 * which the ftol test or a failed line search then reports).
 *
 * Defaults: m = 10, gtol = 1e-5, ftol = 2.2e-9, c1 = 1e-4, c2 = 0.9 (as scipy `fmin_l_bfgs_b`, and Nocedal & Wright's
 * recommended Wolfe constants for quasi-Newton methods). Reference code consulted for conventions only: scipy
 * `optimize/_lbfgsb_py.py` (options, stopping tests). Bounds are not supported (that is L-BFGS-B, a different
 * algorithm); constrained callers handle bounds themselves.
 *
 * @example
 * ```ts
 * const r = lbfgs((x) => ({ f: (x[0] - 3) ** 2, g: [2 * (x[0] - 3)] }), [0]);
 * // r.x[0] ≈ 3, r.converged === true
 * ```
 */
export function lbfgs(fun: LbfgsObjective, x0: ArrayLike<number>, options: LbfgsOptions = {}): LbfgsResult {
  const where = 'lbfgs';
  if (typeof fun !== 'function') invalidOption(where, 'fun', fun, 'a function x -> { f, g }');
  if (x0 === null || typeof x0 !== 'object' || typeof (x0 as ArrayLike<number>).length !== 'number' || x0.length < 1) {
    invalidOption(where, 'x0', x0, 'a non-empty array of finite numbers');
  }
  for (let i = 0; i < x0.length; i++) {
    if (!Number.isFinite(x0[i])) invalidOption(where, `x0[${i}]`, x0[i], 'a finite number');
  }
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an object');
  checkKnownOptions(where, options, KNOWN);
  const m = checkNumber(where, 'm', options.m ?? 10, { min: 1, integer: true });
  const maxIterations = checkNumber(where, 'maxIterations', options.maxIterations ?? 1000, { min: 0, integer: true });
  const maxEvaluations = checkNumber(where, 'maxEvaluations', options.maxEvaluations ?? 20 * maxIterations + 100, {
    min: 1,
    integer: true,
  });
  const gtol = checkNumber(where, 'gtol', options.gtol ?? 1e-5, { min: 0 });
  const ftol = checkNumber(where, 'ftol', options.ftol ?? 2.220446049250313e-9, { min: 0 });
  const xtol = checkNumber(where, 'xtol', options.xtol ?? 0, { min: 0 });
  const c1 = checkNumber(where, 'c1', options.c1 ?? 1e-4, { greaterThan: 0, lessThan: 1 });
  const c2 = checkNumber(where, 'c2', options.c2 ?? 0.9, { greaterThan: c1, lessThan: 1 });
  const approximateWolfe = checkNumber(where, 'approximateWolfe', options.approximateWolfe ?? 0, { min: 0 });
  const maxLineSearch = checkNumber(where, 'maxLineSearch', options.maxLineSearch ?? 30, { min: 1, integer: true });
  const onIteration = options.onIteration;
  if (onIteration !== undefined && typeof onIteration !== 'function') {
    invalidOption(where, 'onIteration', onIteration, 'a function');
  }

  const n = x0.length;
  let evaluations = 0;
  const call = (x: Float64Array): { f: number; g: Float64Array } => {
    evaluations++;
    const out = fun(x);
    const g = Float64Array.from(out.g);
    if (g.length !== n) {
      throw new DescentError('invalid-option', `${where}: fun returned a gradient of length ${g.length}, expected ${n}`, {
        parameter: 'fun',
        value: g.length,
      });
    }
    return { f: out.f, g };
  };
  const finite = (f: number, g: Float64Array) => Number.isFinite(f) && g.every(Number.isFinite);

  let x: Float64Array = Float64Array.from(x0);
  let { f, g } = call(x);
  const done = (iterations: number, converged: boolean, reason: string): LbfgsResult => ({
    x,
    f,
    g,
    iterations,
    evaluations,
    converged,
    reason,
  });
  if (!finite(f, g)) return done(0, false, `f or its gradient is not finite at x0 (f = ${f})`);

  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const alphaBuf = new Float64Array(m);
  let gamma = 1;
  // noise stall detection (approximate-Wolfe mode): f and ‖∇f‖∞ at the last real progress
  let progressF = f;
  let progressG = maxAbs(g);
  let sinceProgress = 0;

  for (let k = 0; ; k++) {
    const gnorm = maxAbs(g);
    if (gnorm <= gtol) return done(k, true, `gradient norm ${gnorm.toExponential(2)} <= gtol ${gtol}`);
    if (k >= maxIterations) return done(k, false, `max iterations ${maxIterations} reached`);
    if (evaluations >= maxEvaluations) return done(k, false, `max evaluations ${maxEvaluations} reached`);

    // two-loop recursion: d = −H g (N&W Algorithm 7.4)
    const d = Float64Array.from(g, (v) => -v);
    for (let i = S.length - 1; i >= 0; i--) {
      const a = (rho[i] as number) * dot(S[i] as Float64Array, d);
      alphaBuf[i] = a;
      const y = Y[i] as Float64Array;
      for (let j = 0; j < n; j++) d[j] = (d[j] as number) - a * (y[j] as number);
    }
    for (let j = 0; j < n; j++) d[j] = (d[j] as number) * gamma;
    for (let i = 0; i < S.length; i++) {
      const b = (rho[i] as number) * dot(Y[i] as Float64Array, d);
      const s = S[i] as Float64Array;
      const a = alphaBuf[i] as number;
      for (let j = 0; j < n; j++) d[j] = (d[j] as number) + (a - b) * (s[j] as number);
    }
    let d0 = dot(g, d);
    if (!(d0 < 0)) {
      // H lost positive definiteness to rounding: restart from steepest descent
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      gamma = 1;
      for (let j = 0; j < n; j++) d[j] = -(g[j] as number);
      d0 = dot(g, d);
    }

    const alpha1 = k === 0 && S.length === 0 ? Math.min(1, 1 / gnorm) : 1;
    const xk = x;
    const evaluate = (alpha: number): Trial => {
      const xt = new Float64Array(n);
      for (let j = 0; j < n; j++) xt[j] = (xk[j] as number) + alpha * (d[j] as number);
      const r = call(xt);
      return { alpha, f: r.f, d: finite(r.f, r.g) ? dot(r.g, d) : Number.NaN, x: xt, g: r.g };
    };
    const budget = Math.min(maxLineSearch, maxEvaluations - evaluations);
    const { trial } = strongWolfe(evaluate, f, d0, alpha1, c1, c2, Math.max(1, budget), approximateWolfe * (1 + Math.abs(f)));
    if (trial === undefined || !finite(trial.f, trial.g)) {
      return done(k, false, `line search found no step satisfying the Wolfe conditions at iteration ${k}`);
    }

    const s = new Float64Array(n);
    const y = new Float64Array(n);
    for (let j = 0; j < n; j++) {
      s[j] = (trial.x[j] as number) - (x[j] as number);
      y[j] = (trial.g[j] as number) - (g[j] as number);
    }
    const fPrev = f;
    x = trial.x;
    f = trial.f;
    g = trial.g;
    const sy = dot(s, y);
    const yy = dot(y, y);
    if (sy > 1e-10 * Math.sqrt(dot(s, s) * yy)) {
      if (S.length === m) {
        S.shift();
        Y.shift();
        rho.shift();
      }
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
      gamma = sy / yy;
    }
    if (onIteration !== undefined && onIteration({ iteration: k + 1, x, f, g, gradNorm: maxAbs(g), step: trial.alpha }) === false) {
      return done(k + 1, false, `stopped by onIteration at iteration ${k + 1}`);
    }
    // only once the quasi-Newton model is complete: early steepest-descent-like steps can be tiny for other reasons
    if (xtol > 0 && S.length >= Math.min(m, n) && maxAbs(s) <= xtol * Math.max(1, maxAbs(x))) {
      const gn = maxAbs(g);
      if (gn <= gtol) return done(k + 1, true, `gradient norm ${gn.toExponential(2)} <= gtol ${gtol}`);
      return done(k + 1, true, `step ${maxAbs(s).toExponential(2)} <= xtol ${xtol} (relative to x)`);
    }
    if (approximateWolfe > 0) {
      const gn = maxAbs(g);
      if (progressF - f > approximateWolfe * (1 + Math.abs(progressF)) || gn < progressG) {
        progressF = Math.min(progressF, f);
        progressG = Math.min(progressG, gn);
        sinceProgress = 0;
      } else if (++sinceProgress >= 10) {
        return done(k + 1, false, `no progress beyond the noise level in 10 iterations (gradient norm ${gn.toExponential(2)})`);
      }
    }
    if (ftol > 0 && (fPrev - f) / Math.max(Math.abs(fPrev), Math.abs(f), 1) <= ftol) {
      const gn = maxAbs(g);
      if (gn <= gtol) return done(k + 1, true, `gradient norm ${gn.toExponential(2)} <= gtol ${gtol}`);
      return done(k + 1, true, `relative reduction of f <= ftol ${ftol}`);
    }
  }
}
