import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, Optimizer, identity, treeDispose } from '@descent/core';
import { hasUpdated, multiSteps, sgd } from '@descent/optim';
import { FunctionalLoop, expectCheckpointResumes, readLeaves } from './transform-steps.js';
import { thrown } from './descent-errors.js';

const miniGrads = [
  [1, -2],
  [3, 0.5],
  [-1, 4],
  [0.5, 1.5],
  [2, 2],
  [-3, 1],
  [0, -1],
  [1, 0.25],
];
const inner = () => sgd({ learningRate: 0.1, momentum: 0.9 });

describe('multiSteps', () => {
  it('every 4: zero updates on 3 calls, then one inner step on the mean gradient (twice)', async () => {
    const ms = multiSteps(inner(), { everyK: 4 });
    const loop = new FunctionalLoop(ms, [tf.tensor1d([1, 1])]);
    const reference = new FunctionalLoop(inner(), [tf.tensor1d([1, 1])]);
    for (let cycle = 0; cycle < 2; cycle++) {
      const chunk = miniGrads.slice(4 * cycle, 4 * cycle + 4);
      for (let j = 0; j < 3; j++) {
        const g = [tf.tensor1d(chunk[j] as number[])];
        const u = await loop.step(g);
        expect(u[0]?.every((x) => Object.is(x, 0))).toBe(true);
        expect(ms.hasUpdated(loop.state)).toBe(false);
        expect(loop.state.miniStep).toBe(j + 1);
        treeDispose(g);
      }
      const g = [tf.tensor1d(chunk[3] as number[])];
      const u = await loop.step(g);
      expect(ms.hasUpdated(loop.state)).toBe(true);
      expect(hasUpdated(loop.state)).toBe(true);
      expect(loop.state.gradientStep).toBe(cycle + 1);
      const mean = [tf.tensor1d([0, 1].map((i) => chunk.reduce((s, x) => s + (x[i] as number), 0) / 4))];
      const expected = await reference.step(mean);
      (u[0] as number[]).forEach((x, i) => expect(x).toBeCloseTo(expected[0]?.[i] as number, 6));
      // The accumulator restarts from zero.
      expect(await readLeaves(loop.state.acc)).toEqual([[0, 0]]);
      treeDispose([g, mean]);
    }
    const [p] = await readLeaves(loop.params);
    const [q] = await readLeaves(reference.params);
    (p as number[]).forEach((x, i) => expect(x).toBeCloseTo(q?.[i] as number, 6));
    loop.dispose();
    reference.dispose();
  });

  it('useGradMean false sums the gradients', async () => {
    const loop = new FunctionalLoop(multiSteps(identity(), { everyK: 3, useGradMean: false }), [tf.zeros([2])]);
    const out: number[][][] = [];
    for (const g of miniGrads.slice(0, 3)) {
      const t = [tf.tensor1d(g)];
      out.push(await loop.step(t));
      treeDispose(t);
    }
    expect(out[2]).toEqual([[3, 2.5]]);
    loop.dispose();
  });

  it('everyK as a schedule of the inner step count: 2 mini-steps, then 3', async () => {
    const ms = multiSteps(identity(), { everyK: (step) => (step === 0 ? 2 : 3) });
    const loop = new FunctionalLoop(ms, [tf.zeros([2])]);
    const updated: boolean[] = [];
    const updates: number[][][] = [];
    for (const g of miniGrads.slice(0, 5)) {
      const t = [tf.tensor1d(g)];
      updates.push(await loop.step(t));
      updated.push(ms.hasUpdated(loop.state));
      treeDispose(t);
    }
    expect(updated).toEqual([false, true, false, false, true]);
    expect(updates[1]).toEqual([[2, -0.75]]);
    const third = updates[4]?.[0] as number[];
    [(-1 + 0.5 + 2) / 3, (4 + 1.5 + 2) / 3].forEach((x, i) => expect(third[i]).toBeCloseTo(x, 6));
    loop.dispose();
  });

  it('with the runner: params move only on every k-th step, tensor counts flat', async () => {
    const w = tf.variable(tf.tensor1d([1, 1]));
    const opt = new Optimizer(multiSteps(sgd({ learningRate: 0.5 }), { everyK: 2 }), [w]);
    const grads = miniGrads.slice(0, 6).map((g) => [tf.tensor1d(g)]);
    await opt.stepAsync(grads[0] as tf.Tensor[]);
    const before = tf.memory().numTensors;
    expect(await readLeaves(w)).toEqual([[1, 1]]);
    await opt.stepAsync(grads[1] as tf.Tensor[]);
    const [w2] = await readLeaves(w);
    [1 - 0.5 * 2, 1 - 0.5 * -0.75].forEach((x, i) => expect(w2?.[i]).toBeCloseTo(x, 6));
    for (const g of grads.slice(2)) {
      await opt.stepAsync(g);
      expect(tf.memory().numTensors).toBe(before);
    }
    opt.dispose();
    treeDispose([w, grads]);
  });

  it('rejects bad arguments with a DescentError naming them', () => {
    const cases: [() => unknown, string][] = [
      [() => multiSteps(inner(), { everyK: 0 }), 'everyK'],
      [() => multiSteps(inner(), { everyK: 1.5 }), 'everyK'],
      [() => multiSteps(inner(), {} as never), 'everyK'],
      [() => multiSteps(inner(), { everyK: 2, useGradMean: 1 as never }), 'useGradMean'],
      [() => multiSteps(inner(), { everyK: 2, k: 3 } as never), 'k'],
      [() => multiSteps(null as never, { everyK: 2 }), 'inner'],
    ];
    for (const [fn, parameter] of cases) {
      const e = thrown(fn);
      expect(e).toBeInstanceOf(DescentError);
      expect(e.parameter).toBe(parameter);
      expect(e.message.startsWith('multiSteps: ')).toBe(true);
    }
    expect(thrown(cases[0]?.[0] as () => unknown).message).toBe('multiSteps: everyK must be an integer >= 1, got 0');
    const bad = multiSteps(identity(), { everyK: (s) => (s === 0 ? 1 : 0) });
    const loop = new FunctionalLoop(bad, [tf.zeros([1])]);
    const g = [tf.ones([1])];
    return (async () => {
      await loop.step(g);
      await expect(loop.step(g)).rejects.toThrow(/multiSteps: everyK\(step 1\) must be an integer >= 1, got 0/);
      loop.dispose();
      treeDispose(g);
    })();
  });

  it('checkpoint mid-cycle: 10 steps, save, load, 10 more equals 20 straight', async () => {
    const gradsAt = (t: number) => [tf.tensor1d([Math.sin(t), Math.cos(t)])];
    await expectCheckpointResumes(() => multiSteps(inner(), { everyK: 4 }), () => [tf.tensor1d([1, -1])], gradsAt);
  });
});
