/**
 * adamw (with AMSGrad): the public golden runs in golden.test.ts; here a float64 oracle written
 * from the spec (§2.6, §2.7: torch 1.13 `_single_tensor_adamw`, decay θ(1 − γλ) first, then the
 * Adam step) is checked against the public golden, then every Appendix A setting of `adamw` and of
 * `amsgrad` with impl "adamw" (hidden set: wd_big, adamw_amsgrad) through every execution path;
 * the alias against its hand-written chain; schedules and bad input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { chain } from '@descent/core';
import { adam, adamw, addDecayedWeights, scaleByAdam, scaleByLearningRate } from '@descent/optim';
import { ATOL, type TensorOracle, entry, expectScheduleFailsAtStep, oracleTrajectory } from './adam-family.js';
import { expectRejected } from './descent-errors.js';
import { MODES, maxDeviation, trajectory } from './trajectory-modes.js';

interface Hyper {
  lr: number;
  b1: number;
  b2: number;
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
}

/** torch.optim.AdamW v1.13 (spec §2.6/§2.7) in float64. */
function adamwOracle(h: Hyper): TensorOracle {
  return (n) => {
    const m = new Array<number>(n).fill(0);
    const v = new Array<number>(n).fill(0);
    const vmax = new Array<number>(n).fill(0);
    return (theta, grad, t) => {
      const bc1 = 1 - h.b1 ** t;
      const bc2 = 1 - h.b2 ** t;
      return theta.map((x, i) => {
        const g = grad[i] as number; // the gradient is NOT modified
        const decayed = x * (1 - h.lr * h.weightDecay); // param.mul_(1 - lr * weight_decay) first
        m[i] = h.b1 * (m[i] as number) + (1 - h.b1) * g;
        v[i] = h.b2 * (v[i] as number) + (1 - h.b2) * g * g;
        let denom: number;
        if (h.amsgrad) {
          vmax[i] = Math.max(vmax[i] as number, v[i] as number);
          denom = Math.sqrt(vmax[i] as number) / Math.sqrt(bc2) + h.eps;
        } else {
          denom = Math.sqrt(v[i] as number) / Math.sqrt(bc2) + h.eps;
        }
        return decayed - (h.lr / bc1) * ((m[i] as number) / denom);
      });
    };
  };
}

// Appendix A: the settings of `adamw` and of `amsgrad` with impl "adamw".
const SETTINGS: [string, string, Hyper][] = [
  ['adamw', 'defaults', { lr: 0.001, b1: 0.9, b2: 0.999, eps: 1e-8, weightDecay: 0.01, amsgrad: false }],
  ['adamw', 'wd_big', { lr: 0.01, b1: 0.9, b2: 0.95, eps: 1e-6, weightDecay: 0.1, amsgrad: false }],
  ['amsgrad', 'adamw_amsgrad', { lr: 0.02, b1: 0.85, b2: 0.95, eps: 1e-8, weightDecay: 0.1, amsgrad: true }],
];
const options = (h: Hyper) => ({ learningRate: h.lr, b1: h.b1, b2: h.b2, eps: h.eps, weightDecay: h.weightDecay, amsgrad: h.amsgrad });
/** The public entry whose problem (init, grads) a setting is replayed on. */
const problemKey = (optimizer: string, problem: string) => `${optimizer === 'adamw' ? 'defaults' : 'adam_amsgrad'}@${problem}`;

describe('adamw float64 oracle (spec §2.6)', () => {
  it.each(['defaults@gradseq', 'defaults@loss'])('reproduces the torch golden adamw %s to 1e-12', (key) => {
    const e = entry('adamw', key);
    expect(maxDeviation(oracleTrajectory(adamwOracle((SETTINGS[0] as (typeof SETTINGS)[number])[2]), e), e.trajectory)).toBeLessThan(1e-12);
  });

  it('decoupled decay is not coupled L2: adam with the same weightDecay is far from the golden', async () => {
    const e = entry('adamw', 'defaults@gradseq');
    const h = (SETTINGS[1] as (typeof SETTINGS)[number])[2];
    const coupled = await trajectory(() => adam(options(h)), e, 'runner in place');
    expect(maxDeviation(coupled, oracleTrajectory(adamwOracle(h), e))).toBeGreaterThan(1e-4);
  });
});

