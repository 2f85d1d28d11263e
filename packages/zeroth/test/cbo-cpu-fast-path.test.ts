/**
 * The CPU fast path of `cbo` (one host pass over the CPU backend's Float32Arrays for the consensus
 * point and the move) against the tfjs-ops path (forced with `setFusedKernels(false)`): the same
 * particles up to float32 rounding, for isotropic, anisotropic and truncated noise.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { key, setFusedKernels } from '@descent/core';
import { type CboOptions, type ConsensusState, cbo } from '@descent/zeroth';
import { disposeState, drop } from './consensus-fixtures.js';

const RUNS = 3;
const POP = 7;
const DIM = 4;
const STEPS = 6;

function rastrigin(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(10 * DIM, tf.sum(tf.sub(tf.square(x), tf.mul(10, tf.cos(tf.mul(2 * Math.PI, x)))), -1)));
}

interface Trajectory {
  xs: Float32Array[];
  consensus: Float32Array[];
  bestX: Float32Array;
  bestFitness: Float32Array;
  kernels: string[];
}

async function run(options: CboOptions, fused: boolean): Promise<Trajectory> {
  setFusedKernels(fused);
  const strategy = cbo(options);
  let state: ConsensusState = strategy.init({ dim: DIM, popSize: POP, runs: RUNS, key: key(42), init: { uniform: { low: -3, high: 3 } } });
  const xs: Float32Array[] = [];
  const consensus: Float32Array[] = [];
  let kernels: string[] = [];
  for (let t = 0; t < STEPS; t++) {
    const { population, state: asked } = strategy.ask(state);
    const fitness = rastrigin(population);
    let next = asked;
    const profile = () => {
      next = strategy.tell(asked, population, fitness);
    };
    if (t === 0) {
      // Which kernels one tell runs.
      kernels = (await tf.profile(profile)).kernelNames;
    } else {
      profile();
    }
    tf.dispose([population, fitness]);
    drop(asked, next);
    state = next;
    xs.push(state.x.dataSync() as Float32Array);
    consensus.push(state.consensus!.dataSync() as Float32Array);
  }
  const out = { xs, consensus, bestX: state.bestX.dataSync() as Float32Array, bestFitness: state.bestFitness.dataSync() as Float32Array, kernels };
  disposeState(state);
  return out;
}

function expectClose(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    const scale = Math.max(Math.abs(want[i]), 1);
    expect(Math.abs(got[i] - want[i]) / scale, `index ${i}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(1e-5);
  }
}

function order(f: Float32Array): number[] {
  return Array.from(f.keys()).sort((a, b) => f[a] - f[b] || a - b);
}

const VARIANTS: [string, CboOptions][] = [
  ['isotropic', { sigma: 0.8, alpha: 30, noise: 'isotropic', dt: 0.1 }],
  ['anisotropic', { sigma: 10.1, alpha: 30, alphaSchedule: { multiply: 1.05, max: 1e5 }, noise: 'anisotropic', dt: 0.01 }],
  ['truncated isotropic', { sigma: 2, alpha: 5, noise: 'isotropic', truncation: 0.5, dt: 0.05, lambda: 0.7 }],
  ['truncated anisotropic', { sigma: 3, alpha: 1e5, noise: 'anisotropic', truncation: 0.3, dt: 0.05 }],
];

// Skipped on the webgpu lane because the fast path only exists on the CPU backend (other backends run tfjs ops,
// which cbo.test.ts covers on both lanes).
describe.skipIf(tf.getBackend() !== 'cpu')('cbo CPU fast path (cpu backend only: there is no fast path elsewhere)', () => {
  afterEach(() => setFusedKernels(true));

  for (const [label, options] of VARIANTS) {
    it(`${label}: equals the tfjs-ops path within 1e-5 relative, same best ordering`, async () => {
      const tensorsBefore = tf.memory().numTensors;
      const fast = await run(options, true);
      const slow = await run(options, false);
      expect(tf.memory().numTensors).toBe(tensorsBefore);
      // The fast path runs no matrix product for the consensus point; the reference path does.
      expect(fast.kernels).not.toContain('BatchMatMul');
      expect(slow.kernels).toContain('BatchMatMul');
      for (let t = 0; t < STEPS; t++) {
        expectClose(fast.xs[t], slow.xs[t]);
        expectClose(fast.consensus[t], slow.consensus[t]);
      }
      expectClose(fast.bestX, slow.bestX);
      expectClose(fast.bestFitness, slow.bestFitness);
      expect(order(fast.bestFitness)).toEqual(order(slow.bestFitness));
    });
  }
});
