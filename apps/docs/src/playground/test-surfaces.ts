/**
 * The playground's 2-D test functions. Rosenbrock, Rastrigin and the diffGrad paper's F1–F3 are
 * @descent/zeroth's batched benchmark functions (points `[n, 2]` → values `[n]`), so the page
 * optimizes exactly what the package tests; Beale and Himmelblau are written here from their
 * textbook definitions (Surjanovic & Bingham, sfu.ca/~ssurjano).
 */
import * as tf from '@tensorflow/tfjs-core';
import { diffGradF1, diffGradF2, diffGradF3, rastrigin, rosenbrock } from '@descent/zeroth';

/** A 2-D function with the view box and start point the playground uses. */
export interface Surface {
  id: string;
  label: string;
  /** f on a batch of points `[n, 2]`, returning `[n]`; the caller owns the result. */
  f: (x: tf.Tensor2D) => tf.Tensor1D;
  /**
   * The same f written with differentiable ops, where `f` itself cannot be differentiated by tfjs
   * (the piecewise diffGrad functions select with `tf.where(tf.lessEqual(…))`, and tfjs has no
   * gradient for LessEqual). The optimizers take gradients of this; values shown are `f`'s.
   */
  differentiable?: (x: tf.Tensor2D) => tf.Tensor1D;
  /** The formula, as shown on the page. */
  formula: string;
  xRange: [number, number];
  yRange: [number, number];
  /** Where every optimizer starts. */
  start: [number, number];
  /** A global minimiser (drawn as a star) and the minimum value. */
  minimum: [number, number];
  fMin: number;
}

function columns(x: tf.Tensor2D): [tf.Tensor1D, tf.Tensor1D] {
  const [a, b] = tf.unstack(x, 1);
  return [a as tf.Tensor1D, b as tf.Tensor1D];
}

/** Beale: (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²; minimum 0 at (3, 0.5). */
export function beale(p: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const [x, y] = columns(p);
    const term = (c: number, yk: tf.Tensor) => tf.square(tf.add(tf.sub(c, x), tf.mul(x, yk)));
    const y2 = tf.mul(y, y);
    return tf.addN([term(1.5, y), term(2.25, y2), term(2.625, tf.mul(y2, y))]) as tf.Tensor1D;
  });
}

/** Himmelblau: (x² + y − 11)² + (x + y² − 7)²; four minima of value 0, one at (3, 2). */
export function himmelblau(p: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const [x, y] = columns(p);
    return tf.add(tf.square(tf.sub(tf.add(tf.mul(x, x), y), 11)), tf.square(tf.sub(tf.add(x, tf.mul(y, y)), 7))) as tf.Tensor1D;
  });
}

/** 1 where t > c, else 0: `tf.step`, whose registered gradient is zero, so piecewise selection does not block backprop. */
function above(t: tf.Tensor, c: number): tf.Tensor {
  return tf.step(tf.sub(t, c));
}

/** diffGrad F1 with step masks (equals `diffGradF1`; tested in apps/docs/test/test-surfaces.test.ts). */
export function diffGradF1Differentiable(p: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const right = above(p, 0);
    const value = tf.add(tf.mul(tf.square(tf.add(p, 0.3)), tf.sub(1, right)), tf.mul(tf.add(tf.square(tf.sub(p, 0.2)), 0.05), right));
    return tf.sum(value, 1) as tf.Tensor1D;
  });
}

/** diffGrad F2 with step masks and `tf.sin` (equals `diffGradF2` to float32 rounding of the sine). */
export function diffGradF2Differentiable(p: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const right = above(p, -0.9);
    const left = tf.sub(tf.mul(-40, p), 35.15);
    const curve = tf.add(tf.add(tf.mul(p, tf.square(p)), tf.mul(p, tf.sin(tf.mul(8, p)))), 0.85);
    return tf.sum(tf.add(tf.mul(left, tf.sub(1, right)), tf.mul(curve, right)), 1) as tf.Tensor1D;
  });
}

