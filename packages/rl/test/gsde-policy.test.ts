import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, key, normalValues } from '@descent/core';
import { GsdePolicy } from '../src/gsde-policy.js';
import { loadPolicy } from '../src/policy-io.js';

// Hand-picked weights of a 2-input, one-hidden-layer (3 features), 2-action gSDE policy, used by every hand check.
const W0 = [
  [1, -1, 0.5],
  [2, 0.5, -1],
];
const B0 = [0.1, 0, -0.2];
const W1 = [
  [1, 0],
  [-1, 2],
  [0.5, -0.5],
];
const B1 = [0, 0.3];
const LOG_STD = [
  [-1, 0],
  [-2, 0.5],
  [-0.5, -1],
];
const LOW = [-1, 0];
const HIGH = [1, 4];

/** The hand weights as a GsdePolicy; `options` picks the configuration (default: SAC's, with clipMean 2). */
function handGsde(options: { clipMean?: number; activation?: 'relu' | 'tanh'; squash?: boolean; learnFeatures?: boolean } = {}): GsdePolicy {
  const v = (values: number[][] | number[], shape: number[]): tf.Variable => tf.variable(tf.tensor(values.flat(), shape));
  return new GsdePolicy({
    envId: 'Hand',
    params: { net: [{ w: v(W0, [2, 3]), b: v(B0, [3]) }, { w: v(W1, [3, 2]), b: v(B1, [2]) }], logStd: v(LOG_STD, [3, 2]) },
    actionLow: new Float32Array(LOW),
    actionHigh: new Float32Array(HIGH),
    ...options,
  });
}

/** SAC's configuration of the hand actor. */
function handPolicy(clipMean = 2): GsdePolicy {
  return handGsde({ clipMean });
}

/**
 * By hand in float64: features z = act(o·W₀ + b₀), mean μ = z·W₁ + b₁ (clipped when clipMean > 0), u = μ + z(σ⊙E),
 * Var u_j = Σ_i z_i²σ_ij² + 1e-6, and log N(u; μ, Var u) summed over dimensions.
 */
function handGaussian(obs: number[], noise: number[], activation: 'relu' | 'tanh', clipMean: number): { u: number[]; mean: number[]; logN: number; variance: number[] } {
  const act = activation === 'relu' ? (x: number) => Math.max(0, x) : Math.tanh;
  const z = [0, 1, 2].map((i) => act(obs[0] * W0[0][i] + obs[1] * W0[1][i] + B0[i]));
  const mean = [0, 1].map((j) => {
    const m = z.reduce((s, zi, i) => s + zi * W1[i][j], B1[j]);
    return clipMean > 0 ? Math.min(clipMean, Math.max(-clipMean, m)) : m;
  });
  let logN = 0;
  const variance: number[] = [];
  const u = [0, 1].map((j) => {
    let uj = mean[j];
    let vj = 1e-6;
    for (let i = 0; i < 3; i++) {
      const s = Math.exp(LOG_STD[i][j]);
      uj += z[i] * s * noise[i * 2 + j];
      vj += z[i] * z[i] * s * s;
    }
    variance.push(vj);
    logN += -0.5 * ((uj - mean[j]) ** 2 / vj + Math.log(vj) + Math.log(2 * Math.PI));
    return uj;
  });
  return { u, mean, logN, variance };
}

