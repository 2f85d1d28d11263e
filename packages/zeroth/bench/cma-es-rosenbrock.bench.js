/**
 * Acceptance T8 of the zeroth spec (pycma's `fmin` docstring reference): CMA-ES on Rosenbrock
 * 10-D from x0 = 0.1·1 with σ0 = 0.3 reaches f < 1e-12 within 8,000 evaluations. One seed is
 * asserted in test/cma-es.test.ts; this study runs M independent runs as one batch and reports
 * the distribution of evaluations to f < 1e-12 (runs that end in Rosenbrock's local minimum
 * f ≈ 3.99, or that stall on the float32 grid just above 1e-12, count as failures).
 *
 * Writes bench-results/zeroth-cma-es.json and .md. Run after `pnpm build`:
 *   node packages/zeroth/bench/cma-es-rosenbrock.bench.js [runs]   (env CMA_BENCH_RUNS also works)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { key, useBackend } from '@descent/core';
import { cmaEs, cmaEsPopSize } from '@descent/zeroth';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const M = Number(process.argv[2] ?? process.env.CMA_BENCH_RUNS ?? 30);
const D = 10;
const budget = 8000;
const backend = await useBackend(process.env.CMA_BENCH_BACKEND ?? 'cpu');

function rosenbrock(x) {
  return tf.tidy(() => {
    const a = tf.slice(x, [0, 0, 0], [-1, -1, D - 1]);
    const b = tf.slice(x, [0, 0, 1], [-1, -1, D - 1]);
    return tf.sum(tf.add(tf.mul(100, tf.square(tf.sub(b, tf.square(a)))), tf.square(tf.sub(1, a))), 2);
  });
}

const es = cmaEs({ sigma0: 0.3, mean0: 0.1 });
let s = es.init({ dim: D, popSize: cmaEsPopSize(D), runs: M, key: key(123) });
const hit = new Array(M).fill(-1);
const t0 = performance.now();
for (let g = 0; g < 2 * budget / cmaEsPopSize(D); g++) {
  const { population, state } = es.ask(s);
  const f = rosenbrock(population);
  s = await es.tellAsync(state, population, f);
  tf.dispose([population, f]);
  s.run.forEach((r, i) => {
    if (hit[i] < 0 && r.bestFitness < 1e-12) hit[i] = r.evaluations;
  });
}
const seconds = (performance.now() - t0) / 1000;
const ok = hit.filter((h) => h >= 0 && h <= budget).sort((a, b) => a - b);
const result = {
  backend,
  runs: M,
  successWithin8000: ok.length / M,
  evaluationsMedian: ok.length ? ok[Math.floor(ok.length / 2)] : null,
  evaluationsMin: ok[0] ?? null,
  evaluationsMax: ok[ok.length - 1] ?? null,
  finalBest: s.run.map((r) => r.bestFitness),
  seconds,
};
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(join(root, 'bench-results', 'zeroth-cma-es.json'), JSON.stringify(result, null, 2));
const md = [
  '# CMA-ES, Rosenbrock 10-D (acceptance T8)',
  '',
  `x0 = 0.1·1, σ0 = 0.3, λ = ${cmaEsPopSize(D)}, ${M} runs, backend ${backend}.`,
  '',
  '| runs with f < 1e-12 within 8,000 evaluations | median evaluations | min | max |',
  '|---|---|---|---|',
  `| ${ok.length}/${M} | ${result.evaluationsMedian} | ${result.evaluationsMin} | ${result.evaluationsMax} |`,
  '',
];
writeFileSync(join(root, 'bench-results', 'zeroth-cma-es.md'), md.join('\n'));
console.log(md.join('\n'));