/** diffGrad F3 with step masks (equals `diffGradF3`). */
export function diffGradF3Differentiable(p: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const a = tf.abs(p);
    const beyondInner = above(a, 0.4);
    const beyondShoulder = above(a, 0.5);
    const inner = tf.mul(tf.mul(7 / 8, a), tf.sub(1, beyondInner));
    const shoulder = tf.mul(tf.sub(0.75, a), tf.sub(beyondInner, beyondShoulder));
    const outer = tf.mul(tf.square(p), beyondShoulder);
    return tf.sum(tf.addN([inner, shoulder, outer]), 1) as tf.Tensor1D;
  });
}

export const SURFACES: readonly Surface[] = [
  {
    id: 'rosenbrock',
    label: 'Rosenbrock',
    f: rosenbrock,
    formula: '100 (y − x²)² + (1 − x)²',
    xRange: [-2, 2],
    yRange: [-1, 3],
    start: [-1.5, 2.5],
    minimum: [1, 1],
    fMin: 0,
  },
  {
    id: 'rastrigin',
    label: 'Rastrigin',
    f: rastrigin,
    formula: '20 + Σ (xᵢ² − 10 cos 2πxᵢ)',
    xRange: [-5.12, 5.12],
    yRange: [-5.12, 5.12],
    start: [3.7, -2.3],
    minimum: [0, 0],
    fMin: 0,
  },
  {
    id: 'beale',
    label: 'Beale',
    f: beale,
    formula: '(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²',
    xRange: [-4.5, 4.5],
    yRange: [-4.5, 4.5],
    start: [-1, 2],
    minimum: [3, 0.5],
    fMin: 0,
  },
  {
    id: 'himmelblau',
    label: 'Himmelblau',
    f: himmelblau,
    formula: '(x² + y − 11)² + (x + y² − 7)²',
    xRange: [-5, 5],
    yRange: [-5, 5],
    start: [-0.5, -0.3],
    minimum: [3, 2],
    fMin: 0,
  },
  {
    id: 'diffgrad-f1',
    label: 'diffGrad F1 (summed over x, y)',
    f: diffGradF1,
    differentiable: diffGradF1Differentiable,
    formula: 'F1(x) + F1(y), F1(t) = (t + 0.3)² for t ≤ 0, (t − 0.2)² + 0.05 for t > 0',
    xRange: [-1.5, 1.5],
    yRange: [-1.5, 1.5],
    start: [1, 1],
    minimum: [-0.3, -0.3],
    fMin: 0,
  },
  {
    id: 'diffgrad-f2',
    label: 'diffGrad F2 (summed over x, y)',
    f: diffGradF2,
    differentiable: diffGradF2Differentiable,
    formula: 'F2(x) + F2(y), F2(t) = −40t − 35.15 for t ≤ −0.9, t³ + t sin 8t + 0.85 for t > −0.9',
    xRange: [-1.5, 1.5],
    yRange: [-1.5, 1.5],
    start: [1, 1],
    minimum: [-0.6429, -0.6429],
    fMin: 2.4e-4,
  },
  {
    id: 'diffgrad-f3',
    label: 'diffGrad F3 (summed over x, y)',
    f: diffGradF3,
    differentiable: diffGradF3Differentiable,
    formula: 'F3(x) + F3(y), F3 piecewise: t² beyond ±0.5, 0.75 − |t| on (0.4, 0.5], 7|t|/8 on [0, 0.4]',
    xRange: [-1.5, 1.5],
    yRange: [-1.5, 1.5],
    start: [-1, 1],
    minimum: [0, 0],
    fMin: 0,
  },
];

/** The surface with this id (the first one when unknown). */
export function surfaceById(id: string): Surface {
  return SURFACES.find((s) => s.id === id) ?? SURFACES[0];
}
