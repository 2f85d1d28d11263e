/**
 * Reproducible, counter-based randomness in the style of `jax.random` (DESIGN.md §2).
 *
 * A {@link Key} is two uint32 words. Every random number is a pure function of a key and a
 * counter: the Threefry-2x32 block function with 20 rounds (Salmon, Moraes, Dror & Shaw,
 * "Parallel random numbers: as easy as 1, 2, 3", SC'11, 2011) hashes the counter under the key.
 * There is no hidden state, so the same key gives the same numbers in any order of calls, and
 * independent streams come from {@link split} and {@link foldIn}, never from a global
 * `Math.random` (which this module never uses).
 *
 * The key derivations follow JAX's PRNG design (JEP 263, "JAX PRNG Design", and
 * `jax/_src/prng.py`) in its classic, non-partitionable threefry mode, which was JAX's default up
 * to jax 0.4.x (jax 0.5.0 turned `jax_threefry_partitionable` on by default, which changes
 * `split` and `random_bits` but not `fold_in`):
 *
 * - `threefry_2x32(key, count)`: the flat count array is padded with one zero when its length
 *   is odd, cut into halves `x0 = count[0..h-1]`, `x1 = count[h..2h-1]`, each pair
 *   `(x0[i], x1[i])` is hashed, and the outputs are laid out as `[all first words…, all second
 *   words…]` with the padding word dropped.
 * - `random_bits(key, 32, (n,)) = threefry_2x32(key, iota(n))`; `split(key, n)` is
 *   `threefry_2x32(key, iota(2n))` reshaped to `(n, 2)`; `fold_in(key, d) = threefry_2x32(key, [0, d])`.
 *
 * All numbers are generated on the host (in JavaScript) and only then uploaded with
 * `tf.tensor`, so a key gives bit-identical tensors on the CPU and WebGPU backends.
 *
 * Verified against published values (see `test/random.test.ts`): Random123's Threefry-2x32-20
 * known-answer vectors; JAX's `split(PRNGKey(0))`, `split(PRNGKey(0), 3)`, `split(PRNGKey(0), 4)`,
 * `fold_in(PRNGKey(0), 3)` and `random_bits` of `PRNGKey(0)`/`PRNGKey(1)` for 1, 3, 4 and 8
 * words (classic mode). {@link uniform} therefore matches `jax.random.uniform(key, shape)` on
 * `[0, 1)` bit for bit; {@link normal}, {@link randint} and {@link permutation} use their own
 * (documented) algorithms and do not reproduce JAX's draws.
 *
 * @packageDocumentation
 */

import * as tf from '@tensorflow/tfjs-core';
import { checkNumber, invalidOption } from './errors.js';

/**
 * A PRNG key: two uint32 words `[hi, lo]`, laid out like a raw JAX `PRNGKey` (`key_data`).
 *
 * Keys are values: pass them explicitly, derive new ones with {@link split} or {@link foldIn},
 * and never use the same key for two draws that should be independent. Keys returned by this
 * module are frozen arrays.
 */
export type Key = readonly [number, number];

/** Largest number of 32-bit words one counter stream hands out (JAX's single-block limit, 2^32 − 2). */
const MAX_COUNT = 0xfffffffe;

/** 2^-23, the spacing of float32 values in [1, 2). */
const TWO_POW_M23 = 2 ** -23;
/** 2^-32. */
const TWO_POW_M32 = 2 ** -32;
/** 2^32. */
const TWO_POW_32 = 2 ** 32;

/** Threefish/Threefry key-schedule parity constant for 32-bit words (Salmon et al. 2011). */
const SKEIN_PARITY = 0x1bd11bda;

/**
 * Counter word that marks the internal refill streams of {@link randint} and
 * {@link permutation}: `threefry2x32(key, 0xffffffff, round)` is never a counter pair that
 * {@link randomBits}, {@link split} (first counter word < 2^31) or {@link foldIn} (first counter
 * word 0) hash under the same key.
 */
const REFILL_TAG = 0xffffffff;

// Scratch outputs of the block function, so the hot loops allocate nothing per block.
let out0 = 0;
let out1 = 0;

