/**
 * Schedule-free SGD and AdamW (Defazio et al. 2024, "The Road Less Scheduled"), as the
 * reference implementations of `facebookresearch/schedule_free`, each one fused kernel per
 * parameter tensor.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DescentError,
  type ElementwiseState,
  type ElementwiseTransformation,
  type Params,
  type ScalarOrSchedule,
  assertSameStructure,
  checkKnownOptions,
  checkScalarOrSchedule,
  defineElementwiseRule,
  elementwiseTransformation,
  invalidOption,
  isPlainObject,
  treeMap,
} from '@descent/core';

// The params hold y; the state holds z (the base iterate) and x (the average). The rule returns
// update = y_new − y, so `applyUpdates` (or the in-place step) leaves y_new in the params.
// Complements (1 − β) are computed on the host in float64: 1 − fround(0.999) is off by 1.3e-5
// relative, which Adam's first steps (≈ g/sqrt((1 − β2) g²)) would carry into every update.
const sgdRule = defineElementwiseRule({
  name: 'scheduleFreeSgd',
  state: ['z', 'x'],
  scalars: ['lr', 'ckp1', 'oneMinusCkp1', 'beta', 'oneMinusBeta', 'weightDecay'],
  body: ({ grad, param, z, x }, { lr, ckp1, oneMinusCkp1, beta, oneMinusBeta, weightDecay }, op) => {
    const g = op.add(grad, op.mul(weightDecay, param)); // decay computed at y
    const zNew = op.sub(z, op.mul(lr, g));
    const xNew = op.add(op.mul(oneMinusCkp1, x), op.mul(ckp1, zNew));
    const yNew = op.add(op.mul(beta, xNew), op.mul(oneMinusBeta, zNew));
    return { z: zNew, x: xNew, update: op.sub(yNew, param) };
  },
});

const adamwRule = defineElementwiseRule({
  name: 'scheduleFreeAdamw',
  state: ['z', 'x', 'v'],
  scalars: ['lr', 'ckp1', 'oneMinusCkp1', 'beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'eps', 'weightDecay'],
  body: ({ grad, param, z, x, v }, { lr, ckp1, oneMinusCkp1, beta1, oneMinusBeta1, beta2, oneMinusBeta2, eps, weightDecay }, op) => {
    const vNew = op.add(op.mul(beta2, v), op.mul(oneMinusBeta2, op.square(grad)));
    // z ← z − γ λ y − γ g / (sqrt(v) + ε): eps on the UN-corrected v, sqrt(1 − β2^t) inside γ.
    const step = op.add(op.div(grad, op.add(op.sqrt(vNew), eps)), op.mul(weightDecay, param));
    const zNew = op.sub(z, op.mul(lr, step));
    const xNew = op.add(op.mul(oneMinusCkp1, x), op.mul(ckp1, zNew));
    const yNew = op.add(op.mul(beta1, xNew), op.mul(oneMinusBeta1, zNew));
    return { z: zNew, x: xNew, v: vNew, update: op.sub(yNew, param) };
  },
});

/**
 * The averaging weights, host-side: for the step with `count` steps already taken (k = count),
 * γ_k = stepSize(k), γ_max = max_{i≤k} γ_i, w_k = (k+1)^r γ_max^p, c = w_k / Σ_{i≤k} w_i (0 when
 * the sum is 0), as the references' `lr_max`, `weight_sum`, `ckp1`. The running sums are cached
 * (a schedule is a pure function of the step), so a step costs O(1); going back (a restored
 * checkpoint in a fresh transformation) recomputes them from step 0 once.
 */
