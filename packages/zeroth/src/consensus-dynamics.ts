/**
 * The particle machinery shared by the consensus-based strategies (`cbo`, `polarCbo`, `cbs`):
 * state, random particle batches, α schedules, per-run bookkeeping of the best point, and the
 * ask/tell plumbing. Not exported from the package index; the strategies re-export its types.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DescentError,
  type Key,
  checkKnownOptions,
  checkNumber,
  checkOneOf,
  foldIn,
  invalidOption,
  normal,
  normalValues,
  permutation,
  split,
} from '@descent/core';
import type { InitSpec, StrategyInitOptions } from './strategy.js';
import { initPopulation } from './init-population.js';
import { consensusPoint } from './consensus.js';

/**
 * How α changes after every step (applied after the step, as CBXpy's scheduler):
 * `'constant'`; `{ multiply, max }`: α ← min(multiply·α, max) (CBXpy `scheduler.multiply`; CBXpy's
 * `optimize()` applies `multiply(factor=1.05, maximum=1e5)` unless `sched=None`);
 * `'ess'`: α solved per run by bisection on [1e-5, 1e5] so that the effective sample size
 * `J_eff(α) = (Σ w)² / Σ w² = η N` with η = 0.5 (CBXpy `scheduler.effective_sample_size`).
 */
export type AlphaSchedule = 'constant' | { multiply: number; max: number } | 'ess';

/**
 * The state of a consensus-based strategy. A value: `ask`/`tell` return new states and never
 * dispose the tensors of the state they are given; every tensor of a state returned by `tell` is
 * new, so a driver disposes a state's tensors once it holds the next one (`minimize` does).
 */
export interface ConsensusState {
  /** Particles `[M, N, d]` (M runs, N particles, d dimensions). */
  readonly x: tf.Tensor3D;
  /** α per run `[M]`, as used by the next `tell`. */
  readonly alpha: tf.Tensor1D;
  /** Best evaluated point per run `[M, d]` (CBXpy's `best_particle`: the best of all evaluated positions). */
  readonly bestX: tf.Tensor2D;
  /** Its fitness `[M]` (+∞ before the first `tell`). */
  readonly bestFitness: tf.Tensor1D;
  /** The consensus point of the last `tell`, `[M, d]`; null before the first `tell`. */
  readonly consensus: tf.Tensor2D | null;
  /**
   * The key of the dynamics (the second half of `split(init key)`). The Gaussian draw of the
   * `t`-th `tell` (t = 0, 1, …) is `normal(foldIn(foldIn(key, 0), t), shape)`; the particle batch
   * permutations of the `r`-th refill for run `m` use `foldIn(foldIn(foldIn(key, 1), r), m)`.
   */
  readonly key: Key;
  /** Completed `tell`s. */
  readonly step: number;
  /** Objective evaluations per run so far (batch size per `tell`). */
  readonly evaluations: number;
  /** Random-batch bookkeeping (host side); null when every particle is used each step. */
  readonly batch: BatchState | null;
  /** Host copies of `bestX`/`bestFitness`/`consensus` written by `tellAsync` (so `best` needs no synchronous read-back). */
  readonly host?: { bestX: number[][]; bestFitness: number[]; consensus: number[][] | null };
}

/** Random particle batches (Carrillo, Jin, Li & Zhu 2021, as CBXpy `init_batch_idx` with `var='resample'`, `partial=True`). */
export interface BatchState {
  /** Per run: the current permutation of 0…N−1 and the position of its next unused entry. */
  readonly orders: readonly Int32Array[];
  readonly position: number;
  readonly refills: number;
  /** The batch `ask` handed out, per run (`[M][B]`), or null before the first `ask`. */
  readonly current: readonly Int32Array[] | null;
}

/** Validated hyper-parameters of a consensus dynamic. */
export interface ConsensusConfig {
  readonly name: string;
  readonly alpha: number;
  readonly schedule: { kind: 'constant' } | { kind: 'multiply'; factor: number; max: number } | { kind: 'ess' };
  readonly batchSize: number | undefined;
  readonly init: InitSpec;
}

/** CBXpy's default initial particles: U(−1, 1)^d (`init_particles(x_min=-1, x_max=1)`). */
export const CBXPY_DEFAULT_INIT: InitSpec = { uniform: { low: -1, high: 1 } };