/**
 * Threefry-2x32-20 on uint32 words held in JS numbers; writes the result to `out0`, `out1`.
 *
 * Five groups of four rounds; each round is `a += b; b = rotl(b, r) ^ a` with rotation
 * constants (13, 15, 26, 6) and (17, 29, 16, 24) alternating, and a key injection after every
 * group: `a += ks[(g+1) % 3]; b += ks[(g+2) % 3] + g + 1`, with `ks = [k0, k1, k0 ^ k1 ^ 0x1BD11BDA]`.
 */
function block(k0: number, k1: number, x0: number, x1: number): void {
  const k2 = (k0 ^ k1 ^ SKEIN_PARITY) >>> 0;
  let a = (x0 + k0) >>> 0;
  let b = (x1 + k1) >>> 0;
  // Group 0: rotations 13, 15, 26, 6.
  a = (a + b) >>> 0; b = ((b << 13) | (b >>> 19)) ^ a;
  a = (a + b) >>> 0; b = ((b << 15) | (b >>> 17)) ^ a;
  a = (a + b) >>> 0; b = ((b << 26) | (b >>> 6)) ^ a;
  a = (a + b) >>> 0; b = ((b << 6) | (b >>> 26)) ^ a;
  a = (a + k1) >>> 0; b = (b + k2 + 1) >>> 0;
  // Group 1: rotations 17, 29, 16, 24.
  a = (a + b) >>> 0; b = ((b << 17) | (b >>> 15)) ^ a;
  a = (a + b) >>> 0; b = ((b << 29) | (b >>> 3)) ^ a;
  a = (a + b) >>> 0; b = ((b << 16) | (b >>> 16)) ^ a;
  a = (a + b) >>> 0; b = ((b << 24) | (b >>> 8)) ^ a;
  a = (a + k2) >>> 0; b = (b + k0 + 2) >>> 0;
  // Group 2.
  a = (a + b) >>> 0; b = ((b << 13) | (b >>> 19)) ^ a;
  a = (a + b) >>> 0; b = ((b << 15) | (b >>> 17)) ^ a;
  a = (a + b) >>> 0; b = ((b << 26) | (b >>> 6)) ^ a;
  a = (a + b) >>> 0; b = ((b << 6) | (b >>> 26)) ^ a;
  a = (a + k0) >>> 0; b = (b + k1 + 3) >>> 0;
  // Group 3.
  a = (a + b) >>> 0; b = ((b << 17) | (b >>> 15)) ^ a;
  a = (a + b) >>> 0; b = ((b << 29) | (b >>> 3)) ^ a;
  a = (a + b) >>> 0; b = ((b << 16) | (b >>> 16)) ^ a;
  a = (a + b) >>> 0; b = ((b << 24) | (b >>> 8)) ^ a;
  a = (a + k1) >>> 0; b = (b + k2 + 4) >>> 0;
  // Group 4.
  a = (a + b) >>> 0; b = ((b << 13) | (b >>> 19)) ^ a;
  a = (a + b) >>> 0; b = ((b << 15) | (b >>> 17)) ^ a;
  a = (a + b) >>> 0; b = ((b << 26) | (b >>> 6)) ^ a;
  a = (a + b) >>> 0; b = ((b << 6) | (b >>> 26)) ^ a;
  a = (a + k2) >>> 0; b = (b + k0 + 5) >>> 0;
  out0 = a;
  out1 = b >>> 0;
}

function isUint32(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffffffff;
}

function makeKey(hi: number, lo: number): Key {
  return Object.freeze([hi >>> 0, lo >>> 0]) as unknown as Key;
}

function checkKey(where: string, k: unknown): Key {
  if (!isKey(k)) {
    invalidOption(where, 'key', k, 'a Key: an array of two uint32 words [hi, lo] (from key(seed), split or foldIn)');
  }
  return k;
}

function checkCount(where: string, parameter: string, value: unknown): number {
  return checkNumber(where, parameter, value, { integer: true, min: 0, max: MAX_COUNT });
}

