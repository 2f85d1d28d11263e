/**
 * Raw environment throughput of @descent/rl: steps per second of the vectorised environments (SyncVectorEnv via
 * makeEnv) for numEnvs = 1, 8, 64, against two peers measured in the same run:
 *
 * - `Env loop`: the same sub-environments stepped one by one through the single `Env` interface with a manual
 *   reset (what the vector wrapper does, minus its batching and validation pass);
 * - `inline` (CartPole-v1 and Pendulum-v1 only): the same physics written inline over a Float64Array, no objects,
 *   no validation, no allocation — the ceiling for a JavaScript implementation.
 *
 * Actions come from a fixed pseudo-random table (valid for the space), so every variant does the same work.
 * Writes bench-results/rl-envs.json and prints a Markdown table. Run after building the package:
 *   npx tsc -b packages/rl && node packages/rl/bench/env-throughput.bench.js [secondsPerCase]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeEnv, makeSingleEnv } from '@descent/rl';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const seconds = Number(process.argv[2] ?? 0.6); // per variant and case, split in interleaved slices
const ids = ['CartPole-v1', 'Pendulum-v1', 'Acrobot-v1', 'MountainCar-v0', 'MountainCarContinuous-v0'];
const sizes = [1, 8, 64];

function actionTable(space, numEnvs, rows = 257) {
  let s = 12345;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  return Array.from({ length: rows }, () =>
    space.kind === 'discrete'
      ? Int32Array.from({ length: numEnvs }, () => Math.floor(next() * space.n))
      : Float32Array.from({ length: numEnvs * space.shape[0] }, (_, j) => {
          const lo = space.low[j % space.shape[0]];
          const hi = space.high[j % space.shape[0]];
          return Math.fround(lo + (hi - lo) * next());
        }),
  );
}

/**
 * A runner for `stepOnce(t)` (which performs `perCall` env steps): after a warm-up, `run(ms)` steps for about `ms`
 * milliseconds and returns the steps/s of that slice. The variants of one case are run in interleaved slices and the
 * best slice of each is kept, so that all of them see the same (shared, noisy) machine load.
 */
function runner(stepOnce, perCall) {
  for (let t = 0; t < 2000; t++) stepOnce(t);
  let calls = 0;
  return (ms) => {
    const start = calls;
    const t0 = performance.now();
    let elapsed = 0;
    while (elapsed < ms) {
      for (let k = 0; k < 100; k++) stepOnce(calls++);
      elapsed = performance.now() - t0;
    }
    return ((calls - start) * perCall) / (elapsed / 1000);
  };
}

function vectorRunner(id, n) {
  const env = makeEnv(id, { numEnvs: n, seed: 0 });
  env.reset();
  const table = actionTable(env.actionSpace, n);
  return runner((t) => env.step(table[t % table.length]), n);
}

function envLoopRunner(id, n) {
  const envs = Array.from({ length: n }, (_, i) => makeSingleEnv(id, i));
  envs.forEach((e) => e.reset());
  const space = envs[0].actionSpace;
  const table = actionTable(space, n);
  const dim = space.kind === 'box' ? space.shape[0] : 1;
  return runner((t) => {
    const row = table[t % table.length];
    for (let i = 0; i < n; i++) {
      const r = envs[i].step(space.kind === 'discrete' ? row[i] : row.subarray(i * dim, (i + 1) * dim));
      if (r.terminated || r.truncated) envs[i].reset();
    }
  }, n);
}

/** CartPole physics inline (Gymnasium's Euler step and termination), fixed-state resets. */
function inlineCartPoleRunner(n) {
  const s = new Float64Array(4 * n).map((_, j) => 0.01 * ((j % 7) - 3));
  const steps = new Int32Array(n);
  const table = actionTable({ kind: 'discrete', n: 2 }, n);
  const obs = new Float32Array(4 * n);
  return runner((t) => {
    const row = table[t % table.length];
    for (let i = 0; i < n; i++) {
      const o = 4 * i;
      const force = row[i] === 1 ? 10 : -10;
      const th = s[o + 2], thd = s[o + 3];
      const c = Math.cos(th), sn = Math.sin(th);
      const temp = (force + 0.05 * thd * thd * sn) / 1.1;
      const ta = (9.8 * sn - c * temp) / (0.5 * (4 / 3 - (0.1 * c * c) / 1.1));
      const xa = temp - (0.05 * ta * c) / 1.1;
      s[o] += 0.02 * s[o + 1];
      s[o + 1] += 0.02 * xa;
      s[o + 2] += 0.02 * thd;
      s[o + 3] += 0.02 * ta;
      steps[i] += 1;
      if (Math.abs(s[o]) > 2.4 || Math.abs(s[o + 2]) > 0.20943951 || steps[i] >= 500) {
        s[o] = s[o + 1] = s[o + 2] = s[o + 3] = 0.01;
        steps[i] = 0;
      }
      for (let j = 0; j < 4; j++) obs[o + j] = s[o + j];
    }
  }, n);
}

