import { describe, it, expect } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, ensureGradients, key, valueAndGrad } from '@descent/core';
import { CategoricalPolicy } from '../src/categorical-policy.js';
import { GaussianPolicy } from '../src/gaussian-policy.js';
import { initMlp, mlpForward, orthogonalMatrix } from '../src/mlp.js';
import { loadPolicy } from '../src/policy-io.js';
import { initValueNetwork, valueForward } from '../src/value-network.js';

const LOG_2PI = Math.log(2 * Math.PI);

function categorical(): CategoricalPolicy {
  // logits = o·[1, 2, 3]
  const net = [{ w: tf.variable(tf.tensor2d([[1, 2, 3]])), b: tf.variable(tf.tensor1d([0, 0, 0])) }];
  return new CategoricalPolicy({ envId: 'test', params: { net } });
}

function gaussian(squash: boolean): GaussianPolicy {
  // μ = 2·o + 0.5, σ = 0.5
  const net = [{ w: tf.variable(tf.tensor2d([[2]])), b: tf.variable(tf.tensor1d([0.5])) }];
  return new GaussianPolicy({
    envId: 'test',
    params: { net, logStd: tf.variable(tf.tensor1d([Math.log(0.5)])) },
    actionLow: new Float32Array([-2]),
    actionHigh: new Float32Array([2]),
    squash,
  });
}

describe('mlp and value network', () => {
  it('orthogonalMatrix has orthonormal columns (rows ≥ cols) times the gain, and rows when rows < cols', () => {
    for (const [r, c] of [[5, 3], [3, 5]]) {
      const m = orthogonalMatrix(key(1), r, c, 2);
      const small = Math.min(r, c);
      for (let i = 0; i < small; i++) {
        for (let j = 0; j < small; j++) {
          let dot = 0;
          for (let k = 0; k < Math.max(r, c); k++) dot += r >= c ? m[k * c + i] * m[k * c + j] : m[i * c + k] * m[j * c + k];
          expect(dot).toBeCloseTo(i === j ? 4 : 0, 5);
        }
      }
    }
  });

  it('initMlp + mlpForward: shapes, zero biases, tanh hidden layers (hand-checked 1-hidden case)', async () => {
    const net = initMlp(key(0), 3, 2, { hidden: [4] });
    expect(net.map((l) => l.w.shape)).toEqual([[3, 4], [4, 2]]);
    expect(Array.from(await net[0].b.data())).toEqual([0, 0, 0, 0]);
    const x = tf.tensor2d([[0.1, -0.2, 0.3]]);
    const y = mlpForward(net, x);
    const expected = tf.tidy(() => tf.matMul(tf.tanh(tf.matMul(x, net[0].w)), net[1].w));
    const [a, b] = [await y.data(), await expected.data()];
    expect(Array.from(a).map((v, i) => v - b[i]).every((d) => Math.abs(d) < 1e-6)).toBe(true);
    tf.dispose([x, y, expected, ...net.flatMap((l) => [l.w, l.b])]);
  });

  it('value head has gain 1, policy head gain 0.01 (CleanRL)', async () => {
    const v = initValueNetwork(key(2), 4);
    const p = CategoricalPolicy.create(key(2), { envId: 'x', observationDim: 4, actionDim: 2 });
    const vw = await v[2].w.data();
    const pw = await p.params.net[2].w.data();
    const norm = (a: Float32Array | Int32Array | Uint8Array) => Math.sqrt(Array.from(a).reduce((s, x) => s + x * x, 0));
    expect(norm(vw)).toBeCloseTo(1, 4); // a unit column
    expect(norm(pw)).toBeCloseTo(0.01 * Math.SQRT2, 4); // two orthonormal columns · 0.01
    const out = valueForward(v, tf.zeros([5, 4]));
    expect(out.shape).toEqual([5]);
    tf.dispose([out, ...v.flatMap((l) => [l.w, l.b])]);
    p.dispose();
  });
});

