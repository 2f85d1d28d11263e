/**
 * The few pieces of the WebAssembly binary format that descent's SIMD kernels need: LEB128
 * integers, little-endian floats, the SIMD opcodes used, and a one-function module with its own
 * memory (WebAssembly Core Specification 2.0, §5 "Binary Format"; SIMD opcodes from the
 * fixed-width SIMD proposal, merged in 2.0). Writing the bytes directly keeps the kernels free of a
 * build-time compiler and of a runtime dependency.
 *
 * @packageDocumentation
 */

/** Unsigned LEB128 (§5.2.2): 7 bits per byte, high bit set on every byte but the last. */
export function uleb(value: number): number[] {
  if (!Number.isInteger(value) || value < 0) throw new Error(`wasm encoder: uleb of ${value}`);
  const out: number[] = [];
  let v = value;
  do {
    let byte = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (§5.2.2) of a 32-bit integer, as `i32.const` takes it. */
export function sleb(value: number): number[] {
  if (!Number.isInteger(value) || value < -(2 ** 31) || value >= 2 ** 31) throw new Error(`wasm encoder: sleb of ${value}`);
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

/** The 16 bytes of an f32x4 with all four lanes equal to `value` rounded to float32. */
export function f32x4Bytes(value: number): number[] {
  const lane = new Uint8Array(new Float32Array([value]).buffer);
  return [...lane, ...lane, ...lane, ...lane];
}

/** Value types (§5.3.1). */
export const valType = { i32: 0x7f, f32: 0x7d, v128: 0x7b } as const;

/** Core opcodes used by the kernels (§5.4). */
export const op = {
  block: 0x02,
  loop: 0x03,
  br: 0x0c,
  brIf: 0x0d,
  end: 0x0b,
  localGet: 0x20,
  localSet: 0x21,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32And: 0x71,
  i32Shl: 0x74,
  /** Block type of a block/loop that yields nothing. */
  void: 0x40,
} as const;

/** SIMD opcodes (prefix 0xfd, then the opcode as unsigned LEB128). */
export const simd = {
  load: 0x00,
  store: 0x0b,
  const: 0x0c,
  f32x4Splat: 0x13,
  f32x4Eq: 0x41,
  f32x4Lt: 0x43,
  f32x4Gt: 0x44,
  f32x4Le: 0x45,
  f32x4Ge: 0x46,
  bitselect: 0x52,
  f32x4Nearest: 0x6a,
  i32x4Shl: 0xab,
  i32x4ShrS: 0xac,
  i32x4Add: 0xae,
  i32x4Sub: 0xb1,
  f32x4Abs: 0xe0,
  f32x4Neg: 0xe1,
  f32x4Sqrt: 0xe3,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Min: 0xe8,
  f32x4Max: 0xe9,
  f32x4Pmin: 0xea,
  f32x4Pmax: 0xeb,
  i32x4TruncSatF32x4S: 0xf8,
} as const;

/** One SIMD instruction without immediates. */
export function simdOp(code: number): number[] {
  return [0xfd, ...uleb(code)];
}

/** `v128.load`/`v128.store` at `address + offset`, 16-byte aligned (memarg: log2 alignment 4, offset). */
export function simdMemory(code: typeof simd.load | typeof simd.store, offset: number): number[] {
  return [...simdOp(code), 4, ...uleb(offset)];
}

function vec(items: readonly number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(s: string): number[] {
  return vec([...s].map((c) => [c.charCodeAt(0)]));
}

/** A module of one exported function `k` and one exported, non-growing memory `m`. */
export interface OneFunctionModule {
  /** Parameter types of `k` (it returns nothing). */
  params: readonly number[];
  /** Extra locals of `k`, by type, in order after the parameters. */
  locals: readonly { count: number; type: number }[];
  /** The body's instructions, without the final `end`. */
  body: readonly number[];
  /** Memory size in 64 KiB pages (minimum = maximum: the buffer never detaches). */
  pages: number;
}

/** The bytes of {@link OneFunctionModule}. */
export function encodeModule(m: OneFunctionModule): Uint8Array<ArrayBuffer> {
  const type = section(1, vec([[0x60, ...vec(m.params.map((t) => [t])), ...vec([])]]));
  const func = section(3, vec([uleb(0)]));
  const memory = section(5, vec([[0x01, ...uleb(m.pages), ...uleb(m.pages)]]));
  const exports = section(7, vec([[...name('k'), 0x00, 0], [...name('m'), 0x02, 0]]));
  const body = [...vec(m.locals.map((l) => [...uleb(l.count), l.type])), ...m.body, op.end];
  const code = section(10, vec([[...uleb(body.length), ...body]]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, ...type, ...func, ...memory, ...exports, ...code]);
}
