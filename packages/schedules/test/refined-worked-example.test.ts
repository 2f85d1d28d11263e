/**
 * The README's worked example, measured: train once with linear decay, record the gradient norms, refine, retrain.
 * Plain float64 JavaScript on two small regression tasks (no tensors), so the numbers are the same in both lanes
 * and on every run; the README quotes the values asserted here.
 */
import { describe, expect, it } from 'vitest';
import { type Key, foldIn, key, normalValues, uniformValues } from '@descent/core';
import { type Schedule, linearDecay, refined } from '@descent/schedules';

interface Task {
  name: string;
  x: Float64Array[];
  y: Float64Array;
  /** Per-example loss and its derivative with respect to the prediction residual r = xᵀw − y. */
  loss: (r: number) => number;
  dloss: (r: number) => number;
}

const N = 512;
const D = 16;
const T = 300;
const BATCH = 8;
const REPEATS = 6;
const GRID = Array.from({ length: 24 }, (_, k) => 0.01 * 1.25 ** k);

function makeTask(name: string, seed: number, noise: (k: Key, n: number) => Float64Array, loss: Task['loss'], dloss: Task['dloss']): Task {
  const k = key(seed);
  const features = normalValues(foldIn(k, 0), N * D);
  const truth = normalValues(foldIn(k, 1), D);
  const eps = noise(foldIn(k, 2), N);
  const x = Array.from({ length: N }, (_, i) => Float64Array.from(features.subarray(i * D, (i + 1) * D)));
  const y = Float64Array.from(x, (row, i) => row.reduce((s, v, j) => s + v * truth[j], 0) + eps[i]);
  return { name, x, y, loss, dloss };
}

/** Laplace(0, 1) noise by inversion of uniforms. */
const laplace = (k: Key, n: number) => Float64Array.from(uniformValues(k, n, -0.5, 0.5), (u) => -Math.sign(u) * Math.log(1 - 2 * Math.abs(u)));

const tasks = [
  // Least absolute deviations: convex and Lipschitz, the setting of the paper's last-iterate analysis.
  makeTask('L1 regression', 1, laplace, (r) => Math.abs(r), (r) => Math.sign(r)),
  // Least squares: smooth, gradient norms fall by an order of magnitude during the run.
  makeTask('least squares', 2, (k, n) => Float64Array.from(normalValues(k, n, 0, 0.5)), (r) => 0.5 * r * r, (r) => r),
];

function fullLoss(task: Task, w: Float64Array): number {
  let total = 0;
  task.x.forEach((row, i) => (total += task.loss(row.reduce((s, v, j) => s + v * w[j], 0) - task.y[i])));
  return total / N;
}

/** min_w ½‖Xw − y‖²/N from the normal equations (Gaussian elimination with partial pivoting; D = 16). */
function leastSquaresOptimum(task: Task): number {
  const a = Array.from({ length: D }, (_, i) => {
    const row = new Float64Array(D + 1);
    task.x.forEach((x, n) => {
      for (let j = 0; j < D; j++) row[j] += x[i] * x[j];
      row[D] += x[i] * task.y[n];
    });
    return row;
  });
  for (let c = 0; c < D; c++) {
    const p = a.reduce((best, row, r) => (r >= c && Math.abs(row[c]) > Math.abs(a[best][c]) ? r : best), c);
    [a[c], a[p]] = [a[p], a[c]];
    for (let r = 0; r < D; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      for (let j = c; j <= D; j++) a[r][j] -= f * a[c][j];
    }
  }
  return fullLoss(task, Float64Array.from(a, (row, i) => row[D] / row[i]));
}

/** Minibatch SGD for T steps; returns the final full-data loss and the ℓ2 norm of every step's gradient. */
function train(task: Task, schedule: Schedule, repeat: number): { loss: number; norms: number[] } {
  const picks = uniformValues(foldIn(key(99), repeat), T * BATCH);
  const w = new Float64Array(D);
  const g = new Float64Array(D);
  const norms: number[] = [];
  for (let t = 0; t < T; t++) {
    g.fill(0);
    for (let b = 0; b < BATCH; b++) {
      const i = Math.floor(picks[t * BATCH + b] * N);
      const row = task.x[i];
      const d = task.dloss(row.reduce((s, v, j) => s + v * w[j], 0) - task.y[i]) / BATCH;
      for (let j = 0; j < D; j++) g[j] += d * row[j];
    }
    norms.push(Math.hypot(...g));
    const lr = schedule(t);
    for (let j = 0; j < D; j++) w[j] -= lr * g[j];
  }
  return { loss: fullLoss(task, w), norms };
}

/** The best mean final loss over the peak grid (the paper re-sweeps the peak for every schedule). */
function sweep(task: Task, make: (peak: number) => Schedule): { loss: number; peak: number } {
  let best = { loss: Infinity, peak: NaN };
  for (const peak of GRID) {
    const s = make(peak);
    let total = 0;
    for (let r = 0; r < REPEATS; r++) total += train(task, s, r).loss;
    if (total / REPEATS < best.loss) best = { loss: total / REPEATS, peak };
  }
  return best;
}

function refine(task: Task): { linear: { loss: number; peak: number }; refined: { loss: number; peak: number }; argmax: number } {
  const linear = sweep(task, (peak) => linearDecay({ peak, steps: T }));
  // "Train once": the gradient norms of one run (repeat 0) at the best linear-decay peak.
  const { norms } = train(task, linearDecay({ peak: linear.peak, steps: T }), 0);
  const shape = refined(norms, { kind: 'sgd' });
  const values = Array.from({ length: T }, (_, t) => shape(t));
  const result = sweep(task, (peak) => refined(norms, { kind: 'sgd', peak }));
  return { linear, refined: result, argmax: values.indexOf(1) };
}

describe('refined schedules, worked example (README)', () => {
  it('L1 regression (convex, Lipschitz): refined is within 0.05% of linear decay — the norms barely change', () => {
    const r = refine(tasks[0]);
    expect(r.linear.loss).toBeCloseTo(0.97911, 5);
    expect(r.linear.peak).toBeCloseTo(0.0931, 4);
    expect(r.refined.loss).toBeCloseTo(0.97953, 5);
    expect(r.refined.peak).toBeCloseTo(0.0596, 4);
    expect(r.argmax).toBe(29);
    expect(r.refined.loss / r.linear.loss - 1).toBeCloseTo(0.00042, 5);
  });

  it('least squares (smooth): refined is worse than linear decay — falling norms give a long warmup', () => {
    const r = refine(tasks[1]);
    const optimum = leastSquaresOptimum(tasks[1]);
    expect(optimum).toBeCloseTo(0.107195, 6);
    expect(r.linear.loss).toBeCloseTo(0.1086, 4);
    expect(r.linear.peak).toBeCloseTo(0.0477, 4);
    expect(r.refined.loss).toBeCloseTo(0.108881, 6);
    expect(r.refined.peak).toBeCloseTo(0.0477, 4);
    expect(r.argmax).toBe(125);
    // Excess loss over the optimum: 0.001406 with linear decay, 0.001686 refined — 20% more.
    expect(r.linear.loss - optimum).toBeCloseTo(0.001406, 6);
    expect(r.refined.loss - optimum).toBeCloseTo(0.001686, 6);
    expect((r.refined.loss - optimum) / (r.linear.loss - optimum)).toBeCloseTo(1.199, 3);
  });
});
