/**
 * Tests for fused elementwise rules (`src/elementwise-rule.ts`, `fused-cpu-kernel.ts`,
 * `fused-webgpu-kernel.ts`, `elementwise-transformation.ts`; DESIGN.md §3 "Fused kernels").
 *
 * The same file runs in the cpu and the webgpu lane: every comparison is fused kernel versus
 * the rule's tfjs-ops reference *on the lane's backend*. Reads use `await t.data()` only
 * (WebGPU in Node has no synchronous read-back).
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DescentError,
  type ElementwiseRule,
  type Expr,
  type Params,
  applyUpdates,
  backendInfo,
  compileCpuLoop,
  cpuLoopSource,
  defineElementwiseRule,
  elementwiseOps,
  foldIn,
  heavyBall,
  key,
  normalValues,
  setFusedKernels,
  topologicalOrder,
  treeDispose,
  treeLeaves,
  uniformValues,
  wgslSource,
} from '@descent/core';

// ---------------------------------------------------------------------------------------------
// tolerance and comparison helpers

/*
 * |fused − reference| ≤ max(RTOL·|reference|, ATOL).
 * The reference rounds the result of every op to float32; the fused WGSL kernel does the same
 * but may contract or reorder a handful of ops, and the fused CPU loop keeps its intermediates
 * in float64 and rounds once when it stores. Either way the forms differ by a few float32 ulps
 * (2^-24 ≈ 6e-8 relative each) over the handful of ops of a rule: RTOL = 1e-5 leaves a wide
 * margin over that. The absolute floor covers results that come out of a cancellation (a sum
 * of terms of size ~1 that nearly cancel keeps an absolute error of a few ulps of the terms,
 * ~1e-7, which is a large *relative* error of the small result).
 */
const RTOL = 1e-5;
const ATOL = 1e-6;

function compareArrays(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  let bad = 0;
  let first = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    // Written so that NaN on either side counts as a mismatch.
    if (!(Math.abs(a - e) <= Math.max(RTOL * Math.abs(e), ATOL))) {
      bad++;
      if (first < 0) first = i;
    }
  }
  const detail = bad === 0 ? label : `${label}: ${bad} of ${expected.length} elements off; first [${first}]: got ${actual[first]}, expected ${expected[first]}`;
  expect(bad, detail).toBe(0);
}

async function expectClose(actual: tf.Tensor, expected: tf.Tensor, label: string): Promise<void> {
  expect(actual.shape, `${label}: shape`).toEqual(expected.shape);
  expect(actual.dtype, `${label}: dtype`).toBe('float32');
  const [a, e] = await Promise.all([actual.data(), expected.data()]);
  compareArrays(a, e, label);
}

/** A snapshot of a tensor's values (on cpu `data()` hands out the live backing array). */
async function snapshot(t: tf.Tensor): Promise<Float32Array> {
  return Float32Array.from(await t.data());
}

const size = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

// ---------------------------------------------------------------------------------------------
// deterministic inputs

type Kind = 'normal' | 'positive';

function valuesOf(seed: number, n: number, kind: Kind): Float32Array {
  const k = foldIn(key(1), seed);
  return kind === 'normal' ? normalValues(k, n) : uniformValues(k, n, 0.01, 1);
}

/**
 * A float32 tensor on fresh storage. The copy matters on cpu: `tf.tensor(typedArray)` keeps the
 * array itself as the tensor's storage, so an in-place step would write into the source array.
 */
function tensorOf(values: Float32Array, shape: number[]): tf.Tensor {
  return tf.tensor(values.slice(), shape, 'float32');
}

interface Inputs<S extends string> {
  grad: tf.Tensor;
  param: tf.Tensor;
  state: { [K in S]: tf.Tensor };
}

function makeInputs<S extends string>(
  rule: ElementwiseRule<S, string>,
  kinds: { [K in S]: Kind },
  shape: number[],
  seed: number,
): Inputs<S> {
  const n = size(shape);
  const state = {} as { [K in S]: tf.Tensor };
  rule.state.forEach((s, i) => (state[s] = tensorOf(valuesOf(seed * 16 + 2 + i, n, kinds[s]), shape)));
  return {
    grad: tensorOf(valuesOf(seed * 16, n, 'normal'), shape),
    param: tensorOf(valuesOf(seed * 16 + 1, n, 'normal'), shape),
    state,
  };
}

function disposeInputs(x: Inputs<string>): void {
  x.grad.dispose();
  x.param.dispose();
  treeDispose(x.state);
}

function dataIdsOf(x: Inputs<string>): object[] {
  return [x.grad.dataId, x.param.dataId, ...Object.values<tf.Tensor>(x.state).map((t) => t.dataId)];
}

// ---------------------------------------------------------------------------------------------
// the rules under test

/** Adam's moments and update, with both bias corrections passed in as scalars. */
const adamLike = defineElementwiseRule({
  name: 'test:adamLike',
  state: ['m', 'v'],
  scalars: ['lr', 'b1', 'b2', 'eps', 'bc1', 'bc2'],
  body: ({ grad, m, v }, { lr, b1, b2, eps, bc1, bc2 }, op) => {
    const m1 = op.add(op.mul(b1, m), op.mul(op.sub(1, b1), grad));
    const v1 = op.add(op.mul(b2, v), op.mul(op.sub(1, b2), op.square(grad)));
    const mHat = op.div(m1, bc1);
    const vHat = op.div(v1, bc2);
    return { m: m1, v: v1, update: op.mul(op.neg(lr), op.div(mHat, op.add(op.sqrt(vHat), eps))) };
  },
});

function adamScalars(t: number): { lr: number; b1: number; b2: number; eps: number; bc1: number; bc2: number } {
  return { lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, bc1: 1 - 0.9 ** t, bc2: 1 - 0.999 ** t };
}

