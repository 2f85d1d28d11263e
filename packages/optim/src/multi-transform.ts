/**
 * `multiTransform`: a different transformation for each group of parameters, chosen by label
 * (optax `partition`, formerly `multi_transform`).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  DescentError,
  type GradientTransformation,
  type InPlaceStep,
  type Params,
  type Tree,
  describeValue,
  invalidOption,
  isPlainObject,
  treeFlatten,
  treeLeaves,
  treeUnflatten,
} from '@descent/core';
import { checkInnerTransformation } from './inner-transformation.js';

/** State of {@link multiTransform}: each label's transformation state, over that label's view. */
export interface MultiTransformState {
  inner: Record<string, unknown>;
}

/** Labels: a tree of label strings shaped like the params (or a prefix of them), or a function of the params. */
export type ParamLabels = Tree<string> | ((params: Params) => Tree<string>);

const where = 'multiTransform';

/**
 * The label of every leaf of `params`, in flattening order. `labels` has the params' structure
 * or is a prefix of it: a string at an inner node labels every leaf below.
 */
function leafLabels(labels: Tree<string>, params: Params, known: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const fail = (path: string, found: string): never => {
    throw new DescentError(
      'structure-mismatch',
      `${where}: labels must have the structure of the params (or a prefix of it); at '${path || '(root)'}' labels ${found}`,
      { parameter: 'labels', value: path },
    );
  };
  const walk = (label: unknown, node: unknown, path: string): void => {
    if (typeof label === 'string') {
      if (!known.has(label)) {
        invalidOption(where, `labels${path ? `.${path}` : ''}`, label, `one of the transforms' labels (${[...known].map((k) => `'${k}'`).join(', ')})`);
      }
      const n = treeLeaves(node as Tree<unknown>).length;
      for (let i = 0; i < n; i++) out.push(label);
      return;
    }
    if (Array.isArray(node)) {
      if (!Array.isArray(label) || label.length !== node.length) fail(path, `is ${describeValue(label)} but the params hold an array of ${node.length}`);
      node.forEach((c, i) => walk((label as unknown[])[i], c, `${path}[${i}]`));
      return;
    }
    if (isPlainObject(node)) {
      const keys = Object.keys(node).sort();
      if (!isPlainObject(label)) return fail(path, `is ${describeValue(label)} but the params hold an object`);
      const lk = Object.keys(label).sort();
      if (lk.length !== keys.length || lk.some((k, i) => k !== keys[i])) {
        fail(path, `have keys {${lk.join(', ')}} but the params have {${keys.join(', ')}}`);
      }
      for (const k of keys) walk(label[k], node[k], path ? `${path}.${k}` : k);
      return;
    }
    fail(path, `is ${describeValue(label)} where the params hold a tensor (expected a label string)`);
  };
  walk(labels, params, '');
  return out;
}

/**
 * The view of `tree` holding only the leaves whose label is `label`: object keys without such
 * leaves are dropped, arrays keep their order but drop such elements. Its flattening order is
 * the subsequence of the full tree's, which is how updates are merged back.
 */
function viewOf(tree: Params, labels: readonly string[], label: string): Params {
  let next = 0;
  const build = (node: unknown): { has: boolean; out: unknown } => {
    if (Array.isArray(node)) {
      const kept = node.map(build).filter((c) => c.has).map((c) => c.out);
      return { has: kept.length > 0, out: kept };
    }
    if (isPlainObject(node)) {
      const out: Record<string, unknown> = {};
      let has = false;
      for (const k of Object.keys(node).sort()) {
        const c = build(node[k]);
        if (!c.has) continue;
        has = true;
        Object.defineProperty(out, k, { value: c.out, enumerable: true, writable: true, configurable: true });
      }
      return { has, out };
    }
    return { has: labels[next++] === label, out: node };
  };
  const root = build(tree);
  if (root.has) return root.out as Params;
  return (isPlainObject(tree) ? {} : []) as Params;
}

