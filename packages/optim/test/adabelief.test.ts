/**
 * AdaBelief (`adabelief`, `scaleByBelief`): a float64 oracle written from the spec
 * (`shared/specs/first-order.md` §4.2, `adabelief_pytorch` 0.2.1) checks every Appendix A setting
 * the public golden file does not carry; the rectified branches (SGD or no step while ρ_t < 5),
 * the in-state eps and the unused AMSGrad maximum under rectification; the alias equals its
 * chains; bad options throw; memory stays flat.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, type GradientTransformation, Optimizer, type Tree, chain, treeDispose } from '@descent/core';
import { adabelief, addDecayedWeights, scaleByBelief, scaleByLearningRate } from '@descent/optim';
import { type GoldenEntry, loadGolden } from './golden.js';
import { deviations, gradseqProblem, twoPathTrajectory } from './trajectory-modes.js';

const golden = loadGolden(new URL('./fixtures/first-order.json', import.meta.url));
const ATOL = 1e-5;

interface BeliefHyper {
  lr: number;
  b1: number;
  b2: number;
  eps: number;
  wd: number;
  amsgrad: boolean;
  weightDecouple: boolean;
  rectify: boolean;
  fixedDecay: boolean;
  degeneratedToSgd: boolean;
}

/**
 * Float64 oracle, line by line from spec §4.2 (AdaBelief.py 0.2.1 L175–238): weight decay first
 * (decoupled θ(1 − γλ), fixed θ(1 − λ), or coupled g + λθ), m, s with the NEW m, s += eps in the
 * state, the AMSGrad max of s, then the un-rectified or rectified step (ρ_t ≥ 5).
 */
function adabeliefOracle(h: BeliefHyper, init: number[][], grads: number[][][]): number[][][] {
  const theta = init.map((a) => a.slice());
  const m = init.map((a) => a.map(() => 0));
  const s = init.map((a) => a.map(() => 0));
  const sMax = init.map((a) => a.map(() => 0));
  const out: number[][][] = [];
  grads.forEach((g, i) => {
    const t = i + 1;
    const bc1 = 1 - h.b1 ** t;
    const bc2 = 1 - h.b2 ** t;
    const rhoInf = 2 / (1 - h.b2) - 1;
    const rhoT = rhoInf - (2 * t * h.b2 ** t) / (1 - h.b2 ** t);
    theta.forEach((leaf, k) => {
      const mk = m[k] as number[], sk = s[k] as number[], xk = sMax[k] as number[];
      for (let j = 0; j < leaf.length; j++) {
        let gi = (g[k] as number[])[j] as number;
        if (h.weightDecouple) leaf[j] = (leaf[j] as number) * (h.fixedDecay ? 1 - h.wd : 1 - h.lr * h.wd);
        else if (h.wd !== 0) gi = gi + h.wd * (leaf[j] as number);
        mk[j] = h.b1 * (mk[j] as number) + (1 - h.b1) * gi;
        const r = gi - (mk[j] as number);
        sk[j] = h.b2 * (sk[j] as number) + (1 - h.b2) * r * r;
        sk[j] = (sk[j] as number) + h.eps;
        let denom: number;
        if (h.amsgrad) {
          xk[j] = Math.max(xk[j] as number, sk[j] as number);
          denom = Math.sqrt(xk[j] as number) / Math.sqrt(bc2) + h.eps;
        } else {
          denom = Math.sqrt(sk[j] as number) / Math.sqrt(bc2) + h.eps;
        }
        if (!h.rectify) {
          leaf[j] = (leaf[j] as number) - ((h.lr / bc1) * (mk[j] as number)) / denom;
        } else if (rhoT >= 5) {
          const k2 = Math.sqrt(((((1 - h.b2 ** t) * (rhoT - 4)) / (rhoInf - 4)) * (rhoT - 2) / rhoT) * rhoInf / (rhoInf - 2)) / bc1;
          leaf[j] = (leaf[j] as number) - (k2 * h.lr * (mk[j] as number)) / (Math.sqrt(sk[j] as number) + h.eps);
        } else if (h.degeneratedToSgd) {
          leaf[j] = (leaf[j] as number) - (h.lr / bc1) * (mk[j] as number);
        }
      }
    });
    out.push(theta.map((a) => a.slice()));
  });
  return out;
}

const DEFAULTS: BeliefHyper = {
  lr: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-16, wd: 0, amsgrad: false, weightDecouple: true, rectify: true, fixedDecay: false, degeneratedToSgd: true,
};

