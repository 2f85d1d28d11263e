/**
 * nadam and scaleByNadam: the public golden `nadam_fixed` runs in golden.test.ts; here a float64
 * oracle written from the spec (§2.9) in both variants — torch 1.13's single-tensor bug
 * (Π_next = Π·μ_t·μ_{t+1}, golden `nadam`, not a target) and the fixed formula (Π_next = Π·μ_{t+1},
 * torch ≥ 2.0, golden `nadam_fixed`) — is checked against both public goldens; the alias is shown
 * to follow the fixed one and not the bug; every Appendix A setting of `nadam_fixed` (hidden set:
 * wd_md) is checked against the oracle through every execution path; the alias against its
 * hand-written chain; schedules (μ_t and Π on the host) and bad input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Optimizer, chain } from '@descent/core';
import { addDecayedWeights, nadam, scaleByLearningRate, scaleByNadam } from '@descent/optim';
import { ATOL, type TensorOracle, entry, expectScheduleFailsAtStep, oracleTrajectory } from './adam-family.js';
import { expectRejected } from './descent-errors.js';
import { MODES, maxDeviation, trajectory } from './trajectory-modes.js';

type PerStep = number | ((step: number) => number);
interface Hyper {
  lr: PerStep;
  b1: PerStep;
  b2: number;
  eps: number;
  weightDecay: number;
  momentumDecay: PerStep;
}
const at = (x: PerStep, step: number) => (typeof x === 'function' ? x(step) : x);

/**
 * torch.optim.NAdam (spec §2.9) in float64; `bug` selects torch 1.13's single-tensor
 * Π_next = Π·μ_t·μ_{t+1}. Hyper-parameters may change per step (0-based step = t − 1), as when a
 * torch param group is edited between steps.
 */
function nadamOracle(h: Hyper, bug: boolean): TensorOracle {
  return (n) => {
    const m = new Array<number>(n).fill(0);
    const v = new Array<number>(n).fill(0);
    let muProduct = 1;
    return (theta, grad, t) => {
      const [lr, b1, psi] = [at(h.lr, t - 1), at(h.b1, t - 1), at(h.momentumDecay, t - 1)];
      const bc2 = 1 - h.b2 ** t;
      const mu = b1 * (1 - 0.5 * 0.96 ** (t * psi));
      const muNext = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi));
      muProduct *= mu;
      const muProductNext = bug ? muProduct * mu * muNext : muProduct * muNext;
      return theta.map((x, i) => {
        const g = (grad[i] as number) + h.weightDecay * x;
        m[i] = b1 * (m[i] as number) + (1 - b1) * g;
        v[i] = h.b2 * (v[i] as number) + (1 - h.b2) * g * g;
        const denom = Math.sqrt((v[i] as number) / bc2) + h.eps;
        const first = x - ((lr * (1 - mu)) / (1 - muProduct)) * (g / denom);
        return first - ((lr * muNext) / (1 - muProductNext)) * ((m[i] as number) / denom);
      });
    };
  };
}

// Appendix A: the settings of `nadam` / `nadam_fixed` (same hyper-parameters).
const SETTINGS: [string, Hyper][] = [
  ['defaults', { lr: 0.002, b1: 0.9, b2: 0.999, eps: 1e-8, weightDecay: 0, momentumDecay: 0.004 }],
  ['wd_md', { lr: 0.01, b1: 0.85, b2: 0.99, eps: 1e-8, weightDecay: 0.01, momentumDecay: 0.01 }],
];
const options = (h: Hyper) => ({
  learningRate: h.lr,
  b1: h.b1,
  b2: h.b2,
  eps: h.eps,
  weightDecay: h.weightDecay,
  momentumDecay: h.momentumDecay,
});
const DEFAULTS = (SETTINGS[0] as (typeof SETTINGS)[number])[1];

