/**
 * Tests for gradient transformations (`src/transform.ts`, DESIGN.md §3): identity, stateless,
 * applyUpdates, chain (state layout, order of the updates, inner states, in-place step) and
 * heavyBall composed in a chain against hand-computed updates. Every test checks that the tensor
 * count returns to where it started.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type ChainState,
  DescentError,
  type EmptyState,
  type GradientTransformation,
  type InPlaceStep,
  type Params,
  applyUpdates,
  assertGradsMatchParams,
  chain,
  heavyBall,
  identity,
  stateless,
  treeDispose,
  treeLeaves,
  treeMap,
} from '@descent/core';

// ---------------------------------------------------------------------------------------------
// helpers

let baseline = 0;
beforeEach(() => {
  baseline = tf.memory().numTensors;
});
afterEach(() => {
  expect(tf.memory().numTensors).toBe(baseline);
});

/** Runs `fn`, expects a DescentError, and returns it. */
function catchDescent(fn: () => unknown): DescentError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DescentError);
    return e as DescentError;
  }
  throw new Error('expected a DescentError, but nothing was thrown');
}

async function values(t: Params): Promise<number[]> {
  return Array.from(await (t as tf.Tensor).data());
}

/** The values of every leaf of a tensor tree, in flattening order. */
async function leafValues(tree: Params): Promise<number[][]> {
  return Promise.all(treeLeaves(tree).map(async (t) => Array.from(await t.data())));
}

function expectClose(got: number[][], want: number[][], digits = 5): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => {
    expect(row.length).toBe((want[i] as number[]).length);
    row.forEach((x, j) => expect(x).toBeCloseTo((want[i] as number[])[j] as number, digits));
  });
}

/** `update` inside tf.tidy: the returned updates and state survive, intermediates are freed. */
function tidyUpdate<S>(tx: GradientTransformation<S>, updates: Params, state: S, params?: Params): { updates: Params; state: S } {
  return tf.tidy(() => tx.update(updates, state, params) as unknown as tf.TensorContainer) as unknown as {
    updates: Params;
    state: S;
  };
}

const times = (k: number): GradientTransformation<EmptyState> =>
  stateless((u) => treeMap((x: tf.Tensor) => tf.mul(x, k), u));
const plus = (k: number): GradientTransformation<EmptyState> =>
  stateless((u) => treeMap((x: tf.Tensor) => tf.add(x, k), u));

interface CountState {
  tag: string;
  count: number;
}

/**
 * A tiny stateful transformation: adds its step count (before this step) to every leaf and
 * counts steps. It records the state it is handed, so a test can check it gets its own back.
 */
