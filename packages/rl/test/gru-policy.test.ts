/**
 * The tiny GRU policy: shapes and parameter count, log-probabilities that are normalised and agree between teacher
 * forcing and sampling, a PyTorch-equation check of one GRU step, reproducible sampling, and flat tensor counts.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { key } from '@descent/core';
import { additionTask, completionLogProbs, gruParameterCount, gruStep, initGruPolicy, sampleCompletions } from '@descent/rl';

describe('GRU policy', () => {
  it('one step follows the PyTorch GRU equations', async () => {
    // 1 layer, H = 1, E = 1, vocab 1 (embedding e = 0.5): weights chosen by hand
    // gx = 0.5·[1, 2, 3] + [0.1, 0.2, 0.3] = [0.6, 1.2, 1.8]; h = 0.4: gh = 0.4·[−1, 0.5, 2] + [0, 0, 0.1] = [−0.4, 0.2, 0.9]
    // r = σ(0.2) = 0.5498340, z = σ(1.4) = 0.8021839, n = tanh(1.8 + 0.549834·0.9) = tanh(2.2948506) = 0.9798924
    // h' = (1 − z)·n + z·h = 0.1978161·0.9798924 + 0.8021839·0.4 = 0.1938385 + 0.3208736 = 0.5147121
    const params = {
      embedding: tf.tensor2d([[0.5]]),
      layers: [{ wx: tf.tensor2d([[1, 2, 3]]), wh: tf.tensor2d([[-1, 0.5, 2]]), bx: tf.tensor1d([0.1, 0.2, 0.3]), bh: tf.tensor1d([0, 0, 0.1]) }],
      head: { w: tf.tensor2d([[1]]), b: tf.tensor1d([0]) },
    };
    const [h] = gruStep(params, [tf.tensor2d([[0.4]])], tf.tensor1d([0], 'int32'));
    expect((await h.data())[0]).toBeCloseTo(0.5147121, 5);
  });

  it('sampled log-probs equal teacher-forced ones; greedy is the argmax; reproducible', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('sampling reads logits synchronously (CPU-side RL)');
    const task = additionTask({ digits: 1 });
    const params = initGruPolicy(key(0), { vocabSize: task.vocabSize, outputSize: task.outputSize, hiddenDim: 16 });
    expect(gruParameterCount(params)).toBe(12 * 16 + (16 * 48 + 16 * 48 + 96) + (16 * 48 + 16 * 48 + 96) + 16 * 10 + 10);
    const prompts = [0, 17, 99].map((i) => task.prompt(task.problem(i)));
    const before = tf.memory().numTensors;
    const s = sampleCompletions(params, prompts, 2, key(5));
    expect(tf.memory().numTensors).toBe(before);
    expect(sampleCompletions(params, prompts, 2, key(5)).tokens).toEqual(s.tokens);
    const lp = completionLogProbs(params, prompts, s.tokens);
    const v = await lp.data();
    s.logp.flat().forEach((x, i) => expect(v[i]).toBeCloseTo(x, 5));
    lp.dispose();
    // all 10 continuations of the first token sum to probability 1
    const ones = completionLogProbs(params, Array(10).fill(prompts[0]), Array.from({ length: 10 }, (_, j) => [j]));
    const p = Array.from(await ones.data()).reduce((a, x) => a + Math.exp(x), 0);
    expect(p).toBeCloseTo(1, 5);
    const g = sampleCompletions(params, prompts, 2, key(0), { greedy: true, hidden: true });
    expect(g.hidden!.shape).toEqual([3, task.promptLength + 1, 16]);
    g.hidden!.dispose();
    ones.dispose();
  });
});
