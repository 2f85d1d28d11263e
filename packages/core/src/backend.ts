/**
 * Backend selection: CPU (default in Node and tests), WebGPU (browsers, and Node through the
 * `webgpu` package's Dawn build), WASM (optional), or `auto`.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, checkOneOf } from './errors.js';
import { wasmSimdSupported } from './fused-wasm-kernel.js';

/** Backends {@link useBackend} understands. */
export type BackendName = 'cpu' | 'webgpu' | 'wasm' | 'auto';

/** What {@link backendInfo} reports. */
export interface BackendInfo {
  /** The tfjs backend in use (`tf.getBackend()`), e.g. `'cpu'` or `'webgpu'`. */
  name: string;
  /** The WebGPU adapter (vendor, architecture, device, description) when on WebGPU, else `undefined`. */
  adapter: string | undefined;
  /** Whether descent's fused elementwise kernels run on this backend (else the tfjs-ops reference path). */
  fusedKernels: boolean;
  /**
   * On the CPU backend with fused kernels on: which form the fused CPU kernels take ({@link setCpuKernels}); rules
   * with an operation that has no SIMD form run the scalar loop even under `'wasm-simd'`. `undefined` elsewhere.
   */
  cpuKernels: CpuKernelKind | undefined;
}

/**
 * Forms of the fused CPU kernels: `'wasm-simd'`, a WebAssembly function over four float32 lanes per instruction
 * with every operation rounded to float32 (`fused-wasm-kernel.ts`); `'js'`, a scalar JavaScript loop with float64
 * intermediates (`fused-cpu-kernel.ts`).
 */
export type CpuKernelKind = 'wasm-simd' | 'js';

const FUSED_BACKENDS = new Set(['cpu', 'webgpu']);
let adapterDescription: string | undefined;
let fusedEnabled = true;
let cpuKernelChoice: CpuKernelKind = 'wasm-simd';
let fusedCompilable: boolean | undefined;

// Module names held in variables keep bundlers from resolving optional, Node-only packages.
const optionalImport = (name: string): Promise<unknown> => import(/* @vite-ignore */ name);

interface GpuLike {
  requestAdapter(): Promise<{ info?: Record<string, unknown> } | null>;
}

function navigatorGpu(): GpuLike | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  return nav?.gpu;
}

/**
 * In Node there is no `navigator.gpu`; the optional `webgpu` package (Dawn) provides one. It
 * needs a Vulkan driver: on a machine without a GPU, Debian's `chromium` package ships
 * SwiftShader (`VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json`, plus `libvulkan1`).
 */
async function ensureNavigatorGpu(): Promise<GpuLike> {
  const existing = navigatorGpu();
  if (existing) return existing;
  let mod: { create(flags: string[]): GpuLike; globals: Record<string, unknown> };
  try {
    mod = (await optionalImport('webgpu')) as typeof mod;
  } catch (e) {
    throw new DescentError(
      'backend-unavailable',
      `useBackend: name 'webgpu' needs navigator.gpu; in Node install the optional 'webgpu' package (${(e as Error).message})`,
      { parameter: 'name', value: 'webgpu' },
    );
  }
  Object.assign(globalThis, mod.globals);
  const gpu = mod.create([]);
  const g = globalThis as { navigator?: { gpu?: GpuLike } };
  if (g.navigator) {
    try {
      (g.navigator as { gpu?: GpuLike }).gpu = gpu;
    } catch {
      // Node ≥ 21 has a read-only global navigator; define the property instead.
    }
  }
  if (!navigatorGpu()) {
    Object.defineProperty(globalThis, 'navigator', { value: { ...(g.navigator ?? {}), gpu }, configurable: true, writable: true });
  }
  return gpu;
}

function describeAdapter(info: Record<string, unknown> | undefined): string {
  if (!info) return 'unknown adapter';
  const parts = ['vendor', 'architecture', 'device', 'description']
    .map((k) => info[k])
    .filter((v): v is string => typeof v === 'string' && v.length > 0);
  return parts.length > 0 ? [...new Set(parts)].join(' / ') : 'unnamed adapter';
}

async function initWebGpu(): Promise<void> {
  const gpu = await ensureNavigatorGpu();
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    throw new DescentError(
      'backend-unavailable',
      "useBackend: name 'webgpu' found navigator.gpu but no adapter (without a GPU, install Debian's chromium and libvulkan1 " +
        'and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json)',
      { parameter: 'name', value: 'webgpu' },
    );
  }
  adapterDescription = describeAdapter(adapter.info);
  // A page that bundled the backend itself has it registered already; importing by bare name would fail in a browser.
  if (tf.findBackendFactory('webgpu') === null) await optionalImport('@tensorflow/tfjs-backend-webgpu');
  const ok = await tf.setBackend('webgpu');
  if (!ok) {
    throw new DescentError('backend-unavailable', "useBackend: name 'webgpu': tfjs-backend-webgpu failed to initialise", {
      parameter: 'name',
      value: 'webgpu',
    });
  }
}

