/**
 * `clipByGlobalNorm`: rescale the whole update tree so that its global L2 norm is at most `c`
 * (optax `clip_by_global_norm`).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type GradientTransformation,
  type Params,
  type ScalarOrSchedule,
  type Tree,
  checkScalarOrSchedule,
  treeFlatten,
  treeUnflatten,
} from '@descent/core';

/** State of {@link clipByGlobalNorm}: the number of steps taken (for a scheduled threshold). */
export interface ClipByGlobalNormState {
  count: number;
}

/** The global L2 norm `sqrt(Σ_leaves Σ_i u_i²)` of a list of tensors, as a scalar tensor. */
function globalNorm(leaves: readonly tf.Tensor[]): tf.Scalar {
  return tf.tidy(() => {
    if (leaves.length === 0) return tf.scalar(0);
    const squares = leaves.map((u) => tf.sum(tf.square(u)));
    return tf.sqrt(squares.length === 1 ? (squares[0] as tf.Tensor) : tf.addN(squares)) as tf.Scalar;
  });
}

/**
 * Clips the updates by their global norm, over every leaf of the tree together:
 *
 * $$\|u\|_2 = \sqrt{\textstyle\sum_{\text{leaves}}\sum_i u_i^2},\qquad
 *   u \leftarrow \begin{cases} u & \|u\|_2 < c_t \\ (u / \|u\|_2)\, c_t & \text{otherwise,}\end{cases}$$
 *
 * i.e. `u · min(1, c/‖u‖₂)`, computed in optax's order (divide by the norm, then multiply by `c`)
 * with a select, so updates below the threshold pass through bit for bit. `maxNorm` c > 0 is a
 * number or a schedule of the step count.
 *
 * Not elementwise (a reduction over the whole tree): written with tfjs ops, no host read-back —
 * the norm stays on the device. In a `chain` it splits fusion: the elementwise stages before and
 * after it are each fused.
 *
 * Reference: optax `clip_by_global_norm` (`optax/transforms/_clipping.py`); Pascanu et al. (2013),
 * "On the difficulty of training recurrent neural networks".
 */
export function clipByGlobalNorm(maxNorm: ScalarOrSchedule): GradientTransformation<ClipByGlobalNormState> {
  const c = checkScalarOrSchedule('clipByGlobalNorm', 'maxNorm', maxNorm, { greaterThan: 0 });
  return {
    init: () => ({ count: 0 }),
    update(updates, state) {
      const limit = c(state.count);
      const { leaves, treedef } = treeFlatten(updates as Tree<tf.Tensor>);
      const clipped = tf.tidy(() => {
        const norm = globalNorm(leaves);
        const below = tf.less(norm, tf.scalar(limit));
        const max = tf.scalar(limit);
        return leaves.map((u) => tf.where(tf.broadcastTo(below, u.shape), u, tf.mul(tf.div(u, norm), max)));
      });
      return { updates: treeUnflatten(treedef, clipped) as Params, state: { count: state.count + 1 } };
    },
  };
}
