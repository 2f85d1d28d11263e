/**
 * `@descent/schedules`: learning-rate and batch-size schedules as plain functions `step ↦ value`
 * (the optax and torch catalogue, warmup–stable–decay, refined schedules from gradient norms) and
 * stateful controllers (reduce-on-plateau, AdAdaGrad's adaptive batch size). Only
 * {@link gradientStatistics} touches tensors.
 *
 * @packageDocumentation
 */
export { type Schedule } from './schedule.js';
export { type ConstantOptions, constant } from './constant.js';
export { type LinearOptions, linear } from './linear.js';
export { type PolynomialOptions, polynomial } from './polynomial.js';
export { type CosineDecayOptions, cosineDecay } from './cosine-decay.js';
export { type WarmupCosineDecayOptions, warmupCosineDecay } from './warmup-cosine-decay.js';
export { type WarmupConstantOptions, warmupConstant } from './warmup-constant.js';
export { type ExponentialDecayOptions, exponentialDecay } from './exponential-decay.js';
export { type WarmupExponentialDecayOptions, warmupExponentialDecay } from './warmup-exponential-decay.js';
export {
  type PiecewiseConstantOptions,
  type PiecewiseInterpolateOptions,
  piecewiseConstant,
  piecewiseInterpolate,
} from './piecewise.js';
export { type JoinOptions, join } from './join.js';
export { type OneCycleOptions, oneCycle } from './one-cycle.js';
export { type SgdrOptions, type SgdrCyclesOptions, sgdr } from './sgdr.js';
export { type CyclicOptions, cyclic } from './cyclic.js';
export { type WsdOptions, wsd } from './wsd.js';
export { type LinearDecayOptions, linearDecay } from './linear-decay.js';
export { type RefinedOptions, refined } from './refined.js';
export { type PlotScheduleOptions, plotSchedule } from './plot-schedule.js';
export { type Controller } from './controller.js';
export { type ReduceOnPlateau, type ReduceOnPlateauOptions, reduceOnPlateau } from './reduce-on-plateau.js';
export { type GradientStatistics, gradientStatistics } from './gradient-statistics.js';
export {
  type AdadagradBatchSize,
  type AdadagradBatchSizeOptions,
  type BatchSizeObservation,
  type BatchSizeTest,
  adadagradBatchSize,
} from './adadagrad-batch-size.js';
