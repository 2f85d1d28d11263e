import { describe, it, expect } from 'vitest';
import { DescentError, key } from '@descent/core';
import { computeGae } from '../src/gae.js';
import { gatherRows, minibatchIndices } from '../src/minibatches.js';
import { RolloutBuffer } from '../src/rollout-buffer.js';

const base = {
  numSteps: 3,
  numEnvs: 1,
  rewards: new Float32Array([1, 2, 3]),
  values: new Float32Array([0.5, 1.0, 1.5]),
  terminated: new Uint8Array(3),
  truncated: new Uint8Array(3),
  truncatedValues: new Float32Array(3),
  lastValues: new Float32Array([2.0]),
  gamma: 0.9,
  lambda: 0.8,
};

describe('computeGae (hand-computed 3-step examples, γ = 0.9, λ = 0.8)', () => {
  it('no episode end: bootstraps from lastValues', () => {
    // δ2 = 3 + 0.9·2 − 1.5 = 3.3; δ1 = 2 + 0.9·1.5 − 1 = 2.35; δ0 = 1 + 0.9·1 − 0.5 = 1.4
    // A2 = 3.3; A1 = 2.35 + 0.72·3.3 = 4.726; A0 = 1.4 + 0.72·4.726 = 4.80272
    const { advantages, returns } = computeGae(base);
    expect(Array.from(advantages)).toEqual([4.80272, 4.726, 3.3].map(Math.fround));
    expect(returns[0]).toBeCloseTo(5.30272, 5);
    expect(returns[1]).toBeCloseTo(5.726, 5);
    expect(returns[2]).toBeCloseTo(4.8, 5);
  });

  it('termination at step 1: no bootstrap, trace cut', () => {
    // δ1 = 2 − 1 = 1 → A1 = 1; A0 = 1.4 + 0.72·1 = 2.12; A2 unchanged 3.3
    const { advantages } = computeGae({ ...base, terminated: new Uint8Array([0, 1, 0]) });
    expect(advantages[0]).toBeCloseTo(2.12, 6);
    expect(advantages[1]).toBeCloseTo(1, 6);
    expect(advantages[2]).toBeCloseTo(3.3, 6);
  });

  it('truncation at step 1: bootstraps from V(final observation), trace cut', () => {
    // δ1 = 2 + 0.9·4 − 1 = 4.6 → A1 = 4.6; A0 = 1.4 + 0.72·4.6 = 4.712
    const { advantages } = computeGae({ ...base, truncated: new Uint8Array([0, 1, 0]), truncatedValues: new Float32Array([0, 4, 0]) });
    expect(advantages[0]).toBeCloseTo(4.712, 5);
    expect(advantages[1]).toBeCloseTo(4.6, 5);
    expect(advantages[2]).toBeCloseTo(3.3, 6);
  });

  it('terminated and truncated together count as terminated (Gymnasium)', () => {
    const { advantages } = computeGae({
      ...base,
      terminated: new Uint8Array([0, 1, 0]),
      truncated: new Uint8Array([0, 1, 0]),
      truncatedValues: new Float32Array([0, 4, 0]),
    });
    expect(advantages[1]).toBeCloseTo(1, 6);
  });

  it('sub-environments are independent (row index t·N + e)', () => {
    const two = computeGae({
      ...base,
      numEnvs: 2,
      rewards: new Float32Array([1, 0, 2, 0, 3, 0]),
      values: new Float32Array([0.5, 0, 1.0, 0, 1.5, 0]),
      terminated: new Uint8Array(6),
      truncated: new Uint8Array(6),
      truncatedValues: new Float32Array(6),
      lastValues: new Float32Array([2, 0]),
    });
    expect(two.advantages[0]).toBeCloseTo(4.80272, 5);
    expect(two.advantages[1]).toBe(0);
  });

  it('rejects bad shapes and γ', () => {
    expect(() => computeGae({ ...base, rewards: new Float32Array(2) })).toThrow(DescentError);
    expect(() => computeGae({ ...base, gamma: 1.5 })).toThrow(/gamma/);
  });
});

describe('minibatches and the rollout buffer', () => {
  it('minibatchIndices covers every index once, reproducibly', () => {
    const a = minibatchIndices(key(3), 10, 4);
    expect(a.map((b) => b.length)).toEqual([4, 4, 2]);
    const all = a.flatMap((b) => Array.from(b)).sort((x, y) => x - y);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(minibatchIndices(key(3), 10, 4).map((b) => Array.from(b))).toEqual(a.map((b) => Array.from(b)));
  });

  it('gatherRows picks rows', () => {
    const src = new Float32Array([0, 1, 10, 11, 20, 21]);
    expect(Array.from(gatherRows(src, 2, new Int32Array([2, 0])))).toEqual([20, 21, 0, 1]);
  });

  it('RolloutBuffer stores steps and computes GAE', () => {
    const buf = new RolloutBuffer({ numSteps: 3, numEnvs: 1, observationDim: 2, actionWidth: 1, discrete: true });
    for (let t = 0; t < 3; t++) {
      buf.add({
        observations: new Float32Array([t, -t]),
        actions: new Int32Array([t % 2]),
        logProbs: new Float32Array([-0.7]),
        rewards: new Float32Array([base.rewards[t]]),
        values: new Float32Array([base.values[t]]),
        terminated: new Uint8Array(1),
        truncated: new Uint8Array(1),
        truncatedValues: new Float32Array(1),
      });
    }
    expect(() => buf.add({} as never)).toThrow(DescentError);
    buf.lastValues.set([2]);
    buf.computeAdvantages(0.9, 0.8);
    expect(buf.advantages[0]).toBeCloseTo(4.80272, 5);
    expect(Array.from(buf.observations)).toEqual([0, -0, 1, -1, 2, -2]);
  });
});
