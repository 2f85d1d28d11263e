/**
 * Zeroth-order gradient estimators along random directions: Gaussian smoothing (Nesterov &
 * Spokoiny 2017) and two-point (forward / central) differences. They return gradient trees of the
 * shape of the parameters, so any `@descent/optim` transformation can consume them.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  type Key,
  type Params,
  DescentError,
  checkBoolean,
  checkKnownOptions,
  checkNumber,
  checkOneOf,
  invalidOption,
  isKey,
  normal,
  treeFlatten,
  treeUnflatten,
} from '@descent/core';

/**
 * A batched objective: receives the parameter tree with a leading batch axis of length n on every
 * leaf (a leaf of shape `s` arrives as `[n, ...s]`) and returns the n values, shape `[n]`.
 */
export type BatchedObjective = (points: Params) => tf.Tensor;

/** Options of {@link gaussianSmoothingGradient}. */
export interface GaussianSmoothingOptions {
  /** σ > 0, the smoothing radius. Required. */
  sigma: number;
  /** n ≥ 1, the number of directions u_i. Required. */
  samples: number;
  /** Key of the directions. Required. */
  key: Key;
  /** Evaluate f(x + σu_i) and f(x − σu_i) (2n evaluations) instead of f(x + σu_i) (n). Default false. */
  antithetic?: boolean;
}

/** Options of {@link twoPointGradient}. */
export interface TwoPointOptions {
  /** μ > 0, the finite-difference step. Required. */
  mu: number;
  /** q ≥ 1, the number of directions. Required. */
  samples: number;
  /** Key of the directions. Required. */
  key: Key;
  /** `'forward'`: (f(x+μu) − f(x))/μ, n + 1 evaluations; `'central'`: (f(x+μu) − f(x−μu))/(2μ), 2n. Default 'forward'. */
  difference?: 'forward' | 'central';
  /** `'gaussian'`: u ~ N(0, I_D); `'sphere'`: u uniform on the unit sphere, estimate scaled by D. Default 'gaussian'. */
  directions?: 'gaussian' | 'sphere';
}

type Scheme = { kind: 'one-point' | 'forward' | 'central'; step: number; samples: number; key: Key; sphere: boolean };

function checkArgs(where: string, f: unknown, x: unknown): void {
  if (typeof f !== 'function') invalidOption(where, 'f', f, 'a function mapping a batch of points (leading axis n) to a [n] tensor');
  const leaves = x instanceof tf.Tensor ? [x] : treeFlatten(x as Params).leaves;
  if (leaves.length === 0) invalidOption(where, 'x', x, 'a non-empty tree of float32 tensors');
  for (const leaf of leaves) {
    if (!(leaf instanceof tf.Tensor) || leaf.dtype !== 'float32') invalidOption(where, 'x', leaf, 'a tree whose leaves are float32 tensors');
  }
}

/** Runs one estimator: draws the directions, evaluates f in one batch, returns the gradient tree. */
function estimate(where: string, f: BatchedObjective, x: Params, s: Scheme): Params {
  const { leaves, treedef } = treeFlatten(x) as { leaves: tf.Tensor[]; treedef: ReturnType<typeof treeFlatten>['treedef'] };
  const sizes = leaves.map((l) => l.size);
  const D = sizes.reduce((a, b) => a + b, 0);
  const n = s.samples;
  return tf.tidy(() => {
    const xf = tf.concat(leaves.map((l) => tf.reshape(l, [-1])));
    let u = normal(s.key, [n, D]) as tf.Tensor2D;
    if (s.sphere) u = tf.div(u, tf.norm(u, 'euclidean', 1, true));
    const plus = tf.add(xf, tf.mul(s.step, u));
    const points =
      s.kind === 'central' ? tf.concat([plus, tf.sub(xf, tf.mul(s.step, u))], 0)
        : s.kind === 'forward' ? tf.concat([plus, tf.expandDims(xf, 0)], 0)
          : plus;
    const N = points.shape[0];
    const parts = leaves.length === 1 ? [points] : tf.split(points, sizes, 1);
    const batch = treeUnflatten(treedef, parts.map((p, i) => tf.reshape(p, [N, ...(leaves[i] as tf.Tensor).shape])));
    const y = f(batch);
    if (!(y instanceof tf.Tensor) || y.shape.length !== 1 || y.shape[0] !== N) {
      throw new DescentError('invalid-option', `${where}: f must return a tensor of shape [${N}] for a batch of ${N} points, got ${y instanceof tf.Tensor ? `shape [${y.shape.join(',')}]` : String(y)}`, { parameter: 'f', value: y });
    }
    const yf = tf.cast(y, 'float32');
    // coef_i multiplies u_i: the finite difference (or the value) divided by the step.
    const head = tf.slice(yf, [0], [n]);
    const coef =
      s.kind === 'central' ? tf.div(tf.sub(head, tf.slice(yf, [n], [n])), 2 * s.step)
        : s.kind === 'forward' ? tf.div(tf.sub(head, tf.slice(yf, [n], [1])), s.step)
          : tf.div(head, s.step);
    const scale = (s.sphere ? D : 1) / n;
    const g = tf.mul(scale, tf.reshape(tf.matMul(tf.reshape(coef, [1, n]), u), [D]));
    const gparts = leaves.length === 1 ? [g] : tf.split(g, sizes, 0);
    return treeUnflatten(treedef, gparts.map((p, i) => tf.reshape(p, (leaves[i] as tf.Tensor).shape))) as tf.TensorContainer;
  }) as Params;
}

