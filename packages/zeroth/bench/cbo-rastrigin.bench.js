/**
 * Acceptance T1 of the zeroth spec (CBXpy `docs/examples/success_evaluation.ipynb`): anisotropic
 * CBO on CBXpy's Rastrigin `10d + Σ(x² − 10 cos 2πx)`, d = 20, N = 40, M = 100 runs, σ = 10.1,
 * α = 30 ×1.05 per step capped at 1e5, dt = 0.01, λ = 1, 5,000 steps, x0 ~ U[−3, 3]; success:
 * ‖best − 0‖∞ < 0.25 (target ≥ 95 %). Also iterations per second of the (100 × 40 × 20) study
 * against a plain Float32Array-loop CBO measured in the same run.
 *
 * Writes bench-results/zeroth-cbo.json and .md. Run after `pnpm build`:
 *   node packages/zeroth/bench/cbo-rastrigin.bench.js [steps]   (env CBO_BENCH_STEPS also works)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { key, normalValues, foldIn, uniformValues, useBackend } from '@descent/core';
import { cbo } from '@descent/zeroth';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const steps = Number(process.argv[2] ?? process.env.CBO_BENCH_STEPS ?? 5000);
const M = 100;
const N = 40;
const D = 20;
const backend = await useBackend(process.env.CBO_BENCH_BACKEND ?? 'cpu');

/** CBXpy Rastrigin (not divided by d), batched over the last axis. */
function rastrigin(x) {
  return tf.tidy(() => tf.add(10 * D, tf.sum(tf.sub(tf.square(x), tf.mul(10, tf.cos(tf.mul(2 * Math.PI, x)))), -1)));
}

async function descentStudy() {
  const strategy = cbo({ sigma: 10.1, alpha: 30, alphaSchedule: { multiply: 1.05, max: 1e5 }, noise: 'anisotropic', dt: 0.01, lambda: 1 });
  let state = strategy.init({ dim: D, popSize: N, runs: M, key: key(0), init: { uniform: { low: -3, high: 3 } } });
  const drop = (old, next) => {
    const keep = new Set([next.x, next.alpha, next.bestX, next.bestFitness, next.consensus]);
    for (const t of [old.x, old.alpha, old.bestX, old.bestFitness, old.consensus]) if (t && !keep.has(t)) t.dispose();
  };
  const tensorsBefore = tf.memory().numTensors;
  const t0 = performance.now();
  for (let t = 0; t < steps; t++) {
    const { population, state: asked } = strategy.ask(state);
    const fitness = rastrigin(population);
    const next = strategy.tell(asked, population, fitness);
    population.dispose();
    fitness.dispose();
    drop(asked, next);
    state = next;
  }
  const best = await strategy.bestAsync(state);
  const seconds = (performance.now() - t0) / 1000;
  const tensorsAfter = tf.memory().numTensors;
  const infNorms = best.x.map((row) => Math.max(...row.map(Math.abs)));
  const successes = infNorms.filter((v) => v < 0.25).length;
  const sorted = [...infNorms].sort((a, b) => a - b);
  return {
    successRate: successes / M,
    successes,
    medianInfNorm: sorted[Math.floor(M / 2)],
    seconds,
    iterationsPerSecond: steps / seconds,
    tensorLeak: tensorsAfter - tensorsBefore,
  };
}

/**
 * The same dynamics as one plain loop over a typed array (consensus by min-shifted weights in
 * float64, anisotropic Euler–Maruyama step, α ×1.05 capped), with the same counter-based normal
 * draws. `Store` is Float32Array or Float64Array: positions stored in float32 while the arithmetic
 * is float64 stall in local minima far more often (measured here), so both are reported.
 */
function plainLoopStudy(Store) {
  const x = Store.from(uniformValues(key(1), M * N * D, -3, 3));
  const f = new Float64Array(N);
  const w = new Float64Array(N);
  const c = new Float64Array(D);
  let alpha = 30;
  const bestF = new Float64Array(M).fill(Infinity);
  const bestX = new Store(M * D);
  const sqrtDt = Math.sqrt(0.01);
  const t0 = performance.now();
  for (let t = 0; t < steps; t++) {
    const xi = normalValues(foldIn(key(2), t), M * N * D);
    for (let m = 0; m < M; m++) {
      const base = m * N * D;
      let fmin = Infinity;
      let imin = 0;
      for (let i = 0; i < N; i++) {
        let s = 10 * D;
        for (let k = 0; k < D; k++) {
          const v = x[base + i * D + k];
          s += v * v - 10 * Math.cos(2 * Math.PI * v);
        }
        f[i] = s;
        if (s < fmin) {
          fmin = s;
          imin = i;
        }
      }
      if (fmin < bestF[m]) {
        bestF[m] = fmin;
        for (let k = 0; k < D; k++) bestX[m * D + k] = x[base + imin * D + k];
      }
      let total = 0;
      for (let i = 0; i < N; i++) {
        w[i] = Math.exp(-alpha * (f[i] - fmin));
        total += w[i];
      }
      c.fill(0);
      for (let i = 0; i < N; i++) for (let k = 0; k < D; k++) c[k] += (w[i] / total) * x[base + i * D + k];
      for (let i = 0; i < N; i++) {
        for (let k = 0; k < D; k++) {
          const j = base + i * D + k;
          const drift = x[j] - c[k];
          x[j] = x[j] - 0.01 * drift + 10.1 * sqrtDt * drift * xi[j];
        }
      }
    }
    alpha = Math.min(alpha * 1.05, 1e5);
  }
  const seconds = (performance.now() - t0) / 1000;
  let successes = 0;
  for (let m = 0; m < M; m++) {
    let inf = 0;
    for (let k = 0; k < D; k++) inf = Math.max(inf, Math.abs(bestX[m * D + k]));
    if (inf < 0.25) successes++;
  }
  return { successRate: successes / M, seconds, iterationsPerSecond: steps / seconds };
}

