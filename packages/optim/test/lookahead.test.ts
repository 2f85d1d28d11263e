import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, Optimizer, treeDispose } from '@descent/core';
import { lookahead, sgd } from '@descent/optim';
import { FunctionalLoop, expectCheckpointResumes, readLeaves } from './transform-steps.js';
import { thrown } from './descent-errors.js';

function close(got: number[] | undefined, expected: number[]): void {
  expect(got).toHaveLength(expected.length);
  expected.forEach((x, i) => expect(got?.[i]).toBeCloseTo(x, 6));
}

// Hand-computed: θ0 = φ0 = [1, 2], g = [1, −1] every step, fast = SGD(γ = 0.1), k = 3, α = 0.5.
// Fast: θ1 = [0.9, 2.1], θ2 = [0.8, 2.2], θ3⁻ = [0.7, 2.3]; sync φ1 = φ0 + 0.5(θ3⁻ − φ0) = [0.85, 2.15] = θ3.
// Then θ6⁻ = [0.55, 2.45], φ2 = [0.7, 2.3] = θ6.
const expectedFast = [
  [0.9, 2.1],
  [0.8, 2.2],
  [0.85, 2.15],
  [0.75, 2.25],
  [0.65, 2.35],
  [0.7, 2.3],
];
const expectedSlow = [
  [1, 2],
  [1, 2],
  [0.85, 2.15],
  [0.85, 2.15],
  [0.85, 2.15],
  [0.7, 2.3],
];

describe('lookahead', () => {
  it('slow weights after each syncPeriod, fast weights reset onto them (hand-computed)', async () => {
    const loop = new FunctionalLoop(lookahead(sgd({ learningRate: 0.1 }), { syncPeriod: 3, slowStepSize: 0.5 }), [tf.tensor1d([1, 2])]);
    const g = [tf.tensor1d([1, -1])];
    for (let t = 0; t < 6; t++) {
      await loop.step(g);
      close((await readLeaves(loop.params))[0], expectedFast[t] as number[]);
      close((await readLeaves(loop.state.slow))[0], expectedSlow[t] as number[]);
      expect(loop.state.stepsSinceSync).toBe((t + 1) % 3);
    }
    loop.dispose();
    treeDispose(g);
  });

  it('resetState re-initialises the fast state after a sync; without it momentum carries over', async () => {
    const g = [tf.tensor1d([1, -1])];
    const run = async (resetState: boolean) => {
      const loop = new FunctionalLoop(lookahead(sgd({ learningRate: 0.1, momentum: 0.9 }), { syncPeriod: 2, slowStepSize: 0.5, resetState }), [tf.tensor1d([1, 2])]);
      await loop.step(g);
      await loop.step(g);
      const fastState = loop.state.fast as { count: number; slots: Record<string, unknown> }[];
      const counts = fastState.map((s) => s.count);
      const slots = await readLeaves(fastState.map((s) => s.slots));
      loop.dispose();
      return { counts, slots };
    };
    const reset = await run(true);
    expect(reset.counts.every((c) => c === 0)).toBe(true);
    expect(reset.slots.flat().every((x) => x === 0)).toBe(true);
    const kept = await run(false);
    expect(kept.counts.every((c) => c === 2)).toBe(true);
    close(kept.slots.find((s) => s.some((x) => x !== 0)), [1.9, -1.9]);
    treeDispose(g);
  });

  it('with the runner: same trajectory, state.slow readable, tensor counts flat', async () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const opt = new Optimizer(lookahead(sgd({ learningRate: 0.1 }), { syncPeriod: 3, slowStepSize: 0.5 }), [w]);
    const g = [tf.tensor1d([1, -1])];
    await opt.stepAsync(g);
    const before = tf.memory().numTensors;
    for (let t = 1; t < 6; t++) {
      await opt.stepAsync(g);
      expect(tf.memory().numTensors).toBe(before);
      close((await readLeaves(w))[0], expectedFast[t] as number[]);
      close((await readLeaves(opt.currentState.slow))[0], expectedSlow[t] as number[]);
    }
    opt.dispose();
    treeDispose([w, g]);
  });

  it('defaults: syncPeriod 5, slowStepSize 0.5', async () => {
    const loop = new FunctionalLoop(lookahead(sgd({ learningRate: 1 })), [tf.zeros([1])]);
    const g = [tf.ones([1])];
    for (let t = 0; t < 4; t++) await loop.step(g);
    expect(await readLeaves(loop.params)).toEqual([[-4]]);
    await loop.step(g);
    expect(await readLeaves(loop.params)).toEqual([[-2.5]]);
    expect(await readLeaves(loop.state.slow)).toEqual([[-2.5]]);
    loop.dispose();
    treeDispose(g);
  });

  it('rejects bad arguments with a DescentError naming them', () => {
    const fast = () => sgd({ learningRate: 0.1 });
    const cases: [() => unknown, string][] = [
      [() => lookahead(fast(), { syncPeriod: 0 }), 'syncPeriod'],
      [() => lookahead(fast(), { syncPeriod: 2.5 }), 'syncPeriod'],
      [() => lookahead(fast(), { slowStepSize: 1.5 }), 'slowStepSize'],
      [() => lookahead(fast(), { slowStepSize: -0.1 }), 'slowStepSize'],
      [() => lookahead(fast(), { resetState: 'yes' as never }), 'resetState'],
      [() => lookahead(fast(), { period: 3 } as never), 'period'],
      [() => lookahead('sgd' as never), 'fast'],
    ];
    for (const [fn, parameter] of cases) {
      const e = thrown(fn);
      expect(e).toBeInstanceOf(DescentError);
      expect(e.parameter).toBe(parameter);
      expect(e.message.startsWith('lookahead: ')).toBe(true);
    }
    expect(thrown(cases[2]?.[0] as () => unknown).message).toBe('lookahead: slowStepSize must be a finite number in [0, 1], got 1.5');
    const t = lookahead(fast());
    const p = [tf.zeros([1])];
    const e = thrown(() => tf.tidy(() => void t.update(p, t.init(p))));
    expect(e.parameter).toBe('params');
    treeDispose(p);
  });

  it('checkpoint mid-period: 10 steps, save, load, 10 more equals 20 straight', async () => {
    const gradsAt = (t: number) => [tf.tensor1d([Math.sin(t), Math.cos(t)])];
    await expectCheckpointResumes(() => lookahead(sgd({ learningRate: 0.1, momentum: 0.9 }), { syncPeriod: 3 }), () => [tf.tensor1d([1, -1])], gradsAt);
  });
});