function checkShape(where: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) invalidOption(where, 'shape', shape, 'an array of non-negative integers');
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      invalidOption(where, `shape[${i}]`, d, 'a non-negative integer');
    }
    size *= d;
  }
  if (size > MAX_COUNT) invalidOption(where, 'shape', shape, `a shape with at most ${MAX_COUNT} elements`);
  return shape as number[];
}

function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Fills `out` with `threefry_2x32(key, iota(out.length))` in JAX's classic layout. */
function fillBits(k0: number, k1: number, out: Uint32Array): void {
  const count = out.length;
  const half = Math.ceil(count / 2);
  for (let i = 0; i < half; i++) {
    const j = half + i;
    // For odd counts the last second-half counter is JAX's zero padding, and its output is dropped.
    block(k0, k1, i, j < count ? j : 0);
    out[i] = out0;
    if (j < count) out[j] = out1;
  }
}

/**
 * Makes a key from an integer seed, laid out like `jax.random.PRNGKey(seed)`:
 * `[floor(seed / 2^32), seed mod 2^32]` (the 64-bit seed bit-cast to two uint32 words).
 *
 * @param seed - a non-negative safe integer (0 ≤ seed ≤ 2^53 − 1).
 * @returns the frozen key `[hi, lo]`; `key(0)` is `[0, 0]`, `key(2 ** 32 + 1)` is `[1, 1]`.
 * @throws DescentError (`invalid-option`) when `seed` is negative, fractional or unsafe.
 * @see JAX PRNG design (JEP 263) and `threefry_seed` in `jax/_src/prng.py`.
 */
export function key(seed: number): Key {
  checkNumber('key', 'seed', seed, { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER });
  return makeKey(Math.floor(seed / TWO_POW_32), seed % TWO_POW_32);
}

/**
 * True when `x` is a {@link Key}: an array of exactly two integers in [0, 2^32 − 1].
 * Plain arrays (for example a key restored from JSON) qualify; typed arrays do not.
 */
export function isKey(x: unknown): x is Key {
  return Array.isArray(x) && x.length === 2 && isUint32(x[0]) && isUint32(x[1]);
}

/**
 * The Threefry-2x32 block function with 20 rounds: hashes the counter `(x0, x1)` under the key
 * `k` and returns two uint32 words.
 *
 * With `ks = [k0, k1, k0 ^ k1 ^ 0x1BD11BDA]`, it starts from `(a, b) = (x0 + ks0, x1 + ks1)` and
 * runs five groups of four rounds `a += b; b = rotl(b, r) ^ a` (rotations 13, 15, 26, 6 and
 * 17, 29, 16, 24, alternating), injecting `a += ks[(g+1) % 3]; b += ks[(g+2) % 3] + g + 1`
 * after group `g`. All arithmetic is mod 2^32 (`>>> 0`).
 *
 * Matches Random123's known-answer vectors (argument order there: counter, then key), e.g.
 * `threefry2x32([0, 0], 0, 0)` is `[0x6b200159, 0x99ba4efe]`.
 *
 * @param k - the key.
 * @param x0 - first counter word, a uint32.
 * @param x1 - second counter word, a uint32.
 * @throws DescentError (`invalid-option`) on a malformed key or a counter word outside [0, 2^32 − 1].
 * @see Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3" (SC'11), §3 (Threefry).
 */
export function threefry2x32(k: Key, x0: number, x1: number): [number, number] {
  checkKey('threefry2x32', k);
  checkNumber('threefry2x32', 'x0', x0, { integer: true, min: 0, max: 0xffffffff });
  checkNumber('threefry2x32', 'x1', x1, { integer: true, min: 0, max: 0xffffffff });
  block(k[0], k[1], x0, x1);
  return [out0, out1];
}

