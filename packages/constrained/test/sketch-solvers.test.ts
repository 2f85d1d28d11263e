import { describe, expect, it } from 'vitest';
import { DescentError, key, normalValues } from '@descent/core';
import { Matrix, SingularValueDecomposition } from 'ml-matrix';
import { gaussianSketch, randomizedKaczmarz } from '../src/sketch-solver.js';

/** A reproducible N×N system A z* = b with A = Q1 diag(s) Q2-ish (random Gaussian plus a diagonal shift). */
function system(seed: number, n: number, shift: number) {
  const v = normalValues(key(seed), n * n + n);
  const A: number[][] = [];
  for (let i = 0; i < n; i++) A.push(Array.from({ length: n }, (_, j) => (v[i * n + j] as number) + (i === j ? shift : 0)));
  const zStar = Array.from(v.subarray(n * n), Number);
  const b = A.map((row) => row.reduce((s, a, j) => s + a * (zStar[j] as number), 0));
  return { A, b, zStar };
}

const dist = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - (b[i] as number)) ** 2;
  return Math.sqrt(s);
};

describe('sketch solvers', () => {
  it('randomized Kaczmarz converges on a consistent system (to 1e-10 relative residual)', () => {
    const { A, b, zStar } = system(1, 8, 4);
    const r = randomizedKaczmarz(A, b, { key: key(0), tol: 1e-10 });
    expect(r.stoppedBy).toBe('condition');
    expect(r.residualNorm).toBeLessThanOrEqual(1e-10 * Math.hypot(...b));
    expect(dist(r.z, zStar)).toBeLessThan(1e-8);
    // The reported residual is the exact one.
    const exact = A.map((row, i) => row.reduce((s, a, j) => s + a * (r.z[j] as number), 0) - (b[i] as number));
    expect(dist(r.residual, exact)).toBeLessThan(1e-14 * (1 + Math.hypot(...b)));
  });

  it('every sketch-and-project step is a projection onto a set containing z*: ‖z_j − z*‖ never increases', () => {
    const { A, b, zStar } = system(2, 6, 2);
    for (const solve of [randomizedKaczmarz, gaussianSketch]) {
      for (const blockSize of [1, 3]) {
        let prev = Infinity;
        for (let j = 0; j <= 60; j += 5) {
          const r = solve(A, b, { key: key(7), maxIterations: j, tol: 0, blockSize });
          const e = dist(r.z, zStar);
          expect(e).toBeLessThanOrEqual(prev * (1 + 1e-12));
          prev = e;
        }
        expect(prev).toBeLessThan(dist(new Float64Array(6), zStar));
      }
    }
  });

  it('row-norm Kaczmarz meets the Strohmer–Vershynin bound E‖e_j‖² ≤ (1 − σ_min²/‖A‖_F²)^j ‖e_0‖² on average', () => {
    const { A, b, zStar } = system(3, 5, 3);
    const sv = new SingularValueDecomposition(new Matrix(A)).diagonal;
    const fro2 = A.flat().reduce((s, a) => s + a * a, 0);
    const rate = 1 - Math.min(...sv) ** 2 / fro2;
    const j = 40;
    let mean = 0;
    const seeds = 64;
    for (let s = 0; s < seeds; s++) {
      const r = randomizedKaczmarz(A, b, { key: key(100 + s), maxIterations: j, tol: 0, sampling: 'row-norm' });
      mean += dist(r.z, zStar) ** 2 / seeds;
    }
    const e0 = dist(new Float64Array(5), zStar) ** 2;
    expect(mean).toBeLessThanOrEqual(rate ** j * e0);
  });

  it('Gaussian sketch: the residual falls geometrically (median over seeds shrinks ≥ 1e3× per 200 steps)', () => {
    const { A, b } = system(4, 6, 3);
    const medianResidual = (steps: number) => {
      const rs: number[] = [];
      for (let s = 0; s < 15; s++) rs.push(gaussianSketch(A, b, { key: key(s), maxIterations: steps, tol: 0 }).residualNorm);
      rs.sort((x, y) => x - y);
      return rs[7] as number;
    };
    const r0 = Math.hypot(...b);
    const r200 = medianResidual(200);
    const r400 = medianResidual(400);
    expect(r200).toBeLessThan(1e-3 * r0);
    expect(r400).toBeLessThan(1e-3 * r200);
  });

  it('stops as soon as the adaptive accuracy condition Ψ‖K‖‖r‖ ≤ θδ‖b‖ holds, on the exact residual', () => {
    const { A, b } = system(5, 7, 3);
    const kFro = Math.sqrt(A.flat().reduce((s, a) => s + a * a, 0));
    const psi = 20;
    const threshold = 1e-3 * Math.hypot(...b);
    const seen: number[] = [];
    for (const solve of [randomizedKaczmarz, gaussianSketch]) {
      const r = solve(A, b, {
        key: key(9),
        stop: (rNorm) => {
          seen.push(rNorm);
          return kFro * psi * rNorm <= threshold;
        },
      });
      expect(r.stoppedBy).toBe('condition');
      expect(kFro * psi * r.residualNorm).toBeLessThanOrEqual(threshold);
      const exact = A.map((row, i) => row.reduce((s, a, j) => s + a * (r.z[j] as number), 0) - (b[i] as number));
      expect(kFro * psi * Math.hypot(...exact)).toBeLessThanOrEqual(threshold * (1 + 1e-9));
    }
    expect(seen.length).toBeGreaterThan(2);
  });

  it('block sketches of size N solve the system in one step', () => {
    const { A, b, zStar } = system(6, 5, 1);
    for (const solve of [randomizedKaczmarz, gaussianSketch]) {
      const r = solve(A, b, { key: key(1), maxIterations: 1, tol: 0, blockSize: 5 });
      expect(dist(r.z, zStar)).toBeLessThan(1e-9);
    }
  });

  it('is reproducible for a key and reports the cap', () => {
    const { A, b } = system(7, 6, 0.1);
    const a1 = randomizedKaczmarz(A, b, { key: key(3), maxIterations: 50, tol: 0 });
    const a2 = randomizedKaczmarz(A, b, { key: key(3), maxIterations: 50, tol: 0 });
    expect(Array.from(a1.z)).toEqual(Array.from(a2.z));
    expect(a1.stoppedBy).toBe('max-iterations');
    expect(a1.iterations).toBe(50);
  });

  it('rejects bad input with DescentError', () => {
    const A = [
      [1, 0],
      [0, 1],
    ];
    expect(() => randomizedKaczmarz([[1, 2, 3]], [1], { key: key(0) })).toThrow(DescentError);
    expect(() => randomizedKaczmarz(A, [1], { key: key(0) })).toThrow(/b must be a vector of length 2/);
    expect(() => randomizedKaczmarz([[1, 0], [0, 0]], [1, 1], { key: key(0) })).toThrow(/non-zero row/);
    expect(() => gaussianSketch(A, [1, NaN], { key: key(0) })).toThrow(/b\[1\] must be a finite number/);
    expect(() => gaussianSketch(A, [1, 1], { key: key(0), blockSize: 3 })).toThrow(/blockSize/);
    expect(() => gaussianSketch(A, [1, 1], {} as never)).toThrow(/key/);
    expect(() => randomizedKaczmarz(A, [1, 1], { key: key(0), sampling: 'greedy' as never })).toThrow(/sampling/);
  });
});
