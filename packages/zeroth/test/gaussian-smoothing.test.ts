/**
 * gaussianSmoothingGradient and twoPointGradient (spec §B7, acceptance T6a): a hand-computed
 * estimate, unbiasedness for ½‖x‖² (the spec's closed form), for the smoothed gradient of Σx⁴
 * (∇f_σ = 4x³ + 12σ²x, not ∇f), sphere directions on a quadratic, constant objectives, trees,
 * use by an optim transformation, keys, memory and bad input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, type Params, key, normalValues, treeLeaves } from '@descent/core';
import { adam } from '@descent/optim';
import { gaussianSmoothingGradient, twoPointGradient } from '@descent/zeroth';

const halfSquares = (p: Params) => tf.tidy(() => tf.mul(0.5, tf.sum(tf.square(p as tf.Tensor), 1)));
const quartic = (p: Params) => tf.tidy(() => tf.sum(tf.pow(p as tf.Tensor, 4), 1));

async function values(t: Params): Promise<number[]> {
  return Array.from(await (t as tf.Tensor).data());
}
function relError(got: number[], want: number[]): number {
  return Math.hypot(...got.map((g, i) => g - want[i])) / Math.hypot(...want);
}

describe('twoPointGradient', () => {
  it('by hand: forward differences along the documented directions u = normal(key, [q, D])', async () => {
    const xs = [1, 2, -1], mu = 0.1, q = 2;
    const x = tf.tensor1d(xs);
    const g = await values(twoPointGradient(halfSquares, x, { mu, samples: q, key: key(3) }));
    const u = normalValues(key(3), q * 3);
    const f = (v: number[]) => 0.5 * v.reduce((a, b) => a + b * b, 0);
    const want = [0, 0, 0];
    for (let i = 0; i < q; i++) {
      const ui = [u[3 * i], u[3 * i + 1], u[3 * i + 2]];
      const d = (f(xs.map((v, j) => v + mu * ui[j])) - f(xs)) / mu;
      ui.forEach((v, j) => (want[j] += (d * v) / q));
    }
    g.forEach((v, j) => expect(v).toBeCloseTo(want[j], 4));
    // Central differences on a quadratic: (x·u)u exactly.
    const c = await values(twoPointGradient(halfSquares, x, { mu, samples: q, key: key(3), difference: 'central' }));
    const wantC = [0, 0, 0];
    for (let i = 0; i < q; i++) {
      const ui = [u[3 * i], u[3 * i + 1], u[3 * i + 2]];
      const d = xs.reduce((a, v, j) => a + v * ui[j], 0);
      ui.forEach((v, j) => (wantC[j] += (d * v) / q));
    }
    c.forEach((v, j) => expect(v).toBeCloseTo(wantC[j], 4));
    // Sphere directions: u = z/‖z‖ from the same draw, the estimate scaled by D = 3.
    const sph = await values(twoPointGradient(halfSquares, x, { mu, samples: q, key: key(3), directions: 'sphere' }));
    const wantS = [0, 0, 0];
    for (let i = 0; i < q; i++) {
      const z = [u[3 * i], u[3 * i + 1], u[3 * i + 2]];
      const ui = z.map((v) => v / Math.hypot(...z));
      const d = (f(xs.map((v, j) => v + mu * ui[j])) - f(xs)) / mu;
      ui.forEach((v, j) => (wantS[j] += (3 * d * v) / q));
    }
    sph.forEach((v, j) => expect(v).toBeCloseTo(wantS[j], 4));
    x.dispose();
  });

  it('T6a: forward Gaussian estimate is unbiased for ∇(½‖x‖²) = x: 1e5 samples, relative error < 2%', async (ctx) => {
    // Monte Carlo with 1e5 samples: on SwiftShader every new kernel shape compiles for seconds, so
    // this study runs on the cpu lane; the webgpu lane checks the same ops by hand above.
    if (tf.getBackend() !== 'cpu') ctx.skip('Monte Carlo study: cpu lane only (SwiftShader compiles each kernel shape for seconds)');

    const xs = [1, -0.5, 2, 0.3];
    const x = tf.tensor1d(xs);
    const g = await values(twoPointGradient(halfSquares, x, { mu: 0.1, samples: 100_000, key: key(11) }));
    const err = relError(g, xs);
    console.log('T6a forward two-point relative error', err);
    expect(err).toBeLessThan(0.02);
    x.dispose();
  });

  it('sphere directions (scaled by D) are unbiased for a quadratic’s gradient Ax + b', async (ctx) => {
    // Monte Carlo with 1e5 samples: on SwiftShader every new kernel shape compiles for seconds, so
    // this study runs on the cpu lane; the webgpu lane checks the same ops by hand above.
    if (tf.getBackend() !== 'cpu') ctx.skip('Monte Carlo study: cpu lane only (SwiftShader compiles each kernel shape for seconds)');

    const xs = [0.5, -1, 1.5, 2], A = [1, 2, 3, 4], b = [0.1, 0.2, -0.3, 1];
    const f = (p: Params) => tf.tidy(() => {
      const P = p as tf.Tensor;
      return tf.sum(tf.add(tf.mul(tf.mul(0.5, tf.tensor1d(A)), tf.square(P)), tf.mul(tf.tensor1d(b), P)), 1);
    });
    const x = tf.tensor1d(xs);
    const want = xs.map((v, i) => A[i] * v + b[i]);
    for (const difference of ['forward', 'central'] as const) {
      const g = await values(twoPointGradient(f, x, { mu: 0.05, samples: 100_000, key: key(12), directions: 'sphere', difference }));
      expect(relError(g, want)).toBeLessThan(0.02);
    }
    x.dispose();
  });
});

describe('gaussianSmoothingGradient', () => {
  it('T6: converges to the smoothed gradient of Σx⁴, ∇f_σ = 4x³ + 12σ²x (not 4x³), one-point and antithetic', async (ctx) => {
    // Monte Carlo with 1e5 samples: on SwiftShader every new kernel shape compiles for seconds, so
    // this study runs on the cpu lane; the webgpu lane checks the same ops by hand above.
    if (tf.getBackend() !== 'cpu') ctx.skip('Monte Carlo study: cpu lane only (SwiftShader compiles each kernel shape for seconds)');

    const xs = [1, -0.5, 0.8, 0.3], sigma = 0.5;
    const x = tf.tensor1d(xs);
    const smoothed = xs.map((v) => 4 * v ** 3 + 12 * sigma ** 2 * v);
    const exact = xs.map((v) => 4 * v ** 3);
    expect(relError(exact, smoothed)).toBeGreaterThan(0.3); // the test can tell them apart
    for (const antithetic of [false, true]) {
      const g = await values(gaussianSmoothingGradient(quartic, x, { sigma, samples: 100_000, key: key(13), antithetic }));
      const err = relError(g, smoothed);
      console.log(`gaussianSmoothingGradient antithetic=${antithetic} relative error`, err);
      expect(err).toBeLessThan(0.02);
    }
    x.dispose();
  });

  it('T6c: the antithetic estimate of a constant objective is exactly 0', async () => {
    const x = tf.tensor1d([1, 2, 3]);
    const constant = (p: Params) => tf.fill([(p as tf.Tensor).shape[0] as number], 4.25);
    expect(await values(gaussianSmoothingGradient(constant, x, { sigma: 0.3, samples: 16, key: key(1), antithetic: true }))).toEqual([0, 0, 0]);
    x.dispose();
  });

  it('trees: leaves get a leading batch axis, the gradient has the tree’s structure, and optim consumes it', async () => {
    const tree = { w: tf.tensor2d([[1, -1], [0.5, 2]]), b: tf.tensor1d([0.25]) };
    const flat = tf.tensor1d([0.25, 1, -1, 0.5, 2]); // keys sorted: b, then w
    const fTree = (p: Params) => tf.tidy(() => {
      const { w, b } = p as { w: tf.Tensor; b: tf.Tensor };
      expect(w.shape.slice(1)).toEqual([2, 2]);
      return tf.add(tf.sum(tf.square(w), [1, 2]), tf.mul(3, tf.sum(b, 1)));
    });
    const fFlat = (p: Params) => tf.tidy(() => {
      const P = p as tf.Tensor;
      return tf.add(tf.sum(tf.square(tf.slice(P, [0, 1], [-1, 4])), 1), tf.mul(3, tf.sum(tf.slice(P, [0, 0], [-1, 1]), 1)));
    });
    const opts = { sigma: 0.1, samples: 64, key: key(4), antithetic: true };
    const gt = gaussianSmoothingGradient(fTree, tree, opts) as { w: tf.Tensor; b: tf.Tensor };
    const gf = await values(gaussianSmoothingGradient(fFlat, flat, opts));
    expect(gt.w.shape).toEqual([2, 2]);
    expect(gt.b.shape).toEqual([1]);
    const joined = [...(await gt.b.data()), ...(await gt.w.data())];
    joined.forEach((v, i) => expect(v).toBeCloseTo(gf[i], 4));
    const opt = adam({ learningRate: 0.1 });
    const out = opt.update(gt, opt.init(tree), tree);
    expect(treeLeaves(out.updates).map((t) => (t as tf.Tensor).shape)).toEqual([[1], [2, 2]]);
    tf.dispose([tree.w, tree.b, flat, gt.w, gt.b, ...treeLeaves(out.updates) as tf.Tensor[]]);
  });

  it('reproducible with the same key; allocates only the returned gradient', async () => {
    const x = tf.tensor1d([1, 2]);
    const opts = { sigma: 0.2, samples: 8, key: key(2) };
    const a = gaussianSmoothingGradient(quartic, x, opts);
    const before = tf.memory().numTensors;
    const b = gaussianSmoothingGradient(quartic, x, opts);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(await values(b)).toEqual(await values(a));
    const c = gaussianSmoothingGradient(quartic, x, { ...opts, key: key(3) });
    expect(await values(c)).not.toEqual(await values(a));
    tf.dispose([x, a as tf.Tensor, b as tf.Tensor, c as tf.Tensor]);
  });

  it('rejects bad input with DescentError', () => {
    const x = tf.tensor1d([1, 2]);
    const bad = (fn: () => unknown, parameter: string) => {
      try { fn(); } catch (e) {
        expect(e).toBeInstanceOf(DescentError);
        expect((e as DescentError).parameter).toBe(parameter);
        return;
      }
      throw new Error(`no error for ${parameter}`);
    };
    const k = key(0);
    bad(() => gaussianSmoothingGradient(quartic, x, { sigma: 0, samples: 4, key: k }), 'sigma');
    bad(() => gaussianSmoothingGradient(quartic, x, { sigma: 0.1, samples: 0, key: k }), 'samples');
    bad(() => gaussianSmoothingGradient(quartic, x, { sigma: 0.1, samples: 4, key: 3 as never }), 'key');
    bad(() => gaussianSmoothingGradient(quartic, x, { sigma: 0.1, samples: 4, key: k, mu: 1 } as never), 'mu');
    bad(() => gaussianSmoothingGradient('f' as never, x, { sigma: 0.1, samples: 4, key: k }), 'f');
    bad(() => gaussianSmoothingGradient(quartic, tf.tensor1d([1], 'int32'), { sigma: 0.1, samples: 4, key: k }), 'x');
    bad(() => gaussianSmoothingGradient((p) => tf.sum(p as tf.Tensor, 1, true), x, { sigma: 0.1, samples: 4, key: k }), 'f');
    bad(() => twoPointGradient(quartic, x, { mu: 0.1, samples: 4, key: k, difference: 'backward' as never }), 'difference');
    bad(() => twoPointGradient(quartic, x, { mu: 0.1, samples: 4, key: k, directions: 'cube' as never }), 'directions');
    bad(() => twoPointGradient(quartic, x, { mu: -1, samples: 4, key: k }), 'mu');
    const before = tf.memory().numTensors;
    bad(() => twoPointGradient((p) => tf.sum(p as tf.Tensor), x, { mu: 0.1, samples: 4, key: k }), 'f');
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