/**
 * Splits a key into `n` new, statistically independent keys (JAX's classic, non-partitionable
 * `threefry_split`).
 *
 * The counters `0 … 2n−1` are cut into halves, `x0 = [0 … n−1]` and `x1 = [n … 2n−1]`; each
 * pair is hashed, `(o0ᵢ, o1ᵢ) = threefry2x32(k, i, n + i)`; the outputs are concatenated as
 * `flat = [o0₀ … o0ₙ₋₁, o1₀ … o1ₙ₋₁]` and reshaped to `n` keys, key `j = [flat[2j], flat[2j+1]]`.
 * Equivalently, the keys are the words of `randomBits(k, 2n)` taken in pairs.
 * `split(key(0))` is `[[4146024105, 967050713], [2718843009, 1272950319]]`, as in JAX.
 *
 * The number of keys is part of the draw: `split(k, 2)[0]` differs from `split(k, 3)[0]`.
 *
 * @param k - the key to split (do not use it again for drawing afterwards).
 * @param n - how many keys, an integer in [1, 2^31 − 1]; default 2.
 * @throws DescentError (`invalid-option`) on a malformed key or a bad `n`.
 * @see JAX PRNG design (JEP 263); `_threefry_split_original` in `jax/_src/prng.py`.
 */
export function split(k: Key, n = 2): Key[] {
  checkKey('split', k);
  checkNumber('split', 'n', n, { integer: true, min: 1, max: 0x7fffffff });
  const flat = new Uint32Array(2 * n);
  fillBits(k[0], k[1], flat);
  const keys: Key[] = new Array<Key>(n);
  for (let j = 0; j < n; j++) keys[j] = makeKey(flat[2 * j], flat[2 * j + 1]);
  return keys;
}

/**
 * Derives a new key from `k` and an integer, like `jax.random.fold_in`: the key hashed at the
 * counter `(0, data)`, i.e. `foldIn(k, d) = threefry2x32(k, 0, d)`.
 *
 * Handy for per-step or per-worker keys (`foldIn(k, step)`): unlike {@link split}, the result for
 * a given `data` does not depend on how many other values are folded in.
 * `foldIn(key(0), 3)` is `[2467461003, 3840466878]`, as in JAX.
 *
 * @param k - the key.
 * @param data - a uint32, an integer in [0, 2^32 − 1].
 * @throws DescentError (`invalid-option`) on a malformed key or a bad `data`.
 * @see `threefry_fold_in` in `jax/_src/prng.py` (`threefry_2x32(key, threefry_seed(data))`).
 */
export function foldIn(k: Key, data: number): Key {
  checkKey('foldIn', k);
  checkNumber('foldIn', 'data', data, { integer: true, min: 0, max: 0xffffffff });
  block(k[0], k[1], 0, data);
  return makeKey(out0, out1);
}

/**
 * `count` uint32 words from the counter stream of `k`, in the layout of JAX's classic
 * `threefry_random_bits(key, 32, (count,))` = `threefry_2x32(key, iota(count))`:
 * with `h = ceil(count / 2)`, word `i < h` is the first output of `threefry2x32(k, i, h + i)` and
 * word `h + i` its second output; for odd `count` the last pair's second counter is JAX's zero
 * padding and its second output is dropped.
 *
 * Verified against JAX (classic mode): `randomBits(key(0), 1)` is `[1797259609]`,
 * `randomBits(key(0), 3)` is `[4146024105, 1351547692, 2718843009]` and
 * `randomBits(key(0), 4)` is `[4146024105, 967050713, 2718843009, 1272950319]`.
 * Note that the count is part of the draw: a shorter draw is not a prefix of a longer one.
 *
 * @param k - the key.
 * @param count - how many words, an integer in [0, 2^32 − 2].
 * @throws DescentError (`invalid-option`) on a malformed key or a bad `count`.
 * @see Salmon et al. 2011; `threefry_2x32` and `threefry_random_bits` in `jax/_src/prng.py`.
 */
export function randomBits(k: Key, count: number): Uint32Array {
  checkKey('randomBits', k);
  checkCount('randomBits', 'count', count);
  const out = new Uint32Array(count);
  fillBits(k[0], k[1], out);
  return out;
}

/** The largest float32 strictly below the float32 `x` (finite `x`). */
function float32Below(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer);
  if (x > 0) u[0] -= 1;
  else if (x < 0) u[0] += 1;
  else u[0] = 0x80000001; // below ±0: the negative smallest subnormal
  return f[0];
}

