import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, Optimizer, backendInfo, heavyBall, setFusedKernels, treeDispose } from '@descent/core';
import { type GoldenEntry, loadGolden, lossProblemGrad } from './golden.js';

const golden = loadGolden(new URL('./fixtures/sgd-golden.json', import.meta.url));
const entries = Object.entries(golden.sgd as Record<string, GoldenEntry>);
const ATOL = 1e-5;

// Reads go through `await data()`: WebGPU in Node has no synchronous read-back.
async function gradsFor(e: GoldenEntry, t: number, vars: tf.Variable[]): Promise<tf.Tensor[]> {
  if (e.problem === 'gradseq') return (e.grads?.[t] as number[][]).map((g, k) => tf.tensor(g, e.shapes[k]));
  const values = await Promise.all(vars.map((v) => v.data()));
  return values.map((x, k) => tf.tensor(lossProblemGrad(x, k), e.shapes[k]));
}

async function maxDeviation(vars: tf.Variable[], expected: number[][]): Promise<number> {
  let worst = 0;
  const values = await Promise.all(vars.map((v) => v.data()));
  values.forEach((got, k) => {
    (expected[k] as number[]).forEach((x, j) => (worst = Math.max(worst, Math.abs((got[j] as number) - x))));
  });
  return worst;
}

async function read(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

describe.each(entries)('heavyBall reproduces torch.optim.SGD golden %s', (_name, e) => {
  const options = {
    learningRate: e.hyper.lr as number,
    momentum: e.hyper.momentum as number,
    dampening: e.hyper.dampening as number,
    weightDecay: e.hyper.weight_decay as number,
    nesterov: e.hyper.nesterov as boolean,
  };
  for (const mode of ['in-place runner', 'functional runner', 'reference ops'] as const) {
    it(`${mode}: every step within ${ATOL}`, async () => {
      const before = tf.memory().numTensors;
      if (mode === 'reference ops') setFusedKernels(false);
      try {
        const vars = e.init.map((v, k) => tf.tidy(() => tf.variable(tf.tensor(v, e.shapes[k]))));
        const opt = new Optimizer(heavyBall(options), vars, { inPlace: mode === 'in-place runner' });
        for (let t = 0; t < e.steps; t++) {
          const grads = await gradsFor(e, t, vars);
          await opt.stepAsync(grads);
          treeDispose(grads);
          expect(await maxDeviation(vars, e.trajectory[t] as number[][])).toBeLessThan(ATOL);
        }
        expect(opt.stepCount).toBe(e.steps);
        opt.dispose();
        treeDispose(vars);
      } finally {
        setFusedKernels(true);
      }
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('heavyBall hand-computed cases', () => {
  it('nesterov with coupled weight decay and dampening=0 follows torch for two steps', async () => {
    // p0 = 1, g = 0.5 both steps, lr 0.1, mu 0.9, wd 0.1:
    // step 1: g~ = 0.5 + 0.1*1 = 0.6, b = 0.6, d = 0.6 + 0.9*0.6 = 1.14, p = 1 - 0.114 = 0.886
    // step 2: g~ = 0.5 + 0.0886 = 0.5886, b = 0.9*0.6 + 0.5886 = 1.1286, d = 0.5886 + 0.9*1.1286 = 1.60434, p = 0.886 - 0.160434
    const p = tf.variable(tf.tensor1d([1]));
    const opt = new Optimizer(heavyBall({ learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.1 }), { p });
    const g = tf.tensor1d([0.5]);
    await opt.stepAsync({ p: g });
    expect((await read(p))[0]).toBeCloseTo(0.886, 6);
    await opt.stepAsync({ p: g });
    expect((await read(p))[0]).toBeCloseTo(0.886 - 0.160434, 6);
    g.dispose();
    opt.dispose();
    p.dispose();
  });

  it('dampening scales the gradient from the second step on, not the first (torch semantics)', async () => {
    // step 1: b = g = 1, p = -0.1; step 2: b = 0.5*1 + (1-0.25)*1 = 1.25, p = -0.1 - 0.125
    const p = tf.variable(tf.zeros([3]));
    const opt = new Optimizer(heavyBall({ learningRate: 0.1, momentum: 0.5, dampening: 0.25 }), [p]);
    const g = tf.ones([3]);
    await opt.stepAsync([g]);
    expect(await read(p)).toEqual(Array.from(new Float32Array([-0.1, -0.1, -0.1])));
    await opt.stepAsync([g]);
    for (const v of await read(p)) expect(v).toBeCloseTo(-0.225, 6);
    g.dispose();
    opt.dispose();
    p.dispose();
  });

  it('takes a learning-rate schedule evaluated at the step count', async () => {
    const p = tf.variable(tf.zeros([1]));
    const opt = new Optimizer(heavyBall({ learningRate: (step) => (step === 0 ? 1 : 0.5), momentum: 0 }), [p]);
    const g = tf.ones([1]);
    await opt.stepAsync([g]);
    await opt.stepAsync([g]);
    expect((await read(p))[0]).toBeCloseTo(-1.5, 6);
    g.dispose();
    opt.dispose();
    p.dispose();
  });

  it('reports whether fused kernels are active on this backend', () => {
    const info = backendInfo();
    expect(['cpu', 'webgpu']).toContain(info.name);
    expect(info.fusedKernels).toBe(true);
  });
});

describe('heavyBall validation', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['negative learning rate', { learningRate: -1 }, 'learningRate'],
    ['NaN learning rate', { learningRate: Number.NaN }, 'learningRate'],
    ['momentum 1', { learningRate: 0.1, momentum: 1 }, 'momentum'],
    ['dampening above 1', { learningRate: 0.1, dampening: 1.5 }, 'dampening'],
    ['nesterov with dampening', { learningRate: 0.1, nesterov: true, dampening: 0.1 }, 'dampening'],
    ['misspelt option', { learningrate: 0.1 }, 'learningrate'],
    ['non-boolean nesterov', { learningRate: 0.1, nesterov: 'yes' }, 'nesterov'],
  ];
  it.each(cases)('%s throws a DescentError naming %s', (_label, options, parameter) => {
    let error: unknown;
    try {
      heavyBall(options as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DescentError);
    expect((error as DescentError).parameter).toBe(parameter);
    expect((error as DescentError).message).toContain(parameter);
  });

  it('a schedule returning NaN fails at that step, before any change', async () => {
    const p = tf.variable(tf.ones([2]));
    const opt = new Optimizer(heavyBall({ learningRate: (s) => (s >= 1 ? Number.NaN : 0.1), momentum: 0 }), [p]);
    const g = tf.ones([2]);
    await opt.stepAsync([g]);
    const before = await read(p);
    await expect(opt.stepAsync([g])).rejects.toThrow(/learningRate\(step 1\)/);
    expect(await read(p)).toEqual(before);
    expect(opt.stepCount).toBe(1);
    g.dispose();
    opt.dispose();
    p.dispose();
  });
});
