import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, Optimizer, identity, treeDispose } from '@descent/core';
import { type ApplyIfFiniteState, applyIfFinite, sgd } from '@descent/optim';
import { FunctionalLoop, expectCheckpointResumes, readBits, readLeaves } from './transform-steps.js';
import { thrown } from './descent-errors.js';

async function counters(state: ApplyIfFiniteState<unknown>): Promise<[number, boolean, number]> {
  const [n, last, total] = await Promise.all([state.notfiniteCount.data(), state.lastFinite.data(), state.totalNotfinite.data()]);
  return [n[0] as number, (last[0] as number) === 1, total[0] as number];
}

const inner = () => sgd({ learningRate: 0.1, momentum: 0.9 });
const finiteGrads = [
  [0.5, -1, 2],
  [0.25, 0.75, -0.5],
  [-1, 0.5, 1.5],
];

describe('applyIfFinite', () => {
  it('skips a NaN step: zero updates, inner state bit-identical, counted; finite steps equal the inner optimizer', async () => {
    const wrapped = new FunctionalLoop(applyIfFinite(inner(), { maxConsecutiveErrors: 3 }), [tf.tensor1d([1, 2, 3])]);
    const plain = new FunctionalLoop(inner(), [tf.tensor1d([1, 2, 3])]);
    const g0 = [tf.tensor1d(finiteGrads[0] as number[])];
    expect(await wrapped.step(g0)).toEqual(await plain.step(g0));
    expect(await counters(wrapped.state)).toEqual([0, true, 0]);

    const stateBits = await readBits(wrapped.state.inner);
    const paramBits = await readBits(wrapped.params);
    const bad = [tf.tensor1d([1, Number.NaN, 0])];
    const skipped = await wrapped.step(bad);
    expect(skipped).toEqual([[0, 0, 0]]);
    expect(skipped[0]?.every((x) => Object.is(x, 0))).toBe(true); // +0, not −0 or NaN
    expect(await readBits(wrapped.state.inner)).toEqual(stateBits);
    expect(await readBits(wrapped.params)).toEqual(paramBits);
    expect(await counters(wrapped.state)).toEqual([1, false, 1]);

    const inf = [tf.tensor1d([Infinity, 0, 0])];
    expect(await wrapped.step(inf)).toEqual([[0, 0, 0]]);
    expect(await readBits(wrapped.state.inner)).toEqual(stateBits);
    expect(await counters(wrapped.state)).toEqual([2, false, 2]);

    // The following finite steps are exactly those of the inner optimizer with the bad steps left out.
    for (const g of finiteGrads.slice(1)) {
      const t = [tf.tensor1d(g)];
      expect(await wrapped.step(t)).toEqual(await plain.step(t));
      treeDispose(t);
    }
    expect(await readLeaves(wrapped.params)).toEqual(await readLeaves(plain.params));
    expect(await counters(wrapped.state)).toEqual([0, true, 2]);
    wrapped.dispose();
    plain.dispose();
    treeDispose([g0, bad, inf]);
  });

  it('gives up after maxConsecutiveErrors: the next consecutive non-finite step is applied', async () => {
    const loop = new FunctionalLoop(applyIfFinite(identity(), { maxConsecutiveErrors: 2 }), [tf.zeros([2])]);
    const bad = [tf.tensor1d([Number.NaN, 1])];
    expect(await loop.step(bad)).toEqual([[0, 0]]);
    expect(await loop.step(bad)).toEqual([[0, 0]]);
    expect(await counters(loop.state)).toEqual([2, false, 2]);
    const applied = await loop.step(bad);
    expect(Number.isNaN(applied[0]?.[0])).toBe(true);
    expect(applied[0]?.[1]).toBe(1);
    expect(await counters(loop.state)).toEqual([3, false, 3]);
    // A finite step resets the consecutive count, not the total.
    const good = [tf.tensor1d([1, 1])];
    expect(await loop.step(good)).toEqual([[1, 1]]);
    expect(await counters(loop.state)).toEqual([0, true, 3]);
    expect(await loop.step(bad)).toEqual([[0, 0]]);
    expect(await counters(loop.state)).toEqual([1, false, 4]);
    loop.dispose();
    treeDispose([bad, good]);
  });

  it('maxConsecutiveErrors 0 applies every step (counting the non-finite ones); the default never gives up', async () => {
    const bad = [tf.tensor1d([Number.NaN])];
    const zero = new FunctionalLoop(applyIfFinite(identity(), { maxConsecutiveErrors: 0 }), [tf.zeros([1])]);
    expect(Number.isNaN((await zero.step(bad))[0]?.[0])).toBe(true);
    expect(await counters(zero.state)).toEqual([1, false, 1]);
    const never = new FunctionalLoop(applyIfFinite(identity()), [tf.zeros([1])]);
    for (let i = 0; i < 20; i++) expect(await never.step(bad)).toEqual([[0]]);
    expect(await counters(never.state)).toEqual([20, false, 20]);
    zero.dispose();
    never.dispose();
    treeDispose(bad);
  });

  it("inner host numbers (step counts) advance on a skipped step, as documented (optax's would not)", async () => {
    const loop = new FunctionalLoop(applyIfFinite(sgd({ learningRate: 0.1 })), [tf.zeros([1])]);
    const bad = [tf.tensor1d([Number.NaN])];
    await loop.step(bad);
    const counts = (loop.state.inner as { count: number }[]).map((s) => s.count);
    expect(counts.every((c) => c === 1)).toBe(true);
    loop.dispose();
    treeDispose(bad);
  });

  it("with the runner (nonFinite 'off'): skips NaN steps leaving params untouched, tensor counts flat", async () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const b = tf.variable(tf.tensor1d([0]));
    const opt = new Optimizer(applyIfFinite(inner(), { maxConsecutiveErrors: 5 }), { w, b }, { nonFinite: 'off' });
    const good = { w: tf.tensor1d([1, 1]), b: tf.tensor1d([1]) };
    const bad = { w: tf.tensor1d([1, 1]), b: tf.tensor1d([Number.NaN]) };
    await opt.stepAsync(good);
    const before = tf.memory().numTensors;
    const wBefore = await readBits(w);
    await opt.stepAsync(bad);
    expect(await readBits(w)).toEqual(wBefore);
    expect(tf.memory().numTensors).toBe(before);
    for (let i = 0; i < 4; i++) {
      await opt.stepAsync(i % 2 === 0 ? good : bad);
      expect(tf.memory().numTensors).toBe(before);
    }
    expect(await counters(opt.currentState)).toEqual([1, false, 3]);
    // Three finite steps of heavy-ball: buffers 1, 1.9, 2.71 → w = 1 − 0.1·5.61.
    expect((await readLeaves(w))[0]?.[0]).toBeCloseTo(1 - 0.1 * 5.61, 6);
    opt.dispose();
    treeDispose([w, b, good, bad]);
  });

  it('rejects bad arguments with a DescentError naming them', () => {
    const cases: [() => unknown, string][] = [
      [() => applyIfFinite(inner(), { maxConsecutiveErrors: -1 }), 'maxConsecutiveErrors'],
      [() => applyIfFinite(inner(), { maxConsecutiveErrors: 1.5 }), 'maxConsecutiveErrors'],
      [() => applyIfFinite(inner(), { maxConsecutiveErrors: Number.NaN }), 'maxConsecutiveErrors'],
      [() => applyIfFinite(inner(), { maxErrors: 2 } as object), 'maxErrors'],
      [() => applyIfFinite({} as never), 'inner'],
      [() => applyIfFinite(inner(), 3 as never), 'options'],
    ];
    for (const [fn, parameter] of cases) {
      const e = thrown(fn);
      expect(e).toBeInstanceOf(DescentError);
      expect(e.parameter).toBe(parameter);
      expect(e.message.startsWith('applyIfFinite: ')).toBe(true);
    }
    expect(thrown(cases[0]?.[0] as () => unknown).message).toBe('applyIfFinite: maxConsecutiveErrors must be an integer >= 0, got -1');
  });

  it('checkpoint: 10 steps (some non-finite), save, load, 10 more equals 20 straight', async () => {
    const gradsAt = (t: number) => [tf.tensor1d(t % 4 === 1 ? [Number.NaN, 1] : [Math.sin(t), Math.cos(t)])];
    await expectCheckpointResumes(() => applyIfFinite(inner(), { maxConsecutiveErrors: 2 }), () => [tf.tensor1d([1, -1])], gradsAt, { nonFinite: 'off' });
  });
});
