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
export function valueAndGrad<P extends Params>(f: (params: P) => tf.Scalar): (params: P) => { value: tf.Scalar; grads: P } {
  if (typeof f !== 'function') invalidOption('valueAndGrad', 'f', f, 'a function from a parameter tree to a scalar tensor');
  return (params) => {
    const { leaves, treedef } = treeFlatten(params as Tree<tf.Tensor>);
    const vg = tf.valueAndGrads((...xs: tf.Tensor[]) => f(treeUnflatten(treedef, xs) as P));
    const { value, grads } = vg(leaves);
    return { value: value as tf.Scalar, grads: treeUnflatten(treedef, grads) as P };
  };
}

interface TapeEngine {
  state: { activeTape: unknown[] | null };
  saveTensorsForBackwardMode(tensors: tf.Tensor[]): tf.Tensor[];
  addTapeNode(...args: unknown[]): void;
}

/**
 * Runs `fn` with tfjs's tape kept in producer-before-consumer order for saved tensors.
 *
 * Why: when a kernel saves its *output* for backprop (exp, tanh, sigmoid, sqrt, …), tfjs
 * 4.22's engine records the saved copy's tape node (an Identity of the output) *before* the
 * node of the kernel that produces that output. `getFilteredNodesXToY` walks the tape in order,
 * so in a second differentiation the copy looks unreachable from x and its contribution is
 * silently dropped (or tfjs reports that y does not depend on x). Moving those nodes right after
 * their producer restores the topological order; nothing else about the tape changes.
 */
function withOrderedSavedTensors<T>(fn: () => T): T {
  const engine = tf.engine() as unknown as TapeEngine;
  const save = engine.saveTensorsForBackwardMode;
  const add = engine.addTapeNode;
  if (typeof save !== 'function' || typeof add !== 'function' || engine.state === undefined) return fn();
  const pending: unknown[] = [];
  engine.saveTensorsForBackwardMode = function (this: TapeEngine, tensors: tf.Tensor[]) {
    const tape = this.state.activeTape;
    const start = tape?.length ?? 0;
    const saved = save.call(this, tensors);
    if (tape) pending.push(...tape.splice(start));
    return saved;
  };
  engine.addTapeNode = function (this: TapeEngine, ...args: unknown[]) {
    add.apply(this, args);
    if (pending.length > 0 && this.state.activeTape) this.state.activeTape.push(...pending.splice(0));
  };
  try {
    return fn();
  } finally {
    delete (engine as Partial<TapeEngine>).saveTensorsForBackwardMode;
    delete (engine as Partial<TapeEngine>).addTapeNode;
    if (engine.saveTensorsForBackwardMode !== save) engine.saveTensorsForBackwardMode = save;
    if (engine.addTapeNode !== add) engine.addTapeNode = add;
  }
}

/**
 * Hessian-vector product `H(x)·v = ∇ₓ⟨∇f(x), v⟩`, exact, by differentiating the gradient again
 * (double backprop through tfjs's tape, with tfjs 4.22's ordering of saved outputs corrected
 * — see `withOrderedSavedTensors`; every op whose gradient is itself differentiable in tfjs is
 * supported — `tf.logSumExp`'s max-shift is not: its gradient goes through `Equal`). `x` and `v` are trees of the same structure; the result is shaped like
 * `x` and owned by the caller. Cost: about two gradient evaluations.
 *
 * Reference: Pearlmutter (1994), "Fast exact multiplication by the Hessian".
 */
export function hvp<P extends Params>(f: (x: P) => tf.Scalar, x: P, v: P): P {
  if (typeof f !== 'function') invalidOption('hvp', 'f', f, 'a function from a tensor tree to a scalar tensor');
  assertSameStructure(x, v, { names: ['x', 'v'], where: 'hvp' });
  const { leaves, treedef } = treeFlatten(x as Tree<tf.Tensor>);
  const vs = treeLeaves(v) as tf.Tensor[];
  const inner = (...xs: tf.Tensor[]): tf.Scalar => {
    const gs = tf.grads((...ys: tf.Tensor[]) => f(treeUnflatten(treedef, ys) as P))(xs);
    return gs.map((g, i) => tf.sum(tf.mul(g, vs[i] as tf.Tensor))).reduce((a, b) => tf.add(a, b)) as tf.Scalar;
  };
  const out = withOrderedSavedTensors(() => tf.tidy(() => tf.grads(inner)(leaves)));
  return treeUnflatten(treedef, out) as P;
}
