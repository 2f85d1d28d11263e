/**
 * `muon`: MomentUm Orthogonalized by Newton–Schulz, numerically as KellerJordan/Muon's
 * `SingleDeviceMuon` + `muon_update` (Newton–Schulz in float32).
 *
 * @packageDocumentation
 */
import {
  type GradientTransformation,
  type ScalarOrSchedule,
  chain,
  checkBoolean,
  checkKnownOptions,
  checkScalarOrSchedule,
  invalidOption,
} from '@descent/core';
import { addDecayedWeights } from './add-decayed-weights.js';
import { emaMomentum } from './ema-momentum.js';
import { orthogonalizeViaNewtonSchulz } from './orthogonalize-newton-schulz.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';

/** Options of {@link muon}; names and defaults as `SingleDeviceMuon` / `muon_update` (camelCase). */
export interface MuonOptions {
  /** γ ≥ 0, in units of spectral norm per update. Default 0.02. */
  learningRate?: ScalarOrSchedule;
  /** β ∈ [0, 1), the EMA decay of the momentum buffer. Default 0.95. */
  momentum?: ScalarOrSchedule;
  /** Orthogonalise the Nesterov blend `(1 − β) G + β B` instead of `B`. Default true. */
  nesterov?: boolean;
  /** Newton–Schulz iterations, an integer ≥ 0. Default 5. */
  nsSteps?: ScalarOrSchedule;
  /** λ ≥ 0, decoupled and lr-scaled: `θ ← θ(1 − γλ)`. Default 0. */
  weightDecay?: ScalarOrSchedule;
}

/**
 * Muon for matrix parameters (`KellerJordan/Muon`, `muon.py`: `muon_update`, `SingleDeviceMuon`):
 *
 * $$B_t = \beta B_{t-1} + (1-\beta) G_t,\qquad U_t = \text{nesterov}\ ?\ (1-\beta) G_t + \beta B_t : B_t,$$
 * $$O_t = \mathrm{NS}_N(U_t)\cdot\sqrt{\max(1,\ \text{rows}/\text{cols})},\qquad
 *   \theta_t = \theta_{t-1}(1 - \gamma\lambda) - \gamma\,O_t,$$
 *
 * where NS_N is N steps of the quintic Newton–Schulz iteration (see
 * {@link orthogonalizeViaNewtonSchulz}: Frobenius normalisation with +1e-7, transpose when
 * rows > cols, (a, b, c) = (3.4445, −4.7750, 2.0315)), run in float32 with tfjs ops (the
 * reference uses bfloat16). rows/cols are the parameter's last two dimensions; 4-D conv kernels
 * are orthogonalised as `[out, −1]` but scaled by kh/kw, as the reference does.
 *
 * `chain(emaMomentum({ decay: β, nesterov }), orthogonalizeViaNewtonSchulz({ nsSteps }),
 * addDecayedWeights(λ), scaleByLearningRate(γ))` (the last two fuse into one kernel).
 * Defaults: learningRate 0.02, momentum 0.95, nesterov true, nsSteps 5, weightDecay 0.
 *
 * Only for parameters of rank ≥ 2: `init`/`update` throw a DescentError naming the first 0-D/1-D
 * parameter. Route biases, gains, embeddings and heads to AdamW with `multiTransform`, as
 * Muon's authors recommend (`MuonWithAuxAdam`).
 */
export function muon(options: MuonOptions = {}): GradientTransformation<unknown[]> {
  const where = 'muon';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['learningRate', 'momentum', 'nesterov', 'nsSteps', 'weightDecay']);
  // Validated here under the names the user wrote (the blocks would report 'decay', not 'momentum').
  checkScalarOrSchedule(where, 'learningRate', options.learningRate ?? 0.02, { min: 0 });
  checkScalarOrSchedule(where, 'momentum', options.momentum ?? 0.95, { min: 0, lessThan: 1 });
  const nesterov = checkBoolean(where, 'nesterov', options.nesterov ?? true);
  checkScalarOrSchedule(where, 'nsSteps', options.nsSteps ?? 5, { min: 0, integer: true });
  checkScalarOrSchedule(where, 'weightDecay', options.weightDecay ?? 0, { min: 0 });
  const orthogonalize = orthogonalizeViaNewtonSchulz({ nsSteps: options.nsSteps ?? 5 }, where);
  const inner = chain(
    emaMomentum({ decay: options.momentum ?? 0.95, nesterov }),
    orthogonalize,
    addDecayedWeights(options.weightDecay ?? 0),
    scaleByLearningRate(options.learningRate ?? 0.02),
  );
  return {
    ...inner,
    // Reject 0-D/1-D parameters before the momentum buffers are allocated.
    init: (params) => (orthogonalize.init(params), inner.init(params)),
  };
}
