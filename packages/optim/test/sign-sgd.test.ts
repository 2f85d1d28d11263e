/**
 * signSgd (signSGD / Signum) and scaleBySign: hand-computed steps from Bernstein et al. (2018),
 * Alg. 1 and 3, a float64 oracle on the golden gradient sequence, the alias against its
 * hand-written chain, schedules and bad input. There is no torch reference, hence no golden.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Optimizer, chain, treeDispose } from '@descent/core';
import { addDecayedWeights, scaleByLearningRate, scaleBySign, signSgd } from '@descent/optim';
import { type GoldenEntry, loadGolden } from './golden.js';
import { errorOf } from './descent-errors.js';
import { MODES, maxDeviation, trajectory, treeOracleTrajectory } from './trajectory-modes.js';

const golden = loadGolden(new URL('./fixtures/first-order.json', import.meta.url));
// Any entry's problem will do: signSgd reads only init, grads and the loss gradient.
const problems = golden.sgd as Record<string, GoldenEntry>;
const ATOL = 1e-5;

interface Hyper {
  lr: number;
  momentum: number;
  weightDecay: number;
}

/** Bernstein et al. (2018) Alg. 1 (β = 0) and Alg. 3 (Signum, m₀ = 0) in float64, with coupled L2. */
function signSgdOracle(h: Hyper, shapes: number[][]): (x: number[][], g: number[][]) => number[][] {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const m = shapes.map((s) => new Array<number>(size(s)).fill(0));
  return (x, g) =>
    x.map((xk, k) =>
      xk.map((xi, j) => {
        const mk = m[k] as number[];
        const gi = ((g[k] as number[])[j] as number) + h.weightDecay * xi;
        mk[j] = h.momentum * (mk[j] as number) + (1 - h.momentum) * gi;
        return xi - h.lr * Math.sign(mk[j] as number);
      }),
    );
}

const oracleTrajectory = (h: Hyper, e: GoldenEntry): number[][][] => treeOracleTrajectory(signSgdOracle(h, e.shapes), e);

const SETTINGS: [string, Hyper][] = [
  ['signSGD', { lr: 0.01, momentum: 0, weightDecay: 0 }],
  ['signSGD with weight decay', { lr: 0.02, momentum: 0, weightDecay: 0.1 }],
  ['Signum', { lr: 0.01, momentum: 0.9, weightDecay: 0 }],
  ['Signum with weight decay', { lr: 0.005, momentum: 0.5, weightDecay: 0.05 }],
];
const optionsOf = (h: Hyper) => ({ learningRate: h.lr, momentum: h.momentum, weightDecay: h.weightDecay });

