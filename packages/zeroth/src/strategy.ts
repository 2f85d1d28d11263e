/**
 * The ask/tell interface every population method of `@descent/zeroth` implements (DESIGN.md §5),
 * so evaluation can happen anywhere: in a tensor program, a worker pool, a cluster, or by a
 * person ranking images.
 *
 * @packageDocumentation
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Key } from '@descent/core';

/**
 * How the first population is drawn: uniform in a box, normal around a mean, or a function of a
 * key and the shape `[runs, popSize, dim]` returning a tensor of that shape.
 */
export type InitSpec =
  | { uniform: { low: number; high: number } }
  | { normal: { mean: number; std: number } }
  | ((key: Key, shape: [number, number, number]) => tf.Tensor);

/** Options of {@link Strategy.init}. */
export interface StrategyInitOptions {
  /** Dimension of the search space. */
  dim: number;
  /** Individuals (particles) per run. */
  popSize: number;
  /** Independent runs evaluated as one batch (CBXpy's M). Default 1. */
  runs?: number;
  /** The randomness of the whole optimisation. */
  key: Key;
  /** The first population; each strategy documents its default. */
  init?: InitSpec;
}

/**
 * A population method with ask/tell. Fitness is always minimised (`minimize`'s
 * `direction: 'max'` negates it); states are values — `ask` and `tell` return new states and
 * do not dispose the ones they are given (`minimize` owns memory).
 */
export interface Strategy<S> {
  /** The initial state. */
  init(o: StrategyInitOptions): S;
  /** The population to evaluate next: `[runs, popSize, dim]`. */
  ask(s: S): { population: tf.Tensor; state: S };
  /** Incorporates the fitness `[runs, popSize]` of `population` (as returned by `ask`). */
  tell(s: S, population: tf.Tensor, fitness: tf.Tensor): S;
  /** The best point and fitness found so far, per run. */
  best(s: S): { x: number[][]; fitness: number[] };
  /**
   * Optional: the current consensus (or mean) point per run, `runs × dim` host numbers, for
   * strategies that have one (CBO and its variants, ES means). `minimize` uses it for the
   * consensus-change stopping criterion (`stop.diffTol`) and reports it per run.
   */
  consensus?(s: S): number[][];
}
