/**
 * The driver loop of every ask/tell strategy: ask, evaluate, tell, stop — with independent
 * runs evaluated as one batch (CBXpy's M) and CBXpy's stopping criteria applied per run.
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
  invalidOption,
  isKey,
  type Tree,
  treeLeaves,
} from '@descent/core';
import type { InitSpec, Strategy } from './strategy.js';

/**
 * An objective for {@link minimize}: a batch of points `[n, dim]` to their values `[n]`.
 * It may return the tensor directly (a tensor program) or a promise of it (a worker pool, a
 * remote service, a person). `minimize` disposes both the input after the call and the output
 * after reading it, so the objective must not keep either.
 */
export type Objective = (x: tf.Tensor2D) => tf.Tensor1D | Promise<tf.Tensor1D>;

/** Why a run stopped. */
export type StopReason = 'maxIterations' | 'maxEvaluations' | 'fTol' | 'diffTol' | 'updateTol' | 'maxTime';

/**
 * The stopping criteria of CBXpy (`cbx/utils/termination.py`), each applied to every run
 * independently and checked after every iteration in this order: `fTol`, `diffTol`, `updateTol`,
 * `maxEvaluations`, `maxIterations`, `maxTime`. All are off unless given.
 */
export interface StopOptions {
  /**
   * Evaluation budget per run. Like CBXpy's `max_eval`, a run stops when one more iteration
   * would exceed it: `evaluations + k (+1 with consensusFitness) > maxEvaluations`, with k the
   * individuals per run the strategy asks for (popSize, or the batch size of CBO with
   * `batchSize`). The coming iteration's k is only known once `ask` returns it, so the check
   * uses the last observed k — exact whenever k is fixed (full populations, CBO batches); a
   * strategy that later asks for more individuals can overshoot the budget by the difference.
   * Must allow at least one iteration: `maxEvaluations ≥ k (+1)` for the first population
   * (checked once it is known; an integer ≥ 1 (+1) is checked up front).
   */
  maxEvaluations?: number;
  /**
   * Energy tolerance (CBXpy's `energy_tol`): a run stops when its best fitness, as reported by
   * `strategy.best`, is `≤ fTol` (direction `'min'`) or `≥ fTol` (direction `'max'`), both in
   * the user's units.
   */
  fTol?: number;
  /**
   * Consensus-change tolerance (CBXpy's `diff_tol`, applied to the consensus rather than the
   * particles): a run stops when `‖c_t − c_{t−1}‖₂ < diffTol` between two consecutive
   * iterations, with `c` from `strategy.consensus`. Ignored (never fires) for strategies
   * without `consensus`; the earliest stop is at iteration 2. Caution for CBO with large α: the
   * consensus is then essentially the best particle, whose drift x − c and hence (isotropic or
   * anisotropic) noise vanish, so it can stay exactly in place for a few iterations and stop
   * the run early; `updateTol` (CBXpy's actual criterion) does not have this problem.
   */
  diffTol?: number;
  /**
   * Particle-update tolerance, CBXpy's `diff_tol` as it computes it: a run stops when
   * `‖X_t − X_{t−1}‖_F / k < updateTol`, with X_t the run's population `[k, dim]` as returned
   * by `ask` at iterations t and t − 1 (for CBO: the particles; k = popSize for a full
   * population). Populations are compared only when the two consecutive shapes agree; an
   * iteration whose k differs from the previous one's is not checked. The earliest stop is at
   * iteration 2. For strategies that sample a fresh population each iteration (ES, CMA-ES) this
   * measures the sampling spread, not progress, and for CBO with random batches it compares two
   * different batches of particles.
   */
  updateTol?: number;
  /** Wall-clock budget in milliseconds since `minimize` was called (CBXpy's `max_time` is SDE time `it·dt`; use `maxIterations` for that). */
  maxTime?: number;
  /** The clock `maxTime` reads, in ms. Default `performance.now`; pass a fake clock for simulated time. */
  now?: () => number;
}

