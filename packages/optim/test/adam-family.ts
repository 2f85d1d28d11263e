/**
 * Shared test scaffolding for the Adam family (adam, adamw, adamax, nadam, radam): running a
 * transformation on a golden entry's problem through each execution path, replaying a float64
 * oracle on the same problem, and comparing trajectories. The oracles themselves live in each
 * optimizer's test file, written from `shared/specs/first-order.md`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import {
  DescentError,
  type GradientTransformation,
  Optimizer,
  type Params,
  type Tree,
  applyUpdates,
  setFusedKernels,
  treeDispose,
  treeLeaves,
} from '@descent/core';
import { type GoldenEntry, loadGolden, lossProblemGrad } from './golden.js';

export const golden = loadGolden(new URL('./fixtures/first-order.json', import.meta.url));
export const ATOL = 1e-5;

/** The golden entries of one optimizer (`golden.adam['defaults@gradseq']`, …). */
export function entriesOf(optimizer: string): Record<string, GoldenEntry> {
  const entries = golden[optimizer];
  if (entries === undefined) throw new Error(`no golden optimizer '${optimizer}'`);
  return entries;
}

/** One entry, failing loudly when absent. */
export function entry(optimizer: string, key: string): GoldenEntry {
  const e = entriesOf(optimizer)[key];
  if (e === undefined) throw new Error(`no golden entry ${optimizer} ${key}`);
  return e;
}

/** ∂L/∂x of the golden 'loss' problem (spec §0.1) in float64, as torch computed it for the goldens. */
export function lossGrad64(x: readonly number[], k: number): number[] {
  const a = 0.5, b = 0.25, c = 0.3, omega = 2.0, phi = 0.1;
  const w = [1.0, 0.7, 1.3][k] as number;
  const n = x.length;
  return x.map((xi, i) => {
    let d = c * omega * Math.cos(omega * xi + phi * i);
    if (i <= n - 2) d += -4 * a * xi * ((x[i + 1] as number) - xi * xi) - 2 * b * (1 - xi);
    if (i >= 1) d += 2 * a * (xi - (x[i - 1] as number) ** 2);
    return w * d;
  });
}

/**
 * A float64 oracle for one parameter tensor of `n` elements: returns the step function
 * `(θ, g, t) => θ'` (t = 1, 2, …), keeping its own state in the closure.
 */
export type TensorOracle = (n: number) => (theta: number[], g: number[], t: number) => number[];

/** The oracle's trajectory (params after each step) on the entry's problem, all in float64. */
export function oracleTrajectory(oracle: TensorOracle, e: GoldenEntry): number[][][] {
  const steps = e.init.map((v) => oracle(v.length));
  let x = e.init.map((v) => [...v]);
  const out: number[][][] = [];
  for (let t = 0; t < e.steps; t++) {
    const g = e.problem === 'gradseq' ? (e.grads?.[t] as number[][]) : x.map((xk, k) => lossGrad64(xk, k));
    x = x.map((xk, k) => (steps[k] as ReturnType<TensorOracle>)(xk, g[k] as number[], t + 1));
    out.push(x);
  }
  return out;
}

/** The execution paths every transformation must agree on. */
export type Mode = 'runner in place' | 'runner functional' | 'functional API' | 'reference ops';
export const MODES: Mode[] = ['runner in place', 'runner functional', 'functional API', 'reference ops'];

async function gradsFor(e: GoldenEntry, t: number, params: tf.Tensor[]): Promise<tf.Tensor[]> {
  if (e.problem === 'gradseq') return (e.grads?.[t] as number[][]).map((g, k) => tf.tensor(g, e.shapes[k]));
  const values = await Promise.all(params.map((p) => p.data()));
  return values.map((x, k) => tf.tensor(lossProblemGrad(x, k), e.shapes[k]));
}

/**
 * The transformation's trajectory (float32, on the lane's backend) on the entry's problem,
 * through one execution path. Runner paths also assert a flat tensor count from step to step.
 */
