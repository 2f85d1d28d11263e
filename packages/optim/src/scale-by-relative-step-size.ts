/**
 * `scaleByRelativeStepSize`: Adafactor's step size (relative to the parameter scale), first
 * moment and weight decay, as Hugging Face's `Adafactor`.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DescentError,
  type GradientTransformation,
  type Params,
  type ScalarOrSchedule,
  type Tree,
  checkBoolean,
  checkKnownOptions,
  checkScalarOrSchedule,
  invalidOption,
  treeFlatten,
  treeLeaves,
  treeMap,
  treeUnflatten,
} from '@descent/core';

/** Options of {@link scaleByRelativeStepSize}; names and defaults as HF `Adafactor` (camelCase). */
export interface ScaleByRelativeStepSizeOptions {
  /** ρ ≥ 0, the external learning rate: required when relativeStep is false, forbidden otherwise. */
  learningRate?: ScalarOrSchedule | null;
  /** ρ_t = min(warmupInit ? 1e-6·t : 1e-2, 1/√t) instead of learningRate. Default true. */
  relativeStep?: boolean;
  /** Linear warm-up of the relative step (needs relativeStep). Default false. */
  warmupInit?: boolean;
  /** Multiply the step by `max(eps2, RMS(θ))`. Default true. */
  scaleParameter?: boolean;
  /** ε₂ ≥ 0, the floor of the parameter scale (HF `eps[1]`). Default 1e-3. */
  eps2?: ScalarOrSchedule;
  /** β₁ ∈ [0, 1) of a first moment of the scaled updates; null/undefined: none. Default none. */
  b1?: ScalarOrSchedule | null;
  /** λ ≥ 0, weight decay scaled by the step size: `θ ← θ − λ α_t θ`. Default 0. */
  weightDecay?: ScalarOrSchedule;
}

/** State of {@link scaleByRelativeStepSize}: the step count and, with b1, the first moment. */
export interface ScaleByRelativeStepSizeState {
  count: number;
  momentum?: Params;
}

const rms = (x: tf.Tensor): tf.Tensor => tf.sqrt(tf.mean(tf.square(x)));

/**
 * The tail of Adafactor's step (Hugging Face `Adafactor.step` after the update clipping), with
 * `t` the 1-based step and `θ` the parameters BEFORE the step:
 *
 * $$\rho_t = \text{relativeStep}\ ?\ \min\big(\text{warmupInit}\ ?\ 10^{-6} t : 10^{-2},\ 1/\sqrt t\big) : \gamma_t,\qquad
 *   \alpha_t = \rho_t\cdot(\text{scaleParameter}\ ?\ \max(\varepsilon_2, \mathrm{RMS}(\theta)) : 1),$$
 * $$m_t = \beta_1 m_{t-1} + (1-\beta_1)\,\alpha_t u_t\ \ (\text{only with } \beta_1),\qquad
 *   \text{out} = -\big((\beta_1\ ?\ m_t : \alpha_t u_t) + \lambda\,\alpha_t\,\theta\big).$$
 *
 * RMS(θ) is per parameter (`‖θ‖₂/√numel`). The weight decay uses the same α_t (HF
 * `p.add_(p, alpha=−λ·lr)` with its `lr = _get_lr(...)`). Defaults (HF): relativeStep true,
 * warmupInit false, scaleParameter true, eps2 1e-3, no b1, weightDecay 0; learningRate must be
 * absent with relativeStep and present without it (HF raises for the first; the second would fail
 * in HF's arithmetic). Not elementwise (RMS reductions): tfjs ops.
 *
 * Reference: `huggingface/transformers`, `src/transformers/optimization.py`, class `Adafactor`
 * (`_get_lr`, `_rms`, `step`); Shazeer & Stern (2018), "Adafactor: Adaptive Learning Rates with
 * Sublinear Memory Cost", §8 (relative step size).
 *
 * @param where - the name error messages start with (aliases pass their own).
 */
