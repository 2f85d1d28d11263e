/**
 * Every entry of the golden optimizer trajectories (`shared/golden/first-order.json`, copied to
 * test/fixtures) whose `descent` field names an alias: the alias called with those options must
 * reproduce all 25 steps in float32 within 1e-5, through the functional API, the Optimizer runner
 * (in place and functional) and the tfjs-ops reference path, on the lane's backend; on the CPU,
 * both forms of the fused kernel (WebAssembly SIMD, the default, and the scalar JavaScript loop).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  type GradientTransformation,
  Optimizer,
  type Params,
  type Tree,
  applyUpdates,
  setCpuKernels,
  setFusedKernels,
  treeDispose,
  treeLeaves,
} from '@descent/core';
import * as optim from '@descent/optim';
import { type GoldenEntry, loadGolden } from './golden.js';
import { problemGrads } from './trajectory-modes.js';

const golden = loadGolden(new URL('./fixtures/first-order.json', import.meta.url));
const ATOL = 1e-5;

const cases: [string, GoldenEntry][] = [];
for (const [name, entries] of Object.entries(golden)) {
  if (name.startsWith('__')) continue;
  for (const [key, entry] of Object.entries(entries)) if (entry.descent !== null) cases.push([`${name} ${key}`, entry]);
}

function build(e: GoldenEntry): GradientTransformation<any> {
  const factory = (optim as unknown as Record<string, (o: unknown) => GradientTransformation<any>>)[e.descent?.alias as string];
  if (typeof factory !== 'function') throw new Error(`@descent/optim does not export '${e.descent?.alias}'`);
  return factory(e.descent?.options);
}

async function deviation(params: tf.Tensor[], expected: number[][]): Promise<number> {
  let worst = 0;
  const values = await Promise.all(params.map((p) => p.data()));
  values.forEach((got, k) => (expected[k] as number[]).forEach((x, j) => (worst = Math.max(worst, Math.abs((got[j] as number) - x)))));
  return worst;
}

async function runFunctional(e: GoldenEntry): Promise<number[]> {
  const transform = build(e);
  let params: tf.Tensor[] = e.init.map((v, k) => tf.tensor(v, e.shapes[k]));
  let state = tf.tidy(() => transform.init(params as Params) as tf.TensorContainer) as unknown;
  const devs: number[] = [];
  for (let t = 0; t < e.steps; t++) {
    const grads = await problemGrads(e, t, params);
    const next = tf.tidy(() => {
      const out = transform.update(grads as Params, state, params as Params);
      return { params: applyUpdates(params as Params, out.updates) as tf.Tensor[], state: out.state as tf.TensorContainer };
    });
    treeDispose([grads, params]);
    // State tensors passed through unchanged by `update` belong to the new state: dispose only the others.
    const kept = new Set<unknown>(treeLeaves(next.state as Tree<unknown>));
    for (const t of treeLeaves(state as Tree<unknown>)) if (t instanceof tf.Tensor && !kept.has(t)) t.dispose();
    params = next.params;
    state = next.state;
    devs.push(await deviation(params, e.trajectory[t] as number[][]));
  }
  treeDispose([params, state]);
  return devs;
}

async function runRunner(e: GoldenEntry, inPlace: boolean): Promise<number[]> {
  const vars = e.init.map((v, k) => tf.tidy(() => tf.variable(tf.tensor(v, e.shapes[k]))));
  const opt = new Optimizer(build(e), vars, { inPlace });
  const devs: number[] = [];
  for (let t = 0; t < e.steps; t++) {
    const grads = await problemGrads(e, t, vars);
    await opt.stepAsync(grads);
    treeDispose(grads);
    devs.push(await deviation(vars, e.trajectory[t] as number[][]));
  }
  opt.dispose();
  treeDispose(vars);
  return devs;
}

describe.each(cases)('golden %s', (_label, e) => {
  it('functional API: every step within 1e-5', async () => {
    const before = tf.memory().numTensors;
    const devs = await runFunctional(e);
    devs.forEach((d, t) => expect(d, `step ${t + 1}`).toBeLessThan(ATOL));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('Optimizer runner, in place: every step within 1e-5', async () => {
    const before = tf.memory().numTensors;
    const devs = await runRunner(e, true);
    devs.forEach((d, t) => expect(d, `step ${t + 1}`).toBeLessThan(ATOL));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('Optimizer runner, functional path: every step within 1e-5', async () => {
    const devs = await runRunner(e, false);
    devs.forEach((d, t) => expect(d, `step ${t + 1}`).toBeLessThan(ATOL));
  });

  it('Optimizer runner, in place, scalar JavaScript CPU kernel: every step within 1e-5', async () => {
    // On WebGPU this repeats the in-place case (the choice only affects the CPU backend).
    setCpuKernels('js');
    try {
      const devs = await runRunner(e, true);
      devs.forEach((d, t) => expect(d, `step ${t + 1}`).toBeLessThan(ATOL));
    } finally {
      setCpuKernels('wasm-simd');
    }
  });

  it('tfjs-ops reference path (fused kernels off): every step within 1e-5', async () => {
    setFusedKernels(false);
    try {
      const devs = await runRunner(e, true);
      devs.forEach((d, t) => expect(d, `step ${t + 1}`).toBeLessThan(ATOL));
    } finally {
      setFusedKernels(true);
    }
  });
});
