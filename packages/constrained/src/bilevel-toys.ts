/**
 * Bilevel test problems with known solutions.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkNumber } from '@descent/core';
import type { BilevelProblem } from './problem.js';

/** A bilevel problem with its closed-form (optimistic) solution. */
export interface BilevelToy extends BilevelProblem {
  name: string;
  /** x*. */
  xStar: number[];
  /** The upper-level-optimal lower-level solution y*. */
  yStar: number[];
  /** F* = F(x*, y*). */
  upperStar: number;
}

/**
 * The "LLC" toy of LV-HBA (Yao et al., ICLR 2024, §5 toy example; official script `Toy-example/LLC/LV-HBA.py`): a
 * lower level with a coupled equality constraint and a non-singleton solution set. With x ∈ Rⁿ, y = (y₁, y₂) ∈ R²ⁿ:
 *
 *   F(x, y) = ½‖x − y₂‖² + ½‖y₁ − 1‖²,
 *   y ∈ argmin_{y'} { f(x, y') = ½‖y₁'‖² − xᵀy₁' + 1ᵀy₂'  :  h(x, y') = 1ᵀx + 1ᵀy' = 0 }.
 *
 * The lower-level solutions are y₁ = x + 1 and any y₂ with 1ᵀy₂ = −2·1ᵀx − n; the upper level picks x = a1,
 * y₂ = b1, b = −1 − 2a, F = (n/2)((3a + 1)² + a²), minimised at a = −0.3: x* = −0.3·1, y₁* = 0.7·1, y₂* = −0.4·1,
 * F* = 0.05n. Start (x₀, y₀) = 0 (the spec's start). `project` is the exact projection onto {1ᵀx + 1ᵀy = 0}
 * (subtract the mean of the stacked (x, y)).
 */
function llc(n = 100): BilevelToy {
  checkNumber('bilevelToys.llc', 'n', n, { min: 1, integer: true });
  const y1 = (y: tf.Tensor1D) => tf.slice(y, [0], [n]);
  const y2 = (y: tf.Tensor1D) => tf.slice(y, [n], [n]);
  return {
    name: `LV-HBA LLC toy (n = ${n})`,
    dimX: n,
    dimY: 2 * n,
    x0: new Array<number>(n).fill(0),
    y0: new Array<number>(2 * n).fill(0),
    upper: (x, y) =>
      tf.mul(0.5, tf.add(tf.sum(tf.square(tf.sub(x, y2(y)))), tf.sum(tf.square(tf.sub(y1(y), 1))))) as tf.Scalar,
    lower: (x, y) => {
      const a = y1(y);
      return tf.add(tf.sub(tf.mul(0.5, tf.sum(tf.square(a))), tf.sum(tf.mul(x, a))), tf.sum(y2(y))) as tf.Scalar;
    },
    lowerEq: (x, y) => tf.reshape(tf.add(tf.sum(x), tf.sum(y)), [1]) as tf.Tensor1D,
    project: (x, y) =>
      tf.tidy(() => {
        const mean = tf.div(tf.add(tf.sum(x), tf.sum(y)), 3 * n);
        return { x: tf.sub(x, mean) as tf.Tensor1D, y: tf.sub(y, mean) as tf.Tensor1D };
      }),
    xStar: new Array<number>(n).fill(-0.3),
    yStar: [...new Array<number>(n).fill(0.7), ...new Array<number>(n).fill(-0.4)],
    upperStar: 0.05 * n,
  };
}

/** Bilevel test problems with closed-form optima: `llc(n)`, the LV-HBA coupled-equality toy. */
export const bilevelToys = { llc } as const;
