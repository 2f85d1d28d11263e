/**
 * `clip`: clamp every update element to `[−δ, δ]` (optax `clip`).
 *
 * @packageDocumentation
 */
import {
  type ElementwiseTransformation,
  type ScalarOrSchedule,
  checkScalarOrSchedule,
  defineElementwiseRule,
  elementwiseTransformation,
} from '@descent/core';

const rule = defineElementwiseRule({
  name: 'clip',
  state: [],
  scalars: ['maxDelta'],
  body: ({ grad }, { maxDelta }, op) => ({ update: op.min(op.max(grad, op.neg(maxDelta)), maxDelta) }),
});

/**
 * Clips updates elementwise to `[−δ_t, δ_t]`:
 *
 * $$u_i \leftarrow \min(\max(u_i, -\delta_t), \delta_t).$$
 *
 * `maxDelta` δ ≥ 0 is a number or a schedule of the step count. No state beyond the count.
 * Elementwise: fuses with its neighbours in a `chain` (e.g. `chain(clip(1), scaleByAdam(), …)`
 * is still one kernel per parameter tensor).
 *
 * Reference: optax `clip` (`optax/transforms/_clipping.py`, `jnp.clip(u, −δ, δ)`).
 */
export function clip(maxDelta: ScalarOrSchedule): ElementwiseTransformation<never> {
  const delta = checkScalarOrSchedule('clip', 'maxDelta', maxDelta, { min: 0 });
  return elementwiseTransformation({ rule, scalars: (count) => ({ maxDelta: delta(count) }) });
}
