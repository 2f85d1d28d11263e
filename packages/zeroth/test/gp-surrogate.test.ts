import { describe, expect, it } from 'vitest';
import { DescentError, key, uniformValues } from '@descent/core';
import {
  averageRffSurrogates,
  fitGpSurrogate,
  fitRffSurrogate,
  randomFourierFeatures,
  rffGradient,
  rffMean,
} from '@descent/zeroth';

// A smooth 2-D test function and its gradient.
const f = (x: ArrayLike<number>): number => Math.sin(2 * x[0]!) + Math.cos(x[1]!) + 0.5 * x[0]! * x[1]!;
const df = (x: ArrayLike<number>): number[] => [2 * Math.cos(2 * x[0]!) + 0.5 * x[1]!, -Math.sin(x[1]!) + 0.5 * x[0]!];

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** n points uniform in centre ± r, drawn from a fixed key. */
function cloud(seed: number, centre: number[], r: number, n: number): Float64Array[] {
  const u = uniformValues(key(seed), n * centre.length, -1, 1);
  return Array.from({ length: n }, (_, j) => Float64Array.from(centre, (c, m) => c + r * u[j * centre.length + m]!));
}

describe('fitGpSurrogate', () => {
  it('its gradient correlates with the true gradient of a smooth 2-D function (cosine >= 0.999 with 40 queries)', () => {
    const centre = [0.3, -0.7];
    const points = cloud(1, centre, 0.5, 40);
    const gp = fitGpSurrogate(points, points.map(f), { lengthscale: 1 });
    for (const x of [centre, [0.5, -0.4], [0.1, -0.9]]) {
      const c = cosine(gp.gradient(x), df(x));
      expect(c).toBeGreaterThanOrEqual(0.999);
    }
  });

  it('the gradient of the mean is the derivative of the mean (central differences, 1e-6)', () => {
    const points = cloud(2, [0, 0, 0], 1, 12);
    const gp = fitGpSurrogate(points, points.map((p) => p[0]! ** 2 - p[1]! + Math.sin(p[2]!)), { lengthscale: 0.8 });
    const x = [0.2, -0.1, 0.3];
    const g = gp.gradient(x);
    const h = 1e-5;
    for (let m = 0; m < 3; m++) {
      const xp = [...x];
      const xm = [...x];
      xp[m]! += h;
      xm[m]! -= h;
      expect(g[m]!).toBeCloseTo((gp.mean(xp) - gp.mean(xm)) / (2 * h), 6);
    }
  });

  it('interpolates well-conditioned data (ℓ = 0.1, noise 1e-6: residual σ²·range·α < 5e-5)', () => {
    const points = cloud(3, [0.3, -0.7], 0.5, 20);
    const values = points.map(f);
    const gp = fitGpSurrogate(points, values, { lengthscale: 0.1 });
    points.forEach((p, j) => expect(gp.mean(p)).toBeCloseTo(values[j]!, 4));
  });

  it('gradient variance: one point in closed form; the prior d/ℓ² far from the data', () => {
    // n = 1: tr Σ∇(x) = d/ℓ² − k(x,x₁)² ‖x − x₁‖² / (ℓ⁴ (1 + σ²)).
    const ell = 0.7;
    const noise = 1e-3;
    const x1 = [0.1, 0.2, -0.3];
    const gp = fitGpSurrogate([x1], [1.5], { lengthscale: ell, noise });
    const x = [0.4, -0.1, 0.0];
    const d2 = (0.3 ** 2) * 3;
    const k = Math.exp(-d2 / (2 * ell * ell));
    expect(gp.gradientVariance(x)).toBeCloseTo(3 / ell ** 2 - (k * k * d2) / (ell ** 4 * (1 + noise)), 10);
    const many = fitGpSurrogate(cloud(4, [0, 0], 0.5, 30), cloud(4, [0, 0], 0.5, 30).map(f));
    expect(many.gradientVariance([50, 50])).toBeCloseTo(2, 10);
    // Inside the data the gradient is much better known than the prior.
    expect(many.gradientVariance([0, 0])).toBeLessThan(0.01 * 2);
  });

  it('rejects bad input with DescentError', () => {
    expect(() => fitGpSurrogate([], [])).toThrow(DescentError);
    expect(() => fitGpSurrogate([[0, 1]], [1, 2])).toThrow(/values/);
    expect(() => fitGpSurrogate([[0, 1], [1]], [1, 2])).toThrow(/points\[1\]/);
    expect(() => fitGpSurrogate([[0, 1]], [NaN])).toThrow(/values\[0\]/);
    expect(() => fitGpSurrogate([[0, 1]], [1], { lengthscale: 0 })).toThrow(/lengthscale/);
    expect(() => fitGpSurrogate([[0, 1]], [1], { noise: -1 })).toThrow(/noise/);
    expect(() => fitGpSurrogate([[0, 1]], [1], { foo: 1 } as never)).toThrow(/foo/);
    expect(() => fitGpSurrogate([[0, 1]], [1]).gradient([0])).toThrow(/length 2/);
  });
});

