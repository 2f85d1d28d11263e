import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DescentError } from '../src/errors.js';
import { treeFlatten, treePaths, type Tree } from '../src/tree.js';
import {
  CHECKPOINT_FORMAT_VERSION,
  type CheckpointLeaf,
  crc32,
  deserializeState,
  serializeState,
} from '../src/checkpoint.js';

// ---------------------------------------------------------------------------------------------
// Helpers

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Runs `fn`, expects a DescentError with `code`, and returns it. */
function catchDescent(fn: () => unknown, code: DescentError['code']): DescentError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a DescentError to be thrown').toBeInstanceOf(DescentError);
  const err = caught as DescentError;
  expect(err.code, err.message).toBe(code);
  return err;
}

/** Expects `deserializeState(bytes, options)` to throw `code` without changing the tensor count. */
function expectRejected(
  bytes: Uint8Array,
  code: 'checkpoint-corrupt' | 'checkpoint-mismatch',
  options?: { like?: Tree<unknown> },
): DescentError {
  const before = tf.memory().numTensors;
  const err = catchDescent(() => deserializeState(bytes, options), code);
  expect(tf.memory().numTensors).toBe(before);
  return err;
}

function floatBits(values: ArrayLike<number>): number[] {
  return Array.from(new Uint32Array(Float32Array.from(values).buffer));
}

function float64Bits(x: number): bigint {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x, true);
  return v.getBigUint64(0, true);
}

