/**
 * `orthogonalizeViaNewtonSchulz`: replaces each matrix update by an approximation of its polar
 * factor with Muon's quintic Newton–Schulz iteration (KellerJordan/Muon
 * `zeropower_via_newtonschulz5`), in float32 with tfjs ops.
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
  checkBoolean,
  checkKnownOptions,
  checkNumber,
  checkScalarOrSchedule,
  invalidOption,
  treeFlatten,
  treePaths,
  treeUnflatten,
} from '@descent/core';

/** Options of {@link orthogonalizeViaNewtonSchulz}. */
export interface OrthogonalizeViaNewtonSchulzOptions {
  /** Number of Newton–Schulz iterations, an integer ≥ 0. Default 5. */
  nsSteps?: ScalarOrSchedule;
  /** The quintic's coefficients (a, b, c). Default (3.4445, −4.7750, 2.0315). */
  coefficients?: readonly [number, number, number];
  /** ε ≥ 0 of the Frobenius normalisation `X / (‖X‖_F + ε)`. Default 1e-7. */
  eps?: ScalarOrSchedule;
  /** Multiply by `sqrt(max(1, rows/cols))` of the update's last two dimensions. Default true. */
  shapeScale?: boolean;
}

/** State of {@link orthogonalizeViaNewtonSchulz}: the step count (for schedules). */
export interface OrthogonalizeViaNewtonSchulzState {
  count: number;
}

const DEFAULT_COEFFICIENTS: readonly [number, number, number] = [3.4445, -4.775, 2.0315];

/**
 * Throws unless every leaf of `tree` has rank ≥ 2, naming the first offending leaf by its path
 * (Muon orthogonalises matrices; biases and gains belong to another optimizer).
 */
function checkMatrices(where: string, tree: Params, what: 'params' | 'updates'): void {
  const leaves = treeFlatten(tree as Tree<tf.Tensor>).leaves;
  const paths = treePaths(tree as Tree<unknown>);
  leaves.forEach((leaf, i) => {
    const rank = (leaf as tf.Tensor | undefined)?.rank;
    const p = paths[i] as string;
    const path = p === '' ? what : p.startsWith('[') ? `${what}${p}` : `${what}.${p}`;
    if (typeof rank === 'number' && rank >= 2) {
      if (leaf.dtype !== 'float32') {
        throw new DescentError('invalid-dtype', `${where}: ${path} must be float32, got ${leaf.dtype}`, { parameter: path, value: leaf.dtype });
      }
      return;
    }
    const shape = typeof rank === 'number' ? `[${(leaf as tf.Tensor).shape.join(',')}] (rank ${rank})` : 'no tensor shape';
    throw new DescentError(
      'invalid-option',
      `${where}: ${path} has ${shape}, but Newton–Schulz orthogonalisation needs matrices (rank >= 2; ` +
        `4-D conv kernels are viewed as [out, -1]). Optimise 0-D/1-D parameters (biases, gains) with another optimizer, ` +
        `e.g. multiTransform({ muon: muon(...), adamw: adamw(...) }, labelling parameters by rank)`,
      { parameter: path, value: typeof rank === 'number' ? (leaf as tf.Tensor).shape : leaf },
    );
  });
}

/**
 * One leaf: `zeropower_via_newtonschulz5` on the (viewed) update, reshaped back, times the shape
 * scale of the ORIGINAL last two dimensions (`muon_update`, `grad.size(-2) / grad.size(-1)`).
 */
function orthogonalizeLeaf(
  g: tf.Tensor,
  steps: number,
  [a, b, c]: readonly [number, number, number],
  eps: number,
  shapeScale: boolean,
): tf.Tensor {
  return tf.tidy(() => {
    const shape = g.shape;
    const rank = shape.length;
    const rows = shape[rank - 2] as number;
    const cols = shape[rank - 1] as number;
    if (g.size === 0) return tf.zeros(shape);
    // muon_update: a 4-D conv kernel is viewed as [out, −1]; any other rank ≥ 3 is a batch of
    // matrices over its last two dimensions (the reference's batched `X @ X.mT`).
    let X: tf.Tensor;
    if (rank === 4) X = tf.reshape(g, [shape[0] as number, g.size / (shape[0] as number)]);
    else if (rank === 2) X = g;
    else X = tf.reshape(g, [g.size / (rows * cols), rows, cols]);
    const transpose = (t: tf.Tensor) => (t.rank === 2 ? tf.transpose(t) : tf.transpose(t, [0, 2, 1]));
    const tall = (X.shape[X.rank - 2] as number) > (X.shape[X.rank - 1] as number);
    if (tall) X = transpose(X);
    X = tf.div(X, tf.add(tf.sqrt(tf.sum(tf.square(X), [-2, -1], true)), eps));
    for (let i = 0; i < steps; i++) {
      const A = tf.matMul(X, X, false, true);
      const B = tf.add(tf.mul(b, A), tf.matMul(tf.mul(c, A), A));
      X = tf.add(tf.mul(a, X), tf.matMul(B, X));
    }
    if (tall) X = transpose(X);
    const out = tf.reshape(X, shape);
    const scale = shapeScale ? Math.sqrt(Math.max(1, rows / cols)) : 1;
    return scale === 1 ? out : tf.mul(out, scale);
  });
}

