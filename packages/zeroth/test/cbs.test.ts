/**
 * Consensus-based sampling (`cbs`): one step computed by hand (consensus, e^{−dt} contraction,
 * covariance noise Σ_j √w_j η_ij (x_j − c) with the injected η, Λ of both modes), the covariance
 * of that noise is the weighted covariance C (Monte Carlo), convergence in optimisation mode,
 * bad input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { key } from '@descent/core';
import { cbs, cbsMove, minimize } from '@descent/zeroth';
import { FX0, X0, disposeState, fixedInit, gibbs, sphere, stepXi, vals } from './consensus-fixtures.js';

const SLOW_LANE = 'long stochastic run: the webgpu lane checks the same update exactly (one-step tests); SwiftShader is too slow for hundreds of steps';
const slowLane = () => tf.getBackend() === 'webgpu';

describe('cbs', () => {
  for (const mode of ['optimization', 'sampling'] as const) {
    it(`one step: x_i ← c + e^{−dt}(x_i − c) + √((1 − e^{−2dt})/Λ) Σ_j √w_j η_ij (x_j − c) (${mode})`, async () => {
      const alpha = 0.8;
      const dt = 0.1;
      const s = cbs({ alpha, dt, mode });
      const s0 = s.init({ dim: 2, popSize: 4, runs: 3, key: key(6), init: fixedInit(X0) });
      const asked = s.ask(s0);
      const fitness = sphere(asked.population);
      const s1 = s.tell(asked.state, asked.population, fitness);
      const eta = stepXi(s0.key, 0, 3 * 4 * 4);
      const got = await vals(s1.x);
      const lambdaInv = mode === 'optimization' ? 1 : 1 + alpha;
      const scale = Math.sqrt(lambdaInv * (1 - Math.exp(-2 * dt)));
      for (let m = 0; m < 3; m++) {
        const w = gibbs(FX0[m], alpha);
        const c = [0, 1].map((k) => X0[m].reduce((acc, p, i) => acc + w[i] * p[k], 0));
        for (let i = 0; i < 4; i++) {
          for (let k = 0; k < 2; k++) {
            let noise = 0;
            for (let j = 0; j < 4; j++) noise += Math.sqrt(w[j]) * eta[(m * 4 + i) * 4 + j] * (X0[m][j][k] - c[k]);
            const want = c[k] + Math.exp(-dt) * (X0[m][i][k] - c[k]) + scale * noise;
            expect(got[(m * 4 + i) * 2 + k]).toBeCloseTo(want, 4);
          }
        }
      }
      tf.dispose([asked.population, fitness]);
      disposeState(s0);
      disposeState(s1);
    });
  }

  it('the noise Σ_j √w_j η_j (x_j − c) has the weighted covariance C = Σ_j w_j (x_j − c)(x_j − c)ᵀ', async (ctx) => {
    if (slowLane()) return ctx.skip(SLOW_LANE);
    // Many runs of the same ensemble: the empirical covariance of the noise over runs → C.
    const runs = 20000;
    const base = X0[0];
    const x = tf.tensor3d(Array.from({ length: runs }, () => base));
    const e = tf.tensor2d(Array.from({ length: runs }, () => FX0[0]));
    const a = tf.fill([runs], 0.3);
    const eta = tf.tensor3d(stepXi(key(8), 0, runs * 16), [runs, 4, 4]);
    // dt → large and Λ = 1: x' = c + e^{−dt}(x − c) + √(1 − e^{−2dt}) noise; take particle 0 and subtract the mean part.
    const dt = 50;
    const { moved, consensus } = cbsMove(x, e, a, eta, dt, tf.ones([runs]));
    const mv = await vals(moved);
    const w = gibbs(FX0[0], 0.3);
    const c = [0, 1].map((k) => base.reduce((acc, p, i) => acc + w[i] * p[k], 0));
    const C = [0, 1].map((k) => [0, 1].map((l) => base.reduce((acc, p, j) => acc + w[j] * (p[k] - c[k]) * (p[l] - c[l]), 0)));
    const emp = [[0, 0], [0, 0]];
    for (let r = 0; r < runs; r++) {
      const n0 = mv[r * 8] - c[0];
      const n1 = mv[r * 8 + 1] - c[1];
      emp[0][0] += (n0 * n0) / runs;
      emp[0][1] += (n0 * n1) / runs;
      emp[1][1] += (n1 * n1) / runs;
    }
    const scale = Math.max(C[0][0], C[1][1]);
    expect(Math.abs(emp[0][0] - C[0][0]) / scale).toBeLessThan(0.05);
    expect(Math.abs(emp[0][1] - C[0][1]) / scale).toBeLessThan(0.05);
    expect(Math.abs(emp[1][1] - C[1][1]) / scale).toBeLessThan(0.05);
    tf.dispose([x, e, a, eta, moved, consensus]);
  });

  it('optimisation mode with α ×1.05 (capped at 1e5) collapses onto the minimiser of a shifted convex quadratic (to 1e-2: the growing α freezes the ensemble near, not at, x*)', async (ctx) => {
    if (slowLane()) return ctx.skip(SLOW_LANE);
    const target = [0.5, -0.25, 1];
    const t = tf.tensor1d(target);
    const f = (x: tf.Tensor2D) => tf.tidy(() => tf.sum(tf.square(tf.sub(x, t)), -1) as tf.Tensor1D);
    const res = await minimize(f, cbs({ alpha: 10, dt: 0.1, alphaSchedule: { multiply: 1.05, max: 1e5 } }), {
      dim: 3, popSize: 30, runs: 2, maxIterations: 300, key: key(5), init: { uniform: { low: -2, high: 2 } },
    });
    for (const r of res.runs) {
      r.x.forEach((v, k) => expect(Math.abs(v - target[k])).toBeLessThan(1e-2));
      expect(r.consensus).toBeDefined();
      r.consensus?.forEach((v, k) => expect(Math.abs(v - target[k])).toBeLessThan(1e-2));
    }
    t.dispose();
  });

  it('rejects bad options', () => {
    expect(() => cbs({ dt: -1 })).toThrow(/dt must be/);
    expect(() => cbs({ mode: 'sample' as never })).toThrow(/mode must be one of/);
    expect(() => cbs({ sigma: 1 } as never)).toThrow(/unknown option 'sigma'/);
  });
});
