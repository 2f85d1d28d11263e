/**
 * Gymnasium-shaped environment interfaces shared by every environment and algorithm of `@descent/rl`
 * (DESIGN.md §6). Environments are plain TypeScript over Float32Arrays: stepping physics needs no tensors.
 *
 * @packageDocumentation
 */

/** A discrete action space {0, …, n − 1} (Gymnasium `Discrete(n)`). */
export interface DiscreteSpace {
  kind: 'discrete';
  n: number;
}

/** A box space with per-dimension bounds (Gymnasium `Box(low, high, shape)`); ±Infinity means unbounded. */
export interface BoxSpace {
  kind: 'box';
  shape: number[];
  low: Float32Array;
  high: Float32Array;
}

/** Either space. */
export type Space = DiscreteSpace | BoxSpace;

/** The result of one step of a single environment (Gymnasium's 5-tuple without `info`'s free-form dict). */
export interface StepResult {
  observation: Float32Array;
  reward: number;
  terminated: boolean;
  truncated: boolean;
}

/** One environment: `reset(seed)` then `step(action)` until terminated or truncated. */
export interface Env {
  readonly id: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  /** Maximum episode length before truncation (Gymnasium's TimeLimit), or Infinity. */
  readonly maxEpisodeSteps: number;
  reset(seed?: number): Float32Array;
  /** A discrete action is an integer; a continuous action is a Float32Array of the action shape. */
  step(action: number | Float32Array): StepResult;
}

/**
 * `numEnvs` copies stepped together with autoreset (Gymnasium's `SyncVectorEnv`, next-step autoreset disabled:
 * a finished sub-environment is reset inside `step`, and `finalObservation` holds its last observation so that
 * truncated episodes can be bootstrapped).
 */
export interface VectorEnv {
  readonly id: string;
  readonly numEnvs: number;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  readonly maxEpisodeSteps: number;
  /** Observations [numEnvs × obsDim], row-major. */
  reset(seed?: number): Float32Array;
  /** Actions: Int32Array [numEnvs] for discrete spaces, Float32Array [numEnvs × actDim] for boxes. */
  step(actions: Int32Array | Float32Array): VectorStepResult;
}

/** The batched step result; rows are sub-environments. */
export interface VectorStepResult {
  observations: Float32Array;
  rewards: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** For sub-environments that finished this step: their final observation (before autoreset); else undefined. */
  finalObservations: (Float32Array | undefined)[];
}
