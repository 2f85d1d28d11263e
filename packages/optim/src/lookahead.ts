/**
 * `lookahead`: k fast steps forward, one step back towards slow weights (Zhang et al. 2019;
 * optax `lookahead`).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DescentError,
  type GradientTransformation,
  type Params,
  type ScalarOrSchedule,
  applyRuleLeafwise,
  checkBoolean,
  checkKnownOptions,
  checkScalarOrSchedule,
  treeMap,
  defineElementwiseRule,
} from '@descent/core';
import { checkInnerTransformation, checkOptionsObject } from './inner-transformation.js';

// The synchronisation step, merged into one update as optax does (`_lookahead_update`):
// d = (θ + u) − φ, φ' = φ + α d, and the fast update u − (1 − α) d lands θ on φ'.
const syncRule = defineElementwiseRule({
  name: 'lookahead.sync',
  state: ['slow'],
  scalars: ['alpha'],
  body: ({ grad, param, slow }, { alpha }, op) => {
    const d = op.sub(op.add(param, grad), slow);
    return { slow: op.add(slow, op.mul(alpha, d)), update: op.sub(grad, op.mul(op.sub(1, alpha), d)) };
  },
});

/** Options of {@link lookahead}. */
export interface LookaheadOptions {
  /** k ≥ 1, fast steps between synchronisations (an integer or a schedule of the step count). Default 5. */
  syncPeriod?: ScalarOrSchedule;
  /** α ∈ [0, 1], the slow weights' step towards the fast ones. Default 0.5. */
  slowStepSize?: ScalarOrSchedule;
  /** Re-initialise the fast optimizer's state after each synchronisation (optax `reset_state`). Default false. */
  resetState?: boolean;
}

/** State of {@link lookahead}. */
export interface LookaheadState<S = unknown> {
  /** The fast optimizer's state. */
  fast: S;
  /** The slow weights φ, shaped like the params: use these for evaluation and inference. */
  slow: Params;
  /** Fast steps since the last synchronisation (0 … k − 1). */
  stepsSinceSync: number;
  /** Fast steps taken so far (the step at which schedules are evaluated). */
  count: number;
}

/**
 * Lookahead (Zhang, Lucas, Hinton & Ba 2019, "Lookahead Optimizer: k steps forward, 1 step
 * back", Algorithm 1): the wrapped (fast) optimizer updates the params θ; every k-th step the
 * slow weights φ move towards them and θ is reset to φ:
 *
 * $$\theta \leftarrow \theta + u_t\ \ (\text{every step}),\qquad
 *   \text{every } k\text{-th step: } \phi \leftarrow \phi + \alpha(\theta - \phi),\ \ \theta \leftarrow \phi.$$
 *
 * Convention: optax's merged form (`optax/_src/lookahead.py`, `_lookahead_update`) with one
 * difference in where φ lives. optax keeps φ in the *params* (`LookaheadParams{fast, slow}`) and
 * returns updates for both; here the params are the fast weights θ alone (so the wrapper works
 * with the `Optimizer` runner and any params tree) and φ lives in the state, `state.slow`
 * (initialised to a copy of θ, as optax's `init_synced`). On a synchronisation step, with the fast
 * update `u` and `d = θ + u − φ`, the returned update is `u − (1 − α) d` (so `θ + update = φ'`)
 * and `φ' = φ + α d`; on other steps the update is `u` and φ is unchanged. Gradients are taken at
 * the fast weights θ, as in the paper and optax. Params are required.
 *
 * Defaults: syncPeriod 5, slowStepSize 0.5 (the paper's k = 5, α = 0.5; optax has no defaults),
 * resetState false.
 */
export function lookahead<S>(fast: GradientTransformation<S>, options: LookaheadOptions = {}): GradientTransformation<LookaheadState<S>> {
  const where = 'lookahead';
  const transform = checkInnerTransformation(where, 'fast', fast) as GradientTransformation<S>;
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['syncPeriod', 'slowStepSize', 'resetState']);
  const syncPeriod = checkScalarOrSchedule(where, 'syncPeriod', options.syncPeriod ?? 5, { min: 1, integer: true });
  const alpha = checkScalarOrSchedule(where, 'slowStepSize', options.slowStepSize ?? 0.5, { min: 0, max: 1 });
  const resetState = checkBoolean(where, 'resetState', options.resetState ?? false);

  return {
    init: (params) => ({
      fast: transform.init(params),
      // A copy that owns its storage (x · 1 is exact for every float32, −0 and NaN included).
      slow: treeMap((p: tf.Tensor) => tf.mul(p, tf.scalar(1, p.dtype)), params) as Params,
      stepsSinceSync: 0,
      count: 0,
    }),
    update(updates, state, params) {
      if (params === undefined) {
        throw new DescentError('invalid-option', `${where}: params are required (the fast weights), got undefined`, {
          parameter: 'params',
          value: undefined,
        });
      }
      const k = syncPeriod(state.count);
      const a = alpha(state.count);
      const out = transform.update(updates, state.fast, params);
      if (state.stepsSinceSync + 1 < k) {
        return {
          updates: out.updates,
          state: { fast: out.state, slow: state.slow, stepsSinceSync: state.stepsSinceSync + 1, count: state.count + 1 },
        };
      }
      const synced = applyRuleLeafwise(syncRule, out.updates, params, { slow: state.slow }, { alpha: a });
      return {
        updates: synced.updates,
        state: {
          fast: resetState ? transform.init(params) : out.state,
          slow: synced.slots.slow as Params,
          stepsSinceSync: 0,
          count: state.count + 1,
        },
      };
    },
  };
}