/**
 * The Gaussian-smoothing gradient estimate (Nesterov & Spokoiny 2017, "Random gradient-free
 * minimization of convex functions", FoCM 17:527–566; the estimator of evolution strategies).
 *
 * f_σ(x) = E_u f(x + σu), u ~ N(0, I_D) (D = total size of the tree x), has the gradient
 * ∇f_σ(x) = E[f(x + σu) u] / σ (Stein's lemma). With n directions u_i (drawn from `key`):
 *
 * - default: ĝ = (1/(nσ)) Σ f(x + σu_i) u_i — n evaluations;
 * - `antithetic`: ĝ = (1/(2nσ)) Σ (f(x + σu_i) − f(x − σu_i)) u_i — 2n evaluations.
 *
 * Bias: both are unbiased for ∇f_σ, which differs from ∇f by at most (σ/2) L (D+3)^{3/2} when ∇f
 * is L-Lipschitz (N–S Lemma 3), and equals ∇f exactly on quadratics. Variance: the one-point form
 * carries the term f(x)² D/(nσ²), which blows up as σ → 0 and grows with |f|; the antithetic
 * form cancels every even part of f around x (a constant f gives ĝ = 0 exactly) and behaves like
 * the central two-point estimator, with E‖ĝ‖² ≲ (D+4)‖∇f‖²/n + O(σ²). Prefer `antithetic`.
 *
 * The directions are `normal(key, [n, D])`, row i split over the leaves in flattening order (object
 * keys sorted), so a key reproduces the estimate on every backend.
 *
 * `f` is evaluated once on a batch whose leaves have a leading axis of length n (or 2n). Returns a
 * tree like `x` (the caller owns it; nothing is disposed). Memory: the batch holds n·D numbers.
 *
 * @throws DescentError on bad options or when `f` returns a tensor that is not `[batch]`.
 */
export function gaussianSmoothingGradient(f: BatchedObjective, x: Params, options: GaussianSmoothingOptions): Params {
  const where = 'gaussianSmoothingGradient';
  checkArgs(where, f, x);
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['sigma', 'samples', 'key', 'antithetic']);
  const sigma = checkNumber(where, 'sigma', options.sigma, { greaterThan: 0 });
  const samples = checkNumber(where, 'samples', options.samples, { integer: true, min: 1 });
  if (!isKey(options.key)) invalidOption(where, 'key', options.key, 'a Key (from key(seed), split or foldIn)');
  const antithetic = checkBoolean(where, 'antithetic', options.antithetic ?? false);
  return estimate(where, f, x, { kind: antithetic ? 'central' : 'one-point', step: sigma, samples, key: options.key, sphere: false });
}

/**
 * Two-point random-direction gradient estimate (Nesterov & Spokoiny 2017 for Gaussian directions;
 * Duchi, Jordan, Wainwright, Wibisono 2015 and Flaxman, Kalai, McMahan 2005 for the sphere):
 *
 * - forward: ĝ = (c/q) Σ (f(x + μu_i) − f(x))/μ · u_i — q + 1 evaluations;
 * - central: ĝ = (c/q) Σ (f(x + μu_i) − f(x − μu_i))/(2μ) · u_i — 2q evaluations;
 *
 * with c = 1 for `directions: 'gaussian'` (u ~ N(0, I_D)) and c = D for `'sphere'` (u uniform on
 * the unit sphere, so that E[D u uᵀ] = I).
 *
 * Bias: the Gaussian estimates are unbiased for ∇f_μ, f_μ(x) = E f(x + μu); the sphere estimates
 * for the gradient of the ball smoothing E_{v ∈ unit ball} f(x + μv). Both differ from ∇f by
 * O(μ L D^{3/2}) (Gaussian, N–S Lemma 3) or O(μ L D) (sphere); the forward and central forms have
 * the same mean. Variance (Gaussian, forward): E‖g‖² ≤ 2(D+4)‖∇f‖² + (μ²/2) L² (D+6)³ per direction
 * (N–S Lemma 3), so averaging q directions divides the first term by q; the central difference
 * removes the O(μ) curvature term (exactly on quadratics). On f = ½‖x‖², the forward Gaussian
 * sample is (x·u)u + (μ/2)‖u‖²u, whose mean is x.
 *
 * Directions: rows of `normal(key, [q, D])`, divided by their norms for `'sphere'`, split over the
 * leaves in flattening order. `f` is evaluated once on a batch (leading axis q + 1 or 2q); the
 * forward batch is [x + μu_1 … x + μu_q, x]. Returns a tree like `x` (caller owns it).
 *
 * @throws DescentError on bad options or when `f` returns a tensor that is not `[batch]`.
 */
export function twoPointGradient(f: BatchedObjective, x: Params, options: TwoPointOptions): Params {
  const where = 'twoPointGradient';
  checkArgs(where, f, x);
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['mu', 'samples', 'key', 'difference', 'directions']);
  const mu = checkNumber(where, 'mu', options.mu, { greaterThan: 0 });
  const samples = checkNumber(where, 'samples', options.samples, { integer: true, min: 1 });
  if (!isKey(options.key)) invalidOption(where, 'key', options.key, 'a Key (from key(seed), split or foldIn)');
  const difference = checkOneOf(where, 'difference', options.difference ?? 'forward', ['forward', 'central'] as const);
  const directions = checkOneOf(where, 'directions', options.directions ?? 'gaussian', ['gaussian', 'sphere'] as const);
  return estimate(where, f, x, { kind: difference, step: mu, samples, key: options.key, sphere: directions === 'sphere' });
}
