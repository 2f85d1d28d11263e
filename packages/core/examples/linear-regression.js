// descent core example: fit y = 2x₁ − 3x₂ + 0.5 with heavy-ball momentum on the backend of your choice.
// Run after `pnpm build`: node packages/core/examples/linear-regression.js [cpu|webgpu|auto]
import * as tf from '@tensorflow/tfjs-core';
import { Optimizer, backendInfo, heavyBall, key, normal, split, useBackend } from '@descent/core';

const backend = await useBackend(process.argv[2] ?? 'cpu');
const info = backendInfo();
console.log(`backend: ${backend}${info.adapter ? ` (${info.adapter})` : ''}, fused kernels: ${info.fusedKernels}`);

const [dataKey, noiseKey] = split(key(0));
const X = normal(dataKey, [256, 2]);
const y = tf.tidy(() => tf.add(tf.add(tf.matMul(X, tf.tensor2d([[2], [-3]])), 0.5), tf.mul(normal(noiseKey, [256, 1]), 0.01)));
const w = tf.variable(tf.zeros([2, 1]));
const b = tf.variable(tf.zeros([1]));
const loss = () => tf.mean(tf.square(tf.sub(tf.add(tf.matMul(X, w), b), y)));

const opt = new Optimizer(heavyBall({ learningRate: 0.05, momentum: 0.9 }), { w, b });
let tensorsAfterFirstStep = 0;
for (let step = 1; step <= 200; step++) {
  const value = await opt.minimizeAsync(loss);
  if (step === 1) tensorsAfterFirstStep = tf.memory().numTensors;
  if (step % 40 === 0) console.log(`step ${String(step).padStart(3)}  loss ${value.toExponential(3)}  tensors ${tf.memory().numTensors}`);
}
const [w1, w2] = await w.data();
const [b0] = await b.data();
console.log(`fitted w = [${w1.toFixed(4)}, ${w2.toFixed(4)}], b = ${b0.toFixed(4)} (true: [2, -3], 0.5)`);
console.log(`tensors after step 1: ${tensorsAfterFirstStep}, after step 200: ${tf.memory().numTensors}`);
