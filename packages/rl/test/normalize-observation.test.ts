import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { NormalizeObservation, RunningMeanStd, type VectorEnv, type VectorStepResult, makeEnv } from '@descent/rl';

/** A vector environment replaying scripted observation batches (2 sub-environments, 2-d observations). */
function scripted(batches: number[][][], finals: ((number[] | undefined)[] | undefined)[] = []): VectorEnv {
  let t = 0;
  const box = { kind: 'box' as const, shape: [2], low: Float32Array.of(-100, -100), high: Float32Array.of(100, 100) };
  return {
    id: 'Scripted',
    numEnvs: 2,
    observationSpace: box,
    actionSpace: { kind: 'discrete', n: 2 },
    maxEpisodeSteps: Infinity,
    reset: () => Float32Array.from(batches[(t = 0)].flat()),
    step: (): VectorStepResult => {
      t += 1;
      const fin = finals[t] ?? [undefined, undefined];
      return {
        observations: Float32Array.from(batches[t].flat()),
        rewards: Float32Array.of(0, 0),
        terminated: Uint8Array.of(fin[0] ? 1 : 0, fin[1] ? 1 : 0),
        truncated: Uint8Array.of(0, 0),
        finalObservations: fin.map((o) => (o === undefined ? undefined : Float32Array.from(o))),
      };
    },
  };
}

describe('RunningMeanStd', () => {
  it('matches SB3 RunningMeanStd (count ε = 1e-4) on two batches', () => {
    // Batch 1 rows [1, 10], [3, −2]: mean (2, 4), var (1, 36), n = 2; δ = (2, 4), N = 2.0001:
    //   μ = δ·2/N = (1.99990000…, 3.99980001…);  var = (1·1e-4 + 1·2 + δ²·1e-4·2/N)/N = (1.00019998, 35.99905001).
    // Batch 2 rows [5, 4], [−1, 0]: mean (2, 2), var (9, 4) ⇒ μ = (1.99995, 2.999925), var = (5.0, 20.999725), count 4.0001.
    const rms = new RunningMeanStd(2);
    rms.update([1, 10, 3, -2], 2);
    const n = 2.0001;
    expect(rms.mean[0]).toBeCloseTo((2 * 2) / n, 14);
    expect(rms.mean[1]).toBeCloseTo((4 * 2) / n, 14);
    expect(rms.var[0]).toBeCloseTo((1e-4 + 1 * 2 + (4 * 1e-4 * 2) / n) / n, 14);
    expect(rms.var[1]).toBeCloseTo((1e-4 + 36 * 2 + (16 * 1e-4 * 2) / n) / n, 13);
    rms.update([5, 4, -1, 0], 2);
    const [m0, m1, v0, v1] = [4 / n, 8 / n, (1e-4 + 2 + 8e-4 / n) / n, (1e-4 + 72 + 32e-4 / n) / n];
    const [d0, d1] = [2 - m0, 2 - m1];
    const N = n + 2;
    expect(rms.mean[0]).toBeCloseTo(m0 + (d0 * 2) / N, 14); // ≈ 1.99995
    expect(rms.mean[1]).toBeCloseTo(m1 + (d1 * 2) / N, 14); // ≈ 2.999925
    expect(rms.var[0]).toBeCloseTo((v0 * n + 9 * 2 + (d0 * d0 * n * 2) / N) / N, 13); // ≈ 5.0
    expect(rms.var[1]).toBeCloseTo((v1 * n + 4 * 2 + (d1 * d1 * n * 2) / N) / N, 13); // ≈ 20.999725
    expect(rms.count).toBeCloseTo(4.0001, 12);
  });
});

describe('NormalizeObservation', () => {
  const batches = [
    [
      [1, 10],
      [3, -2],
    ],
    [
      [5, 4],
      [-1, 0],
    ],
  ];

  it('updates on reset and step, then normalises with clip 10 and ε = 1e-8 (SB3 VecNormalize)', () => {
    const env = new NormalizeObservation(scripted(batches));
    const o0 = env.reset();
    // (o − μ)/sqrt(var + 1e-8) with the statistics after batch 1 (numbers from the RunningMeanStd test).
    [-0.99980003, 1.00004653, 1.0, -0.99997986].forEach((v, i) => expect(o0[i]).toBeCloseTo(v, 6));
    const o1 = env.step(Int32Array.of(0, 0)).observations;
    [1.34166315, 0.21823569, -1.34161843, -0.65464159].forEach((v, i) => expect(o1[i]).toBeCloseTo(v, 6));
  });

  it('clips to ±10, normalises final observations without updating, and freezes', () => {
    const env = new NormalizeObservation(scripted([[[0, 0], [0, 0]], [[1e6, 0], [0, 0]]], [undefined, [[50, 50], undefined]]));
    env.reset(); // μ ≈ 0, var ≈ 0 ⇒ anything non-zero is clipped
    const before = env.getState();
    env.training = false;
    const r = env.step(Int32Array.of(0, 0));
    expect(env.getState()).toEqual(before);
    expect(r.observations[0]).toBe(10);
    expect(Array.from(r.finalObservations[0]!)).toEqual([10, 10]);
    expect(r.finalObservations[1]).toBeUndefined();
  });

  it('saves and restores statistics; bad states and NaN observations throw', () => {
    const a = new NormalizeObservation(makeEnv('CartPole-v1', { numEnvs: 4, seed: 1 }));
    a.reset();
    for (let t = 0; t < 20; t++) a.step(new Int32Array(4).fill(t % 2));
    const b = new NormalizeObservation(makeEnv('CartPole-v1', { numEnvs: 4, seed: 1 }));
    b.setState(JSON.parse(JSON.stringify(a.getState())));
    b.training = false;
    const raw = Float32Array.of(0.01, 0.2, -0.03, 0.1);
    expect(Array.from(b.normalize(raw))).toEqual(Array.from(a.normalize(raw)));
    expect(() => b.setState({ mean: [0, 0], var: [1, 1], count: 1 })).toThrow(DescentError);
    expect(() => b.setState({ mean: [0, 0, 0, 0], var: [1, -1, 1, 1], count: 1 })).toThrow(/var\[1\]/);
    expect(() => a.normalize(Float32Array.of(NaN, 0, 0, 0))).toThrow(/observation\[0\] is NaN/);
    const nan = new NormalizeObservation(scripted([[[0, NaN], [0, 0]]]));
    expect(() => nan.reset()).toThrow(DescentError);
  });
});
