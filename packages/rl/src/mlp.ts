/**
 * Multi-layer perceptrons as plain parameter trees (a list of `{ w, b }` layers), so that core's `valueAndGrad` and
 * the `Optimizer` runner work on them directly, with CleanRL/SB3's orthogonal initialisation.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Key, checkNumber, checkOneOf, invalidOption, normalValues, split, uniformValues } from '@descent/core';

/** One dense layer `y = x·w + b`: `w` is `[in, out]` (tfjs' row-vector convention, the transpose of torch's weight). */
export type DenseLayer<T extends tf.Tensor = tf.Tensor> = { w: T; b: T };

/** An MLP's parameters: its dense layers in order. Leaves are `tf.Variable`s when made by {@link initMlp}. */
export type MlpParams<T extends tf.Tensor = tf.Tensor> = DenseLayer<T>[];

/** Hidden-layer activations supported by {@link mlpForward}. */
export type Activation = 'tanh' | 'relu';

/** Options of {@link initMlp}. */
export interface MlpInitOptions {
  /** Hidden layer widths. Default [64, 64] (SB3/CleanRL's classic-control policies). */
  hidden?: number[];
  /** Orthogonal weights with zero biases (CleanRL `layer_init`, SB3 `ortho_init`); false uses torch's `nn.Linear` default. Default true. */
  orthogonalInit?: boolean;
  /** Gain of the hidden layers' orthogonal weights. Default √2. */
  hiddenGain?: number;
  /** Gain of the output layer's orthogonal weights: 0.01 for a policy head, 1 for a value head (CleanRL). Default 1. */
  outputGain?: number;
}

/**
 * A `[rows, cols]` matrix with orthonormal columns (rows ≥ cols) or rows (rows < cols), times `gain`:
 * draw A ~ N(0, 1) of shape `[max, min]`, orthonormalise its columns by modified Gram–Schmidt (that is the Q of
 * A = QR with diag(R) > 0, the sign convention torch's `nn.init.orthogonal_` applies), transpose when rows < cols.
 * Computed on the host in float64 from `normalValues(key, rows·cols)`.
 *
 * Reference: Saxe, McClelland & Ganguli (2014), "Exact solutions to the nonlinear dynamics of learning in deep linear
 * neural networks"; torch `nn.init.orthogonal_`.
 */
export function orthogonalMatrix(key: Key, rows: number, cols: number, gain = 1): Float32Array {
  checkNumber('orthogonalMatrix', 'rows', rows, { integer: true, min: 1 });
  checkNumber('orthogonalMatrix', 'cols', cols, { integer: true, min: 1 });
  const n = Math.max(rows, cols);
  const m = Math.min(rows, cols);
  const z = normalValues(key, n * m);
  // Column-major columns q_j of length n.
  const q: Float64Array[] = [];
  for (let j = 0; j < m; j++) {
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = z[i * m + j];
    for (const p of q) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += p[i] * v[i];
      for (let i = 0; i < n; i++) v[i] -= dot * p[i];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    // A zero column has probability zero; guard so NaN never enters the weights.
    for (let i = 0; i < n; i++) v[i] = norm > 0 ? v[i] / norm : i === j ? 1 : 0;
    q.push(v);
  }
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[r * cols + c] = gain * (rows >= cols ? q[c][r] : q[r][c]);
    }
  }
  return out;
}

/**
 * A new MLP `inputDim → hidden… → outputDim` whose leaves are `tf.Variable`s.
 *
 * Orthogonal init (default) as CleanRL `layer_init` / SB3 `ortho_init`: weights orthogonal with gain √2 for hidden
 * layers and `outputGain` for the last layer, biases 0. Otherwise torch's `nn.Linear` default,
 * w, b ~ U(−1/√in, 1/√in). Each layer draws from its own split of `key`.
 */
export function initMlp(key: Key, inputDim: number, outputDim: number, options: MlpInitOptions = {}): MlpParams<tf.Variable> {
  const where = 'initMlp';
  checkNumber(where, 'inputDim', inputDim, { integer: true, min: 1 });
  checkNumber(where, 'outputDim', outputDim, { integer: true, min: 1 });
  const hidden = options.hidden ?? [64, 64];
  if (!Array.isArray(hidden)) invalidOption(where, 'hidden', hidden, 'an array of positive integer layer widths');
  hidden.forEach((h, i) => checkNumber(where, `hidden[${i}]`, h, { integer: true, min: 1 }));
  const ortho = options.orthogonalInit ?? true;
  const hiddenGain = checkNumber(where, 'hiddenGain', options.hiddenGain ?? Math.SQRT2, { min: 0 });
  const outputGain = checkNumber(where, 'outputGain', options.outputGain ?? 1, { min: 0 });
  const sizes = [inputDim, ...hidden, outputDim];
  const keys = split(key, sizes.length - 1);
  const layers: MlpParams<tf.Variable> = [];
  for (let l = 0; l < sizes.length - 1; l++) {
    const fanIn = sizes[l];
    const fanOut = sizes[l + 1];
    const last = l === sizes.length - 2;
    let w: Float32Array;
    let b: Float32Array;
    if (ortho) {
      w = orthogonalMatrix(keys[l], fanIn, fanOut, last ? outputGain : hiddenGain);
      b = new Float32Array(fanOut);
    } else {
      const [kw, kb] = split(keys[l], 2);
      const bound = 1 / Math.sqrt(fanIn);
      w = uniformValues(kw, fanIn * fanOut, -bound, bound);
      b = uniformValues(kb, fanOut, -bound, bound);
    }
    layers.push({ w: ownedVariable(tf.tensor2d(w, [fanIn, fanOut])), b: ownedVariable(tf.tensor1d(b)) });
  }
  return layers;
}

/**
 * The forward pass `h₀ = x, h_{l+1} = act(h_l·w_l + b_l)`, no activation after the last layer. Differentiable in
 * `params` (a pure function of its inputs), so it can sit inside `valueAndGrad`. `x` is `[n, inputDim]`.
 */
export function mlpForward(params: MlpParams, x: tf.Tensor, activation: Activation = 'tanh'): tf.Tensor2D {
  checkOneOf('mlpForward', 'activation', activation, ['tanh', 'relu'] as const);
  return tf.tidy(() => {
    let h: tf.Tensor = x;
    params.forEach((layer, i) => {
      h = tf.add(tf.matMul(h as tf.Tensor2D, layer.w as tf.Tensor2D), layer.b);
      if (i < params.length - 1) h = activation === 'tanh' ? tf.tanh(h) : tf.relu(h);
    });
    return h as tf.Tensor2D;
  });
}

/**
 * `tf.variable(t)` that takes ownership of `t`: the variable shares t's storage, and the temporary tensor handle is
 * released so that it does not count as a live tensor (keeps `tf.memory().numTensors` flat).
 */
export function ownedVariable(t: tf.Tensor): tf.Variable {
  const v = tf.variable(t);
  t.dispose();
  return v;
}

/** Layer widths `[in, hidden…, out]` of an MLP (for serialisation and checks). */
export function mlpSizes(params: MlpParams): number[] {
  if (params.length === 0) return [];
  return [params[0].w.shape[0] as number, ...params.map((l) => l.w.shape[1] as number)];
}
