// Acceptance runs for SAC and MDPO (helper rl-offpolicy), from the built dist:
//   npx tsc -b packages/rl && node packages/rl/accept/offpolicy-accept.mjs <algo> <env> <totalSteps> <seed> [threshold] [out.json]
// algo: sac | mdpo-on | mdpo-off. Trains with the per-environment preset, then evaluates the deterministic policy on
// 20 episodes (20 sub-environments seeded 10000 + seed + i, each run to the end of its first episode) and prints one
// JSON line with the mean return, the gate and the wall time. The learning curve goes to out.json when given.
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { makeEnv, trainSac } from '@descent/rl';
import * as rl from '@descent/rl';

await useBackend('cpu');
const [algo, env, totalStepsArg, seedArg, thresholdArg, out] = process.argv.slice(2);
const trainers = { sac: trainSac, 'mdpo-on': rl.trainMdpoOn, 'mdpo-off': rl.trainMdpoOff };
const trainer = trainers[algo];
if (trainer === undefined) throw new Error(`unknown algo ${algo}; one of ${Object.keys(trainers)}`);
const totalSteps = Number(totalStepsArg);
const seed = Number(seedArg ?? 0);
const t0 = performance.now();
const { policy, history } = await trainer(
  { env, seed, totalSteps },
  {
    onIteration(s) {
      if (s.iteration % 5 === 0 || s.steps >= totalSteps) {
        const r = (x) => (x === undefined ? undefined : Number(x.toFixed(4)));
        console.error(JSON.stringify({ it: s.iteration, steps: s.steps, ret: r(s.meanReturn), eps: s.episodes, pl: r(s.policyLoss), vl: r(s.valueLoss), ent: r(s.entropy), kl: r(s.kl), alpha: r(s.alpha), s: Math.round(s.wallTimeMs / 1000), tensors: tf.memory().numTensors }));
      }
    },
  },
);
const trainSeconds = (performance.now() - t0) / 1000;

function evaluateDeterministic(policy, envId, episodes, evalSeed) {
  const venv = makeEnv(envId, { numEnvs: episodes, seed: evalSeed });
  let obs = venv.reset(evalSeed);
  const returns = new Float64Array(episodes);
  const done = new Uint8Array(episodes);
  while (done.some((d) => d === 0)) {
    const res = venv.step(policy.act(obs, { deterministic: true }));
    for (let i = 0; i < episodes; i++) {
      if (done[i]) continue;
      returns[i] += res.rewards[i];
      if (res.terminated[i] || res.truncated[i]) done[i] = 1;
    }
    obs = res.observations;
  }
  return Array.from(returns);
}
const returns = evaluateDeterministic(policy, env, 20, 10_000 + seed);
const meanReturn = returns.reduce((a, b) => a + b, 0) / returns.length;
const threshold = thresholdArg === undefined ? undefined : Number(thresholdArg);
const result = { algo, env, seed, totalSteps, meanReturn, min: Math.min(...returns), max: Math.max(...returns), threshold, pass: threshold === undefined ? undefined : meanReturn >= threshold, trainSeconds: Math.round(trainSeconds) };
console.log(JSON.stringify(result));
if (out) writeFileSync(out, JSON.stringify({ result, returns, history }, null, 1));
policy.dispose();