describe.each(SETTINGS)('signSgd %s against the float64 oracle', (_name, h) => {
  it.each(MODES)(`gradseq, %s: every step within ${ATOL}`, async (mode) => {
    const e = problems['momentum@gradseq'] as GoldenEntry;
    const before = tf.memory().numTensors;
    const got = await trajectory(() => signSgd(optionsOf(h)), e, mode);
    expect(maxDeviation(got, oracleTrajectory(h, e))).toBeLessThan(ATOL);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('alias == chain(addDecayedWeights, scaleBySign, scaleByLearningRate)', async () => {
    const e = problems['momentum@gradseq'] as GoldenEntry;
    const byHand = () => chain(addDecayedWeights(h.weightDecay), scaleBySign({ decay: h.momentum }), scaleByLearningRate(h.lr));
    expect(await trajectory(() => signSgd(optionsOf(h)), e, 'functional API')).toEqual(await trajectory(byHand, e, 'functional API'));
  });
});

async function steps(opt: Optimizer<any>, p: tf.Variable, grads: number[][]): Promise<number[][]> {
  const out: number[][] = [];
  for (const g of grads) {
    const t = tf.tensor1d(g);
    await opt.stepAsync([t]);
    t.dispose();
    out.push(Array.from(await p.data()));
  }
  return out;
}

describe('signSgd hand-computed steps', () => {
  for (const inPlace of [true, false]) {
    it(`signSGD (Alg. 1): θ ← θ − γ sign(g), sign(0) = 0 (${inPlace ? 'in place' : 'functional'})`, async () => {
      // g1 = [1, −1, 0, 0.3] → θ1 = [0.4, −0.15, 2, −0.1]; g2 = [−2, −0.5, 0, 0] → θ2 = [0.5, −0.05, 2, −0.1]
      const p = tf.variable(tf.tensor1d([0.5, -0.25, 2, 0]));
      const opt = new Optimizer(signSgd({ learningRate: 0.1 }), [p], { inPlace });
      const got = await steps(opt, p, [[1, -1, 0, 0.3], [-2, -0.5, 0, 0]]);
      const expected = [[0.4, -0.15, 2, -0.1], [0.5, -0.05, 2, -0.1]];
      got.forEach((row, t) => row.forEach((x, i) => expect(x).toBeCloseTo((expected[t] as number[])[i] as number, 6)));
      // Coordinates with a zero gradient did not move at all.
      expect(got[1]?.[2]).toBe(2);
      opt.dispose();
      p.dispose();
    });
  }

  it('coupled weight decay enters before the sign', async () => {
    // θ0 = [0.5, −0.25, 2, 0], λ = 0.5, g = [1, −1, 0, 0.3]: g + λθ = [1.25, −1.125, 1, 0.3] → θ1 = [0.4, −0.15, 1.9, −0.1]
    const p = tf.variable(tf.tensor1d([0.5, -0.25, 2, 0]));
    const opt = new Optimizer(signSgd({ learningRate: 0.1, weightDecay: 0.5 }), [p]);
    const [row] = await steps(opt, p, [[1, -1, 0, 0.3]]);
    (row as number[]).forEach((x, i) => expect(x).toBeCloseTo([0.4, -0.15, 1.9, -0.1][i] as number, 6));
    opt.dispose();
    p.dispose();
  });

  it('Signum (Alg. 3): m ← βm + (1−β)g from m₀ = 0, θ ← θ − γ sign(m)', async () => {
    // β = 0.5, γ = 0.1, θ0 = [1, −1]:
    // m1 = [1, −0.25] → θ1 = [0.9, −0.9]; m2 = [−1, 0] → θ2 = [1.0, −0.9]; m3 = [−0.25, 0.5] → θ3 = [1.1, −1.0]
    // (a heavy-ball buffer b1 = g1 would give m2 = [−0.5, −0.125] and move the second coordinate.)
    for (const inPlace of [true, false]) {
      const p = tf.variable(tf.tensor1d([1, -1]));
      const opt = new Optimizer(signSgd({ learningRate: 0.1, momentum: 0.5 }), [p], { inPlace });
      const got = await steps(opt, p, [[2, -0.5], [-3, 0.25], [0.5, 1]]);
      const expected = [[0.9, -0.9], [1.0, -0.9], [1.1, -1.0]];
      got.forEach((row, t) => row.forEach((x, i) => expect(x).toBeCloseTo((expected[t] as number[])[i] as number, 6)));
      opt.dispose();
      p.dispose();
    }
  });

  it('plain signSGD keeps no state; Signum keeps one momentum slot', () => {
    const p = [tf.zeros([2])];
    const plain = scaleBySign().init(p);
    const signum = scaleBySign({ decay: 0.9 }).init(p);
    expect(Object.keys(plain.slots)).toEqual([]);
    expect(Object.keys(signum.slots)).toEqual(['momentum']);
    treeDispose([p, plain, signum]);
  });

  it('learningRate and momentum schedules are evaluated at the step count', async () => {
    // γ = 0.1·(count + 1), β = 0 then 0.5: g1 = 1 → m1 = 1, θ1 = −0.1; g2 = −3 → m2 = 0.5 − 1.5 = −1, θ2 = −0.1 + 0.2
    const p = tf.variable(tf.zeros([1]));
    const opt = new Optimizer(signSgd({ learningRate: (c) => 0.1 * (c + 1), momentum: (c) => (c === 0 ? 0 : 0.5) }), [p]);
    const got = await steps(opt, p, [[1], [-3]]);
    expect(got[0]?.[0]).toBeCloseTo(-0.1, 6);
    expect(got[1]?.[0]).toBeCloseTo(0.1, 6);
    opt.dispose();
    p.dispose();
  });

  it('a schedule returning NaN fails at that step, before any change', async () => {
    const p = tf.variable(tf.ones([2]));
    const opt = new Optimizer(signSgd({ learningRate: (s) => (s >= 1 ? Number.NaN : 0.1) }), [p]);
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

describe('signSgd validation', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['missing learning rate', 'learningRate', {}],
    ['negative learning rate', 'learningRate', { learningRate: -1 }],
    ['NaN learning rate', 'learningRate', { learningRate: Number.NaN }],
    ['momentum 1', 'momentum', { learningRate: 0.1, momentum: 1 }],
    ['negative momentum', 'momentum', { learningRate: 0.1, momentum: -0.5 }],
    ['negative weightDecay', 'weightDecay', { learningRate: 0.1, weightDecay: -0.1 }],
    ['misspelt option', 'beta', { learningRate: 0.1, beta: 0.9 }],
  ];
  it.each(cases)('%s throws a DescentError naming %s', (_label, parameter, options) => {
    const error = errorOf(() => signSgd(options as never));
    expect(error.parameter).toBe(parameter);
    expect(error.message).toContain('signSgd: ');
    expect(error.message).toContain(parameter);
  });

  it('rejects a missing options object', () => {
    expect(errorOf(() => signSgd(undefined as never)).parameter).toBe('options');
  });

  it('scaleBySign validates its own options', () => {
    expect(errorOf(() => scaleBySign({ decay: 1 })).parameter).toBe('decay');
    expect(errorOf(() => scaleBySign({ momentum: 0.9 } as never)).parameter).toBe('momentum');
  });
});