/**
 * Applies a different transformation to each group of parameters:
 *
 * $$\text{out}[\ell] = T_{\text{label}(\ell)}.\text{update}\big(u|_{\text{label}(\ell)},\ s_{\text{label}(\ell)}\big)[\ell]$$
 *
 * for every leaf ℓ. `labels` gives each leaf's label — a tree of strings shaped like the params
 * (or a prefix of them: a string at a node labels everything below it), or a function called with
 * the params in `init` and with the updates in `update` (as optax). Every label must be a key of
 * `transforms`; a transform whose label marks no leaf still gets an (empty) state.
 *
 * Each transformation sees only its own leaves, as optax's `masked` views: the view of a tree
 * for a label keeps the object keys and array order of the full tree and drops the leaves of
 * other labels. The outputs are merged leaf by leaf. State: `{ inner: { [label]: state } }`.
 * When every transformation has an in-place step (fused elementwise chains), so does this one.
 *
 * Reference: optax `partition` / `multi_transform` (`optax/transforms/_combining.py`) with
 * `masked` (`optax/transforms/_masking.py`).
 */
export function multiTransform(
  transforms: Record<string, GradientTransformation<any>>,
  labels: ParamLabels,
): GradientTransformation<MultiTransformState> {
  if (!isPlainObject(transforms) || Object.keys(transforms).length === 0) {
    invalidOption(where, 'transforms', transforms, 'an object mapping labels to GradientTransformations');
  }
  const names = Object.keys(transforms).sort();
  const inner = new Map<string, GradientTransformation<any>>();
  for (const name of names) inner.set(name, checkInnerTransformation(where, `transforms.${name}`, transforms[name]));
  const known = new Set(names);
  if (typeof labels !== 'function' && labels !== null && typeof labels === 'object') {
    // A label tree is checked against the params when they are known; its leaves can be checked now.
    for (const l of treeLeaves(labels as Tree<unknown>)) {
      if (typeof l !== 'string') invalidOption(where, 'labels', l, 'a tree of label strings or a function of the params');
    }
  } else if (typeof labels !== 'function' && typeof labels !== 'string') {
    invalidOption(where, 'labels', labels, 'a tree of label strings or a function of the params');
  }
  const labelsFor = (tree: Params): string[] => {
    const l = typeof labels === 'function' ? labels(tree) : labels;
    return leafLabels(l, tree, known);
  };

  const allInPlace = names.every((n) => inner.get(n)?.inPlace !== undefined);
  let inPlace: InPlaceStep<MultiTransformState> | undefined;
  if (allInPlace) {
    inPlace = (params, grads, state) => {
      const leafLabel = labelsFor(grads);
      const next: Record<string, unknown> = {};
      let first = true;
      for (const name of names) {
        const t = inner.get(name) as GradientTransformation<any>;
        const s = (t.inPlace as InPlaceStep<unknown>)(viewOf(params, leafLabel, name), viewOf(grads, leafLabel, name), state.inner[name]);
        if (s === undefined) {
          // Fused kernels run on all of a backend or none of it, so a refusal comes first, before any change.
          if (first) return undefined;
          throw new DescentError('unsupported', `${where}: the in-place step of '${name}' refused after others had run`, { parameter: 'transforms' });
        }
        first = false;
        next[name] = s;
      }
      return { inner: next };
    };
  }

  return {
    init(params) {
      const leafLabel = labelsFor(params);
      const states: Record<string, unknown> = {};
      for (const name of names) states[name] = (inner.get(name) as GradientTransformation<any>).init(viewOf(params, leafLabel, name));
      return { inner: states };
    },
    update(updates, state, params) {
      const leafLabel = labelsFor(updates);
      const { leaves, treedef } = treeFlatten(updates as Tree<tf.Tensor>);
      const merged: tf.Tensor[] = new Array(leaves.length);
      const states: Record<string, unknown> = {};
      for (const name of names) {
        const t = inner.get(name) as GradientTransformation<any>;
        const view = viewOf(updates, leafLabel, name);
        const out = t.update(view, state.inner[name], params === undefined ? undefined : viewOf(params, leafLabel, name));
        const outLeaves = treeLeaves(out.updates) as tf.Tensor[];
        let k = 0;
        leafLabel.forEach((l, i) => {
          if (l === name) merged[i] = outLeaves[k++] as tf.Tensor;
        });
        states[name] = out.state;
      }
      return { updates: treeUnflatten(treedef, merged) as Params, state: { inner: states } };
    },
    ...(inPlace ? { inPlace } : {}),
  };
}
