/**
 * Deep GA: the truncation-selection genetic algorithm of Such et al. 2017 with genomes stored as
 * seed chains, rebuilt with the counter-based generator of `@descent/core`.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DescentError,
  type Key,
  checkKnownOptions,
  checkNumber,
  foldIn,
  invalidOption,
  isKey,
  key as makeKey,
  normalValues,
  randomBits,
  split,
  uniformValues,
} from '@descent/core';
import type { InitSpec, StrategyInitOptions } from './strategy.js';
import { type HostStrategy, checkFitnessShape, checkPopulationShape, readAsync, readSync } from './host-strategy.js';

/**
 * A Deep GA genome: the seed chain `[τ₀, τ₁, …, τ_g]` of uint32 seeds. τ₀ draws the initial
 * parameters, each further τᵢ one mutation, so its length is the number of generations the
 * lineage has been mutated plus one, independent of the parameter count.
 */
export type Genome = readonly number[];

/** The initial-parameter distributions a genome can be rebuilt from: uniform or normal draws. */
export type GenomeInit = { uniform: { low: number; high: number } } | { normal: { mean: number; std: number } };

/** Options of {@link genomeToParams}. */
export interface GenomeToParamsOptions {
  /** Number of parameters. */
  dim: number;
  /** Mutation power σ of the run that produced the genome. */
  sigma: number;
  /** Distribution of θ₀ used by that run; default `{ normal: { mean: 0, std: 1 } }`. */
  init?: GenomeInit;
}

const DEFAULT_INIT: GenomeInit = { normal: { mean: 0, std: 1 } };
/** Root of the genome streams, fixed so that a genome alone (with dim, σ, init) rebuilds its parameters. */
const GENOME_ROOT: Key = makeKey(0);
const INIT_STREAM: Key = foldIn(GENOME_ROOT, 0);
const NOISE_STREAM: Key = foldIn(GENOME_ROOT, 1);

function checkGenomeInit(where: string, init: unknown): GenomeInit {
  if (typeof init === 'function') {
    throw new DescentError(
      'unsupported',
      `${where}: init must be { uniform } or { normal } — a seed-chain genome rebuilds θ₀ from its first seed, which an arbitrary function cannot do`,
      { parameter: 'init', value: init },
    );
  }
  if (init === null || typeof init !== 'object' || Object.keys(init).length !== 1) {
    invalidOption(where, 'init', init, '{ uniform: { low, high } } or { normal: { mean, std } }');
  }
  if ('uniform' in init) {
    const u = (init as { uniform: { low: unknown; high: unknown } }).uniform;
    const low = checkNumber(where, 'init.uniform.low', u?.low);
    checkNumber(where, 'init.uniform.high', u?.high, { greaterThan: low });
  } else if ('normal' in init) {
    const n = (init as { normal: { mean: unknown; std: unknown } }).normal;
    checkNumber(where, 'init.normal.mean', n?.mean);
    checkNumber(where, 'init.normal.std', n?.std, { min: 0 });
  } else {
    invalidOption(where, 'init', init, '{ uniform: { low, high } } or { normal: { mean, std } }');
  }
  return init as GenomeInit;
}

/** θ₀(τ₀): `dim` float32 draws of `init` under the key `foldIn(foldIn(key(0), 0), τ₀)`, widened to float64. */
function initialParams(tau0: number, dim: number, init: GenomeInit): Float64Array {
  const k = foldIn(INIT_STREAM, tau0);
  const v = 'uniform' in init
    ? uniformValues(k, dim, init.uniform.low, init.uniform.high)
    : normalValues(k, dim, init.normal.mean, init.normal.std);
  return Float64Array.from(v);
}

/** θ ← θ + σ ε(τ), ε(τ) = `normalValues(foldIn(foldIn(key(0), 1), τ), dim)`, in float64 (in place). */
function mutate(theta: Float64Array, tau: number, sigma: number): void {
  const eps = normalValues(foldIn(NOISE_STREAM, tau), theta.length);
  for (let j = 0; j < theta.length; j++) theta[j] += sigma * eps[j];
}

function checkGenome(where: string, genome: unknown): Genome {
  if (!Array.isArray(genome) || genome.length === 0 || !genome.every((t) => Number.isInteger(t) && t >= 0 && t <= 0xffffffff)) {
    invalidOption(where, 'genome', genome, 'a non-empty array of uint32 seeds [τ₀, τ₁, …]');
  }
  return genome as Genome;
}

