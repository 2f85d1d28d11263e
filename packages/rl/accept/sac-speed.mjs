// Measures SAC gradient-step throughput on the tfjs CPU backend (no acceptance gate): node accept/sac-speed.mjs [hidden] [batch]
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { trainSac } from '@descent/rl';

await useBackend('cpu');
const hidden = Number(process.argv[2] ?? 64);
const batchSize = Number(process.argv[3] ?? 256);
const t0 = performance.now();
let last = t0;
const { policy } = await trainSac(
  { env: 'Pendulum-v1', seed: 0, totalSteps: 1100, hiddenSizes: [hidden, hidden], batchSize, logInterval: 250 },
  {
    onIteration(s) {
      const now = performance.now();
      console.log(JSON.stringify({ steps: s.steps, ret: s.meanReturn, critic: s.valueLoss, alpha: s.alpha, msPerStep: ((now - last) / 250).toFixed(2), tensors: tf.memory().numTensors }));
      last = now;
    },
  },
);
policy.dispose();
console.log('total s', ((performance.now() - t0) / 1000).toFixed(1));
