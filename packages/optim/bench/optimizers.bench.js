// Benchmark: one optimizer step on n float32 parameters, measured three ways in one process:
//   descent — new Optimizer(alias(...)) stepping in place through the fused CPU kernel, in both of its forms:
//             WebAssembly SIMD (the default) and the scalar JavaScript loop (setCpuKernels('js'))
//   tfjs    — tf.train.adam(...).applyGradients (the peer every alias is compared with)
//   loop    — a hand-written Float32Array loop of the same algorithm (the floor)
// Results are ratios against the peers of the same run. Writes bench-results/optim-step.json and .md.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { Optimizer, setCpuKernels, useBackend } from '@descent/core';
import { adabelief, adam, adamw, diffgrad, lion } from '@descent/optim';

await useBackend('cpu');
const sizes = (process.env.DESCENT_BENCH_SIZES ?? '1e6,1e7').split(',').map(Number);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function time(fn, repeats) {
  // Warm-up: JIT, the first step's allocations, and V8's tier-up of the WebAssembly kernel from Liftoff to TurboFan
  // (which happens in the background after a few hundred chunk calls).
  for (let i = 0; i < 5; i++) fn();
  const ts = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    fn();
    ts.push(performance.now() - t0);
  }
  return median(ts);
}

// Plain loops of each algorithm with the same defaults as the aliases below (step counter t from 1).
const loops = {
  adam: (p, g, s, t) => {
    const [m, v] = s;
    const b1 = 0.9, b2 = 0.999, lr = 1e-3, eps = 1e-8;
    const step = lr / (1 - b1 ** t), bc2 = Math.sqrt(1 - b2 ** t);
    for (let i = 0; i < p.length; i++) {
      const gi = g[i];
      const mi = b1 * m[i] + (1 - b1) * gi;
      const vi = b2 * v[i] + (1 - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] -= (step * mi) / (Math.sqrt(vi) / bc2 + eps);
    }
  },
  adamw: (p, g, s, t) => {
    const [m, v] = s;
    const b1 = 0.9, b2 = 0.999, lr = 1e-3, eps = 1e-8, wd = 1e-2;
    const step = lr / (1 - b1 ** t), bc2 = Math.sqrt(1 - b2 ** t), decay = 1 - lr * wd;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i];
      const mi = b1 * m[i] + (1 - b1) * gi;
      const vi = b2 * v[i] + (1 - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] * decay - (step * mi) / (Math.sqrt(vi) / bc2 + eps);
    }
  },
  adabelief: (p, g, s, t) => {
    // rectify=false, weightDecouple=false, weightDecay=0 (the alias options below)
    const [m, v] = s;
    const b1 = 0.9, b2 = 0.999, lr = 1e-3, eps = 1e-16;
    const step = lr / (1 - b1 ** t), bc2 = Math.sqrt(1 - b2 ** t);
    for (let i = 0; i < p.length; i++) {
      const gi = g[i];
      const mi = b1 * m[i] + (1 - b1) * gi;
      const d = gi - mi;
      const si = b2 * v[i] + (1 - b2) * d * d + eps;
      m[i] = mi;
      v[i] = si;
      p[i] -= (step * mi) / (Math.sqrt(si) / bc2 + eps);
    }
  },
  diffgrad: (p, g, s, t) => {
    const [m, v, prev] = s;
    const b1 = 0.9, b2 = 0.999, lr = 1e-3, eps = 1e-8;
    const step = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t);
    for (let i = 0; i < p.length; i++) {
      const gi = g[i];
      const mi = b1 * m[i] + (1 - b1) * gi;
      const vi = b2 * v[i] + (1 - b2) * gi * gi;
      const xi = 1 / (1 + Math.exp(-Math.abs(prev[i] - gi)));
      m[i] = mi;
      v[i] = vi;
      prev[i] = gi;
      p[i] -= (step * xi * mi) / (Math.sqrt(vi) + eps);
    }
  },
  lion: (p, g, s) => {
    const [m] = s;
    const b1 = 0.9, b2 = 0.99, lr = 1e-4;
    for (let i = 0; i < p.length; i++) {
      const gi = g[i];
      const c = b1 * m[i] + (1 - b1) * gi;
      p[i] -= lr * Math.sign(c);
      m[i] = b2 * m[i] + (1 - b2) * gi;
    }
  },
};
const aliases = {
  adam: () => adam({}),
  adamw: () => adamw({}),
  adabelief: () => adabelief({ rectify: false, weightDecouple: false }),
  diffgrad: () => diffgrad({}),
  lion: () => lion({}),
};
const slots = { adam: 2, adamw: 2, adabelief: 2, diffgrad: 3, lion: 1 };