function averagingWeights(stepSize: (k: number) => number, r: (k: number) => number, power: (k: number) => number) {
  let cached = { k: 0, lrMax: -1, weightSum: 0 };
  const advance = (s: typeof cached) => {
    const lrMax = Math.max(s.lrMax, stepSize(s.k));
    return { k: s.k + 1, lrMax, weightSum: s.weightSum + Math.pow(s.k + 1, r(s.k)) * Math.pow(lrMax, power(s.k)) };
  };
  return (count: number): { lr: number; ckp1: number; oneMinusCkp1: number } => {
    if (cached.k > count) cached = { k: 0, lrMax: -1, weightSum: 0 };
    while (cached.k < count) cached = advance(cached);
    const lr = stepSize(count);
    const lrMax = Math.max(cached.lrMax, lr);
    const weight = Math.pow(count + 1, r(count)) * Math.pow(lrMax, power(count));
    const weightSum = cached.weightSum + weight;
    const ckp1 = weightSum === 0 ? 0 : weight / weightSum;
    return { lr, ckp1, oneMinusCkp1: 1 - ckp1 };
  };
}

const warmupFactor = (k: number, warmupSteps: number): number => (k < warmupSteps ? (k + 1) / warmupSteps : 1);

/** Options shared by {@link scheduleFreeSgd} and {@link scheduleFreeAdamw}. */
interface ScheduleFreeCommonOptions {
  /** λ ≥ 0, decay computed at y and added to the gradient step of z. Default 0. */
  weightDecay?: ScalarOrSchedule;
  /** Linear warm-up of γ over this many steps, γ_t = γ·min(1, t/warmupSteps); an integer ≥ 0. Default 0. */
  warmupSteps?: ScalarOrSchedule;
  /** r ≥ 0, polynomial weighting `(t)^r` of the average. Default 0. */
  r?: ScalarOrSchedule;
  /** p ≥ 0, the averaging weights are `γ_max^p`. Default 2. */
  weightLrPower?: ScalarOrSchedule;
}

/** Options of {@link scheduleFreeSgd}; names and defaults as `SGDScheduleFreeReference` (camelCase). */
export interface ScheduleFreeSgdOptions extends ScheduleFreeCommonOptions {
  /** γ ≥ 0. Default 1.0. */
  learningRate?: ScalarOrSchedule;
  /** β ∈ [0, 1], the interpolation y = (1 − β) z + β x (0: Polyak–Ruppert averaging, 1: primal averaging). Default 0.9. */
  momentum?: ScalarOrSchedule;
}

/** Options of {@link scheduleFreeAdamw}; names and defaults as `AdamWScheduleFreeReference` (camelCase). */
export interface ScheduleFreeAdamwOptions extends ScheduleFreeCommonOptions {
  /** γ ≥ 0. Default 0.0025. */
  learningRate?: ScalarOrSchedule;
  /** β₁ ∈ [0, 1], the interpolation y = (1 − β₁) z + β₁ x. Default 0.9. */
  b1?: ScalarOrSchedule;
  /** β₂ ∈ [0, 1), decay of the second moment. Default 0.999. */
  b2?: ScalarOrSchedule;
  /** ε ≥ 0, added to sqrt(v). Default 1e-8. */
  eps?: ScalarOrSchedule;
}

/** State of the schedule-free transformations: z and x (and v for AdamW), each shaped like the params. */
export type ScheduleFreeState = ElementwiseState<'z' | 'x'> | ElementwiseState<'z' | 'x' | 'v'>;

function checkCommon(where: string, options: ScheduleFreeCommonOptions) {
  return {
    weightDecay: checkScalarOrSchedule(where, 'weightDecay', options.weightDecay ?? 0, { min: 0 }),
    warmupSteps: checkScalarOrSchedule(where, 'warmupSteps', options.warmupSteps ?? 0, { min: 0, integer: true }),
    r: checkScalarOrSchedule(where, 'r', options.r ?? 0, { min: 0 }),
    weightLrPower: checkScalarOrSchedule(where, 'weightLrPower', options.weightLrPower ?? 2, { min: 0 }),
  };
}

// z and x start at the parameters, as copies owning their storage (tf.clone would share the
// parameter's, and in-place steps write into state).
const initSlot = (slot: string, p: tf.Tensor): tf.Tensor => (slot === 'v' ? tf.zerosLike(p) : tf.tidy(() => tf.mul(p, 1)));

