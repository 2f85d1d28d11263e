/**
 * The WebGPU form of an elementwise rule: one WGSL compute shader that reads every input and
 * writes every output of one parameter tensor in a single dispatch.
 *
 * tfjs's `runWebGPUProgram` binds exactly one writable output buffer per program, which would
 * cost one dispatch (and one full read of the inputs) per output. Instead descent records its
 * own compute pass on the backend's `GPUDevice`, binding the tensors' own `GPUBuffer`s (taken
 * from the backend's `tensorMap`) as storage buffers — `read_write` for the ones it writes.
 * tfjs's pending command encoder is submitted first, so queue order makes our pass see every
 * earlier tfjs op and every later tfjs op see our writes.
 *
 * This reaches into tfjs-backend-webgpu 4.22 internals (`tensorMap`, `uploadToGPU`,
 * `commandEncoder`, `submitQueue`); `fusedWebGpuSupported` checks they exist and the rule
 * falls back to its reference path otherwise.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Expr, topologicalOrder } from './elementwise-expr.js';

/* Minimal structural types for the WebGPU objects used here (no DOM WebGPU typings needed). */
interface GpuBufferLike {
  readonly size: number;
  destroy(): void;
}
interface GpuDeviceLike {
  createShaderModule(d: { code: string }): unknown;
  createComputePipeline(d: { layout: 'auto'; compute: { module: unknown; entryPoint: string } }): {
    getBindGroupLayout(i: number): unknown;
  };
  createBindGroup(d: { layout: unknown; entries: { binding: number; resource: { buffer: GpuBufferLike } }[] }): unknown;
  createBuffer(d: { size: number; usage: number }): GpuBufferLike;
  createCommandEncoder(): {
    beginComputePass(): {
      setPipeline(p: unknown): void;
      setBindGroup(i: number, g: unknown): void;
      dispatchWorkgroups(x: number, y?: number, z?: number): void;
      end(): void;
    };
    finish(): unknown;
  };
  queue: { writeBuffer(b: GpuBufferLike, offset: number, data: ArrayBufferView): void; submit(c: unknown[]): void };
}
interface WebGpuBackendLike {
  device: GpuDeviceLike;
  read(dataId: object): Promise<unknown>;
  tensorMap: { get(dataId: object): { resource?: unknown; values?: unknown; shape: number[]; dtype: string } | undefined };
  uploadToGPU(dataId: object): void;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  endComputePassEncoder(): void;
  submitQueue(): void;
  commandEncoder?: unknown;
}

const WORKGROUP = 256;
const MAX_WORKGROUPS = 65535;

/** True when the current backend is tfjs-backend-webgpu with the internals this kernel uses. */
export function fusedWebGpuSupported(backend: unknown): backend is WebGpuBackendLike {
  const b = backend as Partial<WebGpuBackendLike> | undefined;
  return (
    b !== undefined &&
    typeof b.uploadToGPU === 'function' &&
    typeof b.read === 'function' &&
    typeof b.submitQueue === 'function' &&
    typeof b.endComputePassEncoder === 'function' &&
    b.device !== undefined &&
    b.tensorMap !== undefined
  );
}

function wgslConstant(v: number): string {
  return `f32(${Object.is(v, -0) ? '-0.0' : String(v)})`;
}

function wgslExpr(e: Expr, ref: (a: Expr) => string): string {
  const [a, b, c] = e.args.map(ref);
  switch (e.op) {
    case 'add': return `(${a} + ${b})`;
    case 'sub': return `(${a} - ${b})`;
    case 'mul': return `(${a} * ${b})`;
    case 'div': return `(${a} / ${b})`;
    case 'neg': return `(-${a})`;
    case 'sqrt': return `sqrt(${a})`;
    case 'abs': return `abs(${a})`;
    case 'sign': return `sign(${a})`;
    case 'square': return `(${a} * ${a})`;
    case 'exp': return `exp(${a})`;
    case 'log': return `log(${a})`;
    // WGSL's tanh may be computed as sinh/cosh and overflow to NaN for |x| ≳ 44 (it does on
    // SwiftShader); beyond |x| = 10, tanh(x) rounds to ±1 in float32 anyway. NaN stays NaN.
    case 'tanh': return `select(tanh(${a}), sign(${a}), abs(${a}) > f32(10))`;
    case 'max': return `max(${a}, ${b})`;
    case 'min': return `min(${a}, ${b})`;
    case 'pow': return `pow(${a}, ${b})`;
    case 'gt': return `(${a} > ${b})`;
    case 'ge': return `(${a} >= ${b})`;
    case 'lt': return `(${a} < ${b})`;
    case 'le': return `(${a} <= ${b})`;
    case 'eq': return `(${a} == ${b})`;
    // WGSL's select(f, t, cond) takes the false value first.
    case 'select': return `select(${c}, ${b}, ${a})`;
    default: throw new Error(`fused WebGPU kernel: unexpected op ${e.op}`);
  }
}