const rows = [];
for (const n of sizes) {
  const repeats = n >= 1e7 ? 3 : 7;
  const init = new Float32Array(n).map((_, i) => Math.sin(i));
  const gradValues = new Float32Array(n).map((_, i) => Math.cos(i) * 0.1);
  const grad = tf.tensor1d(gradValues);

  const v2 = tf.variable(tf.tensor1d(init), true, `bench-adam-${n}`);
  const tfAdam = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  const tfjsMs = time(() => tfAdam.applyGradients({ [v2.name]: grad }), repeats);
  tfAdam.dispose();
  v2.dispose();

  const descentStep = (name, kind) => {
    setCpuKernels(kind);
    const v1 = tf.variable(tf.tensor1d(init));
    const opt = new Optimizer(aliases[name](), [v1], { nonFinite: 'off' });
    const ms = time(() => opt.step([grad]), repeats);
    opt.dispose();
    v1.dispose();
    setCpuKernels('wasm-simd');
    return ms;
  };
  for (const name of Object.keys(aliases)) {
    const descentMs = descentStep(name, 'wasm-simd');
    const descentJsMs = descentStep(name, 'js');

    const p = Float32Array.from(init);
    const state = Array.from({ length: slots[name] }, () => new Float32Array(n));
    let t = 0;
    const loopMs = time(() => loops[name](p, gradValues, state, ++t), repeats);

    const row = {
      optimizer: name,
      n,
      descentMs: +descentMs.toFixed(2),
      descentScalarJsMs: +descentJsMs.toFixed(2),
      tfTrainAdamMs: +tfjsMs.toFixed(2),
      plainLoopMs: +loopMs.toFixed(2),
      tfjsAdamOverDescent: +(tfjsMs / descentMs).toFixed(1),
      descentOverLoop: +(descentMs / loopMs).toFixed(2),
    };
    rows.push(row);
    console.log(
      `${name.padEnd(9)} n=${n.toExponential(0)}  descent ${descentMs.toFixed(2)} ms (scalar js ${descentJsMs.toFixed(2)})  tf.train.adam ${tfjsMs.toFixed(1)} ms  loop ${loopMs.toFixed(2)} ms` +
        `  → tf.train.adam/descent ${row.tfjsAdamOverDescent}×, descent/loop ${row.descentOverLoop}×`,
    );
  }
  grad.dispose();
}

const root = new URL('../../../', import.meta.url);
mkdirSync(new URL('bench-results/', root), { recursive: true });
const result = { benchmark: 'optim-step', backend: tf.getBackend(), node: process.version, date: new Date().toISOString(), rows };
writeFileSync(new URL('bench-results/optim-step.json', root), `${JSON.stringify(result, null, 2)}\n`);
const md = [
  '| optimizer | parameters | descent (ms) | descent, scalar js kernel (ms) | tf.train.adam (ms) | plain loop (ms) | tf.train.adam / descent | descent / loop |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.optimizer} | ${r.n.toExponential(0)} | ${r.descentMs} | ${r.descentScalarJsMs} | ${r.tfTrainAdamMs} | ${r.plainLoopMs} | ${r.tfjsAdamOverDescent}× | ${r.descentOverLoop}× |`,
  ),
].join('\n');
writeFileSync(new URL('bench-results/optim-step.md', root), `${md}\n`);
console.log(`\n${md}`);
