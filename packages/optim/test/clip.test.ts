import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, Optimizer, type Params, chain, setFusedKernels, treeDispose } from '@descent/core';
import { clip, scaleByLearningRate } from '@descent/optim';
import { FunctionalLoop, readLeaves } from './transform-steps.js';
import { thrown } from './descent-errors.js';

describe('clip', () => {
  for (const fused of [true, false]) {
    it(`clamps every element to [-maxDelta, maxDelta] (fused kernels ${fused ? 'on' : 'off'})`, async () => {
      setFusedKernels(fused);
      try {
        const u = [tf.tensor1d([-3, -0.5, 0, 0.5, 3]), tf.tensor2d([[1.5, -1]])];
        const t = clip(1);
        const out = tf.tidy(() => t.update(u, t.init(u)).updates as tf.TensorContainer) as unknown as Params;
        expect(await readLeaves(out)).toEqual([[-1, -0.5, 0, 0.5, 1], [1, -1]]);
        treeDispose([u, out]);
      } finally {
        setFusedKernels(true);
      }
    });
  }

  it('is elementwise: fuses with its neighbours into one in-place rule, and the runner matches the functional path', async () => {
    const t = chain(clip(0.5), scaleByLearningRate(0.1));
    expect(t.inPlace).toBeDefined();
    const grads = [tf.tensor1d([2, -0.25, -4])];
    const results: number[][][] = [];
    for (const inPlace of [true, false]) {
      const w = tf.variable(tf.tensor1d([1, 1, 1]));
      const opt = new Optimizer(chain(clip(0.5), scaleByLearningRate(0.1)), [w], { inPlace });
      await opt.stepAsync(grads);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) await opt.stepAsync(grads);
      expect(tf.memory().numTensors).toBe(before);
      results.push(await readLeaves(w));
      opt.dispose();
      w.dispose();
    }
    expect(results[0]).toEqual(results[1]);
    const [w] = results[0] as number[][];
    [1 - 4 * 0.1 * 0.5, 1 + 4 * 0.1 * 0.25, 1 + 4 * 0.1 * 0.5].forEach((x, i) => expect(w?.[i]).toBeCloseTo(x, 6));
    treeDispose(grads);
  });

  it('a scheduled maxDelta is evaluated at the step count; the functional loop keeps tensor counts flat', async () => {
    const loop = new FunctionalLoop(clip((s) => s + 1), [tf.zeros([2])]);
    const g = [tf.tensor1d([10, -10])];
    expect(await loop.step(g)).toEqual([[1, -1]]);
    const before = tf.memory().numTensors;
    expect(await loop.step(g)).toEqual([[2, -2]]);
    expect(await loop.step(g)).toEqual([[3, -3]]);
    expect(tf.memory().numTensors).toBe(before);
    loop.dispose();
    treeDispose(g);
  });

  it('rejects a maxDelta that is not a finite number >= 0, naming it', () => {
    for (const bad of [-0.1, Number.NaN, Infinity, undefined]) {
      const e = thrown(() => clip(bad as number));
      expect(e).toBeInstanceOf(DescentError);
      expect(e.parameter).toBe('maxDelta');
      expect(e.message).toMatch(/^clip: maxDelta must be a finite number >= 0, got/);
    }
  });
});
