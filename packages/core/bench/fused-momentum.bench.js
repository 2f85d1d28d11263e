// Benchmark: one heavy-ball momentum step on n float32 parameters, three ways, in one process:
//   descent  — Optimizer(heavyBall) in place through the fused CPU kernel (WebAssembly SIMD, the default;
//              and the scalar JavaScript loop, setCpuKernels('js'), as a second column)
//   tfjs     — tf.train.momentum(lr, μ).applyGradients (one op per term)
//   loop     — a plain Float32Array loop (the floor: what the memory traffic costs)
// Reported as ratios against the peers measured in the same run (never absolute targets).
// Writes bench-results/core-fused-momentum.json and .md at the repository root.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { Optimizer, heavyBall, setCpuKernels, useBackend } from '@descent/core';

await useBackend('cpu');
const sizes = (process.env.DESCENT_BENCH_SIZES ?? '1e5,1e6,1e7').split(',').map(Number);
const lr = 0.01;
const mu = 0.9;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn, repeats) {
  // Warm-up: JIT, the first step's allocations, and V8's tier-up of the WebAssembly kernel from Liftoff to TurboFan.
  for (let i = 0; i < 5; i++) fn();
  const ts = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

const rows = [];
for (const n of sizes) {
  const repeats = n >= 1e7 ? 3 : n >= 1e6 ? 7 : 21;
  const init = new Float32Array(n).map((_, i) => Math.sin(i));
  const gradValues = new Float32Array(n).map((_, i) => Math.cos(i) * 0.1);
  const grad = tf.tensor1d(gradValues);

  const descentStep = (kind) => {
    setCpuKernels(kind);
    const v = tf.variable(tf.tensor1d(init));
    const o = new Optimizer(heavyBall({ learningRate: lr, momentum: mu }), [v], { nonFinite: 'off' });
    const ms = time(() => o.step([grad]), repeats);
    o.dispose();
    v.dispose();
    setCpuKernels('wasm-simd');
    return ms;
  };
  const descentMs = descentStep('wasm-simd');
  const descentJsMs = descentStep('js');

  const v2 = tf.variable(tf.tensor1d(init), true, `bench-momentum-${n}`);
  const tfOpt = tf.train.momentum(lr, mu);
  const tfjsMs = time(() => tfOpt.applyGradients({ [v2.name]: grad }), repeats);

  const p = Float32Array.from(init);
  const m = new Float32Array(n);
  const loopMs = time(() => {
    for (let i = 0; i < n; i++) {
      const b = mu * m[i] + gradValues[i];
      m[i] = b;
      p[i] -= lr * b;
    }
  }, repeats);

  rows.push({
    n,
    descentMs: +descentMs.toFixed(3),
    descentScalarJsMs: +descentJsMs.toFixed(3),
    tfjsMomentumMs: +tfjsMs.toFixed(3),
    plainLoopMs: +loopMs.toFixed(3),
    tfjsOverDescent: +(tfjsMs / descentMs).toFixed(2),
    descentOverLoop: +(descentMs / loopMs).toFixed(2),
  });
  console.log(
    `n=${n.toExponential(0)}  descent ${descentMs.toFixed(2)} ms (scalar js ${descentJsMs.toFixed(2)})  tf.train.momentum ${tfjsMs.toFixed(2)} ms  loop ${loopMs.toFixed(2)} ms  ` +
      `→ tfjs/descent ${(tfjsMs / descentMs).toFixed(1)}×, descent/loop ${(descentMs / loopMs).toFixed(2)}×`,
  );
  tfOpt.dispose();
  tf.dispose([grad, v2]);
}

const root = new URL('../../../', import.meta.url);
mkdirSync(new URL('bench-results/', root), { recursive: true });
const result = { benchmark: 'core-fused-momentum', backend: tf.getBackend(), node: process.version, date: new Date().toISOString(), rows };
writeFileSync(new URL('bench-results/core-fused-momentum.json', root), `${JSON.stringify(result, null, 2)}\n`);
const md = [
  '| parameters | descent (ms) | descent, scalar js kernel (ms) | tf.train.momentum (ms) | plain loop (ms) | tfjs / descent | descent / loop |',
  '|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.n.toExponential(0)} | ${r.descentMs} | ${r.descentScalarJsMs} | ${r.tfjsMomentumMs} | ${r.plainLoopMs} | ${r.tfjsOverDescent}× | ${r.descentOverLoop}× |`,
  ),
].join('\n');
writeFileSync(new URL('bench-results/core-fused-momentum.md', root), `${md}\n`);
console.log(`\n${md}`);
