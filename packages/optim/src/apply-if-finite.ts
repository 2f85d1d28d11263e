/**
 * `applyIfFinite`: skip steps whose updates contain NaN or ±Infinity, count them, and give up
 * after too many in a row (optax `apply_if_finite`).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DescentError,
  type GradientTransformation,
  type Params,
  type Tree,
  checkKnownOptions,
  checkNumber,
  firstStructureDifference,
  treeFlatten,
  treeLeaves,
  treeUnflatten,
} from '@descent/core';
import { checkInnerTransformation, checkOptionsObject } from './inner-transformation.js';

/** Options of {@link applyIfFinite}. */
export interface ApplyIfFiniteOptions {
  /**
   * How many consecutive non-finite steps are skipped; the next one is applied (optax's "give
   * up"). An integer ≥ 0 or `Infinity` (never give up). Default `Infinity` (optax has no
   * default).
   */
  maxConsecutiveErrors?: number;
}

/**
 * State of {@link applyIfFinite}. The counters are scalar tensors on the device, so deciding
 * needs no read-back; read them with `await state.totalNotfinite.data()`.
 */
export interface ApplyIfFiniteState<S = unknown> {
  /** int32 scalar: consecutive non-finite steps so far (reset to 0 by a finite one). */
  notfiniteCount: tf.Tensor;
  /** bool scalar: whether the last step's updates were all finite. */
  lastFinite: tf.Tensor;
  /** int32 scalar: non-finite steps since `init`, never reset. */
  totalNotfinite: tf.Tensor;
  /** The inner transformation's state. */
  inner: S;
}

/** `where(flag, a, b)` with a scalar flag broadcast to `a`'s shape (tfjs's `where` wants matching shapes). */
function select(flag: tf.Tensor, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.where(a.rank === 0 ? flag : tf.broadcastTo(flag, a.shape), a, b);
}

/**
 * Wraps `inner` so that a step whose incoming updates contain a NaN or ±Infinity is skipped:
 *
 * $$\text{finite}_t = \bigwedge_{\text{leaves}} \bigwedge_i \operatorname{isfinite}(u_i),\quad
 *   n_t = \text{finite}_t\ ?\ 0 : n_{t-1} + 1,\quad
 *   \text{apply}_t = \text{finite}_t \lor n_t > N,$$
 * $$(\text{out}_t, s_t) = \text{apply}_t\ ?\ \text{inner.update}(u_t, s_{t-1}) : (0,\ s_{t-1}),$$
 *
 * with `N = maxConsecutiveErrors`, and counts `notfiniteCount = n_t`, `lastFinite = finite_t`,
 * `totalNotfinite` (+1 per non-finite step, never reset).
 *
 * Works without any host read-back, so it runs on WebGPU in a synchronous `update`: the
 * finiteness of the whole tree is one boolean scalar on the device (one `all(isFinite)` per
 * leaf, combined into one flag), the inner update is always computed, and every output and every
 * tensor of the inner state is chosen between new and old with `tf.where` on that flag. A
 * skipped step therefore leaves the inner state's tensors bit-identical and returns exact zeros.
 *
 * Difference from optax: the inner state's **host numbers** (descent keeps step counts on the
 * host so that schedules need no read-back) cannot be chosen without reading the flag back; they
 * take their new values, so after a skipped step an inner transformation's count is one ahead of
 * optax's (its schedules and bias corrections see the skipped step as taken). Steps without
 * non-finite values are unaffected.
 *
 * With the `Optimizer` runner pass `{ nonFinite: 'off' }`: the runner's own check (default
 * `'throw'`) would reject the step before this wrapper sees it.
 *
 * Reference: optax `apply_if_finite` (`optax/transforms/_conditionality.py`).
 */
export function applyIfFinite<S>(
  inner: GradientTransformation<S>,
  options: ApplyIfFiniteOptions = {},
): GradientTransformation<ApplyIfFiniteState<S>> {
  const where = 'applyIfFinite';
  const transform = checkInnerTransformation(where, 'inner', inner) as GradientTransformation<S>;
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['maxConsecutiveErrors']);
  const maxErrors = options.maxConsecutiveErrors ?? Infinity;
  if (maxErrors !== Infinity) checkNumber(where, 'maxConsecutiveErrors', maxErrors, { min: 0, integer: true });

  return {
    init: (params) => ({
      notfiniteCount: tf.scalar(0, 'int32'),
      lastFinite: tf.scalar(true, 'bool'),
      totalNotfinite: tf.scalar(0, 'int32'),
      inner: transform.init(params),
    }),
    update(updates, state, params) {
      const leaves = treeLeaves(updates) as tf.Tensor[];
      const finite = tf.tidy(() =>
        leaves.length === 0 ? tf.scalar(true, 'bool') : tf.all(tf.stack(leaves.map((u) => tf.all(tf.isFinite(u))))),
      );
      const one = tf.scalar(1, 'int32');
      const notfiniteCount = tf.where(finite, tf.zerosLike(state.notfiniteCount), tf.add(state.notfiniteCount, one));
      const totalNotfinite = tf.where(finite, state.totalNotfinite, tf.add(state.totalNotfinite, one));
      const apply = maxErrors === Infinity ? finite : tf.logicalOr(finite, tf.greater(notfiniteCount, tf.scalar(maxErrors, 'int32')));

      const out = transform.update(updates, state.inner, params);
      const { leaves: outLeaves, treedef } = treeFlatten(out.updates as Tree<tf.Tensor>);
      const chosen = outLeaves.map((u) => select(apply, u, tf.zerosLike(u)));

      const diff = firstStructureDifference(out.state, state.inner, { shapes: true });
      if (diff !== undefined) {
        throw new DescentError(
          'structure-mismatch',
          `${where}: the inner transformation changed its state's structure at '${diff.path}' (${diff.b} before, ${diff.a} after); ` +
            'applyIfFinite needs a state of fixed structure to select between old and new',
          { parameter: 'inner', value: diff.path },
        );
      }
      const { leaves: oldState } = treeFlatten(state.inner as Tree<unknown>);
      const { leaves: newState, treedef: stateDef } = treeFlatten(out.state as Tree<unknown>);
      const innerState = newState.map((n, i) => {
        const o = oldState[i];
        if (n instanceof tf.Tensor && o instanceof tf.Tensor && n !== o) return select(apply, n, o);
        return n;
      });

      return {
        updates: treeUnflatten(treedef, chosen) as Params,
        state: {
          notfiniteCount,
          lastFinite: finite,
          totalNotfinite,
          inner: treeUnflatten(stateDef, innerState) as S,
        },
      };
    },
  };
}
