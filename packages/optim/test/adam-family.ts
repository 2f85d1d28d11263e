/**
 * Shared test scaffolding for the Adam family (adam, adamw, adamax, nadam, radam): golden entries,
 * replaying a per-tensor float64 oracle on an entry's problem, and schedule failures. Running the
 * transformation through each execution path and comparing trajectories is in
 * trajectory-modes.ts; the oracles themselves live in each optimizer's test file, written from
 * `shared/specs/first-order.md`.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { DescentError, type GradientTransformation, Optimizer } from '@descent/core';
import { type GoldenEntry, loadGolden, lossGrad64 } from './golden.js';

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
