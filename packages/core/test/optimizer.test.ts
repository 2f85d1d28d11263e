import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  DescentError,
  Optimizer,
  chain,
  deserializeState,
  heavyBall,
  identity,
  serializeState,
  serializeStateAsync,
  stateless,
  treeDispose,
} from '@descent/core';

async function read(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** Least squares y = X w + b on fixed data; the minimiser is known (data generated from w* = [2, -3], b* = 0.5). */
function regression() {
  const X = tf.tensor2d([[1, 0], [0, 1], [1, 1], [2, -1], [-1, 2], [0.5, 0.5]]);
  const wStar = tf.tensor2d([[2], [-3]]);
  const y = tf.add(tf.matMul(X, wStar), tf.scalar(0.5));
  wStar.dispose();
  const w = tf.variable(tf.zeros([2, 1]));
  const b = tf.variable(tf.zeros([1]));
  const loss = () => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(X, w), b), y))) as tf.Scalar;
  return { X, y, w, b, loss, dispose: () => treeDispose([X, y, w, b]) };
}

describe('Optimizer runner', () => {
  for (const inPlace of [true, false]) {
    it(`keeps tf.memory().numTensors flat over 200 training steps and converges (inPlace ${inPlace})`, async () => {
      const problem = regression();
      const opt = new Optimizer(heavyBall({ learningRate: 0.05, momentum: 0.9 }), { w: problem.w, b: problem.b }, { inPlace });
      await opt.minimizeAsync(problem.loss); // first step allocates the state
      const baseline = tf.memory().numTensors;
      let last = Number.NaN;
      for (let i = 0; i < 200; i++) {
        last = await opt.minimizeAsync(problem.loss);
        expect(tf.memory().numTensors).toBe(baseline);
      }
      expect(opt.stepCount).toBe(201);
      expect(last).toBeLessThan(1e-6);
      const [w0, w1] = await read(problem.w);
      expect(w0).toBeCloseTo(2, 3);
      expect(w1).toBeCloseTo(-3, 3);
      expect((await read(problem.b))[0]).toBeCloseTo(0.5, 3);
      opt.dispose();
      problem.dispose();
    });
  }

  it('step with a fused transformation allocates no tensor at all (in place)', async () => {
    const w = tf.variable(tf.ones([1000]));
    const g = tf.fill([1000], 0.5);
    const opt = new Optimizer(heavyBall({ learningRate: 0.1 }), [w]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) await opt.stepAsync([g]);
    expect(tf.memory().numTensors).toBe(before);
    treeDispose([w, g]);
    opt.dispose();
  });

  it('gives variables their own storage, so the tensor a variable was made from is not written', async () => {
    const source = tf.tensor1d([1, 2, 3]);
    const v = tf.variable(source);
    const opt = new Optimizer(heavyBall({ learningRate: 1, momentum: 0 }), [v]);
    const g = tf.ones([3]);
    await opt.stepAsync([g]);
    expect(await read(v)).toEqual([0, 1, 2]);
    expect(await read(source)).toEqual([1, 2, 3]);
    treeDispose([source, v, g]);
    opt.dispose();
  });

  it('rejects non-finite gradients before changing anything, and skips them when asked', async () => {
    const w = tf.variable(tf.ones([2]));
    const opt = new Optimizer(heavyBall({ learningRate: 0.1 }), { layer: { w } });
    const bad = tf.tensor1d([1, Number.NaN]);
    await expect(opt.stepAsync({ layer: { w: bad } })).rejects.toThrow(/grads\.layer\.w contains NaN or Infinity/);
    expect(await read(w)).toEqual([1, 1]);
    expect(opt.stepCount).toBe(0);

    const skipping = new Optimizer(heavyBall({ learningRate: 0.1 }), { layer: { w } }, { nonFinite: 'skip' });
    const inf = tf.tensor1d([Number.POSITIVE_INFINITY, 0]);
    expect(await skipping.stepAsync({ layer: { w: inf } })).toBe(false);
    expect(skipping.skippedSteps).toBe(1);
    expect(skipping.stepCount).toBe(0);
    expect(await read(w)).toEqual([1, 1]);
    treeDispose([w, bad, inf]);
    opt.dispose();
    skipping.dispose();
  });

  it('rejects grads whose structure or shapes differ from the variables, naming the path', async () => {
    const w = tf.variable(tf.zeros([3, 4]));
    const opt = new Optimizer(heavyBall({ learningRate: 0.1 }), { dense: { kernel: w } });
    const g = tf.zeros([4, 3]);
    let error: unknown;
    try {
      await opt.stepAsync({ dense: { kernel: g } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DescentError);
    expect((error as DescentError).code).toBe('structure-mismatch');
    expect((error as Error).message).toContain("'dense.kernel'");
    expect((error as Error).message).toContain('[4,3]');
    expect((error as Error).message).toContain('[3,4]');
    treeDispose([w, g]);
    opt.dispose();
  });

  it('rejects non-float32 variables and non-transformations', () => {
    const v = tf.variable(tf.tensor1d([1, 2], 'int32'));
    expect(() => new Optimizer(heavyBall({ learningRate: 0.1 }), [v])).toThrow(/must be float32, got int32/);
    expect(() => new Optimizer({} as never, [v])).toThrow(DescentError);
    v.dispose();
  });

  it('runs non-fused transformations through the functional path (chain of heavyBall and a scaling)', async () => {
    const w = tf.variable(tf.zeros([2]));
    // A chain of two has no in-place step: update = 0.5 * (-lr * b_t)
    const half = stateless((u) => (u as tf.Tensor[]).map((x) => tf.mul(x, 0.5)));
    const opt = new Optimizer(chain(heavyBall({ learningRate: 1, momentum: 0.5 }), half), [w]);
    const g = tf.tensor1d([1, 2]);
    await opt.stepAsync([g]); // b = g, w = -0.5 g
    await opt.stepAsync([g]); // b = 1.5 g, w = -0.5 g - 0.75 g
    expect(await read(w)).toEqual([-1.25, -2.5]);
    treeDispose([w, g]);
    opt.dispose();
  });

  it('stateDict / loadStateDict round trip, also through serializeState bytes, and continues identically', async () => {
    const make = () => [tf.variable(tf.tensor1d([1, -1, 2])), tf.variable(tf.tensor2d([[0.5, 0.25]]))];
    const grads = [tf.tensor1d([0.3, -0.2, 0.1]), tf.tensor2d([[1, -1]])];
    const va = make();
    const a = new Optimizer(heavyBall({ learningRate: 0.1, momentum: 0.9 }), va);
    await a.stepAsync(grads);
    await a.stepAsync(grads);
    const dict = a.stateDict();
    // Dict tensors are copies: stepping `a` further must not change them.
    const snapshot = await read((dict.state as { slots: { trace: tf.Tensor[] } }).slots.trace[0] as tf.Tensor);
    await a.stepAsync(grads);
    expect(await read((dict.state as { slots: { trace: tf.Tensor[] } }).slots.trace[0] as tf.Tensor)).toEqual(snapshot);

    // GPU-resident state on the webgpu lane: serializeStateAsync awaits the device.
    const bytes = await serializeStateAsync(dict as never);
    if (tf.getBackend() === 'cpu') expect(serializeState(dict as never)).toEqual(bytes);
    const vb = make();
    // Bring b's params to a's params after two steps, then restore the state.
    const b = new Optimizer(heavyBall({ learningRate: 0.1, momentum: 0.9 }), vb);
    await b.stepAsync(grads);
    await b.stepAsync(grads);
    b.loadStateDict(dict);
    expect(b.stepCount).toBe(2);
    treeDispose(dict.state);
    const va2 = make();
    const c = new Optimizer(heavyBall({ learningRate: 0.1, momentum: 0.9 }), va2);
    await c.stepAsync(grads);
    await c.stepAsync(grads);
    await c.stepAsync(grads);
    await b.stepAsync(grads);
    for (let k = 0; k < 2; k++) expect(await read(vb[k] as tf.Tensor)).toEqual(await read(va2[k] as tf.Tensor));

    const restored = deserializeState(bytes) as never as { state: { slots: { trace: tf.Tensor[] } }; stepCount: number };
    expect(restored.stepCount).toBe(2);
    expect(await read(restored.state.slots.trace[0] as tf.Tensor)).toEqual(snapshot);
    treeDispose(restored);
    treeDispose([va, vb, va2, grads]);
    a.dispose();
    b.dispose();
    c.dispose();
  });

  it('loadStateDict rejects a mismatched dict with checkpoint-mismatch and keeps its state', async () => {
    const v = tf.variable(tf.zeros([3]));
    const other = tf.variable(tf.zeros([4]));
    const a = new Optimizer(heavyBall({ learningRate: 0.1 }), [v]);
    const b = new Optimizer(heavyBall({ learningRate: 0.1 }), [other]);
    const dict = b.stateDict();
    let error: unknown;
    try {
      a.loadStateDict(dict);
    } catch (e) {
      error = e;
    }
    expect((error as DescentError).code).toBe('checkpoint-mismatch');
    expect((error as Error).message).toContain('slots.trace[0]');
    expect((error as Error).message).toContain('[4]');
    expect(() => a.loadStateDict({ format: 'other' } as never)).toThrow(DescentError);
    const g = tf.ones([3]);
    await a.stepAsync([g]);
    expect(await read(v)).toEqual(Array.from(new Float32Array([-0.1, -0.1, -0.1])));
    treeDispose([v, other, g, dict.state]);
    a.dispose();
    b.dispose();
  });

  it('identity leaves variables unchanged and the disposed optimizer refuses to step', async () => {
    const v = tf.variable(tf.tensor1d([4, 5]));
    const opt = new Optimizer(identity(), [v]);
    const g = tf.tensor1d([1, 1]);
    await opt.stepAsync([g]);
    expect(await read(v)).toEqual([5, 6]); // identity passes the gradient through as the update
    opt.dispose();
    await expect(opt.stepAsync([g])).rejects.toThrow(/disposed/);
    treeDispose([v, g]);
  });
});