export async function trajectory(make: () => GradientTransformation<any>, e: GoldenEntry, mode: Mode): Promise<number[][][]> {
  const out: number[][][] = [];
  const read = async (ps: tf.Tensor[]) => out.push(await Promise.all(ps.map(async (p) => Array.from(await p.data()))));
  if (mode === 'functional API') {
    const transform = make();
    let params = e.init.map((v, k) => tf.tensor(v, e.shapes[k]));
    let state = tf.tidy(() => transform.init(params as Params) as tf.TensorContainer) as unknown;
    for (let t = 0; t < e.steps; t++) {
      const grads = await gradsFor(e, t, params);
      const next = tf.tidy(() => {
        const o = transform.update(grads as Params, state, params as Params);
        return { params: applyUpdates(params as Params, o.updates) as tf.Tensor[], state: o.state as tf.TensorContainer };
      });
      // State tensors passed through unchanged by `update` belong to the new state: dispose only the others.
      const kept = new Set<unknown>(treeLeaves(next.state as Tree<unknown>));
      for (const old of treeLeaves(state as Tree<unknown>)) if (old instanceof tf.Tensor && !kept.has(old)) old.dispose();
      treeDispose([grads, params]);
      params = next.params;
      state = next.state;
      await read(params);
    }
    treeDispose([params, state as Tree<unknown>]);
    return out;
  }
  if (mode === 'reference ops') setFusedKernels(false);
  try {
    const vars = e.init.map((v, k) => tf.tidy(() => tf.variable(tf.tensor(v, e.shapes[k]))));
    const opt = new Optimizer(make(), vars, { inPlace: mode !== 'runner functional' });
    let count = -1;
    for (let t = 0; t < e.steps; t++) {
      const grads = await gradsFor(e, t, vars);
      await opt.stepAsync(grads);
      treeDispose(grads);
      if (t === 0) count = tf.memory().numTensors;
      else expect(tf.memory().numTensors, `tensor count after step ${t + 1}`).toBe(count);
      await read(vars);
    }
    opt.dispose();
    treeDispose(vars);
    return out;
  } finally {
    setFusedKernels(true);
  }
}

/** max |a − b| over every step, tensor and element (Infinity on NaN or a shape mismatch). */
export function maxDeviation(a: number[][][], b: number[][][]): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  a.forEach((row, t) => row.forEach((xk, k) => xk.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - (b[t]?.[k]?.[j] ?? NaN)))))));
  return Number.isNaN(worst) ? Infinity : worst;
}

/** The DescentError `f` throws (fails the test when it throws nothing or something else). */
export function errorOf(f: () => unknown): DescentError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DescentError);
    return e as DescentError;
  }
  throw new Error('expected a DescentError');
}

/**
 * Checks that an option value is rejected by `make` with a DescentError naming `parameter`, and
 * that the message names the callee and (when `shown` is given) the received value.
 */
export function expectRejected(make: () => unknown, where: string, parameter: string, shown?: string): void {
  const err = errorOf(make);
  expect(err.code).toBe('invalid-option');
  expect(err.parameter).toBe(parameter);
  expect(err.message).toContain(`${where}: `);
  expect(err.message).toContain(parameter);
  if (shown !== undefined) expect(err.message).toContain(`got ${shown}`);
}

/**
 * A schedule that turns bad at step 2 (0-based, the third step) fails that step under the
 * alias's option name, before anything changes: params after the failed step equal those
 * before it, and the step count stays at 2.
 */
export async function expectScheduleFailsAtStep(
  make: (bad: (step: number) => number) => GradientTransformation<any>,
  good: number,
  where: string,
  parameter: string,
): Promise<void> {
  const before = tf.memory().numTensors;
  const p = tf.tidy(() => tf.variable(tf.tensor1d([0.5, -0.25, 1])));
  const opt = new Optimizer(make((step) => (step === 2 ? NaN : good)), [p]);
  const g = tf.tensor1d([0.1, -0.2, 0.3]);
  await opt.stepAsync([g]);
  await opt.stepAsync([g]);
  const kept = Array.from(await p.data());
  const err = await opt.stepAsync([g]).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DescentError);
  expect((err as DescentError).parameter).toBe(`${parameter}(step 2)`);
  expect((err as DescentError).message).toContain(`${where}: ${parameter}(step 2) must be`);
  expect(Array.from(await p.data())).toEqual(kept);
  expect(opt.stepCount).toBe(2);
  g.dispose();
  opt.dispose();
  p.dispose();
  expect(tf.memory().numTensors).toBe(before);
}