const optionsOf = (h: BeliefHyper) => ({
  learningRate: h.lr, b1: h.b1, b2: h.b2, eps: h.eps, weightDecay: h.wd, amsgrad: h.amsgrad,
  weightDecouple: h.weightDecouple, rectify: h.rectify, fixedDecay: h.fixedDecay, degeneratedToSgd: h.degeneratedToSgd,
});

describe('adabelief: float64 spec oracle', () => {
  const entry = golden.adabelief?.['defaults@gradseq'] as GoldenEntry;
  const problem = gradseqProblem(entry);
  const grads = entry.grads as number[][][];

  it('the oracle reproduces the public golden trajectory (so it transcribes the reference)', () => {
    deviations(adabeliefOracle(DEFAULTS, entry.init, grads), entry.trajectory).forEach((d, t) => expect(d, `step ${t + 1}`).toBeLessThan(1e-12));
  });

  // Appendix A settings that only the hidden set carries, run on the public init/gradseq data,
  // plus the remaining combinations of the switches (amsgrad under rectification, fixed decay
  // with SGD steps, coupled L2 under rectification).
  const settings: [string, BeliefHyper][] = [
    ['no_rectify_l2 (hidden)', { ...DEFAULTS, lr: 0.01, eps: 1e-8, wd: 0.01, weightDecouple: false, rectify: false }],
    ['amsgrad_decoupled (hidden)', { ...DEFAULTS, lr: 0.01, b2: 0.9, eps: 1e-12, wd: 0.1, amsgrad: true, rectify: false }],
    ['rectify_fixed_decay_nosgd (hidden)', { ...DEFAULTS, lr: 0.01, b2: 0.99, eps: 1e-10, wd: 0.001, fixedDecay: true, degeneratedToSgd: false }],
    ['amsgrad + rectify (max kept, unused)', { ...DEFAULTS, lr: 0.01, b2: 0.99, eps: 1e-8, wd: 0.05, amsgrad: true }],
    ['fixed decay + SGD branch', { ...DEFAULTS, lr: 0.01, b2: 0.99, wd: 0.01, fixedDecay: true }],
    ['coupled L2 + rectify', { ...DEFAULTS, lr: 0.01, b2: 0.99, eps: 1e-8, wd: 0.02, weightDecouple: false }],
    ['coupled L2 ignores fixedDecay', { ...DEFAULTS, lr: 0.01, eps: 1e-8, wd: 0.02, weightDecouple: false, fixedDecay: true, rectify: false }],
  ];
  for (const [label, h] of settings) {
    for (const mode of ['functional', 'runner'] as const) {
      it(`${label} (${mode}): every step within 1e-5 of the oracle`, async () => {
        const devs = deviations(await twoPathTrajectory(adabelief(optionsOf(h)), problem, mode), adabeliefOracle(h, entry.init, grads));
        devs.forEach((d, t) => expect(d, `step ${t + 1}`).toBeLessThan(ATOL));
      });
    }
  }

  it('degeneratedToSgd false: no parameter change while ρ_t < 5 (β2 = 0.999: steps 1–5), then adaptive steps', async () => {
    const got = await twoPathTrajectory(adabelief({ learningRate: 0.01, degeneratedToSgd: false }), problem, 'runner');
    const init = entry.init.map((a) => Array.from(new Float32Array(a)));
    for (let t = 0; t < 5; t++) expect(got[t], `step ${t + 1}`).toEqual(init);
    expect(deviations([got[5] as number[][]], [init])[0]).toBeGreaterThan(1e-4);
  });

  it('degeneratedToSgd true: steps 1–5 are θ −= γ m/(1 − β1^t), no eps anywhere', async () => {
    const got = await twoPathTrajectory(adabelief({ learningRate: 0.01 }), problem, 'runner');
    const theta = entry.init.map((a) => a.slice());
    const m = theta.map((a) => a.map(() => 0));
    for (let t = 1; t <= 5; t++) {
      theta.forEach((leaf, k) => {
        const mk = m[k] as number[];
        for (let j = 0; j < leaf.length; j++) {
          mk[j] = 0.9 * (mk[j] as number) + 0.1 * ((grads[t - 1]?.[k] as number[])[j] as number);
          leaf[j] = (leaf[j] as number) - (0.01 / (1 - 0.9 ** t)) * (mk[j] as number);
        }
      });
      expect(deviations([got[t - 1] as number[][]], [theta])[0], `step ${t}`).toBeLessThan(ATOL);
    }
  });
});

