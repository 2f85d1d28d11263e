/**
 * `scaleByLion`: the sign of Lion's interpolated momentum (Chen et al. 2023), with the numerics of
 * google/automl's `lion_pytorch.py`.
 *
 * @packageDocumentation
 */
import {
  type ElementwiseTransformation,
  type ScalarOrSchedule,
  checkKnownOptions,
  checkScalarOrSchedule,
  defineElementwiseRule,
  elementwiseTransformation,
  invalidOption,
} from '@descent/core';

const rule = defineElementwiseRule({
  name: 'scaleByLion',
  state: ['mu'],
  scalars: ['b1', 'oneMinusB1', 'b2', 'oneMinusB2'],
  body: ({ grad, mu }, { b1, oneMinusB1, b2, oneMinusB2 }, op) => {
    // lion_pytorch.py L79–81: the update interpolates with β1 and takes the sign (sign(0) = 0) …
    const update = op.sign(op.add(op.mul(b1, mu), op.mul(oneMinusB1, grad)));
    // … L84: the stored momentum decays with β2.
    const m = op.add(op.mul(b2, mu), op.mul(oneMinusB2, grad));
    return { mu: m, update };
  },
});

/** Options of {@link scaleByLion}. */
export interface ScaleByLionOptions {
  /** β1 ∈ [0, 1), the interpolation weight of the momentum in the update. Default 0.9. */
  b1?: ScalarOrSchedule;
  /** β2 ∈ [0, 1), the decay of the stored momentum. Default 0.99. */
  b2?: ScalarOrSchedule;
}

/**
 * Lion's update direction (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms",
 * NeurIPS, Program 1):
 *
 * $$u_t = \mathrm{sign}\big(\beta_1 m_{t-1} + (1-\beta_1) g_t\big),\qquad
 *   m_t = \beta_2 m_{t-1} + (1-\beta_2) g_t,$$
 *
 * β1 for the update and β2 for the state; $\mathrm{sign}(0) = 0$ (as `torch.sign`). State slot
 * `mu`, starting at 0. Defaults: b1 0.9, b2 0.99. Follow with {@link addDecayedWeights} (decoupled
 * decay) and {@link scaleByLearningRate}; elementwise, so it fuses with its neighbours in a `chain`.
 *
 * Reference: github `google/automl`, `lion/lion_pytorch.py` (`Lion.step`, L59–87); optax `scale_by_lion`.
 */
export function scaleByLion(options: ScaleByLionOptions = {}): ElementwiseTransformation<'mu'> {
  const where = 'scaleByLion';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['b1', 'b2']);
  const b1 = checkScalarOrSchedule(where, 'b1', options.b1 ?? 0.9, { min: 0, lessThan: 1 });
  const b2 = checkScalarOrSchedule(where, 'b2', options.b2 ?? 0.99, { min: 0, lessThan: 1 });
  return elementwiseTransformation({
    rule,
    scalars: (count) => {
      const beta1 = b1(count);
      const beta2 = b2(count);
      return { b1: beta1, oneMinusB1: 1 - beta1, b2: beta2, oneMinusB2: 1 - beta2 };
    },
  });
}
