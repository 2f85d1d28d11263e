/**
 * Tests for the counter-based PRNG (`src/random.ts`). They run unchanged in the cpu and the webgpu
 * lane: host-side values are backend-independent, and the tensor tests pin exact float32 bit
 * patterns so that both lanes must reproduce them.
 *
 * Sources of the known answers:
 * - Threefry-2x32-20: Random123's `kat_vectors` (D. E. Shaw Research; line format
 *   `threefry2x32 20 CTR0 CTR1 KEY0 KEY1 OUT0 OUT1`, counter first, then key), the same three
 *   vectors JAX's `tests/random_test.py` checks with `threefry_2x32(key, count)`.
 * - JAX (classic, non-partitionable threefry, jax ≤ 0.4.x defaults):
 *   `split(PRNGKey(0))` from the JAX docs' PRNG tutorial output; `split(key(0), 3)`, `key(2**32)`,
 *   and `random_bits` of keys [0,0], [0,1], [1,1], [2,2] … for 1–3 words from MLX's
 *   `tests/random_tests.cpp`, whose comments say they were generated with
 *   `jax.prng.threefry_prng_impl.random_bits(jax.random.PRNGKey(seed), 32, shape)`;
 *   `bits(key(0), (4,))`, `bits(key(0), (8,)) == split(key(0), 4)` and `fold_in(key(0), 3)` from a
 *   jax 0.4.38 CPU session quoted in a public JAX tutorial.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { DescentError } from '../src/errors.js';
import {
  type Key,
  foldIn,
  isKey,
  key,
  normal,
  normalValues,
  permutation,
  randint,
  randomBits,
  split,
  threefry2x32,
  uniform,
  uniformValues,
} from '../src/random.js';

// ---------------------------------------------------------------------------------------------
// helpers

function expectInvalid(fn: () => unknown, parameter: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a DescentError naming '${parameter}'`).toBeInstanceOf(DescentError);
  const err = caught as DescentError;
  expect(err.code).toBe('invalid-option');
  expect(err.parameter).toBe(parameter);
  expect(err.message).toContain(parameter);
}

function f32Bits(values: ArrayLike<number>): number[] {
  return Array.from(new Uint32Array(Float32Array.from(values).buffer));
}

function meanOf(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

function varianceOf(xs: ArrayLike<number>): number {
  const m = meanOf(xs);
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += (xs[i] - m) ** 2;
  return s / (xs.length - 1);
}

/** erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7, far below the KS tolerances used here). */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const ax = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * ax);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-ax * ax));
}

const normalCdf = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));

