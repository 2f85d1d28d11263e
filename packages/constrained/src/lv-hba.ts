/**
 * `lvHba`: the single-loop, Hessian-free proximal Lagrangian value-function method for bilevel problems whose lower
 * level has coupled constraints (Yao, Yu, Zeng, Zhang, ICLR 2024).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DescentError,
  type ScalarOrSchedule,
  checkKnownOptions,
  checkNumber,
  checkScalarOrSchedule,
  invalidOption,
} from '@descent/core';
import type { BilevelProblem } from './problem.js';

/** Options of {@link lvHba}. Defaults are the constants of the spec that converge on the LLC toy. */
export interface LvHbaOptions {
  /** Number of iterations K. Default 5000. */
  iterations?: number;
  /** Step α_k of the (x, y) update. Default 0.01. */
  alpha?: ScalarOrSchedule;
  /** Step β_k of the z update. Default 0.02. */
  beta?: ScalarOrSchedule;
  /** Step η_k of the inner (θ, λ) gradient descent–ascent step. Default 0.01. */
  eta?: ScalarOrSchedule;
  /** Proximal parameter γ₁ on ‖θ − y‖². Default 10. */
  gamma1?: number;
  /** Proximal parameter γ₂ on ‖λ − z‖². Default 1. */
  gamma2?: number;
  /** Penalty c_k = penaltyBase·(k + 1)^penaltyPower. Default 10. */
  penaltyBase?: number;
  /** Exponent p ∈ (0, ½) of the penalty schedule. Default 0.3 (the authors' toy scripts). */
  penaltyPower?: number;
  /**
   * u: z of an inequality lives in Z = [0, u]; multipliers and z of an equality are clipped to [−u, u] (the official
   * LLC script). Default 1000.
   */
  multiplierBound?: number;
  /** Start θ₀ of the lower-level proximal variable. Default problem.y0. */
  theta0?: number[];
  /** Start λ₀ (length p = #lowerIneq + #lowerEq). Default 0. */
  lambda0?: number[];
  /** Start z₀ (length p). Default 0. */
  z0?: number[];
  /** Record F, f and the coupled-constraint violation every this many iterations (and at the end). Default 100. */
  historyEvery?: number;
}

/** One record of {@link lvHba}'s history. */
export interface LvHbaIteration {
  iteration: number;
  /** F(x, y). */
  upper: number;
  /** f(x, y). */
  lower: number;
  /** max(max g(x, y)₊, ‖h(x, y)‖∞) after the projection (0 without coupled constraints). */
  violation: number;
  /** Penalty c_k of the iteration. */
  penalty: number;
}

/** What {@link lvHba} returns. */
export interface LvHbaResult {
  x: number[];
  y: number[];
  /** Final proximal lower-level variable θ (≈ the lower-level solution near y). */
  theta: number[];
  /** Final multipliers λ of (lowerIneq, lowerEq). */
  lambda: number[];
  /** Final z. */
  z: number[];
  history: LvHbaIteration[];
}

const KNOWN = [
  'iterations',
  'alpha',
  'beta',
  'eta',
  'gamma1',
  'gamma2',
  'penaltyBase',
  'penaltyPower',
  'multiplierBound',
  'theta0',
  'lambda0',
  'z0',
  'historyEvery',
] as const;
const WHERE = 'lvHba';

function checkVector(name: string, v: unknown, length: number): number[] {
  if (!Array.isArray(v) || v.length !== length) invalidOption(WHERE, name, v, `an array of length ${length}`);
  v.forEach((e, i) => checkNumber(WHERE, `${name}[${i}]`, e));
  return v as number[];
}

function checkVectorOut(name: string, t: tf.Tensor, length: number, where: string): void {
  if (t.rank !== 1 || t.shape[0] !== length) {
    invalidOption(WHERE, name, t.shape, `a 1-D tensor of length ${length} (${where})`);
  }
}