describe('random-feature surrogate', () => {
  it('its gradient correlates with the true gradient (M = 2000, cosine >= 0.99) and is the derivative of its mean', () => {
    const centre = [0.3, -0.7];
    const points = cloud(5, centre, 0.5, 40);
    const rff = randomFourierFeatures({ dim: 2, features: 2000, lengthscale: 1, key: key(6) });
    const s = fitRffSurrogate(rff, points, points.map(f));
    for (const x of [centre, [0.5, -0.4]]) {
      const c = cosine(rffGradient(s, x), df(x));
      expect(c).toBeGreaterThanOrEqual(0.99);
    }
    const x = [0.2, -0.5];
    const g = rffGradient(s, x);
    const h = 1e-5;
    expect(g[0]!).toBeCloseTo((rffMean(s, [x[0]! + h, x[1]!]) - rffMean(s, [x[0]! - h, x[1]!])) / (2 * h), 5);
    expect(g[1]!).toBeCloseTo((rffMean(s, [x[0]!, x[1]! + h]) - rffMean(s, [x[0]!, x[1]! - h])) / (2 * h), 5);
  });

  it('features are reproducible from the key; averaging is the weighted mean of the surrogates', () => {
    const a = randomFourierFeatures({ dim: 3, features: 50, key: key(7) });
    const b = randomFourierFeatures({ dim: 3, features: 50, key: key(7) });
    expect(Array.from(a.omega)).toEqual(Array.from(b.omega));
    expect(Array.from(a.phase)).toEqual(Array.from(b.phase));
    const pts = cloud(8, [0, 0, 0], 1, 10);
    const s1 = fitRffSurrogate(a, pts, pts.map((p) => p[0]!));
    const s2 = fitRffSurrogate(a, pts, pts.map((p) => p[1]! * 3 + 2));
    const avg = averageRffSurrogates([s1, s2], [1, 3]);
    const x = [0.1, 0.2, 0.3];
    expect(rffMean(avg, x)).toBeCloseTo(0.25 * rffMean(s1, x) + 0.75 * rffMean(s2, x), 10);
    const g = rffGradient(avg, x);
    const g1 = rffGradient(s1, x);
    const g2 = rffGradient(s2, x);
    for (let m = 0; m < 3; m++) expect(g[m]!).toBeCloseTo(0.25 * g1[m]! + 0.75 * g2[m]!, 10);
    expect(() => averageRffSurrogates([s1, fitRffSurrogate(b, pts, pts.map((p) => p[0]!))], [1, 1])).toThrow(DescentError);
    expect(() => averageRffSurrogates([s1], [1, 2])).toThrow(/p/);
    expect(() => randomFourierFeatures({ dim: 0, features: 5, key: key(0) })).toThrow(/dim/);
    expect(() => fitRffSurrogate(a, [[0, 0]], [1])).toThrow(/length 3/);
  });
});
