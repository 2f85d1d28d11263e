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
