/**
 * `clipByBlockRms`: scales each parameter's update down so that its root mean square is at most
 * a threshold (Adafactor's update clipping).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type GradientTransformation,
  type Params,
  type ScalarOrSchedule,
  checkScalarOrSchedule,
  treeMap,
} from '@descent/core';

/** State of {@link clipByBlockRms}: the step count (for a schedule of the threshold). */
export interface ClipByBlockRmsState {
  count: number;
}

/** Root mean square of a tensor, `‖x‖₂ / sqrt(numel)`, as a scalar tensor. */
function blockRms(x: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sqrt(tf.mean(tf.square(x))) as tf.Scalar);
}

/**
 * Clips each leaf (block) of the updates by its root mean square:
 *
 * $$u \leftarrow \frac{u}{\max\big(1,\ \mathrm{RMS}(u)/d\big)},\qquad
 *   \mathrm{RMS}(u) = \frac{\lVert u\rVert_2}{\sqrt{\mathrm{numel}(u)}}.$$
 *
 * The threshold d > 0 is a number or a schedule. Stateless apart from the step count. Reference:
 * Shazeer & Stern (2018), "Adafactor", §6 update clipping; Hugging Face `Adafactor.step`
 * (`update.div_((self._rms(update) / clip_threshold).clamp_(min=1.0))`); optax `clip_by_block_rms`.
 */
export function clipByBlockRms(threshold: ScalarOrSchedule): GradientTransformation<ClipByBlockRmsState> {
  const d = checkScalarOrSchedule('clipByBlockRms', 'threshold', threshold, { greaterThan: 0 });
  return {
    init: () => ({ count: 0 }),
    update(updates, state) {
      const limit = d(state.count);
      const out = treeMap(
        (u: tf.Tensor) =>
          u.size === 0 ? tf.zerosLike(u) : tf.tidy(() => tf.div(u, tf.maximum(1, tf.div(blockRms(u), limit)))),
        updates,
      );
      return { updates: out as Params, state: { count: state.count + 1 } };
    },
  };
}
