/**
 * policyLoss: every loss type against values computed by hand (in the comments), the diagnostics, gradients, and
 * numerical stability (log-probs down to −1e4, all-masked rows). Pure tensors: both lanes (`await t.data()`).
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DescentError, ensureGradients } from '@descent/core';
import { klK3, policyLoss, type PolicyLossInput } from '@descent/rl';

beforeAll(async () => {
  await ensureGradients();
});

async function val(t: tf.Tensor | undefined): Promise<number> {
  return (await t!.data())[0];
}

/**
 * The shared case, B = 2 completions, T = 2 tokens:
 *   logp    = [[−1,   −2  ], [−0.5, −1e4]]
 *   oldLogp = [[−1.3, −1.8], [−0.2,  0  ]]      (row 1 token 1 is padding: garbage, masked)
 *   mask    = [[1, 1], [1, 0]],   Â = [1, −1],   ε_low = ε_high = 0.2
 * ratios w = exp(logp − old): w00 = e^0.3 = 1.3498588, w01 = e^−0.2 = 0.8187308, w10 = e^−0.3 = 0.7408182.
 * ℓ00 = −min(1.3498588·1, 1.2·1) = −1.2            (high-clipped)
 * ℓ01 = −min(0.8187308, 0.8187308) = −0.8187308    (inside the clip range)
 * ℓ10 = −min(0.7408182·(−1), 0.8·(−1)) = 0.8       (low-clipped)
 */
function shared(): Omit<PolicyLossInput, 'lossType'> {
  return {
    logp: tf.tensor2d([
      [-1, -2],
      [-0.5, -1e4],
    ]),
    oldLogp: tf.tensor2d([
      [-1.3, -1.8],
      [-0.2, 0],
    ]),
    mask: tf.tensor2d([
      [1, 1],
      [1, 0],
    ]),
    advantages: tf.tensor1d([1, -1]),
    epsLow: 0.2,
    epsHigh: 0.2,
  };
}

