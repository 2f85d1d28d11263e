import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, type GradientTransformation, Optimizer, treeDispose } from '@descent/core';
import * as optim from '@descent/optim';
import { type InjectHyperparamsState, injectHyperparams, sgd } from '@descent/optim';
import { type GoldenEntry, loadGolden } from './golden.js';
import { FunctionalLoop, expectCheckpointResumes, readBits, readLeaves } from './transform-steps.js';
import { thrown } from './descent-errors.js';

type Factory = (options: Record<string, unknown>) => GradientTransformation<unknown>;

// Every alias exported now, with the options of its golden gradseq entry: injectHyperparams(alias)
// must give the very same numbers as the alias over 10 steps.
const golden = loadGolden(new URL('./fixtures/first-order.json', import.meta.url));
const aliasCases: [string, GoldenEntry][] = [];
const seen = new Set<string>();
for (const entries of Object.values(golden)) {
  for (const e of Object.values(entries)) {
    const alias = e.descent?.alias;
    if (alias === undefined || e.problem !== 'gradseq' || seen.has(`${alias}${JSON.stringify(e.descent?.options)}`)) continue;
    if (typeof (optim as Record<string, unknown>)[alias] !== 'function') continue;
    seen.add(`${alias}${JSON.stringify(e.descent?.options)}`);
    aliasCases.push([`${alias} ${JSON.stringify(e.descent?.options)}`, e]);
  }
}

const STEPS = 10;

async function trajectory(transform: GradientTransformation<any>, e: GoldenEntry): Promise<number[][][]> {
  const loop = new FunctionalLoop(transform, e.init.map((v, k) => tf.tensor(v, e.shapes[k])));
  const out: number[][][] = [];
  for (let t = 0; t < STEPS; t++) {
    const g = (e.grads?.[t] as number[][]).map((v, k) => tf.tensor(v, e.shapes[k]));
    await loop.step(g);
    out.push(await readBits(loop.params));
    treeDispose(g);
  }
  loop.dispose();
  return out;
}

