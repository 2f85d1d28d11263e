/**
 * groupAdvantages (TRL scale_rewards group/batch/none, Bessel std, ε = 1e-4) against hand-computed values, variable
 * group sizes, and groupsWithSignal. Pure tensors: both lanes.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { groupAdvantages, groupsWithSignal } from '@descent/rl';

async function values(t: tf.Tensor): Promise<number[]> {
  const v = Array.from(await t.data());
  t.dispose();
  return v;
}

describe('groupAdvantages', () => {
  const rewards = [1, 0, 0, 1, 1, 1, 1, 1];

  it("'group': (r − group mean)/(Bessel group std + 1e-4)", async () => {
    // group 0: mean 0.5, std = sqrt(4·0.25/3) = sqrt(1/3) = 0.5773503 → ±0.5/0.5774503 = ±0.8658758
    // group 1: all equal → 0
    const a = await values(groupAdvantages(rewards, 4, { scale: 'group' }));
    const e = 0.5 / (Math.sqrt(1 / 3) + 1e-4);
    expect(e).toBeCloseTo(0.8658758, 6);
    [e, -e, -e, e, 0, 0, 0, 0].forEach((x, i) => expect(a[i]).toBeCloseTo(x, 5));
    // default scale is 'group'
    const d = await values(groupAdvantages(rewards, 4));
    d.forEach((x, i) => expect(x).toBeCloseTo(a[i], 6));
  });

  it("'batch': centred by the group mean, scaled by the Bessel std of the whole batch", async () => {
    // batch mean 0.75; Σ(r − 0.75)² = 2·0.5625 + 6·0.0625 = 1.5 → std = sqrt(1.5/7) = 0.4629100
    const a = await values(groupAdvantages(tf.tensor1d(rewards), 4, { scale: 'batch' }));
    const e = 0.5 / (Math.sqrt(1.5 / 7) + 1e-4);
    expect(e).toBeCloseTo(1.0799, 3);
    [e, -e, -e, e, 0, 0, 0, 0].forEach((x, i) => expect(a[i]).toBeCloseTo(x, 5));
  });

  it("'none' (Dr. GRPO): r − group mean", async () => {
    const a = await values(groupAdvantages(rewards, 4, { scale: 'none' }));
    [0.5, -0.5, -0.5, 0.5, 0, 0, 0, 0].forEach((x, i) => expect(a[i]).toBeCloseTo(x, 6));
  });

  it('variable group sizes (Knapsack budgets) match per-group computation', async () => {
    // sizes [3, 1, 2], rewards [1,0,0 | 1 | 0,1]
    // group 0: mean 1/3, Bessel var = (4/9 + 2/9)/2 = 1/3 → (2/3)/(0.5773503 + 1e-4), −(1/3)/(…)
    // group 1: single completion → 0;  group 2: mean 0.5, std sqrt(0.5) → ±0.5/(0.7071068 + 1e-4)
    const a = await values(groupAdvantages([1, 0, 0, 1, 0, 1], [3, 1, 2]));
    const s0 = Math.sqrt(1 / 3) + 1e-4;
    const s2 = Math.sqrt(0.5) + 1e-4;
    [2 / 3 / s0, -1 / 3 / s0, -1 / 3 / s0, 0, -0.5 / s2, 0.5 / s2].forEach((x, i) => expect(a[i]).toBeCloseTo(x, 5));
  });

  it('rejects bad input', () => {
    expect(() => groupAdvantages([1, 0, 1], 2)).toThrow(DescentError);
    expect(() => groupAdvantages([1, NaN], 2)).toThrow(/rewards\[1\]/);
    expect(() => groupAdvantages([1, 0], 2, { scale: 'std' as never })).toThrow(/scale/);
    expect(() => groupAdvantages([1, 0, 1], [1, 1])).toThrow(/groupSize/);
  });
});

describe('groupsWithSignal', () => {
  it('flags the groups whose rewards differ', () => {
    expect(groupsWithSignal([1, 0, 1, 1, 0, 0], 2)).toEqual([true, false, false]);
    expect(groupsWithSignal([0.5, 0.5000001, 1, 1], [2, 2], 1e-3)).toEqual([false, false]);
    expect(groupsWithSignal([1, 0, 1], [1, 2])).toEqual([false, true]);
  });
});
