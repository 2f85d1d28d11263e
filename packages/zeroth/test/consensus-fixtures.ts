/**
 * Shared pieces of the consensus-strategy tests: host (float64) oracles, a fixed population, the
 * documented per-step normal draw, and state disposal as `minimize` does it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Key, foldIn, normalValues } from '@descent/core';
import type { ConsensusState, ConsensusStrategy } from '@descent/zeroth';

export async function vals(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** Disposes the tensors of `old` that `next` does not hold (what `minimize` does). */
export function drop(old: ConsensusState, next: ConsensusState): void {
  const keep = new Set<tf.Tensor | null>([next.x, next.alpha, next.bestX, next.bestFitness, next.consensus]);
  for (const t of [old.x, old.alpha, old.bestX, old.bestFitness, old.consensus]) if (t !== null && !keep.has(t)) t.dispose();
}

export function disposeState(s: ConsensusState): void {
  tf.dispose([s.x, s.alpha, s.bestX, s.bestFitness]);
  s.consensus?.dispose();
}

/** A fixed initial population `[M, N, d]`, given as an init function. */
export function fixedInit(values: number[][][]) {
  return () => tf.tensor3d(values);
}

/** Softmax weights of −α(f − min f) in float64. */
export function gibbs(f: number[], alpha: number): number[] {
  const fmin = Math.min(...f);
  const w = f.map((v) => Math.exp(-alpha * (v - fmin)));
  const total = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / total);
}

/** Σ_i x_i e^{−α(f_i − min f)} / Σ_i e^{−α(f_i − min f)} in float64. */
export function explicitConsensus(x: number[][], f: number[], alpha: number): number[] {
  const w = gibbs(f, alpha);
  return x[0].map((_, k) => x.reduce((acc, row, i) => acc + w[i] * row[k], 0));
}

/** The standard normal draw of the t-th tell, as documented on `ConsensusState.key`. */
export function stepXi(k: Key, t: number, count: number): Float32Array {
  return normalValues(foldIn(foldIn(k, 0), t), count);
}

export const sphere = (x: tf.Tensor) => tf.tidy(() => tf.sum(tf.square(x), -1));

/** Three runs of four particles in 2-D, and their sphere energies. */
export const X0 = [
  [[1, 2], [0.5, -1], [-2, 0.25], [3, 3]],
  [[0, 0], [1, 1], [-1, 2], [0.5, 0.5]],
  [[2, -2], [-0.5, 1.5], [1, -1], [0, 3]],
];
export const FX0 = X0.map((run) => run.map((p) => p[0] * p[0] + p[1] * p[1]));

/** `steps` ask/tell rounds of `strategy` on `f`, disposing replaced tensors. */
export function runLoop(
  s: ConsensusStrategy,
  f: (x: tf.Tensor) => tf.Tensor,
  first: ConsensusState,
  steps: number,
): ConsensusState {
  let state = first;
  for (let t = 0; t < steps; t++) {
    const asked = s.ask(state);
    const fitness = f(asked.population);
    const next = s.tell(asked.state, asked.population, fitness);
    tf.dispose([asked.population, fitness]);
    drop(asked.state, next);
    state = next;
  }
  return state;
}