function counting(tag: string): GradientTransformation<CountState> & { seen: CountState[] } {
  const seen: CountState[] = [];
  return {
    seen,
    init: () => ({ tag, count: 0 }),
    update(updates, state) {
      seen.push(state);
      return {
        updates: treeMap((x: tf.Tensor) => tf.add(x, state.count), updates),
        state: { tag: state.tag, count: state.count + 1 },
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------

describe('identity', () => {
  it('returns the same updates and an empty state', () => {
    const g = { w: tf.tensor1d([1, 2]), b: [tf.scalar(3)] };
    const tx = identity();
    const state = tx.init(g);
    expect(state).toEqual({});
    expect(Object.keys(state)).toEqual([]);
    const out = tx.update(g, state, g);
    expect(out.updates).toBe(g);
    expect(out.state).toBe(state);
    expect(tf.memory().numTensors).toBe(baseline + 2); // nothing new
    treeDispose(g);
  });
});

describe('stateless', () => {
  it('applies fn to the updates and params, keeping an empty state', async () => {
    const received: unknown[] = [];
    // u ← u + 0.1 · p (coupled weight decay, as a stateless function).
    const tx = stateless((u, p) => {
      received.push(u, p);
      return treeMap((a: tf.Tensor, b: tf.Tensor) => tf.add(a, tf.mul(0.1, b)), u, p as Params);
    });
    const params = { w: tf.tensor1d([10, -20]), b: tf.tensor1d([5]) };
    const grads = { b: tf.tensor1d([1]), w: tf.tensor1d([1, 2]) };
    const state = tx.init(params);
    expect(state).toEqual({});
    const out = tidyUpdate(tx, grads, state, params);
    expect(received[0]).toBe(grads);
    expect(received[1]).toBe(params);
    expect(out.state).toBe(state);
    const u = out.updates as { w: tf.Tensor; b: tf.Tensor };
    expectClose([await values(u.w), await values(u.b)], [[2, 0], [1.5]]);
    // The inputs are not disposed.
    expect(grads.w.isDisposed || params.w.isDisposed).toBe(false);
    treeDispose([params, grads, out.updates]);
  });

  it('passes params as undefined when none are given', () => {
    let got: unknown = 'not called';
    const tx = stateless((u, p) => {
      got = p;
      return u;
    });
    const g = tf.scalar(1);
    expect(tx.update(g, tx.init(g)).updates).toBe(g);
    expect(got).toBeUndefined();
    g.dispose();
  });
});

describe('applyUpdates', () => {
  it('adds leaf by leaf and returns new tensors', async () => {
    const params = { w: tf.tensor2d([1, 2, 3, 4], [2, 2]), b: [tf.tensor1d([0.5]), tf.tensor1d([-1, 1])] };
    const updates = { b: [tf.tensor1d([-1]), tf.tensor1d([0.25, 0.75])], w: tf.tensor2d([10, 20, 30, 40], [2, 2]) };
    const out = applyUpdates(params, updates) as { w: tf.Tensor; b: tf.Tensor[] };
    expect(Object.keys(out).sort()).toEqual(['b', 'w']);
    expect(out.w.shape).toEqual([2, 2]);
    expect(out.w).not.toBe(params.w);
    expect(await values(out.w)).toEqual([11, 22, 33, 44]);
    expect(await values(out.b[0] as tf.Tensor)).toEqual([-0.5]);
    expect(await values(out.b[1] as tf.Tensor)).toEqual([-0.75, 1.75]);
    // Inputs are untouched and alive.
    expect(await values(params.w)).toEqual([1, 2, 3, 4]);
    expect(updates.w.isDisposed).toBe(false);
    expect(tf.memory().numTensors).toBe(baseline + 9);
    treeDispose([params, updates, out]);
  });

  it('adds a bare tensor to a bare tensor', async () => {
    const p = tf.tensor1d([1, 2, 3]);
    const u = tf.tensor1d([-1, -2, -3.5]);
    const out = applyUpdates(p, u);
    expect(await values(out)).toEqual([0, 0, -0.5]);
    treeDispose([p, u, out]);
  });

  it('rejects mismatched structures and shapes with a structure-mismatch DescentError, creating nothing', () => {
    const params = { w: tf.zeros([2, 3]), b: tf.zeros([3]) };
    const missing = { w: tf.zeros([2, 3]) };
    const wrongShape = { w: tf.zeros([3, 2]), b: tf.zeros([3]) };
    const asArray = [tf.zeros([2, 3]), tf.zeros([3])];
    const count = tf.memory().numTensors;
    for (const bad of [missing, wrongShape, asArray] as Params[]) {
      const e = catchDescent(() => applyUpdates(params, bad));
      expect(e.code).toBe('structure-mismatch');
    }
    expect(catchDescent(() => applyUpdates(params, wrongShape)).message).toContain("'w'");
    expect(catchDescent(() => applyUpdates(params, wrongShape)).message).toContain('[2,3]');
    expect(catchDescent(() => applyUpdates(params, wrongShape)).message).toContain('[3,2]');
    expect(tf.memory().numTensors).toBe(count);
    treeDispose([params, missing, wrongShape, asArray]);
  });
});

describe('assertGradsMatchParams', () => {
  it('names grads and params and the caller', () => {
    const g = { dense: { kernel: tf.zeros([3, 4]) } };
    const p = { dense: { kernel: tf.zeros([4, 3]) } };
    expect(() => assertGradsMatchParams('sgd', g, g)).not.toThrow();
    const e = catchDescent(() => assertGradsMatchParams('sgd', g, p));
    expect(e.code).toBe('structure-mismatch');
    expect(e.message).toBe("sgd: grads and params differ at 'dense.kernel': grads is [3,4] but params is [4,3]");
    treeDispose([g, p]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('chain', () => {
  it('initialises to the array of inner states, in order', () => {
    const a = counting('A');
    const b = counting('B');
    const p = tf.zeros([2]);
    const tx = chain(a, identity(), b, times(2));
    expect(tx.init(p)).toEqual([{ tag: 'A', count: 0 }, {}, { tag: 'B', count: 0 }, {}]);
    expect(chain().init(p)).toEqual([]);
    p.dispose();
  });

  it('runs the updates through in order: x2 then +1 is 2g+1, +1 then x2 is 2g+2', async () => {
    const g = tf.tensor1d([1, -2, 0.5]);
    const first = chain(times(2), plus(1));
    const second = chain(plus(1), times(2));
    const u1 = tidyUpdate(first, g, first.init(g));
    const u2 = tidyUpdate(second, g, second.init(g));
    expect(await values(u1.updates)).toEqual([3, -3, 2]);
    expect(await values(u2.updates)).toEqual([4, -2, 3]);
    expect(u1.state).toEqual([{}, {}]);
    treeDispose([g, u1.updates, u2.updates]);
  });

  it('passes params to every inner transformation', () => {
    const got: unknown[] = [];
    const spy = stateless((u, p) => {
      got.push(p);
      return u;
    });
    const g = tf.zeros([1]);
    const p = tf.ones([1]);
    const tx = chain(spy, spy, spy);
    const out = tx.update(g, tx.init(p), p);
    expect(got).toEqual([p, p, p]);
    expect(got.every((x) => x === p)).toBe(true);
    expect(out.updates).toBe(g);
    treeDispose([g, p]);
  });

  it('gives each stateful transformation its own state back, step after step', async () => {
    const a = counting('A');
    const b = counting('B');
    // step k (0-based): ((g + k) · 2) + k
    const tx = chain(a, times(2), b);
    const g = { w: tf.tensor1d([1, 2]) };
    let state = tx.init(g);
    const got: number[][] = [];
    for (let k = 0; k < 3; k++) {
      const out = tidyUpdate(tx, g, state);
      got.push(...(await leafValues(out.updates)));
      treeDispose(out.updates);
      expect(out.state).toEqual([{ tag: 'A', count: k + 1 }, {}, { tag: 'B', count: k + 1 }]);
      state = out.state;
    }
    expect(got).toEqual([
      [2, 4],
      [5, 7],
      [8, 10],
    ]);
    expect(a.seen.map((s) => [s.tag, s.count])).toEqual([
      ['A', 0],
      ['A', 1],
      ['A', 2],
    ]);
    expect(b.seen.map((s) => [s.tag, s.count])).toEqual([
      ['B', 0],
      ['B', 1],
      ['B', 2],
    ]);
    treeDispose(g);
  });

  it('does not change the state array it is given', () => {
    const tx = chain(counting('A'), counting('B'));
    const g = tf.zeros([1]);
    const state: ChainState = tx.init(g);
    const out = tidyUpdate(tx, g, state);
    expect(state).toEqual([
      { tag: 'A', count: 0 },
      { tag: 'B', count: 0 },
    ]);
    expect(out.state).not.toBe(state);
    treeDispose([g, out.updates]);
  });

  it('keeps the in-place step of a single transformation, and has none for two', () => {
    const hb = heavyBall({ learningRate: 0.1 });
    expect(typeof hb.inPlace).toBe('function');
    expect(typeof chain(hb).inPlace).toBe('function');
    expect('inPlace' in chain(hb, times(0.5))).toBe(false);
    expect(chain(hb, times(0.5)).inPlace).toBeUndefined();
    expect('inPlace' in chain(times(0.5))).toBe(false);
    expect('inPlace' in chain()).toBe(false);
  });

  it("wraps the inner in-place step around the chain's state array", () => {
    const calls: unknown[][] = [];
    let refuse = false;
    const inner: GradientTransformation<{ n: number }> & { inPlace: InPlaceStep<{ n: number }> } = {
      init: () => ({ n: 0 }),
      update: (updates, state) => ({ updates, state }),
      inPlace: (params, grads, state) => {
        calls.push([params, grads, state]);
        return refuse ? undefined : { n: state.n + 1 };
      },
    };
    const tx = chain(inner);
    const p = tf.zeros([1]);
    const g = tf.ones([1]);
    const s0 = { n: 4 };
    expect(tx.inPlace?.(p, g, [s0])).toEqual([{ n: 5 }]);
    expect(calls[0]?.[0]).toBe(p);
    expect(calls[0]?.[1]).toBe(g);
    expect(calls[0]?.[2]).toBe(s0);
    refuse = true;
    expect(tx.inPlace?.(p, g, [s0])).toBeUndefined();
    expect(calls).toHaveLength(2);
    treeDispose([p, g]);
  });
});

// ---------------------------------------------------------------------------------------------

describe('heavyBall in a chain', () => {
  it('chain(heavyBall, ×0.5) gives the hand-computed updates over 3 steps', async () => {
    // lr 0.1, momentum 0.9, dampening 0: b1 = g1, b_t = 0.9·b_{t-1} + g_t, u_t = 0.5 · (−0.1 · b_t) = −0.05 · b_t.
    //   w: g = [1, 2, -1], [0.5, 0, 2], [-1, 1, 1]
    //      b = [1, 2, -1], [1.4, 1.8, 1.1], [0.26, 2.62, 1.99]
    //      u = [-0.05, -0.1, 0.05], [-0.07, -0.09, -0.055], [-0.013, -0.131, -0.0995]
    //   c: g = [4], [-2], [1];  b = [4], [1.6], [2.44];  u = [-0.2], [-0.08], [-0.122]
    // params after three steps: w = [1, -2, 3] + Σu = [0.867, -2.321, 2.8955], c = 0.5 + Σu = 0.098
    const gradValues = [
      { w: [1, 2, -1], c: [4] },
      { w: [0.5, 0, 2], c: [-2] },
      { w: [-1, 1, 1], c: [1] },
    ];
    const expectedUpdates = [
      [[-0.2], [-0.05, -0.1, 0.05]],
      [[-0.08], [-0.07, -0.09, -0.055]],
      [[-0.122], [-0.013, -0.131, -0.0995]],
    ];
    const expectedTraces = [[[4], [1, 2, -1]], [[1.6], [1.4, 1.8, 1.1]], [[2.44], [0.26, 2.62, 1.99]]];

    const tx = chain(heavyBall({ learningRate: 0.1, momentum: 0.9 }), times(0.5));
    let params: Params = { w: tf.tensor1d([1, -2, 3]), c: tf.tensor1d([0.5]) };
    let state = tx.init(params);
    expect(Array.isArray(state)).toBe(true);
    expect(state).toHaveLength(2);
    expect(state[1]).toEqual({});
    for (let t = 0; t < 3; t++) {
      const gv = gradValues[t] as { w: number[]; c: number[] };
      const grads: Params = { w: tf.tensor1d(gv.w), c: tf.tensor1d(gv.c) };
      const out = tidyUpdate(tx, grads, state, params);
      expectClose(await leafValues(out.updates), expectedUpdates[t] as number[][], 5);
      const hbState = out.state[0] as { count: number; slots: { trace: Params } };
      expect(hbState.count).toBe(t + 1);
      expectClose(await leafValues(hbState.slots.trace), expectedTraces[t] as number[][], 5);
      expect(out.state[1]).toEqual({});
      const next = applyUpdates(params, out.updates);
      treeDispose([grads, out.updates, params, state]);
      params = next;
      state = out.state;
    }
    expectClose(await leafValues(params), [[0.098], [0.867, -2.321, 2.8955]], 5);
    treeDispose([params, state]);
    expect(tf.memory().numTensors).toBe(baseline);
  });

  it('update leaves no intermediate tensors behind inside tf.tidy', () => {
    const tx = chain(heavyBall({ learningRate: 0.1, momentum: 0.9 }), times(0.5));
    const p = { w: tf.zeros([4]) };
    const g = { w: tf.ones([4]) };
    const state = tx.init(p); // one trace buffer
    expect(tf.memory().numTensors).toBe(baseline + 3);
    const out = tidyUpdate(tx, g, state, p); // one update and one new trace survive
    expect(tf.memory().numTensors).toBe(baseline + 5);
    treeDispose([p, g, state, out.updates, out.state]);
  });
});
