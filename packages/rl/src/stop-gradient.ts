/**
 * Stop-gradient (`torch.Tensor.detach`, `jax.lax.stop_gradient`) for tfjs-core, which has none.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';

const detach = tf.customGrad((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => ({
  value: tf.clone(inputs[0] as tf.Tensor),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
}));

/**
 * `sg(x)`: the same values as `x`, but gradients do not flow through it (the derivative is 0). Used where the
 * reference detaches a factor, e.g. CISPO's clipped importance weight sg(min(w, ε_high)).
 */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  return detach(x) as T;
}
