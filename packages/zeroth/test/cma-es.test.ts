import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, key, normalValues, split } from '@descent/core';
import { cmaEs, cmaEsParameters, cmaEsPopSize, type CmaEsState, type HostStrategy } from '@descent/zeroth';

/** Rosenbrock Σ 100 (x_{i+1} − x_i²)² + (1 − x_i)² on rows of [runs, pop, dim], as tf ops (float32). */
function rosenbrock(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const d = x.shape[2]!;
    const a = tf.slice(x, [0, 0, 0], [-1, -1, d - 1]);
    const b = tf.slice(x, [0, 0, 1], [-1, -1, d - 1]);
    const t1 = tf.mul(100, tf.square(tf.sub(b, tf.square(a))));
    const t2 = tf.square(tf.sub(1, a));
    return tf.sum(tf.add(t1, t2), 2);
  });
}

function sphere(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sum(tf.square(x), 2));
}

/** Runs ask/tell generations; returns the final state and the per-generation best-of-population fitness. */
async function runGenerations(
  es: HostStrategy<CmaEsState>,
  s0: CmaEsState,
  f: (x: tf.Tensor) => tf.Tensor,
  generations: number,
  stop?: (s: CmaEsState) => boolean,
): Promise<{ state: CmaEsState; trace: number[][] }> {
  let s = s0;
  const trace: number[][] = [];
  for (let g = 0; g < generations; g++) {
    const { population, state } = es.ask(s);
    const fit = f(population);
    s = await es.tellAsync(state, population, fit);
    population.dispose();
    fit.dispose();
    trace.push(s.run.map((r) => r.bestFitness));
    if (stop?.(s)) break;
  }
  return { state: s, trace };
}

describe('cmaEsParameters', () => {
  it('matches the tutorial (Table 1, eq. (49)–(53)) for n = 10, computed by hand', () => {
    const p = cmaEsParameters(10);
    const n = 10;
    expect(p.popSize).toBe(10); // 4 + ⌊3 ln 10⌋ = 4 + ⌊6.908⌋
    expect(cmaEsPopSize(10)).toBe(10);
    expect(p.mu).toBe(5);
    const raw = Array.from({ length: 10 }, (_, i) => Math.log(5.5) - Math.log(i + 1));
    const pos = raw.slice(0, 5);
    const sp = pos.reduce((a, b) => a + b, 0);
    const muEff = sp ** 2 / pos.reduce((a, b) => a + b * b, 0);
    // Literal values from an independent evaluation of the formulas (Python, float64).
    expect(muEff).toBeCloseTo(3.1672992814107026, 14);
    expect(p.muEff).toBeCloseTo(3.1672992814107026, 14);
    expect(p.cSigma).toBeCloseTo((muEff + 2) / (n + muEff + 5), 15);
    expect(p.cSigma).toBeCloseTo(0.2844285879463675, 14);
    expect(p.dSigma).toBeCloseTo(1.2844285879463675, 14); // √((μ_eff−1)/11) < 1, so d_σ = 1 + c_σ
    expect(p.cc).toBeCloseTo(0.29499038303562225, 14);
    expect(p.c1).toBeCloseTo(0.015283824524751714, 15);
    expect(p.cMu).toBeCloseTo(0.02015428276120838, 15);
    expect(p.chiN).toBeCloseTo(Math.sqrt(10) * (1 - 1 / 40 + 1 / 2100), 15);
    expect(p.chiN).toBeCloseTo(3.0847265651690123, 14);
    expect(p.eigenInterval).toBe(1); // ⌊1/(100 · 0.0354)⌋ = 0 → 1
    const expectedWeights = [
      0.45627264690340597, 0.2707530970017852, 0.16223111715866978, 0.08523354710016448, 0.025509591835974777,
      -0.08532086250759853, -0.236476601148097, -0.3674136577116645, -0.4829083267842344, -0.5862218287788354,
    ];
    p.weights.forEach((w, i) => expect(w).toBeCloseTo(expectedWeights[i], 14));
    // Positive weights sum to 1; with α⁻_μ = 1 + c₁/c_μ the smallest bound, c₁ + c_μ Σ wⱼ = 0.
    expect(p.weights.slice(0, 5).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 15);
    expect(p.c1 + p.cMu * p.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 15);
  });

  it('zeroes the negative weights without active CMA, and handles odd λ', () => {
    const p = cmaEsParameters(10, 11, false);
    expect(p.mu).toBe(5);
    expect(p.weights.slice(5)).toEqual([0, 0, 0, 0, 0, 0]);
    const q = cmaEsParameters(10, 11, true);
    expect(q.weights[5]).toBe(0); // w′₆ = ln 6 − ln 6
    expect(q.weights[6]).toBeLessThan(0);
    expect(cmaEsPopSize(1)).toBe(4);
    expect(cmaEsPopSize(100)).toBe(4 + Math.floor(3 * Math.log(100)));
  });
});

