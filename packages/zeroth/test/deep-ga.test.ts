import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, foldIn, key, normalValues } from '@descent/core';
import { deepGa, genomeToParams, type DeepGaState } from '@descent/zeroth';

/** Rastrigin 10d + Σ(x² − 10 cos 2πx) on rows of [runs, pop, dim]: deterministic and multimodal. */
function rastrigin(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const d = x.shape[2]!;
    return tf.add(d * 10, tf.sum(tf.sub(tf.square(x), tf.mul(10, tf.cos(tf.mul(2 * Math.PI, x)))), 2));
  });
}

describe('genomeToParams', () => {
  it('is θ₀(τ₀) + σ Σ ε(τᵢ) with the documented keys, accumulated in float64', () => {
    const dim = 7;
    const sigma = 0.05;
    const genome = [12345, 7, 4000000000];
    const theta = genomeToParams(genome, { dim, sigma, init: { normal: { mean: 0.5, std: 2 } } });
    const root = key(0);
    const t0 = normalValues(foldIn(foldIn(root, 0), 12345), dim, 0.5, 2);
    const e1 = normalValues(foldIn(foldIn(root, 1), 7), dim);
    const e2 = normalValues(foldIn(foldIn(root, 1), 4000000000), dim);
    for (let j = 0; j < dim; j++) {
      expect(theta[j]).toBe(Math.fround(t0[j] + sigma * e1[j] + sigma * e2[j]));
    }
    // A one-seed genome is θ₀ itself; the default init is N(0, 1).
    expect(Array.from(genomeToParams([3], { dim: 4, sigma }))).toEqual(Array.from(normalValues(foldIn(foldIn(root, 0), 3), 4)));
  });

  it('rejects malformed genomes and options', () => {
    expect(() => genomeToParams([], { dim: 2, sigma: 1 })).toThrow(DescentError);
    expect(() => genomeToParams([1.5], { dim: 2, sigma: 1 })).toThrow(/genome/);
    expect(() => genomeToParams([-1], { dim: 2, sigma: 1 })).toThrow(/genome/);
    expect(() => genomeToParams([1], { dim: 0, sigma: 1 })).toThrow(/dim/);
    expect(() => genomeToParams([1], { dim: 2, sigma: -1 })).toThrow(/sigma/);
    expect(() => genomeToParams([1], { dim: 2, sigma: 1, init: (() => tf.zeros([1])) as never })).toThrow(/init/);
    expect(() => genomeToParams([1], { dim: 2, sigma: 1, init: { uniform: { low: 1, high: 0 } } })).toThrow(/high/);
  });
});