/**
 * WGSL source for one binding layout. `inputBinding[k]`/`outputBinding[k]` give the storage
 * binding each input/output slot reads/writes (several slots may share one buffer, e.g. the
 * parameter read and then written in place; an input the expressions never read may have
 * any binding, e.g. -1); `writable[b]` says whether binding b is written.
 * Binding 0 is the uniform block `{ n, scalars… }`.
 */
export function wgslSource(
  inputNames: readonly string[],
  scalarNames: readonly string[],
  roots: readonly Expr[],
  inputBinding: readonly number[],
  outputBinding: readonly number[],
  writable: readonly boolean[],
): string {
  const lines: string[] = [];
  lines.push('struct Uniforms {', '  n : u32,');
  scalarNames.forEach((_, k) => lines.push(`  s${k} : f32,`));
  lines.push('};', '@group(0) @binding(0) var<uniform> u : Uniforms;');
  writable.forEach((w, k) => {
    lines.push(`@group(0) @binding(${k + 1}) var<storage, ${w ? 'read_write' : 'read'}> b${k} : array<f32>;`);
  });
  const order = topologicalOrder(roots);
  const names = new Map<number, string>();
  const ref = (e: Expr): string => (e.op === 'const' ? wgslConstant(e.value as number) : (names.get(e.id) as string));
  const hoisted: string[] = [];
  const body: string[] = [];
  for (const e of order) {
    if (e.op === 'const') continue;
    let code: string;
    if (e.op === 'input') code = `b${inputBinding[inputNames.indexOf(e.name as string)]}[i]`;
    else if (e.op === 'scalar') code = `u.s${scalarNames.indexOf(e.name as string)}`;
    else code = wgslExpr(e, ref);
    names.set(e.id, `t${e.id}`);
    (e.uniform ? hoisted : body).push(`let t${e.id} = ${code};`);
  }
  lines.push(
    `@compute @workgroup_size(${WORKGROUP})`,
    'fn main(@builtin(global_invocation_id) gid : vec3<u32>, @builtin(num_workgroups) nwg : vec3<u32>) {',
    ...hoisted.map((l) => `  ${l}`),
    `  let stride = nwg.x * ${WORKGROUP}u;`,
    '  for (var i = gid.x; i < u.n; i = i + stride) {',
    ...body.map((l) => `    ${l}`),
    ...roots.map((r, k) => `    b${outputBinding[k]}[i] = ${ref(r)};`),
    '  }',
    '}',
  );
  return lines.join('\n');
}

interface CompiledPipeline {
  pipeline: ReturnType<GpuDeviceLike['createComputePipeline']>;
  uniform: GpuBufferLike;
}

const pipelines = new WeakMap<GpuDeviceLike, Map<string, CompiledPipeline>>();

/** The input slots a program's expressions read (the others get no binding). */
const readSlots = new WeakMap<ElementwiseProgram, Set<string>>();

function slotsRead(program: ElementwiseProgram): Set<string> {
  let slots = readSlots.get(program);
  if (!slots) {
    slots = new Set(topologicalOrder(program.roots).flatMap((e) => (e.op === 'input' ? [e.name as string] : [])));
    readSlots.set(program, slots);
  }
  return slots;
}

/** How many times a fused kernel has written each dataId (see {@link guardReadBack}). */
const writeCounts = new WeakMap<object, number>();
const guardedBackends = new WeakSet<object>();

/**
 * tfjs-backend-webgpu's `read` caches the values it downloads in `tensorMap.values`, and later
 * reads return that cache. A read already in flight when a fused kernel writes the tensor in
 * place would cache values older than the write; this wrapper drops such a cache once the read
 * resolves (the read itself still returns the values as of when it was issued). Installed on
 * the backend at its first fused WebGPU kernel.
 */
function guardReadBack(backend: WebGpuBackendLike): void {
  if (guardedBackends.has(backend)) return;
  guardedBackends.add(backend);
  const read = backend.read.bind(backend);
  backend.read = async (dataId: object) => {
    const writesBefore = writeCounts.get(dataId);
    const values = await read(dataId);
    if (writeCounts.get(dataId) !== writesBefore) {
      const data = backend.tensorMap.get(dataId);
      if (data) data.values = null;
    }
    return values;
  };
}