/**
 * LV-HBA (Yao, Yu, Zeng, Zhang, "Constrained bi-level optimization: proximal Lagrangian value function approach and
 * Hessian-free algorithm", ICLR 2024, arXiv:2401.16164; official code `SUSTech-Optimization/LV-HBA`,
 * `Toy-example/LLC/LV-HBA.py`). For min F(x, y) s.t. y ∈ argmin_{θ∈Y} {f(x, θ) : g(x, θ) ≤ 0, h(x, θ) = 0}, it
 * penalises f(x, y) − v_γ(x, y, z) ≤ 0 where v_γ(x, y, z) = min_θ max_λ f(x, θ) + λᵀG(x, θ) + ‖θ − y‖²/(2γ₁)
 * − ‖λ − z‖²/(2γ₂) (G = (g, h)) is the proximal Lagrangian value function, and runs one loop of:
 *
 *   d_θ = ∇_y f(x, θ) + ∇_y G(x, θ)ᵀλ + (θ − y)/γ₁,   d_λ = −G(x, θ) + (λ − z)/γ₂
 *   θ ← Proj_Y(θ − η d_θ),   λ ← Proj_Λ(λ − η d_λ)                       (one GDA step on the inner saddle)
 *   d_x = ∇_x F/c_k + ∇_x f(x, y) − ∇_x f(x, θ) − ∇_x G(x, θ)ᵀλ
 *   d_y = ∇_y F/c_k + ∇_y f(x, y) − (y − θ)/γ₁,   d_z = (z − λ)/γ₂
 *   (x, y) ← Proj_C((x, y) − α (d_x, d_y)),   z ← Proj_Z(z − β d_z),   c_k = c̲(k + 1)^p
 *
 * with the new (θ, λ) in the second half. Λ = R₊ (inequalities) × [−u, u] (equalities, as the official LLC script),
 * Z = [0, u] × [−u, u]. Only gradients of F, f and G are used (Hessian-free); one Proj_C per iteration, supplied as
 * `problem.project`. All four gradients come from two `tf.grads` calls per iteration.
 *
 * Defaults α = 0.01, β = 0.02, η = 0.01, γ₁ = 10, γ₂ = 1, c_k = 10(k + 1)^0.3 are the constants the spec
 * (constrained-schedules.md A1) re-verified on the LLC toy. The authors' printed defaults (α = 0.008, γ₂ = 10,
 * c_k = 0.025(k + 1)^0.3) do not converge on their own toy and are not used.
 *
 * State stays in tensors; the tensor count is flat across iterations. Values are read back (`dataSync`) only for
 * the history and the result, so it needs a backend with synchronous reads.
 */
