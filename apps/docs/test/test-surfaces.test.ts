/**
 * The playground's 2-D surfaces: Beale and Himmelblau at their known minima and at hand-computed
 * points, and the differentiable forms of the diffGrad functions equal to @descent/zeroth's
 * piecewise originals (values on a grid crossing every breakpoint) with working gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { diffGradF1, diffGradF2, diffGradF3 } from '@descent/zeroth';
import {
  SURFACES,
  beale,
  diffGradF1Differentiable,
  diffGradF2Differentiable,
  diffGradF3Differentiable,
  himmelblau,
} from '../src/playground/test-surfaces.js';

async function values(f: (x: tf.Tensor2D) => tf.Tensor1D, points: number[][]): Promise<number[]> {
  const out = tf.tidy(() => f(tf.tensor2d(points)));
  const v = Array.from(await out.data());
  out.dispose();
  return v;
}

describe('playground surfaces', () => {
  it('Beale and Himmelblau: 0 at their minima, hand-computed values elsewhere', async () => {
    expect(await values(beale, [[3, 0.5], [0, 0], [1, 0]])).toEqual([0, 1.5 ** 2 + 2.25 ** 2 + 2.625 ** 2, 0.5 ** 2 + 1.25 ** 2 + 1.625 ** 2].map((v) => expect.closeTo(v, 4)));
    const h = await values(himmelblau, [[3, 2], [-2.805118, 3.131312], [-3.77931, -3.283186], [3.584428, -1.848126], [0, 0]]);
    h.slice(0, 4).forEach((v) => expect(v).toBeCloseTo(0, 3));
    expect(h[4]).toBeCloseTo(121 + 49, 4);
  });

  it('each surface is 0-ish at its stated minimum and starts away from it', async () => {
    for (const s of SURFACES) {
      const [atMin, atStart] = await values(s.f, [s.minimum, s.start]);
      expect(atMin, s.id).toBeCloseTo(s.fMin, 3);
      expect(atStart, s.id).toBeGreaterThan(s.fMin + 1);
    }
  });

  it('the differentiable diffGrad functions equal zeroth’s across every breakpoint, and have gradients', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('value comparison on the cpu lane (WebGPU sin differs by more than float32 rounding)');
    const ts = [-1.2, -0.9, -0.91, -0.89, -0.7, -0.6429, -0.5, -0.45, -0.4, -0.3, -0.1, 0, 0.1, 0.2, 0.4, 0.45, 0.5, 0.7, 1.2];
    const grid = ts.flatMap((a) => ts.map((b) => [a, b]));
    const pairs: [typeof diffGradF1, typeof diffGradF1][] = [
      [diffGradF1, diffGradF1Differentiable],
      [diffGradF2, diffGradF2Differentiable],
      [diffGradF3, diffGradF3Differentiable],
    ];
    for (const [original, differentiable] of pairs) {
      const a = await values(original, grid);
      const b = await values(differentiable, grid);
      a.forEach((v, i) => expect(b[i]).toBeCloseTo(v, 4));
      const g = tf.grad((x: tf.Tensor) => tf.sum(differentiable(x as tf.Tensor2D)))(tf.tensor2d([[0.3, -0.2]]));
      const gv = Array.from(await g.data());
      g.dispose();
      expect(gv.every(Number.isFinite)).toBe(true);
      expect(gv.some((v) => v !== 0)).toBe(true);
    }
    // Hand-computed slopes: F1' = 2(t − 0.2) for t > 0, 2(t + 0.3) for t ≤ 0; F3' = 7/8 sign(t) on (0, 0.4).
    const g1 = tf.grad((x: tf.Tensor) => tf.sum(diffGradF1Differentiable(x as tf.Tensor2D)))(tf.tensor2d([[0.5, -0.5]]));
    Array.from(await g1.data()).forEach((v, i) => expect(v).toBeCloseTo([0.6, -0.4][i], 5));
    const g3 = tf.grad((x: tf.Tensor) => tf.sum(diffGradF3Differentiable(x as tf.Tensor2D)))(tf.tensor2d([[0.2, -0.2]]));
    Array.from(await g3.data()).forEach((v, i) => expect(v).toBeCloseTo([0.875, -0.875][i], 5));
  });
});
