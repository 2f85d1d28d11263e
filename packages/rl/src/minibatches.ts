/**
 * Seeded minibatch index sets for the epochs of on-policy updates.
 *
 * @packageDocumentation
 */
import { type Key, checkNumber, permutation } from '@descent/core';

/**
 * Splits a seeded permutation of `0 … n−1` (core's `permutation(key, n)`) into consecutive minibatches of
 * `batchSize` indices; the last one is shorter when `batchSize` does not divide `n` (SB3 `RolloutBuffer.get` keeps
 * it; CleanRL requires divisibility). Every index appears exactly once.
 */
export function minibatchIndices(key: Key, n: number, batchSize: number): Int32Array[] {
  checkNumber('minibatchIndices', 'n', n, { integer: true, min: 1 });
  checkNumber('minibatchIndices', 'batchSize', batchSize, { integer: true, min: 1 });
  const perm = permutation(key, n);
  const out: Int32Array[] = [];
  for (let start = 0; start < n; start += batchSize) out.push(perm.subarray(start, Math.min(n, start + batchSize)));
  return out;
}

/** Gathers rows `indices` of a row-major `[n × width]` array into a new `[indices.length × width]` array. */
export function gatherRows<A extends Float32Array | Int32Array>(source: A, width: number, indices: Int32Array): A {
  const out = new (source.constructor as new (n: number) => A)(indices.length * width);
  for (let k = 0; k < indices.length; k++) {
    const from = indices[k] * width;
    for (let j = 0; j < width; j++) out[k * width + j] = source[from + j];
  }
  return out;
}