/**
 * CBXpy's vectorised numpy update for the same study (cbo_rastrigin_numpy.py), where python3 with numpy exists;
 * CBXpy itself cannot be installed here, so this is its update written in numpy, not the package.
 */
function numpyStudy() {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'cbo_rastrigin_numpy.py');
  const run = spawnSync('python3', [script, String(steps)], { encoding: 'utf8' });
  if (run.status !== 0) return { unavailable: (run.stderr || run.error?.message || 'python3 failed').trim().split('\n').pop() };
  return JSON.parse(run.stdout.trim().split('\n').pop());
}

const descent = await descentStudy();
const plain = plainLoopStudy(Float32Array);
const plain64 = plainLoopStudy(Float64Array);
const numpy = numpyStudy();
const result = {
  suite: 'zeroth-cbo',
  study: 'CBXpy T1: anisotropic CBO, Rastrigin d=20, N=40, M=100, sigma=10.1, alpha=30 x1.05 (cap 1e5), dt=0.01, lambda=1, x0~U[-3,3]',
  backend,
  steps,
  target: { successRate: 0.95 },
  descent,
  plainLoop: plain,
  plainLoopFloat64: plain64,
  numpyCbxpyUpdate: numpy,
  ratio: descent.iterationsPerSecond / plain.iterationsPerSecond,
  ratioFloat64: descent.iterationsPerSecond / plain64.iterationsPerSecond,
  ratioToNumpy: numpy.iterationsPerSecond ? descent.iterationsPerSecond / numpy.iterationsPerSecond : null,
  date: new Date().toISOString(),
};
const outDir = join(root, 'bench-results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'zeroth-cbo.json'), `${JSON.stringify(result, null, 2)}\n`);
const md = [
  '## zeroth: CBO on Rastrigin (CBXpy T1)',
  '',
  `${result.study}; ${steps} steps; backend ${backend}.`,
  '',
  '| implementation | success rate (‖x‖∞ < 0.25) | seconds | iterations/s | ratio to plain loop |',
  '|---|---|---|---|---|',
  `| descent \`cbo\` (tfjs ${backend}) | ${descent.successRate.toFixed(2)} (median ‖x‖∞ ${descent.medianInfNorm.toExponential(2)}) | ${descent.seconds.toFixed(1)} | ${descent.iterationsPerSecond.toFixed(1)} | ${result.ratio.toFixed(2)} |`,
  `| plain Float32Array loop (float64 arithmetic) | ${plain.successRate.toFixed(2)} | ${plain.seconds.toFixed(1)} | ${plain.iterationsPerSecond.toFixed(1)} | 1.00 |`,
  `| plain Float64Array loop | ${plain64.successRate.toFixed(2)} | ${plain64.seconds.toFixed(1)} | ${plain64.iterationsPerSecond.toFixed(1)} | ${(plain64.iterationsPerSecond / plain.iterationsPerSecond).toFixed(2)} |`,
  numpy.iterationsPerSecond
    ? `| CBXpy's update in numpy ${numpy.numpy} (float64, [M, N, d] arrays) | ${numpy.successRate.toFixed(2)} | ${numpy.seconds.toFixed(1)} | ${numpy.iterationsPerSecond.toFixed(1)} | ${(numpy.iterationsPerSecond / plain.iterationsPerSecond).toFixed(2)} |`
    : `| CBXpy's update in numpy | not run: ${numpy.unavailable} | | | |`,
  '',
  `descent / numpy: ${result.ratioToNumpy === null ? 'n/a' : result.ratioToNumpy.toFixed(2)}.`,
  '',
  `Target: success rate ≥ 0.95 (CBXpy reports 1.0). Tensors held after the run minus before: ${descent.tensorLeak} (the final state's consensus; flat per step).`,
  '',
].join('\n');
writeFileSync(join(outDir, 'zeroth-cbo.md'), md);
console.log(md);
