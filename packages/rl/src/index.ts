/**
 * `@descent/rl`: Gymnasium-shaped environments, policy-optimization methods (PPO, SAC, MDPO, N-PG-IGT, N-HARPG, LPO
 * drifts) and the GRPO family for language-model RL on tensors of log-probabilities.
 *
 * @packageDocumentation
 */
export {};
export { ReplayBuffer, type ReplayBufferOptions, type ReplayBatch } from './replay-buffer.js';
export type { Space, DiscreteSpace, BoxSpace, StepResult, Env, VectorEnv, VectorStepResult } from './env.js';
export { EpisodicEnv, type Transition, checkAction, actionIsValid, checkFiniteObservation, checkFiniteReward, uniformFloat64, boxSpace, discreteSpace } from './episodic-env.js';
export { CartPoleEnv, CARTPOLE } from './cartpole.js';
export { PendulumEnv, PENDULUM, angleNormalize } from './pendulum.js';
export { AcrobotEnv, ACROBOT, acrobotDerivatives, wrapAngle } from './acrobot.js';
export { MountainCarEnv, MOUNTAIN_CAR } from './mountain-car.js';
export { MountainCarContinuousEnv, MOUNTAIN_CAR_CONTINUOUS } from './mountain-car-continuous.js';
export { BanditEnv, type BanditOptions, DEFAULT_BANDIT_MEANS } from './bandit.js';
export { GridWorldEnv, type GridWorldOptions } from './gridworld.js';
export { SyncVectorEnv } from './vector-env.js';
export { makeEnv, makeSingleEnv, envIds, type EnvId, type MakeEnvOptions } from './make-env.js';
export { RunningMeanStd, type RunningMeanStdState, NormalizeObservation, type NormalizeObservationOptions } from './normalize-observation.js';
export { NormalizeReward, type NormalizeRewardOptions } from './normalize-reward.js';
export { EpisodeStatistics, type EpisodeRecord } from './episode-statistics.js';
export { type DenseLayer, type MlpParams, type Activation, type MlpInitOptions, orthogonalMatrix, initMlp, mlpForward, mlpSizes, ownedVariable } from './mlp.js';
export { type ValueNetworkOptions, initValueNetwork, valueForward, valuesHost } from './value-network.js';
export { type ObservationNormalization, type PolicySample, type TrainablePolicy, applyObservationNormalization } from './trainable-policy.js';
export { type CategoricalParams, type CategoricalDistribution, type CategoricalPolicyOptions, CategoricalPolicy } from './categorical-policy.js';
export { type GaussianParams, type GaussianDistribution, type GaussianPolicyOptions, GaussianPolicy } from './gaussian-policy.js';
export { type GsdeParams, type GsdePolicyOptions, GsdePolicy } from './gsde-policy.js';
export { POLICY_FORMAT_VERSION, type SavedTensor } from './policy-bytes.js';
export { loadPolicy } from './policy-io.js';
export { type GaeInputs, computeGae } from './gae.js';
export { minibatchIndices, gatherRows } from './minibatches.js';
export { type RolloutBufferOptions, type RolloutState, type CollectRolloutOptions, RolloutBuffer, startRollout, collectRollout } from './rollout-buffer.js';
export {
  type SacOptions,
  type SacCriticTargetInputs,
  sacDefaults,
  sacPresets,
  sacCriticTarget,
  sacCriticLoss,
  sacActorLoss,
  sacTemperatureLoss,
  trainSac,
  trainSacOn,
} from './sac.js';
export {
  type MdpoLossInputs,
  type MdpoLossOptions,
  type MdpoOnOptions,
  mdpoLoss,
  mdpoStepSize,
  diagonalGaussianKl,
  categoricalKl,
  mdpoOnDefaults,
  mdpoOnPresets,
  trainMdpoOn,
} from './mdpo-on.js';
// GRPO family (issue 7)
export { type AdvantageScale, type GroupAdvantagesOptions, groupAdvantages, groupsWithSignal, resolveGroupSizes } from './group-advantages.js';
export { klK3 } from './kl-estimators.js';
export { stopGradient } from './stop-gradient.js';
export { type PolicyLossType, type PolicyLossInput, type PolicyLossOutput, policyLoss, grpoLoss, policyLossTypes } from './policy-loss.js';
export { type OverlongPenaltyOptions, overlongPenalty, maskTruncatedCompletions } from './dapo-overlong.js';
export {
  type SampledGroup,
  type DynamicSamplingOptions,
  type DynamicSamplingResult,
  dynamicSampling,
  dynamicSamplingAsync,
} from './dynamic-sampling.js';
export {
  type ExtractedAnswer,
  type ConsistencyRewardOptions,
  type ConsistencyReward,
  type CopoAdvantagesOptions,
  type CopoAdvantages,
  type CopoBlendOptions,
  type CopoVariant,
  type LossAggregation,
  type CopoLossInput,
  type CopoLossOutput,
  consistencyReward,
  consistencyRewardDetails,
  copoAdvantages,
  copoBlendWeight,
  copoLoss,
  aggregateLoss,
} from './copo.js';
export { type GainRlSamplerOptions, angleConcentration, sortByAngle, GainRlSampler } from './gain-rl.js';
export { type KnapsackBudgetsOptions, knapsackValue, knapsackMarginalValue, knapsackBudgets, knapsackObjective } from './knapsack-budgets.js';
export { type SuccessRateTrackerOptions, SuccessRateTracker } from './success-rate-tracker.js';
export { type PpoLossInputs, type PpoLossOptions, type PpoLossTerms, type PpoOptions, type PolicyTerm, ppoLoss, ppoDefaults, ppoPresets, ppoOptionNames, trainPpo } from './ppo.js';
export { type EvaluateOptions, type EvaluateResult, evaluate } from './evaluate.js';
export { type LearningCurve, type LearningCurveMeta, LEARNING_CURVE_FORMAT, LEARNING_CURVE_VERSION, learningCurveJson, parseLearningCurve } from './learning-curve.js';
export { type Drift, type DpoDriftOptions, ppoDrift, dpoDrift, driftLoss, dpoDriftDefaults, dpoDriftPresets, trainDpoDrift } from './lpo.js';
export { type TaLpoOptions, type TaLpoResult, type TaLpoMetaRecord, taLpoDrift, taLpoDriftSize, taLpoDefaults, taLpoPresets, trainTaLpo } from './ta-lpo.js';
export { algorithmIds, train } from './train.js';
export { type AdditionProblem, type AdditionTask, type AdditionTaskOptions, additionTask, PLUS_TOKEN, EQUALS_TOKEN } from './addition-task.js';
export {
  type GruLayerParams,
  type GruPolicyParams,
  type GruPolicyOptions,
  type SampledCompletions,
  initGruPolicy,
  gruParameterCount,
  gruStep,
  completionLogProbs,
  sampleCompletions,
} from './gru-policy.js';
export {
  type SupervisedWarmupOptions,
  type GrpoSequenceOptions,
  type GrpoSequenceStep,
  type GrpoSequenceResult,
  evaluateAccuracy,
  supervisedWarmup,
  trainGrpoSequence,
} from './grpo-sequence-training.js';
export { type Trajectory, sampleTrajectories, gpomdpWeights, gpomdpSurrogate, gpomdpGradient, logLikelihoodFn, batchWeights, treeToFlat, flatToTree, assignFlat, flatNorm } from './gpomdp.js';
export { type PolicyGradientOptions, type PolicyGradientSetup, npgIgtDefaults, npgIgtPresets, momentumAt, stepSizeAt, igtExtrapolate, npgIgtStep, ascend, setupPolicyGradient, trainNpgIgt } from './npg-igt.js';
export { nHarpgDefaults, nHarpgPresets, harpgInterpolate, harpgDirection, trajectoryHessianVector, harpgCorrection, trainNHarpg } from './n-harpg.js';
export { presets, presetFor } from './presets.js';
export {
  type MdpoOffOptions,
  type MdpoOffActorLossInputs,
  mdpoOffActorLoss,
  mdpoOffDefaults,
  mdpoOffPresets,
  trainMdpoOff,
  trainMdpoOffOn,
} from './mdpo-off.js';
