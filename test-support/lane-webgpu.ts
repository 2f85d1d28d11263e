/**
 * The webgpu lane: the same test files as the cpu lane, on tfjs-backend-webgpu. Where no
 * adapter can be had, every test of the lane is skipped with the reason printed once.
 */
import { beforeEach } from 'vitest';
import { useBackend } from '@descent/core';

const swiftShader = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (process.env.VK_ICD_FILENAMES === undefined) {
  const { existsSync } = await import('node:fs');
  if (existsSync(swiftShader)) process.env.VK_ICD_FILENAMES = swiftShader;
}

let reason: string | undefined;
try {
  await useBackend('webgpu');
} catch (e) {
  reason = `no WebGPU adapter: ${(e as Error).message}`;
}

if (reason !== undefined) {
  const g = globalThis as { __descentLaneReasonPrinted?: boolean };
  if (!g.__descentLaneReasonPrinted) {
    g.__descentLaneReasonPrinted = true;
    console.warn(`[webgpu lane] skipping: ${reason}`);
  }
  beforeEach((ctx) => {
    ctx.skip(reason);
  });
}