describe('cmaEs', () => {
  it('T8: Rosenbrock-10 from 0.1·1 with σ0 = 0.3 reaches f < 1e-12 within 8,000 evaluations', async () => {
    const es = cmaEs({ sigma0: 0.3, mean0: 0.1 });
    const s0 = es.init({ dim: 10, popSize: cmaEsPopSize(10), key: key(0) });
    const { state } = await runGenerations(es, s0, rosenbrock, 800, (s) => s.run[0].bestFitness < 1e-12);
    const r = state.run[0];
    console.log(`[T8] cmaEs Rosenbrock-10: f = ${r.bestFitness.toExponential(3)} after ${r.evaluations} evaluations`);
    expect(r.bestFitness).toBeLessThan(1e-12);
    expect(r.evaluations).toBeLessThanOrEqual(8000);
    const best = es.best(state);
    for (const v of best.x[0]) expect(Math.abs(v - 1)).toBeLessThan(1e-5);
  });

  it('converges on the sphere (d = 5) in batched runs, each run on its own trajectory', async () => {
    const es = cmaEs({ sigma0: 1 });
    const s0 = es.init({ dim: 5, popSize: 8, runs: 3, key: key(3), init: { uniform: { low: -3, high: 3 } } });
    expect(s0.run[0].mean).not.toEqual(s0.run[1].mean);
    const { state } = await runGenerations(es, s0, sphere, 300, (s) => s.run.every((r) => r.bestFitness < 1e-10));
    for (const r of state.run) {
      expect(r.bestFitness).toBeLessThan(1e-10);
      expect(r.sigma).toBeLessThan(1e-3);
    }
    // Runs are independent: the first run alone reproduces its batched trajectory.
    const single = es.init({ dim: 5, popSize: 8, runs: 3, key: key(3), init: { uniform: { low: -3, high: 3 } } });
    const { state: again } = await runGenerations(es, single, sphere, state.run[0].generation);
    expect(Array.from(again.run[0].mean)).toEqual(Array.from(state.run[0].mean));
  });

  it('is invariant to a monotone transform of f: identical trajectories for f and exp(f)', async () => {
    const es = cmaEs({ sigma0: 0.5, mean0: [1, -1, 0.5, 2] });
    const s0 = es.init({ dim: 4, popSize: 6, key: key(11) });
    const a = await runGenerations(es, s0, rosenbrock, 40);
    const b = await runGenerations(es, s0, (x) => tf.tidy(() => tf.exp(tf.mul(0.01, rosenbrock(x)))), 40);
    expect(Array.from(b.state.run[0].mean)).toEqual(Array.from(a.state.run[0].mean));
    expect(Array.from(b.state.run[0].C)).toEqual(Array.from(a.state.run[0].C));
    expect(b.state.run[0].sigma).toBe(a.state.run[0].sigma);
  });

  it('reproduces a run from the same key, and differs under another key', async () => {
    const es = cmaEs({ sigma0: 0.3, mean0: 0.1 });
    const run = async (seed: number) =>
      (await runGenerations(es, es.init({ dim: 6, popSize: 8, key: key(seed) }), rosenbrock, 20)).state.run[0];
    const [a, b, c] = [await run(5), await run(5), await run(6)];
    expect(Array.from(b.mean)).toEqual(Array.from(a.mean));
    expect(b.sigma).toBe(a.sigma);
    expect(Array.from(c.mean)).not.toEqual(Array.from(a.mean));
  });

  it('first generation: m moves by σ⟨y⟩_w, p_σ and C follow the tutorial update, by hand', async () => {
    const n = 3;
    const es = cmaEs({ sigma0: 0.5, mean0: [1, 2, 3], active: false });
    const s0 = es.init({ dim: n, popSize: 6, key: key(1) });
    const { population, state } = es.ask(s0);
    const x = await population.data();
    const fit = sphere(population);
    const f = await fit.data();
    const s1 = await es.tellAsync(state, population, fit);
    const p = s1.params;
    const order = Array.from({ length: 6 }, (_, i) => i).sort((i, j) => f[i] - f[j]);
    // C₀ = I, so y = (x − m)/σ up to float32 rounding of x.
    const y = (k: number) => [0, 1, 2].map((j) => (x[k * n + j] - [1, 2, 3][j]) / 0.5);
    const yw = [0, 1, 2].map((j) => order.slice(0, 3).reduce((a, k, i) => a + p.weights[i] * y(k)[j], 0));
    const tol = 1e-6;
    [0, 1, 2].forEach((j) => expect(s1.run[0].mean[j]).toBeCloseTo([1, 2, 3][j] + 0.5 * yw[j], 6));
    const csn = Math.sqrt(p.cSigma * (2 - p.cSigma) * p.muEff);
    const ps = yw.map((v) => csn * v);
    [0, 1, 2].forEach((j) => expect(Math.abs(s1.run[0].pSigma[j] - ps[j])).toBeLessThan(tol));
    const psNorm = Math.hypot(...ps);
    const h = psNorm / Math.sqrt(1 - (1 - p.cSigma) ** 2) < (1.4 + 2 / 4) * p.chiN ? 1 : 0;
    const pc = yw.map((v) => h * Math.sqrt(p.cc * (2 - p.cc) * p.muEff) * v);
    const decay = 1 + p.c1 * (1 - h) * p.cc * (2 - p.cc) - p.c1 - p.cMu;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const rankMu = order.slice(0, 3).reduce((a, k, r) => a + p.weights[r] * y(k)[i] * y(k)[j], 0);
        const expected = decay * (i === j ? 1 : 0) + p.c1 * pc[i] * pc[j] + p.cMu * rankMu;
        expect(Math.abs(s1.run[0].C[i * n + j] - expected)).toBeLessThan(tol);
      }
    }
    expect(s1.run[0].sigma).toBeCloseTo(0.5 * Math.exp((p.cSigma / p.dSigma) * (psNorm / p.chiN - 1)), 6);
    // The best evaluated point is the best row of the population, as evaluated.
    expect(es.best(s1).x[0]).toEqual(Array.from(x.slice(order[0] * n, order[0] * n + n)));
    expect(es.best(s1).fitness[0]).toBe(f[order[0]]);
    population.dispose();
    fit.dispose();
  });

  it('treats NaN fitness as +∞ and accepts a population it did not ask for', async () => {
    const es = cmaEs({ sigma0: 1, mean0: 0 });
    const s0 = es.init({ dim: 2, popSize: 4, key: key(2) });
    const { population, state } = es.ask(s0);
    const fit = tf.tensor2d([[NaN, 1, 2, 3]]);
    const s1 = await es.tellAsync(state, population, fit);
    expect(es.best(s1).fitness[0]).toBe(1);
    // A copy of the population is "injected": y is recomputed from its float32 values.
    const copy = tf.clone(population);
    const s2 = await es.tellAsync(state, copy, fit);
    for (let j = 0; j < 2; j++) expect(s2.run[0].mean[j]).toBeCloseTo(s1.run[0].mean[j], 6);
    // The synchronous tell gives the same state as tellAsync for host-created fitness.
    const s3 = es.tell(state, population, fit);
    expect(Array.from(s3.run[0].C)).toEqual(Array.from(s1.run[0].C));
    tf.dispose([population, fit, copy]);
  });

  it('sync tell on a computed fitness: equals tellAsync where the backend reads synchronously, else DescentError unsupported', async () => {
    const es = cmaEs({ sigma0: 1, mean0: 0.5 });
    const { population, state } = es.ask(es.init({ dim: 3, popSize: 5, key: key(8) }));
    const fit = rosenbrock(population);
    const viaAsync = await es.tellAsync(state, population, fit);
    let viaSync: CmaEsState | undefined;
    try {
      viaSync = es.tell(state, population, fit);
    } catch (e) {
      expect(tf.getBackend()).not.toBe('cpu');
      expect(e).toBeInstanceOf(DescentError);
      expect((e as DescentError).code).toBe('unsupported');
      expect((e as Error).message).toMatch(/tellAsync/);
    }
    if (tf.getBackend() === 'cpu') expect(viaSync).toBeDefined();
    if (viaSync !== undefined) expect(Array.from(viaSync.run[0].C)).toEqual(Array.from(viaAsync.run[0].C));
    tf.dispose([population, fit]);
  });

  it('draws the initial mean of each run from init (normal spec or function), else mean0 or 0', () => {
    const es = cmaEs({ sigma0: 1 });
    const s = es.init({ dim: 3, popSize: 4, runs: 2, key: key(4), init: { normal: { mean: 1, std: 2 } } });
    const expected = normalValues(split(key(4))[0], 6, 1, 2);
    expect(Array.from(s.run[1].mean)).toEqual(Array.from(expected.slice(3, 6)));
    const viaFn = es.init({ dim: 3, popSize: 4, runs: 2, key: key(4), init: (_k, shape) => tf.tensor(new Float32Array(shape[0] * shape[2]).fill(7), shape) });
    // A host-created tensor reads back synchronously on every backend (init is synchronous).
    expect(Array.from(viaFn.run[0].mean)).toEqual([7, 7, 7]);
    expect(Array.from(es.init({ dim: 2, popSize: 4, key: key(0) }).run[0].mean)).toEqual([0, 0]);
    expect(Array.from(cmaEs({ sigma0: 1, mean0: [1, 2] }).init({ dim: 2, popSize: 4, key: key(0) }).run[0].mean)).toEqual([1, 2]);
  });

  it('rejects bad options and shapes with DescentError', () => {
    expect(() => cmaEs({ sigma0: 0 })).toThrow(DescentError);
    expect(() => cmaEs({ sigma0: NaN })).toThrow(/sigma0/);
    expect(() => cmaEs({ sigma0: 1, popSize: 1 })).toThrow(/popSize/);
    expect(() => cmaEs({ sigma0: 1, mean0: [1, NaN] })).toThrow(/mean0/);
    expect(() => cmaEs({ sigma0: 1, sigma: 2 } as never)).toThrow(/unknown option 'sigma'/);
    const es = cmaEs({ sigma0: 1, mean0: [0, 0], popSize: 4 });
    expect(() => es.init({ dim: 3, popSize: 4, key: key(0) })).toThrow(/mean0/);
    expect(() => es.init({ dim: 2, popSize: 6, key: key(0) })).toThrow(/popSize/);
    expect(() => es.init({ dim: 0, popSize: 4, key: key(0) })).toThrow(/dim/);
    expect(() => es.init({ dim: 2, popSize: 4, key: [1] as never })).toThrow(/key/);
    expect(() => es.init({ dim: 2, popSize: 4, key: key(0), init: { uniform: { low: 0, high: 1 } } })).toThrow(/init/);
    const s = es.init({ dim: 2, popSize: 4, runs: 2, key: key(0) });
    const { population, state } = es.ask(s);
    const bad = tf.zeros([2, 3]);
    expect(() => es.tell(state, population, bad)).toThrow(/fitness must have shape/);
    tf.dispose([population, bad]);
  });
});
