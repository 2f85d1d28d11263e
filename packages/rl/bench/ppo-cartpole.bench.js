/**
 * PPO on CartPole-v1 for 1e5 environment steps with the shipped preset (the "PPO CartPole 1e5-step wall
 * time"), against its peer measured in the same run: the raw vectorised environment stepping the same number of
 * steps with random actions. The ratio says how much of PPO's wall time is learning (policy forward passes, GAE,
 * minibatch updates through @descent/optim) rather than simulation. Also reports the deterministic evaluation of the
 * trained policy (20 episodes) so a speed change that breaks learning shows up here.
 *
 * Writes bench-results/rl-ppo-cartpole.{json,md}. Run after building: `npx tsc -b packages/rl`, then
 *   node packages/rl/bench/ppo-cartpole.bench.js [totalSteps]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { evaluate, makeEnv, presetFor, trainPpo } from '@descent/rl';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const totalSteps = Number(process.argv[2] ?? 100_000);
await useBackend('cpu');

const preset = presetFor('ppo', 'CartPole-v1');
const numEnvs = preset.numEnvs ?? 8;

function envOnly() {
  const env = makeEnv('CartPole-v1', { numEnvs, seed: 0 });
  env.reset(0);
  const actions = new Int32Array(numEnvs);
  const t0 = performance.now();
  for (let s = 0; s < totalSteps; s += numEnvs) {
    for (let i = 0; i < numEnvs; i++) actions[i] = (s + i * 7) % 2;
    env.step(actions);
  }
  return (performance.now() - t0) / 1000;
}

const tensorsBefore = tf.memory().numTensors;
const t0 = performance.now();
const { policy, history } = await trainPpo({ env: 'CartPole-v1', seed: 0, totalSteps });
const ppoSeconds = (performance.now() - t0) / 1000;
const evaluation = await evaluate(policy, { env: 'CartPole-v1', episodes: 20, seed: 10_000, deterministic: true });
policy.dispose();
const envSeconds = envOnly();
const steps = history.at(-1)?.steps ?? totalSteps;
const result = {
  suite: 'rl-ppo-cartpole',
  totalSteps: steps,
  numEnvs,
  ppo: { seconds: ppoSeconds, stepsPerSecond: steps / ppoSeconds, evalMeanReturn: evaluation.meanReturn },
  envOnly: { seconds: envSeconds, stepsPerSecond: totalSteps / envSeconds },
  ppoOverEnvOnly: ppoSeconds / envSeconds,
  tensorLeak: tf.memory().numTensors - tensorsBefore,
  date: new Date().toISOString(),
};
const md = [
  '## rl: PPO on CartPole-v1',
  '',
  `${steps} environment steps, ${numEnvs} sub-environments, preset \`presetFor('ppo', 'CartPole-v1')\`, CPU backend.`,
  '',
  '| run | seconds | env steps/s | deterministic eval (20 episodes) |',
  '|---|---:|---:|---:|',
  `| PPO (\`trainPpo\`) | ${ppoSeconds.toFixed(1)} | ${result.ppo.stepsPerSecond.toFixed(0)} | ${evaluation.meanReturn.toFixed(1)} |`,
  `| environment only (random actions) | ${envSeconds.toFixed(2)} | ${result.envOnly.stepsPerSecond.toFixed(0)} | — |`,
  '',
  `PPO / environment-only wall time: ${result.ppoOverEnvOnly.toFixed(0)}×. Tensors left after the run: ${result.tensorLeak}.`,
  '',
].join('\n');
const out = join(root, 'bench-results');
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'rl-ppo-cartpole.json'), `${JSON.stringify(result, null, 2)}\n`);
writeFileSync(join(out, 'rl-ppo-cartpole.md'), md);
console.log(md);
