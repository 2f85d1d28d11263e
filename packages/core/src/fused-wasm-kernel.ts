/**
 * The SIMD form of an elementwise rule on the CPU: the rule's expression graph compiled to a
 * WebAssembly function that processes four float32 lanes per instruction (`f32x4`), driven by a
 * small JavaScript loop that streams the tensors through the module's memory in chunks.
 *
 * Why: a scalar JavaScript loop cannot vectorise, and a rule with an `exp` per element (diffGrad's
 * friction coefficient) spends most of its time in `Math.exp`. In SIMD the whole step — `exp`
 * included, as Cephes' polynomial — costs about half the scalar loop's time even with the copies
 * into and out of WebAssembly memory, and Adam-like steps about a third (diffGrad at 1e6 elements:
 * 3.4 vs 7.1–7.3 ms; Adam 1.5 vs 4.4 ms; V8 11.3, one core, `packages/optim/bench`).
 *
 * Why chunks: the tensors live in tfjs's `Float32Array`s, which WebAssembly cannot address. Each
 * chunk of `chunk` elements (8,192 by default, the fastest of 4,096 / 8,192 / 16,384 on diffGrad) is
 * copied into the module's memory, computed there, and the outputs copied back, so main-memory
 * traffic is the same as the scalar loop's and the extra copies hit the cache. Every input of a chunk
 * is copied in before any output of it is written, and outputs are copied out of the module's
 * memory, so an output may be the same array as an input (in-place update), in any order.
 *
 * Numerics: every operation rounds to float32, as the WGSL shader and the float32 references do (the
 * scalar loop keeps intermediates in float64). `exp` is within 1 float32 ulp of e^x (91% correctly
 * rounded on a 4·10⁶-point grid over [−103, 88.7]); `log`, `tanh`
 * and `pow` on per-element values have no SIMD form here, so rules that use them run the scalar loop.
 *
 * @packageDocumentation
 */
import { type Expr, topologicalOrder } from './elementwise-expr.js';
import type { CpuLoop } from './fused-cpu-kernel.js';
import { jsExpr, jsConstant } from './fused-cpu-kernel.js';
import { encodeModule, f32x4Bytes, op, simd, simdMemory, simdOp, sleb, uleb, valType } from './wasm-encoder.js';

/** Default elements per chunk (a multiple of 4). */
export const WASM_CHUNK = 8192;

/** Options of {@link compileWasmSimdLoop}. */
export interface WasmSimdLoopOptions {
  /** Elements per chunk streamed through WebAssembly memory; a positive multiple of 4. Default {@link WASM_CHUNK}. */
  chunk?: number;
}

// Cephes `expf` (S. L. Moshier, cephes/single/expf.c): e^x = 2^k · P(r), x = k ln2 + r, |r| ≤ ln2/2,
// with ln2 split in two so that k·C1 is exact in float32.
const LOG2E = 1.4426950408889634;
const LN2_HI = 0.693359375;
const LN2_LO = -2.12194440e-4;
const EXP_POLY = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];
// Beyond these, e^x is +Inf / 0 in float32 anyway; clamping keeps 2^k representable in two halves.
const EXP_MAX = 89;
const EXP_MIN = -104;
// 1.5·2²³: adding it rounds |v| < 2²² to an integer (round-to-nearest-even), whose value sits in the low mantissa bits.
const ROUND_MAGIC = 12582912;
const ROUND_MAGIC_BITS = 0x4b400000;

const unsupported = new Set(['log', 'tanh', 'pow']);

function i32x4Bytes(value: number): number[] {
  const lane = new Uint8Array(new Int32Array([value]).buffer);
  return [...lane, ...lane, ...lane, ...lane];
}

const get = (local: number): number[] => [op.localGet, ...uleb(local)];
const set = (local: number): number[] => [op.localSet, ...uleb(local)];

/**
 * Vector constants, each materialised once before the loop into its own local: one 18-byte
 * `v128.const` per distinct value instead of one per use keeps modules small (Chromium compiles
 * modules over 4 KB only asynchronously on the main thread). Speed was the same either way (V8 11.3).
 */
interface ConstantPool {
  f32(value: number): number[];
  i32(value: number): number[];
  /** The instructions that fill the pool's locals (emit before the loop). */
  prelude(): number[];
  /** Locals used so far. */
  readonly size: number;
}