/** CBXpy post-processing: NaN positions become 1e8 and all coordinates are clipped to ±1e8 (`post_process_default`). */
const MAX_THRESH = 1e8;

/** Bisection of CBXpy's effective-sample-size scheduler: α ∈ [1e-5, 1e5], 16 halvings, tolerance 1e-2, η = 0.5. */
const ESS = { eta: 0.5, min: 1e-5, max: 1e5, iterations: 16, tolerance: 1e-2 };

export function checkAlphaSchedule(name: string, value: unknown): ConsensusConfig['schedule'] {
  if (value === undefined || value === 'constant') return { kind: 'constant' };
  if (value === 'ess') return { kind: 'ess' };
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    checkKnownOptions(`${name}: alphaSchedule`, value, ['multiply', 'max']);
    const v = value as { multiply?: unknown; max?: unknown };
    const factor = checkNumber(name, 'alphaSchedule.multiply', v.multiply, { greaterThan: 0 });
    const max = checkNumber(name, 'alphaSchedule.max', v.max, { min: 0 });
    return { kind: 'multiply', factor, max };
  }
  return invalidOption(name, 'alphaSchedule', value, "'constant', 'ess' or { multiply: number; max: number }");
}

export function checkNoise(name: string, value: unknown): 'isotropic' | 'anisotropic' {
  return checkOneOf(name, 'noise', value ?? 'isotropic', ['isotropic', 'anisotropic'] as const);
}

function checkInitOptions(name: string, o: StrategyInitOptions): { runs: number; popSize: number; dim: number } {
  if (o === null || typeof o !== 'object') invalidOption(`${name}.init`, 'options', o, 'an object { dim, popSize, runs?, key, init? }');
  checkKnownOptions(`${name}.init`, o, ['dim', 'popSize', 'runs', 'key', 'init']);
  const dim = checkNumber(`${name}.init`, 'dim', o.dim, { integer: true, min: 1 });
  const popSize = checkNumber(`${name}.init`, 'popSize', o.popSize, { integer: true, min: 2 });
  const runs = checkNumber(`${name}.init`, 'runs', o.runs ?? 1, { integer: true, min: 1 });
  return { runs, popSize, dim };
}

/** The initial state: particles from `init` (default U(−1, 1)^d as CBXpy), α = α₀ in every run. */
export function initConsensusState(config: ConsensusConfig, o: StrategyInitOptions): ConsensusState {
  const { runs, popSize, dim } = checkInitOptions(config.name, o);
  if (config.batchSize !== undefined && config.batchSize > popSize) {
    invalidOption(config.name, 'batchSize', config.batchSize, `an integer in [1, popSize = ${popSize}]`);
  }
  const [initKey, dynKey] = split(o.key);
  const drawn = initPopulation(o.init, initKey, [runs, popSize, dim], config.init, `${config.name}.init`);
  const x = tf.tidy(() => postProcess(drawn)) as tf.Tensor3D;
  drawn.dispose();
  const batched = config.batchSize !== undefined && config.batchSize < popSize;
  return {
    x,
    alpha: tf.fill([runs], config.alpha) as tf.Tensor1D,
    bestX: tf.tidy(() => tf.reshape(tf.slice(x, [0, 0, 0], [runs, 1, dim]), [runs, dim]) as tf.Tensor2D),
    bestFitness: tf.fill([runs], Infinity) as tf.Tensor1D,
    consensus: null,
    key: dynKey,
    step: 0,
    evaluations: 0,
    batch: batched ? { orders: [], position: popSize, refills: 0, current: null } : null,
  };
}

/** `ask`: the particles to evaluate, `[M, N, d]`, or `[M, B, d]` (the random batch) when batched. */
export function askConsensus(s: ConsensusState, batchSize: number | undefined): { population: tf.Tensor; state: ConsensusState } {
  if (s.batch === null || batchSize === undefined) return { population: tf.clone(s.x), state: s };
  const [runs, n] = s.x.shape;
  let { orders, position, refills } = s.batch;
  if (n - position < batchSize) {
    // CBXpy 'resample': an exhausted permutation is replaced by a fresh one.
    const refillKey = foldIn(foldIn(s.key, 1), refills);
    orders = Array.from({ length: runs }, (_, m) => permutation(foldIn(refillKey, m), n));
    position = 0;
    refills += 1;
  }
  const current = orders.map((order) => order.slice(position, position + batchSize));
  const population = gatherBatch(s.x, current);
  return { population, state: { ...s, batch: { orders, position: position + batchSize, refills, current } } };
}

