import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, hvp, valueAndGrad } from '@descent/core';

async function read(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

/** Central finite difference of the gradient along v: (∇f(x + hv) − ∇f(x − hv)) / 2h. */
async function fdHvp(f: (x: tf.Tensor) => tf.Scalar, x: number[], v: number[], h: number): Promise<number[]> {
  const g = tf.grad(f);
  const plus = tf.tidy(() => g(tf.tensor1d(x.map((xi, i) => xi + h * (v[i] as number)))));
  const minus = tf.tidy(() => g(tf.tensor1d(x.map((xi, i) => xi - h * (v[i] as number)))));
  const [p, m] = [await read(plus), await read(minus)];
  tf.dispose([plus, minus]);
  return p.map((pi, i) => (pi - (m[i] as number)) / (2 * h));
}

describe('hvp (double backprop)', () => {
  it('equals A v exactly on a quadratic ½ xᵀAx + bᵀx', async () => {
    const A = [[4, 1, 0], [1, 3, -1], [0, -1, 2]];
    const At = tf.tensor2d(A);
    const b = tf.tensor1d([1, -2, 0.5]);
    const f = (x: tf.Tensor) =>
      tf.add(tf.mul(0.5, tf.sum(tf.mul(x, tf.squeeze(tf.matMul(At, tf.reshape(x, [3, 1])))))), tf.sum(tf.mul(b, x))) as tf.Scalar;
    const x = tf.tensor1d([0.3, -0.7, 1.1]);
    const v = tf.tensor1d([1, 2, -1]);
    const before = tf.memory().numTensors;
    const hv = hvp(f as never, x, v) as tf.Tensor;
    expect(tf.memory().numTensors).toBe(before + 1);
    const expected = A.map((row) => row.reduce((s, a, j) => s + a * ([1, 2, -1][j] as number), 0)); // [6, 8, -4]
    const got = await read(hv);
    got.forEach((g, i) => expect(g).toBeCloseTo(expected[i] as number, 5));
    tf.dispose([At, b, x, v, hv]);
  });

  it('matches central finite differences on tanh and log-sum-exp', async () => {
    // log Σ exp(x²) written out: tf.logSumExp's max-shift goes through Equal, which tfjs cannot differentiate twice.
    const f = (x: tf.Tensor) => tf.add(tf.sum(tf.tanh(tf.mul(x, 1.3))), tf.log(tf.sum(tf.exp(tf.mul(x, x))))) as tf.Scalar;
    const x0 = [0.2, -0.4, 0.9, -1.1];
    const v0 = [0.5, -1, 0.25, 1];
    const hv = hvp(f as never, tf.tensor1d(x0), tf.tensor1d(v0)) as tf.Tensor;
    const fd = await fdHvp(f, x0, v0, 1e-2);
    const got = await read(hv);
    // float32 central differences with h = 1e-2: truncation O(h²) ≈ 1e-4 relative, rounding ≈ 1e-7/h = 1e-5.
    got.forEach((g, i) => expect(Math.abs(g - (fd[i] as number))).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd[i] as number))));
    // Analytic check of one coordinate path: for tanh part alone the Hessian is diagonal, −2·1.3²·tanh(1.3x)·sech²(1.3x).
    const tanhOnly = (x: tf.Tensor) => tf.sum(tf.tanh(tf.mul(x, 1.3))) as tf.Scalar;
    const hv2 = hvp(tanhOnly as never, tf.tensor1d(x0), tf.tensor1d(v0)) as tf.Tensor;
    const exact = x0.map((xi, i) => {
      const t = Math.tanh(1.3 * xi);
      return -2 * 1.69 * t * (1 - t * t) * (v0[i] as number);
    });
    (await read(hv2)).forEach((g, i) => expect(g).toBeCloseTo(exact[i] as number, 5));
    tf.dispose([hv, hv2]);
  });

  it('includes second-order terms of ops that save their outputs (exp, sigmoid, sqrt): tfjs tape-order regression', async () => {
    const x0 = [0.2, -0.4, 0.9, -1.1];
    const v0 = [1, 0.5, 0, -1];
    // Σ exp(x): H = diag(exp x). Σ σ(x): H = diag(σ(1−σ)(1−2σ)). Σ √(x²+1): H = diag((x²+1)^(-3/2)).
    const cases: [string, (x: tf.Tensor) => tf.Scalar, (x: number) => number][] = [
      ['exp', (x) => tf.sum(tf.exp(x)) as tf.Scalar, (x) => Math.exp(x)],
      ['sigmoid', (x) => tf.sum(tf.sigmoid(x)) as tf.Scalar, (x) => {
        const s = 1 / (1 + Math.exp(-x));
        return s * (1 - s) * (1 - 2 * s);
      }],
      ['sqrt', (x) => tf.sum(tf.sqrt(tf.add(tf.mul(x, x), 1))) as tf.Scalar, (x) => (x * x + 1) ** -1.5],
    ];
    for (const [, f, d2] of cases) {
      const hv = hvp(f as never, tf.tensor1d(x0), tf.tensor1d(v0)) as tf.Tensor;
      const got = await read(hv);
      got.forEach((g, i) => expect(g).toBeCloseTo(d2(x0[i] as number) * (v0[i] as number), 5));
      hv.dispose();
    }
  });

  it('works on trees and rejects mismatched x and v', async () => {
    const f = (p: { a: tf.Tensor; b: tf.Tensor }) => {
      const { a, b } = p;
      return tf.add(tf.sum(tf.mul(tf.square(a), b)), tf.sum(tf.square(b))) as tf.Scalar;
    };
    // f = Σ a_i² b_i + Σ b_i²; H v: ∂a = 2 b va + 2 a vb, ∂b = 2 a va + 2 vb
    const x = { a: tf.tensor1d([1, 2]), b: tf.tensor1d([3, -1]) };
    const v = { a: tf.tensor1d([1, 0]), b: tf.tensor1d([0, 1]) };
    const hv = hvp(f, x, v);
    expect(await read(hv.a)).toEqual([6, 4]);
    expect(await read(hv.b)).toEqual([2, 2]);
    expect(() => hvp(f, x, { a: v.a } as never)).toThrow(DescentError);
    tf.dispose([x.a, x.b, v.a, v.b, hv.a, hv.b]);
  });
});

describe('valueAndGrad over trees', () => {
  it('returns the value and a gradient tree shaped like the params', async () => {
    const f = (p: { w: tf.Tensor; bias: tf.Tensor[] }) => {
      const { w, bias } = p;
      return tf.add(tf.sum(tf.square(w)), tf.mul(3, tf.sum(bias[0] as tf.Tensor))) as tf.Scalar;
    };
    const params = { w: tf.tensor2d([[1, -2], [0.5, 3]]), bias: [tf.tensor1d([1, 1, 1])] };
    const { value, grads } = valueAndGrad(f)(params);
    expect((await value.data())[0]).toBeCloseTo(1 + 4 + 0.25 + 9 + 9, 5);
    const g = grads;
    expect(g.w.shape).toEqual([2, 2]);
    expect(await read(g.w)).toEqual([2, -4, 1, 6]);
    expect(await read(g.bias[0] as tf.Tensor)).toEqual([3, 3, 3]);
    tf.dispose([params.w, params.bias[0] as tf.Tensor, value, g.w, g.bias[0] as tf.Tensor]);
  });
});
