/**
 * `scaleByFactoredRms`: Adafactor's preconditioning by a factored estimate of the second moment
 * (row and column statistics of g² for matrices), as Hugging Face's `Adafactor`.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DescentError,
  type GradientTransformation,
  type Params,
  type ScalarOrSchedule,
  type Tree,
  checkKnownOptions,
  checkScalarOrSchedule,
  invalidOption,
  treeFlatten,
  treePaths,
  treeUnflatten,
} from '@descent/core';

/** Options of {@link scaleByFactoredRms}; names and defaults as HF `Adafactor` (camelCase). */
export interface ScaleByFactoredRmsOptions {
  /** The exponent d ≤ 0 of the second-moment decay `β̂_t = 1 − t^d`. Default −0.8. */
  decayRate?: ScalarOrSchedule;
  /** ε₁ ≥ 0, added to g² before the means (HF `eps[0]`). Default 1e-30. */
  eps1?: ScalarOrSchedule;
}

/**
 * Second-moment statistics of one parameter: for rank ≥ 2 the row and column means of g² over
 * the last two dimensions (`row`: `shape[:-1]`, `col`: `shape[:-2] + shape[-1:]`), else the
 * full `v`, shaped like the parameter.
 */
export type FactoredMoments = { row: tf.Tensor; col: tf.Tensor } | { v: tf.Tensor };

/** State of {@link scaleByFactoredRms}: the step count and one {@link FactoredMoments} per parameter. */
export interface ScaleByFactoredRmsState {
  count: number;
  moments: Tree<FactoredMoments>;
}

function initMoments(p: tf.Tensor): FactoredMoments {
  const s = p.shape;
  if (s.length >= 2) return { row: tf.zeros(s.slice(0, -1)), col: tf.zeros([...s.slice(0, -2), s[s.length - 1] as number]) };
  return { v: tf.zeros(s) };
}

function leafUpdate(g: tf.Tensor, m: FactoredMoments, beta: number, eps1: number): { update: tf.Tensor; moments: FactoredMoments } {
  return tf.tidy(() => {
    const g2 = tf.add(tf.square(g), eps1);
    if ('v' in m) {
      const v = tf.add(tf.mul(beta, m.v), tf.mul(1 - beta, g2));
      return { update: tf.mul(tf.rsqrt(v), g), moments: { v } };
    }
    const row = tf.add(tf.mul(beta, m.row), tf.mul(1 - beta, tf.mean(g2, -1)));
    const col = tf.add(tf.mul(beta, m.col), tf.mul(1 - beta, tf.mean(g2, -2)));
    // _approx_sq_grad: the row statistic is normalised by its own mean.
    const rFactor = tf.expandDims(tf.rsqrt(tf.div(row, tf.mean(row, -1, true))), -1);
    const cFactor = tf.expandDims(tf.rsqrt(col), -2);
    return { update: tf.mul(tf.mul(rFactor, cFactor), g), moments: { row, col } };
  });
}

function checkLeaf(where: string, g: tf.Tensor, m: FactoredMoments | undefined, path: string): void {
  const name = path === '' ? 'updates' : path.startsWith('[') ? `updates${path}` : `updates.${path}`;
  if (g.dtype !== 'float32') {
    throw new DescentError('invalid-dtype', `${where}: ${name} must be float32, got ${g.dtype}`, { parameter: name, value: g.dtype });
  }
  const expected = initShapes(g.shape);
  const got = m === undefined ? undefined : 'v' in m ? [m.v.shape] : [m.row.shape, m.col.shape];
  if (got === undefined || JSON.stringify(got) !== JSON.stringify(expected)) {
    throw new DescentError(
      'structure-mismatch',
      `${where}: ${name} has shape [${g.shape.join(',')}], which does not match the state built by init for that parameter`,
      { parameter: name, value: g.shape },
    );
  }
}

function initShapes(s: number[]): number[][] {
  return s.length >= 2 ? [s.slice(0, -1), [...s.slice(0, -2), s[s.length - 1] as number]] : [s];
}