function batchIndices(current: readonly Int32Array[]): tf.Tensor {
  const b = current[0].length;
  const idx = new Int32Array(current.length * b * 2);
  current.forEach((rows, m) => {
    for (let j = 0; j < b; j++) {
      idx[2 * (m * b + j)] = m;
      idx[2 * (m * b + j) + 1] = rows[j];
    }
  });
  return tf.tensor3d(idx, [current.length, b, 2], 'int32');
}

function gatherBatch(x: tf.Tensor, current: readonly Int32Array[]): tf.Tensor {
  return tf.tidy(() => tf.gatherND(x, batchIndices(current)));
}

/**
 * Checks `tell`'s arguments against the state: the population must be the one `ask` returned
 * (shape `[M, B, d]`) and the fitness `[M, B]`.
 */
export function checkTell(name: string, s: ConsensusState, population: tf.Tensor, fitness: tf.Tensor): [number, number, number] {
  const [runs, n, dim] = s.x.shape;
  const b = s.batch?.current?.[0].length ?? n;
  if (s.batch !== null && s.batch.current === null) {
    throw new DescentError('invalid-option', `${name}.tell: call ask before tell (the particle batch is chosen by ask)`, { parameter: 'state' });
  }
  const want = [runs, b, dim];
  if (!(population instanceof tf.Tensor) || population.rank !== 3 || population.shape.some((v, i) => v !== want[i])) {
    throw new DescentError('structure-mismatch', `${name}.tell: population must have shape [${want.join(',')}] as returned by ask, got ${describeShape(population)}`, {
      parameter: 'population',
      value: population instanceof tf.Tensor ? population.shape : population,
    });
  }
  if (!(fitness instanceof tf.Tensor) || fitness.rank !== 2 || fitness.shape[0] !== runs || fitness.shape[1] !== b) {
    throw new DescentError('structure-mismatch', `${name}.tell: fitness must have shape [${runs},${b}] ([runs, popSize]), got ${describeShape(fitness)}`, {
      parameter: 'fitness',
      value: fitness instanceof tf.Tensor ? fitness.shape : fitness,
    });
  }
  return [runs, b, dim];
}

function describeShape(t: unknown): string {
  return t instanceof tf.Tensor ? `[${t.shape.join(',')}]` : String(t);
}

/** The standard normal draw ξ of the `tell` with index `step`, shape `shape` (documented in {@link ConsensusState.key}). */
export function stepNormal(s: ConsensusState, shape: number[]): tf.Tensor {
  return normal(foldIn(foldIn(s.key, 0), s.step), shape);
}

/** The same draw as {@link stepNormal}, left on the host (so it can be scaled there, for free, before the upload). */
export function stepNormalValues(s: ConsensusState, count: number): Float32Array {
  return normalValues(foldIn(foldIn(s.key, 0), s.step), count);
}

/** NaN → 1e8 and clipping to ±1e8, as CBXpy's `post_process_default`. */
export function postProcess(x: tf.Tensor): tf.Tensor {
  return tf.clipByValue(tf.where(tf.isNaN(x), tf.fill(x.shape, MAX_THRESH), x), -MAX_THRESH, MAX_THRESH);
}

/**
 * Clipping to ±1e8 only: after the NaN → 1e8 pass of the initial population, positions stay
 * finite (a step of finite, clipped positions with finite weights is finite), so the per-step
 * NaN scan of CBXpy's post-processing is not repeated (it would cost three full-size ops per step).
 */
function clipPositions(x: tf.Tensor): tf.Tensor {
  return tf.clipByValue(x, -MAX_THRESH, MAX_THRESH);
}

/**
 * Writes the moved batch particles back: `x` with the rows of the current batch replaced by
 * `moved` (`[M, B, d]`); `moved` itself when every particle was in the batch.
 */
