/**
 * adamax and scaleByAdamax: the public golden runs in golden.test.ts; here a float64 oracle
 * written from the spec (§2.8: torch 1.13 `_single_tensor_adamax`, ε inside the maximum) is
 * checked against the public golden, then every Appendix A setting (hidden set: wd) through every
 * execution path; hand-computed steps; the alias against its hand-written chain; schedules and
 * bad input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Optimizer, chain } from '@descent/core';
import { adamax, addDecayedWeights, scaleByAdamax, scaleByLearningRate } from '@descent/optim';
import { ATOL, type TensorOracle, entry, expectScheduleFailsAtStep, oracleTrajectory } from './adam-family.js';
import { expectRejected } from './descent-errors.js';
import { MODES, maxDeviation, trajectory } from './trajectory-modes.js';

interface Hyper {
  lr: number;
  b1: number;
  b2: number;
  eps: number;
  weightDecay: number;
}

/** torch.optim.Adamax v1.13 (spec §2.8) in float64. */
function adamaxOracle(h: Hyper): TensorOracle {
  return (n) => {
    const m = new Array<number>(n).fill(0);
    const u = new Array<number>(n).fill(0);
    return (theta, grad, t) =>
      theta.map((x, i) => {
        const g = (grad[i] as number) + h.weightDecay * x;
        m[i] = h.b1 * (m[i] as number) + (1 - h.b1) * g;
        u[i] = Math.max(h.b2 * (u[i] as number), Math.abs(g) + h.eps); // eps INSIDE the max
        return x - (h.lr / (1 - h.b1 ** t)) * ((m[i] as number) / (u[i] as number));
      });
  };
}

// Appendix A: the settings of `adamax`.
const SETTINGS: [string, Hyper][] = [
  ['defaults', { lr: 0.002, b1: 0.9, b2: 0.999, eps: 1e-8, weightDecay: 0 }],
  ['wd', { lr: 0.01, b1: 0.8, b2: 0.9, eps: 1e-6, weightDecay: 0.05 }],
];
const options = (h: Hyper) => ({ learningRate: h.lr, b1: h.b1, b2: h.b2, eps: h.eps, weightDecay: h.weightDecay });

describe('adamax float64 oracle (spec §2.8)', () => {
  it.each(['defaults@gradseq', 'defaults@loss'])('reproduces the torch golden adamax %s to 1e-12', (key) => {
    const e = entry('adamax', key);
    expect(maxDeviation(oracleTrajectory(adamaxOracle((SETTINGS[0] as (typeof SETTINGS)[number])[1]), e), e.trajectory)).toBeLessThan(1e-12);
  });
});

describe.each(SETTINGS)('adamax setting %s against the float64 oracle', (_setting, h) => {
  for (const problem of ['gradseq', 'loss']) {
    it.each(MODES)(`${problem}, %s: every step within ${ATOL}`, async (mode) => {
      const e = entry('adamax', `defaults@${problem}`);
      const before = tf.memory().numTensors;
      const got = await trajectory(() => adamax(options(h)), e, mode);
      expect(maxDeviation(got, oracleTrajectory(adamaxOracle(h), e))).toBeLessThan(ATOL);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('adamax hand-computed steps', () => {
  it('puts eps inside the maximum (torch), not after it (tfjs/optax)', async () => {
    // lr 1, b1 = b2 = 0.5, eps 0.25, g = 0.5 then 0.1:
    // step 1: m = 0.25, u = max(0, 0.75) = 0.75, θ = −(1/0.5)·0.25/0.75 = −2/3
    // step 2: m = 0.175, u = max(0.375, 0.35) = 0.375, θ = −2/3 − (1/0.75)·0.175/0.375
    // (ε after the maximum would give u = 0.25 and 0.175/(0.25 + 0.25) instead).
    const p = tf.tidy(() => tf.variable(tf.zeros([1])));
    const opt = new Optimizer(adamax({ learningRate: 1, b1: 0.5, b2: 0.5, eps: 0.25 }), [p]);
    const g1 = tf.tensor1d([0.5]);
    const g2 = tf.tensor1d([0.1]);
    await opt.stepAsync([g1]);
    expect((await p.data())[0]).toBeCloseTo(-2 / 3, 6);
    await opt.stepAsync([g2]);
    expect((await p.data())[0]).toBeCloseTo(-2 / 3 - 0.175 / 0.375 / 0.75, 6);
    tf.dispose([g1, g2]);
    opt.dispose();
    p.dispose();
  });
});

describe('adamax is its chain of building blocks', () => {
  it.each(SETTINGS)('%s: alias == chain(addDecayedWeights(λ), scaleByAdamax, scaleByLearningRate(γ))', async (_s, h) => {
    const e = entry('adamax', 'defaults@gradseq');
    const core = () => scaleByAdamax({ b1: h.b1, b2: h.b2, eps: h.eps });
    const byHand = () =>
      h.weightDecay === 0
        ? chain(core(), scaleByLearningRate(h.lr))
        : chain(addDecayedWeights(h.weightDecay), core(), scaleByLearningRate(h.lr));
    const a = await trajectory(() => adamax(options(h)), e, 'functional API');
    const b = await trajectory(byHand, e, 'functional API');
    expect(a).toEqual(b);
  });

  it('defaults are learningRate 2e-3, b1 0.9, b2 0.999, eps 1e-8, weightDecay 0 (torch Adamax)', async () => {
    const e = entry('adamax', 'defaults@gradseq');
    const a = await trajectory(() => adamax(), e, 'functional API');
    const b = await trajectory(() => chain(scaleByAdamax(), scaleByLearningRate(2e-3)), e, 'functional API');
    expect(a).toEqual(b);
    expect(maxDeviation(a, e.trajectory)).toBeLessThan(ATOL);
  });
});

describe('adamax schedules and bad input', () => {
  it('a schedule returning NaN fails that step under the alias option name, before any change', async () => {
    await expectScheduleFailsAtStep((bad) => adamax({ learningRate: bad }), 0.01, 'adamax', 'learningRate');
    await expectScheduleFailsAtStep((bad) => adamax({ eps: bad }), 1e-8, 'adamax', 'eps');
  });

  it.each([
    ['learningRate', -1, '-1'],
    ['b1', 1, '1'],
    ['b2', -0.1, '-0.1'],
    ['b2', NaN, 'NaN'],
    ['eps', -1e-8, '-1e-8'],
    ['weightDecay', -1, '-1'],
  ])('adamax({ %s: %s }) throws a DescentError naming it', (name, value, shown) => {
    expectRejected(() => adamax({ [name]: value } as never), 'adamax', name, shown);
  });

  it.each([
    ['b1', 1, '1'],
    ['b2', 2, '2'],
    ['eps', -1, '-1'],
  ])('scaleByAdamax({ %s: %s }) throws a DescentError naming it', (name, value, shown) => {
    expectRejected(() => scaleByAdamax({ [name]: value } as never), 'scaleByAdamax', name, shown);
  });

  it('rejects unknown options', () => {
    expectRejected(() => adamax({ decay: 0.1 } as never), 'adamax', 'decay');
    expectRejected(() => scaleByAdamax({ epsRoot: 0 } as never), 'scaleByAdamax', 'epsRoot');
  });
});