/** The float64 parameters of a genome before the final rounding to float32. */
function genomeParams64(genome: Genome, dim: number, sigma: number, init: GenomeInit): Float64Array {
  const theta = initialParams(genome[0], dim, init);
  for (let i = 1; i < genome.length; i++) mutate(theta, genome[i], sigma);
  return theta;
}

/**
 * Rebuilds the parameters of a Deep GA genome (Such et al. 2017, §3: "each individual's
 * parameter vector is … the initialization seed and a list of mutation seeds"):
 *
 *     θ = θ₀(τ₀) + σ Σᵢ≥₁ ε(τᵢ),   ε(τ) ~ N(0, I) from the counter-based key foldIn(foldIn(key(0), 1), τ),
 *
 * with θ₀(τ₀) drawn from `init` under foldIn(foldIn(key(0), 0), τ₀), accumulated left to right in
 * float64 and rounded once to float32. This is exactly how {@link deepGa} builds its population,
 * so the result is bit-identical to the evaluated individual (acceptance T7a). Where Uber's code
 * indexes a shared 250M-float noise table, descent hashes the seed with Threefry: no table, the
 * same numbers on every machine.
 *
 * @param genome - the seed chain (e.g. `state.run[r].bestGenome`).
 * @param options - `dim`, the run's mutation power `sigma` and its `init` (default N(0, 1)).
 * @returns the `dim` parameters as a Float32Array.
 * @throws DescentError (`invalid-option`) on a malformed genome or options; `unsupported` for a function `init`.
 */
export function genomeToParams(genome: Genome, options: GenomeToParamsOptions): Float32Array {
  const where = 'genomeToParams';
  checkGenome(where, genome);
  if (typeof options !== 'object' || options === null) invalidOption(where, 'options', options, 'an object { dim, sigma, init? }');
  checkKnownOptions(where, options, ['dim', 'sigma', 'init']);
  const dim = checkNumber(where, 'dim', options.dim, { integer: true, min: 1 });
  const sigma = checkNumber(where, 'sigma', options.sigma, { min: 0 });
  const init = options.init === undefined ? DEFAULT_INIT : checkGenomeInit(where, options.init);
  return Float32Array.from(genomeParams64(genome, dim, sigma, init));
}

/** One Deep GA run: the population to evaluate (as genomes) and the parents it was built from. */
export interface DeepGaRun {
  /** Genomes of the population `ask` returns (elites first). */
  readonly genomes: readonly Genome[];
  /** Per individual: index into `bases` of the unmutated parent, or −1 for a fresh θ₀(τ₀). */
  readonly baseIndex: Int32Array;
  /** Per individual: 1 when the last seed of its genome is a mutation to apply on top of the base. */
  readonly mutated: Uint8Array;
  /** Float64 parameters of the truncation parents of the last generation. */
  readonly bases: readonly Float64Array[];
  /** Genome of the best individual evaluated so far (empty before the first tell). */
  readonly bestGenome: Genome;
  /** Its parameters as evaluated (NaN before the first tell). */
  readonly bestX: Float32Array;
  /** Its fitness (+∞ before the first tell). */
  readonly bestFitness: number;
  /** Generations told so far. */
  readonly generation: number;
  /** Fitness evaluations told so far (the re-evaluated elites included). */
  readonly evaluations: number;
}

/** The state of {@link deepGa}. */
export interface DeepGaState {
  /** Number of parameters. */
  readonly dim: number;
  /** Individuals per generation, elites included. */
  readonly popSize: number;
  /** Independent runs. */
  readonly runs: number;
  /** Mutation power σ. */
  readonly sigma: number;
  /** Truncation parents T. */
  readonly truncation: number;
  /** Elites kept unmutated. */
  readonly elitism: number;
  /** Distribution of θ₀ (needed with σ to rebuild genomes). */
  readonly init: GenomeInit;
  /** Per-run keys of the selection and mutation draws (`foldIn(·, generation)` per generation). */
  readonly keys: readonly Key[];
  /** Per-run states. */
  readonly run: readonly DeepGaRun[];
}

/** Options of {@link deepGa}. */
export interface DeepGaOptions {
  /** Mutation power σ > 0; default 0.002 (Such et al., Atari). */
  sigma?: number;
  /** Number of truncation parents T; default 20 (Such et al., Atari). Must not exceed `popSize`. */
  truncation?: number;
  /** Elites copied unmutated into the next generation; default 1; at most T and popSize − 1. */
  elitism?: number;
}

