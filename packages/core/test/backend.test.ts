import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, backendInfo, ensureGradients, fusedKernelsActive, setFusedKernels, useBackend } from '@descent/core';

describe('backends', () => {
  it('backendInfo names the lane backend, its adapter on WebGPU, and fused kernels on', () => {
    const info = backendInfo();
    expect(info.name).toBe(tf.getBackend());
    expect(info.fusedKernels).toBe(true);
    if (info.name === 'webgpu') expect(typeof info.adapter).toBe('string');
    else expect(info.adapter).toBeUndefined();
  });

  it('setFusedKernels switches the fused path off and on, and validates its argument', () => {
    setFusedKernels(false);
    expect(fusedKernelsActive()).toBe(false);
    expect(backendInfo().fusedKernels).toBe(false);
    setFusedKernels(true);
    expect(fusedKernelsActive()).toBe(true);
    expect(fusedKernelsActive('wasm')).toBe(false);
    expect(() => setFusedKernels('yes' as never)).toThrow(DescentError);
  });

  it('rejects unknown backend names with the choices listed', async () => {
    await expect(useBackend('tpu' as never)).rejects.toThrow(/name must be one of 'cpu', 'webgpu', 'wasm', 'auto', got 'tpu'/);
  });

  it('explains a missing optional backend package instead of failing obscurely', async () => {
    const current = tf.getBackend();
    const error = await useBackend('wasm').then(
      () => undefined,
      (e: unknown) => e,
    );
    if (error !== undefined) {
      expect(error).toBeInstanceOf(DescentError);
      expect((error as DescentError).code).toBe('backend-unavailable');
      expect((error as Error).message).toContain('@tensorflow/tfjs-backend-wasm');
    }
    await useBackend(current as 'cpu' | 'webgpu');
    expect(tf.getBackend()).toBe(current);
  });

  it('registers tfjs gradients so autodiff works with tfjs-core alone', async () => {
    expect(await ensureGradients()).toBe(true);
    expect(tf.getGradient('Mean')).toBeDefined();
    expect(tf.getGradient('BatchMatMul')).toBeDefined();
  });
});