describe('deepGa', () => {
  async function evolve(s0: DeepGaState, generations: number, f = rastrigin) {
    const ga = deepGa({ sigma: s0.sigma, truncation: s0.truncation, elitism: s0.elitism });
    let s = s0;
    const genBest: number[][] = [];
    const snapshots: { state: DeepGaState; x: Float32Array }[] = [];
    for (let g = 0; g < generations; g++) {
      const { population, state } = ga.ask(s);
      const fit = f(population);
      const fv = await fit.data();
      snapshots.push({ state, x: (await population.data()) as Float32Array });
      s = await ga.tellAsync(state, population, fit);
      genBest.push(Array.from({ length: s.runs }, (_, r) => Math.min(...Array.from(fv.slice(r * s.popSize, (r + 1) * s.popSize)))));
      tf.dispose([population, fit]);
    }
    return { state: s, genBest, snapshots, ga };
  }

  it('T7a: every evaluated individual is rebuilt bit for bit from its seed chain', async () => {
    const dim = 12;
    const ga = deepGa({ sigma: 0.1, truncation: 4, elitism: 1 });
    const s0 = ga.init({ dim, popSize: 10, runs: 2, key: key(7), init: { uniform: { low: -5, high: 5 } } });
    const { snapshots, state } = await evolve(s0, 12);
    for (const { state: s, x } of snapshots) {
      for (let r = 0; r < s.runs; r++) {
        for (let i = 0; i < s.popSize; i++) {
          const rebuilt = genomeToParams(s.run[r].genomes[i], { dim, sigma: 0.1, init: { uniform: { low: -5, high: 5 } } });
          const off = (r * s.popSize + i) * dim;
          expect(Array.from(rebuilt)).toEqual(Array.from(x.slice(off, off + dim)));
        }
      }
    }
    // T7c: the genome grows by one seed per generation, whatever dim is.
    const last = snapshots[snapshots.length - 1].state.run[0].genomes;
    expect(Math.max(...last.map((g) => g.length))).toBeLessThanOrEqual(12);
    // The best genome rebuilds the best point.
    for (let r = 0; r < 2; r++) {
      const b = genomeToParams(state.run[r].bestGenome, { dim, sigma: 0.1, init: { uniform: { low: -5, high: 5 } } });
      expect(ga.best(state).x[r]).toEqual(Array.from(b));
    }
  });

  it('T7b: with elitism the best fitness of each generation never gets worse, and it improves', async () => {
    const ga = deepGa({ sigma: 0.3, truncation: 5, elitism: 1 });
    const s0 = ga.init({ dim: 6, popSize: 20, runs: 3, key: key(1), init: { uniform: { low: -4, high: 4 } } });
    const { genBest, state } = await evolve(s0, 40);
    for (let r = 0; r < 3; r++) {
      for (let g = 1; g < genBest.length; g++) expect(genBest[g][r]).toBeLessThanOrEqual(genBest[g - 1][r]);
      expect(genBest[genBest.length - 1][r]).toBeLessThan(genBest[0][r]);
      expect(ga.best(state).fitness[r]).toBe(genBest[genBest.length - 1][r]);
    }
    expect(state.run[0].evaluations).toBe(40 * 20);
  });

  it('keeps the elite unmutated in slot 0, selects children from the top T only', async () => {
    const ga = deepGa({ sigma: 0.5, truncation: 3, elitism: 1 });
    const s0 = ga.init({ dim: 3, popSize: 8, key: key(4) });
    const { population, state } = ga.ask(s0);
    const fit = tf.tensor2d([[5, 1, 7, 3, 2, 9, 8, 6]]);
    const s1 = await ga.tellAsync(state, population, fit);
    const g0 = state.run[0].genomes;
    expect(s1.run[0].genomes[0]).toEqual(g0[1]); // the best (f = 1)
    const top = [g0[1], g0[4], g0[3]].map((g) => g[0]);
    for (const g of s1.run[0].genomes.slice(1)) {
      expect(g.length).toBe(2);
      expect(top).toContain(g[0]);
    }
    expect(ga.best(s1).fitness[0]).toBe(1);
    tf.dispose([population, fit]);
  });

  it('is reproducible from the key, treats NaN as +∞, and tell equals tellAsync', async () => {
    const ga = deepGa({ sigma: 0.2, truncation: 2 });
    const a = ga.init({ dim: 4, popSize: 4, key: key(9) });
    const b = ga.init({ dim: 4, popSize: 4, key: key(9) });
    expect(a.run[0].genomes).toEqual(b.run[0].genomes);
    expect(ga.init({ dim: 4, popSize: 4, key: key(10) }).run[0].genomes).not.toEqual(a.run[0].genomes);
    const { population, state } = ga.ask(a);
    const fit = tf.tensor2d([[NaN, 2, 1, 3]]);
    const s1 = ga.tell(state, population, fit);
    const s2 = await ga.tellAsync(state, population, fit);
    expect(s1.run[0].genomes).toEqual(s2.run[0].genomes);
    expect(s1.run[0].genomes[0]).toEqual(state.run[0].genomes[2]);
    expect(ga.best(s1).fitness[0]).toBe(1);
    tf.dispose([population, fit]);
  });

  it('rejects bad options with DescentError', () => {
    expect(() => deepGa({ sigma: 0 })).toThrow(/sigma/);
    expect(() => deepGa({ truncation: 0 })).toThrow(/truncation/);
    expect(() => deepGa({ truncation: 2, elitism: 3 })).toThrow(/elitism/);
    expect(() => deepGa({ elitism: 1.5 })).toThrow(DescentError);
    expect(() => deepGa({ mutation: 1 } as never)).toThrow(/unknown option/);
    const ga = deepGa({ truncation: 20 });
    expect(() => ga.init({ dim: 2, popSize: 10, key: key(0) })).toThrow(/truncation/);
    expect(() => deepGa({ truncation: 2, elitism: 2 }).init({ dim: 2, popSize: 2, key: key(0) })).toThrow(/elitism/);
    expect(() => deepGa({ truncation: 1 }).init({ dim: 2, popSize: 1, key: key(0) })).toThrow(/popSize/);
    expect(() => deepGa({ truncation: 1 }).init({ dim: 2, popSize: 2, key: key(0), init: () => tf.zeros([1, 2, 2]) })).toThrow(/init/);
    const s = deepGa({ truncation: 1 }).init({ dim: 2, popSize: 2, key: key(0) });
    const { population, state } = deepGa({ truncation: 1 }).ask(s);
    const bad = tf.zeros([1, 3]);
    expect(() => deepGa({ truncation: 1 }).tell(state, population, bad)).toThrow(/fitness must have shape/);
    tf.dispose([population, bad]);
  });

  it('defaults to the Atari configuration σ = 0.002, T = 20, one elite', () => {
    const s = deepGa().init({ dim: 3, popSize: 1000, key: key(0) });
    expect([s.sigma, s.truncation, s.elitism]).toEqual([0.002, 20, 1]);
  });
});