function constantPool(firstLocal: number): ConstantPool {
  const locals = new Map<string, { local: number; bytes: number[] }>();
  const lookup = (key: string, bytes: () => number[]): number[] => {
    let entry = locals.get(key);
    if (entry === undefined) {
      entry = { local: firstLocal + locals.size, bytes: bytes() };
      locals.set(key, entry);
    }
    return get(entry.local);
  };
  return {
    f32: (v) => lookup(`f${Math.fround(v)}`, () => [...simdOp(simd.const), ...f32x4Bytes(v)]),
    i32: (v) => lookup(`i${v}`, () => [...simdOp(simd.const), ...i32x4Bytes(v)]),
    prelude: () => [...locals.values()].flatMap((e) => [...e.bytes, ...set(e.local)]),
    get size() {
      return locals.size;
    },
  };
}

/**
 * `e^x` for the f32x4 on top of the stack, leaving e^x there; uses four scratch locals.
 * x is clamped to [−104, 89]; k = round(x·log₂e) by adding and subtracting 1.5·2²³ (so k's integer
 * value is also the low bits of the rounded sum: no float→int conversion); r = (x − k·C1) − k·C2;
 * P(r) is Cephes' polynomial; 2^k is applied as 2^⌊k/2⌋ · 2^(k−⌊k/2⌋) so that k = 128 (x near
 * ln FLT_MAX) and the subnormal range stay exact exponent constructions. NaN stays NaN.
 */
function emitExp(t: readonly [number, number, number, number], c: ConstantPool): number[] {
  const [x, k, sum, y] = t;
  const scale = (exponent: number[]): number[] => [
    ...exponent,
    ...c.i32(127),
    ...simdOp(simd.i32x4Add),
    op.i32Const,
    ...sleb(23),
    ...simdOp(simd.i32x4Shl),
    ...simdOp(simd.f32x4Mul),
  ];
  let horner = c.f32(EXP_POLY[0] as number);
  for (const p of EXP_POLY.slice(1)) horner = [...horner, ...get(x), ...simdOp(simd.f32x4Mul), ...c.f32(p), ...simdOp(simd.f32x4Add)];
  return [
    // pmin(x, M) = M < x ? M : x (one instruction on x64, unlike NaN-propagating min): NaN falls through as x.
    ...c.f32(EXP_MAX), ...simdOp(simd.f32x4Pmin), ...c.f32(EXP_MIN), ...simdOp(simd.f32x4Pmax), ...set(x),
    ...get(x), ...c.f32(LOG2E), ...simdOp(simd.f32x4Mul), ...c.f32(ROUND_MAGIC), ...simdOp(simd.f32x4Add), ...set(sum),
    ...get(sum), ...c.f32(ROUND_MAGIC), ...simdOp(simd.f32x4Sub), ...set(k),
    // r = (x − k·C1) − k·C2, kept in x
    ...get(x), ...get(k), ...c.f32(LN2_HI), ...simdOp(simd.f32x4Mul), ...simdOp(simd.f32x4Sub),
    ...get(k), ...c.f32(LN2_LO), ...simdOp(simd.f32x4Mul), ...simdOp(simd.f32x4Sub), ...set(x),
    // P(r) = ((((p0 r + p1) r + p2) r + p3) r + p4) r + p5) · r² + r + 1
    ...horner, ...get(x), ...simdOp(simd.f32x4Mul), ...get(x), ...simdOp(simd.f32x4Mul),
    ...get(x), ...simdOp(simd.f32x4Add), ...c.f32(1), ...simdOp(simd.f32x4Add), ...set(y),
    // k as integers in k (the sum's bits minus the magic's), ⌊k/2⌋ in x
    ...get(sum), ...c.i32(ROUND_MAGIC_BITS), ...simdOp(simd.i32x4Sub), ...set(k),
    ...get(k), op.i32Const, ...sleb(1), ...simdOp(simd.i32x4ShrS), ...set(x),
    ...get(y),
    ...scale(get(x)),
    ...scale([...get(k), ...get(x), ...simdOp(simd.i32x4Sub)]),
  ];
}

