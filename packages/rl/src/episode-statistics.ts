/**
 * Episode returns and lengths of a vector environment (Gymnasium's `RecordEpisodeStatistics`).
 *
 * @packageDocumentation
 */
import type { BoxSpace, Space, VectorEnv, VectorStepResult } from './env.js';

/** Finished episodes, in the order they finished. */
export interface EpisodeRecord {
  returns: number[];
  lengths: number[];
}

/**
 * Wraps a vector environment and accumulates, per sub-environment, the undiscounted return and the length of the
 * running episode; when it terminates or is truncated the pair is appended to the record. Wrap the RAW environment
 * (inside any reward normalisation) so that returns are in the task's units. `drain()` returns and clears the
 * episodes finished since the last call; `totalEpisodes` and `totalSteps` count over the wrapper's lifetime.
 */
export class EpisodeStatistics implements VectorEnv {
  readonly id: string;
  readonly numEnvs: number;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  readonly maxEpisodeSteps: number;
  readonly env: VectorEnv;
  totalEpisodes = 0;
  totalSteps = 0;
  private readonly runningReturns: Float64Array;
  private readonly runningLengths: Int32Array;
  private finished: EpisodeRecord = { returns: [], lengths: [] };

  constructor(env: VectorEnv) {
    this.env = env;
    this.id = env.id;
    this.numEnvs = env.numEnvs;
    this.observationSpace = env.observationSpace;
    this.actionSpace = env.actionSpace;
    this.maxEpisodeSteps = env.maxEpisodeSteps;
    this.runningReturns = new Float64Array(env.numEnvs);
    this.runningLengths = new Int32Array(env.numEnvs);
  }

  reset(seed?: number): Float32Array {
    this.runningReturns.fill(0);
    this.runningLengths.fill(0);
    return this.env.reset(seed);
  }

  step(actions: Int32Array | Float32Array): VectorStepResult {
    const r = this.env.step(actions);
    for (let i = 0; i < this.numEnvs; i++) {
      this.runningReturns[i] += r.rewards[i];
      this.runningLengths[i] += 1;
      if (r.terminated[i] || r.truncated[i]) {
        this.finished.returns.push(this.runningReturns[i]);
        this.finished.lengths.push(this.runningLengths[i]);
        this.totalEpisodes += 1;
        this.runningReturns[i] = 0;
        this.runningLengths[i] = 0;
      }
    }
    this.totalSteps += this.numEnvs;
    return r;
  }

  /** The episodes finished since the previous call (or construction), then forgets them. */
  drain(): EpisodeRecord {
    const out = this.finished;
    this.finished = { returns: [], lengths: [] };
    return out;
  }
}
