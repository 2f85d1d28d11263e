/**
 * Acceptance of N-PG-IGT and N-HARPG on CartPole-v1 (issue 6 / spec §9): train with the CartPole preset for 1e6
 * environment steps per seed (seeds 0, 1, 2), then evaluate the final policy deterministically on 20 episodes; the
 * gate is median over seeds of the mean evaluation return ≥ 475. Writes bench-results/rl-pg-cartpole-<algos>.json and .md.
 * Run from the built package:
 *   npx tsc -b packages/rl && node packages/rl/accept/npg-igt-n-harpg-cartpole.mjs [steps] [algos] [seeds]
 * Results are rewritten after every run, so a partial run still leaves its measured numbers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { useBackend } from '@descent/core';
import { evaluate, trainNHarpg, trainNpgIgt } from '@descent/rl';

await useBackend('cpu');
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const totalSteps = Number(process.argv[2] ?? 1_000_000);
const algos = (process.argv[3] ?? 'npg-igt,n-harpg').split(',');
const seeds = (process.argv[4] ?? '0,1,2').split(',').map(Number);
const trainers = { 'npg-igt': trainNpgIgt, 'n-harpg': trainNHarpg };
const runs = [];
for (const algo of algos) {
  for (const seed of seeds) {
    const t0 = Date.now();
    let next = totalSteps / 10;
    const { policy, history } = await trainers[algo]({ env: 'CartPole-v1', seed, totalSteps }, {
      onIteration(st) {
        if (st.steps >= next) {
          next += totalSteps / 10;
          console.log(`  ${algo} seed ${seed}: ${st.steps} steps, batch return ${st.meanReturn.toFixed(1)}, ${(st.wallTimeMs / 1000).toFixed(0)} s`);
        }
      },
    });
    const wallS = (Date.now() - t0) / 1000;
    const ev = await evaluate(policy, { env: 'CartPole-v1', episodes: 20, seed: 10_000 + seed, deterministic: true });
    // Training-return curve, every ~10% of the budget (mean of the iterations in each window).
    const curve = [];
    for (let k = 1; k <= 10; k++) {
      const lo = ((k - 1) * totalSteps) / 10;
      const hi = (k * totalSteps) / 10;
      const win = history.filter((s) => s.steps > lo && s.steps <= hi);
      curve.push({ steps: hi, meanTrainReturn: win.reduce((a, s) => a + s.meanReturn, 0) / Math.max(1, win.length) });
    }
    const firstHit = history.find((s) => s.meanReturn >= 475);
    const run = { algo, seed, steps: history.at(-1).steps, iterations: history.length, wallSeconds: wallS, evalMean: ev.meanReturn, evalMin: Math.min(...ev.returns), firstTrainBatchAt475: firstHit?.steps ?? null, curve };
    runs.push(run);
    console.log(`${algo} seed ${seed}: eval ${ev.meanReturn.toFixed(1)} (min ${run.evalMin}), ${run.steps} steps, ${wallS.toFixed(0)} s`);
    policy.dispose();
    write();
  }
}
function median(xs) {
  return xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}
function write() {
  const summary = algos.map((algo) => {
    const r = runs.filter((x) => x.algo === algo);
    if (r.length === 0) return { algo, medianEval: NaN, pass: false, evals: [], wallSeconds: [] };
    const med = median(r.map((x) => x.evalMean));
    return { algo, medianEval: med, pass: med >= 475, evals: r.map((x) => x.evalMean), wallSeconds: r.map((x) => x.wallSeconds) };
  });
  const result = { env: 'CartPole-v1', totalSteps, node: process.version, date: new Date().toISOString(), summary, runs };
  mkdirSync(join(root, 'bench-results'), { recursive: true });
  writeFileSync(join(root, 'bench-results', `rl-pg-cartpole-${algos.join('+')}.json`), JSON.stringify(result, null, 2));
  const md = [
    `# N-PG-IGT / N-HARPG on CartPole-v1 (${totalSteps} steps, deterministic eval 20 episodes, seeds ${seeds.join(', ')})`,
    '',
    '| algo | eval mean per seed | median | ≥ 475 | wall s per seed |',
    '|---|---|---:|---|---|',
    ...summary.map((s) => `| ${s.algo} | ${s.evals.map((e) => e.toFixed(1)).join(', ')} | ${s.medianEval.toFixed(1)} | ${s.pass ? 'yes' : 'no'} | ${s.wallSeconds.map((w) => w.toFixed(0)).join(', ')} |`),
    '',
  ].join('\n');
  writeFileSync(join(root, 'bench-results', `rl-pg-cartpole-${algos.join('+')}.md`), md);
  console.log(md);
}