describe('policyLoss: hand-computed values per loss type', () => {
  it("'grpo': mean over sequences of the per-sequence token mean", async () => {
    // row 0: (−1.2 − 0.8187308)/2 = −1.0093654; row 1: 0.8/1 = 0.8; mean = −0.1046827
    const out = policyLoss({ ...shared(), lossType: 'grpo' });
    expect(await val(out.loss)).toBeCloseTo(-0.1046827, 6);
  });

  it("'bnpo' and 'dapo': token mean over the batch (Σℓ·m / Σm)", async () => {
    // (−1.2 − 0.8187308 + 0.8)/3 = −0.4062436
    expect(await val(policyLoss({ ...shared(), lossType: 'bnpo' }).loss)).toBeCloseTo(-0.4062436, 6);
    expect(await val(policyLoss({ ...shared(), lossType: 'dapo' }).loss)).toBeCloseTo(-0.4062436, 6);
    // 'dapo' with a global token count of 6 (two micro-batches): −1.2187308/6 = −0.2031218
    expect(await val(policyLoss({ ...shared(), lossType: 'dapo', numItemsInBatch: 6 }).loss)).toBeCloseTo(-0.2031218, 6);
  });

  it("'dr_grpo': Σℓ·m / (B·L)", async () => {
    // L = T = 2: −1.2187308/4 = −0.3046827;  L = 4: −1.2187308/8 = −0.1523414
    expect(await val(policyLoss({ ...shared(), lossType: 'dr_grpo' }).loss)).toBeCloseTo(-0.3046827, 6);
    expect(await val(policyLoss({ ...shared(), lossType: 'dr_grpo', maxCompletionLength: 4 }).loss)).toBeCloseTo(-0.1523414, 6);
  });

  it("'gspo': one importance weight per sequence (mean log-ratio), 'grpo' aggregation", async () => {
    // row 0: s = exp((0.3 − 0.2)/2) = e^0.05 = 1.0512711 (inside [0.8, 1.2]) → ℓ = −1.0512711 on both tokens
    // row 1: s = exp(−0.3/1) = 0.7408182, Â = −1 → ℓ = 0.8;   loss = (−1.0512711 + 0.8)/2 = −0.1256356
    const out = policyLoss({ ...shared(), lossType: 'gspo' });
    expect(await val(out.loss)).toBeCloseTo(-0.1256356, 6);
    expect(await val(out.ratioMax)).toBeCloseTo(1.0512711, 5);
  });

  it("'cispo': −sg(min(w, ε_high))·Â·logπ with the dapo normalizer", async () => {
    // ε_high = 1.3 (absolute cap): ℓ00 = −1.3·1·(−1) = 1.3; ℓ01 = −0.8187308·1·(−2) = 1.6374615;
    // ℓ10 = −0.7408182·(−1)·(−0.5) = −0.3704091;  loss = 2.5670524/3 = 0.8556841
    const out = policyLoss({ ...shared(), lossType: 'cispo', epsHigh: 1.3 });
    expect(await val(out.loss)).toBeCloseTo(0.8556841, 6);
    expect(await val(out.clipFractionHigh)).toBeCloseTo(1 / 3, 6); // w00 > 1.3 with Â > 0
    expect(await val(out.clipFractionLow)).toBe(0);
  });

  it('k3 KL penalty with beta (bnpo)', async () => {
    // ref = [[−1.1, −2], [−0.7, 0]]: Δ = ref − logp = −0.1, 0, −0.2 (masked token ignored)
    // k3 = e^−0.1 + 0.1 − 1 = 0.0048374, 0, e^−0.2 + 0.2 − 1 = 0.0187308; mean = 0.0078561
    // loss = −0.4062436 + 0.1·0.0235682/3 = −0.4054580
    const refLogp = tf.tensor2d([
      [-1.1, -2],
      [-0.7, 0],
    ]);
    const out = policyLoss({ ...shared(), lossType: 'bnpo', beta: 0.1, refLogp });
    expect(await val(out.loss)).toBeCloseTo(-0.405458, 6);
    expect(await val(out.klMean)).toBeCloseTo(0.0078561, 6);
    const k3 = await klK3(tf.tensor1d([0, -1]), tf.tensor1d([0.5, -1])).data();
    expect(k3[0]).toBeCloseTo(Math.exp(0.5) - 0.5 - 1, 6);
    expect(k3[1]).toBeCloseTo(0, 7);
  });

  it('diagnostics: clip fractions and ratio stats over valid tokens', async () => {
    const out = policyLoss({ ...shared(), lossType: 'grpo' });
    expect(await val(out.clipFractionLow)).toBeCloseTo(1 / 3, 6);
    expect(await val(out.clipFractionHigh)).toBeCloseTo(1 / 3, 6);
    expect(await val(out.clipFractionRegion)).toBeCloseTo(2 / 3, 6);
    // (1.3498588 + 0.8187308 + 0.7408182)/3 = 0.9698026
    expect(await val(out.ratioMean)).toBeCloseTo(0.9698026, 5);
    expect(await val(out.ratioMin)).toBeCloseTo(0.7408182, 5);
    expect(await val(out.ratioMax)).toBeCloseTo(1.3498588, 5);
    expect(await val(out.klMean)).toBe(0);
  });

  it('clip-higher: ε_high = 0.28 leaves w = 1.25 unclipped', async () => {
    // one token, w = 1.25, Â = 2: ε_high 0.2 → −1.2·2 = −2.4; ε_high 0.28 → −1.25·2 = −2.5
    const base = {
      logp: tf.tensor2d([[Math.log(1.25)]]),
      oldLogp: tf.tensor2d([[0]]),
      mask: tf.tensor2d([[1]]),
      advantages: tf.tensor1d([2]),
      lossType: 'dapo' as const,
    };
    expect(await val(policyLoss({ ...base, epsHigh: 0.2 }).loss)).toBeCloseTo(-2.4, 5);
    expect(await val(policyLoss({ ...base, epsHigh: 0.28 }).loss)).toBeCloseTo(-2.5, 5);
    // INTELLECT-2 delta caps the unclipped ratio for Â < 0: w = 1.25, δ = 1.22 (> 1.2), Â = −1 → −min(−1.22, −1.2) = 1.22
    expect(await val(policyLoss({ ...base, advantages: tf.tensor1d([-1]), delta: 1.22 }).loss)).toBeCloseTo(1.22, 5);
  });
});