describe('scaleByBelief state', () => {
  it('eps is added to s in the state every step; s uses (g − m_new)²', async () => {
    const g1 = tf.tensor1d([1, -2]);
    const g2 = tf.tensor1d([0.5, 0.5]);
    const t = scaleByBelief({ b1: 0.5, b2: 0.75, eps: 0.01, rectify: false });
    const s0 = t.init([tf.zeros([2])]);
    const o1 = t.update([g1], s0);
    const o2 = t.update([g2], o1.state);
    const nu = await ((o2.state.slots as Record<string, tf.Tensor[]>).nu?.[0] as tf.Tensor).data();
    [[1, 0.5], [-2, 0.5]].forEach(([a, b], i) => {
      const m1 = 0.5 * (a as number);
      const s1 = 0.25 * ((a as number) - m1) ** 2 + 0.01;
      const m2 = 0.5 * m1 + 0.5 * (b as number);
      const s2 = 0.75 * s1 + 0.25 * ((b as number) - m2) ** 2 + 0.01;
      expect(nu[i]).toBeCloseTo(s2, 6);
    });
    treeDispose([g1, g2, s0 as Tree<unknown>, o1 as unknown as Tree<unknown>, o2 as unknown as Tree<unknown>]);
  });

  it('amsgrad with rectify keeps the maximum up to date but steps exactly as without it', async () => {
    const entry = golden.adabelief?.['defaults@gradseq'] as GoldenEntry;
    const a = await twoPathTrajectory(adabelief({ learningRate: 0.01, b2: 0.99, amsgrad: true }), gradseqProblem(entry), 'functional');
    const b = await twoPathTrajectory(adabelief({ learningRate: 0.01, b2: 0.99, amsgrad: false }), gradseqProblem(entry), 'functional');
    expect(a).toEqual(b);
    const t = scaleByBelief({ amsgrad: true, b2: 0.5, eps: 0 });
    const s0 = t.init([tf.zeros([1])]);
    const big = tf.tensor1d([4]);
    const small = tf.tensor1d([0]);
    const o1 = t.update([big], s0);
    const o2 = t.update([small], o1.state);
    const slots = o2.state.slots as Record<string, tf.Tensor[]>;
    const nu = (await (slots.nu?.[0] as tf.Tensor).data())[0] as number;
    const nuMax = (await (slots.nuMax?.[0] as tf.Tensor).data())[0] as number;
    // s1 = 0.5·(4 − 0.4)² = 6.48; m2 = 0.36, s2 = 0.5·6.48 + 0.5·0.36² = 3.3048; the max stays 6.48.
    expect(nu).toBeCloseTo(3.3048, 4);
    expect(nuMax).toBeCloseTo(6.48, 4);
    treeDispose([big, small, s0 as Tree<unknown>, o1 as unknown as Tree<unknown>, o2 as unknown as Tree<unknown>]);
  });
});

describe('adabelief equals its chains of building blocks', () => {
  const entry = golden.adabelief?.['defaults@gradseq'] as GoldenEntry;
  const problem = gradseqProblem(entry);
  const belief = { b1: 0.85, b2: 0.99, eps: 1e-10, amsgrad: true, rectify: false, degeneratedToSgd: true };
  const base = { learningRate: 0.01, b1: 0.85, b2: 0.99, eps: 1e-10, weightDecay: 0.05, amsgrad: true, rectify: false };
  const cases: [string, Parameters<typeof adabelief>[0], () => GradientTransformation<any>][] = [
    ['decoupled', { ...base }, () => chain(scaleByBelief(belief), addDecayedWeights(0.05), scaleByLearningRate(0.01))],
    [
      'fixed decay',
      { ...base, fixedDecay: true },
      () => chain(scaleByBelief(belief), scaleByLearningRate(0.01, { flipSign: false }), addDecayedWeights(0.05), scaleByLearningRate(1)),
    ],
    ['coupled L2', { ...base, weightDecouple: false }, () => chain(addDecayedWeights(0.05), scaleByBelief(belief), scaleByLearningRate(0.01))],
  ];
  for (const [label, options, byHand] of cases) {
    it(`${label}: the alias gives the same numbers as the chain written out`, async () => {
      expect(await twoPathTrajectory(adabelief(options), problem, 'functional')).toEqual(await twoPathTrajectory(byHand(), problem, 'functional'));
    });
  }

  it('defaults: learningRate 1e-3, b1 0.9, b2 0.999, eps 1e-16, weightDecay 0, rectify, decoupled, SGD steps', async () => {
    const a = await twoPathTrajectory(adabelief(), problem, 'runner');
    const b = await twoPathTrajectory(adabelief(optionsOf(DEFAULTS)), problem, 'runner');
    expect(a).toEqual(b);
    deviations(a, entry.trajectory).forEach((d, t) => expect(d, `step ${t + 1}`).toBeLessThan(ATOL));
  });
});