/** SAC's actor by hand: ReLU features, clipped mean, a = b + s·tanh u, log π with the tanh term. */
function reference(obs: number[], noise: number[], clipMean = 2): { actions: number[]; logProb: number; mean: number[] } {
  const { u, mean, logN } = handGaussian(obs, noise, 'relu', clipMean);
  const scale = [1, 2];
  const bias = [0, 2];
  let logProb = logN;
  const actions = u.map((uj, j) => {
    const t = Math.tanh(uj);
    logProb -= Math.log(scale[j] * (1 - t * t) + 1e-6);
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

/** The hand weights in SB3's on-policy configuration: tanh features, no mean clip, unsquashed, detached features. */
function handOnPolicy(learnFeatures = false): GsdePolicy {
  return handGsde({ activation: 'tanh', clipMean: 0, squash: false, learnFeatures });
}

/** The on-policy form by hand: env action clip(u), log π = log N(u), entropy Σ_j ½ log(2πe·Var u_j). */
function onPolicyReference(obs: number[], noise: number[]): { raw: number[]; actions: number[]; logProb: number; entropy: number; mean: number[] } {
  const { u, mean, logN, variance } = handGaussian(obs, noise, 'tanh', 0);
  const entropy = variance.reduce((h, v) => h + 0.5 * Math.log(2 * Math.PI * Math.E * v), 0);
  return { raw: u, actions: u.map((uj, j) => Math.min(HIGH[j], Math.max(LOW[j], uj))), logProb: logN, entropy, mean };
}

describe('GsdePolicy, on-policy form (SB3 ActorCriticPolicy with use_sde; hand-computed)', () => {
  const obsFlat = Float32Array.from(observations.flat());

  it('sample with matrices held by resetNoise: row r uses matrix r; u, clip(u) and log π(u) as by hand; logProb and entropy agree', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('sample reads the features back synchronously (CPU backend)');
    // Tensors made for the checks are freed with the scope (the policies' variables by dispose).
    tf.engine().startScope();
    try {
      const policy = handOnPolicy();
      const k = key(5);
      policy.resetNoise(k, 2);
      const matrices = Array.from(normalValues(k, 12));
      const s = policy.sample(obsFlat, key(99));
      const lp = await policy.logProb(policy.params, tf.tensor2d(obsFlat, [2, 2]), policy.actionsTensor(s.raw, 2)).data();
      const h = await policy.entropy(policy.params, tf.tensor2d(obsFlat, [2, 2])).data();
      observations.forEach((o, r) => {
        const ref = onPolicyReference(o, matrices.slice(r * 6, r * 6 + 6));
        for (let j = 0; j < 2; j++) {
          expect(s.raw[r * 2 + j]).toBeCloseTo(ref.raw[j], 5);
          expect(s.actions[r * 2 + j]).toBeCloseTo(ref.actions[j], 5);
        }
        expect(s.logProbs[r]).toBeCloseTo(ref.logProb, 4);
        expect(lp[r]).toBeCloseTo(ref.logProb, 4);
        expect(h[r]).toBeCloseTo(ref.entropy, 4);
      });
      // at least one coordinate of this example lies outside its bounds, so the clip is exercised
      expect(Array.from(s.raw).some((u, i) => u !== s.actions[i])).toBe(true);
      // held until the next reset: the same draw again (the key is not used); a new reset changes it
      expect(Array.from(policy.sample(obsFlat, key(7)).raw)).toEqual(Array.from(s.raw));
      policy.resetNoise(key(6), 2);
      expect(Array.from(policy.sample(obsFlat, key(7)).raw)).not.toEqual(Array.from(s.raw));
      // a row count other than the held matrices': fresh per-row matrices from the key
      const one = policy.sample(obsFlat.slice(0, 2), key(8));
      const ref = onPolicyReference(observations[0], Array.from(normalValues(key(8), 6)));
      expect(one.raw[0]).toBeCloseTo(ref.raw[0], 5);
      policy.dispose();
    } finally {
      tf.engine().endScope();
    }
  });

  it('act: deterministic actions are clip(μ(s)) with no mean clip; distribution gives log σ = ½ log Var u; KL(p‖p) = 0', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('act reads back synchronously (CPU backend)');
    // Tensors made for the checks are freed with the scope (the policies' variables by dispose).
    tf.engine().startScope();
    try {
      const policy = handOnPolicy();
      const a = policy.act(obsFlat, { deterministic: true });
      observations.forEach((o, r) => {
        const { mean } = onPolicyReference(o, new Array(6).fill(0));
        expect(a[r * 2]).toBeCloseTo(Math.min(1, Math.max(-1, mean[0])), 5);
        expect(a[r * 2 + 1]).toBeCloseTo(Math.min(4, Math.max(0, mean[1])), 5);
      });
      const d = policy.distribution(policy.params, tf.tensor2d(obsFlat, [2, 2]));
      const ref = onPolicyReference(observations[1], new Array(6).fill(0));
      const logStd = await d.logStd.data();
      // entropy per dim is ½ log(2πe) + log σ_j: recover Σ_j log σ_j from the hand entropy
      expect(logStd[2] + logStd[3]).toBeCloseTo(ref.entropy - Math.log(2 * Math.PI * Math.E), 4);
      expect(Array.from(await policy.kl(d, d).data())).toEqual([0, 0]);
      policy.dispose();
    } finally {
      tf.engine().endScope();
    }
  });

  it('learnFeatures false detaches z(s) in the variance: ∂log π/∂W₀ flows through the mean only', async () => {
    // Tensors made for the checks are freed with the scope (the policies' variables by dispose).
    tf.engine().startScope();
    try {
      const obs = tf.tensor2d(obsFlat, [2, 2]);
      const u = tf.tensor2d([0.4, 1.2, -0.3, 2.5], [2, 2]);
      const detached = handOnPolicy(false);
      const learned = handOnPolicy(true);
      const gradW0 = (p: GsdePolicy): tf.Tensor =>
        tf.grad((w: tf.Tensor) => tf.sum(p.logProb({ net: [{ w, b: p.params.net[0].b }, p.params.net[1]], logStd: p.params.logStd }, obs, u)))(p.params.net[0].w);
      // the same objective with the variance's features computed outside the graph
      const zConst = tf.tanh(tf.add(tf.matMul(obs, detached.params.net[0].w), detached.params.net[0].b));
      const byHand = tf.grad((w: tf.Tensor) => {
        const z = tf.tanh(tf.add(tf.matMul(obs, w as tf.Tensor2D), detached.params.net[0].b));
        const mean = tf.add(tf.matMul(z, detached.params.net[1].w), detached.params.net[1].b);
        const variance = tf.add(tf.matMul(tf.square(zConst), tf.exp(tf.mul(2, detached.params.logStd))), 1e-6);
        return tf.sum(tf.mul(-0.5, tf.add(tf.add(tf.div(tf.square(tf.sub(u, mean)), variance), tf.log(variance)), Math.log(2 * Math.PI))));
      })(detached.params.net[0].w);
      const got = await gradW0(detached).data();
      const want = await byHand.data();
      got.forEach((g, i) => expect(g).toBeCloseTo(want[i] as number, 4));
      const withFeatures = await gradW0(learned).data();
      expect(Math.max(...Array.from(withFeatures).map((g, i) => Math.abs(g - (want[i] as number))))).toBeGreaterThan(1e-2);
      detached.dispose();
      learned.dispose();
    } finally {
      tf.engine().endScope();
    }
  });

  it('save/loadPolicy keeps the on-policy flags (tanh, unsquashed, detached, no mean clip) and infinite bounds', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('save reads weights back synchronously (CPU backend)');
    const policy = handOnPolicy();
    const g = loadPolicy(policy.save()) as GsdePolicy;
    expect([g.activation, g.squash, g.learnFeatures, g.clipMean]).toEqual(['tanh', false, false, 0]);
    expect(Array.from(g.act(obsFlat, { deterministic: true }))).toEqual(Array.from(policy.act(obsFlat, { deterministic: true })));
    const open = GsdePolicy.create(key(1), {
      envId: 'X', observationDim: 2, actionLow: new Float32Array([-Infinity]), actionHigh: new Float32Array([Infinity]), squash: false, activation: 'tanh', orthogonalInit: true, logStdInit: 0,
    });
    const back = loadPolicy(open.save()) as GsdePolicy;
    expect([back.actionLow[0], back.actionHigh[0]]).toEqual([-Infinity, Infinity]);
    for (const p of [g, policy, open, back]) p.dispose();
  });
});