function checkRange(where: string, lo: unknown, hi: unknown, loName: string, hiName: string): [number, number] {
  checkNumber(where, loName, lo);
  checkNumber(where, hiName, hi);
  const lo32 = Math.fround(lo as number);
  const hi32 = Math.fround(hi as number);
  if (!((hi as number) > (lo as number)) || !(hi32 > lo32) || !Number.isFinite(Math.fround(hi32 - lo32))) {
    invalidOption(
      where,
      hiName,
      hi,
      `a finite number > ${loName} (${String(lo)}) that stays above it in float32, with ${hiName} − ${loName} finite in float32`,
    );
  }
  return [lo32, hi32];
}

/**
 * `count` float32 values uniform on `[lo, hi)`, computed on the host.
 *
 * As in `jax.random.uniform`: each word `b` of `randomBits(k, count)` keeps its top 23 bits as a
 * float32 mantissa, `u = (b >>> 9) · 2^-23 ∈ [0, 1)` (exactly JAX's `bitcast(b >> 9 | 0x3f800000) − 1`),
 * then `x = lo + (hi − lo) · u` with every operation rounded to float32 (`Math.fround`) and
 * `lo`, `hi` first rounded to float32, then clamped to `[lo, pred(hi)]` (JAX applies
 * `lax.max(lo, ·)`; the upper clamp keeps the documented half-open range when rounding would
 * reach `hi`). For `[0, 1)` this equals JAX's `random.uniform(key, (count,))` bit for bit.
 *
 * @param k - the key.
 * @param count - how many values, an integer in [0, 2^32 − 2].
 * @param lo - inclusive lower bound, default 0.
 * @param hi - exclusive upper bound, default 1; must exceed `lo` (also after rounding to float32).
 * @throws DescentError (`invalid-option`) on a malformed key, a bad `count`, or `lo ≥ hi`.
 * @see `jax.random.uniform` (`jax/_src/random.py`); Salmon et al. 2011.
 */
export function uniformValues(k: Key, count: number, lo = 0, hi = 1): Float32Array {
  checkKey('uniformValues', k);
  checkCount('uniformValues', 'count', count);
  return uniformFromBits('uniformValues', k, count, lo, hi);
}

function uniformFromBits(where: string, k: Key, count: number, lo: number, hi: number): Float32Array {
  const [lo32, hi32] = checkRange(where, lo, hi, 'lo', 'hi');
  const bits = new Uint32Array(count);
  fillBits(k[0], k[1], bits);
  const out = new Float32Array(count);
  const width = Math.fround(hi32 - lo32);
  const top = float32Below(hi32);
  for (let i = 0; i < count; i++) {
    const u = (bits[i] >>> 9) * TWO_POW_M23;
    let x = Math.fround(Math.fround(u * width) + lo32);
    if (x < lo32) x = lo32;
    else if (x > top) x = top;
    out[i] = x;
  }
  return out;
}

/**
 * `count` float32 values from the normal distribution `N(mean, std²)`, computed on the host.
 *
 * Method: Box–Muller (Box & Muller 1958) in float64 on pairs of words `(b₂ᵢ, b₂ᵢ₊₁)` of
 * `randomBits(k, 2·ceil(count / 2))`: `u₁ = (b₂ᵢ + 1) · 2^-32 ∈ (0, 1]` (so the logarithm never
 * sees 0), `u₂ = b₂ᵢ₊₁ · 2^-32 ∈ [0, 1)`, `r = sqrt(−2 ln u₁)`, `θ = 2π u₂`, and
 * `z₂ᵢ = r cos θ`, `z₂ᵢ₊₁ = r sin θ`; the values are `mean + std · z`, rounded once to float32
 * (an odd `count` drops the last sine). |z| ≤ sqrt(2 ln 2^32) ≈ 6.66.
 *
 * Deterministic on every tfjs backend because it runs in JavaScript. It relies on `Math.log`,
 * `Math.cos` and `Math.sin`, which ECMAScript does not require to be correctly rounded, so the
 * last bit may differ between JavaScript engines (V8 in Node and Chrome agree). It does not
 * reproduce `jax.random.normal`, which applies `sqrt(2) · erfinv` to uniforms.
 *
 * @param k - the key.
 * @param count - how many values, an integer in [0, 2^32 − 2] (2^32 − 2 is even, so the words fit one stream).
 * @param mean - the mean, default 0.
 * @param std - the standard deviation, default 1; a finite number ≥ 0.
 * @throws DescentError (`invalid-option`) on a malformed key, a bad `count`, a non-finite `mean`, or `std < 0`.
 * @see G. E. P. Box and M. E. Muller, "A note on the generation of random normal deviates" (1958); JAX PRNG design (JEP 263).
 */
