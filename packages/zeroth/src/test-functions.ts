/**
 * Batched benchmark functions for derivative-free optimisation: each maps points `[n, d]` to
 * values `[n]` in one tensor program, so a whole population (all runs) is one call of
 * {@link minimize}'s objective. Formulas follow the Virtual Library of Simulation Experiments
 * (Surjanovic & Bingham, sfu.ca/~ssurjano) and, for Rastrigin, CBXpy's `Rastrigin` (not divided
 * by d), which the CBO acceptance targets use.
 *
 * Every function validates its input (a float32 tensor of rank 2) and returns a new tensor the
 * caller owns; intermediates are freed with `tf.tidy`. Sines and cosines are computed with
 * add/mul only (range reduction + polynomials), so values agree to float32 rounding on every
 * backend, WebGPU included, where the built-in trigonometry is far less accurate.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { DescentError } from '@descent/core';

function checkPoints(where: string, x: unknown, minDim = 1): tf.Tensor2D {
  if (!(x instanceof tf.Tensor) || x.rank !== 2 || x.dtype !== 'float32' || (x.shape[1] as number) < minDim) {
    const got = x instanceof tf.Tensor ? `a ${x.dtype} tensor of shape [${x.shape.join(',')}]` : typeof x;
    throw new DescentError(
      'invalid-option',
      `${where}: x must be a float32 tensor of shape [n, d] with d >= ${minDim}, got ${got}`,
      { parameter: 'x', value: got },
    );
  }
  return x as tf.Tensor2D;
}

// Trigonometry accurate to float32 rounding on every backend. WGSL specifies sin/cos only to an
// absolute error of 2^-11 on [−π, π] and not at all outside it, and SwiftShader's errors at
// |x| ≈ 20 reach 1e-3, which moves Schwefel's value at its optimum (where x ≈ 421 multiplies the
// sine) by 0.3. So sin and cos are computed from add/mul only: Cody–Waite reduction
// x = kπ + r with π = P1 + P2 + P3 (P1 = 3.140625 has 8 significant bits, so k·P1 is exact for
// |k| < 2^16, i.e. |x| < 2e5), then Taylor polynomials on |r| ≤ π/2 (truncation < 6e-8 for sin
// through r^11, < 7e-9 for cos through r^12), and the sign (−1)^k.
const P1 = 3.140625;
const P2 = Math.fround(Math.PI - P1);
const P3 = Math.fround(Math.PI - P1 - P2);

/** x = kπ + r: returns [r, s] with s = (−1)^k. */
function reduceByPi(x: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const k = tf.round(tf.mul(x, 1 / Math.PI));
  const r = tf.sub(tf.sub(tf.sub(x, tf.mul(k, P1)), tf.mul(k, P2)), tf.mul(k, P3));
  const parity = tf.sub(k, tf.mul(2, tf.floor(tf.mul(k, 0.5))));
  return [r, tf.sub(1, tf.mul(2, parity))];
}

/** Horner evaluation of Σ cᵢ zⁱ. */
function horner(z: tf.Tensor, coefficients: readonly number[]): tf.Tensor {
  let acc: tf.Tensor = tf.scalar(coefficients[coefficients.length - 1] as number);
  for (let i = coefficients.length - 2; i >= 0; i--) acc = tf.add(tf.mul(acc, z), coefficients[i] as number);
  return acc;
}

const SIN_TAYLOR = [1, -1 / 6, 1 / 120, -1 / 5040, 1 / 362880, -1 / 39916800];
const COS_TAYLOR = [1, -1 / 2, 1 / 24, -1 / 720, 1 / 40320, -1 / 3628800, 1 / 479001600];

/** sin x to float32 accuracy on every backend (call inside tf.tidy). */
function sin(x: tf.Tensor): tf.Tensor {
  const [r, sign] = reduceByPi(x);
  return tf.mul(sign, tf.mul(r, horner(tf.square(r), SIN_TAYLOR)));
}

/** cos x to float32 accuracy on every backend (call inside tf.tidy). */
function cos(x: tf.Tensor): tf.Tensor {
  const [r, sign] = reduceByPi(x);
  return tf.mul(sign, horner(tf.square(r), COS_TAYLOR));
}

/**
 * Sphere: f(x) = Σᵢ xᵢ². Minimum f = 0 at x = 0.
 */
export function sphere(x: tf.Tensor2D): tf.Tensor1D {
  const p = checkPoints('sphere', x);
  return tf.tidy(() => tf.sum(tf.square(p), 1) as tf.Tensor1D);
}

