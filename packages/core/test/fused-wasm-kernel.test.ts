/**
 * The WebAssembly SIMD form of the fused CPU kernels: every operation against float32-rounded
 * float64 arithmetic (exactly, where IEEE-754 makes the float32 result unique), `exp` within 2
 * ulp over its whole float32 range, chunking and in-place aliasing, the operations it declines,
 * and the switch between it and the scalar loop on a real optimizer step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DescentError,
  type Expr,
  Optimizer,
  backendInfo,
  compileCpuLoop,
  compileWasmSimdLoop,
  cpuKernels,
  elementwiseOps as op,
  heavyBall,
  inputExpr,
  scalarExpr,
  setCpuKernels,
  treeDispose,
  wasmSimdDriverSource,
  wasmSimdKernel,
  wasmSimdSupported,
} from '@descent/core';

afterEach(() => setCpuKernels('wasm-simd'));

const specials = [0, -0, 1, -1, 0.5, -2.5, 3e38, -3e38, 1e-40, -1e-40, Infinity, -Infinity, NaN, 7, 1e-7];

/** `count` float32 values: the specials, then a deterministic spread over many magnitudes and signs. */
function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let s = seed;
  for (let i = 0; i < count; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    out[i] = i < specials.length ? (specials[(i + seed) % specials.length] as number) : ((s / 2147483648 - 0.5) * 2) ** 3 * 10 ** ((s % 13) - 6);
  }
  return out;
}

function run(roots: Expr[], inputs: Float32Array[], scalars: number[] = [], chunk?: number): Float32Array[] {
  const loop = compileWasmSimdLoop(['a', 'b'], ['s'], roots, { chunk });
  if (loop === undefined) throw new Error('expected a SIMD loop');
  const n = (inputs[0] as Float32Array).length;
  const outs = roots.map(() => new Float32Array(n));
  loop(inputs, outs, scalars, n);
  return outs;
}

const a = inputExpr('a');
const b = inputExpr('b');
const s = scalarExpr('s');

