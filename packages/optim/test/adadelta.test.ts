/**
 * adadelta and scaleByAdadelta: the public goldens run in golden.test.ts; here the hidden setting
 * of the spec's Appendix A (wd) and the defaults are checked against a float64 oracle written from
 * the spec (§2.3, torch 1.13 `_single_tensor_adadelta`), the alias against its hand-written chain,
 * schedules and bad input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Optimizer, chain, treeDispose } from '@descent/core';
import { adadelta, addDecayedWeights, scaleByAdadelta, scaleByLearningRate } from '@descent/optim';
import { type GoldenEntry, loadGolden } from './golden.js';
import { errorOf } from './descent-errors.js';
import { MODES, maxDeviation, trajectory, treeOracleTrajectory } from './trajectory-modes.js';

const golden = loadGolden(new URL('./fixtures/first-order.json', import.meta.url));
const problems = golden.adadelta as Record<string, GoldenEntry>;
const ATOL = 1e-5;

interface Hyper {
  lr: number;
  rho: number;
  eps: number;
  weightDecay: number;
}

/** Spec §2.3 in float64: one closure per run, called once per step with the params and the gradient. */
function adadeltaOracle(h: Hyper, shapes: number[][]): (x: number[][], g: number[][]) => number[][] {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const v = shapes.map((s) => new Array<number>(size(s)).fill(0)); // square_avg
  const u = shapes.map((s) => new Array<number>(size(s)).fill(0)); // acc_delta
  return (x, g) =>
    x.map((xk, k) =>
      xk.map((xi, j) => {
        const vk = v[k] as number[];
        const uk = u[k] as number[];
        const gi = ((g[k] as number[])[j] as number) + h.weightDecay * xi;
        vk[j] = h.rho * (vk[j] as number) + (1 - h.rho) * gi * gi;
        // NEW v, OLD u, eps inside both roots.
        const delta = (Math.sqrt((uk[j] as number) + h.eps) / Math.sqrt((vk[j] as number) + h.eps)) * gi;
        uk[j] = h.rho * (uk[j] as number) + (1 - h.rho) * delta * delta;
        return xi - h.lr * delta;
      }),
    );
}

const oracleTrajectory = (h: Hyper, e: GoldenEntry): number[][][] => treeOracleTrajectory(adadeltaOracle(h, e.shapes), e);

// Appendix A: adadelta settings (hidden set: every one, with other seeds).
const SETTINGS: [string, Hyper][] = [
  ['defaults', { lr: 1.0, rho: 0.9, eps: 1e-6, weightDecay: 0 }],
  ['wd', { lr: 0.5, rho: 0.95, eps: 1e-5, weightDecay: 0.1 }],
];
const optionsOf = (h: Hyper) => ({ learningRate: h.lr, rho: h.rho, eps: h.eps, weightDecay: h.weightDecay });

