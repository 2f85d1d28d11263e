/**
 * The byte format of saved policies (`Policy.save()` / `loadPolicy`): a versioned, checksummed container of a JSON
 * header and float32 tensors, validated field by field when read so a corrupted file is rejected, never half-loaded
 * (DESIGN.md §8).
 *
 * @packageDocumentation
 */
import type * as tf from '@tensorflow/tfjs-core';
import { DescentError } from '@descent/core';

/** The current format version written by {@link encodePolicyBytes}. */
export const POLICY_FORMAT_VERSION = 1;

const MAGIC = [0x44, 0x52, 0x4c, 0x50]; // "DRLP"

/** One named tensor in a saved policy. */
export interface SavedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/**
 * The tensors every MLP policy saves: `net.<i>.w`/`net.<i>.b` per layer, then the observation-normalisation statistics
 * (`obs.mean`, `obs.variance`) when the policy has them. Policy kinds append their own tensors (log σ, bounds) after.
 */
export function mlpPolicyTensors(
  net: readonly { w: tf.Tensor; b: tf.Tensor }[],
  normalization: { mean: Float32Array; variance: Float32Array } | undefined,
): SavedTensor[] {
  const tensors: SavedTensor[] = net.flatMap((l, i) => [
    { name: `net.${i}.w`, shape: l.w.shape, data: l.w.dataSync() as Float32Array },
    { name: `net.${i}.b`, shape: l.b.shape, data: l.b.dataSync() as Float32Array },
  ]);
  if (normalization) {
    tensors.push(
      { name: 'obs.mean', shape: [normalization.mean.length], data: normalization.mean },
      { name: 'obs.variance', shape: [normalization.variance.length], data: normalization.variance },
    );
  }
  return tensors;
}

/** What {@link decodePolicyBytes} returns: the JSON header (without the tensor table) and the tensors. */
export interface DecodedPolicy {
  header: Record<string, unknown>;
  tensors: Map<string, SavedTensor>;
}

/** 32-bit FNV-1a over bytes: cheap, and any single flipped bit changes it. */
function fnv1a(bytes: Uint8Array, end: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < end; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

function corrupt(message: string): never {
  throw new DescentError('checkpoint-corrupt', `loadPolicy: ${message}`, { parameter: 'bytes' });
}

/**
 * Layout (little-endian): `"DRLP"` · u32 version · u32 header length H · H bytes of UTF-8 JSON · zero padding to a
 * multiple of 4 · the float32 payload (tensors in header order) · u32 FNV-1a checksum of everything before it.
 */
export function encodePolicyBytes(header: Record<string, unknown>, tensors: SavedTensor[]): Uint8Array {
  const table = tensors.map((t) => ({ name: t.name, shape: t.shape }));
  const json = new TextEncoder().encode(JSON.stringify({ ...header, tensors: table }));
  const headerEnd = 12 + json.length;
  const payloadStart = Math.ceil(headerEnd / 4) * 4;
  const floats = tensors.reduce((s, t) => s + t.data.length, 0);
  const total = payloadStart + 4 * floats + 4;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  bytes.set(MAGIC, 0);
  view.setUint32(4, POLICY_FORMAT_VERSION, true);
  view.setUint32(8, json.length, true);
  bytes.set(json, 12);
  let offset = payloadStart;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++, offset += 4) view.setFloat32(offset, t.data[i], true);
  }
  view.setUint32(total - 4, fnv1a(bytes, total - 4), true);
  return bytes;
}

/**
 * Parses and validates {@link encodePolicyBytes}' layout. Throws `DescentError('checkpoint-corrupt')` on a wrong
 * magic, a bad checksum, a malformed header or tensor table, a length mismatch or non-finite weights, and
 * `DescentError('checkpoint-mismatch')` on an unknown format version.
 */
export function decodePolicyBytes(bytes: Uint8Array): DecodedPolicy {
  if (!(bytes instanceof Uint8Array)) {
    throw new DescentError('invalid-option', `loadPolicy: bytes must be a Uint8Array, got ${typeof bytes}`, { parameter: 'bytes', value: bytes });
  }
  if (bytes.length < 16) corrupt(`${bytes.length} bytes is too short for a saved policy`);
  for (let i = 0; i < 4; i++) if (bytes[i] !== MAGIC[i]) corrupt('not a descent policy (bad magic bytes)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== POLICY_FORMAT_VERSION) {
    throw new DescentError('checkpoint-mismatch', `loadPolicy: format version ${version} is not supported (expected ${POLICY_FORMAT_VERSION})`, {
      parameter: 'bytes',
      value: version,
    });
  }
  const stored = view.getUint32(bytes.length - 4, true);
  if (stored !== fnv1a(bytes, bytes.length - 4)) corrupt('checksum mismatch (the bytes were altered or truncated)');
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length - 4) corrupt(`header length ${headerLength} exceeds the data`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + headerLength)));
  } catch (e) {
    corrupt(`header is not valid JSON (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) corrupt('header is not an object');
  const { tensors: table, ...header } = parsed as Record<string, unknown>;
  if (!Array.isArray(table)) corrupt('header has no tensor table');
  let offset = Math.ceil((12 + headerLength) / 4) * 4;
  const tensors = new Map<string, SavedTensor>();
  for (const entry of table as unknown[]) {
    const e = entry as { name?: unknown; shape?: unknown };
    if (typeof e?.name !== 'string' || !Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      corrupt(`malformed tensor entry ${JSON.stringify(entry)}`);
    }
    const size = (e.shape as number[]).reduce((a, b) => a * b, 1);
    if (offset + 4 * size > bytes.length - 4) corrupt(`tensor '${e.name}' runs past the end of the data`);
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++, offset += 4) {
      const v = view.getFloat32(offset, true);
      if (!Number.isFinite(v)) corrupt(`tensor '${e.name}' holds a non-finite value ${v}`);
      data[i] = v;
    }
    tensors.set(e.name as string, { name: e.name as string, shape: e.shape as number[], data });
  }
  if (offset !== bytes.length - 4) corrupt(`${bytes.length - 4 - offset} unexpected bytes after the tensors`);
  return { header, tensors };
}
