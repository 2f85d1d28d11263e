/**
 * `addDecayedWeights`: `u ← u + λθ` (optax `add_decayed_weights`).
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
  name: 'addDecayedWeights',
  state: [],
  scalars: ['weightDecay'],
  body: ({ grad, param }, { weightDecay }, op) => ({ update: op.add(grad, op.mul(weightDecay, param)) }),
});

/**
 * Adds the parameters scaled by λ to the updates: `u ← u + λ_t θ`.
 *
 * Placed *before* a scaling transformation it is coupled L2 regularisation (torch's
 * `weight_decay` in SGD/Adam: `g ← g + λθ`); placed *after* it and before
 * {@link scaleByLearningRate} it is decoupled weight decay (AdamW, Lion, Muon:
 * `θ ← θ(1 − γλ) − γu`). λ ≥ 0, a number or a schedule. Requires params.
 *
 * Reference: optax `add_decayed_weights` (`optax/_src/transform.py`); Loshchilov & Hutter (2019),
 * "Decoupled Weight Decay Regularization".
 */
export function addDecayedWeights(weightDecay: ScalarOrSchedule): ElementwiseTransformation<never> {
  const wd = checkScalarOrSchedule('addDecayedWeights', 'weightDecay', weightDecay, { min: 0 });
  return elementwiseTransformation({ rule, scalars: (count) => ({ weightDecay: wd(count) }) });
}