/**
 * Schedule-free SGD (Defazio et al. 2024, Alg. 1; `facebookresearch/schedule_free`,
 * `schedulefree/sgd_schedulefree_reference.py`, `SGDScheduleFreeReference.step`). The parameters
 * hold y, the gradient point; the state holds z and x, both starting at the parameters. With
 * `k` = steps already taken and `g` the gradient at y:
 *
 * $$\gamma_k = \gamma\cdot\min\big(1, (k+1)/T_{\text{warmup}}\big),\quad
 *   w_k = (k+1)^r\,(\max_{i\le k}\gamma_i)^{p},\quad c_{k+1} = \frac{w_k}{\sum_{i\le k} w_i},$$
 * $$z \leftarrow z - \gamma_k\,(g + \lambda y),\qquad x \leftarrow (1-c_{k+1})\,x + c_{k+1} z,\qquad
 *   y \leftarrow (1-\beta)\,z + \beta x.$$
 *
 * With p = 2, r = 0 and no warm-up, c_{k+1} = 1/(k+1): x is the running mean of the z iterates;
 * β = 0 makes y = z plain SGD and x its Polyak–Ruppert average. Evaluate at x with
 * {@link scheduleFreeEvalParams}. The update returned is `y_new − y`. Defaults: learningRate 1.0,
 * momentum 0.9, weightDecay 0, warmupSteps 0, r 0, weightLrPower 2 (the reference rejects
 * β ∉ (0, 1); descent allows [0, 1]). The averaging weights are host-side scalars; the rest is one
 * fused elementwise kernel per tensor, with the runner's in-place step.
 */
export function scheduleFreeSgd(options: ScheduleFreeSgdOptions = {}): ElementwiseTransformation<'z' | 'x'> {
  const where = 'scheduleFreeSgd';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['learningRate', 'momentum', 'weightDecay', 'warmupSteps', 'r', 'weightLrPower']);
  const lr = checkScalarOrSchedule(where, 'learningRate', options.learningRate ?? 1.0, { min: 0 });
  const beta = checkScalarOrSchedule(where, 'momentum', options.momentum ?? 0.9, { min: 0, max: 1 });
  const common = checkCommon(where, options);
  const weights = averagingWeights((k) => lr(k) * warmupFactor(k, common.warmupSteps(k)), common.r, common.weightLrPower);
  return elementwiseTransformation({
    rule: sgdRule,
    initSlot,
    scalars: (count) => {
      const b = beta(count);
      return { ...weights(count), beta: b, oneMinusBeta: 1 - b, weightDecay: common.weightDecay(count) };
    },
  });
}

/**
 * Schedule-free AdamW as in the paper (Defazio et al. 2024, Alg. 1 with an Adam preconditioner;
 * `facebookresearch/schedule_free`, `schedulefree/adamw_schedulefree_reference.py` and
 * `adamw_schedulefree_paper.py`, `step`). The parameters hold y; the state holds z, x (starting
 * at the parameters) and v (zeros). With `t = k + 1` the 1-based step and `g` the gradient at y:
 *
 * $$v \leftarrow \beta_2 v + (1-\beta_2)\,g^2,\qquad
 *   \gamma_t = \gamma\,\sqrt{1-\beta_2^{\,t}}\,\min(1, t/T_{\text{warmup}}),$$
 * $$z \leftarrow z - \gamma_t\Big(\frac{g}{\sqrt v + \varepsilon} + \lambda y\Big),\quad
 *   x \leftarrow (1-c_t)\,x + c_t z,\quad c_t = \frac{(t)^r\,\gamma_{\max,t}^{p}}{\sum_{i\le t} (i)^r\,\gamma_{\max,i}^{p}},\quad
 *   y \leftarrow (1-\beta_1)\,z + \beta_1 x.$$
 *
 * ε is added to the UN-corrected sqrt(v); the bias correction sits in γ_t and so also in the
 * averaging weights (with p = 2: c_t = γ_t²/Σγ_i²). Weight decay is computed at y. Defaults:
 * learningRate 0.0025, b1 0.9, b2 0.999, eps 1e-8, weightDecay 0, warmupSteps 0, r 0,
 * weightLrPower 2. (Spec B9 notes that later releases divide by sqrt(v/(1−β2^t)) + ε with γ_t
 * free of the bias correction; this follows the reference file and the paper.) One fused
 * elementwise kernel per tensor.
 */
