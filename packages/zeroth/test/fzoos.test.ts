import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, key } from '@descent/core';
import { type ClientObjective, type FederatedRunResult, fedZo, federatedQuadratic, fzoos } from '@descent/zeroth';

/** FedZO's F at the first record whose cumulative queries reach `queries` (it gets at least as many). */
function valueAtQueries(r: FederatedRunResult, queries: number): number {
  const rec = r.history.find((h) => h.queries >= queries);
  if (rec === undefined) throw new Error(`run stopped at ${r.queries} queries < ${queries}`);
  return rec.value;
}

describe('fzoos', () => {
  it('T9: on the federated quadratic (d = 50, 5 clients, div 0.5, T = 10) FZooS beats FedZO at equal queries', async () => {
    // Spec T9 at CI size: d = 50 as the spec asks, R = 5 rounds of FZooS instead of 50 (the
    // 50-round study is bench/fzoos.bench.js). FedZO (q = 20, μ = 0.01) runs until it has used at
    // least as many queries as FZooS, and its F there is compared with FZooS's final F.
    const dim = 50;
    const prob = federatedQuadratic({ dim, clients: 5, div: 0.5, key: key(1) });
    const base = { clients: prob.clients, dim, x0: prob.x0, localSteps: 10, key: key(2) };
    const fz = await fzoos().run({ ...base, rounds: 5 });
    // Queries, by hand: 5 × (1 + 10 initial) + 5 rounds × 5 × (10 steps + 9 × 5 active)
    // + 4 rounds × 5 × (1 at x̄ + 50 active before the random-feature fit) = 55 + 1375 + 1020.
    expect(fz.queries).toBe(2450);
    expect(fz.history.map((h) => h.queries)).toEqual([55, 585, 1115, 1645, 2175, 2450]);
    const fe = await fedZo({ directions: 20, smoothing: 0.01 }).run({ ...base, rounds: 3 });
    expect(fe.queries).toBe(3 * 5 * 10 * 21);
    const gapFz = fz.value - prob.minimum;
    const gapFe = valueAtQueries(fe, fz.queries) - prob.minimum;
    // Measured (seeds 1, 2): FZooS gap 0.006 at 2,450 queries; FedZO gap 0.62 at 3,150.
    // Asserted margin: FZooS's optimality gap is below a quarter of FedZO's.
    expect(gapFz).toBeLessThan(0.25 * gapFe);
    expect(gapFz).toBeLessThan(0.02);
    // ~15 s on the cpu lane, ~40 s on SwiftShader; the margin covers a loaded 2-core machine.
  }, 150_000);

  const small = federatedQuadratic({ dim: 4, clients: 3, div: 0.5, key: key(5) });
  const smallRun = { clients: small.clients, dim: 4, x0: small.x0, rounds: 3, localSteps: 3, key: key(6) };
  const smallOpts = { exploreCandidates: 20, exploreQueries: 2, rffCandidates: 20, rffQueries: 5, features: 100 };

  it('is reproducible from its key and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const a = await fzoos(smallOpts).run(smallRun);
    expect(tf.memory().numTensors).toBe(before);
    const b = await fzoos(smallOpts).run(smallRun);
    expect(b.history).toEqual(a.history);
    expect(b.x).toEqual(a.x);
    const c = await fzoos(smallOpts).run({ ...smallRun, key: key(7) });
    expect(c.x).not.toEqual(a.x);
    // 3 × (1 + 10) + 3 rounds × 3 × (3 + 2 × 2) + 2 rounds × 3 × (1 + 5).
    expect(a.queries).toBe(33 + 63 + 36);
    expect(a.clientQueries).toEqual([44, 44, 44]);
    expect(a.value).toBeLessThan(a.history[0]!.value);
  });

  it('without the correction (γ = 0) fits no random features and only queries x̄ between rounds', async () => {
    const a = await fzoos({ ...smallOpts, gamma: 0 }).run(smallRun);
    expect(a.queries).toBe(33 + 63 + 2 * 3);
  });

  it('rejects bad options and bad clients with DescentError', async () => {
    expect(() => fzoos({ lengthscale: 0 })).toThrow(/lengthscale/);
    expect(() => fzoos({ noise: 0 })).toThrow(/noise/);
    expect(() => fzoos({ historySize: 1 })).toThrow(/historySize/);
    expect(() => fzoos({ exploreQueries: 101 })).toThrow(/exploreQueries/);
    expect(() => fzoos({ rffQueries: 201 })).toThrow(/rffQueries/);
    expect(() => fzoos({ exploreRadius: -1 })).toThrow(/exploreRadius/);
    expect(() => fzoos({ features: 0 })).toThrow(/features/);
    expect(() => fzoos({ gamma: -1 })).toThrow(/gamma/);
    expect(() => fzoos({ localOptimizer: 3 } as never)).toThrow(/localOptimizer/);
    expect(() => fzoos({ lengthScale: 1 } as never)).toThrow(DescentError);
    const run = (o: object) => fzoos(smallOpts).run({ ...smallRun, ...o } as never);
    await expect(run({ x0: [0, 0] })).rejects.toThrow(/x0/);
    await expect(run({ rounds: -1 })).rejects.toThrow(/rounds/);
    await expect(run({ clients: [3] })).rejects.toThrow(/clients/);
    const wrongShape: ClientObjective = (x) => tf.zeros([x.shape[0], 1]) as unknown as tf.Tensor1D;
    await expect(run({ clients: [wrongShape] })).rejects.toMatchObject({ code: 'structure-mismatch' });
    const nan: ClientObjective = (x) => tf.fill([x.shape[0]], NaN) as tf.Tensor1D;
    await expect(run({ clients: [nan] })).rejects.toMatchObject({ code: 'non-finite' });
  });
});
