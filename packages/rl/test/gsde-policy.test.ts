import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, key } from '@descent/core';
import { GsdePolicy } from '../src/gsde-policy.js';
import { loadPolicy } from '../src/policy-io.js';

/** A 2-input, one-hidden-layer (3 ReLU features), 2-action gSDE actor with hand-picked weights. */
function handPolicy(clipMean = 2): GsdePolicy {
  const v = (values: number[], shape: number[]): tf.Variable => tf.variable(tf.tensor(values, shape));
  return new GsdePolicy({
    envId: 'Hand',
    params: {
      net: [
        { w: v([1, -1, 0.5, 2, 0.5, -1], [2, 3]), b: v([0.1, 0, -0.2], [3]) },
        { w: v([1, 0, -1, 2, 0.5, -0.5], [3, 2]), b: v([0, 0.3], [2]) },
      ],
      logStd: v([-1, 0, -2, 0.5, -0.5, -1], [3, 2]),
    },
    actionLow: new Float32Array([-1, 0]),
    actionHigh: new Float32Array([1, 4]),
    clipMean,
  });
}

/** The same actor evaluated by hand in float64: features, clipped mean, u = μ + z(σ⊙E), log π with the tanh term. */
function reference(obs: number[], noise: number[], clipMean = 2): { actions: number[]; logProb: number; mean: number[] } {
  const w0 = [
    [1, -1, 0.5],
    [2, 0.5, -1],
  ];
  const b0 = [0.1, 0, -0.2];
  const w1 = [
    [1, 0],
    [-1, 2],
    [0.5, -0.5],
  ];
  const b1 = [0, 0.3];
  const logStd = [
    [-1, 0],
    [-2, 0.5],
    [-0.5, -1],
  ];
  const z = [0, 1, 2].map((i) => Math.max(0, obs[0] * w0[0][i] + obs[1] * w0[1][i] + b0[i]));
  const mean = [0, 1].map((j) => Math.min(clipMean, Math.max(-clipMean, z.reduce((s, zi, i) => s + zi * w1[i][j], b1[j]))));
  const scale = [1, 2];
  const bias = [0, 2];
  let logProb = 0;
  const actions = [0, 1].map((j) => {
    let u = mean[j];
    let variance = 1e-6;
    for (let i = 0; i < 3; i++) {
      const s = Math.exp(logStd[i][j]);
      u += z[i] * s * noise[i * 2 + j];
      variance += z[i] * z[i] * s * s;
    }
    const t = Math.tanh(u);
    logProb += -0.5 * ((u - mean[j]) ** 2 / variance + Math.log(variance) + Math.log(2 * Math.PI)) - Math.log(scale[j] * (1 - t * t) + 1e-6);
    return bias[j] + scale[j] * t;
  });
  return { actions, logProb, mean };
}

const noise = [0.3, -1.2, 0.8, 0.1, -0.5, 1.5];
const observations = [
  [0.5, 0.2],
  [1, 1.5],
];