export function normalValues(k: Key, count: number, mean = 0, std = 1): Float32Array {
  checkKey('normalValues', k);
  checkCount('normalValues', 'count', count);
  return normalFromBits('normalValues', k, count, mean, std);
}

function normalFromBits(where: string, k: Key, count: number, mean: number, std: number): Float32Array {
  checkNumber(where, 'mean', mean);
  checkNumber(where, 'std', std, { min: 0 });
  const pairs = Math.ceil(count / 2);
  const bits = new Uint32Array(2 * pairs);
  fillBits(k[0], k[1], bits);
  const out = new Float32Array(count);
  for (let i = 0; i < pairs; i++) {
    const u1 = (bits[2 * i] + 1) * TWO_POW_M32;
    const u2 = bits[2 * i + 1] * TWO_POW_M32;
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * u2;
    out[2 * i] = mean + std * (r * Math.cos(theta));
    if (2 * i + 1 < count) out[2 * i + 1] = mean + std * (r * Math.sin(theta));
  }
  return out;
}

/**
 * A float32 tensor of the given shape, uniform on `[lo, hi)`: {@link uniformValues} uploaded
 * with `tf.tensor(values, shape, 'float32')`. Same key, same bits on every backend; on `[0, 1)`
 * it matches `jax.random.uniform(key, shape)` (classic threefry mode) bit for bit.
 *
 * The caller owns (and disposes) the returned tensor.
 *
 * @param k - the key.
 * @param shape - the tensor shape, non-negative integers (`[]` for a scalar).
 * @param lo - inclusive lower bound, default 0.
 * @param hi - exclusive upper bound, default 1.
 * @throws DescentError (`invalid-option`) on a malformed key, a bad shape, or `lo ≥ hi`.
 * @see {@link uniformValues} for the equation; JAX PRNG design (JEP 263).
 */
export function uniform(k: Key, shape: number[], lo = 0, hi = 1): tf.Tensor {
  checkKey('uniform', k);
  checkShape('uniform', shape);
  const values = uniformFromBits('uniform', k, shapeSize(shape), lo, hi);
  return tf.tensor(values, shape, 'float32');
}

/**
 * A float32 tensor of the given shape from `N(mean, std²)`: {@link normalValues} (Box–Muller on
 * the host) uploaded with `tf.tensor(values, shape, 'float32')`, so the same key gives the same
 * bits on every backend.
 *
 * The caller owns (and disposes) the returned tensor.
 *
 * @param k - the key.
 * @param shape - the tensor shape, non-negative integers (`[]` for a scalar).
 * @param mean - the mean, default 0.
 * @param std - the standard deviation, default 1; ≥ 0.
 * @throws DescentError (`invalid-option`) on a malformed key, a bad shape, a non-finite `mean`, or `std < 0`.
 * @see {@link normalValues} for the method; Box & Muller 1958.
 */
export function normal(k: Key, shape: number[], mean = 0, std = 1): tf.Tensor {
  checkKey('normal', k);
  checkShape('normal', shape);
  const values = normalFromBits('normal', k, shapeSize(shape), mean, std);
  return tf.tensor(values, shape, 'float32');
}

/**
 * A deterministic source of uint32 words: first the counter stream `randomBits(k, first)`, then,
 * whenever it runs dry, refill blocks `randomBits(kᵣ, refill)` with keys
 * `kᵣ = threefry2x32(k, 0xffffffff, r)` for r = 1, 2, … (a counter pair no other function in
 * this module hashes under `k`).
 */
class WordStream {
  private words: Uint32Array;
  private pos = 0;
  private round = 0;

  constructor(
    private readonly k0: number,
    private readonly k1: number,
    first: number,
    private readonly refill: number,
  ) {
    this.words = new Uint32Array(first);
    fillBits(k0, k1, this.words);
  }

