import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  type GradientTransformation,
  Optimizer,
  type Params,
  chain,
  defineElementwiseRule,
  elementwiseTransformation,
  heavyBall,
  stateless,
  treeDispose,
  treeLeaves,
  treeMap,
} from '@descent/core';

// A second elementwise stage: an EMA of the incoming updates, scaled (state 'ema', scalars 'beta', 'scale').
const emaRule = defineElementwiseRule({
  name: 'test-ema-scale',
  state: ['ema'],
  scalars: ['beta', 'scale'],
  body: ({ grad, ema }, { beta, scale }, op) => {
    const e = op.add(op.mul(beta, ema), op.mul(op.sub(1, beta), grad));
    return { ema: e, update: op.mul(scale, e) };
  },
});
const emaScale = (beta: number, scale: number) => elementwiseTransformation({ rule: emaRule, scalars: () => ({ beta, scale }) });

/** The same stages run one after the other, never fused: the oracle for the fused chain. */
function sequential(transforms: GradientTransformation<any>[]): GradientTransformation<unknown[]> {
  return {
    init: (params) => transforms.map((t) => t.init(params)),
    update(updates, state, params) {
      let u = updates;
      const next = transforms.map((t, i) => {
        const out = t.update(u, state[i], params);
        u = out.updates;
        return out.state;
      });
      return { updates: u, state: next };
    },
  };
}

async function trajectory(transform: GradientTransformation<any>, inPlace: boolean): Promise<number[][]> {
  const w = tf.variable(tf.tensor2d([[0.5, -1], [2, 0.25]]));
  const b = tf.variable(tf.tensor1d([1, -2, 3]));
  const opt = new Optimizer(transform, { w, b }, { inPlace });
  const out: number[][] = [];
  for (let t = 0; t < 5; t++) {
    const gw = tf.tensor2d([[Math.sin(t), Math.cos(t)], [t * 0.1, -0.3]]);
    const gb = tf.tensor1d([0.2 * t, -1, Math.sin(2 * t)]);
    await opt.stepAsync({ w: gw, b: gb });
    out.push([...(await w.data()), ...(await b.data())]);
    tf.dispose([gw, gb]);
  }
  opt.dispose();
  treeDispose([w, b]);
  return out;
}

describe('chain fuses consecutive elementwise stages', () => {
  const stages = () => [heavyBall({ learningRate: 0.1, momentum: 0.9, weightDecay: 0.01 }), emaScale(0.5, 2)];

  it('a chain of elementwise stages has an in-place step; with a non-elementwise stage it has none', () => {
    expect(chain(...stages()).inPlace).toBeDefined();
    expect(chain(...stages(), stateless((u) => u)).inPlace).toBeUndefined();
  });

  it('fused (functional and in place) equals the stages run one by one, step by step', async () => {
    const reference = await trajectory(sequential(stages()), false);
    for (const inPlace of [false, true]) {
      const fused = await trajectory(chain(...stages()), inPlace);
      fused.forEach((row, t) => row.forEach((x, i) => expect(x).toBeCloseTo((reference[t] as number[])[i] as number, 5)));
    }
  });

  it('keeps the state tree of the unfused chain: one state per stage with its own count', () => {
    const p = { w: tf.ones([2]) };
    const g = { w: tf.fill([2], 0.5) };
    const fused = chain(...stages());
    const plain = sequential(stages());
    const s0 = fused.init(p);
    const { updates: u1, state: s1 } = fused.update(g, s0, p);
    const { updates: u2, state: s2 } = plain.update(g, plain.init(p), p);
    expect((s1 as { count: number }[]).map((s) => s.count)).toEqual([1, 1]);
    expect(Object.keys((s1[1] as { slots: object }).slots)).toEqual(['ema']);
    expect(treeLeaves(s1 as never).length).toBe(treeLeaves(s2 as never).length);
    treeDispose([p, g, s0, u1, s1, u2, s2]);
  });

  it('a segment is fused inside a chain that also has a non-elementwise stage', async () => {
    const double = stateless((u) => treeMap((x: tf.Tensor) => tf.mul(x, 2), u) as Params);
    const reference = await trajectory(sequential([double, ...stages()]), false);
    const fused = await trajectory(chain(double, ...stages()), true);
    fused.forEach((row, t) => row.forEach((x, i) => expect(x).toBeCloseTo((reference[t] as number[])[i] as number, 5)));
  });
});

describe('rules with more buffers than one WebGPU dispatch may bind', () => {
  // 7 state slots: the functional program binds 9 inputs + 8 outputs, the in-place one 9 buffers;
  // WebGPU's default limit (tfjs's device) is 8 storage buffers per shader stage.
  const slots = ['s0', 's1', 's2', 's3', 's4', 's5', 's6'] as const;
  const wide = defineElementwiseRule({
    name: 'test-wide-seven-slots',
    state: slots,
    scalars: ['a'],
    body: (x, { a }, op) => {
      const out: Record<string, ReturnType<typeof op.add>> = {};
      slots.forEach((s, i) => (out[s] = op.add(op.mul(a, x[s]), op.mul(i + 1, x.grad))));
      return { ...out, update: op.add(out.s0 as ReturnType<typeof op.add>, op.mul(x.param, 0.01)) } as never;
    },
  });

  it('the functional kernel equals the reference (outputs grouped into several dispatches on WebGPU)', async () => {
    const n = 1000;
    const mk = (k: number) => tf.tensor1d(Array.from({ length: n }, (_, i) => Math.sin(i * (k + 1))));
    const grad = mk(0);
    const param = mk(1);
    const state = Object.fromEntries(slots.map((s, i) => [s, mk(i + 2)])) as Record<(typeof slots)[number], tf.Tensor>;
    const fused = wide.apply(grad, param, state, { a: 0.5 });
    const ref = wide.reference(grad, param, state, { a: 0.5 });
    const pairs: [tf.Tensor, tf.Tensor][] = [[fused.update, ref.update], ...slots.map((s) => [fused.state[s], ref.state[s]] as [tf.Tensor, tf.Tensor])];
    for (const [f, r] of pairs) {
      const [fv, rv] = [await f.data(), await r.data()];
      for (let i = 0; i < n; i++) expect(Math.abs((fv[i] as number) - (rv[i] as number))).toBeLessThan(1e-5 * Math.max(1, Math.abs(rv[i] as number)));
    }
    // In place it runs on the CPU; on WebGPU it declines (touching nothing) and the runner goes functional.
    const before = await param.data();
    const done = wide.applyInPlace(param, grad, state, { a: 0.5 });
    expect(done).toBe(tf.getBackend() === 'cpu');
    if (!done) expect(Array.from(await param.data())).toEqual(Array.from(before));
    treeDispose([grad, param, state, fused, ref]);
  });
});
