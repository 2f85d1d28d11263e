/**
 * The first population of a strategy, drawn from an {@link InitSpec}.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, type Key, checkKnownOptions, checkNumber, invalidOption, normal, uniform } from '@descent/core';
import type { InitSpec } from './strategy.js';

const EXPECTED = "{ uniform: { low, high } }, { normal: { mean, std } } or a function (key, shape) => tf.Tensor";

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Draws the initial population `[runs, popSize, dim]` of a strategy from `spec`, or from
 * `fallback` when `spec` is undefined (each strategy documents its fallback: CBXpy draws
 * U(−1, 1)^d, CBX.jl N(0, I)).
 *
 * - `{ uniform: { low, high } }`: x ~ U[low, high)^d per individual, `low < high`, both finite.
 * - `{ normal: { mean, std } }`: x ~ N(mean, std²·I), `std ≥ 0`.
 * - `(key, shape) => tf.Tensor`: called once with the key and `[runs, popSize, dim]`; the result
 *   must have exactly that shape (it is returned as float32; an int tensor is cast and the
 *   original disposed).
 *
 * Random draws use the counter-based generator of `@descent/core`, so the same key gives the
 * same population on every backend. The caller owns the returned tensor.
 *
 * @param spec - the user's `init` option (may be undefined).
 * @param key - the key the population is drawn from.
 * @param shape - `[runs, popSize, dim]`.
 * @param fallback - used when `spec` is undefined.
 * @param where - the function name used in error messages (default `'initPopulation'`).
 * @throws DescentError `invalid-option` (parameter `init`) for a malformed spec or bounds;
 *   `structure-mismatch` when a function returns a tensor of another shape (the message names the
 *   expected and received shapes).
 */
export function initPopulation(
  spec: InitSpec | undefined,
  key: Key,
  shape: [number, number, number],
  fallback: InitSpec,
  where = 'initPopulation',
): tf.Tensor {
  const s = spec ?? fallback;
  if (typeof s === 'function') {
    const out: unknown = s(key, [shape[0], shape[1], shape[2]]);
    if (!(out instanceof tf.Tensor)) invalidOption(where, 'init', out, `a function returning a tf.Tensor of shape [${shape.join(',')}]`);
    if (!sameShape(out.shape, shape)) {
      const received = `[${out.shape.join(',')}]`;
      out.dispose();
      throw new DescentError(
        'structure-mismatch',
        `${where}: init returned a tensor of shape ${received}, expected [runs, popSize, dim] = [${shape.join(',')}]`,
        { parameter: 'init', value: received },
      );
    }
    if (out.dtype === 'float32') return out;
    const cast = tf.cast(out, 'float32');
    out.dispose();
    return cast;
  }
  if (s === null || typeof s !== 'object' || Array.isArray(s)) invalidOption(where, 'init', s, EXPECTED);
  const keys = Object.keys(s);
  if (keys.length !== 1) invalidOption(where, 'init', s, EXPECTED);
  if ('uniform' in s) {
    const u: unknown = s.uniform;
    if (u === null || typeof u !== 'object') invalidOption(where, 'init.uniform', u, 'an object { low, high }');
    checkKnownOptions(`${where}: init.uniform`, u, ['low', 'high']);
    const { low, high } = u as { low: unknown; high: unknown };
    const lo = checkNumber(where, 'init.uniform.low', low);
    const hi = checkNumber(where, 'init.uniform.high', high, { greaterThan: lo });
    return uniform(key, shape, lo, hi);
  }
  if ('normal' in s) {
    const n: unknown = s.normal;
    if (n === null || typeof n !== 'object') invalidOption(where, 'init.normal', n, 'an object { mean, std }');
    checkKnownOptions(`${where}: init.normal`, n, ['mean', 'std']);
    const { mean, std } = n as { mean: unknown; std: unknown };
    const m = checkNumber(where, 'init.normal.mean', mean);
    const sd = checkNumber(where, 'init.normal.std', std, { min: 0 });
    return normal(key, shape, m, sd);
  }
  return invalidOption(where, 'init', s, EXPECTED);
}