const binaryOps: Partial<Record<Expr['op'], number>> = {
  add: simd.f32x4Add,
  sub: simd.f32x4Sub,
  mul: simd.f32x4Mul,
  div: simd.f32x4Div,
  max: simd.f32x4Max,
  min: simd.f32x4Min,
  gt: simd.f32x4Gt,
  ge: simd.f32x4Ge,
  lt: simd.f32x4Lt,
  le: simd.f32x4Le,
  eq: simd.f32x4Eq,
};
const unaryOps: Partial<Record<Expr['op'], number>> = { neg: simd.f32x4Neg, sqrt: simd.f32x4Sqrt, abs: simd.f32x4Abs };

/** What {@link wasmSimdKernel} compiles: the module's bytes and how the JavaScript driver feeds it. */
export interface WasmSimdKernel {
  /** The module: exports `k(len, ...uniforms)` and its memory `m`. */
  bytes: Uint8Array<ArrayBuffer>;
  /** Uniform (scalar-only) nodes passed to `k` as float32 arguments, in order. */
  uniforms: Expr[];
  /** Input slot index of each input region, in memory order. */
  inputRegions: number[];
  /** For each root: `{ region }` when the module stores it, `{ input }` when it is an input passed through unchanged. */
  outputs: ({ region: number } | { input: number })[];
  /** Elements per chunk. */
  chunk: number;
}

/** The per-element nodes of the graph, or `undefined` when one has no SIMD form here (see {@link wasmSimdKernel}). */
function simdNodes(roots: readonly Expr[]): Expr[] | undefined {
  const elementwise = topologicalOrder(roots).filter((e) => !e.uniform);
  if (elementwise.some((e) => unsupported.has(e.op))) return undefined;
  // Comparisons yield lane masks, which only select can consume.
  const maskMisused = elementwise.some((e) => e.args.some((a, i) => a.boolean && !(e.op === 'select' && i === 0)));
  return maskMisused || roots.some((r) => r.boolean) ? undefined : elementwise;
}

/** Where a kernel's values live: uniform arguments, one memory region per input read and per stored root. */
interface KernelLayout {
  uniforms: Expr[];
  inputRegions: number[];
  regionOfInput: Map<number, number>;
  outputs: ({ region: number } | { input: number })[];
  regions: number;
}

function kernelLayout(inputNames: readonly string[], roots: readonly Expr[], elementwise: readonly Expr[]): KernelLayout {
  // Uniform nodes read per element (or returned) become arguments; constants go to the constant pool.
  const uniforms = [...new Set([...elementwise.flatMap((e) => e.args), ...roots].filter((a) => a.uniform && a.op !== 'const'))];
  const inputRegions: number[] = [];
  const regionOfInput = new Map<number, number>();
  for (const e of elementwise) {
    if (e.op !== 'input') continue;
    const k = inputNames.indexOf(e.name as string);
    if (k < 0) throw new Error(`fused WASM kernel: unknown input '${e.name}'`);
    regionOfInput.set(e.id, inputRegions.length);
    inputRegions.push(k);
  }
  let regions = inputRegions.length;
  // A root that is an input unchanged is copied out of that input's region, not stored again.
  const outputs = roots.map((r) => (r.op === 'input' ? { input: regionOfInput.get(r.id) as number } : { region: regions++ }));
  return { uniforms, inputRegions, regionOfInput, outputs, regions };
}

/** The instructions computing one per-element node onto the stack (`ref` pushes an argument, `load` an input). */
function emitNode(e: Expr, ref: (a: Expr) => number[], load: (input: Expr) => number[], scratch: readonly [number, number, number, number], pool: ConstantPool): number[] {
  const [a, b, c] = e.args as [Expr, Expr, Expr];
  switch (e.op) {
    case 'input':
      return load(e);
    case 'select':
      return [...ref(b), ...ref(c), ...ref(a), ...simdOp(simd.bitselect)];
    case 'square':
      return [...ref(a), ...ref(a), ...simdOp(simd.f32x4Mul)];
    case 'sign':
      // sign(x) = x > 0 ? 1 : (x < 0 ? −1 : x): keeps ±0 and NaN, as Math.sign.
      return [
        ...pool.f32(1), ...pool.f32(-1), ...ref(a), ...ref(a), ...pool.f32(0), ...simdOp(simd.f32x4Lt), ...simdOp(simd.bitselect),
        ...ref(a), ...pool.f32(0), ...simdOp(simd.f32x4Gt), ...simdOp(simd.bitselect),
      ];
    case 'exp':
      return [...ref(a), ...emitExp(scratch, pool)];
    default: {
      const binary = binaryOps[e.op];
      if (binary !== undefined) return [...ref(a), ...ref(b), ...simdOp(binary)];
      const unary = unaryOps[e.op];
      if (unary !== undefined) return [...ref(a), ...simdOp(unary)];
      throw new Error(`fused WASM kernel: unexpected op ${e.op}`);
    }
  }
}

