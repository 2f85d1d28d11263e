/**
 * adagrad and scaleByRss: the public goldens run in golden.test.ts; here every hidden setting of
 * the spec's Appendix A (lrdecay_init_wd, big_eps) is checked against a float64 oracle written from
 * the spec (§2.2, torch 1.13 `_single_tensor_adagrad`), the alias against its hand-written chain,
 * schedules and bad input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Optimizer, type ScalarOrSchedule, chain, treeDispose } from '@descent/core';
import { adagrad, addDecayedWeights, scaleByLearningRate, scaleByRss } from '@descent/optim';
import { type GoldenEntry, loadGolden } from './golden.js';
import { errorOf } from './descent-errors.js';
import { MODES, maxDeviation, trajectory, treeOracleTrajectory } from './trajectory-modes.js';

const golden = loadGolden(new URL('./fixtures/first-order.json', import.meta.url));
const problems = golden.adagrad as Record<string, GoldenEntry>;
const ATOL = 1e-5;

interface Hyper {
  lr: number;
  lrDecay: number;
  eps: number;
  weightDecay: number;
  initialAccumulatorValue: number;
}

/** Spec §2.2 in float64: one closure per run, called once per step with the params and the gradient. */
function adagradOracle(h: Hyper, shapes: number[][]): (x: number[][], g: number[][]) => number[][] {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const sum = shapes.map((s) => new Array<number>(size(s)).fill(h.initialAccumulatorValue));
  let t = 0;
  return (x, g) => {
    t += 1;
    const clr = h.lr / (1 + (t - 1) * h.lrDecay);
    return x.map((xk, k) =>
      xk.map((xi, j) => {
        const gi = (g[k] as number[])[j] as number + h.weightDecay * xi;
        const s = ((sum[k] as number[])[j] as number) + gi * gi;
        (sum[k] as number[])[j] = s;
        return xi - (clr * gi) / (Math.sqrt(s) + h.eps);
      }),
    );
  };
}

const oracleTrajectory = (h: Hyper, e: GoldenEntry): number[][][] => treeOracleTrajectory(adagradOracle(h, e.shapes), e);

// Appendix A: adagrad settings (hidden set: every one, with other seeds).
const SETTINGS: [string, Hyper][] = [
  ['defaults', { lr: 0.01, lrDecay: 0, eps: 1e-10, weightDecay: 0, initialAccumulatorValue: 0 }],
  ['lrdecay_init_wd', { lr: 0.05, lrDecay: 0.01, eps: 1e-10, weightDecay: 0.01, initialAccumulatorValue: 0.1 }],
  ['big_eps', { lr: 0.1, lrDecay: 0, eps: 0.001, weightDecay: 0, initialAccumulatorValue: 0 }],
];
const optionsOf = (h: Hyper) => ({
  learningRate: h.lr,
  lrDecay: h.lrDecay,
  eps: h.eps,
  weightDecay: h.weightDecay,
  initialAccumulatorValue: h.initialAccumulatorValue,
});