describe('GsdePolicy (hand-computed)', () => {
  it('rsample: u = μ + z(σ⊙E), u_j ~ N(μ_j, Σ_i z_i²σ_ij² + 1e-6), tanh-squashed into the bounds', async () => {
    const policy = handPolicy();
    const obs = tf.tensor2d(observations.flat(), [2, 2]);
    const e = tf.tensor2d(noise, [3, 2]);
    const { actions, logProb } = policy.rsample(policy.params, obs, e);
    const a = await actions.data();
    const lp = await logProb.data();
    observations.forEach((o, r) => {
      const ref = reference(o, noise);
      expect(a[r * 2]).toBeCloseTo(ref.actions[0], 5);
      expect(a[r * 2 + 1]).toBeCloseTo(ref.actions[1], 5);
      // float32 rounds tanh u by up to 2⁻²⁴ relative, and d log(1 − t²)/dt = −2t/(1 − t²) amplifies it near saturation
      // (row 2 has |u₁| ≈ 4.6, so 1 − t² ≈ 4e-4): the tolerance is that bound summed over dimensions, plus 1e-5.
      const bound = ref.actions.reduce((b, a, j) => {
        const t = j === 0 ? a : (a - 2) / 2;
        return b + (2 * Math.abs(t) * 2 ** -24 * 4) / (1 - t * t);
      }, 1e-5);
      expect(Math.abs(lp[r] - ref.logProb)).toBeLessThan(bound);
    });
    tf.dispose([obs, e, actions, logProb]);
    policy.dispose();
  });

  it('the mean is clipped to ±clipMean before the tanh (row 2 has μ₀ = 4.1 → 2), and clipMean 0 disables it', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('act reads actions back synchronously (CPU backend)');
    for (const clipMean of [2, 0]) {
      const policy = handPolicy(clipMean);
      const det = policy.act(Float32Array.from(observations.flat()), { deterministic: true });
      observations.forEach((o, r) => {
        const ref = reference(o, noise, clipMean === 0 ? Infinity : clipMean);
        expect(det[r * 2]).toBeCloseTo(Math.tanh(ref.mean[0]), 6);
        expect(det[r * 2 + 1]).toBeCloseTo(2 + 2 * Math.tanh(ref.mean[1]), 5);
      });
      policy.dispose();
    }
    expect(reference(observations[1], noise).mean[0]).toBe(2);
    expect(reference(observations[1], noise, Infinity).mean[0]).toBeCloseTo(4.1, 12);
  });

  it('explore with one shared matrix equals rsample; one matrix per row uses each row its own', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('explore reads features back synchronously (CPU backend)');
    const policy = handPolicy();
    const shared = policy.explore(Float32Array.from(observations.flat()), Float32Array.from(noise));
    observations.forEach((o, r) => {
      const ref = reference(o, noise);
      expect(shared[r * 2]).toBeCloseTo(ref.actions[0], 5);
      expect(shared[r * 2 + 1]).toBeCloseTo(ref.actions[1], 5);
    });
    const other = noise.map((x) => -x);
    const perRow = policy.explore(Float32Array.from(observations.flat()), Float32Array.from([...noise, ...other]));
    expect(perRow[0]).toBeCloseTo(reference(observations[0], noise).actions[0], 5);
    expect(perRow[2]).toBeCloseTo(reference(observations[1], other).actions[0], 5);
    expect(perRow[3]).toBeCloseTo(reference(observations[1], other).actions[1], 5);
    expect(() => policy.explore(Float32Array.from(observations.flat()), new Float32Array(5))).toThrow(/noise/);
    policy.dispose();
  });

  it('gradients of log π and of the action reach log σ through the noise and the variance (central differences)', async () => {
    const policy = handPolicy();
    const obs = tf.tensor2d(observations.flat(), [2, 2]);
    const e = tf.tensor2d(noise, [3, 2]);
    // A scalar that depends on log σ through both paths: Σ log π + Σ actions.
    const objective = (logStd: tf.Tensor): tf.Scalar =>
      tf.tidy(() => {
        const { actions, logProb } = policy.rsample({ net: policy.params.net, logStd }, obs, e);
        return tf.add(tf.sum(logProb), tf.sum(actions)) as tf.Scalar;
      });
    const g = tf.grad(objective)(policy.params.logStd);
    const analytic = await g.data();
    const base = await policy.params.logStd.data();
    const h = 1e-2;
    for (let k = 0; k < base.length; k++) {
      const shifted = async (delta: number): Promise<number> => {
        const v = Float32Array.from(base);
        v[k] += delta;
        const t = tf.tensor2d(v, [3, 2]);
        const out = objective(t);
        const value = (await out.data())[0] as number;
        tf.dispose([t, out]);
        return value;
      };
      const numeric = ((await shifted(h)) - (await shifted(-h))) / (2 * h);
      // O(h²) truncation plus float32 rounding of the objective (~1e-6 / h): well inside 2e-3·max(1, |g|).
      expect(Math.abs(analytic[k] - numeric)).toBeLessThan(2e-3 * Math.max(1, Math.abs(numeric)));
    }
    expect(analytic.some((x) => Math.abs(x) > 0.1)).toBe(true);
    tf.dispose([obs, e, g]);
    policy.dispose();
  });

  it('save/loadPolicy round-trips weights, log σ, bounds and clipMean', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('save reads weights back synchronously (CPU backend)');
    const policy = handPolicy(1.5);
    const loaded = loadPolicy(policy.save());
    expect(loaded).toBeInstanceOf(GsdePolicy);
    const g = loaded as GsdePolicy;
    expect(g.clipMean).toBe(1.5);
    expect(g.featureDim).toBe(3);
    const o = Float32Array.from(observations.flat());
    expect(Array.from(g.act(o, { deterministic: true }))).toEqual(Array.from(policy.act(o, { deterministic: true })));
    expect(Array.from(g.explore(o, Float32Array.from(noise)))).toEqual(Array.from(policy.explore(o, Float32Array.from(noise))));
    g.dispose();
    policy.dispose();
  });

  it('create: torch-default init, every log σ at logStdInit, seeded; bad shapes and bounds throw DescentError', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('reads weights back synchronously (CPU backend)');
    const opts = { envId: 'X', observationDim: 2, actionLow: new Float32Array([-1]), actionHigh: new Float32Array([1]), hidden: [8, 4], logStdInit: -3.67 };
    const a = GsdePolicy.create(key(3), opts);
    const b = GsdePolicy.create(key(3), opts);
    expect(a.featureDim).toBe(4);
    expect(a.params.logStd.shape).toEqual([4, 1]);
    expect(Array.from(a.params.logStd.dataSync())).toEqual(new Array(4).fill(Math.fround(-3.67)));
    const w0 = a.params.net[0].w.dataSync();
    expect(Math.max(...w0.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(2));
    expect(Array.from(w0)).toEqual(Array.from(b.params.net[0].w.dataSync()));
    a.dispose();
    b.dispose();
    expect(() => GsdePolicy.create(key(0), { ...opts, actionHigh: new Float32Array([Infinity]) })).toThrow(DescentError);
    expect(() => GsdePolicy.create(key(0), { ...opts, hidden: [] })).toThrow(/hidden/);
    const net = [{ w: tf.variable(tf.zeros([2, 3])), b: tf.variable(tf.zeros([3])) }, { w: tf.variable(tf.zeros([3, 1])), b: tf.variable(tf.zeros([1])) }];
    const logStd = tf.variable(tf.zeros([2, 1]));
    expect(() => new GsdePolicy({ envId: 'X', params: { net, logStd }, actionLow: opts.actionLow, actionHigh: opts.actionHigh })).toThrow(/logStd/);
    tf.dispose([...net.flatMap((l) => [l.w, l.b]), logStd]);
  });
});