const WHERE = 'deepGa';
const TWO_POW_32 = 2 ** 32;

function populationValues(s: DeepGaState, r: number): Float32Array {
  const run = s.run[r];
  const out = new Float32Array(s.popSize * s.dim);
  for (let i = 0; i < s.popSize; i++) {
    out.set(individualParams(s, run, i), i * s.dim);
  }
  return out;
}

/** θ64 of individual i: its base (or θ₀) plus, when mutated, σ ε(last seed) — the same float64 steps as {@link genomeParams64}. */
function individualTheta(s: DeepGaState, run: DeepGaRun, i: number): Float64Array {
  const g = run.genomes[i];
  const b = run.baseIndex[i];
  const theta = b < 0 ? initialParams(g[0], s.dim, s.init) : Float64Array.from(run.bases[b]);
  if (run.mutated[i] === 1) mutate(theta, g[g.length - 1], s.sigma);
  return theta;
}

function individualParams(s: DeepGaState, run: DeepGaRun, i: number): Float32Array {
  return Float32Array.from(individualTheta(s, run, i));
}

function nextGeneration(s: DeepGaState, r: number, fitness: Float32Array): DeepGaRun {
  const run = s.run[r];
  const { popSize, truncation: T, elitism } = s;
  // NaN ranks last (as +∞); ties keep population order, so selection is deterministic.
  const f = Array.from(fitness, (v) => (Number.isNaN(v) ? Infinity : v));
  const order = Array.from({ length: popSize }, (_, i) => i).sort((a, b) => f[a] - f[b] || a - b);

  let { bestGenome, bestX, bestFitness } = run;
  if (f[order[0]] < bestFitness) {
    bestFitness = f[order[0]];
    bestGenome = run.genomes[order[0]];
    bestX = individualParams(s, run, order[0]);
  }

  const parents = order.slice(0, T);
  const bases = parents.map((i) => individualTheta(s, run, i));
  const parentGenomes = parents.map((i) => run.genomes[i]);
  const bits = randomBits(foldIn(s.keys[r], run.generation), 2 * popSize);
  const genomes: Genome[] = [];
  const baseIndex = new Int32Array(popSize);
  const mutated = new Uint8Array(popSize);
  for (let i = 0; i < popSize; i++) {
    if (i < elitism) {
      // Elites (the best of this generation) survive unmutated and are evaluated again next generation.
      genomes.push(parentGenomes[i]);
      baseIndex[i] = i;
    } else {
      // Parent uniform on [0, T) by multiply-shift of a uint32 word (bias below T/2³²).
      const p = Math.floor((bits[i] * T) / TWO_POW_32);
      genomes.push([...parentGenomes[p], bits[popSize + i]]);
      baseIndex[i] = p;
      mutated[i] = 1;
    }
  }
  return {
    genomes, baseIndex, mutated, bases, bestGenome, bestX, bestFitness,
    generation: run.generation + 1, evaluations: run.evaluations + popSize,
  };
}

function tellWith(s: DeepGaState, fitness: Float32Array): DeepGaState {
  const run = s.run.map((_, r) => nextGeneration(s, r, fitness.subarray(r * s.popSize, (r + 1) * s.popSize)));
  return { ...s, run };
}

/**
 * Deep GA (F. P. Such, V. Madhavan, E. Conti, J. Lehman, K. O. Stanley, J. Clune, "Deep
 * Neuroevolution: Genetic Algorithms Are a Competitive Alternative for Training Deep Neural
 * Networks for Reinforcement Learning", arXiv:1712.06567, 2017; reference code
 * uber-research/deep-neuroevolution) as an ask/tell {@link HostStrategy} over independent runs.
 *
 * Generation 0 is `popSize` fresh individuals θ₀(τ₀). Each `tell` sorts by fitness (minimised;
 * NaN ranks as +∞), keeps the top T as parents, and builds the next population: the best
 * `elitism` individuals unmutated (they are evaluated again, as in the paper's generation loop,
 * so a noisy fitness is re-measured; the paper's extra validation episodes for picking the elite
 * are not done here), then `popSize − elitism` children, each a uniformly chosen parent plus one
 * Gaussian mutation: θ_child = θ_parent + σ ε(τ_new). No crossover.
 *
 * Genomes are seed chains ({@link Genome}); `genomeToParams(genome, { dim, sigma, init })`
 * rebuilds any individual bit for bit. The state keeps only the T parents' parameters (float64),
 * not every individual's, and `ask` applies one mutation per child. With a deterministic
 * objective and `elitism ≥ 1` the best fitness of each generation never increases.
 *
 * `init` (from `init`/`minimize`) must be `{ uniform }` or `{ normal }` (default N(0, 1)): a
 * genome rebuilds θ₀ from its seed. The genomes of the population and of the best individual are
 * `state.run[r].genomes` and `state.run[r].bestGenome`.
 *
 * @throws DescentError (`invalid-option`) on a bad `sigma`, `truncation` or `elitism`, or when
 *   `truncation > popSize` or `elitism > min(truncation, popSize − 1)` at `init`.
 */
