/**
 * openaiEs and centeredRanks (spec §B7, acceptance T6b–d): the shaping vector by hand and its
 * properties, hand-computed steps (ranks, raw fitness, weight decay), rank invariance under
 * monotone transforms, antithetic cancellation on a constant objective, NaN handling, per-run
 * inner optimisers, convergence on a sphere, keys, memory and bad input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, chain, foldIn, key, normalValues, uniformValues } from '@descent/core';
import { adam, clipByGlobalNorm, sgd } from '@descent/optim';
import { centeredRanks, minimize, openaiEs, type OpenAiEsOptions } from '@descent/zeroth';

function tensorsOf(x: unknown, out = new Set<tf.Tensor>()): Set<tf.Tensor> {
  if (x instanceof tf.Tensor) out.add(x);
  else if (Array.isArray(x)) x.forEach((v) => tensorsOf(v, out));
  else if (x !== null && typeof x === 'object') Object.values(x).forEach((v) => tensorsOf(v, out));
  return out;
}
function release(prev: unknown, next: unknown): void {
  const keep = tensorsOf(next);
  for (const t of tensorsOf(prev)) if (!keep.has(t) && !t.isDisposed) t.dispose();
}

const sumSquares = (pop: tf.Tensor): tf.Tensor => tf.tidy(() => tf.sum(tf.square(pop), -1));
const fixedStart = (values: number[]) => (_k: unknown, shape: [number, number, number]) => tf.tensor3d(values, shape);

async function run(options: OpenAiEsOptions, o: { dim: number; popSize: number; runs: number; seed: number; steps: number; f: (p: tf.Tensor) => tf.Tensor; x0?: number }) {
  const es = openaiEs(options);
  let s = es.init({ dim: o.dim, popSize: o.popSize, runs: o.runs, key: key(o.seed), init: { normal: { mean: o.x0 ?? 1, std: 0 } } });
  const traj: number[][] = [];
  for (let t = 0; t < o.steps; t++) {
    const { population, state } = es.ask(s);
    const fit = o.f(population);
    const next = await es.tellAsync(state, population, fit);
    tf.dispose([population, fit]);
    release(state, next);
    release(s, next);
    s = next;
    traj.push(Array.from(await s.theta.data()));
  }
  return { es, s, traj };
}

describe('centeredRanks', () => {
  it('by hand: rank/(n−1) − 1/2, lowest first; ties averaged; NaN worst', () => {
    expect(Array.from(centeredRanks([3, 1, 2]))).toEqual([0.5, -0.5, 0]);
    // [1, 1, 2, NaN]: the tie shares rank 0.5 → 0.5/3 − 0.5.
    const r = Array.from(centeredRanks([1, 1, 2, NaN]));
    expect(r[0]).toBeCloseTo(0.5 / 3 - 0.5, 15);
    expect(r[1]).toBeCloseTo(0.5 / 3 - 0.5, 15);
    expect(r[2]).toBeCloseTo(2 / 3 - 0.5, 15);
    expect(r[3]).toBe(0.5);
    expect(Array.from(centeredRanks([7, 7, 7]))).toEqual([0, 0, 0]);
    expect(Array.from(centeredRanks([4]))).toEqual([0]);
  });

  it('T6d: values in [−0.5, 0.5] summing to 0, invariant to monotone transforms', () => {
    for (let trial = 0; trial < 50; trial++) {
      const n = 2 + (trial % 17);
      const v = Array.from(uniformValues(key(trial), n, -5, 5), (x) => Math.round(x * 2) / 2); // with ties
      const r = centeredRanks(v);
      expect(Math.abs(r.reduce((a, b) => a + b, 0))).toBeLessThan(1e-12);
      for (const x of r) expect(Math.abs(x)).toBeLessThanOrEqual(0.5);
      expect(Array.from(centeredRanks(v.map((x) => Math.exp(x) * 3 + 1)))).toEqual(Array.from(r));
    }
  });
});

describe('openaiEs', () => {
  it('one step by hand: antithetic population, centred ranks, ĝ = Σ F_i z_i/(nσ), θ ← θ − γĝ (sgd)', async () => {
    const sigma = 0.1, lr = 0.5, theta = [1, -2];
    for (const weightDecay of [0, 0.01]) {
      const es = openaiEs({ sigma, optimizer: sgd({ learningRate: lr }), weightDecay });
      const s0 = es.init({ dim: 2, popSize: 4, key: key(5), init: fixedStart(theta) });
      const { population, state } = es.ask(s0);
      const pop = Array.from(await population.data());
      // The documented draw: ε = normal(foldIn(key, 0), [runs, n/2, dim]); z = [ε; −ε].
      const eps = normalValues(foldIn(key(5), 0), 4);
      const z = [eps[0], eps[1], eps[2], eps[3], -eps[0], -eps[1], -eps[2], -eps[3]];
      pop.forEach((p, i) => expect(p).toBeCloseTo(theta[i % 2] + sigma * z[i], 6));
      const f = [0, 1, 2, 3].map((i) => pop[2 * i] ** 2 + 3 * pop[2 * i + 1] ** 2);
      const F = centeredRanks(f);
      const fit = tf.tensor2d([f]);
      const s1 = await es.tellAsync(state, population, fit);
      const got = Array.from(await s1.theta.data());
      for (let j = 0; j < 2; j++) {
        let g = 0;
        for (let i = 0; i < 4; i++) g += F[i] * z[2 * i + j];
        g = g / (4 * sigma) + weightDecay * theta[j];
        expect(got[j]).toBeCloseTo(theta[j] - lr * g, 5);
      }
      const best = es.best(s1);
      const i0 = f.indexOf(Math.min(...f));
      expect(best.fitness[0]).toBeCloseTo(f[i0], 5);
      expect(best.x[0][0]).toBeCloseTo(pop[2 * i0], 6);
      expect(best.x[0][1]).toBeCloseTo(pop[2 * i0 + 1], 6);
      tf.dispose([population, fit]);
    }
  });

  it('one step by hand without shaping or antithetic pairs: ĝ = Σ f_i z_i/(nσ)', async () => {
    const sigma = 0.2, lr = 0.1, theta = [0.5, 0.25, -1];
    const es = openaiEs({ sigma, optimizer: sgd({ learningRate: lr }), antithetic: false, centeredRanks: false });
    const s0 = es.init({ dim: 3, popSize: 3, key: key(6), init: fixedStart(theta) });
    const { population, state } = es.ask(s0);
    const z = normalValues(foldIn(key(6), 0), 9);
    const pop = Array.from(await population.data());
    pop.forEach((p, i) => expect(p).toBeCloseTo(theta[i % 3] + sigma * z[i], 6));
    const f = [0, 1, 2].map((i) => pop[3 * i] + 2 * pop[3 * i + 1] - pop[3 * i + 2]);
    const fit = tf.tensor2d([f]);
    const s1 = await es.tellAsync(state, population, fit);
    const got = Array.from(await s1.theta.data());
    for (let j = 0; j < 3; j++) {
      let g = 0;
      for (let i = 0; i < 3; i++) g += f[i] * z[3 * i + j];
      expect(got[j]).toBeCloseTo(theta[j] - (lr * g) / (3 * sigma), 5);
    }
    tf.dispose([population, fit]);
  });

  it('T6b: identical trajectories for f, exp(f) and 3f³ + 1 with centred ranks (adam)', async () => {
    const options = () => ({ sigma: 0.1, optimizer: adam({ learningRate: 0.05 }) });
    const o = { dim: 5, popSize: 8, runs: 2, seed: 21, steps: 15 };
    const a = await run(options(), { ...o, f: sumSquares });
    const b = await run(options(), { ...o, f: (p) => tf.tidy(() => tf.exp(sumSquares(p))) });
    const c = await run(options(), { ...o, f: (p) => tf.tidy(() => tf.add(tf.mul(3, tf.pow(sumSquares(p), 3)), 1)) });
    a.traj.forEach((x, t) => {
      expect(b.traj[t]).toEqual(x);
      expect(c.traj[t]).toEqual(x);
    });
    expect(a.traj[14]).not.toEqual(a.traj[0]);
  });

  it('T6c: antithetic estimates vanish on a constant objective (ranks and raw values)', async () => {
    const constant = (p: tf.Tensor) => tf.tidy(() => tf.fill([p.shape[0] as number, p.shape[1] as number], 3.5));
    const ranked = await run({ sigma: 0.3, optimizer: sgd({ learningRate: 1 }) }, { dim: 4, popSize: 6, runs: 2, seed: 2, steps: 1, f: constant });
    expect(ranked.traj[0]).toEqual(new Array(8).fill(1));
    const raw = await run({ sigma: 0.3, optimizer: sgd({ learningRate: 1 }), centeredRanks: false }, { dim: 4, popSize: 6, runs: 2, seed: 2, steps: 1, f: constant });
    raw.traj[0].forEach((v) => expect(v).toBeCloseTo(1, 5));
  });

  it('each run has its own inner state: global-norm clipping never mixes runs', async () => {
    const maxNorm = 1e-3;
    const { s } = await run({ sigma: 0.1, optimizer: chain(clipByGlobalNorm(maxNorm), sgd({ learningRate: 1 })) }, { dim: 4, popSize: 6, runs: 3, seed: 4, steps: 1, f: sumSquares });
    const th = Array.from(await s.theta.data());
    for (let r = 0; r < 3; r++) {
      const step = Math.hypot(...th.slice(4 * r, 4 * r + 4).map((v) => v - 1));
      expect(step).toBeCloseTo(maxNorm, 6);
    }
  });

  it('NaN fitness ranks worst and never becomes the best; raw shaping rejects it', async () => {
    const es = openaiEs({ sigma: 0.1, optimizer: sgd({ learningRate: 0.1 }) });
    const s0 = es.init({ dim: 2, popSize: 4, key: key(9) });
    const { population, state } = es.ask(s0);
    const fit = tf.tensor2d([[1, NaN, 0.5, 2]]);
    const s1 = await es.tellAsync(state, population, fit);
    for (const v of await s1.theta.data()) expect(Number.isFinite(v)).toBe(true);
    expect(es.best(s1).fitness).toEqual([0.5]);
    const raw = openaiEs({ sigma: 0.1, optimizer: sgd({ learningRate: 0.1 }), centeredRanks: false });
    const r0 = raw.init({ dim: 2, popSize: 4, key: key(9) });
    const asked = raw.ask(r0);
    await expect(raw.tellAsync(asked.state, asked.population, fit)).rejects.toMatchObject({ code: 'non-finite' });
    tf.dispose([population, fit, asked.population]);
  });

  it('converges on the sphere (d = 5, n = 20, σ = 0.1, adam 0.05, 300 steps)', async () => {
    const { s } = await run({ sigma: 0.1, optimizer: adam({ learningRate: 0.05 }) }, { dim: 5, popSize: 20, runs: 2, seed: 1, steps: 300, f: sumSquares });
    const f = await tf.tidy(() => tf.sum(tf.square(s.theta), 1)).data();
    console.log('openaiEs sphere final f(θ)', Array.from(f));
    for (const v of f) expect(v).toBeLessThan(1e-2);
  });

  it('drives minimize: the same best point as a hand-written ask/tell loop, popSize evaluations per iteration', async () => {
    const options = () => ({ sigma: 0.1, optimizer: adam({ learningRate: 0.05 }) });
    const out = await minimize((x) => sumSquares(x) as tf.Tensor1D, openaiEs(options()), {
      dim: 3, popSize: 6, runs: 2, maxIterations: 40, key: key(17), init: { normal: { mean: 1, std: 0 } },
    });
    const { es, s } = await run(options(), { dim: 3, popSize: 6, runs: 2, seed: 17, steps: 40, f: sumSquares });
    const best = es.best(s);
    out.runs.forEach((r, i) => {
      expect(r.evaluations).toBe(240);
      expect(r.fitness).toBeCloseTo(best.fitness[i], 5);
      r.x.forEach((v, j) => expect(v).toBeCloseTo(best.x[i][j], 6));
      expect(r.fitness).toBeLessThan(3 * 0.5);
    });
    release(s, {});
  });

  it('tell (synchronous read-back) equals tellAsync; without sync read-back it names tellAsync', async () => {
    const es = openaiEs({ sigma: 0.1, optimizer: adam({ learningRate: 0.05 }) });
    const s0 = es.init({ dim: 3, popSize: 4, runs: 2, key: key(8), init: { uniform: { low: -1, high: 1 } } });
    const { population, state } = es.ask(s0);
    const fit = sumSquares(population);
    const a = await es.tellAsync(state, population, fit);
    if (tf.getBackend() === 'cpu') {
      const b = es.tell(state, population, fit);
      expect(Array.from(await b.theta.data())).toEqual(Array.from(await a.theta.data()));
      expect(es.best(b)).toEqual(es.best(a));
    } else {
      expect(() => es.tell(state, population, fit)).toThrow(/tellAsync/);
    }
    tf.dispose([population, fit]);
  });

  it('reproducible with the same key; flat tensor count over steps', async () => {
    const o = { dim: 3, popSize: 4, runs: 2, steps: 5, f: sumSquares };
    const a = await run({ sigma: 0.1, optimizer: adam({ learningRate: 0.05 }) }, { ...o, seed: 3 });
    const b = await run({ sigma: 0.1, optimizer: adam({ learningRate: 0.05 }) }, { ...o, seed: 3 });
    const c = await run({ sigma: 0.1, optimizer: adam({ learningRate: 0.05 }) }, { ...o, seed: 4 });
    expect(b.traj).toEqual(a.traj);
    expect(c.traj[4]).not.toEqual(a.traj[4]);
    release(a.s, {}); release(b.s, {}); release(c.s, {});
    const before = tf.memory().numTensors;
    const d = await run({ sigma: 0.1, optimizer: adam({ learningRate: 0.05 }) }, { ...o, steps: 30, seed: 3 });
    release(d.s, {});
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad input with DescentError', () => {
    const bad = (fn: () => unknown, parameter: string) => {
      try { fn(); } catch (e) {
        expect(e).toBeInstanceOf(DescentError);
        expect((e as DescentError).parameter).toBe(parameter);
        return;
      }
      throw new Error(`no error for ${parameter}`);
    };
    const opt = sgd({ learningRate: 0.1 });
    bad(() => openaiEs({ sigma: 0, optimizer: opt }), 'sigma');
    bad(() => openaiEs({ sigma: 0.1 } as never), 'optimizer');
    bad(() => openaiEs({ sigma: 0.1, optimizer: opt, weightDecay: -1 }), 'weightDecay');
    bad(() => openaiEs({ sigma: 0.1, optimizer: opt, antithetic: 1 as never }), 'antithetic');
    bad(() => openaiEs({ sigma: 0.1, optimizer: opt, stepSize: 1 } as never), 'stepSize');
    const es = openaiEs({ sigma: 0.1, optimizer: opt });
    bad(() => es.init({ dim: 2, popSize: 5, key: key(0) }), 'popSize');
    bad(() => es.init({ dim: 2, popSize: 1, key: key(0) }), 'popSize');
    bad(() => es.init({ dim: 2.5, popSize: 4, key: key(0) }), 'dim');
    bad(() => es.init({ dim: 2, popSize: 4, key: key(0), init: { uniform: { low: 1, high: 0 } } }), 'init.uniform.high');
    const s0 = es.init({ dim: 2, popSize: 4, key: key(0) });
    const { population, state } = es.ask(s0);
    const fit = tf.zeros([1, 4]);
    bad(() => es.tell(s0, population, fit), 'state');
    bad(() => es.tell(state, population, tf.zeros([1, 3])), 'fitness');
    bad(() => es.tell(state, tf.zeros([1, 4, 3]), fit), 'population');
    tf.dispose([population, fit]);
  });
});