export function scatterBatch(s: ConsensusState, moved: tf.Tensor): tf.Tensor {
  if (s.batch === null || s.batch.current === null) return moved;
  const idx = batchIndices(s.batch.current);
  const delta = tf.sub(moved, tf.gatherND(s.x, idx));
  return tf.add(s.x, tf.scatterND(idx, delta, s.x.shape));
}

/** NaN fitness is +∞ (a failed evaluation counts and never wins). */
export function sanitizeFitness(fitness: tf.Tensor): tf.Tensor {
  const f = tf.cast(fitness, 'float32');
  return tf.where(tf.isNaN(f), tf.fill(f.shape, Infinity), f);
}

/** Best-so-far per run (CBXpy `update_best_cur_particle` + `update_best_particle`: strict improvement). */
export function updateBest(s: ConsensusState, population: tf.Tensor, energies: tf.Tensor): { bestX: tf.Tensor2D; bestFitness: tf.Tensor1D } {
  const [runs, b] = energies.shape as [number, number];
  const dim = population.shape[2] as number;
  const curF = tf.min(energies, 1);
  const arg = tf.argMin(energies, 1);
  const rows = tf.add(tf.mul(tf.range(0, runs, 1, 'int32'), tf.scalar(b, 'int32')), tf.cast(arg, 'int32'));
  const curX = tf.gather(tf.reshape(population, [runs * b, dim]), rows);
  const better = tf.less(curF, s.bestFitness);
  return {
    bestX: tf.where(tf.reshape(better, [runs, 1]), curX, s.bestX) as tf.Tensor2D,
    bestFitness: tf.where(better, curF, s.bestFitness) as tf.Tensor1D,
  };
}

/** The effective sample size `J_eff(α) = exp(2 lse(−αE) − lse(−2αE))` per run, on min-shifted energies. */
function effectiveSampleSize(shifted: tf.Tensor, alpha: tf.Tensor): tf.Tensor {
  const a = tf.reshape(alpha, [-1, 1]);
  const z = tf.neg(tf.mul(a, shifted));
  return tf.exp(tf.sub(tf.mul(2, tf.logSumExp(z, 1)), tf.logSumExp(tf.mul(2, z), 1)));
}

/** α for the next step (CBXpy applies its scheduler after each step). */
export function nextAlpha(config: ConsensusConfig, s: ConsensusState, energies: tf.Tensor): tf.Tensor1D {
  const sched = config.schedule;
  if (sched.kind === 'constant') return tf.clone(s.alpha);
  if (sched.kind === 'multiply') return tf.minimum(tf.mul(s.alpha, sched.factor), sched.max) as tf.Tensor1D;
  // Effective sample size: J_eff is invariant to shifting the energies, so shift by the minimum (stable in float32).
  const runs = energies.shape[0];
  const n = energies.shape[1] as number;
  const min = tf.min(energies, 1, true);
  const shifted = tf.where(tf.broadcastTo(tf.isFinite(min), energies.shape), tf.sub(energies, min), tf.zerosLike(energies));
  let lo: tf.Tensor = tf.fill([runs], ESS.min);
  let hi: tf.Tensor = tf.fill([runs], ESS.max);
  let active: tf.Tensor = tf.ones([runs], 'bool');
  let mid: tf.Tensor = hi;
  for (let it = 0; it < ESS.iterations; it++) {
    mid = tf.div(tf.add(lo, hi), 2);
    const gap = tf.sub(effectiveSampleSize(shifted, mid), ESS.eta * n);
    lo = tf.where(tf.logicalAnd(active, tf.greater(gap, 0)), mid, lo);
    hi = tf.where(tf.logicalAnd(active, tf.less(gap, 0)), mid, hi);
    active = tf.logicalAnd(active, tf.greater(tf.abs(gap), ESS.tolerance));
  }
  return tf.minimum(mid, ESS.max) as tf.Tensor1D;
}

/**
 * One generic `tell` of a consensus dynamic: checks, sanitises the fitness, calls `move`
 * (which returns the moved batch `[M, B, d]` and the reported consensus `[M, d]`), then writes
 * the batch back, post-processes, updates the best point and α.
 */