export function deepGa(options: DeepGaOptions = {}): HostStrategy<DeepGaState> {
  if (typeof options !== 'object' || options === null) invalidOption(WHERE, 'options', options, 'an object');
  checkKnownOptions(WHERE, options, ['sigma', 'truncation', 'elitism']);
  const sigma = checkNumber(WHERE, 'sigma', options.sigma ?? 0.002, { greaterThan: 0 });
  const truncation = checkNumber(WHERE, 'truncation', options.truncation ?? 20, { integer: true, min: 1 });
  const elitism = checkNumber(WHERE, 'elitism', options.elitism ?? 1, { integer: true, min: 0 });
  if (elitism > truncation) invalidOption(WHERE, 'elitism', elitism, `an integer <= truncation (${truncation})`);

  function checkTell(s: DeepGaState, population: tf.Tensor, fitness: tf.Tensor): void {
    checkFitnessShape(WHERE, fitness, s.runs, s.popSize);
    // The fitness is attributed to the genomes of the last ask; the population is checked for shape only.
    checkPopulationShape(WHERE, population, s.runs, s.popSize, s.dim);
  }

  return {
    init(o: StrategyInitOptions): DeepGaState {
      if (typeof o !== 'object' || o === null) invalidOption(WHERE, 'init options', o, 'an object');
      const dim = checkNumber(WHERE, 'dim', o.dim, { integer: true, min: 1 });
      const popSize = checkNumber(WHERE, 'popSize', o.popSize, { integer: true, min: 2 });
      const runs = checkNumber(WHERE, 'runs', o.runs ?? 1, { integer: true, min: 1 });
      if (!isKey(o.key)) invalidOption(WHERE, 'key', o.key, 'a Key (from key(seed), split or foldIn)');
      if (truncation > popSize) invalidOption(WHERE, 'truncation', truncation, `an integer <= popSize (${popSize})`);
      if (elitism > popSize - 1) invalidOption(WHERE, 'elitism', elitism, `an integer <= popSize − 1 (${popSize - 1})`);
      const init = o.init === undefined ? DEFAULT_INIT : checkGenomeInit(WHERE, o.init as InitSpec);
      const [seedKey, stepKey] = split(o.key);
      const run: DeepGaRun[] = [];
      for (let r = 0; r < runs; r++) {
        const tau0 = randomBits(foldIn(seedKey, r), popSize);
        run.push({
          genomes: Array.from(tau0, (t) => [t]),
          baseIndex: new Int32Array(popSize).fill(-1),
          mutated: new Uint8Array(popSize),
          bases: [],
          bestGenome: [],
          bestX: new Float32Array(dim).fill(NaN),
          bestFitness: Infinity,
          generation: 0,
          evaluations: 0,
        });
      }
      const keys = Array.from({ length: runs }, (_, r) => foldIn(stepKey, r));
      return { dim, popSize, runs, sigma, truncation, elitism, init, keys, run };
    },

    ask(s: DeepGaState) {
      const all = new Float32Array(s.runs * s.popSize * s.dim);
      for (let r = 0; r < s.runs; r++) all.set(populationValues(s, r), r * s.popSize * s.dim);
      return { population: tf.tensor3d(all, [s.runs, s.popSize, s.dim], 'float32'), state: s };
    },

    tell(s, population, fitness) {
      checkTell(s, population, fitness);
      return tellWith(s, readSync(WHERE, fitness));
    },

    async tellAsync(s, population, fitness) {
      checkTell(s, population, fitness);
      return tellWith(s, await readAsync(fitness));
    },

    best(s) {
      return { x: s.run.map((r) => Array.from(r.bestX)), fitness: s.run.map((r) => r.bestFitness) };
    },
  };
}
