import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureGradients, key, normalValues } from '@descent/core';
import {
  CategoricalPolicy,
  assignFlat,
  flatToTree,
  gpomdpGradient,
  harpgCorrection,
  harpgDirection,
  harpgInterpolate,
  logLikelihoodFn,
  makeSingleEnv,
  sampleTrajectories,
  trainNHarpg,
  trajectoryHessianVector,
  treeToFlat,
} from '@descent/rl';

/**
 * A linear-Gaussian policy a ~ N(W x, diag(e^{2s})) with parameters {W [2×2], s [2]} on a fixed 4-step trajectory.
 * log π_h = Σ_j −½ (a_hj − μ_hj)² e^{−2 s_j} − s_j − ½ log 2π,  μ_h = x_h W.
 */
const X = [
  [0.5, -1.0],
  [1.5, 0.25],
  [-0.75, 0.5],
  [0.2, 2.0],
];
const A = [
  [0.3, -0.2],
  [1.1, 0.4],
  [-0.5, 0.9],
  [0.0, -1.2],
];
const R = [1.0, 0.5, -0.25, 2.0];
const DISCOUNT = 0.9;
const W0 = [
  [0.4, -0.3],
  [0.1, 0.6],
];
const S0 = [-0.2, 0.3];
const DW = [
  [0.7, -0.1],
  [0.2, 0.5],
];
const DS = [-0.4, 0.25];

type LinParams = { w: tf.Tensor; s: tf.Tensor };

function logProbsFn(): (p: LinParams) => tf.Tensor1D {
  const x = tf.tensor2d(X);
  const a = tf.tensor2d(A);
  return (p) => {
    const z = tf.mul(tf.sub(a, tf.matMul(x, p.w as tf.Tensor2D)), tf.exp(tf.neg(p.s)));
    return tf.sub(tf.sum(tf.mul(tf.scalar(-0.5), tf.square(z)), 1), tf.add(tf.sum(p.s), tf.scalar(Math.log(2 * Math.PI)))) as tf.Tensor1D;
  };
}

/** GPOMDP weights w_h = Σ_{t≥h} γ^t r_t, computed directly. */
const weights = R.map((_, h) => R.reduce((acc, r, t) => (t >= h ? acc + DISCOUNT ** t * r : acc), 0));

/** Closed-form float64 gradient of log π_h and its Hessian applied to (ΔW, Δs). */
function closedForm(w: number[][], s: number[], dw: number[][], ds: number[]) {
  const gradLog: { w: number[][]; s: number[] }[] = [];
  const hessDelta: { w: number[][]; s: number[] }[] = [];
  for (let h = 0; h < X.length; h++) {
    const x = X[h];
    const gw = [[0, 0], [0, 0]];
    const gs = [0, 0];
    const hw = [[0, 0], [0, 0]];
    const hs = [0, 0];
    for (let j = 0; j < 2; j++) {
      const mu = x[0] * w[0][j] + x[1] * w[1][j];
      const r = A[h][j] - mu;
      const e = Math.exp(-2 * s[j]);
      for (let i = 0; i < 2; i++) gw[i][j] = r * e * x[i];
      gs[j] = r * r * e - 1;
      // ∂²/∂W_ij∂W_kj = −x_i x_k e^{−2s_j};  ∂²/∂W_ij∂s_j = −2 r e^{−2s_j} x_i;  ∂²/∂s_j² = −2 r² e^{−2s_j}
      const xDw = x[0] * dw[0][j] + x[1] * dw[1][j];
      for (let i = 0; i < 2; i++) hw[i][j] = -x[i] * e * xDw - 2 * r * e * x[i] * ds[j];
      hs[j] = -2 * r * e * xDw - 2 * r * r * e * ds[j];
    }
    gradLog.push({ w: gw, s: gs });
    hessDelta.push({ w: hw, s: hs });
  }
  const zero = () => ({ w: [[0, 0], [0, 0]], s: [0, 0] });
  const g = zero();
  const hv = zero();
  let c = 0;
  for (let h = 0; h < X.length; h++) {
    for (let j = 0; j < 2; j++) {
      for (let i = 0; i < 2; i++) {
        g.w[i][j] += weights[h] * gradLog[h].w[i][j];
        hv.w[i][j] += weights[h] * hessDelta[h].w[i][j];
        c += gradLog[h].w[i][j] * dw[i][j];
      }
      g.s[j] += weights[h] * gradLog[h].s[j];
      hv.s[j] += weights[h] * hessDelta[h].s[j];
      c += gradLog[h].s[j] * ds[j];
    }
  }
  // B Δ = g ⟨∇log p(τ), Δ⟩ + ∇²Φ Δ
  const bv = { w: g.w.map((row, i) => row.map((v, j) => v * c + hv.w[i][j])), s: g.s.map((v, j) => v * c + hv.s[j]) };
  return { g, hv, bv, c };
}

const flat = (t: { w: number[][]; s: number[] }) => [...t.w.flat(), ...t.s];