/**
 * Every operation of `elementwiseOps` at least once, and the parameter read. Magnitudes are
 * kept near 1 (exponents clamped, bases in [0.5, ~7]) so the comparison tests the kernels, not
 * the conditioning of the expression.
 */
const allOps = defineElementwiseRule({
  name: 'test:allOps',
  state: ['s'],
  scalars: ['k', 'thr'],
  body: ({ grad: g, param: p, s }, { k, thr }, op) => {
    const a = op.abs(g);
    const base = op.add(a, 0.5); // pow needs a non-negative base
    const powed = op.pow(base, op.min(op.max(p, -1), 1));
    const lg = op.log(op.add(op.square(p), 1.5)); // log of a positive value
    const ex = op.exp(op.neg(a));
    const th = op.tanh(op.mul(k, g));
    const sg = op.sign(g);
    const c1 = op.select(op.gt(g, p), powed, lg);
    const c2 = op.select(op.ge(g, thr), ex, th);
    const c3 = op.select(op.lt(p, 0), sg, op.sqrt(base));
    const c4 = op.select(op.le(s, g), c1, c2);
    // max(g, p) is exact, so eq is true exactly where g ≥ p, in every form.
    const c5 = op.select(op.eq(op.max(g, p), g), c3, op.div(1, base));
    return {
      s: op.add(op.mul(0.5, s), op.sub(c4, c5)),
      update: op.sub(op.mul(c1, c3), op.mul(c2, c5)),
    };
  },
});

/** The update is the new state slot itself (one expression, two outputs). */
const traceRule = defineElementwiseRule({
  name: 'test:trace',
  state: ['trace'],
  scalars: ['decay'],
  body: ({ grad, trace }, { decay }, op) => {
    const t = op.add(op.mul(decay, trace), grad);
    return { trace: t, update: t };
  },
});

/** Outputs that depend on no element: a scalar expression, a constant and a scalar slot. */
const uniformRule = defineElementwiseRule({
  name: 'test:uniform',
  state: ['c', 'd'],
  scalars: ['lr', 'scale'],
  body: (_x, { lr, scale }, op) => ({ c: op.mul(lr, scale), d: op.constant(0.5), update: op.sqrt(lr) }),
});

/** Outputs that are inputs: the gradient as the update, the parameter as the state. */
const passThrough = defineElementwiseRule({
  name: 'test:passThrough',
  state: ['prev'],
  scalars: [],
  body: ({ grad, param }) => ({ prev: param, update: grad }),
});

interface Case {
  rule: ElementwiseRule<string, string>;
  kinds: Record<string, Kind>;
  scalars: Record<string, number>;
}

const CASES: Case[] = [
  { rule: adamLike as ElementwiseRule<string, string>, kinds: { m: 'normal', v: 'positive' }, scalars: adamScalars(3) },
  { rule: allOps as ElementwiseRule<string, string>, kinds: { s: 'normal' }, scalars: { k: 0.7, thr: 0.25 } },
  { rule: traceRule as ElementwiseRule<string, string>, kinds: { trace: 'normal' }, scalars: { decay: 0.9 } },
  { rule: uniformRule as ElementwiseRule<string, string>, kinds: { c: 'normal', d: 'normal' }, scalars: { lr: 0.01, scale: 3 } },
  { rule: passThrough as ElementwiseRule<string, string>, kinds: { prev: 'normal' }, scalars: {} },
];

/** Sizes 1, 7, 1000, 2·65537 (513 workgroups of 256) and 0; ranks 0 to 3. */
const SHAPES: number[][] = [[], [1], [7], [10, 100], [2, 4, 125], [2, 65537], [0], [3, 0, 2]];

const GRID = CASES.flatMap((c) => SHAPES.map((shape) => ({ name: c.rule.name, shape: `[${shape.join(',')}]`, c, s: shape })));

afterEach(() => {
  setFusedKernels(true);
});

// ---------------------------------------------------------------------------------------------

describe('the lane runs fused kernels', () => {
  it('backendInfo reports fused kernels on cpu and webgpu, and setFusedKernels turns them off', () => {
    expect(['cpu', 'webgpu']).toContain(tf.getBackend());
    expect(backendInfo().fusedKernels).toBe(true);
    setFusedKernels(false);
    try {
      expect(backendInfo().fusedKernels).toBe(false);
    } finally {
      setFusedKernels(true);
    }
    expect(backendInfo().fusedKernels).toBe(true);
  });

  it('apply runs one fused kernel (no tfjs ops); with fused kernels off it runs the reference ops', async () => {
    const x = makeInputs(adamLike, { m: 'normal', v: 'positive' }, [5], 1);
    const fused = await tf.profile(() => {
      const out = adamLike.apply(x.grad, undefined, x.state, adamScalars(1));
      return [out.update, out.state.m, out.state.v];
    });
    expect(fused.kernelNames).toEqual(['descent:test:adamLike']);
    setFusedKernels(false);
    try {
      const ref = await tf.profile(() => {
        const out = adamLike.apply(x.grad, undefined, x.state, adamScalars(1));
        return [out.update, out.state.m, out.state.v];
      });
      expect(ref.kernelNames).not.toContain('descent:test:adamLike');
      expect(ref.kernelNames).toEqual(expect.arrayContaining(['Multiply', 'Add', 'Sqrt', 'RealDiv']));
    } finally {
      setFusedKernels(true);
    }
    disposeInputs(x);
  });
});

