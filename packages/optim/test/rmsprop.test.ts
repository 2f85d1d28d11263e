/**
 * rmsprop and scaleByRms: the public goldens run in golden.test.ts; here every hidden setting of
 * the spec's Appendix A (centered_momentum, momentum_wd, centered_wd) and the defaults are checked
 * against a float64 oracle written from the spec (§2.4, torch 1.13 `_single_tensor_rmsprop`), the
 * alias against its hand-written chain, schedules and bad input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Optimizer, type ScalarOrSchedule, chain, treeDispose } from '@descent/core';
import { addDecayedWeights, rmsprop, scaleByLearningRate, scaleByRms, trace } from '@descent/optim';
import { type GoldenEntry, loadGolden } from './golden.js';
import { errorOf } from './descent-errors.js';
import { MODES, maxDeviation, trajectory, treeOracleTrajectory } from './trajectory-modes.js';

const golden = loadGolden(new URL('./fixtures/first-order.json', import.meta.url));
const problems = golden.rmsprop as Record<string, GoldenEntry>;
const ATOL = 1e-5;

interface Hyper {
  lr: number | ((count: number) => number);
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
}

/** Spec §2.4 in float64: one closure per run, called once per step with the params and the gradient. */
function rmspropOracle(h: Hyper, shapes: number[][]): (x: number[][], g: number[][]) => number[][] {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const zeros = () => shapes.map((s) => new Array<number>(size(s)).fill(0));
  const v = zeros(); // square_avg
  const gAvg = zeros(); // grad_avg (centered)
  const buf = zeros(); // momentum_buffer
  let t = 0;
  return (x, g) => {
    const lr = typeof h.lr === 'number' ? h.lr : h.lr(t);
    t += 1;
    return x.map((xk, k) =>
      xk.map((xi, j) => {
        const vk = v[k] as number[];
        const mk = gAvg[k] as number[];
        const bk = buf[k] as number[];
        const gi = ((g[k] as number[])[j] as number) + h.weightDecay * xi;
        vk[j] = h.alpha * (vk[j] as number) + (1 - h.alpha) * gi * gi;
        let avg: number;
        if (h.centered) {
          mk[j] = h.alpha * (mk[j] as number) + (1 - h.alpha) * gi;
          avg = Math.sqrt((vk[j] as number) - (mk[j] as number) ** 2) + h.eps; // eps OUTSIDE the root
        } else {
          avg = Math.sqrt(vk[j] as number) + h.eps;
        }
        if (h.momentum > 0) {
          bk[j] = h.momentum * (bk[j] as number) + gi / avg; // lr outside the buffer
          return xi - lr * (bk[j] as number);
        }
        return xi - (lr * gi) / avg;
      }),
    );
  };
}

const oracleTrajectory = (h: Hyper, e: GoldenEntry): number[][][] => treeOracleTrajectory(rmspropOracle(h, e.shapes), e);

// Appendix A: rmsprop settings (hidden set: every one, with other seeds).
const SETTINGS: [string, Hyper][] = [
  ['defaults', { lr: 0.01, momentum: 0, alpha: 0.99, eps: 1e-8, centered: false, weightDecay: 0 }],
  ['centered_momentum', { lr: 0.005, momentum: 0.9, alpha: 0.9, eps: 1e-8, centered: true, weightDecay: 0 }],
  ['momentum_wd', { lr: 0.001, momentum: 0.5, alpha: 0.99, eps: 1e-8, centered: false, weightDecay: 0.01 }],
  ['centered_wd', { lr: 0.01, momentum: 0, alpha: 0.95, eps: 1e-6, centered: true, weightDecay: 0.05 }],
];
const optionsOf = (h: Hyper) => ({
  learningRate: h.lr as ScalarOrSchedule,
  momentum: h.momentum,
  alpha: h.alpha,
  eps: h.eps,
  centered: h.centered,
  weightDecay: h.weightDecay,
});

