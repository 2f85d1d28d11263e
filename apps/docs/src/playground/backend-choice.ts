/**
 * Picks the page's tfjs backend: WebGPU when `navigator.gpu` gives an adapter, else the CPU
 * backend, through @descent/core's `useBackend`. Both backends and tfjs's gradient functions are
 * imported here so the bundle registers them (tfjs-core alone ships no gradients).
 */
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { backendInfo, useBackend } from '@descent/core';

/** What the page shows about its backend. */
export interface BackendChoice {
  name: string;
  adapter: string | undefined;
  /** Why WebGPU was not used, when it was not. */
  reason: string | undefined;
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

async function choose(): Promise<BackendChoice> {
  const noGpu = await hasAdapter();
  if (noGpu === undefined) {
    try {
      const name = await useBackend('webgpu');
      return { name, adapter: backendInfo().adapter, reason: undefined };
    } catch (e) {
      await useBackend('cpu');
      return { name: tf.getBackend(), adapter: undefined, reason: `WebGPU failed: ${(e as Error).message}` };
    }
  }
  const name = await useBackend('cpu');
  return { name, adapter: undefined, reason: noGpu };
}

/** Selects the backend once per page and returns the choice. */
export function chooseBackend(): Promise<BackendChoice> {
  chosen ??= choose();
  return chosen;
}