describe('policyLoss: gradients', () => {
  it('on-policy (w ≡ 1) gradient is −Â_i·m/normalizer per token for every aggregation', async () => {
    const lp = tf.tensor2d([
      [-1, -2, -3],
      [-0.5, -1, -4],
    ]);
    const old = tf.tensor2d([
      [-1, -2, -3],
      [-0.5, -1, -4],
    ]);
    const mask = tf.tensor2d([
      [1, 1, 1],
      [1, 0, 0],
    ]);
    const advantages = tf.tensor1d([2, -1]);
    // d/dlogp of −w·Â at w = 1 is −Â; normalizers: grpo row i: B·|o_i| (6, 2); bnpo/dapo: Σm = 4; dr_grpo: B·T = 6
    const expected: Record<string, number[]> = {
      grpo: [-2 / 6, -2 / 6, -2 / 6, 1 / 2, 0, 0],
      bnpo: [-0.5, -0.5, -0.5, 0.25, 0, 0],
      dapo: [-0.5, -0.5, -0.5, 0.25, 0, 0],
      dr_grpo: [-2 / 6, -2 / 6, -2 / 6, 1 / 6, 0, 0],
    };
    for (const [lossType, want] of Object.entries(expected)) {
      const g = tf.grad((x: tf.Tensor) =>
        policyLoss({ logp: x, oldLogp: old, mask, advantages, lossType: lossType as 'grpo', diagnostics: false }).loss,
      )(lp);
      const got = await g.data();
      want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 6));
    }
  });
});

describe('policyLoss: numerical stability', () => {
  it('log-probs of −1e4, garbage padding and all-masked rows give no NaN in loss or gradient', async () => {
    const lp = tf.tensor2d([
      [-1e4, -1e4, 0],
      [0, -1e4, NaN],
      [-1e4, -Infinity, 5],
    ]);
    const old = tf.tensor2d([
      [0, -1e4, -1e4],
      [-1e4, 0, Infinity],
      [NaN, 0, -1e4],
    ]);
    const ref = tf.tensor2d([
      [0, -1e4, -1e4],
      [-1e4, 0, 0],
      [0, 0, 0],
    ]);
    const mask = tf.tensor2d([
      [1, 1, 1],
      [1, 1, 0],
      [0, 0, 0], // all-masked row
    ]);
    const advantages = tf.tensor1d([1, -1, 3]);
    for (const lossType of ['grpo', 'bnpo', 'dr_grpo', 'dapo', 'gspo', 'cispo'] as const) {
      const out = policyLoss({ logp: lp, oldLogp: old, refLogp: ref, mask, advantages, lossType, beta: 0.04, epsHigh: lossType === 'cispo' ? 5 : 0.28 });
      for (const [name, t] of Object.entries(out)) {
        expect(Number.isFinite(await val(t as tf.Tensor)), `${lossType} ${name}`).toBe(true);
      }
      const g = tf.grad((x: tf.Tensor) =>
        policyLoss({ logp: x, oldLogp: old, refLogp: ref, mask, advantages, lossType, beta: 0.04, diagnostics: false }).loss,
      )(lp);
      const gv = await g.data();
      expect(Array.from(gv).every(Number.isFinite), `${lossType} grad`).toBe(true);
      // masked tokens get exactly zero gradient
      for (const i of [5, 6, 7, 8]) expect(Math.abs(gv[i])).toBe(0);
    }
  });

  it('an all-masked batch has loss 0 and neutral diagnostics', async () => {
    const z = tf.zeros([2, 3]);
    for (const lossType of ['grpo', 'bnpo', 'dr_grpo', 'dapo', 'gspo', 'cispo'] as const) {
      const out = policyLoss({ logp: tf.fill([2, 3], -1e4), oldLogp: z, mask: z, advantages: tf.tensor1d([1, -1]), lossType });
      expect(await val(out.loss)).toBe(0);
      expect(await val(out.ratioMean)).toBe(1);
      expect(await val(out.ratioMin)).toBe(1);
      expect(await val(out.clipFractionRegion)).toBe(0);
    }
  });
});

describe('policyLoss: validation', () => {
  it('rejects bad options with DescentErrors naming the parameter', () => {
    const s = shared();
    const bad: [Partial<PolicyLossInput>, string][] = [
      [{ lossType: 'ppo' as never }, 'lossType'],
      [{ epsLow: -0.1 }, 'epsLow'],
      [{ beta: 0.1 }, 'refLogp'],
      [{ advantages: tf.tensor1d([1, 2, 3]) }, 'advantages'],
      [{ mask: tf.ones([2, 3]) }, 'mask'],
      [{ numItemsInBatch: 0 }, 'numItemsInBatch'],
    ];
    for (const [patch, parameter] of bad) {
      let err: unknown;
      try {
        policyLoss({ ...s, ...patch });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DescentError);
      expect((err as DescentError).parameter).toBe(parameter);
    }
  });

  it('keeps the tensor count flat', async () => {
    const s = shared();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const out = policyLoss({ ...s, lossType: 'dapo', beta: 0.1, refLogp: s.oldLogp });
      for (const t of Object.values(out)) (t as tf.Tensor).dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