describe('nadam float64 oracle (spec §2.9)', () => {
  it.each(['defaults@gradseq', 'defaults@loss'])('the fixed formula reproduces golden nadam_fixed %s to 1e-12', (key) => {
    const e = entry('nadam_fixed', key);
    expect(maxDeviation(oracleTrajectory(nadamOracle(DEFAULTS, false), e), e.trajectory)).toBeLessThan(1e-12);
  });

  it.each(['defaults@gradseq', 'defaults@loss'])("torch 1.13's bug reproduces golden nadam %s to 1e-12", (key) => {
    const e = entry('nadam', key);
    expect(maxDeviation(oracleTrajectory(nadamOracle(DEFAULTS, true), e), e.trajectory)).toBeLessThan(1e-12);
  });
});

describe('nadam follows torch ≥ 2.0, not the torch 1.13 single-tensor bug', () => {
  it.each(['defaults@gradseq', 'defaults@loss'])('%s: within 1e-5 of nadam_fixed, more than 1e-5 from nadam', async (key) => {
    const fixed = entry('nadam_fixed', key);
    const buggy = entry('nadam', key);
    const got = await trajectory(() => nadam(options(DEFAULTS)), fixed, 'runner in place');
    expect(maxDeviation(got, fixed.trajectory)).toBeLessThan(ATOL);
    expect(maxDeviation(got, buggy.trajectory)).toBeGreaterThan(ATOL);
  });

  it('wd_md: more than 1e-5 from the bug, within 1e-5 of the fixed oracle', async () => {
    const e = entry('nadam_fixed', 'defaults@gradseq');
    const h = (SETTINGS[1] as (typeof SETTINGS)[number])[1];
    const got = await trajectory(() => nadam(options(h)), e, 'runner in place');
    expect(maxDeviation(got, oracleTrajectory(nadamOracle(h, false), e))).toBeLessThan(ATOL);
    expect(maxDeviation(got, oracleTrajectory(nadamOracle(h, true), e))).toBeGreaterThan(ATOL);
  });
});