describe('adagrad float64 oracle (spec §2.2)', () => {
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

describe.each(SETTINGS)('adagrad setting %s against the float64 oracle', (_name, h) => {
  for (const key of ['defaults@gradseq', 'defaults@loss']) {
    it.each(MODES)(`${key}, %s: every step within ${ATOL}`, async (mode) => {
      const e = problems[key] as GoldenEntry;
      const before = tf.memory().numTensors;
      const got = await trajectory(() => adagrad(optionsOf(h)), e, mode);
      expect(maxDeviation(got, oracleTrajectory(h, e))).toBeLessThan(ATOL);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('adagrad is its chain of building blocks', () => {
  it.each(SETTINGS)('%s: alias == chain(addDecayedWeights, scaleByRss, scaleByLearningRate(γ/(1 + count·η)))', async (_n, h) => {
    const e = problems['defaults@gradseq'] as GoldenEntry;
    const byHand = () =>
      chain(
        addDecayedWeights(h.weightDecay),
        scaleByRss({ initialAccumulatorValue: h.initialAccumulatorValue, eps: h.eps }),
        scaleByLearningRate((count) => h.lr / (1 + count * h.lrDecay)),
      );
    const a = await trajectory(() => adagrad(optionsOf(h)), e, 'functional API');
    const b = await trajectory(byHand, e, 'functional API');
    expect(a).toEqual(b);
  });
});

describe('adagrad hand-computed steps and schedules', () => {
  it('scaleByRss starts from initialAccumulatorValue and puts eps outside the root', async () => {
    // s = 0.5 + 0.5² = 0.75; out = 0.5 / (√0.75 + 0.25); second: s = 0.75 + 1 = 1.75, out = -1/(√1.75 + 0.25)
    const p = tf.variable(tf.zeros([1]));
    const opt = new Optimizer(chain(scaleByRss({ initialAccumulatorValue: 0.5, eps: 0.25 }), scaleByLearningRate(1)), [p]);
    const g1 = tf.tensor1d([0.5]);
    const g2 = tf.tensor1d([-1]);
    await opt.stepAsync([g1]);
    const x1 = -0.5 / (Math.sqrt(0.75) + 0.25);
    expect((await p.data())[0]).toBeCloseTo(x1, 6);
    await opt.stepAsync([g2]);
    expect((await p.data())[0]).toBeCloseTo(x1 + 1 / (Math.sqrt(1.75) + 0.25), 6);
    treeDispose([g1, g2, p]);
    opt.dispose();
  });

  it('the initial accumulator is part of the state from init', async () => {
    const t = scaleByRss({ initialAccumulatorValue: 0.3 });
    const p = tf.zeros([2, 2]);
    const s = t.init([p]);
    expect(Array.from(await (s.slots.sumOfSquares as tf.Tensor[])[0]?.data() ?? [])).toEqual(Array(4).fill(Math.fround(0.3)));
    treeDispose([p, s]);
  });

  it('learningRate and lrDecay schedules are evaluated at the step count (lr_t / (1 + count·η_t))', async () => {
    const e = problems['defaults@gradseq'] as GoldenEntry;
    const lr: ScalarOrSchedule = (count) => 0.05 * 0.9 ** count;
    const decay: ScalarOrSchedule = (count) => (count < 10 ? 0.02 : 0.05);
    const got = await trajectory(() => adagrad({ learningRate: lr, lrDecay: decay, weightDecay: 0.01 }), e, 'runner in place');
    // The oracle with the schedule folded into its step: run it step by step with the same per-step lr.
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const sum = e.shapes.map((s) => new Array<number>(size(s)).fill(0));
    let x = e.init.map((v) => [...v]);
    const expected: number[][][] = [];
    for (let t = 0; t < e.steps; t++) {
      const clr = lr(t) / (1 + t * decay(t));
      x = x.map((xk, k) =>
        xk.map((xi, j) => {
          const gi = ((e.grads?.[t] as number[][])[k] as number[])[j] as number + 0.01 * xi;
          const s = ((sum[k] as number[])[j] as number) + gi * gi;
          (sum[k] as number[])[j] = s;
          return xi - (clr * gi) / (Math.sqrt(s) + 1e-10);
        }),
      );
      expected.push(x);
    }
    expect(maxDeviation(got, expected)).toBeLessThan(ATOL);
  });

  it('a learning-rate schedule returning NaN fails at that step, before any change', async () => {
    const p = tf.variable(tf.ones([2]));
    const opt = new Optimizer(adagrad({ learningRate: (s) => (s >= 1 ? Number.NaN : 0.1), lrDecay: 0.1 }), [p]);
    const g = tf.ones([2]);
    await opt.stepAsync([g]);
    const before = Array.from(await p.data());
    await expect(opt.stepAsync([g])).rejects.toThrow(/learningRate\(step 1\)/);
    expect(Array.from(await p.data())).toEqual(before);
    expect(opt.stepCount).toBe(1);
    treeDispose([g, p]);
    opt.dispose();
  });
});

describe('adagrad validation', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['negative learning rate', 'learningRate', { learningRate: -1 }],
    ['NaN learning rate', 'learningRate', { learningRate: Number.NaN }],
    ['negative lrDecay', 'lrDecay', { lrDecay: -0.1 }],
    ['negative weightDecay', 'weightDecay', { weightDecay: -0.1 }],
    ['negative initialAccumulatorValue', 'initialAccumulatorValue', { initialAccumulatorValue: -1 }],
    ['schedule as initialAccumulatorValue', 'initialAccumulatorValue', { initialAccumulatorValue: () => 0.1 }],
    ['negative eps', 'eps', { eps: -1e-10 }],
    ['Infinity eps', 'eps', { eps: Infinity }],
    ['misspelt option', 'lr_decay', { lr_decay: 0.1 }],
  ];
  it.each(cases)('%s throws a DescentError naming %s', (_label, parameter, options) => {
    const error = errorOf(() => adagrad(options as never));
    expect(error.parameter).toBe(parameter);
    expect(error.message).toContain(`adagrad: `);
    expect(error.message).toContain(parameter);
  });

  it('names the domain and the value', () => {
    expect(errorOf(() => adagrad({ learningRate: -1 })).message).toBe('adagrad: learningRate must be a finite number >= 0, got -1');
  });

  it('scaleByRss validates its own options', () => {
    expect(errorOf(() => scaleByRss({ eps: -1 })).parameter).toBe('eps');
    expect(errorOf(() => scaleByRss({ initialAccumulatorValue: Number.NaN })).parameter).toBe('initialAccumulatorValue');
    expect(errorOf(() => scaleByRss({ initial: 0.1 } as never)).parameter).toBe('initial');
  });
});
