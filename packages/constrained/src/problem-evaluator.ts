/**
 * `problemEvaluator`: evaluates a {@link Problem}'s objective, constraints, gradient and constraint Jacobians at a host
 * float64 point, through tfjs autodiff, and counts the evaluations.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Problem } from './problem.js';

/** Values (and, for a full evaluation, first derivatives) of a problem at one point, all float64 on the host. */
export interface ProblemPoint {
  x: Float64Array;
  f: number;
  /** c(x), length m_eq (empty when the problem has no `eq`). */
  eq: Float64Array;
  /** g(x) ≤ 0, length m_ineq (empty when the problem has no `ineq`). */
  ineq: Float64Array;
  /** ∇f(x); present after a full evaluation. */
  grad?: Float64Array;
  /** Rows ∇c_i(x)ᵀ of J_c; present after a full evaluation. */
  eqJac?: Float64Array[];
  /** Rows ∇g_i(x)ᵀ of J_g; present after a full evaluation. */
  ineqJac?: Float64Array[];
}

/** What {@link problemEvaluator} returns. */
export interface ProblemEvaluator {
  /** f, c and g at x (forward passes only). */
  values(x: ArrayLike<number>): ProblemPoint;
  /** f, ∇f, c, J_c, g, J_g at x: one backward pass for f and one per constraint row. */
  full(x: ArrayLike<number>): ProblemPoint;
  /**
   * f, c, g at x and the gradient of f + wᵀc + vᵀg, where (w, v) = weights(point) are computed on the host from the
   * values (the augmented Lagrangian's λ̄ + ρc and max(0, μ̄ + ρg)): one forward and one backward pass, independent of
   * the number of constraints. `weights` is called exactly once, synchronously.
   */
  weightedGradient(
    x: ArrayLike<number>,
    weights: (point: ProblemPoint) => { eq: ArrayLike<number>; ineq: ArrayLike<number> },
  ): { point: ProblemPoint; grad: Float64Array };
  /** Evaluation counts: objective values, and gradient-or-Jacobian evaluations (one per full call). */
  readonly counts: { f: number; grad: number };
}

/** Runs `fn` in a tfjs scope that disposes every tensor it creates (tf.tidy, for non-tensor results). */
function scoped<T>(fn: () => T): T {
  tf.engine().startScope();
  try {
    return fn();
  } finally {
    tf.engine().endScope();
  }
}

function read(t: tf.Tensor): Float64Array {
  return Float64Array.from(t.dataSync());
}

/**
 * Builds an evaluator for `problem`. Every call converts x to a float32 tensor (tfjs's CPU precision), runs the user's
 * functions inside a tfjs scope (nothing leaks), and returns float64 copies; solvers keep all their state in float64.
 *
 * J_c and J_g are built row by row as vector–Jacobian products eᵢᵀJ = ∇(eᵢᵀc)(x) — for the small problems these solvers
 * target this is cheaper than a forward-mode sweep over n columns, and it reuses tfjs's reverse mode. Needs synchronous
 * read-back (`dataSync`): the CPU and WASM backends, not WebGPU in Node.
 */
export function problemEvaluator(problem: Problem): ProblemEvaluator {
  const counts = { f: 0, grad: 0 };
  const eqFn = problem.eq === undefined ? undefined : problem.eq.bind(problem);
  const ineqFn = problem.ineq === undefined ? undefined : problem.ineq.bind(problem);
  const objective = problem.objective.bind(problem);

  const values = (x: ArrayLike<number>): ProblemPoint => {
    counts.f++;
    return scoped(() => {
      const xt = tf.tensor1d(Array.from(x), 'float32');
      const f = objective(xt).dataSync()[0] as number;
      const eq = eqFn === undefined ? new Float64Array(0) : read(eqFn(xt));
      const ineq = ineqFn === undefined ? new Float64Array(0) : read(ineqFn(xt));
      return { x: Float64Array.from(x), f, eq, ineq };
    });
  };

  const jacobian = (fn: (x: tf.Tensor1D) => tf.Tensor1D, xt: tf.Tensor1D): { value: Float64Array; rows: Float64Array[] } => {
    const value = read(fn(xt));
    const rows: Float64Array[] = [];
    for (let i = 0; i < value.length; i++) {
      const unit = new Float32Array(value.length);
      unit[i] = 1;
      const e = tf.tensor1d(unit);
      rows.push(read(tf.grad((z: tf.Tensor) => tf.sum(tf.mul(fn(z as tf.Tensor1D), e)))(xt)));
    }
    return { value, rows };
  };

  const full = (x: ArrayLike<number>): ProblemPoint => {
    counts.f++;
    counts.grad++;
    return scoped(() => {
      const xt = tf.tensor1d(Array.from(x), 'float32');
      const { value, grad } = tf.valueAndGrad((z: tf.Tensor1D) => objective(z))(xt);
      const f = value.dataSync()[0] as number;
      const g = read(grad);
      const eq = eqFn === undefined ? { value: new Float64Array(0), rows: [] } : jacobian(eqFn, xt);
      const ineq = ineqFn === undefined ? { value: new Float64Array(0), rows: [] } : jacobian(ineqFn, xt);
      return { x: Float64Array.from(x), f, grad: g, eq: eq.value, eqJac: eq.rows, ineq: ineq.value, ineqJac: ineq.rows };
    });
  };

  const weightedGradient = (
    x: ArrayLike<number>,
    weights: (point: ProblemPoint) => { eq: ArrayLike<number>; ineq: ArrayLike<number> },
  ): { point: ProblemPoint; grad: Float64Array } => {
    counts.f++;
    counts.grad++;
    let point: ProblemPoint | undefined;
    let finite = true;
    const grad = scoped(() => {
      const xt = tf.tensor1d(Array.from(x), 'float32');
      // one taped forward pass: f, c, g are read back inside it, the weights are computed on the host and enter as
      // constants, so the backward pass gives ∇f + J_cᵀw + J_gᵀv without a second forward pass
      const lagrangian = (t: tf.Tensor): tf.Scalar => {
        const z = t as tf.Tensor1D;
        const fT = objective(z);
        const cT = eqFn === undefined ? undefined : eqFn(z);
        const gT = ineqFn === undefined ? undefined : ineqFn(z);
        point = {
          x: Float64Array.from(x),
          f: fT.dataSync()[0] as number,
          eq: cT === undefined ? new Float64Array(0) : read(cT),
          ineq: gT === undefined ? new Float64Array(0) : read(gT),
        };
        const w = weights(point);
        finite = Number.isFinite(point.f) && point.eq.every(Number.isFinite) && point.ineq.every(Number.isFinite);
        let s: tf.Scalar = fT;
        if (cT !== undefined && point.eq.length > 0) s = tf.add(s, tf.sum(tf.mul(cT, tf.tensor1d(Float32Array.from(w.eq)))));
        if (gT !== undefined && point.ineq.length > 0) s = tf.add(s, tf.sum(tf.mul(gT, tf.tensor1d(Float32Array.from(w.ineq)))));
        return s;
      };
      return read(tf.grad(lagrangian)(xt));
    });
    const p = point as unknown as ProblemPoint;
    return { point: p, grad: finite ? grad : new Float64Array(p.x.length).fill(Number.NaN) };
  };

  return { values, full, weightedGradient, counts };
}