describe.each(SETTINGS)('nadam setting %s against the float64 oracle (fixed)', (_setting, h) => {
  for (const problem of ['gradseq', 'loss']) {
    it.each(MODES)(`${problem}, %s: every step within ${ATOL}`, async (mode) => {
      const e = entry('nadam_fixed', `defaults@${problem}`);
      const before = tf.memory().numTensors;
      const got = await trajectory(() => nadam(options(h)), e, mode);
      expect(maxDeviation(got, oracleTrajectory(nadamOracle(h, false), e))).toBeLessThan(ATOL);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('nadam is its chain of building blocks', () => {
  it.each(SETTINGS)('%s: alias == chain(addDecayedWeights(λ), scaleByNadam, scaleByLearningRate(γ))', async (_s, h) => {
    const e = entry('nadam_fixed', 'defaults@gradseq');
    const core = () => scaleByNadam({ b1: h.b1, b2: h.b2, eps: h.eps, momentumDecay: h.momentumDecay });
    const byHand = () =>
      h.weightDecay === 0
        ? chain(core(), scaleByLearningRate(h.lr))
        : chain(addDecayedWeights(h.weightDecay), core(), scaleByLearningRate(h.lr));
    const a = await trajectory(() => nadam(options(h)), e, 'functional API');
    const b = await trajectory(byHand, e, 'functional API');
    expect(a).toEqual(b);
  });

  it('defaults are learningRate 2e-3, b1 0.9, b2 0.999, eps 1e-8, weightDecay 0, momentumDecay 4e-3', async () => {
    const e = entry('nadam_fixed', 'defaults@gradseq');
    const a = await trajectory(() => nadam(), e, 'functional API');
    const b = await trajectory(() => chain(scaleByNadam(), scaleByLearningRate(2e-3)), e, 'functional API');
    expect(a).toEqual(b);
    expect(maxDeviation(a, e.trajectory)).toBeLessThan(ATOL);
  });
});

describe('nadam schedules', () => {
  it('b1, momentumDecay and learning-rate schedules: μ_t and Π_t use each step’s values', async () => {
    const h: Hyper = {
      lr: (s) => 0.01 / (1 + 0.1 * s),
      b1: (s) => (s < 8 ? 0.9 : 0.8),
      b2: 0.99,
      eps: 1e-8,
      weightDecay: 0.01,
      momentumDecay: (s) => 0.004 * (1 + s),
    };
    for (const problem of ['gradseq', 'loss']) {
      const e = entry('nadam_fixed', `defaults@${problem}`);
      const got = await trajectory(() => nadam(options(h)), e, 'runner in place');
      expect(maxDeviation(got, oracleTrajectory(nadamOracle(h, false), e))).toBeLessThan(ATOL);
    }
  });

  it('one transformation driving two optimizers at different step counts keeps each Π_t right', async () => {
    const e = entry('nadam_fixed', 'defaults@gradseq');
    const h = (SETTINGS[1] as (typeof SETTINGS)[number])[1];
    const transform = nadam(options(h));
    const expected = oracleTrajectory(nadamOracle(h, false), e);
    const varsA = e.init.map((v, k) => tf.tidy(() => tf.variable(tf.tensor(v, e.shapes[k]))));
    const varsB = e.init.map((v, k) => tf.tidy(() => tf.variable(tf.tensor(v, e.shapes[k]))));
    const a = new Optimizer(transform, varsA);
    const b = new Optimizer(transform, varsB);
    const step = async (opt: Optimizer<unknown[]>, t: number) => {
      const g = (e.grads?.[t] as number[][]).map((x, k) => tf.tensor(x, e.shapes[k]));
      await opt.stepAsync(g);
      tf.dispose(g);
    };
    const read = (vars: tf.Variable[]) => Promise.all(vars.map(async (p) => Array.from(await p.data())));
    // A runs 10 steps ahead, then both alternate: B's counts are always behind A's.
    for (let t = 0; t < 10; t++) await step(a, t);
    for (let t = 0; t < 15; t++) {
      await step(b, t);
      await step(a, t + 10);
      expect(maxDeviation([await read(varsB)], [expected[t] as number[][]])).toBeLessThan(ATOL);
    }
    expect(maxDeviation([await read(varsA)], [expected[24] as number[][]])).toBeLessThan(ATOL);
    a.dispose();
    b.dispose();
    tf.dispose([varsA, varsB]);
  });

  it('a schedule returning NaN fails that step under the alias option name, before any change', async () => {
    await expectScheduleFailsAtStep((bad) => nadam({ learningRate: bad }), 0.01, 'nadam', 'learningRate');
    await expectScheduleFailsAtStep((bad) => nadam({ momentumDecay: bad }), 0.004, 'nadam', 'momentumDecay');
    await expectScheduleFailsAtStep((bad) => nadam({ b1: bad }), 0.9, 'nadam', 'b1');
  });
});

describe('nadam bad input', () => {
  it.each([
    ['learningRate', -1, '-1'],
    ['b1', 1, '1'],
    ['b1', -0.1, '-0.1'],
    ['b2', 1, '1'],
    ['eps', -1, '-1'],
    ['weightDecay', NaN, 'NaN'],
    ['momentumDecay', -0.004, '-0.004'],
    ['momentumDecay', Infinity, 'Infinity'],
  ])('nadam({ %s: %s }) throws a DescentError naming it', (name, value, shown) => {
    expectRejected(() => nadam({ [name]: value } as never), 'nadam', name, shown);
  });

  it.each([
    ['b1', 1, '1'],
    ['momentumDecay', -1, '-1'],
  ])('scaleByNadam({ %s: %s }) throws a DescentError naming it', (name, value, shown) => {
    expectRejected(() => scaleByNadam({ [name]: value } as never), 'scaleByNadam', name, shown);
  });

  it('rejects unknown options', () => {
    expectRejected(() => nadam({ decoupledWeightDecay: true } as never), 'nadam', 'decoupledWeightDecay');
    expectRejected(() => nadam({ momentum_decay: 0.004 } as never), 'nadam', 'momentum_decay');
  });
});
