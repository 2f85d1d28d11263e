/**
 * A tiny autoregressive sequence policy (embedding → stacked GRU → linear head) in tfjs-core ops, with parameters
 * as a tree of `tf.Variable`s for `valueAndGrad` and the `Optimizer`: the "language model" of the GRPO-family
 * end-to-end proof.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Key, checkKnownOptions, checkNumber, foldIn, invalidOption, normalValues, split, uniformValues } from '@descent/core';

/** One GRU layer (PyTorch gate layout r, z, n along the last axis). */
export interface GruLayerParams {
  [k: string]: tf.Tensor;
  /** Input weights [in, 3H] and recurrent weights [H, 3H]. */
  wx: tf.Tensor;
  wh: tf.Tensor;
  /** Input and recurrent biases [3H]. */
  bx: tf.Tensor;
  bh: tf.Tensor;
}

/** Parameters of {@link initGruPolicy}. */
export interface GruPolicyParams {
  [k: string]: tf.Tensor | GruLayerParams[] | { [k: string]: tf.Tensor };
  embedding: tf.Tensor;
  layers: GruLayerParams[];
  head: { w: tf.Tensor; b: tf.Tensor };
}

/** Options of {@link initGruPolicy}. */
export interface GruPolicyOptions {
  /** Input vocabulary size. */
  vocabSize: number;
  /** Output vocabulary size (the head). */
  outputSize: number;
  /** Embedding width. Default 16. */
  embedDim?: number;
  /** Hidden width H. Default 64. */
  hiddenDim?: number;
  /** Stacked GRU layers. Default 2. */
  numLayers?: number;
}

/**
 * Initialises a GRU policy as PyTorch does: every GRU and head weight and bias ~ U(−1/√H, 1/√H) (`nn.GRU`,
 * `nn.Linear`), embeddings ~ N(0, 1) (`nn.Embedding`). Returns `tf.Variable`s (the caller owns them). The defaults
 * (vocab 12, out 10, E = 16, H = 64, 2 layers) have 41,546 parameters; H = 32 gives 11,658.
 */
export function initGruPolicy(k: Key, options: GruPolicyOptions): GruPolicyParams {
  const where = 'initGruPolicy';
  checkKnownOptions(where, options, ['vocabSize', 'outputSize', 'embedDim', 'hiddenDim', 'numLayers']);
  const V = checkNumber(where, 'options.vocabSize', options.vocabSize, { min: 1, integer: true });
  const O = checkNumber(where, 'options.outputSize', options.outputSize, { min: 1, integer: true });
  const E = checkNumber(where, 'options.embedDim', options.embedDim ?? 16, { min: 1, integer: true });
  const H = checkNumber(where, 'options.hiddenDim', options.hiddenDim ?? 64, { min: 1, integer: true });
  const L = checkNumber(where, 'options.numLayers', options.numLayers ?? 2, { min: 1, integer: true });
  const keys = split(k, 2 + 4 * L + 2);
  const s = 1 / Math.sqrt(H);
  // tf.variable copies its initial value: the temporary is disposed so initialisation leaves no stray tensor.
  const owned = (t: tf.Tensor): tf.Variable => {
    const v = tf.variable(t);
    t.dispose();
    return v;
  };
  const u = (kk: Key, shape: number[]) => owned(tf.tensor(uniformValues(kk, shape.reduce((a, b) => a * b, 1), -s, s), shape, 'float32'));
  const layers: GruLayerParams[] = [];
  for (let l = 0; l < L; l++) {
    const inDim = l === 0 ? E : H;
    layers.push({
      wx: u(keys[2 + 4 * l], [inDim, 3 * H]),
      wh: u(keys[3 + 4 * l], [H, 3 * H]),
      bx: u(keys[4 + 4 * l], [3 * H]),
      bh: u(keys[5 + 4 * l], [3 * H]),
    });
  }
  return {
    embedding: owned(tf.tensor(normalValues(keys[0], V * E), [V, E], 'float32')),
    layers,
    head: { w: u(keys[1], [H, O]), b: u(keys[2 + 4 * L], [O]) },
  };
}

/** Number of scalar parameters. */
export function gruParameterCount(params: GruPolicyParams): number {
  let n = params.embedding.size + params.head.w.size + params.head.b.size;
  for (const l of params.layers) n += l.wx.size + l.wh.size + l.bx.size + l.bh.size;
  return n;
}

/**
 * One GRU time step for all layers (PyTorch `nn.GRU` equations):
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz),
 *   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 − z) ⊙ n + z ⊙ h.
 */
export function gruStep(params: GruPolicyParams, state: readonly tf.Tensor[], tokens: tf.Tensor): tf.Tensor[] {
  let x = tf.gather(params.embedding, tokens);
  const next: tf.Tensor[] = [];
  params.layers.forEach((layer, l) => {
    const h = state[l];
    const H = h.shape[1]!;
    const gx = tf.add(tf.matMul(x, layer.wx), layer.bx);
    const gh = tf.add(tf.matMul(h, layer.wh), layer.bh);
    const [xr, xz, xn] = tf.split(gx, [H, H, H], 1);
    const [hr, hz, hn] = tf.split(gh, [H, H, H], 1);
    const r = tf.sigmoid(tf.add(xr, hr));
    const z = tf.sigmoid(tf.add(xz, hz));
    const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
    const hNew = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
    next.push(hNew);
    x = hNew;
  });
  return next;
}