  next(): number {
    if (this.pos === this.words.length) {
      this.round += 1;
      block(this.k0, this.k1, REFILL_TAG, this.round);
      this.words = new Uint32Array(this.refill);
      fillBits(out0, out1, this.words);
      this.pos = 0;
    }
    return this.words[this.pos++];
  }

  /**
   * An unbiased integer in [0, range) for 1 ≤ range ≤ 2^32, by rejection: accept a word
   * `w < limit = 2^32 − (2^32 mod range)` (a multiple of `range`) and return `w mod range`.
   * Each try is rejected with probability `(2^32 mod range) / 2^32 < 1/2`.
   */
  below(range: number): number {
    const limit = TWO_POW_32 - (TWO_POW_32 % range);
    for (;;) {
      const w = this.next();
      if (w < limit) return w % range;
    }
  }
}

/**
 * An int32 tensor of the given shape with integers uniform on `[low, high)`.
 *
 * Method: unbiased rejection sampling (not a biased modulo, not 64-bit multiply-shift). With
 * `r = high − low ≤ 2^32`, each element takes the next word `w` of the key's stream that
 * satisfies `w < 2^32 − (2^32 mod r)` and becomes `low + (w mod r)`. The stream starts with
 * `randomBits(k, size)`; rejected words (probability `(2^32 mod r) / 2^32`, below 1/2 and 0 when
 * `r` is a power of two) are replaced from refill blocks derived from `k` (see the module notes),
 * so the result is a pure function of `(k, shape, low, high)`. Generated on the host and
 * uploaded with `tf.tensor(values, shape, 'int32')`. Does not reproduce `jax.random.randint`.
 *
 * The caller owns (and disposes) the returned tensor.
 *
 * @param k - the key.
 * @param shape - the tensor shape, non-negative integers.
 * @param low - inclusive lower bound, an integer ≥ −2^31.
 * @param high - exclusive upper bound, an integer with `low < high ≤ 2^31`.
 * @throws DescentError (`invalid-option`) on a malformed key, a bad shape, or bad bounds.
 * @see JAX PRNG design (JEP 263); D. Lemire, "Fast random integer generation in an interval" (2019), for the rejection threshold.
 */
export function randint(k: Key, shape: number[], low: number, high: number): tf.Tensor {
  checkKey('randint', k);
  checkShape('randint', shape);
  checkNumber('randint', 'low', low, { integer: true, min: -(2 ** 31), max: 2 ** 31 - 1 });
  checkNumber('randint', 'high', high, { integer: true, greaterThan: low, max: 2 ** 31 });
  const size = shapeSize(shape);
  const range = high - low;
  const stream = new WordStream(k[0], k[1], size, Math.max(64, Math.ceil(size / 8)));
  const values = new Int32Array(size);
  for (let i = 0; i < size; i++) values[i] = low + stream.below(range);
  return tf.tensor(values, shape, 'int32');
}

/**
 * A uniformly random permutation of `0 … n−1`, by the Fisher–Yates (Durstenfeld) shuffle driven
 * by the key: for `i = n−1` down to 1, draw `j` uniform on `[0, i]` (unbiased rejection, as in
 * {@link randint}, from the stream that starts with `randomBits(k, n − 1)`) and swap entries `i`
 * and `j`. A pure function of `(k, n)`, computed on the host. Does not reproduce
 * `jax.random.permutation` (which sorts by random keys).
 *
 * @param k - the key.
 * @param n - the length, an integer in [0, 2^31 − 1].
 * @throws DescentError (`invalid-option`) on a malformed key or a bad `n`.
 * @see R. A. Fisher and F. Yates (1938); R. Durstenfeld, "Algorithm 235: Random permutation", CACM 7(7), 1964.
 */
export function permutation(k: Key, n: number): Int32Array {
  checkKey('permutation', k);
  checkNumber('permutation', 'n', n, { integer: true, min: 0, max: 0x7fffffff });
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  if (n < 2) return perm;
  const stream = new WordStream(k[0], k[1], n - 1, Math.max(64, Math.ceil(n / 8)));
  for (let i = n - 1; i > 0; i--) {
    const j = stream.below(i + 1);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  return perm;
}
