/**
 * The demo's two models, written directly with tfjs-core ops so that any descent optimizer can
 * train them through the `Optimizer` runner: a one-hidden-layer MLP and a small CNN.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Key, normal, split } from '@descent/core';
import { PIXELS } from './mnist-digits.js';

/** Model names accepted by `--model`. */
export type ModelName = 'mlp' | 'cnn';

/** A model: its parameters (a tree of variables) and its forward pass to logits `[batch, 10]`. */
export interface Model {
  params: Record<string, tf.Variable>;
  forward(x: tf.Tensor2D): tf.Tensor2D;
}

/** He-normal initialisation: N(0, 2/fanIn), from the key. */
function heNormal(key: Key, shape: number[], fanIn: number): tf.Variable {
  return tf.tidy(() => tf.variable(tf.mul(normal(key, shape), Math.sqrt(2 / fanIn))));
}

/** 784 → hidden (ReLU) → 10; 64 hidden units keep Muon's Newton–Schulz affordable on the CPU backend. */
export function mlp(key: Key, hidden = 64): Model {
  const [k1, k2] = split(key);
  const params = {
    w1: heNormal(k1 as Key, [PIXELS, hidden], PIXELS),
    b1: tf.variable(tf.zeros([hidden])),
    w2: heNormal(k2 as Key, [hidden, 10], hidden),
    b2: tf.variable(tf.zeros([10])),
  };
  return {
    params,
    forward: (x) => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, params.w1), params.b1)), params.w2), params.b2),
  };
}

/** conv 5×5×8 (ReLU) → 2×2 max-pool → conv 3×3×16 (ReLU) → 2×2 max-pool → dense 10. */
export function cnn(key: Key): Model {
  const [k1, k2, k3] = split(key, 3);
  const params = {
    c1: heNormal(k1 as Key, [5, 5, 1, 8], 25),
    cb1: tf.variable(tf.zeros([8])),
    c2: heNormal(k2 as Key, [3, 3, 8, 16], 72),
    cb2: tf.variable(tf.zeros([16])),
    w: heNormal(k3 as Key, [7 * 7 * 16, 10], 7 * 7 * 16),
    b: tf.variable(tf.zeros([10])),
  };
  return {
    params,
    forward: (x) => {
      const img = tf.reshape(x, [-1, 28, 28, 1]) as tf.Tensor4D;
      const h1 = tf.maxPool(tf.relu(tf.add(tf.conv2d(img, params.c1 as tf.Tensor4D, 1, 'same'), params.cb1)) as tf.Tensor4D, 2, 2, 'same');
      const h2 = tf.maxPool(tf.relu(tf.add(tf.conv2d(h1, params.c2 as tf.Tensor4D, 1, 'same'), params.cb2)) as tf.Tensor4D, 2, 2, 'same');
      return tf.add(tf.matMul(tf.reshape(h2, [-1, 7 * 7 * 16]), params.w), params.b);
    },
  };
}

/** Builds a model by name. */
export function makeModel(name: ModelName, key: Key): Model {
  return name === 'cnn' ? cnn(key) : mlp(key);
}
