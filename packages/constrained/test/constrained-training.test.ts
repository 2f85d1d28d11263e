/**
 * Constrained deep learning with the Cooper-style runner: a tfjs logistic regression trained on generated data under a
 * demographic-parity constraint |P(ŷ = 1 | s = 1) − P(ŷ = 1 | s = 0)| ≤ 0.05 (on the differentiable positive rates,
 * two inequalities), against the unconstrained fit, which violates it. The same experiment, printed, is
 * examples/fairness-logistic-regression.mjs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { key, normalValues, split, uniformValues } from '@descent/core';
import { sgd } from '@descent/optim';
import { type CmpState, constrainedOptimizer, lagrangianFormulation } from '@descent/constrained';

const N = 500;
const GAP = 0.05;

/** Features (x₁ shifted by the sensitive attribute s, x₂ independent of it), labels and s. */
function makeData(seed: number): { x: tf.Tensor2D; y: tf.Tensor1D; s: tf.Tensor1D } {
  const [k1, k2, k3, k4] = split(key(seed), 4) as [ReturnType<typeof key>, ReturnType<typeof key>, ReturnType<typeof key>, ReturnType<typeof key>];
  const s = Array.from(uniformValues(k1, N), (u) => (u < 0.5 ? 1 : 0));
  const z1 = normalValues(k2, N);
  const z2 = normalValues(k3, N);
  const noise = normalValues(k4, N);
  const feats: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < N; i++) {
    const x1 = (z1[i] as number) + 1.5 * (s[i] as number);
    const x2 = z2[i] as number;
    feats.push([x1, x2]);
    labels.push(0.4 * x1 + x2 + 0.5 * (noise[i] as number) > 0.3 ? 1 : 0);
  }
  return { x: tf.tensor2d(feats), y: tf.tensor1d(labels), s: tf.tensor1d(s) };
}

interface Model {
  w: tf.Variable;
  b: tf.Variable;
}

type Constraint = 'none' | 'parity' | 'norm';

/** ‖w‖₂ ≤ R for the norm-constrained fit. */
const R = 1;

function train(data: { x: tf.Tensor2D; y: tf.Tensor1D; s: tf.Tensor1D }, constraint: Constraint, steps: number): Model {
  const model: Model = { w: tf.variable(tf.zeros([2])), b: tf.variable(tf.scalar(0)) };
  const n1 = tf.sum(data.s);
  const n0 = tf.sub(N, n1);
  const closure = ({ w, b }: Model): CmpState => {
    const logits = tf.add(tf.squeeze(tf.matMul(data.x, tf.reshape(w, [2, 1])), [1]), b);
    // Binary cross-entropy with logits: softplus(z) − y·z.
    const loss = tf.mean(tf.sub(tf.softplus(logits), tf.mul(data.y, logits))) as tf.Scalar;
    if (constraint === 'none') return { loss };
    if (constraint === 'norm') return { loss, ineq: tf.reshape(tf.sub(tf.sum(tf.square(w)), R * R), [1]) };
    const p1 = tf.sigmoid(logits);
    const rate1 = tf.div(tf.sum(tf.mul(p1, data.s)), n1);
    const rate0 = tf.div(tf.sum(tf.mul(p1, tf.sub(1, data.s))), n0);
    const gap = tf.sub(rate1, rate0);
    return { loss, ineq: tf.stack([tf.sub(gap, GAP), tf.sub(tf.neg(gap), GAP)]) };
  };
  const opt = constrainedOptimizer({
    formulation: lagrangianFormulation(),
    // Plain SGD on both players, as Cooper's FAQ advises: with Adam's momentum the primal–dual pair circles the
    // saddle point (‖w‖ swinging between 0.4 and 1.1 after 600 steps here) instead of settling on it.
    primal: sgd({ learningRate: 0.5 }),
    dual: sgd({ learningRate: 0.5 }),
    update: 'alternating-lambda-first',
  });
  for (let t = 0; t < steps; t++) opt.step(model, closure);
  opt.dispose();
  n1.dispose();
  n0.dispose();
  return model;
}

/** Accuracy and the positive-rate gap of the hard (ŷ = 1[p > ½]) and soft predictions. */
function evaluate(model: Model, data: { x: tf.Tensor2D; y: tf.Tensor1D; s: tf.Tensor1D }): { accuracy: number; hardGap: number; softGap: number } {
  return tf.tidy(() => {
    const logits = tf.add(tf.squeeze(tf.matMul(data.x, tf.reshape(model.w, [2, 1])), [1]), model.b);
    const p = tf.sigmoid(logits);
    const yhat = tf.cast(tf.greater(logits, 0), 'float32');
    const accuracy = tf.mean(tf.cast(tf.equal(yhat, data.y), 'float32')).dataSync()[0] as number;
    const n1 = tf.sum(data.s);
    const n0 = tf.sub(N, n1);
    const rate = (v: tf.Tensor, grp: tf.Tensor, n: tf.Tensor) => tf.div(tf.sum(tf.mul(v, grp)), n).dataSync()[0] as number;
    const notS = tf.sub(1, data.s);
    return {
      accuracy,
      hardGap: rate(yhat, data.s, n1) - rate(yhat, notS, n0),
      softGap: rate(p, data.s, n1) - rate(p, notS, n0),
    };
  });
}

describe('constrained training: logistic regression', () => {
  it('demographic parity: the unconstrained fit violates |gap| ≤ 0.05, the Lagrangian fit satisfies it', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('1200 synchronous training steps: cpu lane');
    const data = makeData(0);
    const free = train(data, 'none', 400);
    const fair = train(data, 'parity', 800);
    const a = evaluate(free, data);
    const b = evaluate(fair, data);
    expect(Math.abs(a.softGap)).toBeGreaterThan(4 * GAP);
    expect(Math.abs(b.softGap)).toBeLessThanOrEqual(GAP + 1e-3);
    // The groups' base rates differ (labels depend on x₁, which s shifts), so parity has a real accuracy price.
    expect(b.accuracy).toBeGreaterThan(a.accuracy - 0.1);
    expect(a.accuracy).toBeGreaterThan(0.85);
    for (const t of [free.w, free.b, fair.w, fair.b, data.x, data.y, data.s]) t.dispose();
  });

  it('norm constraint ‖w‖₂ ≤ 1: violated without it, satisfied with it, accuracy within one point', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('1000 synchronous training steps: cpu lane');
    const data = makeData(1);
    const free = train(data, 'none', 400);
    const small = train(data, 'norm', 600);
    const a = evaluate(free, data);
    const b = evaluate(small, data);
    const norm = (m: Model) => Math.hypot(...Array.from(m.w.dataSync()));
    expect(norm(free)).toBeGreaterThan(1.5 * R);
    expect(norm(small)).toBeLessThanOrEqual(R + 1e-3);
    // The loss is convex and its free minimiser lies outside the ball, so the constrained one is on the sphere.
    expect(norm(small)).toBeGreaterThanOrEqual(R - 1e-2);
    expect(b.accuracy).toBeGreaterThanOrEqual(a.accuracy - 0.01);
    for (const t of [free.w, free.b, small.w, small.b, data.x, data.y, data.s]) t.dispose();
  });
});
