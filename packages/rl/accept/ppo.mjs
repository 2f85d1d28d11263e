// PPO acceptance run from the built dist (spec rl.md §9): node packages/rl/accept/ppo.mjs <env> <totalSteps> <seed...>
// Trains with the env's preset, evaluates deterministically over 20 episodes, prints one JSON line per seed and
// writes the learning curve next to this script (accept/results/).
import { mkdirSync, writeFileSync } from 'node:fs';
import { useBackend } from '@descent/core';
import { evaluate, learningCurveJson, train } from '@descent/rl';

await useBackend('cpu');
const [env = 'CartPole-v1', steps = '100000', ...seedArgs] = process.argv.slice(2);
const algo = process.env.ALGO ?? 'ppo';
const seeds = seedArgs.length ? seedArgs.map(Number) : [0];
const dir = new URL('./results/', import.meta.url);
mkdirSync(dir, { recursive: true });
for (const seed of seeds) {
  const t0 = Date.now();
  let last = 0;
  const { policy, history } = await train(algo, { env, seed, totalSteps: Number(steps) }, {
    onIteration(s) {
      if (Date.now() - last > 30_000) {
        last = Date.now();
        console.error(`[${algo} ${env} seed ${seed}] steps ${s.steps} meanReturn ${s.meanReturn.toFixed(1)} wall ${(s.wallTimeMs / 1000).toFixed(0)}s`);
      }
    },
  });
  const trainMs = Date.now() - t0;
  const ev = await evaluate(policy, { env, episodes: 20, seed: 10_000 + seed, deterministic: true });
  writeFileSync(new URL(`${algo}-${env}-${steps}-seed${seed}.json`, dir), learningCurveJson(history, { algo, env, seed, totalSteps: Number(steps) }));
  console.log(JSON.stringify({ algo, env, totalSteps: Number(steps), seed, trainWallS: trainMs / 1000, evalMeanReturn: ev.meanReturn, evalMin: Math.min(...ev.returns), stepsDone: history.at(-1)?.steps }));
  policy.dispose();
}
