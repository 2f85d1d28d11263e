/**
 * `ReplayBuffer`: the fixed-capacity ring buffer of transitions that off-policy methods (SAC, off-policy MDPO) sample
 * minibatches from.
 *
 * @packageDocumentation
 */
import { type Key, checkNumber, invalidOption, randomBits } from '@descent/core';

/** Options of {@link ReplayBuffer}. */
export interface ReplayBufferOptions {
  /** Maximum number of transitions kept; the oldest are overwritten first. SB3 default 1e6. */
  capacity: number;
  /** Length of one observation row. */
  observationDim: number;
  /** Length of one action row (continuous action dimension; 1 for a discrete action stored as a number). */
  actionDim: number;
}

/** A sampled minibatch, row-major: `observations` and `nextObservations` are [batch × observationDim]. */
export interface ReplayBatch {
  observations: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
  nextObservations: Float32Array;
  /** 1 where the transition ended the episode by termination (no bootstrap), 0 otherwise (also for truncation). */
  dones: Float32Array;
  /** The buffer rows that were drawn. */
  indices: Int32Array;
}

/**
 * A ring buffer of transitions (s, a, r, s', d) over Float32Arrays (no tensors: sampling is index arithmetic on the host,
 * and the caller turns a batch into tensors once per gradient step).
 *
 * `d` is the *termination* flag only. A truncated episode (time limit) is stored with its real final observation as s'
 * and `d = 0`, so the critic bootstraps through the time limit — SB3's `handle_timeout_termination=True` semantics
 * (`stable_baselines3/common/buffers.py`, `ReplayBuffer.add`: `done * (1 - timeout)`), and CleanRL's use of
 * `infos["final_observation"]` for truncated sub-environments.
 *
 * Sampling draws `batchSize` rows uniformly *with replacement* from the filled part (SB3's `ReplayBuffer.sample`:
 * `np.random.randint(0, upper_bound, size=batch_size)`), from the key's random words: row = ⌊w · size / 2³²⌋ for a
 * 32-bit word w, whose bias, at most size/2³², is below 2.4·10⁻⁴ for a buffer of 10⁶.
 */
export class ReplayBuffer {
  readonly capacity: number;
  readonly observationDim: number;
  readonly actionDim: number;
  private readonly obs: Float32Array;
  private readonly act: Float32Array;
  private readonly rew: Float32Array;
  private readonly nextObs: Float32Array;
  private readonly done: Float32Array;
  private position = 0;
  private filled = 0;

  constructor(options: ReplayBufferOptions) {
    const where = 'ReplayBuffer';
    this.capacity = checkNumber(where, 'capacity', options.capacity, { integer: true, min: 1 });
    this.observationDim = checkNumber(where, 'observationDim', options.observationDim, { integer: true, min: 1 });
    this.actionDim = checkNumber(where, 'actionDim', options.actionDim, { integer: true, min: 1 });
    this.obs = new Float32Array(this.capacity * this.observationDim);
    this.nextObs = new Float32Array(this.capacity * this.observationDim);
    this.act = new Float32Array(this.capacity * this.actionDim);
    this.rew = new Float32Array(this.capacity);
    this.done = new Float32Array(this.capacity);
  }

  /** Number of transitions stored (≤ capacity). */
  get size(): number {
    return this.filled;
  }

  /**
   * Adds `n` transitions given row-major (n = rewards.length; one row per sub-environment of a vector env).
   * `terminated[i]` ≠ 0 marks a terminal transition; `nextObservations` must hold the *final* observation for
   * sub-environments that finished (the vector env's `finalObservations`), not the autoreset one.
   *
   * @throws DescentError when the lengths disagree or a value is not finite (NaN never enters the buffer).
   */
  add(
    observations: Float32Array,
    actions: Float32Array,
    rewards: Float32Array,
    nextObservations: Float32Array,
    terminated: ArrayLike<number>,
  ): void {
    const where = 'ReplayBuffer.add';
    const n = rewards.length;
    const od = this.observationDim;
    const ad = this.actionDim;
    const expect = (name: string, arr: ArrayLike<number>, len: number): void => {
      if (arr.length !== len) invalidOption(where, `${name}.length`, arr.length, `${len} (${n} rows)`);
      for (let i = 0; i < len; i++) {
        if (!Number.isFinite(arr[i])) invalidOption(where, `${name}[${i}]`, arr[i], 'a finite number');
      }
    };
    expect('observations', observations, n * od);
    expect('actions', actions, n * ad);
    expect('rewards', rewards, n);
    expect('nextObservations', nextObservations, n * od);
    expect('terminated', terminated, n);
    for (let i = 0; i < n; i++) {
      const p = this.position;
      this.obs.set(observations.subarray(i * od, (i + 1) * od), p * od);
      this.nextObs.set(nextObservations.subarray(i * od, (i + 1) * od), p * od);
      this.act.set(actions.subarray(i * ad, (i + 1) * ad), p * ad);
      this.rew[p] = rewards[i] as number;
      this.done[p] = terminated[i] ? 1 : 0;
      this.position = (p + 1) % this.capacity;
      this.filled = Math.min(this.filled + 1, this.capacity);
    }
  }

  /**
   * `batchSize` transitions drawn uniformly with replacement from the stored ones, a pure function of the key and the
   * buffer's content.
   *
   * @throws DescentError when the buffer is empty or `batchSize` is not a positive integer.
   */
  sample(k: Key, batchSize: number): ReplayBatch {
    const where = 'ReplayBuffer.sample';
    checkNumber(where, 'batchSize', batchSize, { integer: true, min: 1 });
    if (this.filled === 0) invalidOption(where, 'size', 0, 'at least 1 stored transition before sampling');
    const words = randomBits(k, batchSize);
    const indices = new Int32Array(batchSize);
    for (let i = 0; i < batchSize; i++) indices[i] = Math.floor(((words[i] as number) * this.filled) / 4294967296);
    return this.gather(indices);
  }

  /** The transitions at the given rows (each in [0, size)). */
  gather(indices: Int32Array): ReplayBatch {
    const od = this.observationDim;
    const ad = this.actionDim;
    const b = indices.length;
    const batch: ReplayBatch = {
      observations: new Float32Array(b * od),
      actions: new Float32Array(b * ad),
      rewards: new Float32Array(b),
      nextObservations: new Float32Array(b * od),
      dones: new Float32Array(b),
      indices,
    };
    for (let i = 0; i < b; i++) {
      const r = indices[i] as number;
      if (!(r >= 0 && r < this.filled)) invalidOption('ReplayBuffer.gather', `indices[${i}]`, r, `an integer in [0, ${this.filled})`);
      batch.observations.set(this.obs.subarray(r * od, (r + 1) * od), i * od);
      batch.nextObservations.set(this.nextObs.subarray(r * od, (r + 1) * od), i * od);
      batch.actions.set(this.act.subarray(r * ad, (r + 1) * ad), i * ad);
      batch.rewards[i] = this.rew[r] as number;
      batch.dones[i] = this.done[r] as number;
    }
    return batch;
  }
}
