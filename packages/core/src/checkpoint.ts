/**
 * Versioned, checksummed checkpoints of state trees (optimizer state, parameters, step counts).
 *
 * A checkpoint is a single self-describing byte string: a magic number and a format version
 * (so a future format, or a file that is not a checkpoint at all, is recognised instead of
 * being misread), a JSON header that records the tree structure and every leaf's kind, dtype,
 * shape and location, a binary data section, and a CRC-32 of everything before it (so a
 * truncated download or a flipped bit is detected instead of silently loading garbage).
 *
 * Loading validates the whole file, and optionally that it fits a template tree, before a single
 * tensor is created: a bad checkpoint is rejected, never half-applied and never leaks tensors
 * (DESIGN.md §8).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, checkKnownOptions, describeValue, invalidOption } from './errors.js';
import {
  type Tree,
  type TreeDef,
  firstStructureDifference,
  isPlainObject,
  treeDefSize,
  treeFlatten,
  treePaths,
} from './tree.js';

/**
 * The checkpoint format version written by {@link serializeState} and the only one
 * {@link deserializeState} reads. It is bumped whenever the byte layout or the header schema
 * changes, so an older build rejects a newer file with a clear message instead of misreading it.
 */
export const CHECKPOINT_FORMAT_VERSION = 1;

/**
 * A leaf a checkpoint can hold: a `float32`, `int32` or `bool` tensor, a number (stored as
 * float64, so `NaN`, `±Infinity` and `-0` round-trip exactly), a boolean, a string or `null`.
 */
export type CheckpointLeaf = tf.Tensor | number | boolean | string | null;

/** The tensor dtypes a checkpoint can hold. */
type CheckpointDType = 'float32' | 'int32' | 'bool';

/** Kinds of leaves recorded in the header. */
type LeafKind = 'tensor' | 'number' | 'boolean' | 'string' | 'null';

/** One header entry per leaf, in flattening order. */
type LeafEntry =
  | { path: string; kind: 'tensor'; dtype: CheckpointDType; shape: number[]; offset: number; byteLength: number }
  | { path: string; kind: 'number'; offset: number; byteLength: number }
  | { path: string; kind: 'boolean'; value: boolean }
  | { path: string; kind: 'string'; value: string }
  | { path: string; kind: 'null' };

/** The JSON header. */
interface Header {
  treedef: TreeDef;
  leaves: LeafEntry[];
  dataLength: number;
}

/** ASCII `DESCENT` followed by a NUL byte. */
const MAGIC = new Uint8Array([0x44, 0x45, 0x53, 0x43, 0x45, 0x4e, 0x54, 0x00]);
/** Magic (8) + version (4) + header length (4). */
const FIXED_HEADER_BYTES = 16;
/** The trailing CRC-32. */
const TRAILER_BYTES = 4;
const ALIGNMENT = 8;
const DTYPE_BYTES: Record<CheckpointDType, number> = { float32: 4, int32: 4, bool: 1 };
const LEAF_KINDS: readonly LeafKind[] = ['tensor', 'number', 'boolean', 'string', 'null'];

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function align(n: number): number {
  return Math.ceil(n / ALIGNMENT) * ALIGNMENT;
}

function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

function pathLabel(path: string): string {
  return path === '' ? '(root)' : path;
}

// ---------------------------------------------------------------------------------------------
// CRC-32

let crcTable: Uint32Array | undefined;

function getCrcTable(): Uint32Array {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  return crcTable;
}

/**
 * CRC-32 as in IEEE 802.3 / zlib / PNG (reflected polynomial `0xEDB88320`, initial value and
 * final XOR `0xFFFFFFFF`), computed with a 256-entry lookup table. Returns an unsigned 32-bit
 * integer; `crc32(ASCII "123456789")` is `0xCBF43926`.
 *
 * Checkpoints end with the CRC-32 of every preceding byte so that truncation and bit flips
 * (a damaged disk, a partial download) are detected when loading. It is an integrity check
 * against accidents, not a defence against deliberate tampering.
 */
