/**
 * Picks the page's tfjs backend: WebGPU when `navigator.gpu` gives an adapter, else the CPU
 * backend (or the CPU backend when the page is opened with `?backend=cpu`), through
 * @descent/core's `useBackend`. Both backends and tfjs's gradient functions are
 * imported here so the bundle registers them (tfjs-core alone ships no gradients).
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import { backendInfo, useBackend } from '@descent/core';

/** What the page shows about its backend. */
export interface BackendChoice {
  name: string;
  adapter: string | undefined;
  /** Why WebGPU was not used, when it was not. */
  reason: string | undefined;
  /** On the CPU backend, the form of descent's fused kernels (`'wasm-simd'` or `'js'`); else `undefined`. */
  cpuKernels: string | undefined;
}

let chosen: Promise<BackendChoice> | undefined;

async function hasAdapter(): Promise<string | undefined> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  if (!gpu) return 'this browser has no navigator.gpu';
  try {
    return (await gpu.requestAdapter()) ? undefined : 'navigator.gpu gave no adapter';
  } catch (e) {
    return `requestAdapter failed: ${(e as Error).message}`;
  }
}

async function choose(request: string | null): Promise<BackendChoice> {
  const cpu = async (reason: string): Promise<BackendChoice> => {
    const name = await useBackend('cpu');
    return { name, adapter: undefined, reason, cpuKernels: backendInfo().cpuKernels };
  };
  if (request === 'cpu') return cpu('requested with ?backend=cpu');
  const noGpu = await hasAdapter();
  if (noGpu === undefined) {
    try {
      const name = await useBackend('webgpu');
      return { name, adapter: backendInfo().adapter, reason: undefined, cpuKernels: undefined };
    } catch (e) {
      return cpu(`WebGPU failed: ${(e as Error).message}`);
    }
  }
  return cpu(noGpu);
}

/** Selects the backend once per page (`request`: the page's `?backend=` parameter; `'cpu'` skips WebGPU) and returns the choice. */
export function chooseBackend(request: string | null = null): Promise<BackendChoice> {
  chosen ??= choose(request);
  return chosen;
}
