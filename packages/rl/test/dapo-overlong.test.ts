/**
 * DAPO overlong handling: the soft overlong punishment (hand values) and overlong filtering of the mask.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { maskTruncatedCompletions, overlongPenalty } from '@descent/rl';

describe('overlongPenalty', () => {
  it('0 up to L_max − L_cache, linear to −1 at L_max, −1 beyond', () => {
    // L_max = 10, L_cache = 4: 5 → 0, 6 → 0, 7 → (6 − 7)/4 = −0.25, 10 → −1, 11 → −1
    expect(overlongPenalty([5, 6, 7, 10, 11], { maxCompletionLength: 10, cacheLength: 4 })).toEqual([0, 0, -0.25, -1, -1]);
    expect(() => overlongPenalty([1], { maxCompletionLength: 10, cacheLength: 11 })).toThrow(/cacheLength/);
  });
});

describe('maskTruncatedCompletions', () => {
  it('zeroes the rows of truncated completions', async () => {
    const m = maskTruncatedCompletions(
      tf.tensor2d([
        [1, 1, 0],
        [1, 1, 1],
      ]),
      [false, true],
    );
    expect(Array.from(await m.data())).toEqual([1, 1, 0, 0, 0, 0]);
    const t = maskTruncatedCompletions(tf.ones([2, 2]), tf.tensor1d([1, 0]));
    expect(Array.from(await t.data())).toEqual([0, 0, 1, 1]);
  });
});