export function crc32(bytes: Uint8Array): number {
  if (!(bytes instanceof Uint8Array)) invalidOption('crc32', 'bytes', bytes, 'a Uint8Array');
  const table = getCrcTable();
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Serialization

/** Rejects anything that is not a tree of {@link CheckpointLeaf}s, naming the path; detects cycles and holes. */
function checkSerializable(tree: unknown): void {
  const where = 'serializeState';
  const ancestors = new Set<object>();
  const fail = (path: string, value: unknown, expected: string): never => {
    throw new DescentError(
      'invalid-option',
      `${where}: tree at '${pathLabel(path)}' must be ${expected}, got ${describeValue(value)}`,
      { parameter: 'tree', value: path },
    );
  };
  const leafExpectation = 'a float32, int32 or bool tensor, a number, a boolean, a string, null, an array or a plain object';
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node) || isPlainObject(node)) {
      if (ancestors.has(node)) {
        throw new DescentError('invalid-option', `${where}: tree at '${pathLabel(path)}' contains a reference cycle`, {
          parameter: 'tree',
          value: path,
        });
      }
      ancestors.add(node);
      if (Array.isArray(node)) {
        for (let i = 0; i < node.length; i++) {
          if (!(i in node)) fail(`${path}[${i}]`, undefined, `${leafExpectation} (the array has a hole)`);
          walk(node[i], `${path}[${i}]`);
        }
      } else {
        for (const k of Object.keys(node).sort()) walk(node[k], path === '' ? k : `${path}.${k}`);
      }
      ancestors.delete(node);
      return;
    }
    if (node instanceof tf.Tensor) {
      if (node.isDisposed) fail(path, node, 'a tensor that has not been disposed');
      if (!Object.prototype.hasOwnProperty.call(DTYPE_BYTES, node.dtype)) {
        throw new DescentError(
          'invalid-option',
          `${where}: tree at '${pathLabel(path)}' is a ${node.dtype} tensor; checkpoints hold float32, int32 and bool tensors only`,
          { parameter: 'tree', value: path },
        );
      }
      return;
    }
    if (node === null || typeof node === 'number' || typeof node === 'boolean' || typeof node === 'string') return;
    fail(path, node, leafExpectation);
  };
  walk(tree, '');
}

/** Copies a tensor's values into `out` (little-endian, row-major). */
function writeTensorData(out: Uint8Array, view: DataView, offset: number, t: tf.Tensor, values: ArrayLike<number>, dtype: CheckpointDType): void {
  const n = t.size;
  if (values.length !== n) {
    throw new DescentError('invalid-option', `serializeState: tensor data has ${values.length} values but its shape holds ${n}`);
  }
  if (dtype === 'bool') {
    for (let i = 0; i < n; i++) out[offset + i] = values[i] ? 1 : 0;
    return;
  }
  const typed = dtype === 'float32' ? (values instanceof Float32Array ? values : Float32Array.from(values)) : values instanceof Int32Array ? values : Int32Array.from(values);
  if (LITTLE_ENDIAN_HOST) {
    out.set(new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength), offset);
  } else if (dtype === 'float32') {
    for (let i = 0; i < n; i++) view.setFloat32(offset + 4 * i, typed[i], true);
  } else {
    for (let i = 0; i < n; i++) view.setInt32(offset + 4 * i, typed[i], true);
  }
}

