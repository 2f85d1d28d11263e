/**
 * Polarized CBO (`polarCbo`, `polarConsensus`): the per-particle consensus equals the explicit
 * kernel-weighted formula (Gaussian and Laplace kernels, kernel factor α or 1), one step computed
 * by hand, the wide-kernel limit equals CBO's consensus, both minima of a double well are found
 * in one run, convergence on a convex function, bad input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { key } from '@descent/core';
import { cbo, minimize, polarCbo, polarConsensus } from '@descent/zeroth';
import { FX0, X0, disposeState, explicitConsensus, fixedInit, runLoop, sphere, stepXi, vals } from './consensus-fixtures.js';

const SLOW_LANE = 'long stochastic run: the webgpu lane checks the same update exactly (one-step tests); SwiftShader is too slow for hundreds of steps';
const slowLane = () => tf.getBackend() === 'webgpu';

/** c_i = Σ_j x_j exp(−κ_f ℓ(x_i, x_j) − α f_j) / Σ_j (…) in float64. */
function explicitPolar(x: number[][], f: number[], alpha: number, kappa: number, kernel: 'gaussian' | 'laplace', factor: number): number[][] {
  return x.map((xi) => {
    const logits = x.map((xj, j) => {
      const d2 = xi.reduce((acc, v, k) => acc + (v - xj[k]) ** 2, 0);
      const nl = kernel === 'gaussian' ? d2 / (2 * kappa * kappa) : Math.sqrt(d2) / kappa;
      return -factor * nl - alpha * f[j];
    });
    const top = Math.max(...logits);
    const w = logits.map((z) => Math.exp(z - top));
    const total = w.reduce((a, b) => a + b, 0);
    return xi.map((_, k) => x.reduce((acc, row, j) => acc + (w[j] / total) * row[k], 0));
  });
}

describe('polarConsensus', () => {
  for (const kernel of ['gaussian', 'laplace'] as const) {
    for (const kernelFactor of ['alpha', 'const'] as const) {
      it(`equals the explicit kernel-weighted consensus per particle (${kernel}, factor ${kernelFactor})`, async () => {
        const alphas = [0.5, 2, 0.1];
        const x = tf.tensor3d(X0);
        const e = tf.tensor2d(FX0);
        const a = tf.tensor1d(alphas);
        const c = polarConsensus(x, e, a, { kappa: 1.5, kernel, kernelFactor });
        const got = await vals(c);
        for (let m = 0; m < 3; m++) {
          const want = explicitPolar(X0[m], FX0[m], alphas[m], 1.5, kernel, kernelFactor === 'alpha' ? alphas[m] : 1);
          want.flat().forEach((v, j) => expect(got[m * 8 + j]).toBeCloseTo(v, 4));
        }
        tf.dispose([x, e, a, c]);
      });
    }
  }

  it('with a very wide kernel it is the ordinary consensus point for every particle', async () => {
    const x = tf.tensor3d(X0);
    const e = tf.tensor2d(FX0);
    const a = tf.tensor1d([1, 1, 1]);
    const c = polarConsensus(x, e, a, { kappa: 1e6, kernel: 'gaussian', kernelFactor: 'const' });
    const got = await vals(c);
    for (let m = 0; m < 3; m++) {
      const want = explicitConsensus(X0[m], FX0[m], 1);
      for (let i = 0; i < 4; i++) for (let k = 0; k < 2; k++) expect(got[m * 8 + i * 2 + k]).toBeCloseTo(want[k], 5);
    }
    tf.dispose([x, e, a, c]);
  });

  it('stays finite at α = 1e5 with energies ~1e3', async () => {
    const x = tf.tensor3d([[[1, 2], [3, 4], [5, 6]]]);
    const e = tf.tensor2d([[1000.5, 1000, 1003]]);
    const a = tf.tensor1d([1e5]);
    const got = await vals(polarConsensus(x, e, a, { kappa: 1, kernel: 'gaussian', kernelFactor: 'const' }));
    expect(got.every(Number.isFinite)).toBe(true);
    [3, 4, 3, 4, 3, 4].forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
    tf.dispose([x, e, a]);
  });
});