describe.each(SETTINGS)('%s setting %s against the float64 oracle', (optimizer, _setting, h) => {
  for (const problem of ['gradseq', 'loss']) {
    it.each(MODES)(`${problem}, %s: every step within ${ATOL}`, async (mode) => {
      const e = entry(optimizer, problemKey(optimizer, problem));
      const before = tf.memory().numTensors;
      const got = await trajectory(() => adamw(options(h)), e, mode);
      expect(maxDeviation(got, oracleTrajectory(adamwOracle(h), e))).toBeLessThan(ATOL);
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('adamw is its chain of building blocks', () => {
  it.each(SETTINGS)('%s %s: alias == chain(scaleByAdam, addDecayedWeights(λ), scaleByLearningRate(γ))', async (optimizer, _s, h) => {
    const e = entry(optimizer, problemKey(optimizer, 'gradseq'));
    const byHand = () =>
      chain(scaleByAdam({ b1: h.b1, b2: h.b2, eps: h.eps, amsgrad: h.amsgrad }), addDecayedWeights(h.weightDecay), scaleByLearningRate(h.lr));
    const a = await trajectory(() => adamw(options(h)), e, 'functional API');
    const b = await trajectory(byHand, e, 'functional API');
    expect(a).toEqual(b);
  });

  it('the default weightDecay is 1e-2 (torch AdamW) and weightDecay 0 is adam', async () => {
    const e = entry('adamw', 'defaults@gradseq');
    const a = await trajectory(() => adamw(), e, 'functional API');
    const b = await trajectory(() => adamw({ weightDecay: 0.01 }), e, 'functional API');
    expect(a).toEqual(b);
    expect(maxDeviation(a, e.trajectory)).toBeLessThan(ATOL);
    const c = await trajectory(() => adamw({ weightDecay: 0 }), e, 'functional API');
    const d = await trajectory(() => adam(), e, 'functional API');
    expect(c).toEqual(d);
  });
});

describe('adamw with schedules', () => {
  it('learning rate and weight decay schedules: θ(1 − γ_t λ_t) − γ_t · adam step', async () => {
    const e = entry('adamw', 'defaults@gradseq');
    const lr = (step: number) => 0.01 * 0.9 ** step;
    const wd = (step: number) => (step < 10 ? 0.1 : 0.05);
    const got = await trajectory(() => adamw({ learningRate: lr, weightDecay: wd, b2: 0.95 }), e, 'runner in place');
    // Spec §2.6 in float64 with the hyper-parameters of each step (0-based step = t − 1).
    const rows: number[][][] = [];
    let x = e.init.map((v) => [...v]);
    const m = e.init.map((v) => new Array<number>(v.length).fill(0));
    const v2 = e.init.map((v) => new Array<number>(v.length).fill(0));
    for (let t = 1; t <= e.steps; t++) {
      const g = e.grads?.[t - 1] as number[][];
      const [gamma, b1, b2, eps] = [lr(t - 1), 0.9, 0.95, 1e-8];
      x = x.map((xk, k) =>
        xk.map((xi, i) => {
          const gi = (g[k] as number[])[i] as number;
          const mk = m[k] as number[];
          const vk = v2[k] as number[];
          mk[i] = b1 * (mk[i] as number) + (1 - b1) * gi;
          vk[i] = b2 * (vk[i] as number) + (1 - b2) * gi * gi;
          const denom = Math.sqrt(vk[i] as number) / Math.sqrt(1 - b2 ** t) + eps;
          return xi * (1 - gamma * wd(t - 1)) - (gamma / (1 - b1 ** t)) * ((mk[i] as number) / denom);
        }),
      );
      rows.push(x);
    }
    expect(maxDeviation(got, rows)).toBeLessThan(ATOL);
  });

  it('a schedule returning NaN fails that step under the alias option name, before any change', async () => {
    await expectScheduleFailsAtStep((bad) => adamw({ learningRate: bad }), 0.01, 'adamw', 'learningRate');
    await expectScheduleFailsAtStep((bad) => adamw({ weightDecay: bad }), 0.1, 'adamw', 'weightDecay');
    await expectScheduleFailsAtStep((bad) => adamw({ b2: bad }), 0.99, 'adamw', 'b2');
  });
});

describe('adamw bad input', () => {
  it.each([
    ['learningRate', -1, '-1'],
    ['learningRate', NaN, 'NaN'],
    ['b1', 1, '1'],
    ['b1', -0.5, '-0.5'],
    ['b2', 1.5, '1.5'],
    ['eps', -1, '-1'],
    ['weightDecay', -0.01, '-0.01'],
    ['weightDecay', Infinity, 'Infinity'],
    ['amsgrad', 'true', "'true'"],
  ])('adamw({ %s: %s }) throws a DescentError naming it', (name, value, shown) => {
    expectRejected(() => adamw({ [name]: value } as never), 'adamw', name, shown);
  });

  it('rejects unknown options and non-objects', () => {
    expectRejected(() => adamw({ decoupled: true } as never), 'adamw', 'decoupled');
    expectRejected(() => adamw('fast' as never), 'adamw', 'options', "'fast'");
  });
});