describe('CategoricalPolicy (hand-computed, logits [1, 2, 3])', () => {
  it('logProb, entropy and KL', async () => {
    const p = categorical();
    const obs = tf.tensor2d([[1], [1]]);
    const z = Math.log(Math.E + Math.E ** 2 + Math.E ** 3);
    const lp = await p.logProb(p.params, obs, tf.tensor1d([2, 0], 'int32')).data();
    expect(lp[0]).toBeCloseTo(3 - z, 5);
    expect(lp[1]).toBeCloseTo(1 - z, 5);
    const probs = [1, 2, 3].map((l) => Math.exp(l - z));
    const h = await p.entropy(p.params, obs).data();
    expect(h[0]).toBeCloseTo(-probs.reduce((s, q) => s + q * Math.log(q), 0), 5);
    const kl = await p.kl({ logits: tf.tensor2d([[1, 2, 3]]) }, { logits: tf.tensor2d([[0, 0, 0]]) }).data();
    expect(kl[0]).toBeCloseTo(probs.reduce((s, q) => s + q * Math.log(q * 3), 0), 5);
    p.dispose();
  });

  it('Gumbel-max sampling matches softmax frequencies and is reproducible', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('sampling reads back synchronously (cpu lane only)');
    const p = categorical();
    const n = 6000;
    const s = p.sample(new Float32Array(n).fill(1), key(7));
    const z = Math.log(Math.E + Math.E ** 2 + Math.E ** 3);
    const counts = [0, 0, 0];
    for (const a of s.actions) counts[a]++;
    [1, 2, 3].forEach((l, a) => {
      const q = Math.exp(l - z);
      expect(Math.abs(counts[a] / n - q)).toBeLessThan(4 * Math.sqrt((q * (1 - q)) / n));
    });
    expect(s.logProbs[0]).toBeCloseTo([1, 2, 3][s.actions[0]] - z, 5);
    expect(Array.from(p.sample(new Float32Array(n).fill(1), key(7)).actions)).toEqual(Array.from(s.actions));
    expect(Array.from(p.act(new Float32Array([1, -1]), { deterministic: true }))).toEqual([2, 0]);
    expect(() => p.act(new Float32Array([1]))).toThrow(DescentError); // stochastic act needs a key
    p.dispose();
  });
});

describe('GaussianPolicy (hand-computed, μ = 2o + 0.5, σ = 0.5)', () => {
  it('logProb of u = 3 at o = 1 (z = 1), with and without the tanh correction', async () => {
    const plain = -0.5 - Math.log(0.5) - 0.5 * LOG_2PI;
    const p = gaussian(false);
    expect((await p.logProb(p.params, tf.tensor2d([[1]]), tf.tensor2d([[3]])).data())[0]).toBeCloseTo(plain, 5);
    const q = gaussian(true);
    const t = Math.tanh(3);
    const squashed = plain - Math.log(2 * (1 - t * t) + 1e-6);
    expect((await q.logProb(q.params, tf.tensor2d([[1]]), tf.tensor2d([[3]])).data())[0]).toBeCloseTo(squashed, 4);
    const h = await p.entropy(p.params, tf.tensor2d([[0]])).data();
    expect(h[0]).toBeCloseTo(0.5 + 0.5 * LOG_2PI + Math.log(0.5), 5);
    p.dispose();
    q.dispose();
  });

  it('closed-form KL of diagonal Gaussians', async () => {
    const p = gaussian(false);
    const kl = await p.kl(
      { mean: tf.tensor2d([[0, 1]]), logStd: tf.tensor2d([[0, Math.log(2)]]) },
      { mean: tf.tensor2d([[1, 1]]), logStd: tf.tensor2d([[Math.log(2), 0]]) },
    ).data();
    // dim 0: log 2 + (1 + 1)/8 − ½; dim 1: −log 2 + 4/2 − ½
    expect(kl[0]).toBeCloseTo(1.25, 5);
    p.dispose();
  });

  it('rsample is differentiable and matches logProb; squashed actions lie in the bounds', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('gradients + sync reads: cpu lane only');
    await ensureGradients();
    const q = gaussian(true);
    const obs = tf.tensor2d([[1], [-1]]);
    const noise = tf.tensor2d([[1], [-0.5]]);
    const { actions, logProb } = q.rsample(q.params, obs, noise);
    const u = [3, -1.5 - 0.25];
    const a = actions.dataSync();
    expect(a[0]).toBeCloseTo(2 * Math.tanh(u[0]), 5);
    expect(a[1]).toBeCloseTo(2 * Math.tanh(u[1]), 5);
    const lp = await q.logProb(q.params, obs, tf.tensor2d(u, [2, 1])).data();
    expect(logProb.dataSync()[0]).toBeCloseTo(lp[0], 4);
    const { grads } = valueAndGrad((p: typeof q.params) => tf.sum(q.rsample(p, obs, noise).actions) as tf.Scalar)(q.params);
    // ∂(2 tanh(2o + 0.5 + σε))/∂b = 2(1 − tanh²u)
    const gb = (grads.net[0].b as tf.Tensor).dataSync()[0];
    expect(gb).toBeCloseTo(2 * (1 - Math.tanh(u[0]) ** 2) + 2 * (1 - Math.tanh(u[1]) ** 2), 4);
    const s = q.sample(new Float32Array(500).fill(3), key(1));
    expect(s.actions.every((v) => v >= -2 && v <= 2)).toBe(true);
    q.dispose();
  });

  it('sampling: mean and std match; unsquashed env actions are clipped, raw kept', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('sync reads: cpu lane only');
    const p = gaussian(false);
    const n = 4000;
    const s = p.sample(new Float32Array(n).fill(0), key(3));
    const raw = Array.from(s.raw);
    const mean = raw.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(raw.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
    expect(Math.abs(mean - 0.5)).toBeLessThan(4 * (0.5 / Math.sqrt(n)));
    expect(Math.abs(sd - 0.5)).toBeLessThan(0.03);
    const far = p.sample(new Float32Array([10]), key(0));
    expect(far.actions[0]).toBe(2);
    expect(far.raw[0]).toBeGreaterThan(18);
    expect(Array.from(p.act(new Float32Array([0, 10]), { deterministic: true }))).toEqual([0.5, 2]);
    p.dispose();
  });
});