export function tellConsensus(
  config: ConsensusConfig,
  s: ConsensusState,
  population: tf.Tensor,
  fitness: tf.Tensor,
  move: (xb: tf.Tensor, energies: tf.Tensor) => { moved: tf.Tensor; consensus: tf.Tensor },
): ConsensusState {
  const [, b] = checkTell(config.name, s, population, fitness);
  const out = tf.tidy(() => {
    const xb = tf.cast(population, 'float32');
    const energies = sanitizeFitness(fitness);
    const { moved, consensus } = move(xb, energies);
    const x = clipPositions(scatterBatch(s, moved)) as tf.Tensor3D;
    const { bestX, bestFitness } = updateBest(s, xb, energies);
    const alpha = nextAlpha(config, s, energies);
    return { x, bestX, bestFitness, alpha, consensus: consensus as tf.Tensor2D };
  });
  return {
    ...out,
    key: s.key,
    step: s.step + 1,
    evaluations: s.evaluations + b,
    batch: s.batch === null ? null : { ...s.batch, current: null },
    host: undefined,
  };
}

/** The global consensus point `c_α` of the evaluated particles, reported for every variant. */
export function reportedConsensus(xb: tf.Tensor, energies: tf.Tensor, alpha: tf.Tensor): tf.Tensor {
  return consensusPoint(xb, energies, alpha);
}

function readRows(where: string, t: tf.Tensor): number[][] {
  let values: ArrayLike<number>;
  try {
    values = t.dataSync() as ArrayLike<number>;
  } catch (e) {
    throw new DescentError(
      'unsupported',
      `${where}: needs a synchronous read-back, which backend '${tf.getBackend()}' lacks here (${(e as Error).message}); use await strategy.bestAsync(state)`,
      { parameter: 'state' },
    );
  }
  const rows = t.shape[0];
  const cols = t.rank === 2 ? (t.shape[1] as number) : 1;
  const flat = Array.from(values);
  return Array.from({ length: rows }, (_, i) => flat.slice(i * cols, (i + 1) * cols));
}

/** `best()`: host copies of the best point and fitness per run (a synchronous read-back of `[M, d]` + `[M]` values). */
export function bestOf(name: string, s: ConsensusState): { x: number[][]; fitness: number[] } {
  if (s.host !== undefined) return { x: s.host.bestX.map((r) => [...r]), fitness: [...s.host.bestFitness] };
  const x = readRows(`${name}.best`, s.bestX);
  const fitness = readRows(`${name}.best`, s.bestFitness);
  return { x, fitness: fitness.map((r) => r[0]) };
}

/** `bestAsync()`: as `best()`, with asynchronous read-backs (for WebGPU in Node, which has no synchronous read-back). */
export async function bestOfAsync(s: ConsensusState): Promise<{ x: number[][]; fitness: number[] }> {
  const [runs, dim] = s.bestX.shape;
  const xs = await s.bestX.data();
  const fs = await s.bestFitness.data();
  return {
    x: Array.from({ length: runs }, (_, i) => Array.from(xs.slice(i * dim, (i + 1) * dim))),
    fitness: Array.from(fs),
  };
}

/** `consensus()`: host copy of the last consensus point per run (the current best point before any `tell`). */
export function consensusOf(name: string, s: ConsensusState): number[][] {
  if (s.host !== undefined) return (s.host.consensus ?? s.host.bestX).map((r) => [...r]);
  return readRows(`${name}.consensus`, s.consensus ?? s.bestX);
}

async function rowsAsync(t: tf.Tensor): Promise<number[][]> {
  const flat = Array.from(await t.data());
  const cols = t.rank === 2 ? (t.shape[1] as number) : 1;
  return Array.from({ length: t.shape[0] }, (_, i) => flat.slice(i * cols, (i + 1) * cols));
}

/** `tellAsync`: `tell`, then host copies of the best point, fitness and consensus read back asynchronously into `state.host`. */
export async function withHostCopies(s: ConsensusState): Promise<ConsensusState> {
  const bestX = await rowsAsync(s.bestX);
  const bestFitness = (await rowsAsync(s.bestFitness)).map((r) => r[0]);
  const consensus = s.consensus === null ? null : await rowsAsync(s.consensus);
  return { ...s, host: { bestX, bestFitness, consensus } };
}

/** Disposes every tensor a state holds (for drivers that drop a state). */
export function disposeConsensusState(s: ConsensusState): void {
  tf.dispose([s.x, s.alpha, s.bestX, s.bestFitness]);
  if (s.consensus !== null) s.consensus.dispose();
}
