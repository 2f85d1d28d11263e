// LV-HBA on the LLC toy (spec constrained-schedules.md A1): n = 10 and n = 100, 5000 iterations, defaults.
// Build first: `npx tsc -b packages/constrained`; run: `node packages/constrained/bench/lv-hba-llc.mjs [n ...]`.
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@descent/core';
import { bilevelToys } from '../dist/bilevel-toys.js';
import { lvHba } from '../dist/lv-hba.js';

await useBackend('cpu');
const relErr = (a, b) => Math.hypot(...a.map((v, i) => v - b[i])) / Math.hypot(...b);
const sizes = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [10, 100];
for (const n of sizes) {
  for (const [label, options] of [
    ['defaults (theta0 = y0, lambda0 = z0 = 0)', {}],
    ['spec start (theta0 = 1, lambda0 = 1, z0 = -1)', { theta0: new Array(2 * n).fill(1), lambda0: [1], z0: [-1] }],
  ]) {
    const toy = bilevelToys.llc(n);
    const before = tf.memory().numTensors;
    const t0 = performance.now();
    const r = lvHba(toy, options);
    const ms = performance.now() - t0;
    const last = r.history[r.history.length - 1];
    const sum = r.x.reduce((s, v) => s + v, 0) + r.y.reduce((s, v) => s + v, 0);
    console.log(
      `n=${n} ${label}: ${(ms / 1000).toFixed(1)} s, |x-x*|/|x*| = ${relErr(r.x, toy.xStar).toExponential(2)}, ` +
        `|y-y*|/|y*| = ${relErr(r.y, toy.yStar).toExponential(2)}, F = ${last.upper.toFixed(5)} (F* = ${toy.upperStar}), ` +
        `|F-F*|/F* = ${(Math.abs(last.upper - toy.upperStar) / toy.upperStar).toExponential(2)}, ` +
        `|1'x + 1'y| = ${Math.abs(sum).toExponential(2)}, tensors leaked = ${tf.memory().numTensors - before}`,
    );
  }
}
