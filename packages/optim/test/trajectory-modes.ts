/**
 * Driving a gradient transformation over a fixed problem and comparing trajectories: the four
 * execution paths every transformation must agree on (runner in place, runner functional,
 * functional API, tfjs-ops reference), a lighter two-path variant, the replay of a whole-tree
 * float64 oracle, and deviation measures. The oracles themselves (each algorithm's equations)
 * live in the optimizers' own test files.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
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
import { type GoldenEntry, lossProblemGrad } from './golden.js';

/** The execution paths every transformation must agree on. */
export type Mode = 'runner in place' | 'runner functional' | 'functional API' | 'reference ops';
export const MODES: Mode[] = ['runner in place', 'runner functional', 'functional API', 'reference ops'];

/**
 * A problem to run: initial params and their shapes, and either a gradient sequence (`grads`,
 * one step per entry unless `steps` says fewer) or, with `problem: 'loss'` or no `grads`, the
 * golden loss problem's gradients at the current params for `steps` steps. A
 * {@link GoldenEntry} is one.
 */
export interface TrajectoryProblem {
  shapes: number[][];
  init: number[][];
  problem?: 'loss' | 'gradseq';
  grads?: number[][][] | undefined;
  steps?: number;
}

const onLoss = (pb: TrajectoryProblem): boolean => pb.problem === 'loss' || pb.grads === undefined;
const stepsOf = (pb: TrajectoryProblem): number => pb.steps ?? (pb.grads as number[][][]).length;

/** Step t's gradients (owned by the caller): `grads[t]`, or the loss problem's float32 gradient at `params`. */
export async function problemGrads(pb: TrajectoryProblem, t: number, params: tf.Tensor[]): Promise<tf.Tensor[]> {
  if (!onLoss(pb)) return (pb.grads?.[t] as number[][]).map((g, k) => tf.tensor(g, pb.shapes[k]));
  const values = await Promise.all(params.map((p) => p.data()));
  return values.map((x, k) => tf.tensor(lossProblemGrad(x, k), pb.shapes[k]));
}

/** Params after every step, and (functional API with `withUpdates` only) the updates of every step. */
export interface ModeRun {
  params: number[][][];
  updates: number[][][];
}

/**
 * Runs the transformation (float32, on the lane's backend) on the problem through one execution
 * path. Runner paths also assert a flat tensor count from step to step. `withUpdates` also reads
 * back (then frees) each step's updates on the functional API path; leave it off where the
 * updates may share tensors with the state.
 */
export async function runInMode(
  make: () => GradientTransformation<any>,
  pb: TrajectoryProblem,
  mode: Mode,
  { withUpdates = false }: { withUpdates?: boolean } = {},
): Promise<ModeRun> {
  const out: ModeRun = { params: [], updates: [] };
  const values = async (ps: tf.Tensor[]) => Promise.all(ps.map(async (p) => Array.from(await p.data())));
  const steps = stepsOf(pb);
  if (mode === 'functional API') {
    const transform = make();
    let params = pb.init.map((v, k) => tf.tensor(v, pb.shapes[k]));
    let state = tf.tidy(() => transform.init(params as Params) as tf.TensorContainer) as unknown;
    for (let t = 0; t < steps; t++) {
      const grads = await problemGrads(pb, t, params);
      const next = tf.tidy(() => {
        const o = transform.update(grads as Params, state, params as Params);
        return {
          updates: (withUpdates ? o.updates : []) as tf.Tensor[],
          params: applyUpdates(params as Params, o.updates) as tf.Tensor[],
          state: o.state as tf.TensorContainer,
        };
      });
      // State tensors passed through unchanged by `update` belong to the new state: dispose only the others.
      const kept = new Set<unknown>(treeLeaves(next.state as Tree<unknown>));
      for (const old of treeLeaves(state as Tree<unknown>)) if (old instanceof tf.Tensor && !kept.has(old)) old.dispose();
      treeDispose([grads, params]);
      params = next.params;
      state = next.state;
      out.params.push(await values(params));
      if (withUpdates) {
        out.updates.push(await values(next.updates));
        treeDispose(next.updates);
      }
    }
    treeDispose([params, state as Tree<unknown>]);
    return out;
  }
  if (mode === 'reference ops') setFusedKernels(false);
  try {
    const vars = pb.init.map((v, k) => tf.tidy(() => tf.variable(tf.tensor(v, pb.shapes[k]))));
    const opt = new Optimizer(make(), vars, { inPlace: mode !== 'runner functional' });
    let count = -1;
    for (let t = 0; t < steps; t++) {
      const grads = await problemGrads(pb, t, vars);
      await opt.stepAsync(grads);
      treeDispose(grads);
      // Flat memory: the tensor count after every step equals the one after the first.
      if (t === 0) count = tf.memory().numTensors;
      else expect(tf.memory().numTensors, `tensor count after step ${t + 1}`).toBe(count);
      out.params.push(await values(vars));
    }
    opt.dispose();
    treeDispose(vars);
    return out;
  } finally {
    setFusedKernels(true);
  }
}