/**
 * Serializes a tree of {@link CheckpointLeaf}s (nested arrays and plain objects whose leaves are
 * `float32`/`int32`/`bool` tensors, numbers, booleans, strings or `null`) into a checkpoint.
 * Tensors are read with `dataSync()`, so this works on every backend; the input is not modified
 * or disposed.
 *
 * ## Format (version 1; all integers little-endian)
 *
 * | offset        | bytes | field                                                                     |
 * |---------------|-------|---------------------------------------------------------------------------|
 * | 0             | 8     | magic: ASCII `DESCENT` then `0x00` (`44 45 53 43 45 4E 54 00`)             |
 * | 8             | 4     | uint32 format version ({@link CHECKPOINT_FORMAT_VERSION})                  |
 * | 12            | 4     | uint32 `H`, the header length in bytes                                    |
 * | 16            | H     | header: UTF-8 JSON (below)                                                |
 * | 16 + H        | P     | zero bytes, `P = (8 - (16 + H) % 8) % 8`, so the data section is 8-aligned |
 * | D = 16 + H + P| L     | data section, `L = header.dataLength`                                     |
 * | D + L         | 4     | uint32 CRC-32 ({@link crc32}) of bytes `[0, D + L)`                        |
 *
 * The file is exactly `D + L + 4` bytes long. The header is
 * `{ "treedef": TreeDef, "leaves": LeafEntry[], "dataLength": L }` where `treedef` is the tree's
 * structure as produced by `treeFlatten` (object keys sorted) and `leaves` holds one entry per
 * leaf in flattening order, each with the leaf's `path` (as `treePaths` writes it) and `kind`:
 *
 * - `{ kind: 'tensor', dtype: 'float32' | 'int32' | 'bool', shape: number[], offset, byteLength }`:
 *   the tensor's elements in row-major order at `offset` (relative to `D`) in the data section;
 *   float32 as IEEE-754 binary32 (bit-exact, NaN payloads included), int32 as two's complement,
 *   bool as one byte `0` or `1`; `byteLength = product(shape) × (4, 4 or 1)`.
 * - `{ kind: 'number', offset, byteLength: 8 }`: an IEEE-754 binary64 in the data section, so
 *   `NaN`, `±Infinity` and `-0` round-trip exactly (JSON cannot represent them).
 * - `{ kind: 'boolean', value }` and `{ kind: 'string', value }`: the value inline in the JSON.
 * - `{ kind: 'null' }`.
 *
 * Data items are laid out in leaf order, each starting at the next multiple of 8 after the
 * previous one ends; gaps are zero and `L` is the end of the last item rounded up to a multiple
 * of 8. {@link deserializeState} insists on exactly this layout.
 *
 * Why: the magic and version let a loader recognise what it is given and refuse formats it does
 * not understand; the header makes the file self-describing (structure, dtypes, shapes) so it can
 * be validated, and checked against the state it is loaded into, before any tensor exists; the
 * CRC-32 detects truncation and bit flips anywhere in the file.
 *
 * @throws {@link DescentError} `invalid-option` naming the path of an unsupported leaf (a
 * function, `undefined`, a symbol or bigint, a complex64 or string tensor, a disposed tensor, a
 * class instance that is not a tensor, an array hole) or of a reference cycle.
 *
 * @example
 * ```ts
 * const bytes = serializeState({ step: 10, mu: { w: tf.zeros([3, 4]) } });
 * const restored = deserializeState(bytes, { like: currentState });
 * ```
 */
export function serializeState(tree: Tree<CheckpointLeaf>): Uint8Array {
  checkSerializable(tree);
  return encode(tree, (t) => t.dataSync() as ArrayLike<number>);
}

/**
 * {@link serializeState} for backends without synchronous read-back (WebGPU in Node): tensor
 * values are awaited with `data()` first, then encoded into the same format.
 */
export async function serializeStateAsync(tree: Tree<CheckpointLeaf>): Promise<Uint8Array> {
  checkSerializable(tree);
  const tensors = treeFlatten(tree).leaves.filter((l): l is tf.Tensor => l instanceof tf.Tensor);
  const values = new Map<tf.Tensor, ArrayLike<number>>();
  for (const t of tensors) if (!values.has(t)) values.set(t, (await t.data()) as ArrayLike<number>);
  return encode(tree, (t) => values.get(t) as ArrayLike<number>);
}

