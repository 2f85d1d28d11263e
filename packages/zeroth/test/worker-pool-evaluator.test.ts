import { afterAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, key, uniformValues } from '@descent/core';
import { minimize, sphere, workerPoolObjective } from '@descent/zeroth';
import { randomSearch } from './fixtures/random-search.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('workerPoolObjective', () => {
  const f = workerPoolObjective({ filename: fixture('sphere-worker.mjs'), maxThreads: 2, minThreads: 1, chunkSize: 4 });
  afterAll(() => f.close());

  it('evaluates every point in order, in chunks over the pool', async () => {
    const n = 37;
    const dim = 5;
    const flat = uniformValues(key(3), n * dim, -2, 2);
    const x = tf.tensor2d(flat, [n, dim]);
    const before = f.pool.completed;
    const y = await f(x);
    expect(y.shape).toEqual([n]);
    const got = await y.data();
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += flat[i * dim + j]! ** 2;
      expect(got[i]).toBe(Math.fround(s)); // float64 in the worker, rounded once to float32
    }
    expect(f.pool.completed - before).toBe(Math.ceil(n / 4)); // 10 tasks of ≤ 4 points
    tf.dispose([x, y]);
  });

  it('drives minimize like the tensor objective does', async () => {
    const opts = { dim: 4, popSize: 6, runs: 3, maxIterations: 15, key: key(11) };
    const pooled = await minimize(f, randomSearch, opts);
    const local = await minimize(sphere, randomSearch, opts);
    expect(pooled.history.evaluations).toEqual(new Array<number>(15).fill(18));
    pooled.runs.forEach((r, i) => {
      expect(r.x).toEqual(local.runs[i]!.x);
      expect(r.fitness).toBeCloseTo(local.runs[i]!.fitness, 5);
    });
  });

  it('rejects a worker returning the wrong number of values, and bad options', async () => {
    const bad = workerPoolObjective({ filename: fixture('short-worker.mjs'), maxThreads: 1 });
    const x = tf.zeros([3, 2]) as tf.Tensor2D;
    try {
      await expect(bad(x)).rejects.toThrow(/returned 2 values for a task of 3 points/);
      await expect(bad(x)).rejects.toBeInstanceOf(DescentError);
    } finally {
      x.dispose();
      await bad.close();
    }
    expect(() => workerPoolObjective({ filename: '' })).toThrow(DescentError);
    expect(() => workerPoolObjective({ filename: fixture('sphere-worker.mjs'), chunkSize: 0 })).toThrow(/chunkSize/);
  });
});