/** The transformation's trajectory (params after each step) on the problem, through one execution path. */
export async function trajectory(make: () => GradientTransformation<any>, pb: TrajectoryProblem, mode: Mode): Promise<number[][][]> {
  return (await runInMode(make, pb, mode)).params;
}

/** A gradient-sequence problem: initial params, their shapes and one gradient per step. */
export interface GradseqProblem {
  shapes: number[][];
  init: number[][];
  grads: number[][][];
}

/** The gradient-sequence problem of a golden 'gradseq' entry. */
export function gradseqProblem(entry: GoldenEntry): GradseqProblem {
  return { shapes: entry.shapes, init: entry.init, grads: entry.grads as number[][][] };
}

/**
 * Params after every step of a gradient sequence, through the functional API or the Optimizer
 * runner (default options: in place where it can); no tensor-count assertions.
 */
export async function twoPathTrajectory(transform: GradientTransformation<any>, p: GradseqProblem, mode: 'functional' | 'runner'): Promise<number[][][]> {
  const out: number[][][] = [];
  const read = async (ts: tf.Tensor[]) => Promise.all(ts.map(async (x) => Array.from(await x.data())));
  if (mode === 'runner') {
    const vars = p.init.map((v, k) => tf.variable(tf.tensor(v, p.shapes[k])));
    const opt = new Optimizer(transform, vars);
    for (const step of p.grads) {
      const g = step.map((x, k) => tf.tensor(x, p.shapes[k]));
      await opt.stepAsync(g);
      treeDispose(g);
      out.push(await read(vars));
    }
    opt.dispose();
    treeDispose(vars);
    return out;
  }
  let params: tf.Tensor[] = p.init.map((v, k) => tf.tensor(v, p.shapes[k]));
  let state = tf.tidy(() => transform.init(params as Params) as tf.TensorContainer) as unknown;
  for (const step of p.grads) {
    const next = tf.tidy(() => {
      const g = step.map((x, k) => tf.tensor(x, p.shapes[k]));
      const o = transform.update(g as Params, state, params as Params);
      return { params: applyUpdates(params as Params, o.updates) as tf.Tensor[], state: o.state as tf.TensorContainer };
    });
    const kept = new Set<unknown>(treeLeaves(next.state as Tree<unknown>));
    for (const t of treeLeaves(state as Tree<unknown>)) if (t instanceof tf.Tensor && !kept.has(t)) t.dispose();
    treeDispose(params);
    params = next.params;
    state = next.state;
    out.push(await read(params));
  }
  treeDispose([params, state as Tree<unknown>]);
  return out;
}

/**
 * A whole-tree float64 oracle step: params and gradients of every tensor in, params out (the
 * oracle keeps its own state in the closure).
 */
export type TreeOracleStep = (x: number[][], g: number[][]) => number[][];

/**
 * The oracle's trajectory on the problem. On the loss problem the oracle takes
 * {@link lossProblemGrad}'s float32-rounded gradients (the ones the float32 runs see).
 */
export function treeOracleTrajectory(step: TreeOracleStep, pb: TrajectoryProblem): number[][][] {
  let x = pb.init.map((row) => [...row]);
  const out: number[][][] = [];
  const steps = stepsOf(pb);
  for (let t = 0; t < steps; t++) {
    const g = onLoss(pb) ? x.map((xk, k) => Array.from(lossProblemGrad(xk, k))) : (pb.grads?.[t] as number[][]);
    x = step(x, g);
    out.push(x);
  }
  return out;
}

/** max |a − b| over every step, tensor and element (Infinity on NaN or a length mismatch). */
export function maxDeviation(a: number[][][], b: number[][][]): number {
  if (a.length !== b.length) return Infinity;
  let worst = 0;
  a.forEach((row, t) => row.forEach((xk, k) => xk.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - (b[t]?.[k]?.[j] ?? NaN)))))));
  return Number.isNaN(worst) ? Infinity : worst;
}

/** Largest |a − b| at each step. */
export function deviations(a: number[][][], b: number[][][]): number[] {
  return a.map((step, t) => {
    let worst = 0;
    step.forEach((leaf, k) => leaf.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - (b[t]?.[k]?.[j] as number))))));
    return worst;
  });
}

/** Deterministic float32-representable pseudo-random numbers in [−1, 1) (no Math.random in tests). */
export function numbers(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround((s / 2 ** 32) * 2 - 1);
  });
}
