/**
 * Loader and problem gradients for the golden optimizer trajectories
 * (`shared/golden/first-order.json`, format in `shared/specs/first-order.md` §0).
 */
import { readFileSync } from 'node:fs';

export interface GoldenEntry {
  optimizer: string;
  setting: string;
  problem: 'loss' | 'gradseq';
  hyper: Record<string, unknown>;
  steps: number;
  shapes: number[][];
  init: number[][];
  grads?: number[][][];
  trajectory: number[][][];
  f32_max_abs_dev: number;
  descent: { alias: string; options: Record<string, unknown> } | null;
}

export function loadGolden(url: URL): Record<string, Record<string, GoldenEntry>> {
  return JSON.parse(readFileSync(url, 'utf8'));
}

/** ∂L/∂x of the golden 'loss' problem for tensor k (a Rosenbrock chain plus a phase-shifted sine). */
export function lossProblemGrad(x: ArrayLike<number>, k: number): Float32Array {
  const a = 0.5, b = 0.25, c = 0.3, omega = 2.0, phi = 0.1;
  const w = [1.0, 0.7, 1.3][k] as number;
  const n = x.length;
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const xi = x[i] as number;
    let d = c * omega * Math.cos(omega * xi + phi * i);
    if (i <= n - 2) d += -4 * a * xi * ((x[i + 1] as number) - xi * xi) - 2 * b * (1 - xi);
    if (i >= 1) d += 2 * a * (xi - (x[i - 1] as number) ** 2);
    g[i] = w * d;
  }
  return g;
}

/** ∂L/∂x of the golden 'loss' problem (spec §0.1) in float64, as torch computed it for the goldens. */
export function lossGrad64(x: readonly number[], k: number): number[] {
  const a = 0.5, b = 0.25, c = 0.3, omega = 2.0, phi = 0.1;
  const w = [1.0, 0.7, 1.3][k] as number;
  const n = x.length;
  return x.map((xi, i) => {
    let d = c * omega * Math.cos(omega * xi + phi * i);
    if (i <= n - 2) d += -4 * a * xi * ((x[i + 1] as number) - xi * xi) - 2 * b * (1 - xi);
    if (i >= 1) d += 2 * a * (xi - (x[i - 1] as number) ** 2);
    return w * d;
  });
}