describe('injectHyperparams', () => {
  it('covers sgd and the other aliases present', () => {
    expect(aliasCases.map(([n]) => n.split(' ')[0])).toContain('sgd');
  });

  describe.each(aliasCases)('equals the plain alias bit for bit over 10 steps: %s', (_name, e) => {
    it('functional', async () => {
      const factory = (optim as unknown as Record<string, Factory>)[e.descent?.alias as string] as Factory;
      const options = e.descent?.options as Record<string, unknown>;
      const injected = injectHyperparams(factory)(options);
      expect(await trajectory(injected, e)).toEqual(await trajectory(factory(options), e));
    });
  });

  it('numbers and evaluated schedules live in state.hyperparams; a schedule equals passing it to sgd directly', async () => {
    const lr = (step: number) => 0.1 / (1 + step);
    const injected = injectHyperparams(sgd)({ learningRate: lr, momentum: 0.9, nesterov: true });
    const loop = new FunctionalLoop(injected, [tf.tensor1d([1, -2, 3])]);
    const plain = new FunctionalLoop(sgd({ learningRate: lr, momentum: 0.9, nesterov: true }), [tf.tensor1d([1, -2, 3])]);
    expect(loop.state.hyperparams).toEqual({ learningRate: 0.1, momentum: 0.9 });
    for (let t = 0; t < 6; t++) {
      const g = [tf.tensor1d([t, 1 - t, 0.5])];
      expect(await loop.step(g)).toEqual(await plain.step(g));
      expect(loop.state.hyperparams).toEqual({ learningRate: lr(t), momentum: 0.9 });
      expect(loop.state.count).toBe(t + 1);
      treeDispose(g);
    }
    loop.dispose();
    plain.dispose();
  });

  it('changing the learning rate in state between steps takes effect at the next step', async () => {
    const loop = new FunctionalLoop(injectHyperparams(sgd)({ learningRate: 0.1, momentum: 0.9 }), [tf.tensor1d([1, 2])]);
    const reference = new FunctionalLoop(sgd({ learningRate: (s) => (s < 3 ? 0.1 : 0.01), momentum: 0.9 }), [tf.tensor1d([1, 2])]);
    for (let t = 0; t < 6; t++) {
      if (t === 3) loop.state.hyperparams.learningRate = 0.01;
      const g = [tf.tensor1d([1, -1])];
      expect(await loop.step(g)).toEqual(await reference.step(g));
      treeDispose(g);
    }
    expect(loop.state.hyperparams.learningRate).toBe(0.01);
    loop.dispose();
    reference.dispose();
  });

  it('runner: keeps the fused in-place step, a change in currentState takes effect, tensor counts flat', async () => {
    const make = () => injectHyperparams(sgd)({ learningRate: 0.5 });
    expect(make().inPlace).toBeDefined();
    const results: number[][][] = [];
    for (const inPlace of [true, false]) {
      const w = tf.variable(tf.tensor1d([1, 1]));
      const opt = new Optimizer(make(), [w], { inPlace });
      const g = [tf.tensor1d([1, 2])];
      await opt.stepAsync(g);
      const before = tf.memory().numTensors;
      (opt.currentState as InjectHyperparamsState).hyperparams.learningRate = 0.25;
      for (let i = 0; i < 2; i++) {
        await opt.stepAsync(g);
        expect(tf.memory().numTensors).toBe(before);
      }
      results.push(await readLeaves(w));
      opt.dispose();
      treeDispose([w, g]);
    }
    // 1 − (0.5 + 0.25 + 0.25)·g
    expect(results[0]).toEqual([[0, -1]]);
    expect(results[1]).toEqual(results[0]);
  });

  it('staticArgs are passed through as given, never put in state', () => {
    const seenOptions: Record<string, unknown>[] = [];
    const factory = (o: { learningRate: number; momentum?: number }) => {
      seenOptions.push(o);
      return sgd(o);
    };
    const t = injectHyperparams(factory, { staticArgs: ['momentum'] })({ learningRate: 0.1, momentum: 0.5 });
    const p = [tf.zeros([1])];
    const s = tf.tidy(() => t.init(p) as unknown as tf.TensorContainer) as unknown as InjectHyperparamsState;
    expect(s.hyperparams).toEqual({ learningRate: 0.1 });
    expect(seenOptions.every((o) => o.momentum === 0.5)).toBe(true);
    treeDispose([p, s]);
  });

  it('rejects bad input with a DescentError naming the parameter, before any change', async () => {
    expect(thrown(() => injectHyperparams(3 as never)).parameter).toBe('factory');
    // The factory validates the options at construction, under its own names.
    const e = thrown(() => injectHyperparams(sgd)({ learningRate: -1 }));
    expect(e).toBeInstanceOf(DescentError);
    expect(e.parameter).toBe('learningRate');
    expect(e.message).toBe('sgd: learningRate must be a finite number >= 0, got -1');
    expect(thrown(() => injectHyperparams(sgd)(null as never)).parameter).toBe('options');

    const loop = new FunctionalLoop(injectHyperparams(sgd)({ learningRate: 0.1, momentum: (s) => (s < 1 ? 0.9 : Number.NaN) }), [tf.ones([2])]);
    const g = [tf.ones([2])];
    await loop.step(g);
    const before = await readBits(loop.state.inner);
    await expect(loop.step(g)).rejects.toMatchObject({ parameter: 'momentum(step 1)' });
    loop.state.hyperparams.learningRate = Number.NaN;
    await expect(loop.step(g)).rejects.toMatchObject({ parameter: 'hyperparams.learningRate' });
    expect(await readBits(loop.state.inner)).toEqual(before);
    loop.dispose();

    const negative = new FunctionalLoop(injectHyperparams(sgd)({ learningRate: 0.1 }), [tf.ones([2])]);
    negative.state.hyperparams.learningRate = -0.5;
    await expect(negative.step(g)).rejects.toMatchObject({ parameter: 'learningRate', message: 'sgd: learningRate must be a finite number >= 0, got -0.5' });
    negative.dispose();
    treeDispose(g);
  });

  it('checkpoint: hyper-parameters in state (one changed) survive save and load; 10 + 10 equals 20 straight', async () => {
    const make = () => injectHyperparams(sgd)({ learningRate: 0.1, momentum: 0.9 });
    const gradsAt = (t: number) => [tf.tensor1d([Math.sin(t), Math.cos(t)])];
    // A learning rate changed in state before the first step: the resumed optimizer gets it only from the checkpoint.
    const prepare = (opt: Optimizer<any>) => void ((opt.currentState as InjectHyperparamsState).hyperparams.learningRate = 0.05);
    await expectCheckpointResumes(make, () => [tf.tensor1d([1, -1])], gradsAt, {}, prepare);
  });
});
