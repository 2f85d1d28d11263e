/**
 * The starting point of the single-point (search-distribution mean) strategies — `openaiEs`,
 * `zoRankSgd` — and the checks of their `init` options, shared so that both read an
 * {@link InitSpec} the same way.
 *
 * These strategies keep one point θ per run rather than a population, so the {@link InitSpec}
 * is drawn with the shape `[runs, 1, dim]` (one "individual" per run) and reshaped to `[runs, dim]`.
 * Without an `init`, θ₀ = 0.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Key, checkKnownOptions, checkNumber, invalidOption, isKey } from '@descent/core';
import { initPopulation } from './init-population.js';
import type { InitSpec, StrategyInitOptions } from './strategy.js';

/** The validated sizes of a strategy's `init` call. */
export interface SearchPointSizes {
  dim: number;
  popSize: number;
  runs: number;
  key: Key;
}

/** Validates `init`'s options (names, integer sizes, key) for the strategy named `where`. */
export function checkStrategyInit(where: string, o: StrategyInitOptions, minPopSize = 2): SearchPointSizes {
  if (o === null || typeof o !== 'object') invalidOption(where, 'options', o, 'an options object');
  checkKnownOptions(where, o, ['dim', 'popSize', 'runs', 'key', 'init']);
  const dim = checkNumber(where, 'dim', o.dim, { integer: true, min: 1 });
  const popSize = checkNumber(where, 'popSize', o.popSize, { integer: true, min: minPopSize });
  const runs = checkNumber(where, 'runs', o.runs ?? 1, { integer: true, min: 1 });
  if (!isKey(o.key)) invalidOption(where, 'key', o.key, 'a Key (from key(seed), split or foldIn)');
  return { dim, popSize, runs, key: o.key };
}

/**
 * θ₀ of shape `[runs, dim]` drawn from `init` with `k`: uniform in a box, normal around a mean, a
 * function of `(k, [runs, 1, dim])`, or zeros when `init` is undefined. The caller owns the tensor.
 */
export function initialSearchPoint(where: string, init: InitSpec | undefined, k: Key, runs: number, dim: number): tf.Tensor2D {
  if (init === undefined) return tf.zeros([runs, dim]);
  const drawn = initPopulation(init, k, [runs, 1, dim], init, where);
  const x = tf.reshape(drawn, [runs, dim]) as tf.Tensor2D;
  drawn.dispose();
  return x;
}

/** Validates that `fitness` is a `[runs, popSize]` tensor. */
export function checkFitness(where: string, fitness: tf.Tensor, runs: number, popSize: number): void {
  if (!(fitness instanceof tf.Tensor) || fitness.shape.length !== 2 || fitness.shape[0] !== runs || fitness.shape[1] !== popSize) {
    invalidOption(where, 'fitness', fitness instanceof tf.Tensor ? fitness.shape : fitness, `a tensor of shape [${runs},${popSize}]`);
  }
}

/** Validates that `population` is the `[runs, popSize, dim]` tensor `ask` returned. */
export function checkPopulation(where: string, population: tf.Tensor, runs: number, popSize: number, dim: number): void {
  const s = population instanceof tf.Tensor ? population.shape : undefined;
  if (s === undefined || s.length !== 3 || s[0] !== runs || s[1] !== popSize || s[2] !== dim) {
    invalidOption(where, 'population', s ?? population, `a tensor of shape [${runs},${popSize},${dim}] (as returned by ask)`);
  }
}

/**
 * Best-so-far bookkeeping of the single-point strategies, kept on the host so that `best()` is
 * synchronous on every backend: for each run, the index of the lowest fitness in this batch when
 * it beats `bestFitness` (NaN counts as +∞ and never wins), else −1.
 */
export function improvements(values: ArrayLike<number>, runs: number, popSize: number, bestFitness: readonly number[]): { fitness: number[]; index: number[] } {
  const fitness = bestFitness.slice();
  const index = new Array<number>(runs).fill(-1);
  for (let r = 0; r < runs; r++) {
    for (let i = 0; i < popSize; i++) {
      const v = values[r * popSize + i] as number;
      if (v < (fitness[r] as number)) {
        fitness[r] = v;
        index[r] = i;
      }
    }
  }
  return { fitness, index };
}

/** The rows `population[r, index[r]]` of the improved runs (`[improved, dim]`), or null when none improved. */
export function improvedRows(population: tf.Tensor, index: readonly number[]): tf.Tensor | null {
  const runs = index.flatMap((i, r) => (i >= 0 ? [r] : []));
  if (runs.length === 0) return null;
  return tf.tidy(() => {
    const rows = tf.gather(population, tf.tensor1d(runs, 'int32'), 0);
    const cols = tf.tensor1d(runs.map((r) => index[r] as number), 'int32');
    return tf.gather(rows, cols, 1, 1);
  });
}

/** `bestX` with the improved runs' rows replaced by `rows` (as read from {@link improvedRows}). */
export function mergeBest(bestX: readonly (readonly number[])[], index: readonly number[], rows: ArrayLike<number> | null, dim: number): number[][] {
  let j = 0;
  return bestX.map((row, r) => {
    if ((index[r] as number) < 0 || rows === null) return row.slice();
    const out = Array.from({ length: dim }, (_, c) => rows[j * dim + c] as number);
    j++;
    return out;
  });
}
