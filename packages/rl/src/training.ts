/**
 * Shapes shared by every trainer of `@descent/rl`: the common config, the per-iteration statistics (the learning-curve
 * record the docs site plots) and the result.
 *
 * @packageDocumentation
 */
import type { Policy } from './policy.js';

/** The algorithm ids {@link train} accepts. */
export type AlgorithmId = 'ppo' | 'sac' | 'mdpo-on' | 'mdpo-off' | 'npg-igt' | 'n-harpg' | 'dpo-drift' | 'ta-lpo';

/**
 * Config common to every algorithm. Anything else is an algorithm-specific override of the per-environment preset
 * (learning rate, network sizes, …); unknown keys are rejected with a DescentError listing the valid ones.
 */
export interface TrainConfig {
  env: string;
  seed: number;
  totalSteps: number;
  [override: string]: unknown;
}

/** One learning-curve record (one iteration of the algorithm). Fields an algorithm does not have are omitted. */
export interface IterationStats {
  iteration: number;
  /** Environment steps so far (summed over sub-environments). */
  steps: number;
  /** Mean return of the episodes finished during this iteration (NaN when none finished). */
  meanReturn: number;
  episodes: number;
  wallTimeMs: number;
  policyLoss?: number;
  valueLoss?: number;
  entropy?: number;
  /** Approximate KL(π_old ‖ π) of the update. */
  kl?: number;
  clipFraction?: number;
  [extra: string]: number | undefined;
}

/** Callbacks a trainer calls; `onIteration` may return `false` to stop early. */
export interface TrainCallbacks {
  onIteration?(stats: IterationStats): void | boolean;
}

/** What every trainer resolves to. */
export interface TrainResult {
  policy: Policy;
  history: IterationStats[];
}

/** Every algorithm module exports a trainer with this signature; {@link train} dispatches on the id. */
export type Trainer = (config: TrainConfig, callbacks?: TrainCallbacks) => Promise<TrainResult>;