describe('polarCbo', () => {
  it('one step: x_i ← x_i − λ dt (x_i − c_i) + σ √dt ‖x_i − c_i‖ ξ_i with the injected ξ', async () => {
    const s = polarCbo({ lambda: 0.9, sigma: 0.8, dt: 0.1, alpha: 0.5, kappa: 1.5 });
    const s0 = s.init({ dim: 2, popSize: 4, runs: 3, key: key(4), init: fixedInit(X0) });
    const asked = s.ask(s0);
    const fitness = sphere(asked.population);
    const s1 = s.tell(asked.state, asked.population, fitness);
    const xi = stepXi(s0.key, 0, 24);
    const got = await vals(s1.x);
    const gotC = await vals(s1.consensus as tf.Tensor);
    for (let m = 0; m < 3; m++) {
      const c = explicitPolar(X0[m], FX0[m], 0.5, 1.5, 'gaussian', 0.5);
      const global = explicitConsensus(X0[m], FX0[m], 0.5);
      expect(gotC[2 * m]).toBeCloseTo(global[0], 5);
      for (let i = 0; i < 4; i++) {
        const drift = X0[m][i].map((v, k) => v - c[i][k]);
        const norm = Math.hypot(...drift);
        for (let k = 0; k < 2; k++) {
          const j = (m * 4 + i) * 2 + k;
          expect(got[j]).toBeCloseTo(X0[m][i][k] - 0.09 * drift[k] + 0.8 * Math.sqrt(0.1) * norm * xi[j], 4);
        }
      }
    }
    tf.dispose([asked.population, fitness]);
    disposeState(s0);
    disposeState(s1);
  });

  it('finds both global minima of the double well (x² − 1)² in one run, where CBO collapses to one', async (ctx) => {
    if (slowLane()) return ctx.skip(SLOW_LANE);
    const well = (x: tf.Tensor) => tf.tidy(() => tf.sum(tf.square(tf.sub(tf.square(x), 1)), -1));
    const count = async (xs: tf.Tensor) => {
      const v = await vals(xs);
      return [v.filter((p) => Math.abs(p + 1) < 0.05).length, v.filter((p) => Math.abs(p - 1) < 0.05).length];
    };
    const opts = { dim: 1, popSize: 50, runs: 1, key: key(9), init: { uniform: { low: -2, high: 2 } } };
    const polar = polarCbo({ sigma: 0.5, alpha: 10, kappa: 0.3, dt: 0.05 });
    const sp = runLoop(polar, well, polar.init(opts), 300);
    const [left, right] = await count(sp.x);
    expect(left).toBeGreaterThanOrEqual(5);
    expect(right).toBeGreaterThanOrEqual(5);
    const plain = cbo({ sigma: 0.5, alpha: 10, dt: 0.05 });
    const sc = runLoop(plain, well, plain.init(opts), 300);
    const [l2, r2] = await count(sc.x);
    expect(Math.min(l2, r2)).toBe(0);
    disposeState(sp);
    disposeState(sc);
  });

  it('converges on a shifted convex quadratic (wide kernel; the setting of the CBO test) to 1e-3', async (ctx) => {
    if (slowLane()) return ctx.skip(SLOW_LANE);
    const target = [0.5, -0.25, 1, 0.75, -0.5];
    const t = tf.tensor1d(target);
    const f = (x: tf.Tensor2D) => tf.tidy(() => tf.sum(tf.square(tf.sub(x, t)), -1) as tf.Tensor1D);
    const res = await minimize(f, polarCbo({ sigma: 0.7, dt: 0.1, alpha: 10, alphaSchedule: { multiply: 1.05, max: 1e5 }, kappa: 10, kernelFactor: 'const' }), {
      dim: 5, popSize: 50, runs: 2, maxIterations: 400, key: key(5), init: { uniform: { low: -2, high: 2 } },
    });
    for (const r of res.runs) r.x.forEach((v, k) => expect(Math.abs(v - target[k])).toBeLessThan(1e-3));
    t.dispose();
  });

  it('rejects bad kernel options', () => {
    expect(() => polarCbo({ sigma: 1, alpha: 1, kappa: 0 })).toThrow(/kappa/);
    expect(() => polarCbo({ sigma: 1, alpha: 1, kernel: 'taz' as never })).toThrow(/kernel must be one of/);
    expect(() => polarCbo({ sigma: 1, alpha: 1, kernelFactor: 'beta' as never })).toThrow(/kernelFactor/);
  });
});