/** What `onIteration` receives after each iteration. */
export interface IterationInfo<S> {
  /** 1-based iteration just completed. */
  iteration: number;
  /** `strategy.best(state)` with fitness in the user's direction (un-negated for `'max'`). */
  best: { x: number[][]; fitness: number[] };
  /** Which runs are still going after this iteration's stopping checks. */
  active: boolean[];
  /** The strategy state after `tell` (owned by `minimize`: do not dispose or keep it). */
  state: S;
}

/** Options of {@link minimize}. */
export interface MinimizeOptions<S> {
  /** Dimension of the search space. */
  dim: number;
  /** Individuals per run, ≥ 2. */
  popSize: number;
  /** Independent runs evaluated as one batch. Default 1. */
  runs?: number;
  /** Iterations per run (CBXpy's `max_it`), a positive integer. */
  maxIterations: number;
  /** The randomness of the whole optimisation (passed to `strategy.init`). */
  key: Key;
  /** The first population (passed to `strategy.init`; the strategy documents its default). */
  init?: InitSpec;
  /** `'min'` (default) or `'max'`: for `'max'` the fitness is negated before `tell` and reported un-negated. */
  direction?: 'min' | 'max';
  /** Called after every iteration; awaited when it returns a promise. */
  onIteration?: (info: IterationInfo<S>) => void | Promise<void>;
  /** Stopping criteria besides `maxIterations`. */
  stop?: StopOptions;
  /**
   * Also evaluate the objective at each active run's consensus point every iteration (strategies
   * with `consensus` only) and record it in `history.consensusFitness`; costs one evaluation per
   * run per iteration, counted (as CBX.jl's N + 1). Default false.
   */
  consensusFitness?: boolean;
}

/** One run's outcome. */
export interface RunResult {
  /** `strategy.best` at the iteration the run stopped. */
  x: number[];
  /** Its fitness in the user's direction. */
  fitness: number;
  /** `strategy.consensus` at the stop, for strategies that have one. */
  consensus?: number[];
  /** Iterations this run took. */
  iterations: number;
  /** Objective evaluations spent on this run (points passed to the objective). */
  evaluations: number;
  /** How many of those returned NaN (treated as the worst value). */
  nanEvaluations: number;
  /** Which criterion stopped it. */
  stopReason: StopReason;
}

/** Per-iteration record of {@link minimize}; index `t` is iteration `t + 1`. */
export interface MinimizeHistory {
  /** `best[t][r]`: run r's best fitness (user's direction) after iteration t+1; a stopped run repeats its final value. */
  best: number[][];
  /** `consensusFitness[t][r]`: the objective at run r's consensus (NaN once r has stopped); only with `consensusFitness: true`. */
  consensusFitness?: number[][];
  /** Evaluations of all runs together in iteration t+1. */
  evaluations: number[];
  /** NaN values among them. */
  nanEvaluations: number[];
}

/** The result of {@link minimize}. */
export interface MinimizeResult {
  runs: RunResult[];
  history: MinimizeHistory;
}

const WHERE = 'minimize';
const OPTION_NAMES = [
  'dim',
  'popSize',
  'runs',
  'maxIterations',
  'key',
  'init',
  'direction',
  'onIteration',
  'stop',
  'consensusFitness',
] as const;
const STOP_NAMES = ['maxEvaluations', 'fTol', 'diffTol', 'updateTol', 'maxTime', 'now'] as const;

function tensorsOf(tree: unknown): Set<tf.Tensor> {
  const out = new Set<tf.Tensor>();
  for (const leaf of treeLeaves<unknown>(tree as Tree<unknown>)) if (leaf instanceof tf.Tensor) out.add(leaf);
  return out;
}

/**
 * Strategies return new states and never dispose the ones they receive, so the driver frees
 * every tensor of the old state (and the transient population/fitness) the new state no longer holds.
 */
