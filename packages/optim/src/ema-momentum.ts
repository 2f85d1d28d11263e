/**
 * `emaMomentum`: an exponential moving average of the updates, optionally with Muon's Nesterov
 * blend (KellerJordan/Muon `muon_update`).
 *
 * @packageDocumentation
 */
import {
  type ElementwiseTransformation,
  type ScalarOrSchedule,
  checkBoolean,
  checkKnownOptions,
  checkScalarOrSchedule,
  defineElementwiseRule,
  elementwiseTransformation,
  invalidOption,
} from '@descent/core';

function emaRule(nesterov: boolean) {
  return defineElementwiseRule({
    name: `emaMomentum[${nesterov ? 'nesterov' : 'classic'}]`,
    state: ['momentum'],
    scalars: ['decay', 'keep'],
    body: ({ grad, momentum }, { decay, keep }, op) => {
      // momentum.lerp_(grad, 1 − β): an EMA, not torch SGD's Σ-style buffer.
      const m = op.add(op.mul(decay, momentum), op.mul(keep, grad));
      // grad.lerp_(momentum, β) = (1 − β) g + β m.
      return { momentum: m, update: nesterov ? op.add(op.mul(keep, grad), op.mul(decay, m)) : m };
    },
  });
}
const RULES = { classic: emaRule(false), nesterov: emaRule(true) };

/** Options of {@link emaMomentum}. */
export interface EmaMomentumOptions {
  /** β ∈ [0, 1), the decay of the average. Default 0.95 (Muon). */
  decay?: ScalarOrSchedule;
  /** Output Muon's Nesterov blend `(1 − β) u + β m` instead of `m`. Default false. */
  nesterov?: boolean;
}

/**
 * Exponential moving average of the updates, with an optional Nesterov-style blend:
 *
 * $$m_t = \beta m_{t-1} + (1-\beta)\,u_t,\qquad
 *   \text{out}_t = \text{nesterov}\ ?\ (1-\beta)\,u_t + \beta m_t : m_t,\qquad m_0 = 0.$$
 *
 * No bias correction. This is the momentum of Muon (`KellerJordan/Muon`, `muon.py`,
 * `muon_update`: `momentum.lerp_(grad, 1 − β)`, then `grad.lerp_(momentum, β)` when nesterov),
 * which since May 2025 replaced the older `m ← μm + g` buffer (equal up to the normalisation
 * that follows in Muon). Without nesterov it is also optax's `ema(decay, debias=False)` and the
 * first moment of Hugging Face's Adafactor. State slot: `momentum`. Defaults: decay 0.95,
 * nesterov false. Elementwise: fuses within a `chain`.
 */
export function emaMomentum(options: EmaMomentumOptions = {}): ElementwiseTransformation<'momentum'> {
  const where = 'emaMomentum';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['decay', 'nesterov']);
  const decay = checkScalarOrSchedule(where, 'decay', options.decay ?? 0.95, { min: 0, lessThan: 1 });
  const nesterov = checkBoolean(where, 'nesterov', options.nesterov ?? false);
  return elementwiseTransformation({
    rule: nesterov ? RULES.nesterov : RULES.classic,
    // 1 − β on the host in float64 (1 − fround(β) would be off in the 7th digit).
    scalars: (count) => {
      const d = decay(count);
      return { decay: d, keep: 1 - d };
    },
  });
}
