/**
 * The federated quadratic of the FZooS experiments (shuyao95/FZooS `funcs/synthetics.py`,
 * class `Quadratic`): heterogeneous client quadratics whose average has a known minimiser.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Key, checkKnownOptions, checkNumber, foldIn, invalidOption, normalValues, split, uniformValues } from '@descent/core';
import type { ClientObjective } from './federated.js';

/** A federated test problem: client objectives, a start and the global optimum. */
export interface FederatedProblem {
  /** f_i, batched `[n, dim] → [n]`. */
  clients: ClientObjective[];
  /** The start x̄₀. */
  x0: number[];
  /** argmin of F = (1/N) Σ f_i. */
  minimizer: number[];
  /** min F. */
  minimum: number;
  /** The client coefficients (row i = client i): `quadratic[i][k]`, `linear[i][k]`. */
  coefficients: { quadratic: number[][]; linear: number[][] };
}

/**
 * Gamma(a, 1) by Marsaglia & Tsang (2000), with the boost G(a) = G(a + 1) U^{1/a} for a < 1.
 * Every draw comes from `key` and a counter, so it is reproducible.
 */
function gamma(key: Key, a: number): number {
  if (a < 1) {
    const [k1, k2] = split(key, 2) as [Key, Key];
    return gamma(k1, a + 1) * Math.pow(uniformValues(k2, 1)[0]! || Number.MIN_VALUE, 1 / a);
  }
  const d = a - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (let attempt = 0; ; attempt++) {
    const k = foldIn(key, attempt);
    const z = normalValues(k, 1)[0]!;
    const u = uniformValues(foldIn(k, 1), 1)[0]!;
    const v = (1 + c * z) ** 3;
    if (v > 0 && Math.log(u) < (z * z) / 2 + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A Dirichlet(α, …, α) draw of length n (normalised Gamma(α) draws). */
function dirichlet(key: Key, n: number, alpha: number): number[] {
  const g = Array.from({ length: n }, (_, i) => gamma(foldIn(key, i), alpha));
  const s = g.reduce((a, b) => a + b, 0);
  return s > 0 ? g.map((v) => v / s) : g.map(() => 1 / n);
}

/**
 * The FZooS federated quadratic. With z(x) = 20·clip(x, 0, 1) − 10 (the code maps [0, 1]^d to
 * [−10, 10]^d), client i's objective is
 *
 *     f_i(x) = (0.1/d) Σ_k (a_ik z_k² + b_ik z_k + 1),
 *     a_·k = 1 + div·(Dir_N(1/N) − 1/N),   b_·k = 1 + div·(Dir_N(1/N) − 1/N)   (independent per k)
 *
 * Each coordinate's coefficients across clients are a Dirichlet draw shifted to mean 1, so the
 * global F = (1/N) Σ_i f_i = (0.1/d) Σ_k (z_k² + z_k + 1) whatever the draw: minimiser z = −0.5,
 * i.e. x* = 0.475 in every coordinate, and F* = 0.075. The start is x̄₀ ~ U[0, 1]^d. Heterogeneity
 * grows with `div` (a_ik ≥ 1 − div/N > 0 for div < N keeps every client convex).
 */
export function federatedQuadratic(options: { clients?: number; dim: number; div?: number; key: Key }): FederatedProblem {
  const where = 'federatedQuadratic';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['clients', 'dim', 'div', 'key']);
  const n = checkNumber(where, 'clients', options.clients ?? 5, { integer: true, min: 1 });
  const dim = checkNumber(where, 'dim', options.dim, { integer: true, min: 1 });
  const div = checkNumber(where, 'div', options.div ?? 0.5, { min: 0 });
  const [kA, kB, kX] = split(options.key, 3) as [Key, Key, Key];
  const quadratic: number[][] = Array.from({ length: n }, () => new Array<number>(dim).fill(0));
  const linear: number[][] = Array.from({ length: n }, () => new Array<number>(dim).fill(0));
  for (let k = 0; k < dim; k++) {
    const a = dirichlet(foldIn(kA, k), n, 1 / n);
    const b = dirichlet(foldIn(kB, k), n, 1 / n);
    for (let i = 0; i < n; i++) {
      quadratic[i]![k] = 1 + div * (a[i]! - 1 / n);
      linear[i]![k] = 1 + div * (b[i]! - 1 / n);
    }
  }
  const clients: ClientObjective[] = quadratic.map((qa, i) => {
    const lb = linear[i]!;
    return (x: tf.Tensor2D) =>
      tf.tidy(() => {
        const z = tf.sub(tf.mul(tf.clipByValue(x, 0, 1), 20), 10);
        const terms = tf.add(tf.add(tf.mul(tf.square(z), tf.tensor1d(qa)), tf.mul(z, tf.tensor1d(lb))), 1);
        return tf.mul(tf.sum(terms, 1), 0.1 / dim) as tf.Tensor1D;
      });
  });
  return {
    clients,
    x0: Array.from(uniformValues(kX, dim)),
    minimizer: new Array<number>(dim).fill(0.475),
    minimum: 0.075,
    coefficients: { quadratic, linear },
  };
}
