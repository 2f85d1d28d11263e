/**
 * Strategies whose `tell` runs on the host (CMA-ES's eigendecomposition, Deep GA's seed chains)
 * need the fitness values as numbers. `Strategy.tell` is synchronous, and a synchronous read-back
 * of a device-resident tensor is impossible on some backends (tfjs-backend-webgpu in Node has no
 * `OffscreenCanvas`), so such strategies also offer an asynchronous {@link HostStrategy.tellAsync}
 * that reads with `await t.data()`.
 *
 * @packageDocumentation
 */
import type * as tf from '@tensorflow/tfjs-core';
import { DescentError } from '@descent/core';
import type { Strategy } from './strategy.js';

/**
 * A {@link Strategy} whose update is computed on the host. `tell` reads the fitness (and, where
 * needed, the population) synchronously, which works on the CPU backend and for host-created
 * tensors everywhere; `tellAsync` does the same update after `await t.data()` and works on every
 * backend. Both give bit-identical states.
 */
export interface HostStrategy<S> extends Strategy<S> {
  /** {@link Strategy.tell} with asynchronous read-backs (use it on WebGPU). */
  tellAsync(s: S, population: tf.Tensor, fitness: tf.Tensor): Promise<S>;
}

/** Checks that `fitness` has shape `[runs, popSize]`. */
export function checkFitnessShape(where: string, fitness: tf.Tensor, runs: number, popSize: number): void {
  if (fitness.rank !== 2 || fitness.shape[0] !== runs || fitness.shape[1] !== popSize) {
    throw new DescentError(
      'invalid-option',
      `${where}: fitness must have shape [runs, popSize] = [${runs},${popSize}], got [${fitness.shape.join(',')}]`,
      { parameter: 'fitness', value: fitness.shape },
    );
  }
}

/** Checks that `population` has shape `[runs, popSize, dim]`. */
export function checkPopulationShape(where: string, population: tf.Tensor, runs: number, popSize: number, dim: number): void {
  const s = population.shape;
  if (population.rank !== 3 || s[0] !== runs || s[1] !== popSize || s[2] !== dim) {
    throw new DescentError(
      'invalid-option',
      `${where}: population must have shape [runs, popSize, dim] = [${runs},${popSize},${dim}], got [${s.join(',')}]`,
      { parameter: 'population', value: s },
    );
  }
}

/**
 * Reads a tensor synchronously, turning the backend's failure into a `DescentError` that names the
 * asynchronous alternative.
 */
export function readSync(where: string, t: tf.Tensor): Float32Array {
  try {
    return Float32Array.from(t.dataSync() as ArrayLike<number>);
  } catch (e) {
    throw new DescentError(
      'unsupported',
      `${where}: tell needs a synchronous read-back, which this backend lacks for device-resident tensors ` +
        `(${(e as Error).message}); use await strategy.tellAsync(state, population, fitness)`,
    );
  }
}

/** Reads a tensor with `await t.data()`. */
export async function readAsync(t: tf.Tensor): Promise<Float32Array> {
  return Float32Array.from((await t.data()) as ArrayLike<number>);
}
