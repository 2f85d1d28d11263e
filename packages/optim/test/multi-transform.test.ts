import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, Optimizer, type Params, type Tree, identity, treeDispose } from '@descent/core';
import { clipByGlobalNorm, multiTransform, sgd } from '@descent/optim';
import { FunctionalLoop, expectCheckpointResumes, readLeaves } from './transform-steps.js';
import { thrown } from './descent-errors.js';

const initial = () => ({
  layer: { w: tf.tensor2d([[1, 2], [3, 4]]), b: tf.tensor1d([0.5, -0.5]) },
  head: { w: tf.tensor1d([1, -1]) },
});
const gradsAt = (t: number) => ({
  layer: { w: tf.tensor2d([[0.1 * t, -0.2], [0.3, 0.4 - t]]), b: tf.tensor1d([1 + t, -1]) },
  head: { w: tf.tensor1d([0.5, t * t]) },
});
// 'a' for the weights (a label at the prefix node `head` covers its whole subtree), 'b' for the bias.
const labels = { layer: { w: 'a', b: 'b' }, head: 'a' };
const transforms = () => ({ a: sgd({ learningRate: 0.1, momentum: 0.9 }), b: sgd({ learningRate: 0.5 }) });

describe('multiTransform', () => {
  it('sgd with momentum on label a and a plain sgd with another lr on label b equal running them separately', async () => {
    const p = initial();
    const loop = new FunctionalLoop(multiTransform(transforms(), labels), p);
    const a = new FunctionalLoop(transforms().a, { layer: { w: tf.clone(p.layer.w) }, head: { w: tf.clone(p.head.w) } });
    const b = new FunctionalLoop(transforms().b, { layer: { b: tf.clone(p.layer.b) } });
    for (let t = 0; t < 5; t++) {
      const g = gradsAt(t);
      await loop.step(g);
      await a.step({ layer: { w: g.layer.w }, head: { w: g.head.w } });
      await b.step({ layer: { b: g.layer.b } });
      treeDispose(g);
    }
    const got = loop.params as { layer: { w: tf.Tensor; b: tf.Tensor }; head: { w: tf.Tensor } };
    const pa = a.params as { layer: { w: tf.Tensor }; head: { w: tf.Tensor } };
    const pb = b.params as { layer: { b: tf.Tensor } };
    expect(await readLeaves([got.layer.w, got.head.w])).toEqual(await readLeaves([pa.layer.w, pa.head.w]));
    expect(await readLeaves(got.layer.b)).toEqual(await readLeaves(pb.layer.b));
    expect(Object.keys(loop.state.inner).sort()).toEqual(['a', 'b']);
    loop.dispose();
    a.dispose();
    b.dispose();
  });

  it('takes a label function; a transform whose label marks no leaf gets an empty state', async () => {
    // Label every leaf by its key, as optax's docs do with `map_nested_fn`: 'w' → weights, 'b' → biases.
    const byName = (params: Params): Tree<string> => {
      const walk = (node: unknown, key: string): Tree<string> =>
        node instanceof tf.Tensor
          ? key === 'w' ? 'weights' : 'biases'
          : Object.fromEntries(Object.entries(node as Record<string, unknown>).map(([k, v]) => [k, walk(v, k)]));
      return walk(params, '');
    };
    const p = initial();
    const loop = new FunctionalLoop(multiTransform({ weights: sgd({ learningRate: 1 }), biases: identity(), unused: clipByGlobalNorm(1) }, byName), p);
    expect(loop.state.inner.unused).toEqual({ count: 0 });
    const g = gradsAt(1);
    await loop.step(g);
    const got = loop.params as { layer: { w: tf.Tensor; b: tf.Tensor }; head: { w: tf.Tensor } };
    // weights: θ − g; biases: identity adds the gradient.
    expect(await readLeaves(got.head.w)).toEqual([[0.5, -2]]);
    const [b] = await readLeaves(got.layer.b);
    [2.5, -1.5].forEach((x, i) => expect(b?.[i]).toBeCloseTo(x, 6));
    loop.dispose();
    treeDispose(g);
  });

  it('runner: in place (every transform is a fused chain) equals the functional path, tensor counts flat', async () => {
    expect(multiTransform(transforms(), labels).inPlace).toBeDefined();
    expect(multiTransform({ a: sgd({ learningRate: 1 }), b: clipByGlobalNorm(1) }, labels).inPlace).toBeUndefined();
    const results: number[][][] = [];
    for (const inPlace of [true, false]) {
      const vars = tf.tidy(() => {
        const p = initial();
        return { layer: { w: tf.variable(p.layer.w), b: tf.variable(p.layer.b) }, head: { w: tf.variable(p.head.w) } };
      });
      const opt = new Optimizer(multiTransform(transforms(), labels), vars, { inPlace });
      const grads = [0, 1, 2, 3].map(gradsAt);
      await opt.stepAsync(grads[0] as Params);
      const before = tf.memory().numTensors;
      for (const g of grads.slice(1)) {
        await opt.stepAsync(g);
        expect(tf.memory().numTensors).toBe(before);
      }
      results.push(await readLeaves(vars));
      opt.dispose();
      treeDispose([vars, grads]);
    }
    results[0]?.forEach((leaf, k) => leaf.forEach((x, i) => expect(x).toBeCloseTo(results[1]?.[k]?.[i] as number, 6)));
  });

  it('rejects bad arguments with a DescentError naming them', () => {
    const p = initial();
    const cases: [() => unknown, string, string][] = [
      [() => multiTransform({}, labels), 'transforms', 'invalid-option'],
      [() => multiTransform({ a: identity(), b: 3 as never }, labels), 'transforms.b', 'invalid-option'],
      [() => multiTransform(transforms(), 42 as never), 'labels', 'invalid-option'],
      [() => multiTransform(transforms(), { layer: { w: 'a', b: 7 } } as never), 'labels', 'invalid-option'],
      [() => multiTransform(transforms(), { layer: { w: 'a', b: 'c' }, head: 'a' }).init(p), 'labels.layer.b', 'invalid-option'],
      [() => multiTransform(transforms(), { layer: 'a' }).init(p), 'labels', 'structure-mismatch'],
      [() => multiTransform(transforms(), { layer: { w: 'a' }, head: 'b' }).init(p), 'labels', 'structure-mismatch'],
    ];
    for (const [fn, parameter, code] of cases) {
      const e = thrown(fn);
      expect(e).toBeInstanceOf(DescentError);
      expect(e.parameter).toBe(parameter);
      expect(e.code).toBe(code);
      expect(e.message.startsWith('multiTransform: ')).toBe(true);
    }
    expect(thrown(cases[4]?.[0] as () => unknown).message).toBe("multiTransform: labels.layer.b must be one of the transforms' labels ('a', 'b'), got 'c'");
    treeDispose(p);
  });

  it('checkpoint: 10 steps, save, load, 10 more equals 20 straight', async () => {
    await expectCheckpointResumes(() => multiTransform(transforms(), labels), initial, gradsAt);
  });
});