describe('adabelief: bad input', () => {
  const cases: [string, () => unknown, string, RegExp][] = [
    ['negative learningRate', () => adabelief({ learningRate: -1 }), 'learningRate', /adabelief: learningRate must be a finite number >= 0, got -1/],
    ['Infinity learningRate', () => adabelief({ learningRate: Infinity }), 'learningRate', /learningRate must be a finite number >= 0, got Infinity/],
    ['b1 = 1', () => adabelief({ b1: 1 }), 'b1', /adabelief: b1 must be a finite number in \[0, 1\), got 1/],
    ['b2 NaN', () => adabelief({ b2: Number.NaN }), 'b2', /adabelief: b2 must be a finite number in \[0, 1\), got NaN/],
    ['negative eps', () => adabelief({ eps: -1 }), 'eps', /adabelief: eps must be a finite number >= 0, got -1/],
    ['negative weightDecay', () => adabelief({ weightDecay: -0.01 }), 'weightDecay', /adabelief: weightDecay must be a finite number >= 0/],
    ['amsgrad not boolean', () => adabelief({ amsgrad: 1 as never }), 'amsgrad', /adabelief: amsgrad must be a boolean, got 1/],
    ['weightDecouple not boolean', () => adabelief({ weightDecouple: 'yes' as never }), 'weightDecouple', /weightDecouple must be a boolean, got 'yes'/],
    ['fixedDecay not boolean', () => adabelief({ fixedDecay: 1 as never }), 'fixedDecay', /fixedDecay must be a boolean, got 1/],
    ['rectify not boolean', () => adabelief({ rectify: 0 as never }), 'rectify', /rectify must be a boolean, got 0/],
    ['degeneratedToSgd not boolean', () => adabelief({ degeneratedToSgd: 'no' as never }), 'degeneratedToSgd', /degeneratedToSgd must be a boolean/],
    ['unknown option (snake_case)', () => adabelief({ weight_decouple: true } as never), 'weight_decouple', /adabelief: unknown option 'weight_decouple'/],
    ['scaleByBelief b2', () => scaleByBelief({ b2: 1 }), 'b2', /scaleByBelief: b2 must be a finite number in \[0, 1\), got 1/],
    ['scaleByBelief unknown', () => scaleByBelief({ weightDecay: 0 } as never), 'weightDecay', /scaleByBelief: unknown option 'weightDecay'/],
  ];
  for (const [label, call, parameter, message] of cases) {
    it(`${label} → DescentError naming '${parameter}'`, () => {
      let caught: unknown;
      try {
        call();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(DescentError);
      expect((caught as DescentError).parameter).toBe(parameter);
      expect((caught as DescentError).message).toMatch(message);
    });
  }

  it('a weightDecay schedule returning a negative value fails at that step, before params change', async () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const opt = new Optimizer(adabelief({ learningRate: 0.1, weightDecay: (s) => (s < 1 ? 0.1 : -1) }), [w]);
    const g = tf.tensor1d([0.5, -0.5]);
    await opt.stepAsync([g]);
    const before = Array.from(await w.data());
    await expect(opt.stepAsync([g])).rejects.toThrow(/adabelief: weightDecay\(step 1\) must be a finite number >= 0, got -1/);
    expect(Array.from(await w.data())).toEqual(before);
    opt.dispose();
    treeDispose([w, g]);
  });
});

describe('adabelief: memory', () => {
  for (const amsgrad of [false, true]) {
    for (const inPlace of [true, false]) {
      it(`tf.memory().numTensors stays flat across runner steps (amsgrad ${amsgrad}, inPlace ${inPlace})`, async () => {
        const vars = [tf.variable(tf.randomNormal([4, 5], 0, 1, 'float32', 1)), tf.variable(tf.randomNormal([7], 0, 1, 'float32', 2))];
        const opt = new Optimizer(adabelief({ learningRate: 0.01, weightDecay: 0.01, amsgrad, rectify: !amsgrad }), vars, { inPlace });
        const grads = vars.map((v, k) => tf.randomNormal(v.shape, 0, 1, 'float32', 10 + k));
        await opt.stepAsync(grads);
        const baseline = tf.memory().numTensors;
        for (let i = 0; i < 20; i++) {
          await opt.stepAsync(grads);
          expect(tf.memory().numTensors).toBe(baseline);
        }
        opt.dispose();
        treeDispose([vars, grads]);
      });
    }
  }
});