describe('(N)-HARPG', () => {
  beforeAll(async () => {
    await ensureGradients();
  });

  it('interpolation and recursive direction', () => {
    expect(Array.from(harpgInterpolate(Float32Array.of(1, 2), Float32Array.of(3, -2), 0.25))).toEqual([2.5, -1]);
    // (1 − 0.5)([1, 1] + [1, −3]) + 0.5·[4, 0] = [1, −1] + [2, 0] = [3, −1]
    expect(Array.from(harpgDirection(Float32Array.of(1, 1), Float32Array.of(1, -3), Float32Array.of(4, 0), 0.5))).toEqual([3, -1]);
  });

  it('B(τ, θ)Δ with exact HVPs matches the closed form of a linear-Gaussian policy and central differences', async () => {
    const fn = logProbsFn();
    const params = { w: tf.tensor2d(W0), s: tf.tensor1d(S0) };
    const delta = { w: tf.tensor2d(DW), s: tf.tensor1d(DS) };
    const wts = tf.tensor1d(weights);
    const { gradient, bv } = trajectoryHessianVector(fn, wts, params, delta);
    const expected = closedForm(W0, S0, DW, DS);
    const gotG = [...(await gradient.w.data()), ...(await gradient.s.data())];
    const gotB = [...(await bv.w.data()), ...(await bv.s.data())];
    flat(expected.g).forEach((v, i) => expect(gotG[i]).toBeCloseTo(v, 4));
    flat(expected.bv).forEach((v, i) => expect(gotB[i]).toBeCloseTo(v, 3));
    // Central differences of ∇Φ along Δ (ε = 1e-2, float32) reproduce the ∇²Φ Δ term: BΔ − g·c.
    const eps = 1e-2;
    const gradAt = async (sign: number) => {
      const p = { w: tf.add(params.w, tf.mul(delta.w, sign * eps)), s: tf.add(params.s, tf.mul(delta.s, sign * eps)) };
      const { gradient: g2, bv: b2 } = trajectoryHessianVector(fn, wts, p, delta);
      const out = [...(await g2.w.data()), ...(await g2.s.data())];
      tf.dispose([p.w, p.s, g2.w, g2.s, b2.w, b2.s]);
      return out;
    };
    const plus = await gradAt(1);
    const minus = await gradAt(-1);
    const fd = plus.map((v, i) => (v - minus[i]) / (2 * eps));
    const hvTerm = gotB.map((v, i) => v - gotG[i] * expected.c);
    flat(expected.hv).forEach((v, i) => {
      expect(hvTerm[i]).toBeCloseTo(v, 3);
      expect(Math.abs(fd[i] - v)).toBeLessThan(2e-3 * Math.max(1, Math.abs(v)));
    });
    tf.dispose([params.w, params.s, delta.w, delta.s, wts, gradient.w, gradient.s, bv.w, bv.s]);
  });

  it('categorical policy (twice-differentiable log-softmax): B Δ matches g·⟨∇L, Δ⟩ + central differences of g', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('trajectory sampling reads actions back synchronously (cpu lane only)');
    const policy = CategoricalPolicy.create(key(3), { envId: 'CartPole-v1', observationDim: 4, actionDim: 2, hidden: [8] });
    const [tr] = sampleTrajectories([makeSingleEnv('CartPole-v1', 5)], policy, key(6), 500);
    const theta = treeToFlat(policy.params as never);
    const delta = normalValues(key(7), theta.length, 0, 0.3);
    const discount = 0.99;
    const bv = harpgCorrection(policy, [tr], discount, delta);
    const g = gpomdpGradient(policy, policy.params as never, [tr], discount);
    // ∇L (L = Σ_h log π) is the gradient of the surrogate with unit weights.
    const ll = logLikelihoodFn(policy, [tr]);
    const ones = tf.ones([tr.length]) as tf.Tensor1D;
    const deltaTree = flatToTree(delta, policy.params as never);
    const unit = trajectoryHessianVector(ll.fn, ones, policy.params as never, deltaTree);
    const gradL = treeToFlat(unit.gradient);
    const c = gradL.reduce((a, v, i) => a + v * delta[i], 0);
    const eps = 1e-2;
    const shifted = (sign: number) => {
      assignFlat(policy.params as never, theta.map((v, i) => v + sign * eps * delta[i]));
      return gpomdpGradient(policy, policy.params as never, [tr], discount);
    };
    const gp = shifted(1);
    const gm = shifted(-1);
    assignFlat(policy.params as never, theta);
    let errMax = 0;
    let scale = 0;
    for (let i = 0; i < theta.length; i++) {
      const expected = g[i] * c + (gp[i] - gm[i]) / (2 * eps);
      errMax = Math.max(errMax, Math.abs(bv[i] - expected));
      scale = Math.max(scale, Math.abs(expected));
    }
    expect(scale).toBeGreaterThan(0.1);
    expect(errMax / scale).toBeLessThan(1e-2);
    ll.dispose();
    tf.dispose([ones, unit.gradient, unit.bv, deltaTree] as never);
    policy.dispose();
  });

  it('solves the bandit and improves CartPole-v1 within a short budget', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('RL trainers read actions back synchronously (cpu lane only)');
    const bandit = await trainNHarpg({ env: 'Bandit-v0', seed: 0, totalSteps: 800 });
    expect(Array.from(bandit.policy.act(Float32Array.of(1, 1), { deterministic: true }))).toEqual([2, 2]);
    bandit.policy.dispose();
    const counts: number[] = [];
    const { policy, history } = await trainNHarpg(
      { env: 'CartPole-v1', seed: 2, totalSteps: 25_000 },
      { onIteration: () => void counts.push(tf.memory().numTensors) },
    );
    const first = history.slice(0, 3).reduce((a, s) => a + s.meanReturn, 0) / 3;
    const last = history.slice(-5).reduce((a, s) => a + s.meanReturn, 0) / 5;
    expect(first).toBeLessThan(50);
    expect(last).toBeGreaterThan(100);
    expect(history.at(-1)!.correctionNorm).toBeGreaterThan(0);
    expect(new Set(counts.slice(1)).size).toBe(1);
    policy.dispose();
  });
});
