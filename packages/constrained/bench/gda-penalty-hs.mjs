// Acceptance table for `gda` and `penalty` on the 15 public Hock–Schittkowski problems and Cooper issue #80, default
// options (no per-problem settings). Prints a Markdown table.
//
//   npx tsc -b packages/constrained && node packages/constrained/bench/gda-penalty-hs.mjs [gda|penalty]
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { cooperIssue80, gda, hockSchittkowski, penalty } from '@descent/constrained';

await useBackend('cpu');
const which = process.argv[2];
const methods = { gda, penalty };
const problems = [...hockSchittkowski, cooperIssue80];
console.log('| method | problem | iterations | f evals | grad evals | wall ms | rel. f error | violation | KKT residual | converged | 1e-3 criterion |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const [name, fn] of Object.entries(methods)) {
  if (which !== undefined && which !== name) continue;
  let passed = 0;
  for (const { name: pname, problem, fStar } of problems) {
    const before = tf.memory().numTensors;
    const t0 = performance.now();
    const r = fn(problem);
    const ms = performance.now() - t0;
    const ferr = Math.abs(r.f - fStar) / Math.max(1, Math.abs(fStar));
    const pass = ferr <= 1e-3 && r.constraintViolation <= 1e-3;
    if (pass) passed++;
    const leak = tf.memory().numTensors - before;
    console.log(
      `| ${name} | ${pname} | ${r.iterations} | ${r.evaluations?.f ?? ''} | ${r.evaluations?.grad ?? ''} | ${ms.toFixed(0)} | ` +
        `${ferr.toExponential(1)} | ${r.constraintViolation.toExponential(1)} | ${r.kktResidual.toExponential(1)} | ${r.converged} | ${pass ? 'pass' : 'FAIL'}${leak ? ` (leak ${leak})` : ''} |`,
    );
  }
  console.log(`\n${name}: ${passed}/${problems.length} pass |f − f*| ≤ 1e-3·max(1,|f*|) and violation ≤ 1e-3\n`);
}