describe('apply (functional fused kernel) equals the reference', () => {
  it.each(GRID)('$name on shape $shape', async ({ c, s }) => {
    const before = tf.memory().numTensors;
    const x = makeInputs(c.rule, c.kinds, s, 2);
    const fused = c.rule.apply(x.grad, x.param, x.state, c.scalars);
    const ref = c.rule.reference(x.grad, x.param, x.state, c.scalars);
    await expectClose(fused.update, ref.update, 'update');
    for (const slot of c.rule.state) await expectClose(fused.state[slot] as tf.Tensor, ref.state[slot] as tf.Tensor, slot);
    // Fresh storage: no output shares a dataId with an input or with another output.
    const outs = [fused.update, ...c.rule.state.map((k) => fused.state[k] as tf.Tensor)];
    const ids = new Set(dataIdsOf(x));
    for (const o of outs) {
      expect(ids.has(o.dataId)).toBe(false);
      ids.add(o.dataId);
    }
    disposeInputs(x);
    treeDispose([fused.update, fused.state, ref.update, ref.state]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('the param may be omitted when the rule does not read it', async () => {
    expect(adamLike.usesParam).toBe(false);
    expect(traceRule.usesParam).toBe(false);
    expect(uniformRule.usesParam).toBe(false);
    expect(allOps.usesParam).toBe(true);
    expect(passThrough.usesParam).toBe(true);
    const x = makeInputs(adamLike, { m: 'normal', v: 'positive' }, [33], 3);
    const fused = adamLike.apply(x.grad, undefined, x.state, adamScalars(2));
    const ref = adamLike.reference(x.grad, undefined, x.state, adamScalars(2));
    await expectClose(fused.update, ref.update, 'update');
    await expectClose(fused.state.m, ref.state.m, 'm');
    await expectClose(fused.state.v, ref.state.v, 'v');
    disposeInputs(x);
    treeDispose([fused, ref]);
  });

  it('two calls with different scalars before any read each see their own scalars', async () => {
    // The WebGPU kernel reuses one uniform buffer per pipeline; queue order must keep the calls apart.
    const x = makeInputs(adamLike, { m: 'normal', v: 'positive' }, [300], 4);
    const first = adamLike.apply(x.grad, undefined, x.state, adamScalars(1));
    const second = adamLike.apply(x.grad, undefined, x.state, { ...adamScalars(5), lr: 0.5 });
    const ref1 = adamLike.reference(x.grad, undefined, x.state, adamScalars(1));
    const ref2 = adamLike.reference(x.grad, undefined, x.state, { ...adamScalars(5), lr: 0.5 });
    await expectClose(first.update, ref1.update, 'first update');
    await expectClose(second.update, ref2.update, 'second update');
    await expectClose(first.state.v, ref1.state.v, 'first v');
    await expectClose(second.state.v, ref2.state.v, 'second v');
    disposeInputs(x);
    treeDispose([first, second, ref1, ref2]);
  });

  it('inputs produced by pending tfjs ops are read after those ops, and outputs feed later tfjs ops', async () => {
    const x = makeInputs(traceRule, { trace: 'normal' }, [257], 5);
    const { grad, trace, fused, viaOps } = tf.tidy(() => {
      const g = tf.mul(x.grad, tf.scalar(3)); // recorded, not yet submitted on webgpu
      const tr = tf.add(x.state.trace, tf.scalar(1));
      const out = traceRule.apply(g, undefined, { trace: tr }, { decay: 0.5 });
      return { grad: g, trace: tr, fused: out, viaOps: tf.sub(out.update, tf.scalar(2)) };
    });
    const ref = traceRule.reference(grad, undefined, { trace }, { decay: 0.5 });
    await expectClose(fused.update, ref.update, 'update');
    const refMinus2 = tf.sub(ref.update, tf.scalar(2));
    await expectClose(viaOps, refMinus2, 'tfjs op on the fused output');
    disposeInputs(x);
    treeDispose([grad, trace, fused, viaOps, ref, refMinus2]);
  });

  it('tanh saturates to ±1 for large arguments instead of overflowing to NaN', async () => {
    const rule = defineElementwiseRule({
      name: 'test:tanhRange',
      state: [],
      scalars: ['k'],
      body: ({ grad }, { k }, op) => ({ update: op.tanh(op.mul(k, grad)) }),
    });
    const g = tf.tensor1d([-1e30, -100, -50, -44, -20, -9, -1, -1e-3, 0, 1e-3, 1, 9, 20, 44, 50, 100, 1e30]);
    const fused = rule.apply(g, undefined, {}, { k: 1 });
    const ref = rule.reference(g, undefined, {}, { k: 1 });
    const got = await fused.update.data();
    expect(Array.from(got).every(Number.isFinite), `tanh gave ${Array.from(got)}`).toBe(true);
    await expectClose(fused.update, ref.update, 'tanh');
    treeDispose([g, fused, ref]);
  });

  it('comparisons with a scalar or constant agree with the reference at float32 ties', async () => {
    // 0.1 and 0.3 are not float32 numbers; the tensors hold their float32 roundings. Every form
    // must compare against the float32 value of a scalar or constant, as the reference does.
    const rule = defineElementwiseRule({
      name: 'test:ties',
      state: ['hits'],
      scalars: ['c'],
      body: ({ grad, hits }, { c }, op) => ({
        hits: op.add(hits, op.select(op.eq(grad, c), 1, 0)),
        update: op.add(op.select(op.ge(grad, 0.3), 10, 0), op.select(op.le(grad, c), 100, 0)),
      }),
    });
    const g = tf.tensor1d([0.1, 0.3, 0.2, Math.fround(0.1) * (1 + 2 ** -23)]);
    const hits = tf.zeros([4]);
    const fused = rule.apply(g, undefined, { hits }, { c: 0.1 });
    const ref = rule.reference(g, undefined, { hits }, { c: 0.1 });
    expect(Array.from(await ref.state.hits.data())).toEqual([1, 0, 0, 0]);
    expect(Array.from(await ref.update.data())).toEqual([100, 10, 0, 0]);
    expect(Array.from(await fused.state.hits.data())).toEqual([1, 0, 0, 0]);
    expect(Array.from(await fused.update.data())).toEqual([100, 10, 0, 0]);
    treeDispose([g, hits, fused, ref]);
  });

  it('negative and negative-zero constants compile in every form', async () => {
    const rule = defineElementwiseRule({
      name: 'test:negativeConstants',
      state: [],
      scalars: [],
      body: ({ grad }, _s, op) => ({
        update: op.add(op.mul(op.neg(-2), grad), op.sub(op.neg(-0.5), op.mul(-3, op.neg(-0)))),
      }),
    });
    const g = tf.tensor1d([1, -2, 0.25]);
    const fused = rule.apply(g, undefined, {}, {});
    const ref = rule.reference(g, undefined, {}, {});
    expect(Array.from(await ref.update.data())).toEqual([2.5, -3.5, 1]);
    await expectClose(fused.update, ref.update, 'update');
    treeDispose([g, fused, ref]);
  });
});

describe('outputs are fresh tensors', () => {
  const freshCases: (Case & { name: string })[] = [
    { name: 'update = new state slot', ...(CASES[2] as Case) },
    { name: 'uniform roots', ...(CASES[3] as Case) },
    { name: 'input roots', ...(CASES[4] as Case) },
  ];
  for (const path of ['apply', 'reference'] as const) {
    it.each(freshCases)(`${path}: $name survive disposing the inputs and each other`, async ({ rule, kinds, scalars }) => {
      const before = tf.memory().numTensors;
      for (const shape of [[], [6], [2, 3]]) {
        const x = makeInputs(rule, kinds, shape, 6);
        const expected = rule.reference(x.grad, x.param, x.state, scalars);
        const want = [await snapshot(expected.update), ...(await Promise.all(rule.state.map((k) => snapshot(expected.state[k] as tf.Tensor))))];
        treeDispose(expected);
        const out = rule[path](x.grad, x.param, x.state, scalars);
        const outs = [out.update, ...rule.state.map((k) => out.state[k] as tf.Tensor)];
        const inputIds = new Set(dataIdsOf(x));
        expect(outs.every((o) => !inputIds.has(o.dataId))).toBe(true);
        expect(new Set(outs.map((o) => o.dataId)).size).toBe(outs.length);
        expect(new Set(outs).size).toBe(outs.length);
        disposeInputs(x);
        // Disposing one output leaves the others intact.
        outs[0]?.dispose();
        for (let k = 1; k < outs.length; k++) {
          const o = outs[k] as tf.Tensor;
          expect(o.isDisposed).toBe(false);
          expect(o.shape).toEqual(shape);
          compareArrays(await o.data(), want[k] as Float32Array, `${rule.state[k - 1]} on [${shape}]`);
          o.dispose();
        }
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('applyInPlace', () => {
  it.each(GRID)('$name on shape $shape writes param + update and the new state into the same tensors', async ({ c, s }) => {
    const x = makeInputs(c.rule, c.kinds, s, 7);
    const ref = c.rule.reference(x.grad, x.param, x.state, c.scalars);
    const expectedParam = tf.add(x.param, ref.update);
    const objects = [x.param, ...c.rule.state.map((k) => x.state[k] as tf.Tensor)];
    const ids = objects.map((t) => t.dataId);
    const counts = tf.memory();
    expect(c.rule.applyInPlace(x.param, x.grad, x.state, c.scalars)).toBe(true);
    // No tensor and no data buffer created.
    expect(tf.memory().numTensors).toBe(counts.numTensors);
    expect(tf.memory().numDataBuffers).toBe(counts.numDataBuffers);
    // Same tensor objects, same storage.
    expect([x.param, ...c.rule.state.map((k) => x.state[k] as tf.Tensor)]).toEqual(objects);
    objects.forEach((t, i) => {
      expect(t.dataId).toBe(ids[i]);
      expect(t.isDisposed).toBe(false);
      expect(t.shape).toEqual(s);
    });
    await expectClose(x.param, expectedParam, 'param');
    for (const slot of c.rule.state) await expectClose(x.state[slot] as tf.Tensor, ref.state[slot] as tf.Tensor, slot);
    disposeInputs(x);
    treeDispose([ref, expectedParam]);
  });

  it.each([
    { name: adamLike.name, c: CASES[0] as Case },
    { name: allOps.name, c: CASES[1] as Case },
  ])('$name: 5 consecutive in-place steps follow the reference trajectory', async ({ c }) => {
    const before = tf.memory().numTensors;
    const shape = [3, 7, 11];
    const x = makeInputs(c.rule, c.kinds, shape, 8);
    // The reference trajectory runs on its own copies.
    // (Copies of the values, not tf.clone: a clone shares the storage the in-place step writes.)
    let refParam = tensorOf(await snapshot(x.param), shape);
    let refState: Record<string, tf.Tensor> = {};
    for (const k of c.rule.state) refState[k] = tensorOf(await snapshot(x.state[k] as tf.Tensor), shape);
    for (let t = 1; t <= 5; t++) {
      const scalars = c.rule === (adamLike as unknown) ? adamScalars(t) : { k: 0.5 + 0.1 * t, thr: 0.1 * t };
      const grad = tensorOf(valuesOf(100 + t, size(shape), 'normal'), shape);
      const ref = c.rule.reference(grad, refParam, refState, scalars);
      const nextParam = tf.add(refParam, ref.update);
      treeDispose([refParam, refState, ref.update]);
      refParam = nextParam;
      refState = ref.state;
      expect(c.rule.applyInPlace(x.param, grad, x.state, scalars)).toBe(true);
      grad.dispose();
      await expectClose(x.param, refParam, `param after step ${t}`);
      for (const k of c.rule.state) await expectClose(x.state[k] as tf.Tensor, refState[k] as tf.Tensor, `${k} after step ${t}`);
    }
    disposeInputs(x);
    treeDispose([refParam, refState]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('with fused kernels off it returns false and changes nothing', async () => {
    const x = makeInputs(adamLike, { m: 'normal', v: 'positive' }, [4, 5], 9);
    const tensors = [x.param, x.grad, x.state.m, x.state.v];
    const ids = tensors.map((t) => t.dataId);
    const before = await Promise.all(tensors.map(snapshot));
    const counts = tf.memory().numTensors;
    setFusedKernels(false);
    try {
      expect(adamLike.applyInPlace(x.param, x.grad, x.state, adamScalars(1))).toBe(false);
    } finally {
      setFusedKernels(true);
    }
    expect(tf.memory().numTensors).toBe(counts);
    expect(tensors.map((t) => t.dataId)).toEqual(ids);
    const after = await Promise.all(tensors.map(snapshot));
    after.forEach((a, i) => expect(a).toEqual(before[i]));
    // Back on, the same call applies.
    expect(adamLike.applyInPlace(x.param, x.grad, x.state, adamScalars(1))).toBe(true);
    disposeInputs(x);
  });

  it('reads between in-place steps see the current values (no stale CPU cache)', async () => {
    // Small integers and decay 0.5: every value is exact in float32, so the check is equality.
    const p = tf.tensor1d([1, 2, 3, 4, 5]);
    const g = tf.tensor1d([1, -1, 2, -2, 0]);
    const trace = tf.zeros([5]);
    let pv = [1, 2, 3, 4, 5];
    let tv = [0, 0, 0, 0, 0];
    const gv = [1, -1, 2, -2, 0];
    for (let step = 0; step < 4; step++) {
      // Reading caches the values on the host (webgpu keeps them in tensorMap.values).
      expect(Array.from(await p.data())).toEqual(pv);
      expect(Array.from(await trace.data())).toEqual(tv);
      expect(traceRule.applyInPlace(p, g, { trace }, { decay: 0.5 })).toBe(true);
      tv = tv.map((t, i) => 0.5 * t + (gv[i] as number));
      pv = pv.map((v, i) => v + (tv[i] as number));
      expect(Array.from(await p.data())).toEqual(pv);
      expect(Array.from(await trace.data())).toEqual(tv);
      // tfjs ops after the step read the new values too.
      const viaOps = tf.add(p, tf.scalar(0));
      expect(Array.from(await viaOps.data())).toEqual(pv);
      viaOps.dispose();
    }
    expect(Array.from(await g.data())).toEqual(gv);
    treeDispose([p, g, trace]);
  });

  it('a read still in flight when an in-place step runs does not leave stale values behind', async () => {
    const p = tf.tensor1d([1, 2, 3]);
    const g = tf.tensor1d([1, 1, 1]);
    const trace = tf.zeros([3]);
    expect(traceRule.applyInPlace(p, g, { trace }, { decay: 0 })).toBe(true); // p = [2, 3, 4] (on the GPU on webgpu)
    const pending = p.data(); // not awaited: the read-back is in flight
    const pendingTrace = trace.data();
    expect(traceRule.applyInPlace(p, g, { trace }, { decay: 0 })).toBe(true); // p = [3, 4, 5]
    await Promise.all([pending, pendingTrace]);
    expect(Array.from(await p.data())).toEqual([3, 4, 5]);
    expect(Array.from(await trace.data())).toEqual([1, 1, 1]);
    const viaOps = tf.mul(p, tf.scalar(2));
    expect(Array.from(await viaOps.data())).toEqual([6, 8, 10]);
    treeDispose([p, g, trace, viaOps]);
  });

  it('an output that is an input reads it before writing (prev = old param)', async () => {
    const p = tf.tensor1d([1, 2, 3]);
    const g = tf.tensor1d([10, 20, 30]);
    const prev = tf.zeros([3]);
    expect(passThrough.applyInPlace(p, g, { prev }, {})).toBe(true);
    expect(Array.from(await p.data())).toEqual([11, 22, 33]);
    expect(Array.from(await prev.data())).toEqual([1, 2, 3]);
    treeDispose([p, g, prev]);
  });

  it('covers more than one grid stride (n > 65535 workgroups · 256)', async () => {
    // 65535 · 256 + 300 elements: the WebGPU dispatch is capped at 65535 workgroups, so the
    // last 300 elements are only reached by the shader's grid-stride loop.
    const n = 65535 * 256 + 300;
    const x = makeInputs(traceRule, { trace: 'normal' }, [n], 10);
    const fused = traceRule.apply(x.grad, undefined, x.state, { decay: 0.75 });
    const ref = traceRule.reference(x.grad, undefined, x.state, { decay: 0.75 });
    const expectedParam = tf.add(x.param, ref.update);
    await expectClose(fused.update, ref.update, 'functional update');
    await expectClose(fused.state.trace, ref.state.trace, 'functional trace');
    expect(traceRule.applyInPlace(x.param, x.grad, x.state, { decay: 0.75 })).toBe(true);
    await expectClose(x.param, expectedParam, 'in-place param');
    await expectClose(x.state.trace, ref.state.trace, 'in-place trace');
    disposeInputs(x);
    treeDispose([fused, ref, expectedParam]);
  }, 180_000);
});

describe('validation', () => {
  function expectDescentError(fn: () => unknown, code: string, parameter?: string, message?: RegExp): void {
    let caught: unknown;
    try {
      fn();
    } catch (e) {
      caught = e;
    }
    expect(caught, 'expected a DescentError').toBeInstanceOf(DescentError);
    const e = caught as DescentError;
    expect(e.code).toBe(code);
    if (parameter !== undefined) expect(e.parameter).toBe(parameter);
    if (message !== undefined) expect(e.message).toMatch(message);
  }

  for (const fused of [true, false]) {
    describe(fused ? 'fused kernels on' : 'fused kernels off', () => {
      it('non-float32 tensors: invalid-dtype, nothing written', async () => {
        setFusedKernels(fused);
        const x = makeInputs(adamLike, { m: 'normal', v: 'positive' }, [3], 11);
        const intGrad = tf.tensor1d([1, 2, 3], 'int32');
        const intM = tf.tensor1d([1, 2, 3], 'int32');
        const before = await snapshot(x.param);
        expectDescentError(() => adamLike.apply(intGrad, undefined, x.state, adamScalars(1)), 'invalid-dtype', 'grad', /float32/);
        expectDescentError(() => adamLike.applyInPlace(x.param, intGrad, x.state, adamScalars(1)), 'invalid-dtype', 'grad');
        expectDescentError(() => adamLike.apply(x.grad, undefined, { m: intM, v: x.state.v }, adamScalars(1)), 'invalid-dtype', 'm');
        expect(await snapshot(x.param)).toEqual(before);
        disposeInputs(x);
        treeDispose([intGrad, intM]);
      });

      it('state or param of another size or shape: structure-mismatch', () => {
        setFusedKernels(fused);
        const x = makeInputs(adamLike, { m: 'normal', v: 'positive' }, [6], 12);
        const longer = tf.zeros([7]);
        const reshaped = tf.zeros([6, 1]);
        const counts = tf.memory().numTensors;
        expectDescentError(() => adamLike.apply(x.grad, undefined, { m: longer, v: x.state.v }, adamScalars(1)), 'structure-mismatch', 'm', /shape/);
        expectDescentError(() => adamLike.applyInPlace(x.param, x.grad, { m: x.state.m, v: longer }, adamScalars(1)), 'structure-mismatch', 'v');
        expectDescentError(() => adamLike.applyInPlace(longer, x.grad, x.state, adamScalars(1)), 'structure-mismatch', 'param');
        // Same number of elements, other shape: the reference would broadcast [6] against [6, 1].
        expectDescentError(() => adamLike.apply(x.grad, undefined, { m: reshaped, v: x.state.v }, adamScalars(1)), 'structure-mismatch', 'm');
        expect(tf.memory().numTensors).toBe(counts);
        disposeInputs(x);
        treeDispose([longer, reshaped]);
      });

      it('a missing or non-number scalar: invalid-option naming it', () => {
        setFusedKernels(fused);
        const x = makeInputs(adamLike, { m: 'normal', v: 'positive' }, [2], 13);
        const { eps: _eps, ...noEps } = adamScalars(1);
        expectDescentError(() => adamLike.apply(x.grad, undefined, x.state, noEps as never), 'invalid-option', 'eps', /'eps'/);
        expectDescentError(() => adamLike.applyInPlace(x.param, x.grad, x.state, noEps as never), 'invalid-option', 'eps', /'eps'/);
        expectDescentError(
          () => adamLike.apply(x.grad, undefined, x.state, { ...adamScalars(1), lr: '0.1' as unknown as number }),
          'invalid-option',
          'lr',
          /'lr'/,
        );
        disposeInputs(x);
      });

      it('a rule that reads the param, called without it: invalid-option', () => {
        setFusedKernels(fused);
        const x = makeInputs(allOps, { s: 'normal' }, [2], 14);
        expectDescentError(() => allOps.apply(x.grad, undefined, x.state, { k: 1, thr: 0 }), 'invalid-option', 'params', /test:allOps/);
        disposeInputs(x);
      });
    });
  }

  it.each(['grad', 'param', 'update'])('state slot name %s is reserved', (reserved) => {
    expectDescentError(
      () =>
        defineElementwiseRule({
          name: `test:reserved-${reserved}`,
          state: [reserved],
          scalars: [],
          body: ({ grad }) => ({ update: grad, [reserved]: grad }) as never,
        }),
      'invalid-option',
      'state',
      new RegExp(`'${reserved}'`),
    );
  });

  it('a body that omits an output is rejected at definition', () => {
    expectDescentError(
      () =>
        defineElementwiseRule({
          name: 'test:noUpdate',
          state: ['m'],
          scalars: [],
          body: ({ grad }) => ({ m: grad }) as never,
        }),
      'invalid-option',
      'body',
      /'update'/,
    );
    expectDescentError(
      () =>
        defineElementwiseRule({
          name: 'test:noSlot',
          state: ['m', 'v'],
          scalars: [],
          body: ({ grad }) => ({ update: grad, m: grad }) as never,
        }),
      'invalid-option',
      'body',
      /'v'/,
    );
  });

  it('select needs a comparison as its condition', () => {
    expect(() => elementwiseOps.select(elementwiseOps.add(1, 2), 1, 2)).toThrow(/comparison/);
  });
});

describe('code generation', () => {
  const findNode = (roots: readonly Expr[], pred: (e: Expr) => boolean): Expr => {
    const found = topologicalOrder(roots).find(pred);
    if (found === undefined) throw new Error('node not found');
    return found;
  };
  const isScalar = (e: Expr | undefined, name: string): boolean => e?.op === 'scalar' && e.name === name;

  it('cpuLoopSource hoists scalar-only expressions (1 − b1) before the loop and reads each input once', () => {
    const { inputNames, scalarNames, roots } = adamLike.programs.functional;
    expect(inputNames).toEqual(['grad', 'm', 'v']);
    expect(scalarNames).toEqual(['lr', 'b1', 'b2', 'eps', 'bc1', 'bc2']);
    const src = cpuLoopSource(inputNames, scalarNames, roots);
    const loop = src.indexOf('for (');
    expect(loop).toBeGreaterThan(0);
    const oneMinusB1 = findNode(roots, (e) => e.op === 'sub' && e.args[0]?.op === 'const' && e.args[0].value === 1 && isScalar(e.args[1], 'b1'));
    const oneMinusB2 = findNode(roots, (e) => e.op === 'sub' && e.args[0]?.op === 'const' && e.args[0].value === 1 && isScalar(e.args[1], 'b2'));
    for (const node of [oneMinusB1, oneMinusB2]) {
      expect(node.uniform).toBe(true);
      const at = src.indexOf(`const t${node.id} =`);
      expect(at, `t${node.id} defined`).toBeGreaterThanOrEqual(0);
      expect(at).toBeLessThan(loop);
    }
    const body = src.slice(loop);
    // The loop body reads no scalar slot and evaluates 1 − b1 nowhere.
    expect(body).not.toMatch(/scalars\[/);
    expect(body).not.toMatch(/\(1 - /);
    inputNames.forEach((_, k) => {
      const reads = src.match(new RegExp(`in${k}\\[i\\]`, 'g')) ?? [];
      expect(reads.length, `reads of ${inputNames[k]}`).toBe(1);
      expect(src.indexOf(`in${k}[i]`)).toBeGreaterThan(loop);
    });
    roots.forEach((_, k) => expect(body).toContain(`out${k}[i] = `));
  });

  it('the in-place CPU loop reads the param once and writes param and state slots', () => {
    const { inputNames, scalarNames, roots } = adamLike.programs.inPlace;
    expect(inputNames).toEqual(['grad', 'param', 'm', 'v']);
    expect(roots).toHaveLength(3);
    const src = cpuLoopSource(inputNames, scalarNames, roots);
    inputNames.forEach((_, k) => expect((src.match(new RegExp(`in${k}\\[i\\]`, 'g')) ?? []).length).toBe(1));
    // Every write comes after every read in the loop body (outputs may alias inputs).
    const lastRead = Math.max(...inputNames.map((_, k) => src.indexOf(`in${k}[i]`)));
    const firstWrite = Math.min(...roots.map((_, k) => src.indexOf(`out${k}[i] = `)));
    expect(lastRead).toBeLessThan(firstWrite);
  });

  it('with outputAliases the in-place loop writes through the inputs, state slots before the parameter, after every read', () => {
    const { inputNames, scalarNames, roots } = adamLike.programs.inPlace;
    const src = cpuLoopSource(inputNames, scalarNames, roots, { outputAliases: [1, 2, 3] });
    expect(src).not.toMatch(/out\d/);
    const body = src.slice(src.indexOf('for ('));
    const writeAt = (k: number): number => body.indexOf(`in${k}[i] = `);
    // v (input 3), then m (input 2), then the parameter (input 1); the grad (input 0) is never written.
    expect(writeAt(3)).toBeGreaterThan(0);
    expect(writeAt(3)).toBeLessThan(writeAt(2));
    expect(writeAt(2)).toBeLessThan(writeAt(1));
    expect(writeAt(0)).toBe(-1);
    const lastRead = Math.max(...inputNames.map((_, k) => body.indexOf(`= in${k}[i];`)));
    expect(lastRead).toBeLessThan(writeAt(3));
    // The compiled loop updates the arrays in place: p ← p + u with the same values as the unaliased loop.
    const arrays = (): Float32Array[] => [new Float32Array([0.5, -2]), new Float32Array([1, 2]), new Float32Array([0.1, 0.2]), new Float32Array([0.3, 0.4])];
    const scal = [0.1, 0.9, 0.999, 1e-8, 0.1, 0.001];
    const a = arrays();
    compileCpuLoop(inputNames, scalarNames, roots, { outputAliases: [1, 2, 3] })(a, a.slice(1), scal, 2);
    const b = arrays();
    const outs = [new Float32Array(2), new Float32Array(2), new Float32Array(2)];
    compileCpuLoop(inputNames, scalarNames, roots)(b, outs, scal, 2);
    expect(a.slice(1).map((x) => Array.from(x))).toEqual(outs.map((x) => Array.from(x)));
    expect(Array.from(a[1] as Float32Array)).not.toEqual([1, 2]);
    expect(() => cpuLoopSource(inputNames, scalarNames, roots, { outputAliases: [1, 2] })).toThrow(/outputAliases/);
  });

  it('wgslSource binds written buffers read_write and the others read, hoists uniforms and orders select(false, true, cond)', () => {
    const rule = defineElementwiseRule({
      name: 'test:wgsl',
      state: ['m'],
      scalars: ['b1', 'thr'],
      body: ({ grad, param, m }, { b1, thr }, op) => {
        const m1 = op.add(op.mul(b1, m), op.mul(op.sub(1, b1), grad));
        return { m: m1, update: op.select(op.gt(grad, thr), op.neg(m1), op.mul(param, grad)) };
      },
    });
    const { inputNames, scalarNames, roots } = rule.programs.inPlace;
    expect(inputNames).toEqual(['grad', 'param', 'm']);
    // As the kernel lays out an in-place call: outputs (param, m) first, then the grad, read only.
    const outputBinding = [0, 1];
    const inputBinding = [2, 0, 1];
    const writable = [true, true, false];
    const src = wgslSource(inputNames, scalarNames, roots, inputBinding, outputBinding, writable);
    expect(src).toContain('@group(0) @binding(0) var<uniform> u : Uniforms;');
    expect(src).toContain('@group(0) @binding(1) var<storage, read_write> b0 : array<f32>;');
    expect(src).toContain('@group(0) @binding(2) var<storage, read_write> b1 : array<f32>;');
    expect(src).toContain('@group(0) @binding(3) var<storage, read> b2 : array<f32>;');
    expect(src).not.toMatch(/b2\[i\] =/);
    expect(src).toMatch(/b0\[i\] = /);
    expect(src).toMatch(/b1\[i\] = /);
    // Each slot read once, from its binding.
    for (const b of ['b0', 'b1', 'b2']) expect((src.match(new RegExp(`let t\\d+ = ${b}\\[i\\];`, 'g')) ?? []).length).toBe(1);
    const loop = src.indexOf('for (');
    const oneMinusB1 = findNode(roots, (e) => e.op === 'sub' && isScalar(e.args[1], 'b1'));
    expect(src.indexOf(`let t${oneMinusB1.id} =`)).toBeGreaterThanOrEqual(0);
    expect(src.indexOf(`let t${oneMinusB1.id} =`)).toBeLessThan(loop);
    const sel = findNode(roots, (e) => e.op === 'select');
    const [cond, onTrue, onFalse] = sel.args as [Expr, Expr, Expr];
    expect(cond.op).toBe('gt');
    expect(src).toContain(`let t${sel.id} = select(t${onFalse.id}, t${onTrue.id}, t${cond.id});`);

    // A functional layout: nothing written is read, every input read only.
    const f = rule.programs.functional;
    expect(f.inputNames).toEqual(['grad', 'param', 'm']);
    const fsrc = wgslSource(f.inputNames, f.scalarNames, f.roots, [0, 1, 2], [3, 4], [false, false, false, true, true]);
    expect((fsrc.match(/var<storage, read> /g) ?? []).length).toBe(3);
    expect((fsrc.match(/var<storage, read_write> /g) ?? []).length).toBe(2);
  });
});

describe('heavyBall through elementwiseTransformation', () => {
  const shapes = { a: [3], b: [[2, 2]] };
  function tree(seed: number): Params {
    return {
      a: tensorOf(valuesOf(seed, 3, 'normal'), [3]),
      b: [tensorOf(valuesOf(seed + 1, 4, 'normal'), [2, 2])],
    } as unknown as Params;
  }
  const variants = [
    { name: 'classic, dampening and weight decay', options: { learningRate: 0.1, momentum: 0.9, dampening: 0.25, weightDecay: 0.01 } },
    { name: 'nesterov with weight decay', options: { learningRate: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.1 } },
    { name: 'no weight decay (param unused)', options: { learningRate: 0.2, momentum: 0.5 } },
  ];

  interface Trajectory {
    updates: Float32Array[][];
    params: Float32Array[][];
    traces: Float32Array[][];
  }

  async function functionalRun(options: Parameters<typeof heavyBall>[0]): Promise<Trajectory> {
    const tx = heavyBall(options);
    let params = tree(20);
    let state = tx.init(params);
    const out: Trajectory = { updates: [], params: [], traces: [] };
    for (let t = 0; t < 3; t++) {
      const grads = tree(30 + 2 * t);
      const { updates, state: next } = tx.update(grads, state, params);
      const newParams = applyUpdates(params, updates);
      out.updates.push(await Promise.all((treeLeaves(updates) as tf.Tensor[]).map(snapshot)));
      out.params.push(await Promise.all((treeLeaves(newParams) as tf.Tensor[]).map(snapshot)));
      out.traces.push(await Promise.all((treeLeaves(next.slots.trace) as tf.Tensor[]).map(snapshot)));
      treeDispose([grads, updates, params, state.slots]);
      params = newParams;
      state = next;
    }
    treeDispose([params, state.slots]);
    return out;
  }

  it.each(variants)('$name: fused update equals the reference path for 3 steps', async ({ options }) => {
    const before = tf.memory().numTensors;
    const fused = await functionalRun(options);
    setFusedKernels(false);
    let ref: Trajectory;
    try {
      ref = await functionalRun(options);
    } finally {
      setFusedKernels(true);
    }
    for (let t = 0; t < 3; t++) {
      ['a', 'b'].forEach((leaf, i) => {
        compareArrays(fused.updates[t]?.[i] as Float32Array, ref.updates[t]?.[i] as Float32Array, `update ${leaf} step ${t + 1}`);
        compareArrays(fused.traces[t]?.[i] as Float32Array, ref.traces[t]?.[i] as Float32Array, `trace ${leaf} step ${t + 1}`);
        compareArrays(fused.params[t]?.[i] as Float32Array, ref.params[t]?.[i] as Float32Array, `param ${leaf} step ${t + 1}`);
      });
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each(variants)('$name: inPlace equals the functional result for 3 steps', async ({ options }) => {
    const before = tf.memory().numTensors;
    const functional = await functionalRun(options);
    const tx = heavyBall(options);
    expect(tx.inPlace).toBeTypeOf('function');
    const params = tree(20);
    const leaves = treeLeaves(params) as tf.Tensor[];
    expect(leaves.map((l) => l.shape)).toEqual([shapes.a, shapes.b[0]]);
    let state = tx.init(params);
    const traceTensors = treeLeaves(state.slots.trace) as tf.Tensor[];
    for (let t = 0; t < 3; t++) {
      const grads = tree(30 + 2 * t);
      const counts = tf.memory().numTensors;
      const next = tx.inPlace?.(params, grads, state);
      expect(next, 'inPlace ran').toBeDefined();
      expect(tf.memory().numTensors).toBe(counts);
      state = next as typeof state;
      expect(state.count).toBe(t + 1);
      // The state's tensors are the same tensors, updated.
      expect(treeLeaves(state.slots.trace)).toEqual(traceTensors);
      const ps = await Promise.all(leaves.map(snapshot));
      const trs = await Promise.all(traceTensors.map(snapshot));
      ['a', 'b'].forEach((leaf, i) => {
        compareArrays(ps[i] as Float32Array, functional.params[t]?.[i] as Float32Array, `param ${leaf} step ${t + 1}`);
        compareArrays(trs[i] as Float32Array, functional.traces[t]?.[i] as Float32Array, `trace ${leaf} step ${t + 1}`);
      });
      treeDispose(grads);
    }
    treeDispose([params, state.slots]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('inPlace returns undefined and touches nothing with fused kernels off', async () => {
    const tx = heavyBall(variants[0]?.options as Parameters<typeof heavyBall>[0]);
    const params = tree(20);
    const state = tx.init(params);
    const grads = tree(30);
    const before = await Promise.all((treeLeaves(params) as tf.Tensor[]).map(snapshot));
    setFusedKernels(false);
    try {
      expect(tx.inPlace?.(params, grads, state)).toBeUndefined();
    } finally {
      setFusedKernels(true);
    }
    expect(state.count).toBe(0);
    const after = await Promise.all((treeLeaves(params) as tf.Tensor[]).map(snapshot));
    after.forEach((a, i) => expect(a).toEqual(before[i]));
    for (const tr of treeLeaves(state.slots.trace) as tf.Tensor[]) expect(Array.from(await tr.data()).every((v) => v === 0)).toBe(true);
    treeDispose([params, state.slots, grads]);
  });
});