/**
 * Compiles an expression graph to a SIMD module, or `undefined` when it uses an operation without a
 * SIMD form here (`log`, `tanh`, `pow` on per-element values) or a comparison outside `select`.
 */
export function wasmSimdKernel(
  inputNames: readonly string[],
  roots: readonly Expr[],
  options: WasmSimdLoopOptions = {},
): WasmSimdKernel | undefined {
  const chunk = options.chunk ?? WASM_CHUNK;
  if (!Number.isInteger(chunk) || chunk <= 0 || chunk % 4 !== 0) throw new Error(`fused WASM kernel: chunk ${chunk} must be a positive multiple of 4`);
  const elementwise = simdNodes(roots);
  if (elementwise === undefined) return undefined;
  const { uniforms, inputRegions, regionOfInput, outputs, regions } = kernelLayout(inputNames, roots, elementwise);

  // Locals: 0 = len, 1…U = uniforms, then i, end, one v128 per uniform splat and per node, four exp
  // scratch, then the constant pool.
  const iLocal = uniforms.length + 1;
  const endLocal = iLocal + 1;
  let nextV128 = endLocal + 1;
  const localOf = new Map<number, number>();
  uniforms.forEach((u) => localOf.set(u.id, nextV128++));
  elementwise.forEach((e) => localOf.set(e.id, nextV128++));
  const scratch = [nextV128, nextV128 + 1, nextV128 + 2, nextV128 + 3] as const;
  const pool = constantPool(nextV128 + 4);
  const bytesPerRegion = chunk * 4;
  const ref = (a: Expr): number[] => (a.op === 'const' ? pool.f32(a.value as number) : get(localOf.get(a.id) as number));
  const load = (input: Expr): number[] => [...get(iLocal), ...simdMemory(simd.load, (regionOfInput.get(input.id) as number) * bytesPerRegion)];

  const setup: number[] = [];
  uniforms.forEach((u, j) => {
    setup.push(...get(j + 1), ...simdOp(simd.f32x4Splat));
    // A uniform condition arrives as 1/0; select needs an all-ones/all-zeros lane mask.
    if (u.boolean) setup.push(...pool.f32(0), ...simdOp(simd.f32x4Gt));
    setup.push(...set(localOf.get(u.id) as number));
  });
  // end = ⌈len/4⌉·16 bytes: the padding lanes compute on stale memory and are never copied out.
  setup.push(...get(0), op.i32Const, ...sleb(3), op.i32Add, op.i32Const, ...sleb(-4), op.i32And, op.i32Const, ...sleb(2), op.i32Shl, ...set(endLocal));
  const loop: number[] = [op.block, op.void, op.loop, op.void, ...get(iLocal), ...get(endLocal), op.i32GeU, op.brIf, 1];
  for (const e of elementwise) loop.push(...emitNode(e, ref, load, scratch, pool), ...set(localOf.get(e.id) as number));
  roots.forEach((r, k) => {
    const out = outputs[k] as { region?: number };
    if (out.region !== undefined) loop.push(...get(iLocal), ...ref(r), ...simdMemory(simd.store, out.region * bytesPerRegion));
  });
  loop.push(...get(iLocal), op.i32Const, ...sleb(16), op.i32Add, ...set(iLocal), op.br, 0, op.end, op.end);

  const bytes = encodeModule({
    params: [valType.i32, ...uniforms.map(() => valType.f32)],
    locals: [
      { count: 2, type: valType.i32 },
      { count: nextV128 + 4 + pool.size - (endLocal + 1), type: valType.v128 },
    ],
    body: [...pool.prelude(), ...setup, ...loop],
    pages: Math.max(1, Math.ceil((regions * bytesPerRegion) / 65536)),
  });
  return { bytes, uniforms, inputRegions, outputs, chunk };
}

