// Benchmark: solve() on the 15 public Hock–Schittkowski problems — outer iterations, f and gradient evaluations, wall
// time, |f − f*|, violation and KKT residual — for the default method (and others named on the command line).
// SciPy SLSQP's iteration counts on these problems are not published in any source the spec cites ("not known").
// Build first: `npx tsc -b packages/constrained`; run: `node packages/constrained/bench/solve.bench.js [method ...]`
// (methods: auto, augmented-lagrangian, exact-al-sketch, penalty, gda). Writes bench-results/constrained-solve.{json,md}.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { hockSchittkowski, solve } from '../dist/index.js';

await useBackend('cpu');
const methods = process.argv.length > 2 ? process.argv.slice(2) : ['auto'];
const repeats = Number(process.env.DESCENT_BENCH_REPEATS ?? 3);
const rows = [];
for (const method of methods) {
  for (const t of hockSchittkowski) {
    const times = [];
    let r;
    const before = tf.memory().numTensors;
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      try {
        r = solve(t.problem, { method });
      } catch (e) {
        r = { error: String(e.message ?? e) };
      }
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const ms = times[Math.floor(times.length / 2)];
    const row = r.error
      ? { method, problem: t.name, error: r.error }
      : {
          method,
          problem: t.name,
          n: t.problem.dim,
          iterations: r.iterations,
          fEvals: r.evaluations?.f,
          gradEvals: r.evaluations?.grad,
          ms: Number(ms.toFixed(1)),
          fError: Math.abs(r.f - t.fStar) / Math.max(1, Math.abs(t.fStar)),
          violation: r.constraintViolation,
          kkt: r.kktResidual,
          converged: r.converged,
          pass: Math.abs(r.f - t.fStar) <= 1e-6 * Math.max(1, Math.abs(t.fStar)) && r.constraintViolation <= 1e-6,
          slsqpIterations: 'not known',
          leakedTensors: tf.memory().numTensors - before,
        };
    rows.push(row);
    console.log(JSON.stringify(row));
  }
}
const e = (v) => (typeof v === 'number' ? v.toExponential(1) : String(v));
const md = [
  '| method | problem | n | outer iterations | f evals | grad evals | wall ms (median of ' + repeats + ') | rel. f error | violation | KKT residual | converged | pass | SLSQP iterations |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map((r) =>
    r.error
      ? `| ${r.method} | ${r.problem} | | error: ${r.error} | | | | | | | | | |`
      : `| ${r.method} | ${r.problem} | ${r.n} | ${r.iterations} | ${r.fEvals} | ${r.gradEvals} | ${r.ms} | ${e(r.fError)} | ${e(r.violation)} | ${e(r.kkt)} | ${r.converged} | ${r.pass ? 'yes' : 'NO'} | ${r.slsqpIterations} |`,
  ),
].join('\n');
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/constrained-solve.json', JSON.stringify({ date: new Date().toISOString(), backend: tf.getBackend(), rows }, null, 2));
writeFileSync('bench-results/constrained-solve.md', md + '\n');
console.log(md);