function disposeReplaced(old: unknown, next: unknown, extra: tf.Tensor[] = []): void {
  const keep = tensorsOf(next);
  for (const t of [...tensorsOf(old), ...extra]) if (!keep.has(t) && !t.isDisposed) t.dispose();
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

function checkStrategy(strategy: unknown): void {
  const s = strategy as Record<string, unknown> | null;
  for (const m of ['init', 'ask', 'tell', 'best'] as const) {
    if (s === null || typeof s !== 'object' || typeof s[m] !== 'function') {
      invalidOption(WHERE, 'strategy', strategy, 'an object with init, ask, tell and best methods');
    }
  }
}

async function evaluate(objective: Objective, x: tf.Tensor2D, n: number): Promise<Float32Array | Int32Array | Uint8Array> {
  let out: unknown;
  try {
    out = (await objective(x)) as unknown;
  } finally {
    x.dispose();
  }
  if (!(out instanceof tf.Tensor) || out.rank !== 1 || out.shape[0] !== n) {
    const received = out instanceof tf.Tensor ? `a tensor of shape ${shapeText(out.shape)}` : `${typeof out}`;
    if (out instanceof tf.Tensor) out.dispose();
    throw new DescentError(
      'structure-mismatch',
      `${WHERE}: the objective must map [n, dim] to [n]; given n = ${n} points it returned ${received}, expected [${n}]`,
      { parameter: 'objective', value: received },
    );
  }
  try {
    return await out.data();
  } finally {
    out.dispose();
  }
}

/**
 * Minimises (or, with `direction: 'max'`, maximises) `objective` with an ask/tell `strategy`,
 * `runs` independent repetitions at once.
 *
 * Each iteration: `ask` gives the population `[runs, k, dim]` with 1 ≤ k ≤ popSize, read from
 * the population every iteration (k = popSize for most strategies; the batch size for CBO-type
 * strategies with `batchSize`, which evaluate a random batch of particles per step as CBXpy);
 * the populations of the still-active runs are reshaped to `[n, dim]` (n = active runs · k) and
 * passed to the objective in one call; its `[n]` result (awaited if a promise) is read back, NaN
 * becomes +∞ (the worst value: it gets zero consensus weight and the last rank, and is counted in
 * `nanEvaluations`), the values are negated for `'max'`, and `tell` receives the fitness
 * `[runs, k]` (through `tellAsync` when the strategy has one, see `HostStrategy`). Each active
 * run is charged k evaluations per iteration. The stopping criteria ({@link StopOptions}) are
 * then checked per run.
 *
 * Stopped runs: the Strategy interface steps all runs as one state, so a stopped run cannot be
 * removed from it. Its reported result (`x`, `fitness`, `consensus`, `iterations`,
 * `evaluations`) is frozen at the iteration it stopped; its particles are NOT passed to the
 * objective any more (no evaluations are spent or counted for it), and `tell` receives the
 * run's last real fitness row as a finite-or-+∞ placeholder so the strategy keeps a valid
 * state (repeated cyclically if the strategy now asks for more individuals than it did then). The
 * loop ends when every run has stopped.
 *
 * Memory: the population, the fitness tensor and every tensor of a replaced state that the new
 * state does not hold are disposed each iteration, and the final state at the end, so
 * `tf.memory().numTensors` stays flat. States must therefore be trees (plain objects/arrays)
 * of tensors and host values.
 *
 * @returns per-run results and the per-iteration history.
 * @throws DescentError `invalid-option` for bad options (popSize < 2, non-integer dim, unknown
 *   names, a budget that allows no iteration); `structure-mismatch` when the strategy's
 *   population is not `[runs, k ≤ popSize, dim]` with k ≥ 1 (e.g. an `init` of another dim) or
 *   the objective does not return `[n]`.
 * @see CBXpy `cbx/dynamics/pdyn.py` (`optimize`, `terminate`) and `cbx/utils/termination.py`.
 */
export async function minimize<S>(
  objective: Objective,
  strategy: Strategy<S>,
  options: MinimizeOptions<S>,
): Promise<MinimizeResult> {
  if (typeof objective !== 'function') invalidOption(WHERE, 'objective', objective, 'a function (x: [n, dim]) => [n]');
  checkStrategy(strategy);
  if (options === null || typeof options !== 'object') invalidOption(WHERE, 'options', options, 'an object');
  checkKnownOptions(WHERE, options, OPTION_NAMES);
  const dim = checkNumber(WHERE, 'dim', options.dim, { min: 1, integer: true });
  const popSize = checkNumber(WHERE, 'popSize', options.popSize, { min: 2, integer: true });
  const runs = checkNumber(WHERE, 'runs', options.runs ?? 1, { min: 1, integer: true });
  const maxIterations = checkNumber(WHERE, 'maxIterations', options.maxIterations, { min: 1, integer: true });
  if (!isKey(options.key)) invalidOption(WHERE, 'key', options.key, 'a Key from key(seed)');
  const direction = checkOneOf(WHERE, 'direction', options.direction ?? 'min', ['min', 'max'] as const);
  const sign = direction === 'max' ? -1 : 1;
  if (options.onIteration !== undefined && typeof options.onIteration !== 'function') {
    invalidOption(WHERE, 'onIteration', options.onIteration, 'a function');
  }
  const consensusFitness = options.consensusFitness ?? false;
  if (typeof consensusFitness !== 'boolean') invalidOption(WHERE, 'consensusFitness', consensusFitness, 'a boolean');
  const withConsensusFitness = consensusFitness && typeof strategy.consensus === 'function';
  // Evaluations per run and iteration besides the k individuals: the consensus point.
  const extraPerIteration = withConsensusFitness ? 1 : 0;
  const stop = options.stop ?? {};
  if (stop === null || typeof stop !== 'object') invalidOption(WHERE, 'stop', stop, 'an object');
  checkKnownOptions(`${WHERE}: stop`, stop, STOP_NAMES);
  const maxEvaluations =
    stop.maxEvaluations === undefined
      ? undefined
      : checkNumber(WHERE, 'stop.maxEvaluations', stop.maxEvaluations, { min: 1 + extraPerIteration, integer: true });
  const fTol = stop.fTol === undefined ? undefined : checkNumber(WHERE, 'stop.fTol', stop.fTol);
  const diffTol = stop.diffTol === undefined ? undefined : checkNumber(WHERE, 'stop.diffTol', stop.diffTol, { min: 0 });
  const updateTol = stop.updateTol === undefined ? undefined : checkNumber(WHERE, 'stop.updateTol', stop.updateTol, { min: 0 });
  const maxTime = stop.maxTime === undefined ? undefined : checkNumber(WHERE, 'stop.maxTime', stop.maxTime, { min: 0 });
  if (stop.now !== undefined && typeof stop.now !== 'function') invalidOption(WHERE, 'stop.now', stop.now, 'a function () => ms');
  const now = stop.now ?? (() => performance.now());
  const start = now();

  const evaluations = new Array<number>(runs).fill(0);
  const nans = new Array<number>(runs).fill(0);
  const iterations = new Array<number>(runs).fill(0);
  const active = new Array<boolean>(runs).fill(true);
  const results: (RunResult | undefined)[] = new Array<RunResult | undefined>(runs).fill(undefined);
  // The fitness row `tell` receives for a stopped run (see the TSDoc): its last real values,
  // `toldLength[r]` of them at `told[r * popSize ...]`.
  const told = new Float32Array(runs * popSize);
  const toldLength = new Array<number>(runs).fill(0);
  const history: MinimizeHistory = { best: [], evaluations: [], nanEvaluations: [] };
  if (withConsensusFitness) history.consensusFitness = [];
  let prevConsensus: number[][] | undefined;
  let prevPopulation: tf.Tensor | undefined;

  let state = strategy.init({ dim, popSize, runs, key: options.key, ...(options.init === undefined ? {} : { init: options.init }) });
  try {
    for (let iteration = 1; active.some((a) => a); iteration++) {
      const asked = strategy.ask(state);
      const population = asked.population;
      disposeReplaced(state, asked.state);
      state = asked.state;
      if (
        !(population instanceof tf.Tensor) ||
        population.rank !== 3 ||
        population.shape[0] !== runs ||
        population.shape[2] !== dim ||
        !((population.shape[1] as number) >= 1 && (population.shape[1] as number) <= popSize)
      ) {
        const received = population instanceof tf.Tensor ? shapeText(population.shape) : typeof population;
        if (population instanceof tf.Tensor && !tensorsOf(state).has(population)) population.dispose();
        throw new DescentError(
          'structure-mismatch',
          `${WHERE}: the strategy's population has shape ${received}, expected [runs, k ≤ popSize, dim] = [${runs}, 1..${popSize}, ${dim}], ` +
            `e.g. the full population ${shapeText([runs, popSize, dim])} (does init or the strategy use another dim?)`,
          { parameter: 'dim', value: received },
        );
      }
      // Individuals per run this iteration: popSize, or fewer (CBO's random batches).
      const k = population.shape[1] as number;
      if (iteration === 1 && maxEvaluations !== undefined && maxEvaluations < k + extraPerIteration) {
        if (!tensorsOf(state).has(population)) population.dispose();
        invalidOption(
          WHERE,
          'stop.maxEvaluations',
          maxEvaluations,
          `an integer ≥ ${k + extraPerIteration} (one iteration: ${k} individuals per run${extraPerIteration > 0 ? ' and the consensus' : ''})`,
        );
      }
      let moved: ArrayLike<number> | undefined;
      if (updateTol !== undefined) {
        if (prevPopulation !== undefined) {
          const last = prevPopulation;
          // Only populations of the same shape are compared (k may change between iterations).
          const change =
            last.shape[1] === k ? tf.tidy(() => tf.div(tf.sqrt(tf.sum(tf.square(tf.sub(population, last)), [1, 2])), k)) : undefined;
          prevPopulation = undefined;
          last.dispose();
          if (change !== undefined) {
            try {
              moved = await change.data();
            } finally {
              change.dispose();
            }
          }
        }
        // A clone shares the data; it only keeps it alive until the next iteration's comparison.
        prevPopulation = tf.clone(population);
      }
      const activeRuns = active.flatMap((a, r) => (a ? [r] : []));
      const n = activeRuns.length * k;
      const x = tf.tidy(() => {
        const rows = activeRuns.length === runs ? population : tf.gather(population, activeRuns, 0);
        return tf.reshape(rows, [n, dim]) as tf.Tensor2D;
      });
      let values: ArrayLike<number>;
      try {
        values = await evaluate(objective, x, n);
      } catch (e) {
        if (!tensorsOf(state).has(population)) population.dispose();
        throw e;
      }
      let nanThisIteration = 0;
      activeRuns.forEach((r, j) => {
        for (let p = 0; p < k; p++) {
          const v = values[j * k + p] as number;
          if (Number.isNaN(v)) {
            nans[r] = (nans[r] as number) + 1;
            nanThisIteration++;
            told[r * popSize + p] = Infinity;
          } else {
            told[r * popSize + p] = sign * v;
          }
        }
        toldLength[r] = k;
        evaluations[r] = (evaluations[r] as number) + k;
        iterations[r] = iteration;
      });
      const fitnessValues = new Float32Array(runs * k);
      for (let r = 0; r < runs; r++) {
        // Active runs: this iteration's values; stopped runs: their last real row, repeated if k grew.
        const length = toldLength[r] as number;
        for (let p = 0; p < k; p++) fitnessValues[r * k + p] = told[r * popSize + (p % length)] as number;
      }
      const fitness = tf.tensor2d(fitnessValues, [runs, k], 'float32');
      // Host-side strategies (CMA-ES, Deep GA) offer `tellAsync`, which reads back with `await t.data()`
      // and so works on backends without synchronous read-back (WebGPU in Node).
      const tellAsync = (strategy as { tellAsync?: (s: S, p: tf.Tensor, f: tf.Tensor) => Promise<S> }).tellAsync;
      let next: S;
      try {
        next = typeof tellAsync === 'function' ? await tellAsync.call(strategy, state, population, fitness) : strategy.tell(state, population, fitness);
      } catch (e) {
        const keep = tensorsOf(state);
        for (const t of [population, fitness]) if (!keep.has(t) && !t.isDisposed) t.dispose();
        throw e;
      }
      disposeReplaced(state, next, [population, fitness]);
      state = next;

      const rawBest = strategy.best(state);
      const best = { x: rawBest.x, fitness: rawBest.fitness.map((f) => sign * f) };
      const consensus = strategy.consensus?.(state);
      let evaluationsThisIteration = n;
      if (withConsensusFitness && consensus !== undefined) {
        const row = new Array<number>(runs).fill(NaN);
        const points = tf.tensor2d(activeRuns.map((r) => consensus[r] as number[]), [activeRuns.length, dim], 'float32');
        const cv = await evaluate(objective, points, activeRuns.length);
        activeRuns.forEach((r, j) => {
          row[r] = cv[j] as number;
          evaluations[r] = (evaluations[r] as number) + 1;
        });
        evaluationsThisIteration += activeRuns.length;
        history.consensusFitness?.push(row);
      }

      const elapsed = now() - start;
      for (const r of activeRuns) {
        const f = best.fitness[r] as number;
        let reason: StopReason | undefined;
        if (fTol !== undefined && (direction === 'min' ? f <= fTol : f >= fTol)) reason = 'fTol';
        else if (diffTol !== undefined && consensus !== undefined && prevConsensus !== undefined && distance(consensus[r], prevConsensus[r]) < diffTol) reason = 'diffTol';
        else if (updateTol !== undefined && moved !== undefined && (moved[r] as number) < updateTol) reason = 'updateTol';
        // CBXpy stops when the next iteration would exceed the budget; its k is not known before `ask`, so the last k is used.
        else if (maxEvaluations !== undefined && (evaluations[r] as number) + k + extraPerIteration > maxEvaluations) reason = 'maxEvaluations';
        else if (iteration >= maxIterations) reason = 'maxIterations';
        else if (maxTime !== undefined && elapsed >= maxTime) reason = 'maxTime';
        if (reason === undefined) continue;
        active[r] = false;
        results[r] = {
          x: [...(best.x[r] as number[])],
          fitness: f,
          ...(consensus === undefined ? {} : { consensus: [...(consensus[r] as number[])] }),
          iterations: iterations[r] as number,
          evaluations: evaluations[r] as number,
          nanEvaluations: nans[r] as number,
          stopReason: reason,
        };
      }
      history.best.push(runsRange(runs).map((r) => results[r]?.fitness ?? (best.fitness[r] as number)));
      history.evaluations.push(evaluationsThisIteration);
      history.nanEvaluations.push(nanThisIteration);
      prevConsensus = consensus;
      await options.onIteration?.({ iteration, best, active: [...active], state });
    }
  } finally {
    for (const t of tensorsOf(state)) if (!t.isDisposed) t.dispose();
    prevPopulation?.dispose();
  }
  return { runs: results as RunResult[], history };
}

function runsRange(runs: number): number[] {
  return Array.from({ length: runs }, (_, r) => r);
}

function distance(a: readonly number[] | undefined, b: readonly number[] | undefined): number {
  if (a === undefined || b === undefined) return Infinity;
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - (b[i] as number)) ** 2;
  return Math.sqrt(s);
}