function zeroState(params: GruPolicyParams, batch: number): tf.Tensor[] {
  return params.layers.map((l) => tf.zeros([batch, l.wh.shape[0]]));
}

function checkRows(where: string, name: string, rows: readonly (readonly number[])[]): number {
  if (!Array.isArray(rows) || rows.length === 0) invalidOption(where, name, rows, 'a non-empty array of token arrays');
  const len = rows[0].length;
  if (rows.some((r) => r.length !== len)) invalidOption(where, name, rows, 'token arrays of equal length');
  return len;
}

/**
 * log π(c_t | prompt, c_<t) of given completions under the policy (teacher forcing), `[batch, completionLength]`;
 * differentiable with respect to the parameters.
 */
export function completionLogProbs(
  params: GruPolicyParams,
  prompts: readonly (readonly number[])[],
  completions: readonly (readonly number[])[],
): tf.Tensor2D {
  const where = 'completionLogProbs';
  const P = checkRows(where, 'prompts', prompts);
  const C = checkRows(where, 'completions', completions);
  if (completions.length !== prompts.length) invalidOption(where, 'completions', completions, `${prompts.length} rows`);
  const B = prompts.length;
  const O = params.head.w.shape[1]!;
  return tf.tidy(() => {
    let state = zeroState(params, B);
    for (let t = 0; t < P; t++) state = gruStep(params, state, tf.tensor1d(prompts.map((p) => p[t]), 'int32'));
    const cols: tf.Tensor[] = [];
    for (let t = 0; t < C; t++) {
      const top = state[state.length - 1];
      const logits = tf.add(tf.matMul(top, params.head.w), params.head.b);
      const tok = tf.tensor1d(completions.map((c) => c[t]), 'int32');
      const lp = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(tok, O)), 1);
      cols.push(lp);
      if (t < C - 1) state = gruStep(params, state, tok);
    }
    return tf.stack(cols, 1) as tf.Tensor2D;
  });
}

/** The result of {@link sampleCompletions}. */
export interface SampledCompletions {
  /** Sampled (or greedy) completion tokens per row. */
  tokens: number[][];
  /** log π of each sampled token, `[batch][completionLength]` (plain numbers: the "old" log-probs). */
  logp: number[][];
  /** Top-layer hidden states over prompt + completion, `[batch, P + C − 1, H]` (only with `hidden: true`; caller-owned). */
  hidden?: tf.Tensor3D;
}

/**
 * Samples completions of `length` tokens autoregressively (temperature 1, or greedy), reproducibly from `key`.
 * Runs on CPU (reads logits back each step). Returns plain arrays.
 */
export function sampleCompletions(
  params: GruPolicyParams,
  prompts: readonly (readonly number[])[],
  length: number,
  k: Key,
  options: { greedy?: boolean; hidden?: boolean } = {},
): SampledCompletions {
  const where = 'sampleCompletions';
  const P = checkRows(where, 'prompts', prompts);
  checkNumber(where, 'length', length, { min: 1, integer: true });
  const B = prompts.length;
  const O = params.head.w.shape[1]!;
  const tokens: number[][] = prompts.map(() => []);
  const logp: number[][] = prompts.map(() => []);
  const hiddenSteps: tf.Tensor[] = [];
  let state = tf.tidy(() => {
    let s = zeroState(params, B);
    for (let t = 0; t < P; t++) {
      s = gruStep(params, s, tf.tensor1d(prompts.map((p) => p[t]), 'int32'));
      if (options.hidden) hiddenSteps.push(tf.keep(s[s.length - 1]));
    }
    return s;
  });
  for (let t = 0; t < length; t++) {
    const lsm = tf.tidy(() => tf.logSoftmax(tf.add(tf.matMul(state[state.length - 1], params.head.w), params.head.b)));
    const v = lsm.dataSync();
    lsm.dispose();
    const u = options.greedy ? undefined : uniformValues(foldIn(k, t), B);
    const chosen: number[] = [];
    for (let i = 0; i < B; i++) {
      let c = 0;
      if (u === undefined) {
        for (let j = 1; j < O; j++) if (v[i * O + j] > v[i * O + c]) c = j;
      } else {
        let acc = 0;
        c = O - 1;
        for (let j = 0; j < O; j++) {
          acc += Math.exp(v[i * O + j]);
          if (u[i] < acc) {
            c = j;
            break;
          }
        }
      }
      chosen.push(c);
      tokens[i].push(c);
      logp[i].push(v[i * O + c]);
    }
    if (t < length - 1) {
      const prev = state;
      state = tf.tidy(() => gruStep(params, prev, tf.tensor1d(chosen, 'int32')));
      if (options.hidden) hiddenSteps.push(state[state.length - 1]);
      for (const s of prev) if (!hiddenSteps.includes(s)) s.dispose();
    }
  }
  let hidden: tf.Tensor3D | undefined;
  if (options.hidden) {
    hidden = tf.stack(hiddenSteps, 1) as tf.Tensor3D;
    for (const h of hiddenSteps) h.dispose();
  }
  for (const s of state) if (!hiddenSteps.includes(s)) s.dispose();
  return { tokens, logp, hidden };
}