export function scaleByRelativeStepSize(
  options: ScaleByRelativeStepSizeOptions = {},
  where = 'scaleByRelativeStepSize',
): GradientTransformation<ScaleByRelativeStepSizeState> {
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['learningRate', 'relativeStep', 'warmupInit', 'scaleParameter', 'eps2', 'b1', 'weightDecay']);
  const relativeStep = checkBoolean(where, 'relativeStep', options.relativeStep ?? true);
  const warmupInit = checkBoolean(where, 'warmupInit', options.warmupInit ?? false);
  const scaleParameter = checkBoolean(where, 'scaleParameter', options.scaleParameter ?? true);
  const hasLr = options.learningRate !== undefined && options.learningRate !== null;
  if (relativeStep && hasLr) {
    invalidOption(where, 'learningRate', options.learningRate, 'null/undefined when relativeStep is true (as HF Adafactor: manual lr and relative_step cannot be combined)');
  }
  if (!relativeStep && !hasLr) {
    invalidOption(where, 'learningRate', options.learningRate, 'a finite number >= 0 or a schedule when relativeStep is false');
  }
  if (warmupInit && !relativeStep) invalidOption(where, 'warmupInit', warmupInit, 'false when relativeStep is false (as HF Adafactor)');
  const lr = hasLr ? checkScalarOrSchedule(where, 'learningRate', options.learningRate, { min: 0 }) : undefined;
  const eps2 = checkScalarOrSchedule(where, 'eps2', options.eps2 ?? 1e-3, { min: 0 });
  const useMomentum = options.b1 !== undefined && options.b1 !== null;
  const b1 = useMomentum ? checkScalarOrSchedule(where, 'b1', options.b1, { min: 0, lessThan: 1 }) : undefined;
  const weightDecay = checkScalarOrSchedule(where, 'weightDecay', options.weightDecay ?? 0, { min: 0 });

  const stepSize = (count: number): number => {
    const t = count + 1;
    if (lr !== undefined) return lr(count);
    return Math.min(warmupInit ? 1e-6 * t : 1e-2, 1 / Math.sqrt(t));
  };

  return {
    init(params) {
      if (!useMomentum) return { count: 0 };
      return { count: 0, momentum: treeMap((p: tf.Tensor) => tf.zerosLike(p), params) as Params };
    },
    update(updates, state, params) {
      const rho = stepSize(state.count);
      const e2 = eps2(state.count);
      const beta = b1?.(state.count);
      const lambda = weightDecay(state.count);
      const needsParams = scaleParameter || lambda !== 0;
      if (needsParams && params === undefined) {
        throw new DescentError('invalid-option', `${where}: params are required (scaleParameter or weightDecay), got undefined`, {
          parameter: 'params',
          value: undefined,
        });
      }
      const { leaves: us, treedef } = treeFlatten(updates as Tree<tf.Tensor>);
      const ps = params === undefined ? [] : (treeLeaves(params) as tf.Tensor[]);
      if (params !== undefined && ps.length !== us.length) {
        throw new DescentError('structure-mismatch', `${where}: params must have the structure of updates (${us.length} leaves), got ${ps.length} leaves`, {
          parameter: 'params',
          value: ps.length,
        });
      }
      const ms = state.momentum === undefined ? [] : (treeLeaves(state.momentum) as tf.Tensor[]);
      const outs = us.map((u, i) =>
        tf.tidy(() => {
          const p = ps[i] as tf.Tensor;
          const alpha = scaleParameter ? tf.mul(rho, tf.maximum(e2, rms(p))) : tf.scalar(rho);
          let step = tf.mul(alpha, u);
          let m: tf.Tensor | undefined;
          if (beta !== undefined) {
            m = tf.add(tf.mul(beta, ms[i] as tf.Tensor), tf.mul(1 - beta, step));
            step = m;
          }
          if (lambda !== 0) step = tf.add(step, tf.mul(tf.mul(lambda, alpha), p));
          return { update: tf.neg(step), momentum: m };
        }),
      );
      const next: ScaleByRelativeStepSizeState = { count: state.count + 1 };
      if (useMomentum) next.momentum = treeUnflatten(treedef, outs.map((o) => o.momentum as tf.Tensor)) as Params;
      return { updates: treeUnflatten(treedef, outs.map((o) => o.update)) as Params, state: next };
    },
  };
}