/**
 * Orthogonalises each matrix update with Muon's quintic Newton–Schulz iteration (float32, tfjs
 * `matMul`): with `(a, b, c) = (3.4445, −4.7750, 2.0315)`,
 *
 * $$X_0 = \frac{G}{\lVert G\rVert_F + \varepsilon},\qquad
 *   A_k = X_k X_k^\top,\quad X_{k+1} = a X_k + (b A_k + c A_k^2)\,X_k,\qquad
 *   \text{out} = X_{N}\cdot\sqrt{\max(1,\ \text{rows}/\text{cols})},$$
 *
 * run on `Gᵀ` (and transposed back) when rows > cols, so `X Xᵀ` is the smaller Gram matrix. The
 * result approximates `U S' Vᵀ` with `S'` in roughly (0.5, 1.5) (not the exact polar factor
 * `UVᵀ`: the coefficients maximise the slope at zero). Shapes follow `muon_update`: a 2-D update
 * is one matrix; a 4-D conv kernel `[out, in, kh, kw]` is viewed as `[out, in·kh·kw]`; other
 * ranks ≥ 3 are batches of matrices over the last two dimensions, each normalised by its own
 * Frobenius norm. The scale `sqrt(max(1, rows/cols))` always uses the last two dimensions of the
 * ORIGINAL update (for a conv kernel that is kh/kw, as the reference does). 0-D/1-D updates are
 * rejected with a DescentError naming the parameter's path.
 *
 * Defaults: nsSteps 5, coefficients (3.4445, −4.7750, 2.0315), eps 1e-7, shapeScale true. The
 * reference runs the iteration in bfloat16; this runs it in float32 (closer to the float64 goldens).
 *
 * Reference: `KellerJordan/Muon`, `muon.py`, `zeropower_via_newtonschulz5` and `muon_update`;
 * optax `contrib.orthogonalize_via_newton_schulz` (without the shape scale); Jordan et al. (2024),
 * "Muon: An optimizer for hidden layers in neural networks".
 *
 * @param where - the name error messages start with (aliases pass their own).
 */
export function orthogonalizeViaNewtonSchulz(
  options: OrthogonalizeViaNewtonSchulzOptions = {},
  where = 'orthogonalizeViaNewtonSchulz',
): GradientTransformation<OrthogonalizeViaNewtonSchulzState> {
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['nsSteps', 'coefficients', 'eps', 'shapeScale']);
  const nsSteps = checkScalarOrSchedule(where, 'nsSteps', options.nsSteps ?? 5, { min: 0, integer: true });
  const eps = checkScalarOrSchedule(where, 'eps', options.eps ?? 1e-7, { min: 0 });
  const coefficients = options.coefficients ?? DEFAULT_COEFFICIENTS;
  if (!Array.isArray(coefficients) || coefficients.length !== 3) {
    invalidOption(where, 'coefficients', coefficients, 'an array of three finite numbers [a, b, c]');
  }
  coefficients.forEach((v, i) => checkNumber(where, `coefficients[${i}]`, v));
  const abc = [...coefficients] as unknown as readonly [number, number, number];
  const shapeScale = checkBoolean(where, 'shapeScale', options.shapeScale ?? true);
  return {
    init(params) {
      checkMatrices(where, params, 'params');
      return { count: 0 };
    },
    update(updates, state) {
      checkMatrices(where, updates, 'updates');
      const steps = nsSteps(state.count);
      const e = eps(state.count);
      const { leaves, treedef } = treeFlatten(updates as Tree<tf.Tensor>);
      const out = leaves.map((g) => orthogonalizeLeaf(g, steps, abc, e, shapeScale));
      return { updates: treeUnflatten(treedef, out) as Params, state: { count: state.count + 1 } };
    },
  };
}