describe('WebAssembly SIMD kernel: operations', () => {
  it('is available in this runtime (Node ≥ 16.4)', () => {
    expect(wasmSimdSupported()).toBe(true);
  });

  // Each is one IEEE operation (or a selection), so the float32 result is fround of the float64 one.
  const exact: [string, (x: Expr, y: Expr) => Expr, (x: number, y: number) => number][] = [
    ['add', op.add, (x, y) => x + y],
    ['sub', op.sub, (x, y) => x - y],
    ['mul', op.mul, (x, y) => x * y],
    ['div', op.div, (x, y) => x / y],
    ['max', op.max, Math.max],
    ['min', op.min, Math.min],
    ['neg', (x) => op.neg(x), (x) => -x],
    ['sqrt', (x) => op.sqrt(x), Math.sqrt],
    ['abs', (x) => op.abs(x), Math.abs],
    ['sign', (x) => op.sign(x), Math.sign],
    ['square', (x) => op.square(x), (x) => x * x],
    ['select(a > b)', (x, y) => op.select(op.gt(x, y), x, y), (x, y) => (x > y ? x : y)],
    ['select(a >= b)', (x, y) => op.select(op.ge(x, y), 1, y), (x, y) => (x >= y ? 1 : y)],
    ['select(a < b)', (x, y) => op.select(op.lt(x, y), x, -3), (x, y) => (x < y ? x : -3)],
    ['select(a <= b)', (x, y) => op.select(op.le(x, y), y, x), (x, y) => (x <= y ? y : x)],
    ['select(a == b)', (x, y) => op.select(op.eq(x, y), 2, x), (x, y) => (x === y ? 2 : x)],
  ];
  it.each(exact)('%s equals float32-rounded float64 bit for bit, NaN, ±0 and ±∞ included', (_name, build, ref) => {
    const x = values(1003, 1);
    const y = values(1003, 7);
    const [out] = run([build(a, b)], [x, y]);
    for (let i = 0; i < x.length; i++) {
      const want = Math.fround(ref(x[i] as number, y[i] as number));
      expect(Object.is((out as Float32Array)[i], want) || (Number.isNaN(want) && Number.isNaN((out as Float32Array)[i])), `element ${i}: ${x[i]}, ${y[i]}`).toBe(true);
    }
  });

  it('exp is within 1 float32 ulp of e^x (faithfully rounded) on [−103, 88.7], saturates to 0 and +∞, and keeps NaN', () => {
    const n = 400_003;
    const x = new Float32Array(n).map((_, i) => -103 + (191.7 * i) / (n - 1));
    const [out] = run([op.exp(a)], [x, x]);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const want = Math.exp(x[i] as number);
      const f = Math.fround(want);
      // float32 spacing at the reference value (subnormals: 2^−149)
      const ulp = Math.max(2 ** -149, 2 ** (Math.floor(Math.log2(Math.abs(f))) - 23));
      worst = Math.max(worst, Math.abs((out as Float32Array)[i] as number - want) / ulp);
    }
    expect(worst).toBeLessThan(1);
    const [edge] = run([op.exp(a)], [new Float32Array([0, -0, 89, 1e30, Infinity, -110, -1e30, -Infinity, NaN, 88.72, 1, -1]), new Float32Array(12)]);
    expect(Array.from(edge as Float32Array).slice(0, 9)).toEqual([1, 1, Infinity, Infinity, Infinity, 0, 0, 0, NaN]);
    // 88.72 rounds to a float32 input first; the result sits just under FLT_MAX, where an ulp is 2^104.
    expect(Math.abs(((edge as Float32Array)[9] as number) - Math.exp(Math.fround(88.72)))).toBeLessThan(2 * 2 ** 104);
    expect((edge as Float32Array)[10]).toBe(Math.fround(Math.E));
    expect(Math.abs(((edge as Float32Array)[11] as number) - Math.exp(-1))).toBeLessThan(2 ** -24);
  });

  it('scalars and scalar-only expressions are computed once in float64 and passed as float32, constants inline', () => {
    const x = values(50, 3);
    const [out, uniformRoot] = run([op.add(op.mul(op.sub(1, s), a), 0.25), op.mul(s, 2)], [x, x], [0.1]);
    const oneMinus = Math.fround(1 - Math.fround(0.1));
    x.forEach((v, i) => expect(Object.is((out as Float32Array)[i], Math.fround(Math.fround(oneMinus * v) + 0.25)) || Number.isNaN(v)).toBe(true));
    expect(Array.from(uniformRoot as Float32Array)).toEqual(new Array(50).fill(Math.fround(0.2)));
  });

  it('a scalar-only condition selects per call', () => {
    const x = values(9, 2);
    const roots = [op.select(op.gt(s, 0), a, b)];
    expect(Array.from((run(roots, [x, values(9, 5)], [1])[0]) as Float32Array)).toEqual(Array.from(x));
    expect(Array.from((run(roots, [x, values(9, 5)], [-1])[0]) as Float32Array)).toEqual(Array.from(values(9, 5)));
  });

  it('declines per-element log, tanh and pow and comparisons used as numbers (the scalar loop runs those)', () => {
    expect(wasmSimdKernel(['a'], [op.log(a)])).toBeUndefined();
    expect(wasmSimdKernel(['a'], [op.tanh(a)])).toBeUndefined();
    expect(wasmSimdKernel(['a'], [op.pow(a, 2)])).toBeUndefined();
    expect(wasmSimdKernel(['a'], [op.add(op.gt(a, 0), 1)])).toBeUndefined();
    // On scalars only, they are computed by the driver in JavaScript.
    const loop = compileWasmSimdLoop(['a'], ['s'], [op.mul(a, op.log(s))]);
    const out = new Float32Array(3);
    loop?.([new Float32Array([1, 2, 3])], [out], [Math.E], 3);
    expect(Array.from(out)).toEqual([1, 2, 3].map((v) => Math.fround(v * Math.fround(Math.log(Math.fround(Math.E))))));
  });

  it('rejects a chunk that is not a positive multiple of 4', () => {
    expect(() => wasmSimdKernel(['a'], [a], { chunk: 6 })).toThrow(/multiple of 4/);
    expect(() => wasmSimdKernel(['a'], [a], { chunk: 0 })).toThrow(/multiple of 4/);
  });
});

