/**
 * CBO (`cbo`) and the consensus point (`consensusPoint`): CBXpy's deterministic unit tests
 * (spec T4: consensus equals the explicit formula, batched too; the update with the injected
 * noise is exact; evaluation counts; no overflow at α = 1e5), hand-computed steps of every noise
 * variant, α schedules, reproducibility, convergence on a convex function, anisotropic CBO on
 * Rastrigin at a reduced size, bad input and flat memory.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, type Key, key } from '@descent/core';
import { cbo, consensusPoint, consensusWeights, minimize } from '@descent/zeroth';
import { FX0, X0, disposeState as dispose, drop, explicitConsensus, fixedInit, sphere, stepXi, vals } from './consensus-fixtures.js';

const SLOW_LANE = 'long stochastic run: the webgpu lane checks the same update exactly (one-step tests); SwiftShader is too slow for hundreds of steps';
const slowLane = () => tf.getBackend() === 'webgpu';

describe('consensusPoint', () => {
  it('equals the explicit formula Σ x e^{−αf} / Σ e^{−αf}, batched over runs, for a number and a per-run α', async () => {
    const x = tf.tensor3d(X0);
    const e = tf.tensor2d(FX0);
    const c1 = consensusPoint(x, e, 0.7);
    const alphas = [0.1, 2, 30];
    const a = tf.tensor1d(alphas);
    const c2 = consensusPoint(x, e, a);
    const got1 = await vals(c1);
    const got2 = await vals(c2);
    for (let m = 0; m < 3; m++) {
      const want1 = explicitConsensus(X0[m], FX0[m], 0.7);
      const want2 = explicitConsensus(X0[m], FX0[m], alphas[m]);
      for (let k = 0; k < 2; k++) {
        expect(got1[m * 2 + k]).toBeCloseTo(want1[k], 5);
        expect(got2[m * 2 + k]).toBeCloseTo(want2[k], 5);
      }
    }
    tf.dispose([x, e, c1, c2, a]);
  });

  it('does not overflow at α = 1e5 with energies ~1e3 (log-sum-exp with the minimum shift)', async () => {
    const x = tf.tensor3d([[[1, 2], [3, 4], [5, 6]], [[1, 1], [2, 2], [9, 9]]]);
    const e = tf.tensor2d([[1000.5, 1000, 1003], [2000, 2000, 1999.99]]);
    const c = consensusPoint(x, e, 1e5);
    const w = consensusWeights(e, 1e5);
    const got = await vals(c);
    expect(got.every(Number.isFinite)).toBe(true);
    // α Δf = 5e4 and 1e3: the best particle carries all the weight.
    [3, 4, 9, 9].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    const ws = await vals(w);
    expect(ws).toEqual([0, 1, 0, 0, 0, 1]);
    // Ties share the weight equally.
    const tie = consensusPoint(x, tf.tensor2d([[1000, 1000, 1001], [5e3, 5e3, 5e3]]), 1e5);
    const tieVals = await vals(tie);
    [2, 3, 4, 4].forEach((v, i) => expect(tieVals[i]).toBeCloseTo(v, 5));
    tf.dispose([x, e, c, w, tie]);
  });

  it('treats NaN energies as +∞ (zero weight) and gives equal weights to a run with no finite energy', async () => {
    const x = tf.tensor3d([[[1, 0], [0, 1], [4, 4]], [[1, 0], [0, 1], [2, 2]]]);
    const e = tf.tensor2d([[NaN, 0, 0], [NaN, Infinity, NaN]]);
    const c = consensusPoint(x, e, 3);
    const got = await vals(c);
    [2, 2.5, 1, 1].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    tf.dispose([x, e, c]);
  });

  it('rejects mismatched shapes with a DescentError', () => {
    const x = tf.zeros([2, 3, 4]);
    const e = tf.zeros([2, 4]);
    expect(() => consensusPoint(x, e, 1)).toThrow(DescentError);
    const e2 = tf.zeros([2, 3]);
    const a = tf.zeros([3]);
    expect(() => consensusPoint(x, e2, a)).toThrow(/alpha must be a number or a tensor of shape \[2\]/);
    expect(() => consensusPoint(x, e2, -1)).toThrow(/alpha must be/);
    tf.dispose([x, e, e2, a]);
  });
});

describe('cbo: one step, computed by hand', () => {
  const variants = [
    { noise: 'isotropic' as const, truncation: undefined },
    { noise: 'anisotropic' as const, truncation: undefined },
    { noise: 'isotropic' as const, truncation: 0.8 },
    { noise: 'anisotropic' as const, truncation: 0.8 },
  ];
  for (const v of variants) {
    it(`x ← x − λ dt (x − c) + σ √dt · noise exactly, with the injected ξ (${v.noise}, truncation ${v.truncation ?? 'none'})`, async () => {
      const lambda = 0.7;
      const sigma = 1.3;
      const dt = 0.05;
      const alpha = 2;
      const s = cbo({ lambda, sigma, dt, alpha, noise: v.noise, ...(v.truncation === undefined ? {} : { truncation: v.truncation }) });
      const s0 = s.init({ dim: 2, popSize: 4, runs: 3, key: key(7), init: fixedInit(X0) });
      const { population, state } = s.ask(s0);
      expect(await vals(population)).toEqual(X0.flat(2));
      const fitness = sphere(population);
      const s1 = s.tell(state, population, fitness);
      const xi = stepXi(s0.key, 0, 3 * 4 * 2);
      const got = await vals(s1.x);
      const gotC = await vals(s1.consensus as tf.Tensor);
      const trunc = v.truncation ?? Infinity;
      for (let m = 0; m < 3; m++) {
        const c = explicitConsensus(X0[m], FX0[m], alpha);
        expect(gotC[2 * m]).toBeCloseTo(c[0], 5);
        expect(gotC[2 * m + 1]).toBeCloseTo(c[1], 5);
        for (let i = 0; i < 4; i++) {
          const drift = X0[m][i].map((xk, k) => xk - c[k]);
          const norm = Math.hypot(...drift);
          for (let k = 0; k < 2; k++) {
            const j = (m * 4 + i) * 2 + k;
            const scale = v.noise === 'isotropic' ? Math.min(norm, trunc) : Math.max(-trunc, Math.min(trunc, drift[k]));
            const want = X0[m][i][k] - lambda * dt * drift[k] + sigma * Math.sqrt(dt) * scale * xi[j];
            expect(got[j]).toBeCloseTo(want, 5);
          }
        }
      }
      // Best point per run: the best evaluated particle.
      const best = await s.bestAsync(s1);
      for (let m = 0; m < 3; m++) {
        const i = FX0[m].indexOf(Math.min(...FX0[m]));
        expect(best.x[m]).toEqual(X0[m][i]);
        expect(best.fitness[m]).toBeCloseTo(FX0[m][i], 6);
      }
      expect(s1.evaluations).toBe(4);
      tf.dispose([population, fitness]);
      dispose(s0);
      dispose(s1);
    });
  }

  it('random batches: the consensus uses the batch only, only batch particles move, each run draws its own batch', async () => {
    const s = cbo({ sigma: 0.5, alpha: 1.5, batchSize: 2, dt: 0.1 });
    const s0 = s.init({ dim: 2, popSize: 4, runs: 3, key: key(3), init: fixedInit(X0) });
    const { population, state } = s.ask(s0);
    expect(population.shape).toEqual([3, 2, 2]);
    const current = state.batch?.current as Int32Array[];
    expect(current.map((r) => r.length)).toEqual([2, 2, 2]);
    const popVals = await vals(population);
    for (let m = 0; m < 3; m++) {
      for (let j = 0; j < 2; j++) expect(popVals.slice((m * 2 + j) * 2, (m * 2 + j) * 2 + 2)).toEqual(X0[m][current[m][j]]);
    }
    const fitness = sphere(population);
    const s1 = s.tell(state, population, fitness);
    const xi = stepXi(s0.key, 0, 3 * 2 * 2);
    const got = await vals(s1.x);
    const gotC = await vals(s1.consensus as tf.Tensor);
    for (let m = 0; m < 3; m++) {
      const bx = Array.from(current[m]).map((i) => X0[m][i]);
      const bf = Array.from(current[m]).map((i) => FX0[m][i]);
      const c = explicitConsensus(bx, bf, 1.5);
      expect(gotC[2 * m]).toBeCloseTo(c[0], 5);
      expect(gotC[2 * m + 1]).toBeCloseTo(c[1], 5);
      for (let i = 0; i < 4; i++) {
        const j = Array.from(current[m]).indexOf(i);
        for (let k = 0; k < 2; k++) {
          const idx = (m * 4 + i) * 2 + k;
          if (j < 0) {
            expect(got[idx]).toBe(X0[m][i][k]);
          } else {
            const drift = bx[j].map((xk, kk) => xk - c[kk]);
            const want = bx[j][k] - 0.1 * drift[k] + 0.5 * Math.sqrt(0.1) * Math.hypot(...drift) * xi[(m * 2 + j) * 2 + k];
            expect(got[idx]).toBeCloseTo(want, 5);
          }
        }
      }
    }
    expect(s1.evaluations).toBe(2);
    // The next ask takes the other half of the same permutation: together the two batches cover every particle.
    const second = s.ask(s1);
    for (let m = 0; m < 3; m++) {
      const all = [...current[m], ...(second.state.batch?.current as Int32Array[])[m]].sort();
      expect(all).toEqual([0, 1, 2, 3]);
    }
    tf.dispose([population, fitness, second.population]);
    dispose(s0);
    dispose(s1);
  });
});

describe('cbo: schedules, counts, reproducibility', () => {
  async function runLoop(s: ReturnType<typeof cbo>, k: Key, steps: number, o: { runs: number; popSize: number; dim: number }) {
    let state = s.init({ ...o, key: k });
    for (let t = 0; t < steps; t++) {
      const asked = s.ask(state);
      const fitness = sphere(asked.population);
      const next = s.tell(asked.state, asked.population, fitness);
      tf.dispose([asked.population, fitness]);
      drop(asked.state, next);
      state = next;
    }
    return state;
  }

  it('α ×1.05 per step is capped at the maximum (CBXpy multiply scheduler, applied after each step)', async () => {
    const s = cbo({ sigma: 1, alpha: 30, alphaSchedule: { multiply: 1.05, max: 40 } });
    const s3 = await runLoop(s, key(0), 3, { runs: 2, popSize: 5, dim: 3 });
    const a3 = await vals(s3.alpha);
    expect(a3[0]).toBeCloseTo(30 * 1.05 ** 3, 3);
    expect(a3[1]).toBeCloseTo(30 * 1.05 ** 3, 3);
    dispose(s3);
    const s10 = await runLoop(s, key(0), 10, { runs: 2, popSize: 5, dim: 3 });
    expect(await vals(s10.alpha)).toEqual([40, 40]);
    dispose(s10);
  });

  it("'ess' solves J_eff(α) = (Σw)²/Σw² = ηN with η = 0.5 per run by bisection", async () => {
    const s = cbo({ sigma: 1, alpha: 1, alphaSchedule: 'ess' });
    // Energies spread over ~1e-4 put the root α* of J_eff(α) = ηN in the bisection's range: α* ≫ its resolution 1e5 / 2^16.
    const scaled = X0.map((run) => run.map((p) => p.map((v) => v * 0.01)));
    const s0 = s.init({ dim: 2, popSize: 4, runs: 3, key: key(1), init: fixedInit(scaled) });
    const asked = s.ask(s0);
    const fitness = sphere(asked.population);
    const s1 = s.tell(asked.state, asked.population, fitness);
    const alphas = await vals(s1.alpha);
    for (let m = 0; m < 3; m++) {
      // CBXpy's bisection_solve: α ∈ [1e-5, 1e5], midpoints, bounds moved while |gap| > 1e-2, 16 midpoints in all.
      const f = FX0[m].map((v) => v * 1e-4);
      const fmin = Math.min(...f);
      const gap = (a: number) => {
        const w = f.map((v) => Math.exp(-a * (v - fmin)));
        return w.reduce((x, y) => x + y, 0) ** 2 / w.reduce((x, y) => x + y * y, 0) - 0.5 * 4;
      };
      let lo = 1e-5;
      let hi = 1e5;
      let mid = hi;
      let active = true;
      for (let it = 0; it < 16; it++) {
        mid = (lo + hi) / 2;
        const g = gap(mid);
        if (active && g > 0) lo = mid;
        if (active && g < 0) hi = mid;
        active = active && Math.abs(g) > 1e-2;
      }
      expect(Math.abs(alphas[m] - mid) / mid).toBeLessThan(1e-4);
      expect(Math.abs(gap(alphas[m]))).toBeLessThan(0.05);
    }
    tf.dispose([asked.population, fitness]);
    dispose(s0);
    dispose(s1);
  });

  it('counts evaluations per run: N per step, the batch size per step when batched (CBXpy T4 iii)', async () => {
    // CBXpy: M = 4, N = 3, max_eval = 6 → [6, 6, 6, 6].
    const full = await minimize((x) => sphere(x) as tf.Tensor1D, cbo({ sigma: 1, alpha: 1 }), {
      dim: 2, popSize: 3, runs: 4, maxIterations: 100, key: key(0), stop: { maxEvaluations: 6 },
    });
    expect(full.runs.map((r) => r.evaluations)).toEqual([6, 6, 6, 6]);
    // With batch size 2 (max_eval = 5 in CBXpy gives [4, 4, 4, 4]): two steps of 2 evaluations.
    const s = cbo({ sigma: 1, alpha: 1, batchSize: 2 });
    const st = await runLoop(s, key(0), 2, { runs: 4, popSize: 3, dim: 2 });
    expect(st.evaluations).toBe(4);
    dispose(st);
  });

  it('minimize runs random batches: k = batchSize evaluations per run and step, the trajectory of ask/tell by hand', async () => {
    const s = cbo({ sigma: 0.8, alpha: 5, dt: 0.1, batchSize: 2 });
    const opts = { dim: 2, popSize: 4, runs: 2 };
    const shapes: number[][] = [];
    const res = await minimize(
      (x) => {
        shapes.push(x.shape);
        return sphere(x) as tf.Tensor1D;
      },
      s,
      { ...opts, maxIterations: 3, key: key(9) },
    );
    expect(shapes).toEqual([
      [4, 2],
      [4, 2],
      [4, 2],
    ]);
    expect(res.runs.map((r) => r.evaluations)).toEqual([6, 6]);
    expect(res.history.evaluations).toEqual([4, 4, 4]);
    const byHand = await runLoop(s, key(9), 3, opts);
    const best = await s.bestAsync(byHand);
    const consensus = await vals(byHand.consensus as tf.Tensor);
    expect(res.runs.map((r) => r.x)).toEqual(best.x);
    expect(res.runs.map((r) => r.fitness)).toEqual(best.fitness);
    expect(res.runs.map((r) => r.consensus)).toEqual([consensus.slice(0, 2), consensus.slice(2, 4)]);
    expect(byHand.evaluations).toBe(6);
    dispose(byHand);
    // A budget below popSize but ≥ batchSize is valid: 3 allows one step of 2 (CBXpy: the next would exceed it).
    const one = await minimize((x) => sphere(x) as tf.Tensor1D, s, { ...opts, maxIterations: 10, key: key(9), stop: { maxEvaluations: 3 } });
    expect(one.runs.map((r) => [r.iterations, r.evaluations, r.stopReason])).toEqual([
      [1, 2, 'maxEvaluations'],
      [1, 2, 'maxEvaluations'],
    ]);
  });

  it('same key → identical trajectory; another key → another one', async () => {
    const s = cbo({ sigma: 2, alpha: 10, noise: 'anisotropic', batchSize: 3 });
    const a = await runLoop(s, key(42), 6, { runs: 2, popSize: 5, dim: 3 });
    const b = await runLoop(s, key(42), 6, { runs: 2, popSize: 5, dim: 3 });
    const c = await runLoop(s, key(43), 6, { runs: 2, popSize: 5, dim: 3 });
    expect(await vals(a.x)).toEqual(await vals(b.x));
    expect(await vals(a.bestFitness)).toEqual(await vals(b.bestFitness));
    expect(await vals(a.x)).not.toEqual(await vals(c.x));
    [a, b, c].forEach(dispose);
  });

  it('keeps tf.memory().numTensors flat over many steps', async () => {
    const s = cbo({ sigma: 1, alpha: 5, alphaSchedule: { multiply: 1.05, max: 1e5 }, batchSize: 4 });
    let state = await runLoop(s, key(0), 2, { runs: 2, popSize: 6, dim: 3 });
    const before = tf.memory().numTensors;
    for (let t = 0; t < 20; t++) {
      const asked = s.ask(state);
      const fitness = sphere(asked.population);
      const next = s.tell(asked.state, asked.population, fitness);
      tf.dispose([asked.population, fitness]);
      drop(asked.state, next);
      state = next;
    }
    expect(tf.memory().numTensors).toBe(before);
    dispose(state);
  });
});

describe('cbo: convergence', () => {
  it('finds the minimiser of a shifted convex quadratic to 1e-3 (isotropic, σ = 0.7, dt = 0.1, α ×1.05 capped at 1e5)', async (ctx) => {
    if (slowLane()) return ctx.skip(SLOW_LANE);
    const target = [0.5, -0.25, 1, 0.75, -0.5];
    const t = tf.tensor1d(target);
    const f = (x: tf.Tensor2D) => tf.tidy(() => tf.sum(tf.square(tf.sub(x, t)), -1) as tf.Tensor1D);
    const res = await minimize(f, cbo({ sigma: 0.7, dt: 0.1, alpha: 10, alphaSchedule: { multiply: 1.05, max: 1e5 } }), {
      dim: 5, popSize: 50, runs: 4, maxIterations: 400, key: key(5), init: { uniform: { low: -2, high: 2 } },
    });
    for (const r of res.runs) {
      r.x.forEach((v, k) => expect(Math.abs(v - target[k])).toBeLessThan(1e-3));
      expect(r.consensus).toBeDefined();
      r.consensus?.forEach((v, k) => expect(Math.abs(v - target[k])).toBeLessThan(5e-3));
      expect(r.evaluations).toBe(400 * 50);
    }
    t.dispose();
  });

  it('anisotropic CBO on Rastrigin (CBXpy objective, d = 10, N = 40, 20 runs, 1,000 steps; otherwise the settings of T1) succeeds in ≥ 90 % of runs', async (ctx) => {
    if (slowLane()) return ctx.skip(SLOW_LANE);
    const dim = 10;
    const runs = 20;
    const rastrigin = (x: tf.Tensor2D) =>
      tf.tidy(() => tf.add(10 * dim, tf.sum(tf.sub(tf.square(x), tf.mul(10, tf.cos(tf.mul(2 * Math.PI, x)))), -1)) as tf.Tensor1D);
    const res = await minimize(rastrigin, cbo({ sigma: 10.1, alpha: 30, alphaSchedule: { multiply: 1.05, max: 1e5 }, noise: 'anisotropic' }), {
      dim, popSize: 40, runs, maxIterations: 1000, key: key(11), init: { uniform: { low: -3, high: 3 } },
    });
    const successes = res.runs.filter((r) => Math.max(...r.x.map(Math.abs)) < 0.25).length;
    expect(successes / runs).toBeGreaterThanOrEqual(0.9);
  });
});

describe('cbo: bad input', () => {
  it('rejects unknown and out-of-range options, popSize < 2, batchSize > popSize, and wrong tell shapes', () => {
    expect(() => cbo({ sigma: -1, alpha: 1 })).toThrow(/sigma must be/);
    expect(() => cbo({ sigma: 1, alpha: NaN })).toThrow(DescentError);
    expect(() => cbo({ sigma: 1, alpha: 1, dt: 0 })).toThrow(/dt must be/);
    expect(() => cbo({ sigma: 1, alpha: 1, noise: 'pink' as never })).toThrow(/noise must be one of/);
    expect(() => cbo({ sigma: 1, alpha: 1, alphaSchedule: { multiply: 1.05 } as never })).toThrow(/alphaSchedule.max/);
    expect(() => cbo({ sigma: 1, alpha: 1, truncation: 0 })).toThrow(/truncation/);
    expect(() => cbo({ sigma: 1, alpha: 1, sigmaa: 2 } as never)).toThrow(/unknown option 'sigmaa'/);
    const s = cbo({ sigma: 1, alpha: 1, batchSize: 5 });
    expect(() => s.init({ dim: 2, popSize: 1, key: key(0) })).toThrow(/popSize/);
    expect(() => s.init({ dim: 2, popSize: 4, key: key(0) })).toThrow(/batchSize/);
    const s2 = cbo({ sigma: 1, alpha: 1 });
    const st = s2.init({ dim: 2, popSize: 4, runs: 2, key: key(0) });
    const asked = s2.ask(st);
    const wrong = tf.zeros([2, 3]);
    expect(() => s2.tell(asked.state, asked.population, wrong)).toThrow(/fitness must have shape \[2,4\]/);
    tf.dispose([wrong, asked.population]);
    dispose(st);
  });

  it('NaN fitness counts as +∞: it never becomes the best point nor poisons the consensus', async () => {
    const s = cbo({ sigma: 0, alpha: 1 });
    const s0 = s.init({ dim: 2, popSize: 4, runs: 3, key: key(2), init: fixedInit(X0) });
    const asked = s.ask(s0);
    const fitness = tf.tensor2d(FX0.map((r) => [NaN, ...r.slice(1)]));
    const s1 = s.tell(asked.state, asked.population, fitness);
    const c = await vals(s1.consensus as tf.Tensor);
    expect(c.every(Number.isFinite)).toBe(true);
    for (let m = 0; m < 3; m++) {
      const want = explicitConsensus(X0[m].slice(1), FX0[m].slice(1), 1);
      expect(c[2 * m]).toBeCloseTo(want[0], 5);
    }
    const best = await s.bestAsync(s1);
    expect(best.fitness.every(Number.isFinite)).toBe(true);
    tf.dispose([asked.population, fitness]);
    dispose(s0);
    dispose(s1);
  });
});