/**
 * Rosenbrock: f(x) = Σ_{i=1}^{d−1} [100 (x_{i+1} − xᵢ²)² + (1 − xᵢ)²], d ≥ 2.
 * Minimum f = 0 at x = (1, …, 1).
 */
export function rosenbrock(x: tf.Tensor2D): tf.Tensor1D {
  const p = checkPoints('rosenbrock', x, 2);
  const d = p.shape[1];
  return tf.tidy(() => {
    const head = tf.slice(p, [0, 0], [-1, d - 1]);
    const tail = tf.slice(p, [0, 1], [-1, d - 1]);
    const valley = tf.mul(100, tf.square(tf.sub(tail, tf.square(head))));
    return tf.sum(tf.add(valley, tf.square(tf.sub(1, head))), 1) as tf.Tensor1D;
  });
}

/**
 * Rastrigin (CBXpy convention, A = 10, not divided by d): f(x) = A·d + Σᵢ [xᵢ² − A cos(2π xᵢ)].
 * Minimum f = 0 at x = 0; local minima near every integer point.
 */
export function rastrigin(x: tf.Tensor2D): tf.Tensor1D {
  const p = checkPoints('rastrigin', x);
  const A = 10;
  return tf.tidy(() => {
    // A·d + Σ(x² − A cos 2πx) = Σ(x² + A(1 − cos 2πx)): the same value, exactly 0 at x = 0 in float32.
    const terms = tf.add(tf.square(p), tf.mul(A, tf.sub(1, cos(tf.mul(2 * Math.PI, p)))));
    return tf.sum(terms, 1) as tf.Tensor1D;
  });
}

/**
 * Ackley (a = 20, b = 0.2, c = 2π):
 * f(x) = −a exp(−b √((1/d) Σ xᵢ²)) − exp((1/d) Σ cos(c xᵢ)) + a + e.
 * Minimum f = 0 at x = 0 (computed as a(1 − e^{…}) + (e − e^{…}), which is 0 to float32 rounding there).
 */
export function ackley(x: tf.Tensor2D): tf.Tensor1D {
  const p = checkPoints('ackley', x);
  const a = 20;
  const b = 0.2;
  return tf.tidy(() => {
    const rms = tf.sqrt(tf.mean(tf.square(p), 1));
    const cosMean = tf.mean(cos(tf.mul(2 * Math.PI, p)), 1);
    const first = tf.mul(a, tf.sub(1, tf.exp(tf.mul(-b, rms))));
    const second = tf.sub(Math.E, tf.exp(cosMean));
    return tf.add(first, second) as tf.Tensor1D;
  });
}

/**
 * Griewank: f(x) = 1 + Σᵢ xᵢ²/4000 − Πᵢ cos(xᵢ/√i) (i from 1). Minimum f = 0 at x = 0.
 */
export function griewank(x: tf.Tensor2D): tf.Tensor1D {
  const p = checkPoints('griewank', x);
  const d = p.shape[1];
  return tf.tidy(() => {
    const scale = tf.tensor1d(Array.from({ length: d }, (_, i) => 1 / Math.sqrt(i + 1)));
    const prod = tf.prod(cos(tf.mul(p, scale)), 1);
    return tf.add(tf.div(tf.sum(tf.square(p), 1), 4000), tf.sub(1, prod)) as tf.Tensor1D;
  });
}

/**
 * Schwefel: f(x) = 418.9829·d − Σᵢ xᵢ sin(√|xᵢ|), usually on [−500, 500]^d.
 * Minimiser xᵢ ≈ 420.9687 for every i, where f ≈ 1.3e-5·d (≈ 0; the constant is rounded).
 */
export function schwefel(x: tf.Tensor2D): tf.Tensor1D {
  const p = checkPoints('schwefel', x);
  return tf.tidy(() => {
    // Σ (418.9829 − xᵢ sin √|xᵢ|) keeps each term small near the optimum, so float32 does not
    // cancel two numbers of size 419·d.
    const terms = tf.sub(418.9829, tf.mul(p, sin(tf.sqrt(tf.abs(p)))));
    return tf.sum(terms, 1) as tf.Tensor1D;
  });
}

/**
 * Lévy: with wᵢ = 1 + (xᵢ − 1)/4,
 * f(x) = sin²(π w₁) + Σ_{i=1}^{d−1} (wᵢ − 1)² [1 + 10 sin²(π wᵢ + 1)] + (w_d − 1)² [1 + sin²(2π w_d)].
 * Minimum f = 0 at x = (1, …, 1).
 */
