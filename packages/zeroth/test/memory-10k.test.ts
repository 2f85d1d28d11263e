/**
 * Issue acceptance "memory flat over 10,000 iterations": `minimize` driving CBO (the CPU fast path and the tfjs-ops
 * path) and OpenAI-ES for 10,000 iterations holds exactly as many tensors at iteration 10,000 as at iteration 100, and
 * none after it returns. Small problem sizes keep each run to seconds; the leak check does not depend on size.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { key, setFusedKernels } from '@descent/core';
import { adam } from '@descent/optim';
import { cbo, minimize, openaiEs, sphere } from '@descent/zeroth';

const ITERATIONS = 10_000;
const CPU_ONLY = '10,000 iterations: the cpu lane measures the leak; SwiftShader would take far longer than a test may';

/** Runs `minimize` and samples tf.memory().numTensors at iterations 100, 1,000, 2,000, …, 10,000. */
async function tensorCounts(strategy: Parameters<typeof minimize>[1], popSize: number) {
  const samples: number[] = [];
  const before = tf.memory().numTensors;
  const result = await minimize(sphere, strategy, {
    dim: 3,
    popSize,
    runs: 2,
    maxIterations: ITERATIONS,
    key: key(7),
    init: { uniform: { low: -2, high: 2 } },
    onIteration: ({ iteration }) => {
      if (iteration === 100 || iteration % 1000 === 0) samples.push(tf.memory().numTensors);
    },
  });
  return { samples, before, after: tf.memory().numTensors, result };
}

describe('memory over 10,000 iterations', () => {
  it('cbo (CPU fast path): tensor count at iteration 10,000 equals iteration 100; nothing left after minimize', async (ctx) => {
    if (tf.getBackend() !== 'cpu') return ctx.skip(CPU_ONLY);
    const { samples, before, after, result } = await tensorCounts(cbo({ sigma: 0.5, alpha: 10, alphaSchedule: { multiply: 1.05, max: 1e5 }, dt: 0.05 }), 8);
    expect(samples).toHaveLength(11);
    expect(new Set(samples).size).toBe(1);
    expect(after).toBe(before);
    expect(result.runs.every((r) => r.iterations === ITERATIONS)).toBe(true);
  }, 120_000);

  it('cbo (tfjs-ops path, fused kernels off): flat as well', async (ctx) => {
    if (tf.getBackend() !== 'cpu') return ctx.skip(CPU_ONLY);
    setFusedKernels(false);
    try {
      const { samples, before, after } = await tensorCounts(cbo({ sigma: 0.5, alpha: 10, dt: 0.05, noise: 'isotropic' }), 8);
      expect(new Set(samples).size).toBe(1);
      expect(after).toBe(before);
    } finally {
      setFusedKernels(true);
    }
  }, 120_000);

  it('openaiEs with adam: flat as well', async (ctx) => {
    if (tf.getBackend() !== 'cpu') return ctx.skip(CPU_ONLY);
    const { samples, before, after, result } = await tensorCounts(openaiEs({ sigma: 0.05, optimizer: adam({ learningRate: 0.01 }) }), 8);
    expect(new Set(samples).size).toBe(1);
    expect(after).toBe(before);
    for (const r of result.runs) expect(r.fitness).toBeLessThan(1e-2);
  }, 120_000);
});
