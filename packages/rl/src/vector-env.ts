/**
 * `SyncVectorEnv`: several copies of an environment stepped in lock-step with same-step autoreset.
 *
 * @packageDocumentation
 */
import { DescentError, checkNumber, invalidOption } from '@descent/core';
import { EpisodicEnv, actionIsValid, checkAction } from './episodic-env.js';
import type { BoxSpace, Env, Space, VectorEnv, VectorStepResult } from './env.js';

/**
 * Steps `numEnvs` environments one after the other (Gymnasium's `SyncVectorEnv` with `autoreset_mode=SAME_STEP`):
 * when sub-environment i terminates or is truncated, its final observation goes to `finalObservations[i]` and it is
 * reset inside the same `step`, so `observations` row i is already the first observation of its next episode (the
 * flags and reward in row i belong to the finished episode). Observations are row-major [numEnvs × obsDim].
 *
 * Seeding follows Gymnasium: `reset(seed)` resets sub-environment i with `seed + i`; `reset()` without a seed
 * continues each sub-environment's own stream (makeEnv constructs sub-environment i with seed `seed + i`, so a fresh
 * vector environment is reproducible without a seeded reset). Autoresets never reseed.
 *
 * Bad input: a wrong action array length, a discrete action array that is not an Int32Array, stepping before
 * `reset()`, or an invalid action for a sub-environment (DescentError naming the row).
 */
export class SyncVectorEnv implements VectorEnv {
  readonly id: string;
  readonly numEnvs: number;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  readonly maxEpisodeSteps: number;
  /** The sub-environments (for inspection; step them only through this wrapper). */
  readonly envs: readonly Env[];
  private readonly obsDim: number;
  private readonly actDim: number;
  private started = false;

  /** `factories[i](i)` builds sub-environment i; all must share the id and spaces. */
  constructor(factories: readonly ((index: number) => Env)[]) {
    if (!Array.isArray(factories) || factories.length < 1) {
      invalidOption('SyncVectorEnv', 'factories', factories, 'a non-empty array of environment factories');
    }
    this.envs = factories.map((f, i) => f(i));
    const first = this.envs[0];
    for (const env of this.envs) {
      if (env.id !== first.id) invalidOption('SyncVectorEnv', 'factories', env.id, `environments of one id ('${first.id}')`);
    }
    this.id = first.id;
    this.numEnvs = this.envs.length;
    this.observationSpace = first.observationSpace;
    this.actionSpace = first.actionSpace;
    this.maxEpisodeSteps = first.maxEpisodeSteps;
    this.obsDim = first.observationSpace.shape.reduce((a, b) => a * b, 1);
    this.actDim = first.actionSpace.kind === 'box' ? first.actionSpace.shape.reduce((a, b) => a * b, 1) : 1;
  }

  reset(seed?: number): Float32Array {
    if (seed !== undefined) checkNumber(`${this.id} VectorEnv.reset`, 'seed', seed, { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER - this.numEnvs });
    const out = new Float32Array(this.numEnvs * this.obsDim);
    for (let i = 0; i < this.numEnvs; i++) {
      out.set(this.envs[i].reset(seed === undefined ? undefined : seed + i), i * this.obsDim);
    }
    this.started = true;
    return out;
  }

  step(actions: Int32Array | Float32Array): VectorStepResult {
    const where = this.id + ' VectorEnv.step';
    if (!this.started) {
      throw new DescentError('invalid-option', `${where}: call reset() before step()`, { parameter: 'actions', value: actions });
    }
    const discrete = this.actionSpace.kind === 'discrete';
    if (discrete ? !(actions instanceof Int32Array) : !(actions instanceof Float32Array)) {
      invalidOption(where, 'actions', actions, discrete ? 'an Int32Array [numEnvs]' : 'a Float32Array [numEnvs × actionDim]');
    }
    if (actions.length !== this.numEnvs * this.actDim) {
      invalidOption(where, 'actions.length', actions.length, `${this.numEnvs * this.actDim} (numEnvs × actionDim)`);
    }
    const n = this.numEnvs;
    // Validate every row before stepping any sub-environment, so a bad action leaves all of them untouched.
    const rows: (number | Float32Array)[] = new Array<number | Float32Array>(n);
    for (let i = 0; i < n; i++) {
      const action = discrete ? actions[i] : (actions as Float32Array).subarray(i * this.actDim, (i + 1) * this.actDim);
      if (!actionIsValid(this.actionSpace, action)) checkAction(`${where} (sub-environment ${i})`, this.actionSpace, action);
      rows[i] = action;
    }
    const observations = new Float32Array(n * this.obsDim);
    const rewards = new Float32Array(n);
    const terminated = new Uint8Array(n);
    const truncated = new Uint8Array(n);
    const finalObservations: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(n);
    for (let i = 0; i < n; i++) {
      const env = this.envs[i];
      // Built-in environments skip the per-row check already done above.
      const r = env instanceof EpisodicEnv ? env.stepPrevalidated(rows[i]) : env.step(rows[i]);
      rewards[i] = r.reward;
      terminated[i] = r.terminated ? 1 : 0;
      truncated[i] = r.truncated ? 1 : 0;
      if (r.terminated || r.truncated) {
        finalObservations[i] = r.observation;
        observations.set(env.reset(), i * this.obsDim);
      } else {
        finalObservations[i] = undefined;
        observations.set(r.observation, i * this.obsDim);
      }
    }
    return { observations, rewards, terminated, truncated, finalObservations };
  }
}
