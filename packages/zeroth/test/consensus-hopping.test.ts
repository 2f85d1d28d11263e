/**
 * Consensus hopping (`consensusHopping`): the first population is the init draw, every next one is
 * c_α(previous samples) + σ_k ξ with the injected ξ (σ decay included), the point converges on a
 * convex function, the large-α / small-σ step approximates the proximal point (the
 * "gradient is all you need" limit), bad input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { key } from '@descent/core';
import { consensusHopping, minimize } from '@descent/zeroth';
import { FX0, X0, disposeState, drop, explicitConsensus, fixedInit, sphere, stepXi, vals } from './consensus-fixtures.js';

const SLOW_LANE = 'long stochastic run: the webgpu lane checks the same update exactly (one-step tests); SwiftShader is too slow for hundreds of steps';
const slowLane = () => tf.getBackend() === 'webgpu';

describe('consensusHopping', () => {
  it('Y_{k+1} = c_α(Y_k) + σ_{k+1} ξ with the injected ξ, σ halved every step by sigmaDecay', async () => {
    const s = consensusHopping({ sigma: 0.6, alpha: 1.5, sigmaDecay: { factor: 0.5, every: 1 } });
    let state = s.init({ dim: 2, popSize: 4, runs: 3, key: key(12), init: fixedInit(X0) });
    const k0 = state.key;
    let xs = X0;
    let fs = FX0;
    for (let t = 0; t < 3; t++) {
      const asked = s.ask(state);
      expect(asked.population.shape).toEqual([3, 4, 2]);
      const pop = await vals(asked.population);
      xs.flat(2).forEach((v, j) => expect(pop[j]).toBeCloseTo(v, 4));
      const fitness = sphere(asked.population);
      const next = s.tell(asked.state, asked.population, fitness);
      const xi = stepXi(k0, t, 24);
      const sigmaNext = 0.6 * 0.5 ** (t + 1);
      const cs = xs.map((run, m) => explicitConsensus(run, fs[m], 1.5));
      const gotC = await vals(next.consensus as tf.Tensor);
      cs.flat().forEach((v, j) => expect(gotC[j]).toBeCloseTo(v, 4));
      xs = cs.map((c, m) => [0, 1, 2, 3].map((i) => c.map((v, k) => v + sigmaNext * xi[(m * 4 + i) * 2 + k])));
      fs = xs.map((run) => run.map((p) => p[0] * p[0] + p[1] * p[1]));
      tf.dispose([asked.population, fitness]);
      drop(asked.state, next);
      state = next;
    }
    disposeState(state);
  });

  it('on a quadratic one hop is, for many samples, the proximal step argmin f(y) + ‖y − x‖²/(2ασ²)', async (ctx) => {
    if (slowLane()) return ctx.skip(SLOW_LANE);
    // f(y) = ½‖y‖², x = (2, −1): e^{−αf} N(x, σ²I) ∝ N(x/(1 + τ), ·) with τ = ασ² = 0.49, so c_α → prox_τ(x) = x/(1 + τ).
    const alpha = 1;
    const sigma = 0.7;
    const runs = 64;
    const s = consensusHopping({ sigma, alpha });
    const init = (k: never, shape: number[]) => tf.tidy(() => tf.add(tf.tensor1d([2, -1]), tf.mul(sigma, tf.randomNormal(shape, 0, 1, 'float32', 3))));
    const st = s.init({ dim: 2, popSize: 4000, runs, key: key(1), init: init as never });
    const asked = s.ask(st);
    const fitness = tf.tidy(() => tf.mul(0.5, sphere(asked.population)));
    const next = s.tell(asked.state, asked.population, fitness);
    const c = await vals(next.consensus as tf.Tensor);
    const mean = [0, 1].map((k) => c.filter((_, j) => j % 2 === k).reduce((a, b) => a + b, 0) / runs);
    expect(Math.abs(mean[0] - 2 / 1.49)).toBeLessThan(0.02);
    expect(Math.abs(mean[1] + 1 / 1.49)).toBeLessThan(0.02);
    tf.dispose([asked.population, fitness]);
    disposeState(st);
    disposeState(next);
  });

  it('converges on a shifted convex quadratic to 1e-3 with a vanishing σ (×0.9 every 5 steps)', async (ctx) => {
    if (slowLane()) return ctx.skip(SLOW_LANE);
    const target = [0.5, -0.25, 1];
    const t = tf.tensor1d(target);
    const f = (x: tf.Tensor2D) => tf.tidy(() => tf.sum(tf.square(tf.sub(x, t)), -1) as tf.Tensor1D);
    // Once ασ² ≪ 1 the hop is a tiny proximal step and the weights flatten, so the error floor is ~1/√α: α = 1e6 for 1e-3.
    const res = await minimize(f, consensusHopping({ sigma: 0.5, alpha: 1e6, sigmaDecay: { factor: 0.9, every: 5 } }), {
      dim: 3, popSize: 50, runs: 2, maxIterations: 400, key: key(5), init: { uniform: { low: -2, high: 2 } },
    });
    for (const r of res.runs) r.consensus?.forEach((v, k) => expect(Math.abs(v - target[k])).toBeLessThan(1e-3));
    t.dispose();
  });

  it('rejects bad options', () => {
    expect(() => consensusHopping({ sigma: 0, alpha: 1 })).toThrow(/sigma must be/);
    expect(() => consensusHopping({ sigma: 1, alpha: 1, sigmaDecay: { factor: 2, every: 1 } })).toThrow(/sigmaDecay.factor/);
    expect(() => consensusHopping({ sigma: 1, alpha: 1, sigmaDecay: { factor: 0.5, every: 0 } })).toThrow(/sigmaDecay.every/);
    expect(() => consensusHopping({ sigma: 1, alpha: 1, lambda: 1 } as never)).toThrow(/unknown option 'lambda'/);
  });
});
