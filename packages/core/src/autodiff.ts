/**
 * Autodiff over trees, and Hessian-vector products by double backprop.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { invalidOption } from './errors.js';
import { type Params, type Tree, assertSameStructure, treeFlatten, treeLeaves, treeUnflatten } from './tree.js';

/**
 * `tf.valueAndGrads` for a function of a parameter tree: returns a function giving the value
 * and a gradient tree shaped like the input. Results are new tensors the caller owns.
 */
export function valueAndGrad(f: (params: Params) => tf.Scalar): (params: Params) => { value: tf.Scalar; grads: Params } {
  if (typeof f !== 'function') invalidOption('valueAndGrad', 'f', f, 'a function from a parameter tree to a scalar tensor');
  return (params) => {
    const { leaves, treedef } = treeFlatten(params as Tree<tf.Tensor>);
    const vg = tf.valueAndGrads((...xs: tf.Tensor[]) => f(treeUnflatten(treedef, xs) as Params));
    const { value, grads } = vg(leaves);
    return { value: value as tf.Scalar, grads: treeUnflatten(treedef, grads) as Params };
  };
}

/**
 * Hessian-vector product `H(x)·v = ∇ₓ⟨∇f(x), v⟩`, exact, by differentiating the gradient again
 * (double backprop through tfjs's tape; every op whose gradient is itself differentiable in
 * tfjs is supported). `x` and `v` are trees of the same structure; the result is shaped like
 * `x` and owned by the caller. Cost: about two gradient evaluations.
 *
 * Reference: Pearlmutter (1994), "Fast exact multiplication by the Hessian".
 */
export function hvp(f: (x: Params) => tf.Scalar, x: Params, v: Params): Params {
  if (typeof f !== 'function') invalidOption('hvp', 'f', f, 'a function from a tensor tree to a scalar tensor');
  assertSameStructure(x, v, { names: ['x', 'v'], where: 'hvp' });
  const { leaves, treedef } = treeFlatten(x as Tree<tf.Tensor>);
  const vs = treeLeaves(v) as tf.Tensor[];
  const inner = (...xs: tf.Tensor[]): tf.Scalar => {
    const gs = tf.grads((...ys: tf.Tensor[]) => f(treeUnflatten(treedef, ys) as Params))(xs);
    return gs.map((g, i) => tf.sum(tf.mul(g, vs[i] as tf.Tensor))).reduce((a, b) => tf.add(a, b)) as tf.Scalar;
  };
  const out = tf.tidy(() => tf.grads(inner)(leaves));
  return treeUnflatten(treedef, out) as Params;
}
