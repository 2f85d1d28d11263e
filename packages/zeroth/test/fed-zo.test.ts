import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, key } from '@descent/core';
import { sgd } from '@descent/optim';
import { type ClientObjective, fedZo, federatedQuadratic } from '@descent/zeroth';

/** f(x) = a·x + c, batched. */
const linear =
  (a: number[], c: number): ClientObjective =>
  (x) =>
    tf.tidy(() => tf.add(tf.sum(tf.mul(x, tf.tensor1d(a)), 1), c) as tf.Tensor1D);

describe('fedZo', () => {
  it('q = d orthonormal directions recover a linear gradient exactly: one SGD step is x0 − lr·a', async () => {
    const a = [1, -2, 0.5, 3];
    const x0 = [0.1, 0.2, 0.3, 0.4];
    const result = await fedZo({ directions: 4, smoothing: 0.5, localOptimizer: sgd({ learningRate: 0.1 }) }).run({
      clients: [linear(a, 3)],
      dim: 4,
      x0,
      rounds: 1,
      localSteps: 1,
      key: key(0),
    });
    result.x.forEach((v, m) => expect(v).toBeCloseTo(x0[m]! - 0.1 * a[m]!, 4));
    // (q + 1) queries per local step.
    expect(result.queries).toBe(5);
    expect(result.history.map((h) => h.queries)).toEqual([0, 5]);
    expect(result.history[0]!.value).toBeCloseTo(3 + a.reduce((s, v, m) => s + v * x0[m]!, 0), 5);
  });

  it('the server averages the client iterates with the client weights', async () => {
    const a1 = [1, 0, -1];
    const a2 = [0, 2, 1];
    const x0 = [0, 0, 0];
    const result = await fedZo({ directions: 3, smoothing: 0.5, localOptimizer: sgd({ learningRate: 0.05 }) }).run({
      clients: [linear(a1, 0), linear(a2, 1)],
      dim: 3,
      x0,
      rounds: 1,
      localSteps: 2,
      key: key(1),
      weights: [1, 3],
    });
    // Each client takes two exact steps x0 − 2·lr·a_i; x̄ = 0.25 x_1 + 0.75 x_2.
    result.x.forEach((v, m) => expect(v).toBeCloseTo(-2 * 0.05 * (0.25 * a1[m]! + 0.75 * a2[m]!), 4));
    expect(result.clientQueries).toEqual([8, 8]);
    // F = 0.25 f_1 + 0.75 f_2 at x̄.
    const F = result.x.reduce((s, v, m) => s + v * (0.25 * a1[m]! + 0.75 * a2[m]!), 0) + 0.75;
    expect(result.value).toBeCloseTo(F, 5);
  });

  it('decreases the federated quadratic; queries are R·N·T·(q + 1); reproducible; no leaked tensors', async () => {
    const prob = federatedQuadratic({ dim: 10, clients: 3, key: key(2) });
    const before = tf.memory().numTensors;
    const opts = { clients: prob.clients, dim: 10, x0: prob.x0, rounds: 4, localSteps: 5, key: key(3) };
    const a = await fedZo({ directions: 5 }).run(opts);
    expect(tf.memory().numTensors).toBe(before);
    expect(a.queries).toBe(4 * 3 * 5 * 6);
    expect(a.history).toHaveLength(5);
    expect(a.value).toBeLessThan(0.8 * a.history[0]!.value);
    const b = await fedZo({ directions: 5 }).run(opts);
    expect(b.history).toEqual(a.history);
    expect(b.x).toEqual(a.x);
    const c = await fedZo({ directions: 5 }).run({ ...opts, key: key(4) });
    expect(c.x).not.toEqual(a.x);
    const g = await fedZo({ directions: 5, sampling: 'gaussian' }).run(opts);
    expect(g.x).not.toEqual(a.x);
    expect(g.queries).toBe(a.queries);
  });

  it('rejects bad options and bad clients with DescentError', async () => {
    expect(() => fedZo({ directions: 0 })).toThrow(/directions/);
    expect(() => fedZo({ smoothing: 0 })).toThrow(/smoothing/);
    expect(() => fedZo({ sampling: 'sphere' as never })).toThrow(/sampling/);
    expect(() => fedZo({ serverLearningRate: -1 })).toThrow(/serverLearningRate/);
    expect(() => fedZo({ localOptimizer: {} as never })).toThrow(/localOptimizer/);
    expect(() => fedZo({ learningRate: 0.1 } as never)).toThrow(DescentError);
    const ok = { clients: [linear([1, 1], 0)], dim: 2, x0: [0, 0], rounds: 1, localSteps: 1, key: key(0) };
    const run = (o: object) => fedZo({ directions: 2 }).run({ ...ok, ...o } as never);
    await expect(fedZo({ directions: 3 }).run(ok)).rejects.toThrow(/directions/);
    await expect(run({ clients: [] })).rejects.toThrow(/clients/);
    await expect(run({ dim: 0 })).rejects.toThrow(/dim/);
    await expect(run({ x0: [0] })).rejects.toThrow(/x0/);
    await expect(run({ x0: [0, NaN] })).rejects.toThrow(/x0\[1\]/);
    await expect(run({ rounds: 0 })).rejects.toThrow(/rounds/);
    await expect(run({ localSteps: 1.5 })).rejects.toThrow(/localSteps/);
    await expect(run({ key: 3 })).rejects.toThrow(/key/);
    await expect(run({ weights: [1, 2] })).rejects.toThrow(/weights/);
    await expect(run({ weights: [0] })).rejects.toThrow(/weights/);
    await expect(run({ queriesPerStep: 3 })).rejects.toThrow(/queriesPerStep/);
    const wrongShape: ClientObjective = (x) => tf.zeros([x.shape[0] + 1]) as tf.Tensor1D;
    await expect(run({ clients: [wrongShape] })).rejects.toMatchObject({ code: 'structure-mismatch' });
    const nan: ClientObjective = (x) => tf.fill([x.shape[0]], NaN) as tf.Tensor1D;
    await expect(run({ clients: [nan] })).rejects.toMatchObject({ code: 'non-finite' });
  });
});