describe('rmsprop float64 oracle (spec §2.4)', () => {
  // gradseq: the same float64 inputs as torch, so agreement to rounding. loss: the oracle takes
  // lossProblemGrad's float32-rounded gradients, hence the looser (still far below 1e-5) bound.
  it.each([
    ['defaults@gradseq', 1e-12],
    ['defaults@loss', 1e-7],
  ])('reproduces the torch golden %s to %s', (key, tol) => {
    const e = problems[key] as GoldenEntry;
    expect(maxDeviation(oracleTrajectory(SETTINGS[0]?.[1] as Hyper, e), e.trajectory)).toBeLessThan(tol);
  });
});

describe.each(SETTINGS)('rmsprop setting %s against the float64 oracle', (_name, h) => {
  for (const key of ['defaults@gradseq', 'defaults@loss']) {
    it.each(MODES)(`${key}, %s: every step within ${ATOL}`, async (mode) => {
      const e = problems[key] as GoldenEntry;
      const before = tf.memory().numTensors;
      const got = await trajectory(() => rmsprop(optionsOf(h)), e, mode);
      expect(maxDeviation(got, oracleTrajectory(h, e))).toBeLessThan(ATOL);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('rmsprop is its chain of building blocks', () => {
  it.each(SETTINGS)('%s: alias == chain(addDecayedWeights, scaleByRms, [trace], scaleByLearningRate)', async (_n, h) => {
    const e = problems['defaults@gradseq'] as GoldenEntry;
    const byHand = () =>
      chain(
        addDecayedWeights(h.weightDecay),
        scaleByRms({ alpha: h.alpha, eps: h.eps, centered: h.centered }),
        ...(h.momentum === 0 ? [] : [trace({ decay: h.momentum })]),
        scaleByLearningRate(h.lr),
      );
    const a = await trajectory(() => rmsprop(optionsOf(h)), e, 'functional API');
    const b = await trajectory(byHand, e, 'functional API');
    expect(a).toEqual(b);
  });

  it('defaults are torch 1.13 (lr 1e-2, alpha 0.99, eps 1e-8, no momentum, not centered)', async () => {
    const e = problems['defaults@gradseq'] as GoldenEntry;
    const a = await trajectory(() => rmsprop(), e, 'runner in place');
    const b = await trajectory(() => rmsprop(optionsOf(SETTINGS[0]?.[1] as Hyper)), e, 'runner in place');
    expect(a).toEqual(b);
  });

  it('the centered block keeps the gradient average as a second slot', () => {
    const p = [tf.zeros([3])];
    const plain = scaleByRms().init(p);
    const centered = scaleByRms({ centered: true }).init(p);
    expect(Object.keys(plain.slots)).toEqual(['nu']);
    expect(Object.keys(centered.slots)).toEqual(['nu', 'mu']);
    treeDispose([p, plain, centered]);
  });
});

describe('rmsprop hand-computed steps and schedules', () => {
  it('centered with momentum: two steps by hand', async () => {
    // alpha 0.5, eps 0.1, mu 0.5, lr 1, g = 2 then -1:
    // step 1: v = 2, ḡ = 1, a = √(2 − 1) + 0.1 = 1.1, b = 2/1.1, θ = −b
    // step 2: v = 1 + 0.5 = 1.5, ḡ = 0.5 − 0.5 = 0, a = √1.5 + 0.1, b = 0.5 b1 − 1/a
    const p = tf.variable(tf.zeros([1]));
    const opt = new Optimizer(rmsprop({ learningRate: 1, alpha: 0.5, eps: 0.1, momentum: 0.5, centered: true }), [p]);
    const g1 = tf.tensor1d([2]);
    const g2 = tf.tensor1d([-1]);
    const b1 = 2 / 1.1;
    const b2 = 0.5 * b1 - 1 / (Math.sqrt(1.5) + 0.1);
    await opt.stepAsync([g1]);
    expect((await p.data())[0]).toBeCloseTo(-b1, 6);
    await opt.stepAsync([g2]);
    expect((await p.data())[0]).toBeCloseTo(-b1 - b2, 6);
    treeDispose([g1, g2, p]);
    opt.dispose();
  });

  it('a learning-rate schedule multiplies the momentum buffer, it is not inside it (torch, not tfjs)', async () => {
    const e = problems['defaults@gradseq'] as GoldenEntry;
    const h: Hyper = { lr: (count) => (count < 10 ? 0.01 : 0.001), momentum: 0.9, alpha: 0.9, eps: 1e-8, centered: true, weightDecay: 0.01 };
    const got = await trajectory(() => rmsprop(optionsOf(h)), e, 'runner in place');
    expect(maxDeviation(got, oracleTrajectory(h, e))).toBeLessThan(ATOL);
  });

  it('a momentum schedule is evaluated at the step count', async () => {
    // momentum 0 then 0.5 (a schedule keeps the buffer): b1 = g/a1, b2 = 0.5 b1 + g/a2.
    const p = tf.variable(tf.zeros([1]));
    const opt = new Optimizer(rmsprop({ learningRate: 1, alpha: 0.5, eps: 0, momentum: (c) => (c === 0 ? 0 : 0.5) }), [p]);
    const g = tf.tensor1d([1]);
    await opt.stepAsync([g]);
    await opt.stepAsync([g]);
    // a1 = √0.5, a2 = √0.75
    const b1 = 1 / Math.sqrt(0.5);
    expect((await p.data())[0]).toBeCloseTo(-b1 - (0.5 * b1 + 1 / Math.sqrt(0.75)), 6);
    treeDispose([g, p]);
    opt.dispose();
  });

  it('a schedule returning NaN fails at that step, before any change', async () => {
    const p = tf.variable(tf.ones([2]));
    const opt = new Optimizer(rmsprop({ alpha: (s) => (s >= 1 ? Number.NaN : 0.9) }), [p]);
    const g = tf.ones([2]);
    await opt.stepAsync([g]);
    const before = Array.from(await p.data());
    await expect(opt.stepAsync([g])).rejects.toThrow(/alpha\(step 1\)/);
    expect(Array.from(await p.data())).toEqual(before);
    expect(opt.stepCount).toBe(1);
    treeDispose([g, p]);
    opt.dispose();
  });
});

describe('rmsprop validation', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['negative learning rate', 'learningRate', { learningRate: -1 }],
    ['NaN learning rate', 'learningRate', { learningRate: Number.NaN }],
    ['alpha above 1', 'alpha', { alpha: 1.5 }],
    ['negative alpha', 'alpha', { alpha: -0.5 }],
    ['negative eps', 'eps', { eps: -1e-8 }],
    ['negative weightDecay', 'weightDecay', { weightDecay: -0.1 }],
    ['momentum 1', 'momentum', { momentum: 1 }],
    ['negative momentum', 'momentum', { momentum: -0.1 }],
    ['non-boolean centered', 'centered', { centered: 1 }],
    ['misspelt option', 'decay', { decay: 0.9 }],
  ];
  it.each(cases)('%s throws a DescentError naming %s', (_label, parameter, options) => {
    const error = errorOf(() => rmsprop(options as never));
    expect(error.parameter).toBe(parameter);
    expect(error.message).toContain('rmsprop: ');
    expect(error.message).toContain(parameter);
  });

  it('names the domain and the value', () => {
    expect(errorOf(() => rmsprop({ momentum: 1 })).message).toBe('rmsprop: momentum must be a finite number in [0, 1), got 1');
  });

  it('scaleByRms validates its own options', () => {
    expect(errorOf(() => scaleByRms({ alpha: 2 })).parameter).toBe('alpha');
    expect(errorOf(() => scaleByRms({ eps: -1 })).parameter).toBe('eps');
    expect(errorOf(() => scaleByRms({ centered: 'yes' } as never)).parameter).toBe('centered');
    expect(errorOf(() => scaleByRms({ decay: 0.9 } as never)).parameter).toBe('decay');
  });
});
