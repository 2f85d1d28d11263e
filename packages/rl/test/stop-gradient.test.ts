/**
 * stopGradient: identity forward, zero derivative.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureGradients } from '@descent/core';
import { stopGradient } from '@descent/rl';

beforeAll(async () => {
  await ensureGradients();
});

describe('stopGradient', () => {
  it('d/dx [x · sg(x)] = sg(x) = x, not 2x', async () => {
    const x = tf.tensor1d([3, -2]);
    expect(Array.from(await stopGradient(x).data())).toEqual([3, -2]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(v, stopGradient(v))))(x);
    expect(Array.from(await g.data())).toEqual([3, -2]);
  });
});