/** Kolmogorov–Smirnov statistic D = sup |F_n − F| of a sample against a continuous CDF. */
function ksStatistic(xs: ArrayLike<number>, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(xs).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

/** KS critical value at significance 0.001: sqrt(ln(2/α)/2) / sqrt(n) ≈ 1.95 / sqrt(n). */
const ksCritical = (n: number): number => Math.sqrt(Math.log(2 / 0.001) / 2) / Math.sqrt(n);

// ---------------------------------------------------------------------------------------------

describe('threefry2x32 (Random123 known answers, 20 rounds)', () => {
  // kat_vectors lines: "threefry2x32 20 <ctr0> <ctr1> <key0> <key1> <out0> <out1>".
  it('key (0,0), counter (0,0) -> 6b200159 99ba4efe', () => {
    expect(threefry2x32([0, 0], 0x00000000, 0x00000000)).toEqual([0x6b200159, 0x99ba4efe]);
  });

  it('all ones -> 1cb996fc bb002be7', () => {
    expect(threefry2x32([0xffffffff, 0xffffffff], 0xffffffff, 0xffffffff)).toEqual([0x1cb996fc, 0xbb002be7]);
  });

  it('pi digits: counter 243f6a88 85a308d3, key 13198a2e 03707344 -> c4923a9c 483df7a0', () => {
    expect(threefry2x32([0x13198a2e, 0x03707344], 0x243f6a88, 0x85a308d3)).toEqual([0xc4923a9c, 0x483df7a0]);
  });

  it('returns uint32 words', () => {
    for (let i = 0; i < 100; i++) {
      const [a, b] = threefry2x32([i, 7 * i], i, 0xffffffff - i);
      for (const w of [a, b]) {
        expect(Number.isInteger(w)).toBe(true);
        expect(w).toBeGreaterThanOrEqual(0);
        expect(w).toBeLessThanOrEqual(0xffffffff);
      }
    }
  });
});

describe('key', () => {
  it('uses the JAX PRNGKey layout [floor(seed / 2^32), seed mod 2^32]', () => {
    expect(key(0)).toEqual([0, 0]);
    expect(key(1)).toEqual([0, 1]);
    expect(key(42)).toEqual([0, 42]);
    expect(key(2 ** 32 - 1)).toEqual([0, 0xffffffff]);
    // MLX random_tests.cpp ("test random key"), mirroring JAX's threefry_seed.
    expect(key(2 ** 32)).toEqual([1, 0]);
    expect(key(2 ** 32 + 1)).toEqual([1, 1]);
    expect(key(Number.MAX_SAFE_INTEGER)).toEqual([2 ** 21 - 1, 0xffffffff]);
  });

  it('returns frozen keys that isKey accepts', () => {
    const k = key(5);
    expect(Object.isFrozen(k)).toBe(true);
    expect(isKey(k)).toBe(true);
    for (const s of split(k, 3)) expect(Object.isFrozen(s) && isKey(s)).toBe(true);
    expect(Object.isFrozen(foldIn(k, 1))).toBe(true);
  });
});

describe('isKey', () => {
  it('accepts two uint32 words, including a plain array restored from JSON', () => {
    expect(isKey([0, 0])).toBe(true);
    expect(isKey([0xffffffff, 0xffffffff])).toBe(true);
    expect(isKey(JSON.parse(JSON.stringify(key(123))))).toBe(true);
  });

  it('rejects anything else', () => {
    const bad: unknown[] = [
      undefined,
      null,
      0,
      'key',
      [],
      [0],
      [0, 0, 0],
      [-1, 0],
      [0, 2 ** 32],
      [0.5, 1],
      [Number.NaN, 0],
      ['0', '0'],
      new Uint32Array([0, 0]),
      { 0: 0, 1: 0, length: 2 },
    ];
    for (const b of bad) expect(isKey(b)).toBe(false);
  });
});

describe('split (JAX classic threefry_split)', () => {
  it('split(key(0)) is [[4146024105, 967050713], [2718843009, 1272950319]] as in JAX', () => {
    expect(split(key(0))).toEqual([
      [4146024105, 967050713],
      [2718843009, 1272950319],
    ]);
    expect(split(key(0), 2)).toEqual(split(key(0)));
  });

  it('split(key(0), 3) matches JAX (values from MLX random_tests.cpp)', () => {
    expect(split(key(0), 3)).toEqual([
      [2467461003, 428148500],
      [3186719485, 3840466878],
      [2562233961, 1946702221],
    ]);
  });

  it('split(key(0), 4) flattened equals bits(key(0), (8,)) as in JAX 0.4.38', () => {
    const expected = [2285895361, 1501764800, 1518642379, 4090693311, 433833334, 4221794875, 839183663, 3740430601];
    expect(split(key(0), 4).flat()).toEqual(expected);
    expect(Array.from(randomBits(key(0), 8))).toEqual(expected);
  });

  it('follows the counter layout: halves x0 = 0..n-1, x1 = n..2n-1, outputs concatenated then paired', () => {
    const k = key(987654321);
    for (const n of [1, 2, 3, 5, 8]) {
      const first: number[] = [];
      const second: number[] = [];
      for (let i = 0; i < n; i++) {
        const [a, b] = threefry2x32(k, i, n + i);
        first.push(a);
        second.push(b);
      }
      const flat = [...first, ...second];
      const expected = Array.from({ length: n }, (_, j) => [flat[2 * j], flat[2 * j + 1]]);
      expect(split(k, n)).toEqual(expected);
    }
  });

  it('gives distinct keys, and the number of keys is part of the draw', () => {
    const keys = split(key(3), 1000);
    expect(keys).toHaveLength(1000);
    expect(new Set(keys.map((k) => `${k[0]},${k[1]}`)).size).toBe(1000);
    expect(split(key(3), 2)[0]).not.toEqual(split(key(3), 3)[0]);
  });
});

describe('foldIn (JAX threefry_fold_in)', () => {
  it('foldIn(key(0), 3) is [2467461003, 3840466878] as in JAX', () => {
    expect(foldIn(key(0), 3)).toEqual([2467461003, 3840466878]);
  });

  it('is threefry2x32(key, 0, data)', () => {
    const k = key(77);
    for (const d of [0, 1, 2, 1000, 0xffffffff]) expect(foldIn(k, d)).toEqual(threefry2x32(k, 0, d));
  });

  it('gives distinct keys for distinct data and does not return the key itself', () => {
    const k = key(11);
    const seen = new Set<string>();
    for (let d = 0; d < 2000; d++) seen.add(foldIn(k, d).join(','));
    expect(seen.size).toBe(2000);
    expect(seen.has(k.join(','))).toBe(false);
    expect(foldIn(key(1), 5)).not.toEqual(foldIn(key(2), 5));
  });
});

describe('randomBits (JAX classic threefry_random_bits, 32-bit words)', () => {
  it('matches JAX for PRNGKey(0) and PRNGKey(1)', () => {
    // MLX random_tests.cpp, generated with jax.prng.threefry_prng_impl.random_bits(PRNGKey(seed), 32, shape).
    expect(Array.from(randomBits(key(0), 1))).toEqual([1797259609]);
    expect(Array.from(randomBits(key(1), 1))).toEqual([507451445]);
    expect(Array.from(randomBits(key(0), 3))).toEqual([4146024105, 1351547692, 2718843009]);
    expect(Array.from(randomBits(key(1), 3))).toEqual([2441914641, 1110694964, 3819641963]);
    // jax 0.4.38 session: jax.random.bits(key(0), (4,)).
    expect(Array.from(randomBits(key(0), 4))).toEqual([4146024105, 967050713, 2718843009, 1272950319]);
  });

  it('matches JAX for raw keys [a, b] (MLX vmapped random_bits tests)', () => {
    expect(Array.from(randomBits([1, 1], 3))).toEqual([3725146706, 1802982961, 1349634643]);
    expect(Array.from(randomBits([0, 0], 2))).toEqual([928981903, 3453687069]);
    expect(Array.from(randomBits([1, 1], 2))).toEqual([3606183818, 460005496]);
    expect(Array.from(randomBits([2, 2], 2))).toEqual([2799733733, 856293553]);
    expect(Array.from(randomBits([3, 3], 2))).toEqual([4081856343, 3445925136]);
    expect(Array.from(randomBits([4, 4], 2))).toEqual([2775548010, 1430281703]);
    expect(Array.from(randomBits([5, 5], 2))).toEqual([305173070, 2615843348]);
    expect(Array.from(randomBits([0, 1], 2))).toEqual([1948878966, 4237131848]);
    expect(Array.from(randomBits([2, 3], 2))).toEqual([2531170506, 1858648356]);
    expect(Array.from(randomBits([4, 5], 2))).toEqual([740561898, 4234094099]);
  });

  it('pads odd counts with a zero counter: entries 0 and 2 of a 3-word draw equal those of a 4-word draw', () => {
    const k = key(2024);
    const three = randomBits(k, 3);
    const four = randomBits(k, 4);
    expect(three[0]).toBe(four[0]);
    expect(three[2]).toBe(four[2]);
    expect(three[1]).toBe(threefry2x32(k, 1, 0)[0]);
    expect(three[1]).not.toBe(four[1]);
  });

  it('returns an empty array for count 0 and is deterministic', () => {
    expect(randomBits(key(1), 0)).toHaveLength(0);
    expect(Array.from(randomBits(key(9), 1001))).toEqual(Array.from(randomBits(key(9), 1001)));
  });
});

describe('uniform', () => {
  it('matches jax.random.uniform(PRNGKey(0)) = 0.41845703 bit for bit: u = (bits >>> 9) * 2^-23', () => {
    expect(uniformValues(key(0), 1)[0]).toBe(0.41845703125);
    expect(uniformValues(key(0), 1)[0]).toBe((1797259609 >>> 9) * 2 ** -23);
    const bits = randomBits(key(0), 4);
    expect(Array.from(uniformValues(key(0), 4))).toEqual(Array.from(bits, (b) => (b >>> 9) * 2 ** -23));
  });

  it('pins the float32 bits of uniform(key(42), [8]) on this backend', async () => {
    const t = uniform(key(42), [8]);
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([8]);
    const values = await t.data();
    t.dispose();
    expect(f32Bits(values)).toEqual([
      0x3f3013ae, 0x3f197e02, 0x3e87c884, 0x3e76f078, 0x3f434edc, 0x3e91d798, 0x3d256f80, 0x3b522600,
    ]);
  });

  it('tensor values equal the host values, for any shape including scalars and empty shapes', async () => {
    const k = key(8);
    const t = uniform(k, [3, 4], -2, 5);
    expect(t.shape).toEqual([3, 4]);
    expect(f32Bits(await t.data())).toEqual(f32Bits(uniformValues(k, 12, -2, 5)));
    t.dispose();
    const s = uniform(k, []);
    expect(s.shape).toEqual([]);
    expect(f32Bits(await s.data())).toEqual(f32Bits(uniformValues(k, 1)));
    s.dispose();
    const e = uniform(k, [0, 3]);
    expect(e.shape).toEqual([0, 3]);
    expect(e.size).toBe(0);
    e.dispose();
  });

  it('scales to [lo, hi) in float32 arithmetic', () => {
    const k = key(10);
    const u = uniformValues(k, 1000);
    const v = uniformValues(k, 1000, -3, 5);
    for (let i = 0; i < 1000; i++) {
      expect(v[i]).toBe(Math.fround(Math.fround(u[i] * 8) + -3));
      expect(v[i]).toBeGreaterThanOrEqual(-3);
      expect(v[i]).toBeLessThan(5);
    }
  });

  it('clamps below hi when float32 rounding would reach it', () => {
    // In [1e7, 1e7 + 1) the only float32 is 1e7 (spacing 1); u >= 0.5 would round up to hi.
    const v = uniformValues(key(12), 1000, 1e7, 1e7 + 1);
    for (const x of v) expect(x).toBe(1e7);
  });

  it('has mean 1/2 and variance 1/12 (200k samples, 5 standard errors) and passes KS', () => {
    const n = 200_000;
    const u = uniformValues(key(2718), n);
    // SE(mean) = sqrt(1/12 / n); SE(var) = sqrt((mu4 - sigma^4) / n) with mu4 = 1/80, sigma^4 = 1/144.
    expect(Math.abs(meanOf(u) - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(varianceOf(u) - 1 / 12)).toBeLessThan(5 * Math.sqrt((1 / 80 - 1 / 144) / n));
    expect(ksStatistic(u, (x) => Math.min(1, Math.max(0, x)))).toBeLessThan(ksCritical(n));
    let min = 1;
    let max = 0;
    for (const x of u) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThan(1);
  });
});

describe('normal', () => {
  it('pins the float32 bits of normal(key(7), [8]) on this backend', async () => {
    const t = normal(key(7), [8]);
    expect(t.dtype).toBe('float32');
    const values = await t.data();
    t.dispose();
    expect(f32Bits(values)).toEqual([
      0xc00a36c5, 0x40030972, 0x3f9e592c, 0x3f4f1ed0, 0x3f4fe88b, 0xbb7cba36, 0x3eb0afa9, 0xbece2756,
    ]);
  });

  it('is Box–Muller on word pairs: z = sqrt(-2 ln u1) (cos, sin)(2 pi u2), u1 in (0, 1]', () => {
    const k = key(31);
    const bits = randomBits(k, 6);
    const z = normalValues(k, 6);
    for (let i = 0; i < 3; i++) {
      const u1 = (bits[2 * i] + 1) / 2 ** 32;
      const u2 = bits[2 * i + 1] / 2 ** 32;
      const r = Math.sqrt(-2 * Math.log(u1));
      expect(z[2 * i]).toBe(Math.fround(r * Math.cos(2 * Math.PI * u2)));
      expect(z[2 * i + 1]).toBe(Math.fround(r * Math.sin(2 * Math.PI * u2)));
    }
    // An odd count draws the same words as the next even count and drops the last sine.
    expect(Array.from(normalValues(k, 5))).toEqual(Array.from(z.subarray(0, 5)));
  });

  it('applies mean and std, and std = 0 gives the mean', () => {
    const k = key(5);
    const z = normalValues(k, 100);
    const y = normalValues(k, 100, 3, 2);
    for (let i = 0; i < 100; i++) expect(y[i]).toBeCloseTo(3 + 2 * z[i], 5);
    for (const x of normalValues(k, 10, -1.5, 0)) expect(x).toBe(-1.5);
  });

  it('has mean 0 and variance 1 (200k samples, 5 standard errors) and passes KS', () => {
    const n = 200_000;
    const z = normalValues(key(314159), n);
    // SE(mean) = 1/sqrt(n); SE(var) = sqrt((mu4 - sigma^4) / n) = sqrt(2 / n).
    expect(Math.abs(meanOf(z))).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(varianceOf(z) - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(ksStatistic(z, normalCdf)).toBeLessThan(ksCritical(n));
    expect(z.every((x) => Number.isFinite(x))).toBe(true);
  });

  it('fills ten equal-probability buckets evenly (chi-square, 9 dof, p = 0.001 critical 27.88)', () => {
    const n = 100_000;
    const z = normalValues(key(4242), n);
    const counts = new Array<number>(10).fill(0);
    for (const x of z) counts[Math.min(9, Math.floor(normalCdf(x) * 10))] += 1;
    const expected = n / 10;
    const chi2 = counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(27.88);
  });
});

describe('randint (unbiased rejection sampling)', () => {
  it('is int32, stays in [low, high) and hits every value evenly', async () => {
    const n = 70_000;
    const t = randint(key(99), [n], -3, 4);
    expect(t.dtype).toBe('int32');
    expect(t.shape).toEqual([n]);
    const v = await t.data();
    t.dispose();
    const counts = new Map<number, number>();
    expect(v).toBeInstanceOf(Int32Array);
    for (const x of v) counts.set(x, (counts.get(x) ?? 0) + 1);
    expect([...counts.keys()].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    // Each count is Binomial(n, 1/7): within 5 standard errors of n/7.
    const se = Math.sqrt((n * (1 / 7) * 6) / 7);
    for (const c of counts.values()) expect(Math.abs(c - n / 7)).toBeLessThan(5 * se);
  });

  it('handles the full int32 range and a range that rejects almost half the words', async () => {
    const full = randint(key(1), [2000], -(2 ** 31), 2 ** 31);
    const fv = await full.data();
    full.dispose();
    expect(fv).toBeInstanceOf(Int32Array); // every int32 is in [-2^31, 2^31)
    expect(new Set(fv).size).toBeGreaterThan(1990);

    // r = 2^31 + 1: accept only words < 2^31 + 1, so about half are refilled from the derived stream.
    const t = randint(key(2), [5000], -1, 2 ** 31);
    const v = await t.data();
    t.dispose();
    let negatives = 0;
    let outside = 0;
    for (const x of v) {
      if (x < -1 || x >= 2 ** 31) outside += 1;
      if (x < 0) negatives += 1;
    }
    expect(outside).toBe(0);
    expect(negatives).toBeLessThan(5); // P(x = -1) = 1 / (2^31 + 1)
    expect(meanOf(v) / 2 ** 31).toBeCloseTo(0.5, 1);
  });

  it('is deterministic and depends on the key', async () => {
    const a = randint(key(5), [4, 5], 0, 1000);
    const b = randint(key(5), [4, 5], 0, 1000);
    const c = randint(key(6), [4, 5], 0, 1000);
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    expect(Array.from(await a.data())).not.toEqual(Array.from(await c.data()));
    tf.dispose([a, b, c]);
  });

  it('a single-value range gives that value', async () => {
    const t = randint(key(0), [5], 7, 8);
    expect(Array.from(await t.data())).toEqual([7, 7, 7, 7, 7]);
    t.dispose();
  });
});

describe('permutation (Fisher–Yates)', () => {
  it('returns a permutation of 0..n-1', () => {
    for (const n of [0, 1, 2, 3, 10, 1000]) {
      const p = permutation(key(n + 1), n);
      expect(p).toBeInstanceOf(Int32Array);
      expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });

  it('is deterministic and depends on the key', () => {
    expect(Array.from(permutation(key(4), 50))).toEqual(Array.from(permutation(key(4), 50)));
    expect(Array.from(permutation(key(4), 50))).not.toEqual(Array.from(permutation(key(5), 50)));
  });

  it('draws all 3! orders equally often (6000 keys, 5 standard errors)', () => {
    const base = key(1234);
    const n = 6000;
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const p = permutation(foldIn(base, i), 3).join('');
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    const se = Math.sqrt((n * (1 / 6) * 5) / 6);
    for (const c of counts.values()) expect(Math.abs(c - n / 6)).toBeLessThan(5 * se);
  });
});

describe('determinism and independence', () => {
  it('the same key gives identical arrays; calling order does not matter', async () => {
    const [k1, k2] = split(key(2025));
    const u1 = uniformValues(k1, 500);
    const z2 = normalValues(k2, 500);
    const t2 = normal(k2, [500]);
    const t1 = uniform(k1, [500]);
    // Reverse order, with unrelated draws in between.
    uniformValues(key(1), 10);
    const z2b = normalValues(k2, 500);
    const u1b = uniformValues(k1, 500);
    expect(f32Bits(u1b)).toEqual(f32Bits(u1));
    expect(f32Bits(z2b)).toEqual(f32Bits(z2));
    expect(f32Bits(await t1.data())).toEqual(f32Bits(u1));
    expect(f32Bits(await t2.data())).toEqual(f32Bits(z2));
    tf.dispose([t1, t2]);
  });

  it('different keys, splits and fold-ins give different, uncorrelated streams', () => {
    const n = 20_000;
    const [a, b] = split(key(17));
    const streams = [uniformValues(a, n), uniformValues(b, n), uniformValues(foldIn(a, 0), n), uniformValues(key(18), n)];
    for (let i = 0; i < streams.length; i++) {
      for (let j = i + 1; j < streams.length; j++) {
        const x = streams[i];
        const y = streams[j];
        expect(f32Bits(x)).not.toEqual(f32Bits(y));
        const mx = meanOf(x);
        const my = meanOf(y);
        let sxy = 0;
        for (let t = 0; t < n; t++) sxy += (x[t] - mx) * (y[t] - my);
        const corr = sxy / (n - 1) / Math.sqrt(varianceOf(x) * varianceOf(y));
        // Under independence corr is approximately N(0, 1/n): 5 standard errors.
        expect(Math.abs(corr)).toBeLessThan(5 / Math.sqrt(n));
      }
    }
  });
});

describe('tensor memory', () => {
  it('does not leak tensors across repeated disposed draws', () => {
    const k = key(1);
    const warm = uniform(k, [16]);
    warm.dispose();
    const before = tf.memory().numTensors;
    const probe = uniform(k, [2]);
    // Guards against a second tfjs engine: the tensors made here must be counted by this tf.
    expect(tf.memory().numTensors).toBe(before + 1);
    probe.dispose();
    for (let i = 0; i < 20; i++) {
      const ki = foldIn(k, i);
      const u = uniform(ki, [4, 4]);
      const z = normal(ki, [3]);
      const r = randint(ki, [2, 2], 0, 10);
      tf.dispose([u, z, r]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('validation: bad input throws a DescentError naming the parameter', () => {
  const k = key(0);
  const asNumber = (x: unknown): number => x as number;
  const asKey = (x: unknown): Key => x as Key;

  it('key: seed', () => {
    for (const s of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, '3']) expectInvalid(() => key(asNumber(s)), 'seed');
  });

  it('a malformed key, in every function that takes one', () => {
    const bad: unknown[] = [[1, 2, 3], [1], [-1, 0], [0, 2 ** 32], [0.5, 1], 'abc', null, new Uint32Array([0, 0])];
    for (const b of bad) {
      const kb = asKey(b);
      expectInvalid(() => split(kb), 'key');
      expectInvalid(() => foldIn(kb, 1), 'key');
      expectInvalid(() => threefry2x32(kb, 0, 0), 'key');
      expectInvalid(() => randomBits(kb, 4), 'key');
      expectInvalid(() => uniformValues(kb, 4), 'key');
      expectInvalid(() => normalValues(kb, 4), 'key');
      expectInvalid(() => uniform(kb, [2]), 'key');
      expectInvalid(() => normal(kb, [2]), 'key');
      expectInvalid(() => randint(kb, [2], 0, 3), 'key');
      expectInvalid(() => permutation(kb, 3), 'key');
    }
  });

  it('split: n < 1 or not an integer', () => {
    for (const n of [0, -1, 1.5, Number.NaN, 2 ** 31]) expectInvalid(() => split(k, n), 'n');
  });

  it('foldIn: data outside uint32', () => {
    for (const d of [-1, 0.5, 2 ** 32, Number.NaN]) expectInvalid(() => foldIn(k, d), 'data');
  });

  it('threefry2x32: counter words outside uint32', () => {
    expectInvalid(() => threefry2x32(k, -1, 0), 'x0');
    expectInvalid(() => threefry2x32(k, 0, 2 ** 32), 'x1');
  });

  it('randomBits / uniformValues / normalValues: count', () => {
    for (const c of [-1, 1.5, Number.NaN]) {
      expectInvalid(() => randomBits(k, c), 'count');
      expectInvalid(() => uniformValues(k, c), 'count');
      expectInvalid(() => normalValues(k, c), 'count');
    }
  });

  it('shapes with negative or fractional dimensions', () => {
    expectInvalid(() => uniform(k, [2, -1]), 'shape[1]');
    expectInvalid(() => normal(k, [1.5]), 'shape[0]');
    expectInvalid(() => randint(k, [3, Number.NaN], 0, 2), 'shape[1]');
    expectInvalid(() => uniform(k, '3' as unknown as number[]), 'shape');
  });

  it('uniform: lo >= hi, non-finite bounds, bounds equal in float32', () => {
    expectInvalid(() => uniform(k, [2], 1, 1), 'hi');
    expectInvalid(() => uniformValues(k, 2, 2, 1), 'hi');
    expectInvalid(() => uniformValues(k, 2, 1, 1 + 1e-12), 'hi');
    expectInvalid(() => uniformValues(k, 2, -3e38, 3e38), 'hi');
    expectInvalid(() => uniformValues(k, 2, Number.NaN, 1), 'lo');
    expectInvalid(() => uniform(k, [2], 0, Number.POSITIVE_INFINITY), 'hi');
  });

  it('normal: std < 0 or non-finite, non-finite mean', () => {
    expectInvalid(() => normal(k, [2], 0, -1), 'std');
    expectInvalid(() => normalValues(k, 2, 0, Number.POSITIVE_INFINITY), 'std');
    expectInvalid(() => normalValues(k, 2, Number.NaN, 1), 'mean');
  });

  it('randint: bounds', () => {
    expectInvalid(() => randint(k, [2], 1.5, 3), 'low');
    expectInvalid(() => randint(k, [2], -(2 ** 31) - 1, 0), 'low');
    expectInvalid(() => randint(k, [2], 3, 3), 'high');
    expectInvalid(() => randint(k, [2], 3, 1), 'high');
    expectInvalid(() => randint(k, [2], 0, 2 ** 31 + 1), 'high');
    expectInvalid(() => randint(k, [2], 0, 2.5), 'high');
  });

  it('permutation: n', () => {
    for (const n of [-1, 1.5, Number.NaN]) expectInvalid(() => permutation(k, n), 'n');
  });

  it('error messages name the value and what was expected', () => {
    let message = '';
    try {
      split(k, 0);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe('split: n must be an integer in [1, 2147483647], got 0');
  });
});
