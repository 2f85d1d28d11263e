// Fair logistic regression with Cooper-style Lagrangian training (@descent/constrained).
//
// Trains a tfjs logistic regression on generated data twice: unconstrained, and under the demographic-parity
// constraint |P(ŷ=1 | s=1) − P(ŷ=1 | s=0)| ≤ 0.05 (on the predicted probabilities, two inequalities g ≤ 0), with
// `constrainedOptimizer`: plain SGD on the weights, SGD gradient *ascent* on the two multipliers, dual step first.
//
// Run from the repository root after building:  npx tsc -b packages/constrained
//   node packages/constrained/examples/fairness-logistic-regression.mjs
import * as tf from '@tensorflow/tfjs-core';
import { key, normalValues, split, uniformValues, useBackend } from '@descent/core';
import { sgd } from '@descent/optim';
import { constrainedOptimizer, lagrangianFormulation } from '@descent/constrained';

await useBackend('cpu');

const N = 500;
const GAP = 0.05;

// Data: x₁ is shifted by the sensitive attribute s, x₂ is independent of s; the label uses both.
const [k1, k2, k3, k4] = split(key(0), 4);
const s = Array.from(uniformValues(k1, N), (u) => (u < 0.5 ? 1 : 0));
const z1 = normalValues(k2, N);
const z2 = normalValues(k3, N);
const noise = normalValues(k4, N);
const feats = [];
const labels = [];
for (let i = 0; i < N; i++) {
  const x1 = z1[i] + 1.5 * s[i];
  feats.push([x1, z2[i]]);
  labels.push(0.4 * x1 + z2[i] + 0.5 * noise[i] > 0.3 ? 1 : 0);
}
const X = tf.tensor2d(feats);
const y = tf.tensor1d(labels);
const S = tf.tensor1d(s);
const n1 = tf.sum(S);
const n0 = tf.sub(N, n1);

const logitsOf = (w, b) => tf.add(tf.squeeze(tf.matMul(X, tf.reshape(w, [2, 1])), [1]), b);
const rateGap = (v) => tf.sub(tf.div(tf.sum(tf.mul(v, S)), n1), tf.div(tf.sum(tf.mul(v, tf.sub(1, S))), n0));

function train(constrained, steps) {
  const params = { w: tf.variable(tf.zeros([2])), b: tf.variable(tf.scalar(0)) };
  // The closure computes the loss and the constraint defects from the parameters (Cooper's compute_cmp_state).
  const closure = ({ w, b }) => {
    const z = logitsOf(w, b);
    const loss = tf.mean(tf.sub(tf.softplus(z), tf.mul(y, z))); // binary cross-entropy with logits
    if (!constrained) return { loss };
    const gap = rateGap(tf.sigmoid(z));
    return { loss, ineq: tf.stack([tf.sub(gap, GAP), tf.sub(tf.neg(gap), GAP)]) };
  };
  const opt = constrainedOptimizer({
    formulation: lagrangianFormulation(),
    primal: sgd({ learningRate: 0.5 }),
    dual: sgd({ learningRate: 0.5 }),
    update: 'alternating-lambda-first',
  });
  let last;
  for (let t = 0; t < steps; t++) last = opt.step(params, closure);
  opt.dispose();
  return { params, last };
}

function report(name, { params, last }) {
  const stats = tf.tidy(() => {
    const z = logitsOf(params.w, params.b);
    const yhat = tf.cast(tf.greater(z, 0), 'float32');
    return {
      accuracy: tf.mean(tf.cast(tf.equal(yhat, y), 'float32')).dataSync()[0],
      softGap: rateGap(tf.sigmoid(z)).dataSync()[0],
      hardGap: rateGap(yhat).dataSync()[0],
    };
  });
  console.log(
    `${name.padEnd(13)} accuracy ${stats.accuracy.toFixed(3)}  gap(probabilities) ${stats.softGap.toFixed(4)}  ` +
      `gap(decisions) ${stats.hardGap.toFixed(4)}  multipliers [${last.multipliers.ineq.map((v) => v.toFixed(3)).join(', ')}]`,
  );
  return stats;
}

const free = report('unconstrained', train(false, 400));
const fair = report('|gap| <= 0.05', train(true, 800));
console.log(
  `constraint ${Math.abs(fair.softGap) <= GAP + 1e-3 ? 'satisfied' : 'VIOLATED'} (|gap| = ${Math.abs(fair.softGap).toFixed(4)}); ` +
    `unconstrained |gap| = ${Math.abs(free.softGap).toFixed(4)}; accuracy ${free.accuracy.toFixed(3)} -> ${fair.accuracy.toFixed(3)}`,
);