async function initSimple(name: 'cpu' | 'wasm', pkg: string): Promise<void> {
  try {
    // Already registered (bundled by the application): no run-time import, which browsers cannot resolve by bare name.
    if (tf.findBackendFactory(name) === null) await optionalImport(pkg);
  } catch (e) {
    throw new DescentError('backend-unavailable', `useBackend: name '${name}' needs the package ${pkg} (${(e as Error).message})`, {
      parameter: 'name',
      value: name,
    });
  }
  if (!(await tf.setBackend(name))) {
    throw new DescentError('backend-unavailable', `useBackend: name '${name}': ${pkg} failed to initialise`, {
      parameter: 'name',
      value: name,
    });
  }
}

/**
 * Makes sure tfjs's gradient functions are registered (tfjs-core's Node bundle ships none:
 * `@tensorflow/tfjs` registers them as a side effect, tfjs-core alone does not). Tries
 * tfjs-core's own `register_all_gradients` module (loads under bundlers and in browsers), then
 * the Node bundle of `@tensorflow/tfjs-layers` (an optional dependency of core), which
 * registers the same gradient set into tfjs's global registry. {@link useBackend} calls this.
 */
export async function ensureGradients(): Promise<boolean> {
  if (tf.getGradient('Mean') !== undefined && tf.getGradient('Tanh') !== undefined) return true;
  for (const name of ['@tensorflow/tfjs-core/dist/register_all_gradients', '@tensorflow/tfjs-layers']) {
    try {
      await optionalImport(name);
    } catch {
      continue;
    }
    if (tf.getGradient('Mean') !== undefined) return true;
  }
  return false;
}

/**
 * Selects and initialises a tfjs backend and returns the name of the one in use.
 *
 * - `'cpu'`: `@tensorflow/tfjs-backend-cpu` (a dependency of core).
 * - `'webgpu'`: `@tensorflow/tfjs-backend-webgpu`; in Node, `navigator.gpu` comes from the optional `webgpu` package.
 * - `'wasm'`: `@tensorflow/tfjs-backend-wasm`, if the application installed it.
 * - `'auto'`: WebGPU when an adapter exists, else CPU.
 *
 * Throws a `backend-unavailable` {@link DescentError} saying why a backend cannot be had.
 */
export async function useBackend(name: BackendName): Promise<string> {
  checkOneOf('useBackend', 'name', name, ['cpu', 'webgpu', 'wasm', 'auto'] as const);
  if (name === 'auto') {
    try {
      await initWebGpu();
    } catch {
      await initSimple('cpu', '@tensorflow/tfjs-backend-cpu');
    }
  } else if (name === 'webgpu') {
    await initWebGpu();
  } else if (name === 'wasm') {
    await initSimple('wasm', '@tensorflow/tfjs-backend-wasm');
  } else {
    await initSimple('cpu', '@tensorflow/tfjs-backend-cpu');
  }
  await tf.ready();
  if (!(await ensureGradients())) {
    console.warn(
      "descent: tfjs gradient functions are not registered (install @tensorflow/tfjs-layers or import '@tensorflow/tfjs'); autodiff will fail",
    );
  }
  return tf.getBackend();
}

/** Name, adapter and fused-kernel status of the backend in use. */
export function backendInfo(): BackendInfo {
  const name = tf.getBackend();
  return {
    name,
    adapter: name === 'webgpu' ? adapterDescription : undefined,
    fusedKernels: fusedKernelsActive(name),
    cpuKernels: name === 'cpu' && fusedKernelsActive(name) ? cpuKernels() : undefined,
  };
}

/**
 * Chooses the form of the fused CPU kernels (default `'wasm-simd'`). WebAssembly SIMD is ≈ 2.1× faster than the
 * scalar loop on diffGrad's step (its `exp` per element) and ≈ 3× on Adam-like steps (`packages/optim/bench`);
 * `'js'` keeps float64 intermediates, and is what runs anyway where WebAssembly SIMD is missing or a rule uses `log`,
 * `tanh` or `pow` per element. Kernels already compiled stay cached per form, so switching back and forth is cheap.
 */
export function setCpuKernels(kind: CpuKernelKind): void {
  cpuKernelChoice = checkOneOf('setCpuKernels', 'kind', kind, ['wasm-simd', 'js']);
}

/** The form fused CPU kernels take now: the choice of {@link setCpuKernels}, or `'js'` without WebAssembly SIMD. */
export function cpuKernels(): CpuKernelKind {
  return cpuKernelChoice === 'wasm-simd' && wasmSimdSupported() ? 'wasm-simd' : 'js';
}

/**
 * Turns descent's fused kernels on or off (they are on by default). Off, every elementwise
 * rule runs through its tfjs-ops reference path: useful to compare the two or to debug.
 */
export function setFusedKernels(enabled: boolean): void {
  if (typeof enabled !== 'boolean') {
    throw new DescentError('invalid-option', `setFusedKernels: enabled must be a boolean, got ${String(enabled)}`, {
      parameter: 'enabled',
      value: enabled,
    });
  }
  fusedEnabled = enabled;
}

/**
 * Whether fused kernels run on `backendName` (default: the current backend). Fused CPU loops
 * are compiled with `new Function`; a page whose Content-Security-Policy forbids that runs the
 * reference path instead.
 */
export function fusedKernelsActive(backendName: string = tf.getBackend()): boolean {
  if (!fusedEnabled || !FUSED_BACKENDS.has(backendName)) return false;
  if (fusedCompilable === undefined) {
    try {
      fusedCompilable = new Function('return 1')() === 1;
    } catch {
      fusedCompilable = false;
    }
  }
  return fusedCompilable;
}