/** Deep equality: same structure, tensors with the same dtype, shape and bit patterns, numbers by Object.is. */
function expectSameTree(actual: unknown, expected: unknown, path = '(root)'): void {
  if (expected instanceof tf.Tensor) {
    expect(actual, path).toBeInstanceOf(tf.Tensor);
    const a = actual as tf.Tensor;
    expect(a.dtype, `${path} dtype`).toBe(expected.dtype);
    expect(a.shape, `${path} shape`).toEqual(expected.shape);
    const av = a.dataSync();
    const ev = expected.dataSync();
    if (expected.dtype === 'float32') expect(floatBits(av as Float32Array), `${path} bits`).toEqual(floatBits(ev as Float32Array));
    else expect(Array.from(av as Int32Array), `${path} values`).toEqual(Array.from(ev as Int32Array));
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path} is an array`).toBe(true);
    const a = actual as unknown[];
    expect(a.length, `${path} length`).toBe(expected.length);
    expected.forEach((e, i) => expectSameTree(a[i], e, `${path}[${i}]`));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    expect(actual !== null && typeof actual === 'object' && !Array.isArray(actual), `${path} is an object`).toBe(true);
    expect(Object.getPrototypeOf(actual)).toBe(Object.prototype);
    const a = actual as Record<string, unknown>;
    const keys = Object.keys(expected).sort();
    expect(Object.keys(a).sort(), `${path} keys`).toEqual(keys);
    for (const k of keys) expectSameTree(a[k], (expected as Record<string, unknown>)[k], `${path}.${k}`);
    return;
  }
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    expect(float64Bits(actual as number), `${path} float64 bits`).toBe(float64Bits(expected));
    return;
  }
  expect(actual, path).toBe(expected);
}

function disposeTree(tree: unknown): void {
  for (const leaf of treeFlatten(tree as Tree<unknown>).leaves) if (leaf instanceof tf.Tensor) leaf.dispose();
}

interface HeaderJson {
  treedef: unknown;
  leaves: { path: string }[];
  dataLength: number;
}

/** Reads the fixed prefix of a checkpoint. */
function layout(bytes: Uint8Array): { version: number; headerLength: number; dataStart: number; crcOffset: number; header: HeaderJson } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  const headerLength = view.getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength)));
  return { version, headerLength, dataStart: Math.ceil((16 + headerLength) / 8) * 8, crcOffset: bytes.length - 4, header };
}

/** Rewrites the trailing CRC so that it matches the (possibly edited) bytes before it. */
function resealed(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  view.setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/**
 * Builds a checkpoint from an arbitrary header (any JSON value, or raw header bytes) and data
 * section, with a correct CRC, to test validation that the checksum alone cannot catch.
 */
function forge(header: unknown, data: Uint8Array = new Uint8Array(0), options: { version?: number; rawHeader?: Uint8Array } = {}): Uint8Array {
  const headerBytes = options.rawHeader ?? ascii(JSON.stringify(header));
  const dataStart = Math.ceil((16 + headerBytes.length) / 8) * 8;
  const out = new Uint8Array(dataStart + data.length + 4);
  const view = new DataView(out.buffer);
  out.set(ascii('DESCENT\0'), 0);
  view.setUint32(8, options.version ?? CHECKPOINT_FORMAT_VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  out.set(headerBytes, 16);
  out.set(data, dataStart);
  return resealed(out);
}

function f64(...xs: number[]): Uint8Array {
  const out = new Uint8Array(8 * xs.length);
  const view = new DataView(out.buffer);
  xs.forEach((x, i) => view.setFloat64(8 * i, x, true));
  return out;
}

let tensorsAtStart = 0;
beforeEach(() => {
  tensorsAtStart = tf.memory().numTensors;
});
afterEach(() => {
  // Every test disposes what it creates: nothing leaks, rejected loads included.
  expect(tf.memory().numTensors).toBe(tensorsAtStart);
});

/** A nested tree exercising every leaf kind, dtype and awkward value. The caller disposes it. */
function richTree(): Tree<CheckpointLeaf> {
  const specialFloats = [NaN, -0, 0, Infinity, -Infinity, 1.5, -2.25e-40 /* subnormal */, 3.4028234663852886e38];
  return {
    params: {
      dense: {
        kernel: tf.tensor(specialFloats, [2, 4], 'float32'),
        bias: tf.tensor([0.1, -0.2, 0.3], [3], 'float32'),
      },
      scale: tf.scalar(-0, 'float32'),
      cube: tf.tensor(Array.from({ length: 24 }, (_, i) => i / 7 - 1), [2, 3, 1, 4], 'float32'),
    },
    counts: tf.tensor([-2147483648, 2147483647, 0, -1, 7], [5], 'int32'),
    intScalar: tf.scalar(-42, 'int32'),
    mask: tf.tensor([true, false, false, true, true, false], [3, 1, 2], 'bool'),
    boolScalar: tf.scalar(true, 'bool'),
    empty: tf.zeros([0, 3], 'float32'),
    emptyInt: tf.zeros([2, 0], 'int32'),
    emptyBool: tf.zeros([0], 'bool'),
    layers: [
      { mu: tf.tensor([1, 2, 3], [3], 'float32'), nu: [tf.tensor([[4]], [1, 1], 'float32')] },
      [NaN, -0, 0, Infinity, -Infinity, 5e-324, Number.MAX_VALUE, -1.5, 2 ** 53 + 2],
      [true, false],
      ['adam', '', 'ünïcödé ✓ \u{1F600}', 'quote " backslash \\ newline \n nul \u0000'],
      null,
      [],
      {},
    ],
    step: 42,
    name: 'run-1',
    done: false,
    nothing: null,
  };
}

// ---------------------------------------------------------------------------------------------

describe('crc32', () => {
  it('gives the standard IEEE check value for "123456789"', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
  });

  it('matches known values and is unsigned', () => {
    expect(crc32(new Uint8Array(0))).toBe(0);
    expect(crc32(ascii('a'))).toBe(0xe8b7be43);
    expect(crc32(ascii('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    expect(crc32(new Uint8Array(32))).toBe(0x190a55ad);
    expect(crc32(new Uint8Array(32).fill(0xff))).toBe(0xff6cab0b);
  });

  it('respects the byteOffset of a view', () => {
    const big = new Uint8Array(20);
    big.set(ascii('123456789'), 5);
    expect(crc32(big.subarray(5, 14))).toBe(0xcbf43926);
  });

  it('rejects a non-Uint8Array', () => {
    catchDescent(() => crc32([1, 2, 3] as unknown as Uint8Array), 'invalid-option');
  });
});

describe('serializeState / deserializeState round trip', () => {
  it('restores every value, shape and dtype of a nested tree bit for bit', () => {
    const tree = richTree();
    const bytes = serializeState(tree);
    const restored = deserializeState(bytes);
    expectSameTree(restored, tree);
    expect(treePaths(restored)).toEqual(treePaths(tree));
    // The loaded tensors are new tensors, not the originals.
    const a = treeFlatten(restored).leaves.filter((l) => l instanceof tf.Tensor);
    const b = treeFlatten(tree).leaves.filter((l) => l instanceof tf.Tensor);
    expect(a.length).toBe(13);
    a.forEach((t, i) => expect(t).not.toBe(b[i]));
    disposeTree(restored);
    disposeTree(tree);
  });

  it('does not dispose or modify the input, and is deterministic', () => {
    const tree = richTree();
    const first = serializeState(tree);
    for (const leaf of treeFlatten(tree).leaves) if (leaf instanceof tf.Tensor) expect(leaf.isDisposed).toBe(false);
    const second = serializeState(tree);
    expect(second).toEqual(first);
    // Re-serializing what was loaded reproduces the same bytes.
    const restored = deserializeState(first);
    expect(serializeState(restored)).toEqual(first);
    disposeTree(restored);
    disposeTree(tree);
  });

  it('is independent of object key insertion order', () => {
    const a = { x: 1, y: { p: true, q: 'z' } };
    const b = { y: { q: 'z', p: true }, x: 1 };
    expect(serializeState(b)).toEqual(serializeState(a));
  });

  it('round-trips bare leaves and empty containers at the root', () => {
    const roots: Tree<CheckpointLeaf>[] = [7, NaN, -0, true, 'text', null, [], {}, [[], {}], { a: [] }];
    for (const root of roots) expectSameTree(deserializeState(serializeState(root)), root);
    const t = tf.tensor([1, 2, 3, 4], [2, 2], 'int32');
    const back = deserializeState(serializeState(t)) as tf.Tensor;
    expectSameTree(back, t);
    back.dispose();
    t.dispose();
  });

  it('keeps unusual object keys as own keys ("__proto__", dots, brackets, empty)', () => {
    const tree = JSON.parse('{"__proto__": 1, "a.b": 2, "[0]": 3, "": 4, "constructor": 5}') as Tree<CheckpointLeaf>;
    const restored = deserializeState(serializeState(tree)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(restored)).toBe(Object.prototype);
    expect(Object.keys(restored).sort()).toEqual(['', '[0]', '__proto__', 'a.b', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(restored, '__proto__')?.value).toBe(1);
    expect(restored['a.b']).toBe(2);
    expect(restored['constructor']).toBe(5);
  });

  it('loads from a Uint8Array view at an unaligned byteOffset (e.g. a slice of a Buffer)', () => {
    const tree = { w: tf.tensor([1.25, NaN, -3], [3], 'float32'), n: tf.tensor([5, -6], [2], 'int32'), s: -0 };
    const bytes = serializeState(tree);
    const host = new Uint8Array(bytes.length + 3);
    host.set(bytes, 3);
    const restored = deserializeState(host.subarray(3));
    expectSameTree(restored, tree);
    disposeTree(restored);
    disposeTree(tree);
  });

  it('stores Variables as plain tensors', () => {
    const init = tf.tensor([1, 2], [2], 'float32');
    const v = tf.variable(init, false, 'ckpt-test-var');
    init.dispose();
    const restored = deserializeState(serializeState({ v })) as { v: tf.Tensor };
    expect(restored.v).not.toBeInstanceOf(tf.Variable);
    expect(Array.from(restored.v.dataSync())).toEqual([1, 2]);
    restored.v.dispose();
    v.dispose();
  });
});

describe('format', () => {
  it('has the documented byte layout', () => {
    const tree = {
      b: tf.tensor([true, false, true], [3], 'bool'),
      f: tf.tensor([1, -2], [2], 'float32'),
      n: -0.5,
      s: 'hi',
      z: null,
      t: true,
    };
    const bytes = serializeState(tree);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x44, 0x45, 0x53, 0x43, 0x45, 0x4e, 0x54, 0x00]);
    const { version, headerLength, dataStart, crcOffset, header } = layout(bytes);
    expect(version).toBe(CHECKPOINT_FORMAT_VERSION);
    expect(CHECKPOINT_FORMAT_VERSION).toBe(1);
    expect(dataStart % 8).toBe(0);
    for (let i = 16 + headerLength; i < dataStart; i++) expect(bytes[i]).toBe(0);
    expect(header.treedef).toEqual(treeFlatten(tree).treedef);
    expect(header.leaves.map((l) => l.path)).toEqual(treePaths(tree));
    expect(header.leaves).toEqual([
      { path: 'b', kind: 'tensor', dtype: 'bool', shape: [3], offset: 0, byteLength: 3 },
      { path: 'f', kind: 'tensor', dtype: 'float32', shape: [2], offset: 8, byteLength: 8 },
      { path: 'n', kind: 'number', offset: 16, byteLength: 8 },
      { path: 's', kind: 'string', value: 'hi' },
      { path: 't', kind: 'boolean', value: true },
      { path: 'z', kind: 'null' },
    ]);
    expect(header.dataLength).toBe(24);
    expect(crcOffset).toBe(dataStart + 24);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const data = bytes.subarray(dataStart, crcOffset);
    expect(Array.from(data.subarray(0, 8))).toEqual([1, 0, 1, 0, 0, 0, 0, 0]);
    expect(view.getFloat32(dataStart + 8, true)).toBe(1);
    expect(view.getFloat32(dataStart + 12, true)).toBe(-2);
    expect(Object.is(view.getFloat64(dataStart + 16, true), -0.5)).toBe(true);
    expect(view.getUint32(crcOffset, true)).toBe(crc32(bytes.subarray(0, crcOffset)));
    disposeTree(tree);
  });
});

describe('deserializeState rejects corrupt input', () => {
  it('rejects every truncation with checkpoint-corrupt', () => {
    const tree = richTree();
    const bytes = serializeState(tree);
    disposeTree(tree);
    expect(bytes.length).toBeGreaterThan(500);
    const messages = new Set<string>();
    for (let n = 0; n < bytes.length; n++) {
      const err = expectRejected(bytes.slice(0, n), 'checkpoint-corrupt');
      messages.add(err.message.replace(/0x[0-9A-F]+/g, '0x…').replace(/\d+/g, 'N'));
    }
    // Short inputs are reported as too short, longer ones by the checksum.
    expect([...messages].some((m) => /shorter than the N-byte minimum/.test(m))).toBe(true);
    expect([...messages].some((m) => /checksum mismatch/.test(m))).toBe(true);
  });

  it('rejects trailing garbage and an empty input', () => {
    const bytes = serializeState({ a: 1 });
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expectRejected(longer, 'checkpoint-corrupt');
    expect(expectRejected(new Uint8Array(0), 'checkpoint-corrupt').message).toMatch(/0 bytes long/);
  });

  it('rejects a single flipped bit anywhere (exhaustive over a small checkpoint)', () => {
    const tree = {
      w: tf.tensor([1, 2, 3], [3], 'float32'),
      m: tf.tensor([true, false], [2], 'bool'),
      k: tf.tensor([9], [1], 'int32'),
      step: 3,
      tag: 'x',
    };
    const bytes = serializeState(tree);
    disposeTree(tree);
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const flipped = bytes.slice();
      flipped[bit >> 3] ^= 1 << (bit & 7);
      expectRejected(flipped, 'checkpoint-corrupt');
    }
  });

  it('names the damaged region: magic, version, header, data and CRC', () => {
    const tree = richTree();
    const bytes = serializeState(tree);
    disposeTree(tree);
    const { dataStart, crcOffset, headerLength } = layout(bytes);
    const flip = (byte: number, bit = 0): Uint8Array => {
      const out = bytes.slice();
      out[byte] ^= 1 << bit;
      return out;
    };
    expect(expectRejected(flip(0, 3), 'checkpoint-corrupt').message).toMatch(/magic/);
    expect(expectRejected(flip(7, 7), 'checkpoint-corrupt').message).toMatch(/magic/);
    expect(expectRejected(flip(9, 0), 'checkpoint-corrupt').message).toMatch(/version 257; this build reads version 1/);
    const checksum = /^deserializeState: checksum mismatch: stored 0x[0-9A-F]{8}, computed 0x[0-9A-F]{8} \(the bytes were modified or truncated\)$/;
    const positions = [
      12, // header length
      14,
      16, // first header byte
      16 + Math.floor(headerLength / 2),
      16 + headerLength - 1,
      dataStart, // first data byte
      Math.floor((dataStart + crcOffset) / 2),
      crcOffset - 1, // last data byte
      crcOffset, // CRC
      bytes.length - 1,
    ];
    for (const p of positions) {
      for (const bit of [0, 4, 7]) expect(expectRejected(flip(p, bit), 'checkpoint-corrupt').message).toMatch(checksum);
    }
  });

  it('rejects a newer format version, naming the version found and the version read', () => {
    const a = tf.tensor([1, 2], [2], 'float32');
    const bytes = serializeState({ a, b: 2 });
    a.dispose();
    const edited = bytes.slice();
    const view = new DataView(edited.buffer);
    view.setUint32(8, 2, true);
    const newer = resealed(edited);
    // Only the version differs from the original: same length, same CRC-covered content otherwise.
    expect(newer.length).toBe(bytes.length);
    expect(Array.from(newer.subarray(12, newer.length - 4))).toEqual(Array.from(bytes.subarray(12, bytes.length - 4)));
    const err = expectRejected(newer, 'checkpoint-corrupt');
    expect(err.message).toBe(
      'deserializeState: unsupported checkpoint format version 2; this build reads version 1 (it was written by a newer version of descent)',
    );
    expect(err.value).toBe(2);
    // Version 0 is invalid as well.
    view.setUint32(8, 0, true);
    expect(expectRejected(resealed(edited), 'checkpoint-corrupt').message).toMatch(/version 0; this build reads version 1/);
    // Restoring version 1 (and the CRC) makes it load again.
    view.setUint32(8, 1, true);
    const ok = deserializeState(resealed(edited)) as { a: tf.Tensor; b: number };
    expect(ok.b).toBe(2);
    expect(Array.from(ok.a.dataSync())).toEqual([1, 2]);
    ok.a.dispose();
  });

  it('rejects input that is not a checkpoint', () => {
    expect(expectRejected(ascii('{"treedef":{"kind":"leaf"}} and more text'), 'checkpoint-corrupt').message).toMatch(/magic/);
    expect(expectRejected(new Uint8Array(64), 'checkpoint-corrupt').message).toMatch(/magic/);
  });

  describe('with a valid checksum but an inconsistent header (nothing is created)', () => {
    const tensorEntry = (path: string, extra: Record<string, unknown> = {}) => ({
      path,
      kind: 'tensor',
      dtype: 'float32',
      shape: [2],
      offset: 0,
      byteLength: 8,
      ...extra,
    });
    const twoLeaves = { kind: 'object', keys: ['a', 'b'], children: [{ kind: 'leaf' }, { kind: 'leaf' }] };
    const data16 = new Uint8Array(16);

    it('accepts the forged baseline (so the cases below fail for the stated reason)', () => {
      const ok = deserializeState(
        forge({ treedef: twoLeaves, leaves: [tensorEntry('a'), tensorEntry('b', { offset: 8 })], dataLength: 16 }, data16),
      ) as { a: tf.Tensor; b: tf.Tensor };
      expect(ok.a.shape).toEqual([2]);
      tf.dispose([ok.a, ok.b]);
    });

    const cases: [string, Uint8Array, RegExp][] = [
      ['header is not UTF-8', forge(null, undefined, { rawHeader: new Uint8Array([0x7b, 0xff, 0x7d]) }), /UTF-8/],
      ['header is not JSON', forge(null, undefined, { rawHeader: ascii('{"treedef": ') }), /not valid JSON/],
      ['header is not an object', forge([1, 2]), /expected a JSON object/],
      ['treedef missing', forge({ leaves: [], dataLength: 0 }), /treedef must be a TreeDef/],
      ['treedef kind unknown', forge({ treedef: { kind: 'set' }, leaves: [], dataLength: 0 }), /treedef\.kind/],
      [
        'treedef keys and children disagree',
        forge({ treedef: { kind: 'object', keys: ['a'], children: [] }, leaves: [], dataLength: 0 }),
        /1 keys but 0 children/,
      ],
      [
        'treedef keys unsorted',
        forge({ treedef: { kind: 'object', keys: ['b', 'a'], children: [{ kind: 'leaf' }, { kind: 'leaf' }] }, leaves: [], dataLength: 0 }),
        /sorted and unique/,
      ],
      [
        'leaf count does not match the treedef',
        forge({ treedef: twoLeaves, leaves: [tensorEntry('a')], dataLength: 16 }, data16),
        /treedef holds 2 leaves but the header lists 1/,
      ],
      [
        'path does not match the treedef',
        forge({ treedef: twoLeaves, leaves: [tensorEntry('a'), tensorEntry('c', { offset: 8 })], dataLength: 16 }, data16),
        /leaves\[1\]\.path is 'c' but the treedef puts leaf 1 at 'b'/,
      ],
      [
        'unknown leaf kind',
        forge({ treedef: twoLeaves, leaves: [tensorEntry('a'), { path: 'b', kind: 'bigint' }], dataLength: 8 }, new Uint8Array(8)),
        /leaves\[1\]\.kind/,
      ],
      [
        'unsupported dtype',
        forge({ treedef: twoLeaves, leaves: [tensorEntry('a'), tensorEntry('b', { offset: 8, dtype: 'complex64' })], dataLength: 16 }, data16),
        /dtype must be 'float32', 'int32' or 'bool', got 'complex64'/,
      ],
      [
        'negative dimension',
        forge({ treedef: twoLeaves, leaves: [tensorEntry('a'), tensorEntry('b', { offset: 8, shape: [-2] })], dataLength: 16 }, data16),
        /shape must be an array of non-negative integers/,
      ],
      [
        'fractional dimension',
        forge({ treedef: twoLeaves, leaves: [tensorEntry('a'), tensorEntry('b', { offset: 8, shape: [0.5, 4] })], dataLength: 16 }, data16),
        /shape must be an array of non-negative integers/,
      ],
      [
        'byteLength does not match shape × dtype size',
        forge({ treedef: twoLeaves, leaves: [tensorEntry('a'), tensorEntry('b', { offset: 8, byteLength: 4 })], dataLength: 16 }, data16),
        /expected offset 8 and byteLength 8/,
      ],
      [
        'shape larger than the data section',
        forge({ treedef: twoLeaves, leaves: [tensorEntry('a'), tensorEntry('b', { offset: 8, shape: [1000], byteLength: 4000 })], dataLength: 16 }, data16),
        /too large/,
      ],
      [
        'offset out of range',
        forge({ treedef: twoLeaves, leaves: [tensorEntry('a'), tensorEntry('b', { offset: 4096 })], dataLength: 16 }, data16),
        /offset 4096/,
      ],
      [
        'overlapping items',
        forge({ treedef: twoLeaves, leaves: [tensorEntry('a'), tensorEntry('b', { offset: 0 })], dataLength: 16 }, data16),
        /expected offset 8/,
      ],
      [
        'item past the end of the data section',
        forge({ treedef: twoLeaves, leaves: [tensorEntry('a'), tensorEntry('b', { offset: 8, shape: [3], byteLength: 12 })], dataLength: 16 }, data16),
        /ends at byte 20 of a 16-byte data section/,
      ],
      [
        'dataLength disagrees with the file',
        forge({ treedef: twoLeaves, leaves: [tensorEntry('a'), tensorEntry('b', { offset: 8 })], dataLength: 24 }, data16),
        /dataLength is 24 but the data section holds 16 bytes/,
      ],
      [
        'unused data bytes',
        forge({ treedef: twoLeaves, leaves: [tensorEntry('a'), tensorEntry('b', { offset: 8 })], dataLength: 24 }, new Uint8Array(24)),
        /use 16 bytes of data but dataLength is 24/,
      ],
      [
        'number with a wrong byteLength',
        forge({ treedef: { kind: 'leaf' }, leaves: [{ path: '', kind: 'number', offset: 0, byteLength: 4 }], dataLength: 8 }, f64(1)),
        /byteLength 8/,
      ],
      [
        'boolean leaf without a boolean value',
        forge({ treedef: { kind: 'leaf' }, leaves: [{ path: '', kind: 'boolean', value: 1 }], dataLength: 0 }),
        /value must be a boolean/,
      ],
      [
        'string leaf without a string value',
        forge({ treedef: { kind: 'leaf' }, leaves: [{ path: '', kind: 'string' }], dataLength: 0 }),
        /value must be a string/,
      ],
      [
        'bool tensor byte other than 0 or 1',
        forge(
          {
            treedef: twoLeaves,
            leaves: [tensorEntry('a'), tensorEntry('b', { offset: 8, dtype: 'bool', shape: [2], byteLength: 2 })],
            dataLength: 16,
          },
          new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 0, 0]),
        ),
        /bool tensor 'b' holds byte 2 at element 1/,
      ],
      [
        'non-zero padding in the data section',
        forge(
          { treedef: twoLeaves, leaves: [tensorEntry('a', { shape: [1], byteLength: 4 }), tensorEntry('b', { offset: 8 })], dataLength: 16 },
          new Uint8Array([0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        ),
        /non-zero padding byte at data offset 4/,
      ],
    ];

    for (const [name, bytes, message] of cases) {
      it(`rejects: ${name}`, () => {
        const err = expectRejected(bytes, 'checkpoint-corrupt');
        expect(err.message).toMatch(/^deserializeState: /);
        expect(err.message).toMatch(message);
      });
    }

    it('rejects a header length that exceeds the input', () => {
      const bytes = serializeState({ a: 1 });
      const edited = bytes.slice();
      new DataView(edited.buffer).setUint32(12, 0xfffffff0, true);
      expect(expectRejected(resealed(edited), 'checkpoint-corrupt').message).toMatch(/header length 4294967280 exceeds/);
    });

    it('rejects non-zero padding between the header and the data section', () => {
      const bytes = serializeState({ a: 1, bb: 2 });
      const { headerLength, dataStart } = layout(bytes);
      expect(dataStart).toBeGreaterThan(16 + headerLength); // this tree's header needs padding
      const edited = bytes.slice();
      edited[16 + headerLength] = 0x20;
      expect(expectRejected(resealed(edited), 'checkpoint-corrupt').message).toMatch(/non-zero padding byte at offset/);
    });
  });
});

describe('deserializeState with options.like', () => {
  const makeState = () => ({
    count: 3,
    mu: { w: tf.zeros([2, 3], 'float32'), b: tf.zeros([3], 'float32') },
    ids: tf.zeros([4], 'int32'),
    hist: [tf.zeros([2], 'float32'), tf.zeros([2], 'float32')],
  });

  it('loads a checkpoint that fits the template', () => {
    const saved = makeState();
    const bytes = serializeState(saved);
    const template = makeState();
    const loaded = deserializeState(bytes, { like: template });
    expectSameTree(loaded, saved);
    disposeTree(loaded);
    disposeTree(saved);
    disposeTree(template);
  });

  it('rejects a different structure, naming the path', () => {
    const saved = makeState();
    const bytes = serializeState(saved);
    disposeTree(saved);
    const t1 = makeState();
    const missingKey = { ...t1, mu: { w: t1.mu.w } };
    let err = expectRejected(bytes, 'checkpoint-mismatch', { like: missingKey });
    expect(err.message).toMatch(/at 'mu'/);
    expect(err.message).toMatch(/\{b, w\}/);
    expect(err.message).toMatch(/\{w\}/);
    expect(err.value).toBe('mu');

    const shorterArray = { ...t1, hist: [t1.hist[0]] };
    err = expectRejected(bytes, 'checkpoint-mismatch', { like: shorterArray });
    expect(err.message).toMatch(/at 'hist': the checkpoint holds an array of 2 but like holds an array of 1/);

    const nodeForLeaf = { ...t1, count: { value: 3 } };
    err = expectRejected(bytes, 'checkpoint-mismatch', { like: nodeForLeaf });
    expect(err.message).toMatch(/at 'count'/);

    err = expectRejected(bytes, 'checkpoint-mismatch', { like: [t1] });
    expect(err.message).toMatch(/at '\(root\)'/);
    disposeTree(t1);
  });

  it('rejects a different shape, naming the path and both shapes', () => {
    const saved = makeState();
    const bytes = serializeState(saved);
    disposeTree(saved);
    const template = makeState();
    const wrong = tf.zeros([3, 2], 'float32');
    const err = expectRejected(bytes, 'checkpoint-mismatch', { like: { ...template, mu: { ...template.mu, w: wrong } } });
    expect(err.message).toBe(
      "deserializeState: the checkpoint does not match options.like at 'mu.w': " +
        'the checkpoint holds a float32 tensor of shape [2,3] but like holds a float32 tensor of shape [3,2]',
    );
    expect(err.parameter).toBe('like');
    expect(err.value).toBe('mu.w');
    // Same element count, different rank.
    const row = tf.zeros([1, 2], 'float32');
    const err2 = expectRejected(bytes, 'checkpoint-mismatch', { like: { ...template, hist: [template.hist[0], row] } });
    expect(err2.message).toMatch(/at 'hist\[1\]'.*shape \[2\].*shape \[1,2\]/);
    disposeTree(template);
    tf.dispose([wrong, row]);
  });

  it('rejects a different dtype, naming the path and both dtypes', () => {
    const saved = makeState();
    const bytes = serializeState(saved);
    disposeTree(saved);
    const template = makeState();
    const wrong = tf.zeros([4], 'float32');
    const err = expectRejected(bytes, 'checkpoint-mismatch', { like: { ...template, ids: wrong } });
    expect(err.message).toMatch(/at 'ids': the checkpoint holds a int32 tensor of shape \[4\] but like holds a float32 tensor of shape \[4\]/);
    disposeTree(template);
    wrong.dispose();
  });

  it('rejects a different leaf kind (tensor vs number, number vs string)', () => {
    const saved = makeState();
    const bytes = serializeState(saved);
    disposeTree(saved);
    const template = makeState();
    const asTensor = tf.scalar(3);
    let err = expectRejected(bytes, 'checkpoint-mismatch', { like: { ...template, count: asTensor } });
    expect(err.message).toMatch(/at 'count': the checkpoint holds a number but like holds a float32 tensor of shape \[\]/);
    err = expectRejected(bytes, 'checkpoint-mismatch', { like: { ...template, count: '3' } });
    expect(err.message).toMatch(/at 'count': the checkpoint holds a number but like holds a string/);
    const asNumber = { ...template, ids: 0 };
    err = expectRejected(bytes, 'checkpoint-mismatch', { like: asNumber });
    expect(err.message).toMatch(/at 'ids': the checkpoint holds a int32 tensor of shape \[4\] but like holds a number/);
    disposeTree(template);
    asTensor.dispose();
  });

  it('checks integrity before the template (a corrupt file is corrupt, not mismatched)', () => {
    const saved = makeState();
    const bytes = serializeState(saved);
    disposeTree(saved);
    const flipped = bytes.slice();
    flipped[bytes.length - 10] ^= 0x10;
    expectRejected(flipped, 'checkpoint-corrupt', { like: { nope: 1 } });
  });
});

describe('serializeState rejects unsupported leaves', () => {
  class Box {
    value = 1;
  }
  const cases: [string, () => { tree: unknown; cleanup?: () => void }, RegExp][] = [
    ['a function', () => ({ tree: { a: { f: () => 1 } } }), /tree at 'a\.f' must be .*, got a function/],
    ['undefined', () => ({ tree: { a: [1, undefined] } }), /tree at 'a\[1\]' must be .*, got undefined/],
    ['a symbol', () => ({ tree: [Symbol('s')] }), /tree at '\[0\]'/],
    ['a bigint', () => ({ tree: { n: 10n } }), /tree at 'n'/],
    ['a class instance', () => ({ tree: { box: new Box() } }), /tree at 'box' must be .*, got a Box/],
    ['a typed array', () => ({ tree: { raw: new Float32Array(2) } }), /tree at 'raw' must be .*, got a Float32Array/],
    ['a Date', () => ({ tree: { when: new Date(0) } }), /tree at 'when'/],
    [
      'an array hole',
      () => {
        const h = [1, 2, 3];
        delete h[1];
        return { tree: { h } };
      },
      /tree at 'h\[1\]'.*hole/,
    ],
    [
      'a complex64 tensor',
      () => {
        const re = tf.tensor([1], [1], 'float32');
        const im = tf.tensor([2], [1], 'float32');
        const c = tf.complex(re, im);
        return { tree: { z: { c } }, cleanup: () => tf.dispose([re, im, c]) };
      },
      /tree at 'z\.c' is a complex64 tensor; checkpoints hold float32, int32 and bool tensors only/,
    ],
    [
      'a string tensor',
      () => {
        const s = tf.tensor(['a', 'b']);
        return { tree: [1, s], cleanup: () => s.dispose() };
      },
      /tree at '\[1\]' is a string tensor/,
    ],
    [
      'a disposed tensor',
      () => {
        const t = tf.tensor([1], [1], 'float32');
        t.dispose();
        return { tree: { gone: t } };
      },
      /tree at 'gone' must be a tensor that has not been disposed/,
    ],
    [
      'a reference cycle',
      () => {
        const a: Record<string, unknown> = { x: 1 };
        a.self = { back: a };
        return { tree: a };
      },
      /tree at 'self\.back' contains a reference cycle/,
    ],
    ['a bare function at the root', () => ({ tree: () => 0 }), /tree at '\(root\)'/],
  ];
  for (const [name, make, message] of cases) {
    it(`rejects ${name}, naming the path`, () => {
      const { tree, cleanup } = make();
      const err = catchDescent(() => serializeState(tree as Tree<CheckpointLeaf>), 'invalid-option');
      expect(err.message).toMatch(/^serializeState: /);
      expect(err.message).toMatch(message);
      cleanup?.();
    });
  }

  it('accepts the same subtree twice (a DAG is not a cycle)', () => {
    const shared = { v: 1 };
    const restored = deserializeState(serializeState({ a: shared, b: shared })) as { a: { v: number }; b: { v: number } };
    expect(restored).toEqual({ a: { v: 1 }, b: { v: 1 } });
  });
});

describe('deserializeState validates its arguments', () => {
  it('rejects bytes that are not a Uint8Array', () => {
    const ab = serializeState({ a: 1 }).buffer;
    expect(catchDescent(() => deserializeState(ab as unknown as Uint8Array), 'invalid-option').message).toMatch(/bytes must be a Uint8Array/);
    catchDescent(() => deserializeState('DESCENT' as unknown as Uint8Array), 'invalid-option');
  });

  it('rejects unknown options', () => {
    const bytes = serializeState({ a: 1 });
    const err = catchDescent(() => deserializeState(bytes, { lke: { a: 1 } } as unknown as { like?: Tree<unknown> }), 'invalid-option');
    expect(err.message).toMatch(/unknown option 'lke'/);
  });
});