/** Pendulum physics inline (Gymnasium's step), 200-step truncation. */
function inlinePendulumRunner(n) {
  const s = new Float64Array(2 * n).fill(0.5);
  const steps = new Int32Array(n);
  const table = actionTable({ kind: 'box', shape: [1], low: Float32Array.of(-2), high: Float32Array.of(2) }, n);
  const obs = new Float32Array(3 * n);
  let sink = 0;
  return runner((t) => {
    const row = table[t % table.length];
    for (let i = 0; i < n; i++) {
      const th = s[2 * i], thd = s[2 * i + 1];
      const u = Math.min(Math.max(row[i], -2), 2);
      const an = ((((th + Math.PI) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI)) - Math.PI;
      sink += an * an + 0.1 * thd * thd + 0.001 * u * u;
      const nthd = Math.min(Math.max(thd + (15 * Math.sin(th) + 3 * u) * 0.05, -8), 8);
      s[2 * i] = th + nthd * 0.05;
      s[2 * i + 1] = nthd;
      obs[3 * i] = Math.cos(s[2 * i]);
      obs[3 * i + 1] = Math.sin(s[2 * i]);
      obs[3 * i + 2] = nthd;
      if (++steps[i] >= 200) {
        steps[i] = 0;
        s[2 * i] = 0.5;
        s[2 * i + 1] = 0.5;
      }
    }
    if (sink === -1) console.log(sink);
  }, n);
}

const rows = [];
const slices = 6;
for (const id of ids) {
  for (const n of sizes) {
    const variants = { vector: vectorRunner(id, n), loop: envLoopRunner(id, n) };
    if (id === 'CartPole-v1') variants.inline = inlineCartPoleRunner(n);
    if (id === 'Pendulum-v1') variants.inline = inlinePendulumRunner(n);
    const best = Object.fromEntries(Object.keys(variants).map((k) => [k, 0]));
    for (let s = 0; s < slices; s++) {
      for (const [k, run] of Object.entries(variants)) best[k] = Math.max(best[k], run((seconds * 1000) / slices));
    }
    const row = { env: id, numEnvs: n, vectorStepsPerSec: best.vector, envLoopStepsPerSec: best.loop, inlineStepsPerSec: best.inline };
    rows.push(row);
    console.error(`${id} × ${n}: vector ${best.vector.toFixed(0)}/s, Env loop ${best.loop.toFixed(0)}/s${best.inline ? `, inline ${best.inline.toFixed(0)}/s` : ''}`);
  }
}

const result = { node: process.version, secondsPerCase: seconds, date: new Date().toISOString(), rows };
mkdirSync(join(root, 'bench-results'), { recursive: true });
writeFileSync(join(root, 'bench-results', 'rl-envs.json'), JSON.stringify(result, null, 2));
const k = (x) => (x === undefined ? '—' : `${(x / 1000).toFixed(0)}k`);
const md = [
  `# @descent/rl environment throughput (env steps/s, ${process.version}, same run)`,
  '',
  '| env | numEnvs | SyncVectorEnv | Env loop | vector / loop | inline physics | vector / inline |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.env} | ${r.numEnvs} | ${k(r.vectorStepsPerSec)} | ${k(r.envLoopStepsPerSec)} | ${(r.vectorStepsPerSec / r.envLoopStepsPerSec).toFixed(2)} | ${k(r.inlineStepsPerSec)} | ${r.inlineStepsPerSec ? (r.vectorStepsPerSec / r.inlineStepsPerSec).toFixed(3) : '—'} |`,
  ),
  '',
].join('\n');
writeFileSync(join(root, 'bench-results', 'rl-envs.md'), md);
console.log(md);