describe('adadelta float64 oracle (spec §2.3)', () => {
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

describe.each(SETTINGS)('adadelta setting %s against the float64 oracle', (_name, h) => {
  for (const key of ['defaults@gradseq', 'defaults@loss']) {
    it.each(MODES)(`${key}, %s: every step within ${ATOL}`, async (mode) => {
      const e = problems[key] as GoldenEntry;
      const before = tf.memory().numTensors;
      const got = await trajectory(() => adadelta(optionsOf(h)), e, mode);
      expect(maxDeviation(got, oracleTrajectory(h, e))).toBeLessThan(ATOL);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('adadelta is its chain of building blocks', () => {
  it.each(SETTINGS)('%s: alias == chain(addDecayedWeights, scaleByAdadelta, scaleByLearningRate)', async (_n, h) => {
    const e = problems['defaults@gradseq'] as GoldenEntry;
    const byHand = () =>
      chain(addDecayedWeights(h.weightDecay), scaleByAdadelta({ rho: h.rho, eps: h.eps }), scaleByLearningRate(h.lr));
    const a = await trajectory(() => adadelta(optionsOf(h)), e, 'functional API');
    const b = await trajectory(byHand, e, 'functional API');
    expect(a).toEqual(b);
  });

  it('defaults are torch 1.13 (lr 1.0, rho 0.9, eps 1e-6, weightDecay 0)', async () => {
    const e = problems['defaults@gradseq'] as GoldenEntry;
    const a = await trajectory(() => adadelta(), e, 'runner in place');
    const b = await trajectory(() => adadelta(optionsOf(SETTINGS[0]?.[1] as Hyper)), e, 'runner in place');
    expect(a).toEqual(b);
  });
});

describe('adadelta hand-computed steps and schedules', () => {
  it('uses the new square average and the old accumulated delta (torch, not tfjs)', async () => {
    // rho 0.5, eps 0.01, g = 1 then 2, lr 1:
    // step 1: v = 0.5, Δ = √0.01/√0.51 · 1, u = 0.5 Δ²
    // step 2: v = 0.25 + 2 = 2.25, Δ2 = √(u + 0.01)/√2.26 · 2
    const p = tf.variable(tf.zeros([1]));
    const opt = new Optimizer(adadelta({ rho: 0.5, eps: 0.01 }), [p]);
    const g1 = tf.tensor1d([1]);
    const g2 = tf.tensor1d([2]);
    const d1 = Math.sqrt(0.01) / Math.sqrt(0.51);
    const u1 = 0.5 * d1 * d1;
    const d2 = (Math.sqrt(u1 + 0.01) / Math.sqrt(2.26)) * 2;
    await opt.stepAsync([g1]);
    expect((await p.data())[0]).toBeCloseTo(-d1, 6);
    await opt.stepAsync([g2]);
    expect((await p.data())[0]).toBeCloseTo(-d1 - d2, 6);
    treeDispose([g1, g2, p]);
    opt.dispose();
  });

  it('rho and learningRate schedules are evaluated at the step count', async () => {
    const e = problems['defaults@gradseq'] as GoldenEntry;
    const rho = (count: number) => (count < 5 ? 0.8 : 0.95);
    const lr = (count: number) => 1 / (1 + 0.1 * count);
    const got = await trajectory(() => adadelta({ learningRate: lr, rho, weightDecay: 0.05 }), e, 'runner in place');
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const v = e.shapes.map((s) => new Array<number>(size(s)).fill(0));
    const u = e.shapes.map((s) => new Array<number>(size(s)).fill(0));
    let x = e.init.map((row) => [...row]);
    const expected: number[][][] = [];
    for (let t = 0; t < e.steps; t++) {
      const r = rho(t);
      x = x.map((xk, k) =>
        xk.map((xi, j) => {
          const vk = v[k] as number[];
          const uk = u[k] as number[];
          const gi = ((e.grads?.[t] as number[][])[k] as number[])[j] as number + 0.05 * xi;
          vk[j] = r * (vk[j] as number) + (1 - r) * gi * gi;
          const delta = (Math.sqrt((uk[j] as number) + 1e-6) / Math.sqrt((vk[j] as number) + 1e-6)) * gi;
          uk[j] = r * (uk[j] as number) + (1 - r) * delta * delta;
          return xi - lr(t) * delta;
        }),
      );
      expected.push(x);
    }
    expect(maxDeviation(got, expected)).toBeLessThan(ATOL);
  });

  it('a rho schedule leaving [0, 1] fails at that step, before any change', async () => {
    const p = tf.variable(tf.ones([2]));
    const opt = new Optimizer(adadelta({ rho: (s) => (s >= 1 ? 1.5 : 0.9) }), [p]);
    const g = tf.ones([2]);
    await opt.stepAsync([g]);
    const before = Array.from(await p.data());
    await expect(opt.stepAsync([g])).rejects.toThrow(/rho\(step 1\)/);
    expect(Array.from(await p.data())).toEqual(before);
    expect(opt.stepCount).toBe(1);
    treeDispose([g, p]);
    opt.dispose();
  });
});

describe('adadelta validation', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['negative learning rate', 'learningRate', { learningRate: -1 }],
    ['NaN learning rate', 'learningRate', { learningRate: Number.NaN }],
    ['rho above 1', 'rho', { rho: 1.1 }],
    ['negative rho', 'rho', { rho: -0.1 }],
    ['negative eps', 'eps', { eps: -1e-6 }],
    ['negative weightDecay', 'weightDecay', { weightDecay: -0.1 }],
    ['string weightDecay', 'weightDecay', { weightDecay: '0.1' }],
    ['misspelt option', 'weight_decay', { weight_decay: 0.1 }],
  ];
  it.each(cases)('%s throws a DescentError naming %s', (_label, parameter, options) => {
    const error = errorOf(() => adadelta(options as never));
    expect(error.parameter).toBe(parameter);
    expect(error.message).toContain('adadelta: ');
    expect(error.message).toContain(parameter);
  });

  it('names the domain and the value', () => {
    expect(errorOf(() => adadelta({ rho: 1.1 })).message).toBe('adadelta: rho must be a finite number in [0, 1], got 1.1');
  });

  it('scaleByAdadelta validates its own options', () => {
    expect(errorOf(() => scaleByAdadelta({ rho: 2 })).parameter).toBe('rho');
    expect(errorOf(() => scaleByAdadelta({ eps: Number.NaN })).parameter).toBe('eps');
    expect(errorOf(() => scaleByAdadelta({ decay: 0.9 } as never)).parameter).toBe('decay');
  });
});