export function lvHba(problem: BilevelProblem, options: LvHbaOptions = {}): LvHbaResult {
  if (options === null || typeof options !== 'object') invalidOption(WHERE, 'options', options, 'an options object');
  checkKnownOptions(WHERE, options, KNOWN);
  if (problem === null || typeof problem !== 'object') invalidOption(WHERE, 'problem', problem, 'a BilevelProblem');
  const dimX = checkNumber(WHERE, 'problem.dimX', problem.dimX, { min: 1, integer: true });
  const dimY = checkNumber(WHERE, 'problem.dimY', problem.dimY, { min: 1, integer: true });
  const x0 = checkVector('problem.x0', problem.x0, dimX);
  const y0 = checkVector('problem.y0', problem.y0, dimY);
  for (const f of ['upper', 'lower'] as const) {
    if (typeof problem[f] !== 'function') invalidOption(WHERE, `problem.${f}`, problem[f], 'a function');
  }
  const iterations = checkNumber(WHERE, 'iterations', options.iterations ?? 5000, { min: 0, integer: true });
  const alpha = checkScalarOrSchedule(WHERE, 'alpha', options.alpha ?? 0.01, { greaterThan: 0 });
  const beta = checkScalarOrSchedule(WHERE, 'beta', options.beta ?? 0.02, { min: 0 });
  const eta = checkScalarOrSchedule(WHERE, 'eta', options.eta ?? 0.01, { greaterThan: 0 });
  const gamma1 = checkNumber(WHERE, 'gamma1', options.gamma1 ?? 10, { greaterThan: 0 });
  const gamma2 = checkNumber(WHERE, 'gamma2', options.gamma2 ?? 1, { greaterThan: 0 });
  const penaltyBase = checkNumber(WHERE, 'penaltyBase', options.penaltyBase ?? 10, { greaterThan: 0 });
  const penaltyPower = checkNumber(WHERE, 'penaltyPower', options.penaltyPower ?? 0.3, { min: 0 });
  const u = checkNumber(WHERE, 'multiplierBound', options.multiplierBound ?? 1000, { greaterThan: 0 });
  const historyEvery = checkNumber(WHERE, 'historyEvery', options.historyEvery ?? 100, { min: 1, integer: true });
  const theta0 = options.theta0 === undefined ? y0 : checkVector('theta0', options.theta0, dimY);

  const hasIneq = problem.lowerIneq !== undefined;
  const hasEq = problem.lowerEq !== undefined;
  if (hasIneq && typeof problem.lowerIneq !== 'function') invalidOption(WHERE, 'problem.lowerIneq', problem.lowerIneq, 'a function');
  if (hasEq && typeof problem.lowerEq !== 'function') invalidOption(WHERE, 'problem.lowerEq', problem.lowerEq, 'a function');
  if ((hasIneq || hasEq) && typeof problem.project !== 'function') {
    throw new DescentError(
      'unsupported',
      `${WHERE}: problem.project (the projection onto C = {g(x, y) <= 0, h(x, y) = 0}) is required when the lower level has coupled constraints; LV-HBA projects (x, y) onto C every iteration`,
      { parameter: 'problem.project', value: problem.project },
    );
  }
  if (problem.projectLower !== undefined && typeof problem.projectLower !== 'function') {
    invalidOption(WHERE, 'problem.projectLower', problem.projectLower, 'a function');
  }

  // p = #inequalities + #equalities, read off the constraint functions at the start point.
  const [pI, pE] = tf.tidy(() => {
    const x = tf.tensor1d(x0);
    const y = tf.tensor1d(y0);
    const sizes: number[] = [];
    for (const [name, fn] of [
      ['problem.lowerIneq(x0, y0)', problem.lowerIneq],
      ['problem.lowerEq(x0, y0)', problem.lowerEq],
    ] as const) {
      if (fn === undefined) {
        sizes.push(0);
        continue;
      }
      const v = fn.call(problem, x, y);
      if (v.rank !== 1) invalidOption(WHERE, name, v.shape, 'a 1-D tensor');
      sizes.push(v.shape[0] as number);
    }
    return sizes;
  }) as number[];
  const p = (pI as number) + (pE as number);
  const lambda0 = options.lambda0 === undefined ? new Array<number>(p).fill(0) : checkVector('lambda0', options.lambda0, p);
  const z0 = options.z0 === undefined ? new Array<number>(p).fill(0) : checkVector('z0', options.z0, p);

  const constraints = (x: tf.Tensor1D, y: tf.Tensor1D): tf.Tensor1D => {
    const parts: tf.Tensor1D[] = [];
    if (problem.lowerIneq) parts.push(problem.lowerIneq(x, y));
    if (problem.lowerEq) parts.push(problem.lowerEq(x, y));
    return parts.length === 1 ? (parts[0] as tf.Tensor1D) : tf.concat(parts);
  };
  const box = (lo: number, hi: number, loEq: number, hiEq: number) =>
    [
      tf.keep(tf.tensor1d([...new Array<number>(pI).fill(lo), ...new Array<number>(pE).fill(loEq)])),
      tf.keep(tf.tensor1d([...new Array<number>(pI).fill(hi), ...new Array<number>(pE).fill(hiEq)])),
    ] as const;
  // Λ = R₊^pI × [−u, u]^pE;  Z = [0, u]^pI × [−u, u]^pE.
  const [lamLo, lamHi] = box(0, Infinity, -u, u);
  const [zLo, zHi] = box(0, u, -u, u);
  const clip = (v: tf.Tensor, lo: tf.Tensor, hi: tf.Tensor) => tf.minimum(tf.maximum(v, lo), hi);

  let x = tf.tensor1d(x0);
  let y = tf.tensor1d(y0);
  let theta = tf.tensor1d(theta0);
  let lambda = p > 0 ? tf.tensor1d(lambda0) : tf.zeros([0]);
  let z = p > 0 ? tf.tensor1d(z0) : tf.zeros([0]);
  if (p > 0) {
    const projected = tf.tidy(() => {
      const w = problem.project!(x, y);
      checkVectorOut('problem.project(x, y).x', w.x, dimX, 'the projected x');
      checkVectorOut('problem.project(x, y).y', w.y, dimY, 'the projected y');
      return [w.x, w.y, clip(lambda, lamLo, lamHi), clip(z, zLo, zHi)];
    });
    tf.dispose([x, y, lambda, z]);
    [x, y, lambda, z] = projected as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
  }

  const history: LvHbaIteration[] = [];
  const record = (k: number, ck: number) => {
    const [F, f, viol] = tf.tidy(() => {
      const Fv = problem.upper(x, y);
      const fv = problem.lower(x, y);
      let v: tf.Tensor = tf.scalar(0);
      if (pI > 0) v = tf.maximum(v, tf.max(problem.lowerIneq!(x, y)));
      if (pE > 0) v = tf.maximum(v, tf.max(tf.abs(problem.lowerEq!(x, y))));
      return [Fv, fv, v];
    });
    const values = [F, f, viol].map((t) => (t as tf.Tensor).dataSync()[0] as number);
    tf.dispose([F as tf.Tensor, f as tf.Tensor, viol as tf.Tensor]);
    for (const [name, v] of [
      ['F(x, y)', values[0]],
      ['f(x, y)', values[1]],
    ] as const) {
      if (!Number.isFinite(v)) {
        throw new DescentError('non-finite', `${WHERE}: ${name} = ${v} at iteration ${k}`, { parameter: name, value: v });
      }
    }
    history.push({ iteration: k, upper: values[0] as number, lower: values[1] as number, violation: values[2] as number, penalty: ck });
  };

  record(0, penaltyBase);
  const zeroDot = (t: tf.Tensor) => tf.mul(0, tf.sum(t));
  for (let k = 0; k < iterations; k++) {
    const ck = penaltyBase * (k + 1) ** penaltyPower;
    const a = alpha(k);
    const b = beta(k);
    const e = eta(k);
    const next = tf.tidy(() => {
      // 1. One projected GDA step on the inner saddle problem of v_γ at (x, y, z), warm-started at (θ, λ).
      const inner = (th: tf.Tensor, la: tf.Tensor): tf.Scalar => {
        const fl = problem.lower(x, th as tf.Tensor1D);
        if (p === 0) return tf.add(fl, zeroDot(la)) as tf.Scalar;
        return tf.add(fl, tf.sum(tf.mul(la, constraints(x, th as tf.Tensor1D)))) as tf.Scalar;
      };
      const [gTheta, gLambda] = tf.grads(inner)([theta, lambda]) as [tf.Tensor, tf.Tensor];
      const dTheta = tf.add(gTheta, tf.div(tf.sub(theta, y), gamma1));
      let thetaNew = tf.sub(theta, tf.mul(e, dTheta)) as tf.Tensor1D;
      if (problem.projectLower) thetaNew = problem.projectLower(thetaNew);
      // Without coupled constraints λ and z are empty; clones keep the old/new tensors distinct for disposal.
      let lambdaNew = tf.clone(lambda) as tf.Tensor1D;
      if (p > 0) {
        // ∂/∂λ of the inner Lagrangian is G(x, θ); the ascent direction subtracts −G + (λ − z)/γ₂.
        const dLambda = tf.add(tf.neg(gLambda), tf.div(tf.sub(lambda, z), gamma2));
        lambdaNew = clip(tf.sub(lambda, tf.mul(e, dLambda)), lamLo, lamHi) as tf.Tensor1D;
      }
      // 2. Gradient step on (1/c_k)F + f − v_γ at (x, y), with the new (θ, λ) standing in for the saddle point.
      const outer = (xv: tf.Tensor, yv: tf.Tensor): tf.Scalar => {
        const X = xv as tf.Tensor1D;
        const Y = yv as tf.Tensor1D;
        let s = tf.add(tf.div(problem.upper(X, Y), ck), problem.lower(X, Y));
        s = tf.sub(s, problem.lower(X, thetaNew));
        if (p > 0) s = tf.sub(s, tf.sum(tf.mul(lambdaNew, constraints(X, thetaNew))));
        return tf.add(s, tf.add(zeroDot(xv), zeroDot(yv))) as tf.Scalar;
      };
      const [dx, gy] = tf.grads(outer)([x, y]) as [tf.Tensor, tf.Tensor];
      const dy = tf.sub(gy, tf.div(tf.sub(y, thetaNew), gamma1));
      let xNew = tf.sub(x, tf.mul(a, dx)) as tf.Tensor1D;
      let yNew = tf.sub(y, tf.mul(a, dy)) as tf.Tensor1D;
      let zNew = tf.clone(z) as tf.Tensor1D;
      if (p > 0) {
        const w = problem.project!(xNew, yNew);
        xNew = w.x;
        yNew = w.y;
        zNew = clip(tf.sub(z, tf.mul(b, tf.div(tf.sub(z, lambdaNew), gamma2))), zLo, zHi) as tf.Tensor1D;
      } else if (problem.project) {
        const w = problem.project(xNew, yNew);
        xNew = w.x;
        yNew = w.y;
      }
      return [xNew, yNew, thetaNew, lambdaNew, zNew];
    }) as tf.Tensor1D[];
    tf.dispose([x, y, theta, lambda, z]);
    [x, y, theta, lambda, z] = next as [tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D];
    if ((k + 1) % historyEvery === 0 || k + 1 === iterations) record(k + 1, ck);
  }
  const result: LvHbaResult = {
    x: Array.from(x.dataSync()),
    y: Array.from(y.dataSync()),
    theta: Array.from(theta.dataSync()),
    lambda: Array.from(lambda.dataSync()),
    z: Array.from(z.dataSync()),
    history,
  };
  tf.dispose([x, y, theta, lambda, z, lamLo, lamHi, zLo, zHi]);
  return result;
}
