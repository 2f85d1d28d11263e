import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, Optimizer, chain, setFusedKernels, treeDispose } from '@descent/core';
import { ema, scaleByLearningRate } from '@descent/optim';
import { FunctionalLoop, readLeaves } from './transform-steps.js';
import { thrown } from './descent-errors.js';

// Hand-computed, β = 0.9, updates 1, 2, 3:
// m1 = 0.1,  m2 = 0.1·2 + 0.9·0.1 = 0.29,  m3 = 0.1·3 + 0.9·0.29 = 0.561;
// debiased: 0.1/0.1 = 1,  0.29/0.19,  0.561/0.271.
const biased = [0.1, 0.29, 0.561];
const debiased = [1, 0.29 / 0.19, 0.561 / 0.271];

describe('ema', () => {
  for (const fused of [true, false]) {
    for (const debias of [true, false]) {
      it(`debias ${debias}: hand-computed averages (fused kernels ${fused ? 'on' : 'off'})`, async () => {
        setFusedKernels(fused);
        try {
          const loop = new FunctionalLoop(ema({ decay: 0.9, debias }), [tf.zeros([2])]);
          for (let t = 0; t < 3; t++) {
            const g = [tf.tensor1d([t + 1, -(t + 1)])];
            const [u] = await loop.step(g);
            const expected = (debias ? debiased : biased)[t] as number;
            expect(u?.[0]).toBeCloseTo(expected, 5); // float32 arithmetic against float64 hand values
            expect(u?.[1]).toBeCloseTo(-expected, 5);
            // The state holds the biased average.
            const [m] = await readLeaves(loop.state.slots.ema);
            expect(m?.[0]).toBeCloseTo(biased[t] as number, 6);
            expect(loop.state.count).toBe(t + 1);
            treeDispose(g);
          }
          loop.dispose();
        } finally {
          setFusedKernels(true);
        }
      });
    }
  }

  it('defaults to debias true; is elementwise (fuses, in place) and the runner keeps tensor counts flat', async () => {
    const t = chain(ema({ decay: 0.5 }), scaleByLearningRate(1));
    expect(t.inPlace).toBeDefined();
    const results: number[][][] = [];
    for (const inPlace of [true, false]) {
      const w = tf.variable(tf.zeros([1]));
      const opt = new Optimizer(chain(ema({ decay: 0.5 }), scaleByLearningRate(1)), [w], { inPlace });
      const g = [tf.ones([1])];
      await opt.stepAsync(g);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 4; i++) await opt.stepAsync(g);
      expect(tf.memory().numTensors).toBe(before);
      results.push(await readLeaves(w));
      opt.dispose();
      treeDispose([w, g]);
    }
    // Constant updates 1: the debiased average is exactly 1 at every step, so w = −5.
    expect(results[0]?.[0]?.[0]).toBeCloseTo(-5, 6);
    expect(results[1]).toEqual(results[0]);
  });

  it('rejects bad options with a DescentError naming the option', () => {
    const cases: [unknown, string][] = [
      [{ decay: 1 }, 'decay'],
      [{ decay: -0.1 }, 'decay'],
      [{ decay: Number.NaN }, 'decay'],
      [{}, 'decay'],
      [{ decay: 0.9, debias: 'yes' }, 'debias'],
      [{ decay: 0.9, debiased: true }, 'debiased'],
    ];
    for (const [options, parameter] of cases) {
      const e = thrown(() => ema(options as { decay: number }));
      expect(e).toBeInstanceOf(DescentError);
      expect(e.parameter).toBe(parameter);
      expect(e.message.startsWith('ema: ')).toBe(true);
    }
    expect(thrown(() => ema({ decay: 1 })).message).toBe('ema: decay must be a finite number in [0, 1), got 1');
  });
});