describe('host sampling agrees with the tensor log-probabilities (ratio = 1 before any update)', () => {
  it('categorical and gaussian (plain and squashed)', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('sampling reads back synchronously (cpu lane only)');
    const obs = new Float32Array(Array.from({ length: 24 }, (_, i) => Math.sin(3 * i)));
    const c = CategoricalPolicy.create(key(1), { envId: 'x', observationDim: 4, actionDim: 3 });
    const g = GaussianPolicy.create(key(2), { envId: 'x', observationDim: 4, actionDim: 2, actionLow: new Float32Array([-1, -2]), actionHigh: new Float32Array([1, 2]), logStdInit: -0.3 });
    const q = GaussianPolicy.create(key(3), { envId: 'x', observationDim: 4, actionDim: 2, actionLow: new Float32Array([-1, -2]), actionHigh: new Float32Array([1, 2]), squash: true });
    for (const p of [c, g, q]) {
      const s = p.sample(obs, key(5));
      const lp = tf.tidy(() => (p.logProb(p.params, tf.tensor2d(obs, [6, 4]), p.actionsTensor(s.raw, 6)) as tf.Tensor).dataSync());
      s.logProbs.forEach((v, i) => expect(v).toBeCloseTo(lp[i], 4));
      p.dispose();
    }
  });
});

describe('policy save / loadPolicy', () => {
  it('round trip is exact for both kinds; normalisation statistics travel', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('save reads weights synchronously (cpu lane only)');
    const c = CategoricalPolicy.create(key(4), { envId: 'CartPole-v1', observationDim: 4, actionDim: 2 });
    c.observationNormalization = { mean: new Float32Array([1, 2, 3, 4]), variance: new Float32Array([1, 4, 9, 16]), clip: 10, epsilon: 1e-8 };
    const g = GaussianPolicy.create(key(5), {
      envId: 'Pendulum-v1',
      observationDim: 3,
      actionDim: 1,
      actionLow: new Float32Array([-2]),
      actionHigh: new Float32Array([2]),
      logStdInit: -0.5,
    });
    const obs4 = new Float32Array(Array.from({ length: 40 }, (_, i) => Math.sin(i)));
    const obs3 = new Float32Array(Array.from({ length: 30 }, (_, i) => Math.cos(i) * 5));
    for (const [p, obs] of [[c, obs4], [g, obs3]] as const) {
      const bytes = p.save();
      const q = loadPolicy(bytes);
      expect(q.kind).toBe(p.kind);
      expect(q.envId).toBe(p.envId);
      expect(Array.from(q.act(obs, { deterministic: true }))).toEqual(Array.from(p.act(obs, { deterministic: true })));
      expect(Array.from(q.act(obs, { key: key(9) }))).toEqual(Array.from(p.act(obs, { key: key(9) })));
      expect(Array.from(q.save())).toEqual(Array.from(bytes));
      q.dispose();
    }
    // infinite bounds survive
    const inf = GaussianPolicy.create(key(6), { envId: 'x', observationDim: 2, actionDim: 1, actionLow: new Float32Array([-Infinity]), actionHigh: new Float32Array([Infinity]) });
    const back = loadPolicy(inf.save()) as GaussianPolicy;
    expect(back.actionHigh[0]).toBe(Infinity);
    back.dispose();
    inf.dispose();
    c.dispose();
    g.dispose();
  });

  it('corrupt or mismatched bytes -> DescentError, nothing allocated', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('save reads weights synchronously (cpu lane only)');
    const c = CategoricalPolicy.create(key(4), { envId: 'CartPole-v1', observationDim: 4, actionDim: 2 });
    const bytes = c.save();
    c.dispose();
    const before = tf.memory().numTensors;
    const flipped = bytes.slice();
    flipped[bytes.length - 20] ^= 1;
    expect(() => loadPolicy(flipped)).toThrow(/checksum/);
    expect(() => loadPolicy(bytes.slice(0, 40))).toThrow(DescentError);
    expect(() => loadPolicy(new Uint8Array(100))).toThrow(/magic/);
    const version = bytes.slice();
    version[4] = 9;
    try {
      loadPolicy(version);
      expect.unreachable();
    } catch (e) {
      expect((e as DescentError).code).toBe('checkpoint-mismatch');
    }
    expect(() => loadPolicy('nope' as never)).toThrow(DescentError);
    expect(tf.memory().numTensors).toBe(before);
  });
});
