/**
 * scheduleFreeSgd, scheduleFreeAdamw and scheduleFreeEvalParams (Defazio et al. 2024; spec
 * constrained-schedules.md B9; facebookresearch/schedule_free `sgd_schedulefree_reference.py`,
 * `adamw_schedulefree_reference.py`): hand-computed first steps, a float64 transcription of the
 * references (warm-up, weight decay, schedules) over 25 steps, β = 0 as Polyak–Ruppert averaging
 * of SGD, convergence on a quadratic, evaluation parameters, fusion, memory and bad input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  type GradientTransformation,
  Optimizer,
  type Params,
  type Tree,
  applyUpdates,
  setFusedKernels,
  treeDispose,
  treeLeaves,
} from '@descent/core';
import { scheduleFreeAdamw, scheduleFreeEvalParams, scheduleFreeSgd } from '@descent/optim';
import { type GoldenEntry, loadGolden } from './golden.js';
import { errorOf } from './descent-errors.js';
import { type Mode, MODES, maxDeviation } from './trajectory-modes.js';

const golden = loadGolden(new URL('./fixtures/first-order.json', import.meta.url));
// Inputs only (shapes, init, a gradient sequence): there are no schedule-free goldens.
const inputs = (golden.adam as Record<string, GoldenEntry>)['defaults@gradseq'] as GoldenEntry;
const ATOL = 1e-5;

interface Hyper {
  kind: 'sgd' | 'adamw';
  lr: number | ((k: number) => number);
  beta: number; // momentum (SGD) or b1 (AdamW)
  b2: number;
  eps: number;
  weightDecay: number;
  warmupSteps: number;
  r: number;
  weightLrPower: number;
}

// ---------------------------------------------------------------------------------------------
// float64 transcription of the references' step()

/** One closure per run: `step(g)` returns y after the step; `x()` the current average. */
function scheduleFreeOracle(h: Hyper, init: number[][]) {
  let k = 0;
  let lrMax = -1;
  let weightSum = 0;
  const z = init.map((r) => [...r]);
  const x = init.map((r) => [...r]);
  let y = init.map((r) => [...r]);
  const v = init.map((r) => r.map(() => 0));
  return {
    x: () => x.map((r) => [...r]),
    step(g: number[][]): number[][] {
      const sched = k < h.warmupSteps ? (k + 1) / h.warmupSteps : 1.0;
      const base = typeof h.lr === 'function' ? h.lr(k) : h.lr;
      const lr = h.kind === 'adamw' ? base * sched * Math.sqrt(1 - Math.pow(h.b2, k + 1)) : base * sched;
      lrMax = Math.max(lr, lrMax);
      const weight = Math.pow(k + 1, h.r) * Math.pow(lrMax, h.weightLrPower);
      weightSum += weight;
      const ckp1 = weightSum === 0 ? 0 : weight / weightSum;
      y = y.map((yk, a) =>
        yk.map((yi, j) => {
          const gi = (g[a] as number[])[j] as number;
          const za = z[a] as number[];
          const xa = x[a] as number[];
          if (h.kind === 'sgd') {
            za[j] = (za[j] as number) - lr * (gi + h.weightDecay * yi); // grad.add_(y, alpha=wd); z.sub_(grad, alpha=lr)
          } else {
            za[j] = (za[j] as number) - lr * h.weightDecay * yi; // z.sub_(y, alpha=lr*decay)
            const va = v[a] as number[];
            va[j] = h.b2 * (va[j] as number) + (1 - h.b2) * gi * gi;
            za[j] = (za[j] as number) - (lr * gi) / (Math.sqrt(va[j] as number) + h.eps); // addcdiv_(grad, sqrt(v)+eps, -lr)
          }
          xa[j] = (1 - ckp1) * (xa[j] as number) + ckp1 * (za[j] as number);
          return h.beta * (xa[j] as number) + (1 - h.beta) * (za[j] as number);
        }),
      );
      k += 1;
      return y.map((r) => [...r]);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// running descent

interface Problem {
  shapes: number[][];
  init: number[][];
  steps: number;
  /** Gradient of step t at the params (y), as flat arrays. */
  grad(t: number, y: number[][]): number[][];
}

/** Params (y) and evaluation params (x) after every step. */
async function run(make: () => GradientTransformation<any>, pb: Problem, mode: Mode): Promise<{ y: number[][][]; x: number[][][] }> {
  const ys: number[][][] = [];
  const xs: number[][][] = [];
  const read = async (ps: Params) => Promise.all((treeLeaves(ps) as tf.Tensor[]).map(async (p) => Array.from(await p.data())));
  const readEval = async (state: unknown, ps: Params) => {
    const x = scheduleFreeEvalParams(state, ps);
    xs.push(await read(x));
    treeDispose(x);
  };
  if (mode === 'functional API') {
    const transform = make();
    let params = pb.init.map((v, k) => tf.tensor(v, pb.shapes[k]));
    let state = tf.tidy(() => transform.init(params as Params) as tf.TensorContainer) as unknown;
    for (let t = 0; t < pb.steps; t++) {
      const grads = pb.grad(t, await read(params)).map((g, k) => tf.tensor(g, pb.shapes[k]));
      const next = tf.tidy(() => {
        const o = transform.update(grads as Params, state, params as Params);
        return { params: applyUpdates(params as Params, o.updates) as tf.Tensor[], state: o.state as tf.TensorContainer };
      });
      const kept = new Set<unknown>(treeLeaves(next.state as Tree<unknown>));
      for (const old of treeLeaves(state as Tree<unknown>)) if (old instanceof tf.Tensor && !kept.has(old)) old.dispose();
      treeDispose([grads, params]);
      params = next.params;
      state = next.state;
      ys.push(await read(params));
      await readEval(state, params);
    }
    treeDispose([params, state]);
    return { y: ys, x: xs };
  }
  if (mode === 'reference ops') setFusedKernels(false);
  try {
    const vars = pb.init.map((v, k) => tf.tidy(() => tf.variable(tf.tensor(v, pb.shapes[k]))));
    const opt = new Optimizer(make(), vars, { inPlace: mode !== 'runner functional' });
    let count = -1;
    for (let t = 0; t < pb.steps; t++) {
      const grads = pb.grad(t, await read(vars)).map((g, k) => tf.tensor(g, pb.shapes[k]));
      await opt.stepAsync(grads);
      treeDispose(grads);
      if (t === 0) count = tf.memory().numTensors;
      else expect(tf.memory().numTensors).toBe(count);
      ys.push(await read(vars));
      await readEval(opt.currentState, vars);
    }
    opt.dispose();
    treeDispose(vars);
    return { y: ys, x: xs };
  } finally {
    setFusedKernels(true);
  }
}

const optionsOf = (h: Hyper) =>
  h.kind === 'sgd'
    ? { learningRate: h.lr, momentum: h.beta, weightDecay: h.weightDecay, warmupSteps: h.warmupSteps, r: h.r, weightLrPower: h.weightLrPower }
    : { learningRate: h.lr, b1: h.beta, b2: h.b2, eps: h.eps, weightDecay: h.weightDecay, warmupSteps: h.warmupSteps, r: h.r, weightLrPower: h.weightLrPower };
const make = (h: Hyper) => () => (h.kind === 'sgd' ? scheduleFreeSgd(optionsOf(h)) : scheduleFreeAdamw(optionsOf(h)));

function oracleRun(h: Hyper, pb: Problem): { y: number[][][]; x: number[][][] } {
  const o = scheduleFreeOracle(h, pb.init);
  let y = pb.init.map((r) => [...r]);
  const ys: number[][][] = [];
  const xs: number[][][] = [];
  for (let t = 0; t < pb.steps; t++) {
    y = o.step(pb.grad(t, y));
    ys.push(y);
    xs.push(o.x());
  }
  return { y: ys, x: xs };
}

const gradseq: Problem = {
  shapes: inputs.shapes,
  init: inputs.init,
  steps: inputs.steps,
  grad: (t) => inputs.grads?.[t] as number[][],
};
/** f(θ) = ½ Σ a_j (θ_j − c_j)² per tensor, a_j ∈ [0.5, 1.5]: gradients depend on the params (y). */
const curvature = (n: number) => Array.from({ length: n }, (_, j) => 0.5 + ((j * 7) % 11) / 10);
const centre = (n: number) => Array.from({ length: n }, (_, j) => Math.fround(Math.sin(j + 1)));
const quadratic = (steps: number): Problem => ({
  shapes: inputs.shapes,
  init: inputs.init,
  steps,
  grad: (_t, y) => y.map((yk) => yk.map((yi, j) => (curvature(yk.length)[j] as number) * (yi - (centre(yk.length)[j] as number)))),
});

const SGD: Hyper = { kind: 'sgd', lr: 1.0, beta: 0.9, b2: 0, eps: 0, weightDecay: 0, warmupSteps: 0, r: 0, weightLrPower: 2 };
const ADAMW: Hyper = { kind: 'adamw', lr: 0.0025, beta: 0.9, b2: 0.999, eps: 1e-8, weightDecay: 0, warmupSteps: 0, r: 0, weightLrPower: 2 };

describe('schedule-free: hand-computed first steps', () => {
  it('scheduleFreeSgd (lr 0.5, β 0.9): z, x = running mean of z, y = 0.1 z + 0.9 x', async () => {
    // θ0 = (1, −2); g = (2, 1), (1, −1), (0, 2).
    // step 1: c = 1:   z = (0, −2.5),    x = z,               y = (0, −2.5)
    // step 2: c = 1/2: z = (−0.5, −2),   x = (−0.25, −2.25),  y = (−0.275, −2.225)
    // step 3: c = 1/3: z = (−0.5, −3),   x = (−1/3, −2.5),    y = (−0.35, −2.55)
    const p = tf.variable(tf.tensor1d([1, -2]));
    const opt = new Optimizer(scheduleFreeSgd({ learningRate: 0.5 }), [p]);
    const expected = [
      { y: [0, -2.5], x: [0, -2.5] },
      { y: [-0.275, -2.225], x: [-0.25, -2.25] },
      { y: [-0.35, -2.55], x: [-1 / 3, -2.5] },
    ];
    for (const [i, g] of [[2, 1], [1, -1], [0, 2]].entries()) {
      const gt = tf.tensor1d(g);
      await opt.stepAsync([gt]);
      gt.dispose();
      const x = scheduleFreeEvalParams(opt.currentState, [p]) as tf.Tensor[];
      const [yv, xv] = [Array.from(await p.data()), Array.from(await (x[0] as tf.Tensor).data())];
      treeDispose(x);
      (expected[i]?.y as number[]).forEach((e, j) => expect(yv[j]).toBeCloseTo(e, 6));
      (expected[i]?.x as number[]).forEach((e, j) => expect(xv[j]).toBeCloseTo(e, 6));
    }
    opt.dispose();
    p.dispose();
  });

  it('scheduleFreeAdamw (lr 0.1, b2 0.99, eps 0): γ_t = lr·√(1 − β2^t), c_t = γ_t²/Σγ_i²', async () => {
    // θ0 = 1; g = 2, 1.
    // step 1: v = 0.04, γ1 = 0.1·√0.01 = 0.01, z = 1 − 0.01·2/0.2 = 0.9, c = 1 → x = y = 0.9.
    const gamma2 = 0.1 * Math.sqrt(1 - 0.99 ** 2);
    const v2 = 0.99 * 0.04 + 0.01 * 1;
    const z2 = 0.9 - (gamma2 * 1) / Math.sqrt(v2);
    const c2 = gamma2 ** 2 / (0.01 ** 2 + gamma2 ** 2);
    const x2 = (1 - c2) * 0.9 + c2 * z2;
    const y2 = 0.9 * x2 + 0.1 * z2;
    const p = tf.variable(tf.tensor1d([1]));
    const opt = new Optimizer(scheduleFreeAdamw({ learningRate: 0.1, b2: 0.99, eps: 0 }), [p]);
    const seen: number[][] = [];
    for (const g of [2, 1]) {
      const gt = tf.tensor1d([g]);
      await opt.stepAsync([gt]);
      gt.dispose();
      const x = scheduleFreeEvalParams(opt.currentState, [p]) as tf.Tensor[];
      seen.push([(await p.data())[0] as number, (await (x[0] as tf.Tensor).data())[0] as number]);
      treeDispose(x);
    }
    expect(seen[0]?.[0]).toBeCloseTo(0.9, 6);
    expect(seen[0]?.[1]).toBeCloseTo(0.9, 6);
    expect(seen[1]?.[0]).toBeCloseTo(y2, 6);
    expect(seen[1]?.[1]).toBeCloseTo(x2, 6);
    opt.dispose();
    p.dispose();
  });

  it('warm-up: γ_k = γ·(k+1)/T for k < T, and the averaging weights follow γ²', async () => {
    // lr 1, T = 2, β = 0 (y = z): γ = 0.5, 1, 1; w = 0.25, 1, 1 → c = 1, 0.8, 1/2.25.
    const p = tf.variable(tf.tensor1d([0]));
    const opt = new Optimizer(scheduleFreeSgd({ learningRate: 1, momentum: 0, warmupSteps: 2 }), [p]);
    let z = 0;
    let x = 0;
    const cs = [1, 0.8, 1 / 2.25];
    for (const [k, gamma] of [0.5, 1, 1].entries()) {
      const gt = tf.tensor1d([1]);
      await opt.stepAsync([gt]);
      gt.dispose();
      z -= gamma;
      x = (1 - (cs[k] as number)) * x + (cs[k] as number) * z;
      const xe = scheduleFreeEvalParams(opt.currentState, [p]) as tf.Tensor[];
      expect((await p.data())[0]).toBeCloseTo(z, 6);
      expect((await (xe[0] as tf.Tensor).data())[0]).toBeCloseTo(x, 6);
      treeDispose(xe);
    }
    opt.dispose();
    p.dispose();
  });
});

// Settings exercising every option against the float64 transcription of the references.
const SETTINGS: [string, Hyper][] = [
  ['sgd defaults', SGD],
  ['sgd lr 0.05, β 0.8, wd 0.01, warm-up 5', { ...SGD, lr: 0.05, beta: 0.8, weightDecay: 0.01, warmupSteps: 5 }],
  ['sgd β 1 (primal averaging), r 1, weightLrPower 1', { ...SGD, lr: 0.02, beta: 1, r: 1, weightLrPower: 1 }],
  ['sgd decreasing lr schedule (γ_max in the weights)', { ...SGD, lr: (k: number) => 0.05 / (1 + k), warmupSteps: 3 }],
  ['adamw defaults', ADAMW],
  ['adamw lr 0.01, b1 0.95, b2 0.99, eps 1e-6, wd 0.1, warm-up 10', { ...ADAMW, lr: 0.01, beta: 0.95, b2: 0.99, eps: 1e-6, weightDecay: 0.1, warmupSteps: 10 }],
  // lr small enough that 25 steps stay away from the optimum of the quadratic, where Adam without
  // averaging (y = z) oscillates and amplifies any rounding difference (float32 vs float64).
  ['adamw b1 0, r 0.5, weightLrPower 0', { ...ADAMW, lr: 0.005, beta: 0, r: 0.5, weightLrPower: 0 }],
];

describe.each(SETTINGS)('schedule-free %s against the float64 references', (_name, h) => {
  it.each(MODES)(`gradseq problem, 25 steps, %s: y and x within ${ATOL}`, async (mode) => {
    const before = tf.memory().numTensors;
    const got = await run(make(h), gradseq, mode);
    const want = oracleRun(h, gradseq);
    expect(maxDeviation(got.y, want.y)).toBeLessThan(ATOL);
    expect(maxDeviation(got.x, want.x)).toBeLessThan(ATOL);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('quadratic problem (gradient at y), 25 steps, runner in place: within 1e-5', async () => {
    const pb = quadratic(25);
    const got = await run(make(h), pb, 'runner in place');
    const want = oracleRun(h, pb);
    expect(maxDeviation(got.y, want.y)).toBeLessThan(ATOL);
    expect(maxDeviation(got.x, want.x)).toBeLessThan(ATOL);
  });
});

describe('schedule-free SGD with β = 0 is Polyak–Ruppert averaging of SGD', () => {
  it('y follows plain SGD and x is the running mean of its iterates', async () => {
    const lr = 0.3;
    const pb = quadratic(40);
    const got = await run(() => scheduleFreeSgd({ learningRate: lr, momentum: 0 }), pb, 'runner in place');
    // Plain SGD z_{t+1} = z_t − γ ∇f(z_t) and the mean of z_1..z_t, float64.
    let z = pb.init.map((r) => [...r]);
    let sum = pb.init.map((r) => r.map(() => 0));
    const sgd: number[][][] = [];
    const mean: number[][][] = [];
    for (let t = 0; t < pb.steps; t++) {
      const g = pb.grad(t, z);
      z = z.map((zk, k) => zk.map((zi, j) => zi - lr * ((g[k] as number[])[j] as number)));
      sum = sum.map((sk, k) => sk.map((s, j) => s + ((z[k] as number[])[j] as number)));
      sgd.push(z);
      mean.push(sum.map((sk) => sk.map((s) => s / (t + 1))));
    }
    expect(maxDeviation(got.y, sgd)).toBeLessThan(ATOL);
    expect(maxDeviation(got.x, mean)).toBeLessThan(ATOL);
  });
});

describe('schedule-free converges on a quadratic', () => {
  const error = (x: number[][]) => Math.max(...x.flatMap((xk) => xk.map((xi, j) => Math.abs(xi - (centre(xk.length)[j] as number)))));

  it('scheduleFreeSgd (defaults, lr 1): ‖x − θ*‖∞ < 1e-4 after 300 steps, no schedule', async () => {
    const got = await run(() => scheduleFreeSgd(), quadratic(300), 'runner in place');
    const start = error(inputs.init);
    expect(start).toBeGreaterThan(1);
    expect(error(got.x[299] as number[][])).toBeLessThan(1e-4);
    expect(error(got.y[299] as number[][])).toBeLessThan(1e-4);
  });

  it('scheduleFreeAdamw (lr 0.1, warm-up 10): ‖x − θ*‖∞ < 1e-2 after 300 steps and still falling', async () => {
    const got = await run(() => scheduleFreeAdamw({ learningRate: 0.1, warmupSteps: 10 }), quadratic(300), 'runner in place');
    expect(error(got.x[299] as number[][])).toBeLessThan(1e-2);
    expect(error(got.x[299] as number[][])).toBeLessThan(error(got.x[99] as number[][]) / 5);
  });

  it('with noisy gradients and a constant lr, averaging beats the last SGD iterate', async () => {
    let s = 12345;
    const noise = () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return Math.fround((s / 2 ** 32) * 2 - 1);
    };
    const base = quadratic(400);
    const noisy: Problem = { ...base, grad: (t, y) => base.grad(t, y).map((gk) => gk.map((g) => g + 0.5 * noise())) };
    const sf = await run(() => scheduleFreeSgd({ learningRate: 0.2 }), noisy, 'runner in place');
    s = 12345;
    const plain = await run(() => scheduleFreeSgd({ learningRate: 0.2, momentum: 0 }), noisy, 'runner in place');
    // momentum 0: y is the plain SGD iterate (same noise sequence) and x its Polyak–Ruppert average.
    const lastIterate = error(plain.y[399] as number[][]);
    expect(error(plain.x[399] as number[][])).toBeLessThan(lastIterate / 2);
    expect(error(sf.x[399] as number[][])).toBeLessThan(lastIterate);
  });
});

describe('schedule-free is fused and evaluation params are owned copies', () => {
  it('each alias is one elementwise transformation with an in-place step', () => {
    for (const t of [scheduleFreeSgd(), scheduleFreeAdamw()]) {
      expect(t.elementwise).toBeDefined();
      expect(typeof t.inPlace).toBe('function');
    }
    expect(scheduleFreeSgd().elementwise.rule.state).toEqual(['z', 'x']);
    expect(scheduleFreeAdamw().elementwise.rule.state).toEqual(['z', 'x', 'v']);
  });

  it('scheduleFreeEvalParams returns new tensors that later in-place steps do not change', async () => {
    const p = tf.variable(tf.tensor1d([1, 2]));
    const opt = new Optimizer(scheduleFreeSgd({ learningRate: 0.1 }), { w: p });
    const g = tf.tensor1d([1, 1]);
    await opt.stepAsync({ w: g });
    const x = scheduleFreeEvalParams(opt.currentState, { w: p }) as { w: tf.Tensor };
    const before = Array.from(await x.w.data());
    await opt.stepAsync({ w: g });
    expect(Array.from(await x.w.data())).toEqual(before);
    const again = scheduleFreeEvalParams(opt.currentState, { w: p }) as { w: tf.Tensor };
    expect(Array.from(await again.w.data())).not.toEqual(before);
    x.w.dispose();
    // Disposing the evaluation params leaves the optimizer intact.
    await opt.stepAsync({ w: g });
    treeDispose([again, g, p]);
    opt.dispose();
  });

  it('scheduleFreeEvalParams finds the state inside a chain state and checks the params', () => {
    const p = [tf.zeros([2])];
    const t = scheduleFreeSgd();
    const state = t.init(p);
    const x = scheduleFreeEvalParams([{}, state], p);
    treeDispose(x);
    expect(errorOf(() => scheduleFreeEvalParams({ count: 0 }, p)).parameter).toBe('state');
    const wrong = [tf.zeros([3])];
    expect(errorOf(() => scheduleFreeEvalParams(state, wrong)).code).toBe('structure-mismatch');
    treeDispose([p, state, wrong]);
  });

  it('the initial z and x do not share storage with the params', async () => {
    const p = [tf.tensor1d([1, 2])];
    const state = scheduleFreeSgd().init(p);
    const zx = [...(state.slots.z as tf.Tensor[]), ...(state.slots.x as tf.Tensor[])];
    for (const t of zx) expect(t.dataId).not.toBe(p[0]?.dataId);
    expect(Array.from(await (zx[0] as tf.Tensor).data())).toEqual([1, 2]);
    treeDispose([p, state]);
  });
});

describe('schedule-free validation', () => {
  const sgdCases: [string, string, Record<string, unknown>][] = [
    ['negative learning rate', 'learningRate', { learningRate: -1 }],
    ['NaN learning rate', 'learningRate', { learningRate: Number.NaN }],
    ['momentum above 1', 'momentum', { momentum: 1.5 }],
    ['negative weightDecay', 'weightDecay', { weightDecay: -0.1 }],
    ['fractional warmupSteps', 'warmupSteps', { warmupSteps: 2.5 }],
    ['negative r', 'r', { r: -1 }],
    ['negative weightLrPower', 'weightLrPower', { weightLrPower: -2 }],
    ['misspelt option', 'lr', { lr: 0.1 }],
  ];
  it.each(sgdCases)('scheduleFreeSgd: %s throws a DescentError naming %s', (_l, parameter, options) => {
    const error = errorOf(() => scheduleFreeSgd(options as never));
    expect(error.parameter).toBe(parameter);
    expect(error.message).toContain('scheduleFreeSgd: ');
  });

  const adamwCases: [string, string, Record<string, unknown>][] = [
    ['negative learning rate', 'learningRate', { learningRate: -0.1 }],
    ['negative b1', 'b1', { b1: -0.1 }],
    ['b2 = 1', 'b2', { b2: 1 }],
    ['negative eps', 'eps', { eps: -1e-8 }],
    ['NaN weightDecay', 'weightDecay', { weightDecay: Number.NaN }],
    ['negative warmupSteps', 'warmupSteps', { warmupSteps: -1 }],
    ['misspelt option', 'betas', { betas: [0.9, 0.999] }],
  ];
  it.each(adamwCases)('scheduleFreeAdamw: %s throws a DescentError naming %s', (_l, parameter, options) => {
    const error = errorOf(() => scheduleFreeAdamw(options as never));
    expect(error.parameter).toBe(parameter);
    expect(error.message).toContain('scheduleFreeAdamw: ');
  });

  it('names the domain and the value', () => {
    expect(errorOf(() => scheduleFreeAdamw({ b2: 1 })).message).toBe('scheduleFreeAdamw: b2 must be a finite number in [0, 1), got 1');
  });

  it('a learningRate schedule returning NaN fails at that step, before any change', async () => {
    const p = tf.variable(tf.ones([3]));
    const opt = new Optimizer(scheduleFreeSgd({ learningRate: (s) => (s >= 2 ? Number.NaN : 0.1) }), [p]);
    const g = tf.ones([3]);
    await opt.stepAsync([g]);
    await opt.stepAsync([g]);
    const before = Array.from(await p.data());
    await expect(opt.stepAsync([g])).rejects.toThrow(/learningRate\(step 2\)/);
    expect(Array.from(await p.data())).toEqual(before);
    expect(opt.stepCount).toBe(2);
    treeDispose([g, p]);
    opt.dispose();
  });
});