/**
 * How many storage buffers one shader stage may bind on this device. tfjs-backend-webgpu
 * requests its device without raising this limit, so it is WebGPU's default, 8, even when the
 * adapter offers more.
 */
function storageBufferLimit(backend: WebGpuBackendLike): number {
  const limits = (backend.device as { limits?: { maxStorageBuffersPerShaderStage?: number } }).limits;
  return limits?.maxStorageBuffersPerShaderStage ?? 8;
}

/** Distinct buffers `program` would bind for these tensors (inputs it never reads are not bound). */
function bindingCount(program: ElementwiseProgram, inputs: readonly tf.TensorInfo[], outputs: readonly tf.TensorInfo[]): number {
  const reads = slotsRead(program);
  const ids = new Set<unknown>(outputs.map((t) => t.dataId));
  inputs.forEach((t, k) => {
    if (reads.has(program.inputNames[k] as string)) ids.add(t.dataId);
  });
  return ids.size;
}

/**
 * Whether `program` fits one dispatch on the current WebGPU device for tensors that are all
 * distinct (the in-place path asks this before writing anything).
 */
export function fitsOneWebGpuDispatch(backend: unknown, program: ElementwiseProgram): boolean {
  if (!fusedWebGpuSupported(backend)) return false;
  // In place, the outputs overwrite param and the state slots; grad is the only other buffer.
  return program.roots.length + (slotsRead(program).has('grad') ? 1 : 0) <= storageBufferLimit(backend);
}

/**
 * Whether the functional `program` can run as fused dispatches on this device: each output,
 * with the inputs it reads, must fit the storage-buffer limit (outputs are then grouped).
 */
export function webGpuCanRunFunctional(backend: unknown, program: ElementwiseProgram): boolean {
  if (!fusedWebGpuSupported(backend)) return false;
  const limit = storageBufferLimit(backend);
  return program.roots.every((r) => new Set(topologicalOrder([r]).flatMap((e) => (e.op === 'input' ? [e.name as string] : []))).size + 1 <= limit);
}

const groupCache = new WeakMap<ElementwiseProgram, Map<number, { program: ElementwiseProgram; outputs: number[] }[]>>();

/** Splits a program's outputs into groups that each bind at most `limit` buffers. */
function outputGroups(program: ElementwiseProgram, limit: number): { program: ElementwiseProgram; outputs: number[] }[] {
  let byLimit = groupCache.get(program);
  if (!byLimit) groupCache.set(program, (byLimit = new Map()));
  const cached = byLimit.get(limit);
  if (cached) return cached;
  const readsOf = program.roots.map((r) => new Set(topologicalOrder([r]).flatMap((e) => (e.op === 'input' ? [e.name as string] : []))));
  const groups: { outputs: number[]; reads: Set<string> }[] = [];
  program.roots.forEach((_, k) => {
    const last = groups[groups.length - 1];
    if (last) {
      const reads = new Set([...last.reads, ...(readsOf[k] as Set<string>)]);
      if (reads.size + last.outputs.length + 1 <= limit) {
        last.outputs.push(k);
        last.reads = reads;
        return;
      }
    }
    if ((readsOf[k] as Set<string>).size + 1 > limit) throw new Error(`fused WebGPU kernel: one output reads more than ${limit - 1} inputs`);
    groups.push({ outputs: [k], reads: new Set(readsOf[k]) });
  });
  const result = groups.map((g, i) => ({
    outputs: g.outputs,
    program: { key: `${program.key}#${i}/${limit}`, inputNames: program.inputNames, scalarNames: program.scalarNames, roots: g.outputs.map((k) => program.roots[k] as Expr) },
  }));
  byLimit.set(limit, result);
  return result;
}

/** The usage flags of a uniform buffer we write with `queue.writeBuffer`. */
function uniformUsage(): number {
  const usage = (globalThis as { GPUBufferUsage?: { UNIFORM: number; COPY_DST: number } }).GPUBufferUsage;
  return usage ? usage.UNIFORM | usage.COPY_DST : 0x40 | 0x8;
}

/** Describes one compiled form: which slots it reads and writes and the expressions it writes. */
export interface ElementwiseProgram {
  /** Cache key: unique per rule and per program of the rule. */
  key: string;
  inputNames: readonly string[];
  scalarNames: readonly string[];
  roots: readonly Expr[];
}

/**
 * Runs `program` on the WebGPU backend in one dispatch: reads `inputs`, writes `outputs` (which
 * may be the very tensors given as inputs, for an in-place update). All tensors are float32
 * and have the same number of elements `n`.
 */