export function levy(x: tf.Tensor2D): tf.Tensor1D {
  const p = checkPoints('levy', x);
  const d = p.shape[1];
  return tf.tidy(() => {
    const w = tf.add(1, tf.div(tf.sub(p, 1), 4));
    const w1 = tf.slice(w, [0, 0], [-1, 1]);
    const wd = tf.slice(w, [0, d - 1], [-1, 1]);
    const first = tf.square(sin(tf.mul(Math.PI, w1)));
    const last = tf.mul(tf.square(tf.sub(wd, 1)), tf.add(1, tf.square(sin(tf.mul(2 * Math.PI, wd)))));
    let total = tf.add(first, last);
    if (d > 1) {
      const wi = tf.slice(w, [0, 0], [-1, d - 1]);
      const mid = tf.mul(tf.square(tf.sub(wi, 1)), tf.add(1, tf.mul(10, tf.square(sin(tf.add(tf.mul(Math.PI, wi), 1))))));
      total = tf.add(total, tf.sum(mid, 1, true));
    }
    return tf.reshape(total, [-1]) as tf.Tensor1D;
  });
}

/*
 * The diffGrad paper's synthetic functions (Dubey, Chakraborty, Roy, Mukherjee, Pulabaigari,
 * Chaudhuri, "diffGrad: An Optimization Method for Convolutional Neural Networks", IEEE TNNLS
 * 2020, arXiv 1909.11015, §IV "three synthetic complex non-convex functions"), with the piecewise
 * definitions of the analytical code that accompanies that analysis (`calc_func1..3` in
 * github mhaut/AngularGrad `analytical/main.py`), as used by packages/optim/test/diffgrad.test.ts.
 * They are 1-D; for d > 1 the value is the sum over coordinates (separable), so the minimiser is
 * the 1-D minimiser in every coordinate.
 */

/**
 * diffGrad F1: F1(x) = (x + 0.3)² for x ≤ 0, (x − 0.2)² + 0.05 for x > 0 (summed over coordinates).
 * Global minimum F1 = 0 at x = −0.3; local minimum 0.05 at x = 0.2.
 */
export function diffGradF1(x: tf.Tensor2D): tf.Tensor1D {
  const p = checkPoints('diffGradF1', x);
  return tf.tidy(() => {
    const left = tf.square(tf.add(p, 0.3));
    const right = tf.add(tf.square(tf.sub(p, 0.2)), 0.05);
    return tf.sum(tf.where(tf.lessEqual(p, 0), left, right), 1) as tf.Tensor1D;
  });
}

/**
 * diffGrad F2: F2(x) = −40x − 35.15 for x ≤ −0.9, x³ + x sin(8x) + 0.85 for x > −0.9
 * (summed over coordinates). Global minimum F2 ≈ 1.2e-4 at x ≈ −0.6429; local minima at x = 0
 * (F2 = 0.85) and x ≈ 0.588.
 */
export function diffGradF2(x: tf.Tensor2D): tf.Tensor1D {
  const p = checkPoints('diffGradF2', x);
  return tf.tidy(() => {
    const left = tf.sub(tf.mul(-40, p), 35.15);
    const right = tf.add(tf.add(tf.mul(p, tf.square(p)), tf.mul(p, sin(tf.mul(8, p)))), 0.85);
    return tf.sum(tf.where(tf.lessEqual(p, -0.9), left, right), 1) as tf.Tensor1D;
  });
}

/**
 * diffGrad F3 (summed over coordinates):
 * F3(x) = x² (x ≤ −0.5), 0.75 + x (−0.5 < x ≤ −0.4), −7x/8 (−0.4 < x ≤ 0), 7x/8 (0 < x ≤ 0.4),
 * 0.75 − x (0.4 < x ≤ 0.5), x² (x > 0.5).
 * Global minimum F3 = 0 at x = 0 (a V-shaped kink); local minima 0.25 at x = ±0.5.
 */
export function diffGradF3(x: tf.Tensor2D): tf.Tensor1D {
  const p = checkPoints('diffGradF3', x);
  return tf.tidy(() => {
    const a = tf.abs(p);
    // F3 is even: x² beyond 0.5, 0.75 − |x| on (0.4, 0.5], 7|x|/8 on [0, 0.4].
    const inner = tf.mul(7 / 8, a);
    const shoulder = tf.sub(0.75, a);
    const outer = tf.square(p);
    const value = tf.where(tf.lessEqual(a, 0.4), inner, tf.where(tf.lessEqual(a, 0.5), shoulder, outer));
    return tf.sum(value, 1) as tf.Tensor1D;
  });
}
