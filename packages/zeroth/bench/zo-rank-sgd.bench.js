/**
 * Acceptance T5 of the zeroth spec for ZO-RankSGD, with more runs than the unit test:
 *
 * - T5b: f = ‖x‖², d = 100, x0 = 1 (f = 100), μ = 0.01, η = 0.05, 1000 steps; mean final f over
 *   M runs (one batch) for (m, k) ∈ {(10,10), (10,5), (5,5), (10,1), (2,1)}. Spec targets: f < 1
 *   for (10,10) and (10,5); ordering (10,10) ≤ (10,5) ≤ (10,1) ≤ (2,1). The spec's own simulation
 *   (3 seeds) reported 0.16, 0.24, 0.78, 2.6, 20.
 * - T5a: cosine between ∇f of a linear f and the average of R rank estimates (d = 10, m = 10,
 *   k = 5) for R = 1e3, 1e4, 2e4, 1e5. Spec target ≥ 0.999 at 2e4.
 *
 * Writes bench-results/zeroth-zo-rank-sgd.json and .md. Run after `pnpm build`:
 *   node packages/zeroth/bench/zo-rank-sgd.bench.js [runs]   (env ZO_BENCH_BACKEND=webgpu for the GPU)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { key, normalValues, useBackend } from '@descent/core';
import { zoRankSgd } from '@descent/zeroth';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const M = Number(process.argv[2] ?? process.env.ZO_BENCH_RUNS ?? 10);
const backend = await useBackend(process.env.ZO_BENCH_BACKEND ?? 'cpu');

const sumSquares = (p) => tf.tidy(() => tf.sum(tf.square(p), -1));

function tensorsOf(x, out = new Set()) {
  if (x instanceof tf.Tensor) out.add(x);
  else if (Array.isArray(x)) x.forEach((v) => tensorsOf(v, out));
  else if (x !== null && typeof x === 'object') Object.values(x).forEach((v) => tensorsOf(v, out));
  return out;
}
function release(prev, next) {
  const keep = tensorsOf(next);
  for (const t of tensorsOf(prev)) if (!keep.has(t) && !t.isDisposed) t.dispose();
}

const study = [];
for (const [m, k] of [[10, 10], [10, 5], [5, 5], [10, 1], [2, 1]]) {
  const es = zoRankSgd({ learningRate: 0.05, mu: 0.01, m, k });
  let s = es.init({ dim: 100, popSize: m, runs: M, key: key(0), init: { normal: { mean: 1, std: 0 } } });
  const t0 = performance.now();
  for (let t = 0; t < 1000; t++) {
    const { population, state } = es.ask(s);
    const f = sumSquares(population);
    const next = await es.tellAsync(state, population, f);
    tf.dispose([population, f]);
    release(state, next);
    release(s, next);
    s = next;
  }
  const final = Array.from(await tf.tidy(() => tf.sum(tf.square(s.x), 1)).data());
  release(s, {});
  const mean = final.reduce((a, b) => a + b, 0) / M;
  const sorted = final.slice().sort((a, b) => a - b);
  study.push({ m, k, edges: k * (k - 1) / 2 + k * (m - k), meanFinalF: mean, medianFinalF: sorted[Math.floor(M / 2)], seconds: (performance.now() - t0) / 1000 });
  console.log(`(m, k) = (${m}, ${k}): mean final f = ${mean.toPrecision(4)} over ${M} runs`);
}
const byKey = Object.fromEntries(study.map((r) => [`${r.m},${r.k}`, r.meanFinalF]));
const t5b = {
  below1: byKey['10,10'] < 1 && byKey['10,5'] < 1,
  ordered: byKey['10,10'] <= byKey['10,5'] && byKey['10,5'] <= byKey['10,1'] && byKey['10,1'] <= byKey['2,1'],
};

const cosines = [];
const grad = Array.from(normalValues(key(99), 10));
for (const R of [1000, 10000, 20000, 100000]) {
  const es = zoRankSgd({ learningRate: 1, mu: 0.01, m: 10, k: 5 });
  const s0 = es.init({ dim: 10, popSize: 10, runs: R, key: key(2024) });
  const { population, state } = es.ask(s0);
  const f = tf.tidy(() => tf.reshape(tf.matMul(tf.reshape(population, [R * 10, 10]), tf.tensor2d(grad, [10, 1])), [R, 10]));
  const s1 = await es.tellAsync(state, population, f);
  const mean = Array.from(await tf.tidy(() => tf.neg(tf.mean(s1.x, 0))).data());
  const cos = grad.reduce((a, g, i) => a + g * mean[i], 0) / (Math.hypot(...grad) * Math.hypot(...mean));
  cosines.push({ reps: R, cosine: cos });
  console.log(`T5a: R = ${R}: cos = ${cos.toFixed(6)}`);
  release(s0, {});
  release(s1, {});
  tf.dispose([population, f, state.noise]);
}

const result = { backend, runs: M, t5b: { study, ...t5b }, t5a: cosines };
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(join(root, 'bench-results', 'zeroth-zo-rank-sgd.json'), JSON.stringify(result, null, 2));
const md = [
  `# ZO-RankSGD acceptance (T5), backend ${backend}`,
  '',
  `T5b: f = ‖x‖², d = 100, x0 = 1, μ = 0.01, η = 0.05, 1000 steps, ${M} runs per (m, k).`,
  '',
  '| (m, k) | \\|E\\| | mean final f | median final f | seconds |',
  '|---|---|---|---|---|',
  ...study.map((r) => `| (${r.m}, ${r.k}) | ${r.edges} | ${r.meanFinalF.toPrecision(4)} | ${r.medianFinalF.toPrecision(4)} | ${r.seconds.toFixed(1)} |`),
  '',
  `f < 1 for (10,10) and (10,5): ${t5b.below1}; ordering (10,10) ≤ (10,5) ≤ (10,1) ≤ (2,1): ${t5b.ordered}.`,
  '',
  'T5a: cosine of the averaged estimate with ∇f (linear f, d = 10, m = 10, k = 5):',
  '',
  '| draws | cosine |',
  '|---|---|',
  ...cosines.map((c) => `| ${c.reps} | ${c.cosine.toFixed(6)} |`),
  '',
].join('\n');
writeFileSync(join(root, 'bench-results', 'zeroth-zo-rank-sgd.md'), md);
console.log(md);