describe('WebAssembly SIMD kernel: chunks and aliasing', () => {
  // A heavy-ball-like in-place step with a pass-through root: p ← p − s·m', m' = 0.9 m + g, g_prev ← g.
  const g = inputExpr('g');
  const p = inputExpr('p');
  const m = inputExpr('m');
  const prev = inputExpr('prev');
  const mNext = op.add(op.mul(0.9, m), g);
  const roots = [op.sub(p, op.mul(op.exp(op.neg(op.abs(op.sub(prev, g)))), op.mul(scalarExpr('lr'), mNext))), mNext, g];
  const names = ['g', 'p', 'm', 'prev'];

  it.each([1, 3, 4, 37, 64, 1000])('n = %i over chunks of 8: in place equals separate outputs and the scalar loop', (n) => {
    const inputs = () => [values(n, 11), values(n, 12), values(n, 13), values(n, 14)].map((v) => v.map((x) => (Number.isFinite(x) ? x : 0.5)));
    const loop = compileWasmSimdLoop(names, ['lr'], roots, { chunk: 8 }) as NonNullable<ReturnType<typeof compileWasmSimdLoop>>;
    const inPlace = inputs();
    loop(inPlace, inPlace.slice(1), [0.1], n);
    const separate = inputs();
    const outs = roots.map(() => new Float32Array(n));
    loop(separate, outs, [0.1], n);
    outs.forEach((o, k) => expect(Array.from(inPlace[k + 1] as Float32Array)).toEqual(Array.from(o)));
    expect(Array.from(inPlace[3] as Float32Array)).toEqual(Array.from(separate[0] as Float32Array));

    const scalar = inputs();
    const [g0, p0, m0] = inputs() as [Float32Array, Float32Array, Float32Array];
    compileCpuLoop(names, ['lr'], roots)(scalar, scalar.slice(1), [0.1], n);
    for (let k = 1; k < 4; k++) {
      (scalar[k] as Float32Array).forEach((want, i) => {
        // float32 intermediates and a 2-ulp exp vs float64 intermediates: a few float32 ulps of the operands
        const operands = 1 + Math.abs(p0[i] as number) + Math.abs(m0[i] as number) + Math.abs(g0[i] as number);
        expect(Math.abs(((inPlace[k] as Float32Array)[i] as number) - want)).toBeLessThanOrEqual(4 * 2 ** -24 * operands);
      });
    }
  });

  it('the driver copies each input in before any output of its chunk is written', () => {
    const kernel = wasmSimdKernel(names, roots, { chunk: 8 }) as NonNullable<ReturnType<typeof wasmSimdKernel>>;
    const source = wasmSimdDriverSource(kernel, ['lr']);
    const lines = source.split('\n');
    const lastIn = Math.max(...lines.map((l, i) => (l.includes('F.set(') ? i : -1)));
    const firstOut = lines.findIndex((l) => l.includes('outputs['));
    expect(lastIn).toBeLessThan(firstOut);
    // the pass-through root (g → prev) is copied from the module's copy of g, not stored by the module
    expect(kernel.outputs[2]).toEqual({ input: kernel.inputRegions.indexOf(0) });
  });
});

describe('setCpuKernels', () => {
  it('validates its argument', () => {
    expect(() => setCpuKernels('simd' as never)).toThrow(DescentError);
    expect(() => setCpuKernels('simd' as never)).toThrow(/kind/);
  });

  it('switches the form of the fused CPU kernels; both give the same heavy-ball trajectory', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('the CPU kernel form only matters on the CPU backend (and this reads synchronously)');
    expect(cpuKernels()).toBe('wasm-simd');
    expect(backendInfo().cpuKernels).toBe('wasm-simd');
    const trajectory = (): number[][] => {
      const w = tf.variable(tf.tensor1d([1, -2, 3, 0.5, 4, -1, 2]));
      const opt = new Optimizer(heavyBall({ learningRate: 0.1, momentum: 0.9, nesterov: true }), [w]);
      const before = tf.memory().numTensors;
      const out: number[][] = [];
      for (let t = 0; t < 20; t++) {
        const g = tf.tidy(() => tf.mul(w, tf.tensor1d([1, 2, 3, 4, 5, 6, 7])));
        opt.step([g]);
        g.dispose();
        out.push(Array.from(w.dataSync()));
      }
      expect(tf.memory().numTensors).toBe(before);
      opt.dispose();
      treeDispose(w);
      return out;
    };
    const simd = trajectory();
    setCpuKernels('js');
    expect(cpuKernels()).toBe('js');
    expect(backendInfo().cpuKernels).toBe('js');
    const scalar = trajectory();
    simd.forEach((row, t) => row.forEach((v, i) => expect(v).toBeCloseTo((scalar[t] as number[])[i] as number, 5)));
  });
});