/**
 * The JavaScript driver of a {@link WasmSimdKernel}: computes the uniform arguments once per call
 * (in float64, as the scalar loop's hoisted header), then per chunk copies the inputs in, calls the
 * module and copies the outputs out.
 */
export function wasmSimdDriverSource(kernel: WasmSimdKernel, scalarNames: readonly string[]): string {
  const names = new Map<number, string>();
  const ref = (e: Expr): string => (e.op === 'const' ? jsConstant(e.value as number) : (names.get(e.id) as string));
  const lines: string[] = ['"use strict";'];
  for (const e of topologicalOrder(kernel.uniforms)) {
    if (e.op === 'const') continue;
    const name = `u${e.id}`;
    names.set(e.id, name);
    const k = scalarNames.indexOf(e.name as string);
    if (e.op === 'scalar' && k < 0) throw new Error(`fused WASM kernel: unknown scalar '${e.name}'`);
    lines.push(`const ${name} = ${e.op === 'scalar' ? `Math.fround(scalars[${k}])` : jsExpr(e, ref)};`);
  }
  const args = kernel.uniforms.map((u) => (u.boolean ? `(${ref(u)} ? 1 : 0)` : ref(u)));
  const region = (r: number): number => r * kernel.chunk;
  lines.push(`for (let off = 0; off < n; off += ${kernel.chunk}) {`);
  lines.push(`  const end = off + ${kernel.chunk} < n ? off + ${kernel.chunk} : n;`);
  kernel.inputRegions.forEach((k, r) => lines.push(`  F.set(inputs[${k}].subarray(off, end), ${region(r)});`));
  lines.push(`  k(end - off${args.map((a) => `, ${a}`).join('')});`);
  kernel.outputs.forEach((o, k) => {
    const r = 'region' in o ? o.region : o.input;
    lines.push(`  outputs[${k}].set(F.subarray(${region(r)}, ${region(r)} + end - off), off);`);
  });
  lines.push('}');
  return lines.join('\n');
}

let simdSupport: boolean | undefined;

/** Whether this runtime compiles WebAssembly with fixed-width SIMD (Node ≥ 16.4, current browsers). */
export function wasmSimdSupported(): boolean {
  if (simdSupport === undefined) {
    try {
      const probe = encodeModule({
        params: [valType.i32],
        locals: [],
        body: [...simdOp(simd.const), ...f32x4Bytes(1), ...simdOp(simd.const), ...f32x4Bytes(2), ...simdOp(simd.f32x4Add), 0x1a /* drop */],
        pages: 1,
      });
      simdSupport = typeof WebAssembly === 'object' && WebAssembly.validate(probe);
    } catch {
      simdSupport = false;
    }
  }
  return simdSupport;
}

/**
 * Compiles the rule's graph to a SIMD loop with the same calling convention as the scalar
 * {@link CpuLoop} (`outputs` may alias `inputs`), or returns `undefined` when the graph has an
 * operation without a SIMD form, the runtime lacks WebAssembly SIMD, or it refuses a synchronous
 * compile (Chromium does for modules over 4 KB on the main thread; Content-Security-Policy without
 * `'wasm-unsafe-eval'`): the caller then uses the scalar loop.
 */
export function compileWasmSimdLoop(
  inputNames: readonly string[],
  scalarNames: readonly string[],
  roots: readonly Expr[],
  options: WasmSimdLoopOptions = {},
): CpuLoop | undefined {
  if (!wasmSimdSupported()) return undefined;
  const kernel = wasmSimdKernel(inputNames, roots, options);
  if (kernel === undefined) return undefined;
  let instance: WebAssembly.Instance;
  try {
    instance = new WebAssembly.Instance(new WebAssembly.Module(kernel.bytes), {});
  } catch {
    return undefined;
  }
  const memory = instance.exports.m as WebAssembly.Memory;
  const run = new Function('F', 'k', `return function (inputs, outputs, scalars, n) {\n${wasmSimdDriverSource(kernel, scalarNames)}\n};`);
  return run(new Float32Array(memory.buffer), instance.exports.k) as CpuLoop;
}