/**
 * Scales updates by the inverse root of Adafactor's second-moment estimate (Shazeer & Stern 2018,
 * Alg. 4/5, as Hugging Face `transformers` `Adafactor.step`), with `t` the 1-based step:
 *
 * $$\hat\beta_t = 1 - t^{d},\qquad G^2 = g^2 + \varepsilon_1,$$
 *
 * for rank ≥ 2 (factored over the LAST TWO dimensions; leading dimensions are a batch)
 *
 * $$R_t = \hat\beta_t R_{t-1} + (1-\hat\beta_t)\,\mathrm{mean}_{-1}(G^2),\quad
 *   C_t = \hat\beta_t C_{t-1} + (1-\hat\beta_t)\,\mathrm{mean}_{-2}(G^2),\quad
 *   \text{out} = g\odot \Big(\frac{R_t}{\mathrm{mean}_{-1}(R_t)}\Big)^{-1/2}_{[\dots,:,\mathrm{None}]}
 *   \odot C_t{}^{-1/2}_{[\dots,\mathrm{None},:]},$$
 *
 * otherwise `V_t = β̂_t V_{t−1} + (1 − β̂_t) G²`, `out = g / sqrt(V_t)`. β̂₁ = 0, so no bias
 * correction is needed. Defaults (HF): decayRate −0.8, eps1 1e-30. Not elementwise (row and
 * column means): tfjs ops.
 *
 * Reference: `huggingface/transformers`, `src/transformers/optimization.py`, class `Adafactor`
 * (`step`, `_approx_sq_grad`); optax `scale_by_factored_rms` (which factors only dimensions
 * ≥ 128 and uses a different decay offset).
 */
export function scaleByFactoredRms(options: ScaleByFactoredRmsOptions = {}): GradientTransformation<ScaleByFactoredRmsState> {
  const where = 'scaleByFactoredRms';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['decayRate', 'eps1']);
  const decayRate = checkScalarOrSchedule(where, 'decayRate', options.decayRate ?? -0.8, { max: 0 });
  const eps1 = checkScalarOrSchedule(where, 'eps1', options.eps1 ?? 1e-30, { min: 0 });
  return {
    init(params) {
      const { leaves, treedef } = treeFlatten(params as Tree<tf.Tensor>);
      return { count: 0, moments: treeUnflatten(treedef, leaves.map(initMoments)) };
    },
    update(updates, state) {
      const t = state.count + 1;
      const beta = 1 - Math.pow(t, decayRate(state.count));
      const e1 = eps1(state.count);
      const { leaves, treedef } = treeFlatten(updates as Tree<tf.Tensor>);
      const paths = treePaths(updates as Tree<unknown>);
      // The moments tree is the params tree with each leaf replaced by a FactoredMoments node.
      const moments = flattenMoments(state.moments, leaves.length);
      leaves.forEach((g, i) => checkLeaf(where, g, moments[i], paths[i] as string));
      const outs = leaves.map((g, i) => leafUpdate(g, moments[i] as FactoredMoments, beta, e1));
      return {
        updates: treeUnflatten(treedef, outs.map((o) => o.update)) as Params,
        state: { count: t, moments: treeUnflatten(treedef, outs.map((o) => o.moments)) },
      };
    },
  };
}

/** The FactoredMoments nodes of a moments tree, in the params' flattening order. */
function flattenMoments(tree: Tree<FactoredMoments>, n: number): (FactoredMoments | undefined)[] {
  const out: FactoredMoments[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object' && !(node instanceof tf.Tensor)) {
      const o = node as Record<string, unknown>;
      const isMoments = (o.v instanceof tf.Tensor && Object.keys(o).length === 1) ||
        (o.row instanceof tf.Tensor && o.col instanceof tf.Tensor && Object.keys(o).length === 2);
      if (isMoments) out.push(o as unknown as FactoredMoments);
      else for (const k of Object.keys(o).sort()) walk(o[k]);
    }
  };
  walk(tree);
  return out.length === n ? out : Array.from({ length: n }, (_, i) => out[i]);
}
