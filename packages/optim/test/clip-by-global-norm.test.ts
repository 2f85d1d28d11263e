import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, Optimizer, type Params, chain, treeDispose } from '@descent/core';
import { clipByGlobalNorm, sgd } from '@descent/optim';
import { FunctionalLoop, readBits, readLeaves } from './transform-steps.js';

// A tree with global norm 13: sqrt(3² + 4² + 12²) = sqrt(169).
const tree = () => ({ a: tf.tensor1d([3, 0]), b: { c: tf.tensor2d([[4], [12]]) } });

async function clipped(maxNorm: number | ((s: number) => number), updates: Params, count = 0): Promise<number[][]> {
  const t = clipByGlobalNorm(maxNorm);
  const out = tf.tidy(() => t.update(updates, { count }).updates as tf.TensorContainer) as unknown as Params;
  const v = await readLeaves(out);
  treeDispose(out);
  return v;
}

describe('clipByGlobalNorm', () => {
  it('rescales the whole tree to norm maxNorm when its norm is larger (hand-computed: norm 13)', async () => {
    const u = tree();
    const [a, c] = await clipped(1, u);
    [3 / 13, 0].forEach((x, i) => expect(a?.[i]).toBeCloseTo(x, 6));
    [4 / 13, 12 / 13].forEach((x, i) => expect(c?.[i]).toBeCloseTo(x, 6));
    const [a2, c2] = await clipped(6.5, u);
    [1.5, 0].forEach((x, i) => expect(a2?.[i]).toBeCloseTo(x, 6));
    [2, 6].forEach((x, i) => expect(c2?.[i]).toBeCloseTo(x, 6));
    treeDispose(u);
  });

  it('passes updates below the threshold through bit for bit', async () => {
    const u = { a: tf.tensor1d([0.1, -0.2, 1e-30]), b: tf.tensor1d([0.3]) };
    const t = clipByGlobalNorm(1);
    const out = tf.tidy(() => t.update(u, t.init(u)).updates as tf.TensorContainer) as unknown as Params;
    expect(await readBits(out)).toEqual(await readBits(u));
    treeDispose([u, out]);
  });

  it('evaluates a scheduled maxNorm at the step count', async () => {
    const u = tree();
    const schedule = (s: number) => (s === 0 ? 1 : 26);
    const [a0] = await clipped(schedule, u, 0);
    const [a1] = await clipped(schedule, u, 1);
    expect(a0?.[0]).toBeCloseTo(3 / 13, 6);
    expect(a1?.[0]).toBe(3);
    treeDispose(u);
  });

  it('in a chain before sgd: the runner step equals sgd on the clipped gradient, with flat tensor counts', async () => {
    const w = tf.variable(tf.tensor1d([1, 1]));
    const b = tf.variable(tf.tensor1d([0]));
    const opt = new Optimizer(chain(clipByGlobalNorm(1), sgd({ learningRate: 0.5 })), { w, b });
    const g = { w: tf.tensor1d([3, 0]), b: tf.tensor1d([4]) }; // norm 5 → clipped to [0.6, 0], [0.8]
    await opt.stepAsync(g);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) {
      await opt.stepAsync(g);
      expect(tf.memory().numTensors).toBe(before);
    }
    const [wv] = await readLeaves(w);
    const [bv] = await readLeaves(b);
    expect(wv?.[0]).toBeCloseTo(1 - 6 * 0.5 * 0.6, 5);
    expect(wv?.[1]).toBe(1);
    expect(bv?.[0]).toBeCloseTo(-6 * 0.5 * 0.8, 5);
    opt.dispose();
    treeDispose([w, b, g]);
  });

  it('functional loop keeps tensor counts flat', async () => {
    const loop = new FunctionalLoop(chain(clipByGlobalNorm(0.5), sgd({ learningRate: 0.1, momentum: 0.9 })), [tf.ones([3])]);
    const g = [tf.tensor1d([1, 2, 2])];
    await loop.step(g);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) await loop.step(g);
    expect(tf.memory().numTensors).toBe(before);
    loop.dispose();
    treeDispose(g);
  });

  it('rejects a maxNorm that is not a finite number > 0, naming it', () => {
    for (const bad of [0, -1, Number.NaN, Infinity, '1']) {
      const e = (() => {
        try {
          clipByGlobalNorm(bad as number);
        } catch (err) {
          return err;
        }
      })() as DescentError;
      expect(e).toBeInstanceOf(DescentError);
      expect(e.parameter).toBe('maxNorm');
      expect(e.message).toMatch(/^clipByGlobalNorm: maxNorm must be a finite number > 0, got/);
    }
  });

  it('a schedule returning an invalid value fails at that step, naming the step', () => {
    const t = clipByGlobalNorm((s) => (s < 2 ? 1 : -1));
    const u = [tf.ones([2])];
    expect(() => tf.tidy(() => void t.update(u, { count: 2 }))).toThrow(/maxNorm\(step 2\) must be a finite number > 0, got -1/);
    treeDispose(u);
  });
});