function encode(tree: Tree<CheckpointLeaf>, read: (t: tf.Tensor) => ArrayLike<number>): Uint8Array {
  const { leaves, treedef } = treeFlatten(tree);
  const paths = treePaths(tree);

  const entries: LeafEntry[] = [];
  let cursor = 0;
  leaves.forEach((leaf, i) => {
    const path = paths[i];
    if (leaf instanceof tf.Tensor) {
      const dtype = leaf.dtype as CheckpointDType;
      const offset = align(cursor);
      const byteLength = leaf.size * DTYPE_BYTES[dtype];
      entries.push({ path, kind: 'tensor', dtype, shape: leaf.shape.slice(), offset, byteLength });
      cursor = offset + byteLength;
    } else if (typeof leaf === 'number') {
      const offset = align(cursor);
      entries.push({ path, kind: 'number', offset, byteLength: 8 });
      cursor = offset + 8;
    } else if (typeof leaf === 'boolean') {
      entries.push({ path, kind: 'boolean', value: leaf });
    } else if (typeof leaf === 'string') {
      entries.push({ path, kind: 'string', value: leaf });
    } else {
      entries.push({ path, kind: 'null' });
    }
  });
  const dataLength = align(cursor);
  const header: Header = { treedef, leaves: entries, dataLength };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = align(FIXED_HEADER_BYTES + headerBytes.length);
  const crcOffset = dataStart + dataLength;

  const out = new Uint8Array(crcOffset + TRAILER_BYTES);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out.set(MAGIC, 0);
  view.setUint32(8, CHECKPOINT_FORMAT_VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  out.set(headerBytes, FIXED_HEADER_BYTES);
  entries.forEach((entry, i) => {
    if (entry.kind === 'tensor') {
      writeTensorData(out, view, dataStart + entry.offset, leaves[i] as tf.Tensor, read(leaves[i] as tf.Tensor), entry.dtype);
    } else if (entry.kind === 'number') {
      view.setFloat64(dataStart + entry.offset, leaves[i] as number, true);
    }
  });
  view.setUint32(crcOffset, crc32(out.subarray(0, crcOffset)), true);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Deserialization

function corrupt(message: string, value?: unknown): never {
  throw new DescentError('checkpoint-corrupt', `deserializeState: ${message}`, { parameter: 'bytes', value });
}

/** Describes a leaf, for the header and for mismatch messages (a class instance, so tree.ts treats it as a leaf). */
class LeafInfo {
  constructor(
    readonly kind: LeafKind | 'other',
    readonly dtype?: string,
    readonly tensorShape?: readonly number[],
    readonly other?: unknown,
  ) {}

  same(o: LeafInfo): boolean {
    if (this.kind !== o.kind) return false;
    if (this.kind !== 'tensor') return this.kind !== 'other';
    return this.dtype === o.dtype && (this.tensorShape ?? []).join(',') === (o.tensorShape ?? []).join(',');
  }

  toString(): string {
    switch (this.kind) {
      case 'tensor':
        return `a ${this.dtype} tensor of shape [${(this.tensorShape ?? []).join(',')}]`;
      case 'number':
        return 'a number';
      case 'boolean':
        return 'a boolean';
      case 'string':
        return 'a string';
      case 'null':
        return 'null';
      default:
        return `${describeValue(this.other)} (not a checkpoint leaf)`;
    }
  }

  static of(leaf: unknown): LeafInfo {
    if (leaf instanceof tf.Tensor) return new LeafInfo('tensor', leaf.dtype, leaf.shape.slice());
    if (leaf === null) return new LeafInfo('null');
    if (typeof leaf === 'number') return new LeafInfo('number');
    if (typeof leaf === 'boolean') return new LeafInfo('boolean');
    if (typeof leaf === 'string') return new LeafInfo('string');
    return new LeafInfo('other', undefined, undefined, leaf);
  }
}

/** Rebuilds a tree around `leaves`; keys are defined as own properties (safe for a key named `__proto__`). */
function rebuild<L>(treedef: TreeDef, leaves: readonly L[]): Tree<L> {
  let next = 0;
  const build = (def: TreeDef): Tree<L> => {
    if (def.kind === 'leaf') return leaves[next++];
    if (def.kind === 'array') return def.children.map(build);
    const out: { [key: string]: Tree<L> } = {};
    def.keys.forEach((k, i) => {
      Object.defineProperty(out, k, { value: build(def.children[i]), enumerable: true, writable: true, configurable: true });
    });
    return out;
  };
  return build(treedef);
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

function checkTreeDef(def: unknown, where: string): TreeDef {
  if (!isRecord(def)) corrupt(`malformed header: ${where} must be a TreeDef object, got ${describeValue(def)}`);
  if (def.kind === 'leaf') return { kind: 'leaf' };
  if (def.kind !== 'array' && def.kind !== 'object') {
    corrupt(`malformed header: ${where}.kind must be 'leaf', 'array' or 'object', got ${describeValue(def.kind)}`);
  }
  if (!Array.isArray(def.children)) corrupt(`malformed header: ${where}.children must be an array`);
  const children = def.children.map((c, i) => checkTreeDef(c, `${where}.children[${i}]`));
  if (def.kind === 'array') return { kind: 'array', children };
  const keys = def.keys;
  if (!Array.isArray(keys) || !keys.every((k): k is string => typeof k === 'string')) {
    corrupt(`malformed header: ${where}.keys must be an array of strings`);
  }
  if (keys.length !== children.length) {
    corrupt(`malformed header: ${where} has ${keys.length} keys but ${children.length} children`);
  }
  for (let i = 1; i < keys.length; i++) {
    if (!(keys[i - 1] < keys[i])) corrupt(`malformed header: ${where}.keys must be sorted and unique, got ${describeValue(keys)}`);
  }
  return { kind: 'object', keys: keys.slice(), children };
}

function isNonNegativeInteger(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** Parses and checks the header against itself and against the data section; creates nothing. */
function parseHeader(bytes: Uint8Array, start: number, length: number, dataSectionLength: number): { header: Header; shadow: Tree<LeafInfo> } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(start, start + length));
  } catch {
    corrupt('the header is not valid UTF-8');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    corrupt(`the header is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isRecord(raw)) corrupt(`malformed header: expected a JSON object, got ${describeValue(raw)}`);
  const treedef = checkTreeDef(raw.treedef, 'treedef');
  if (!Array.isArray(raw.leaves)) corrupt('malformed header: leaves must be an array');
  const rawLeaves: unknown[] = raw.leaves;
  const expectedLeaves = treeDefSize(treedef);
  if (rawLeaves.length !== expectedLeaves) {
    corrupt(`malformed header: the treedef holds ${expectedLeaves} leaves but the header lists ${rawLeaves.length}`);
  }
  if (raw.dataLength !== dataSectionLength) {
    corrupt(`malformed header: dataLength is ${describeValue(raw.dataLength)} but the data section holds ${dataSectionLength} bytes`);
  }
  const paths = treePaths(rebuild(treedef, rawLeaves.map(() => null)));

  const leaves: LeafEntry[] = [];
  const infos: LeafInfo[] = [];
  let cursor = 0;
  rawLeaves.forEach((e, i) => {
    const at = `leaves[${i}]`;
    if (!isRecord(e)) corrupt(`malformed header: ${at} must be an object, got ${describeValue(e)}`);
    if (e.path !== paths[i]) {
      corrupt(`malformed header: ${at}.path is ${describeValue(e.path)} but the treedef puts leaf ${i} at '${paths[i]}'`);
    }
    const path = paths[i];
    const kind = e.kind;
    if (typeof kind !== 'string' || !(LEAF_KINDS as readonly string[]).includes(kind)) {
      corrupt(`malformed header: ${at}.kind must be one of ${LEAF_KINDS.map((k) => `'${k}'`).join(', ')}, got ${describeValue(kind)}`);
    }
    const checkPlacement = (byteLength: number): number => {
      const offset = align(cursor);
      if (e.offset !== offset || e.byteLength !== byteLength) {
        corrupt(
          `malformed header: ${at} ('${pathLabel(path)}') is at offset ${describeValue(e.offset)} with byteLength ` +
            `${describeValue(e.byteLength)}, expected offset ${offset} and byteLength ${byteLength}`,
        );
      }
      if (offset + byteLength > dataSectionLength) {
        corrupt(`malformed header: ${at} ('${pathLabel(path)}') ends at byte ${offset + byteLength} of a ${dataSectionLength}-byte data section`);
      }
      cursor = offset + byteLength;
      return offset;
    };
    switch (kind as LeafKind) {
      case 'tensor': {
        const dtype = e.dtype;
        if (typeof dtype !== 'string' || !Object.prototype.hasOwnProperty.call(DTYPE_BYTES, dtype)) {
          corrupt(`malformed header: ${at}.dtype must be 'float32', 'int32' or 'bool', got ${describeValue(dtype)}`);
        }
        const shape = e.shape;
        if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
          corrupt(`malformed header: ${at}.shape must be an array of non-negative integers, got ${describeValue(shape)}`);
        }
        const size = shape.reduce((a: number, b: number) => a * b, 1);
        const byteLength = size * DTYPE_BYTES[dtype as CheckpointDType];
        if (!Number.isSafeInteger(byteLength) || byteLength > dataSectionLength) {
          corrupt(`malformed header: ${at} has shape [${shape.join(',')}], too large for a ${dataSectionLength}-byte data section`);
        }
        const offset = checkPlacement(byteLength);
        leaves.push({ path, kind: 'tensor', dtype: dtype as CheckpointDType, shape: shape.slice(), offset, byteLength });
        infos.push(new LeafInfo('tensor', dtype, shape.slice()));
        break;
      }
      case 'number': {
        const offset = checkPlacement(8);
        leaves.push({ path, kind: 'number', offset, byteLength: 8 });
        infos.push(new LeafInfo('number'));
        break;
      }
      case 'boolean':
        if (typeof e.value !== 'boolean') corrupt(`malformed header: ${at}.value must be a boolean, got ${describeValue(e.value)}`);
        leaves.push({ path, kind: 'boolean', value: e.value });
        infos.push(new LeafInfo('boolean'));
        break;
      case 'string':
        if (typeof e.value !== 'string') corrupt(`malformed header: ${at}.value must be a string, got ${describeValue(e.value)}`);
        leaves.push({ path, kind: 'string', value: e.value });
        infos.push(new LeafInfo('string'));
        break;
      case 'null':
        leaves.push({ path, kind: 'null' });
        infos.push(new LeafInfo('null'));
        break;
    }
  });
  if (align(cursor) !== dataSectionLength) {
    corrupt(`malformed header: the leaves use ${align(cursor)} bytes of data but dataLength is ${dataSectionLength}`);
  }
  return { header: { treedef, leaves, dataLength: dataSectionLength }, shadow: rebuild(treedef, infos) };
}

/** Throws `checkpoint-mismatch` unless the checkpoint (described by `shadow`) fits `like`. */
function checkAgainstTemplate(shadow: Tree<LeafInfo>, like: unknown): void {
  const diff = firstStructureDifference(shadow, like, { shapes: false });
  if (diff !== undefined) {
    throw new DescentError(
      'checkpoint-mismatch',
      `deserializeState: the checkpoint does not match options.like at '${diff.path}': the checkpoint holds ${diff.a} but like holds ${diff.b}`,
      { parameter: 'like', value: diff.path },
    );
  }
  const loaded = treeFlatten(shadow).leaves;
  const template = treeFlatten(like as Tree<unknown>).leaves;
  const paths = treePaths(shadow);
  for (let i = 0; i < loaded.length; i++) {
    const want = LeafInfo.of(template[i]);
    if (!loaded[i].same(want)) {
      throw new DescentError(
        'checkpoint-mismatch',
        `deserializeState: the checkpoint does not match options.like at '${pathLabel(paths[i])}': the checkpoint holds ${loaded[i]} but like holds ${want}`,
        { parameter: 'like', value: paths[i] },
      );
    }
  }
}

function readTensor(bytes: Uint8Array, view: DataView, start: number, entry: Extract<LeafEntry, { kind: 'tensor' }>): tf.Tensor {
  const size = entry.byteLength / DTYPE_BYTES[entry.dtype];
  let values: Float32Array | Int32Array | Uint8Array;
  if (entry.dtype === 'bool') {
    values = bytes.slice(start, start + entry.byteLength);
  } else if (LITTLE_ENDIAN_HOST) {
    const copy = bytes.slice(start, start + entry.byteLength);
    values = entry.dtype === 'float32' ? new Float32Array(copy.buffer, 0, size) : new Int32Array(copy.buffer, 0, size);
  } else if (entry.dtype === 'float32') {
    values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = view.getFloat32(start + 4 * i, true);
  } else {
    values = new Int32Array(size);
    for (let i = 0; i < size; i++) values[i] = view.getInt32(start + 4 * i, true);
  }
  return tf.tensor(values, entry.shape, entry.dtype);
}

/**
 * Reads a checkpoint written by {@link serializeState} and returns the tree it holds, with new
 * tensors (the caller owns and disposes them) and the original numbers, booleans, strings and
 * `null`s.
 *
 * Everything is validated before any tensor is created, so a rejected checkpoint never leaks
 * tensors or yields a partially loaded tree:
 *
 * 1. the length covers at least the fixed 16-byte prefix and the 4-byte CRC;
 * 2. the magic is `DESCENT\0` (otherwise this is not a descent checkpoint);
 * 3. the format version is {@link CHECKPOINT_FORMAT_VERSION} (a newer file is refused with a
 *    message naming both versions, rather than misread);
 * 4. the CRC-32 of every preceding byte equals the stored one (truncation, bit flips);
 * 5. the header length fits, the header is UTF-8 JSON, the treedef is well formed, the leaf
 *    count matches it, every path matches the treedef, every kind/dtype/shape is valid, every
 *    data item is where the canonical layout puts it with `byteLength = size × dtype size`,
 *    `dataLength` matches the data section, padding is zero and bool bytes are `0` or `1`;
 * 6. with `options.like` (a template, typically the state the checkpoint is meant to replace):
 *    the structure is the same, every tensor leaf has the template's shape and dtype and every
 *    other leaf the template's kind (number, boolean, string or null).
 *
 * @param bytes a checkpoint (a `Buffer` works too).
 * @param options.like a template tree the checkpoint must fit.
 * @throws {@link DescentError} `checkpoint-corrupt` for steps 1–5, with a message naming what is
 * wrong (e.g. `deserializeState: checksum mismatch: stored 0x…, computed 0x… (the bytes were
 * modified or truncated)`); `checkpoint-mismatch` for step 6, naming the first differing path and
 * what each side holds there; `invalid-option` when `bytes` is not a `Uint8Array` or `options`
 * has an unknown key.
 */
export function deserializeState(bytes: Uint8Array, options: { like?: Tree<unknown> } = {}): Tree<CheckpointLeaf> {
  const where = 'deserializeState';
  if (!(bytes instanceof Uint8Array)) invalidOption(where, 'bytes', bytes, 'a Uint8Array');
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an object');
  checkKnownOptions(where, options, ['like']);

  const minimum = FIXED_HEADER_BYTES + TRAILER_BYTES;
  if (bytes.length < minimum) {
    corrupt(`the input is ${bytes.length} bytes long, shorter than the ${minimum}-byte minimum (truncated, or not a checkpoint)`, bytes.length);
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) corrupt('bad magic number: the input does not start with "DESCENT\\0" (not a descent checkpoint)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== CHECKPOINT_FORMAT_VERSION) {
    const why = version > CHECKPOINT_FORMAT_VERSION ? 'it was written by a newer version of descent' : 'the version field is invalid';
    corrupt(`unsupported checkpoint format version ${version}; this build reads version ${CHECKPOINT_FORMAT_VERSION} (${why})`, version);
  }
  const crcOffset = bytes.length - TRAILER_BYTES;
  const stored = view.getUint32(crcOffset, true);
  const computed = crc32(bytes.subarray(0, crcOffset));
  if (stored !== computed) {
    corrupt(`checksum mismatch: stored ${hex32(stored)}, computed ${hex32(computed)} (the bytes were modified or truncated)`);
  }
  const headerLength = view.getUint32(12, true);
  if (headerLength > crcOffset - FIXED_HEADER_BYTES) {
    corrupt(`the header length ${headerLength} exceeds the ${crcOffset - FIXED_HEADER_BYTES} bytes available`, headerLength);
  }
  const dataStart = align(FIXED_HEADER_BYTES + headerLength);
  if (dataStart > crcOffset) corrupt(`the header padding runs past the end of the input (header length ${headerLength})`, headerLength);
  for (let i = FIXED_HEADER_BYTES + headerLength; i < dataStart; i++) {
    if (bytes[i] !== 0) corrupt(`non-zero padding byte at offset ${i} after the header`);
  }

  let parsed: { header: Header; shadow: Tree<LeafInfo> };
  try {
    parsed = parseHeader(bytes, FIXED_HEADER_BYTES, headerLength, crcOffset - dataStart);
  } catch (e) {
    if (e instanceof DescentError) throw e;
    corrupt(`malformed header (${e instanceof Error ? e.message : String(e)})`);
  }
  const { header, shadow } = parsed;

  // Data-section consistency: zero gaps between items, bool bytes 0 or 1.
  let cursor = 0;
  const checkGap = (end: number): void => {
    for (let i = cursor; i < end; i++) {
      if (bytes[dataStart + i] !== 0) corrupt(`non-zero padding byte at data offset ${i}`);
    }
  };
  for (const entry of header.leaves) {
    if (entry.kind !== 'tensor' && entry.kind !== 'number') continue;
    checkGap(entry.offset);
    if (entry.kind === 'tensor' && entry.dtype === 'bool') {
      for (let i = 0; i < entry.byteLength; i++) {
        const b = bytes[dataStart + entry.offset + i];
        if (b > 1) corrupt(`bool tensor '${pathLabel(entry.path)}' holds byte ${b} at element ${i} (expected 0 or 1)`);
      }
    }
    cursor = entry.offset + entry.byteLength;
  }
  checkGap(header.dataLength);

  if (options.like !== undefined) checkAgainstTemplate(shadow, options.like);

  // Everything is valid: create the tensors (disposing any already made if the backend fails).
  const created: tf.Tensor[] = [];
  try {
    const leaves: CheckpointLeaf[] = header.leaves.map((entry) => {
      switch (entry.kind) {
        case 'tensor': {
          const t = readTensor(bytes, view, dataStart + entry.offset, entry);
          created.push(t);
          return t;
        }
        case 'number':
          return view.getFloat64(dataStart + entry.offset, true);
        case 'boolean':
        case 'string':
          return entry.value;
        case 'null':
          return null;
      }
    });
    return rebuild(header.treedef, leaves);
  } catch (e) {
    for (const t of created) t.dispose();
    throw e;
  }
}