export function scheduleFreeAdamw(options: ScheduleFreeAdamwOptions = {}): ElementwiseTransformation<'z' | 'x' | 'v'> {
  const where = 'scheduleFreeAdamw';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['learningRate', 'b1', 'b2', 'eps', 'weightDecay', 'warmupSteps', 'r', 'weightLrPower']);
  const lr = checkScalarOrSchedule(where, 'learningRate', options.learningRate ?? 0.0025, { min: 0 });
  const b1 = checkScalarOrSchedule(where, 'b1', options.b1 ?? 0.9, { min: 0, max: 1 });
  const b2 = checkScalarOrSchedule(where, 'b2', options.b2 ?? 0.999, { min: 0, lessThan: 1 });
  const eps = checkScalarOrSchedule(where, 'eps', options.eps ?? 1e-8, { min: 0 });
  const common = checkCommon(where, options);
  const stepSize = (k: number) => lr(k) * warmupFactor(k, common.warmupSteps(k)) * Math.sqrt(1 - Math.pow(b2(k), k + 1));
  const weights = averagingWeights(stepSize, common.r, common.weightLrPower);
  return elementwiseTransformation({
    rule: adamwRule,
    initSlot,
    scalars: (count) => {
      const [beta1, beta2] = [b1(count), b2(count)];
      return {
        ...weights(count),
        beta1,
        oneMinusBeta1: 1 - beta1,
        beta2,
        oneMinusBeta2: 1 - beta2,
        eps: eps(count),
        weightDecay: common.weightDecay(count),
      };
    },
  });
}

function findScheduleFreeState(state: unknown): ScheduleFreeState | undefined {
  if (isPlainObject(state) && typeof state.count === 'number' && isPlainObject(state.slots)) {
    const slots = state.slots as Record<string, unknown>;
    if (slots.x !== undefined && slots.z !== undefined) return state as unknown as ScheduleFreeState;
  }
  if (Array.isArray(state)) {
    for (const s of state) {
      const found = findScheduleFreeState(s);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * The parameters to evaluate a schedule-free model at: the average x (optax
 * `contrib.schedule_free_eval_params`; the references' `optimizer.eval()`). Takes the state of
 * {@link scheduleFreeSgd} / {@link scheduleFreeAdamw} (or of a `chain` containing one, e.g. an
 * `Optimizer`'s `currentState`) and the current parameters (y, checked for structure and shapes),
 * and returns NEW tensors that own their storage (later in-place steps do not change them);
 * dispose them when done. Training continues from the params (y) unchanged.
 */
export function scheduleFreeEvalParams(state: unknown, params: Params): Params {
  const where = 'scheduleFreeEvalParams';
  const sf = findScheduleFreeState(state);
  if (sf === undefined) {
    throw new DescentError('invalid-option', `${where}: state must be the state of scheduleFreeSgd/scheduleFreeAdamw (with slots z and x), got ${describe(state)}`, {
      parameter: 'state',
      value: state,
    });
  }
  const x = sf.slots.x as Params;
  assertSameStructure(params, x, { names: ['params', 'state.slots.x'], where });
  // tf.clone would share x's storage, which the runner's in-place step overwrites.
  return treeMap((t: tf.Tensor) => tf.tidy(() => tf.mul(t, 1)), x) as Params;
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (Array.isArray(v)) return 'an array without a schedule-free state';
  return typeof v === 'object' ? 'an object without slots z and x' : typeof v;
}