export function runFusedWebGpu(
  backend: WebGpuBackendLike,
  program: ElementwiseProgram,
  inputs: readonly tf.TensorInfo[],
  outputs: readonly tf.TensorInfo[],
  scalars: readonly number[],
  n: number,
): void {
  if (n === 0) return;
  const limit = storageBufferLimit(backend);
  if (bindingCount(program, inputs, outputs) > limit) {
    // More storage buffers than a shader stage may bind (tfjs requests the default 8): compute
    // the outputs in groups, one dispatch each. Only safe when no output is also an input.
    const written = new Set(outputs.map((t) => t.dataId));
    if (inputs.some((t) => written.has(t.dataId))) {
      throw new Error(`fused WebGPU kernel: an in-place program needs more than ${limit} storage buffers`);
    }
    for (const group of outputGroups(program, limit)) {
      runFusedWebGpu(backend, group.program, inputs, group.outputs.map((k) => outputs[k] as tf.TensorInfo), scalars, n);
    }
    return;
  }
  guardReadBack(backend);
  for (const t of [...inputs, ...outputs]) backend.uploadToGPU(t.dataId);
  // One binding per distinct GPUBuffer: WebGPU forbids binding a buffer twice when one binding writes it.
  const buffers: GpuBufferLike[] = [];
  const writable: boolean[] = [];
  const bindingOf = (t: tf.TensorInfo, write: boolean): number => {
    const resource = backend.tensorMap.get(t.dataId)?.resource as GpuBufferLike | undefined;
    if (resource === undefined) throw new Error('fused WebGPU kernel: tensor has no GPU buffer');
    let k = buffers.indexOf(resource);
    if (k < 0) {
      k = buffers.push(resource) - 1;
      writable.push(false);
    }
    if (write) writable[k] = true;
    return k;
  };
  const outputBinding = outputs.map((t) => bindingOf(t, true));
  // Only inputs the expressions read are bound: the 'auto' pipeline layout leaves out bindings
  // the shader never uses, and a bind group naming one of them is invalid (nothing would run).
  const reads = slotsRead(program);
  const inputBinding = inputs.map((t, k) => (reads.has(program.inputNames[k] as string) ? bindingOf(t, false) : -1));
  const layoutKey = `${program.key}|${inputBinding.join(',')}|${outputBinding.join(',')}|${writable.map(Number).join('')}`;

  const device = backend.device;
  let cache = pipelines.get(device);
  if (!cache) pipelines.set(device, (cache = new Map()));
  let compiled = cache.get(layoutKey);
  if (!compiled) {
    const code = wgslSource(program.inputNames, program.scalarNames, program.roots, inputBinding, outputBinding, writable);
    const module = device.createShaderModule({ code });
    const pipeline = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
    const uniformBytes = Math.ceil((4 * (1 + program.scalarNames.length)) / 16) * 16;
    compiled = { pipeline, uniform: device.createBuffer({ size: uniformBytes, usage: uniformUsage() }) };
    cache.set(layoutKey, compiled);
  }

  const uniformData = new ArrayBuffer(compiled.uniform.size);
  new Uint32Array(uniformData, 0, 1)[0] = n;
  new Float32Array(uniformData, 4, program.scalarNames.length).set(scalars);

  // Submit tfjs's recorded work (including the uploads above) before ours.
  if (backend.commandEncoder) {
    backend.endComputePassEncoder();
    backend.submitQueue();
  }
  // writeBuffer is ordered after every earlier submit, so reusing one uniform buffer is safe.
  device.queue.writeBuffer(compiled.uniform, 0, new Uint8Array(uniformData));
  const bindGroup = device.createBindGroup({
    layout: compiled.pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: compiled.uniform } },
      ...buffers.map((buffer, k) => ({ binding: k + 1, resource: { buffer } })),
    ],
  });
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  pass.setPipeline(compiled.pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(Math.min(Math.ceil(n / WORKGROUP), MAX_WORKGROUPS));
  pass.end();
  device.queue.submit([encoder.finish()]);
  // tfjs caches a CPU copy of a tensor once it has been read; the GPU buffer is now the truth.
  for (const t of outputs) {
    writeCounts.set(t.dataId, (writeCounts.get(t.dataId) ?? 0) + 1);
    const data = backend.tensorMap.get(t.dataId);
    if (data) data.values = null;
  }
}

/** Allocates an uninitialised float32 tensor on the GPU (for a functional kernel's outputs). */
export function allocateWebGpuOutput(backend: WebGpuBackendLike, shape: number[]): tf.TensorInfo {
  const info = backend.makeTensorInfo(shape, 'float32');
  backend.uploadToGPU(info.dataId);
  return info;
}
