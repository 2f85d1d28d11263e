/**
 * Parameter trees: nested arrays and plain objects whose leaves are tensors (or numbers),
 * like JAX pytrees. Parameters, gradients and optimizer state are all trees.
 *
 * Object keys are visited in sorted order (as JAX does for dicts), so two trees built with
 * keys in a different insertion order flatten to the same leaf order.
 *
 * @packageDocumentation
 */
import type * as tf from '@tensorflow/tfjs-core';
import { DescentError } from './errors.js';

/** A tree with leaves of type `L`: a leaf, an array of trees, or a plain object of trees. */
export type Tree<L> = L | Tree<L>[] | { [key: string]: Tree<L> };

/** A tree of parameter (or gradient, or update) tensors. */
export type Params = Tree<tf.Tensor>;

/** Structure of a flattened tree: enough to rebuild it around new leaves with {@link treeUnflatten}. */
export type TreeDef =
  | { kind: 'leaf' }
  | { kind: 'array'; children: TreeDef[] }
  | { kind: 'object'; keys: string[]; children: TreeDef[] };

/** True for plain objects (`{}` literals and `Object.create(null)`), which are tree nodes; class instances are leaves. */
export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function isNode(x: unknown): boolean {
  return Array.isArray(x) || isPlainObject(x);
}

/** Flattens a tree into its leaves (depth first, object keys sorted) and its structure. */
export function treeFlatten<L>(tree: Tree<L>): { leaves: L[]; treedef: TreeDef } {
  const leaves: L[] = [];
  const walk = (node: unknown): TreeDef => {
    if (Array.isArray(node)) return { kind: 'array', children: node.map(walk) };
    if (isPlainObject(node)) {
      const keys = Object.keys(node).sort();
      return { kind: 'object', keys, children: keys.map((k) => walk(node[k])) };
    }
    leaves.push(node as L);
    return { kind: 'leaf' };
  };
  const treedef = walk(tree);
  return { leaves, treedef };
}

/** The leaves of a tree in flattening order. */
export function treeLeaves<L>(tree: Tree<L>): L[] {
  return treeFlatten(tree).leaves;
}

/** The path of every leaf, in flattening order: `'layer1.kernel'`, `'[0].w'`, `''` for a bare leaf. */
export function treePaths(tree: Tree<unknown>): string[] {
  const paths: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) node.forEach((c, i) => walk(c, `${path}[${i}]`));
    else if (isPlainObject(node)) {
      for (const k of Object.keys(node).sort()) walk(node[k], path === '' ? k : `${path}.${k}`);
    } else paths.push(path);
  };
  walk(tree, '');
  return paths;
}

/** Number of leaves a structure holds. */
export function treeDefSize(treedef: TreeDef): number {
  return treedef.kind === 'leaf' ? 1 : treedef.children.reduce((n, c) => n + treeDefSize(c), 0);
}

/** Rebuilds a tree of the given structure around `leaves` (the inverse of {@link treeFlatten}). */
export function treeUnflatten<L>(treedef: TreeDef, leaves: readonly L[]): Tree<L> {
  const expected = treeDefSize(treedef);
  if (leaves.length !== expected) {
    throw new DescentError(
      'structure-mismatch',
      `treeUnflatten: leaves must hold exactly ${expected} leaves for this structure, got ${leaves.length}`,
      { parameter: 'leaves', value: leaves.length },
    );
  }
  let next = 0;
  const build = (def: TreeDef): Tree<L> => {
    if (def.kind === 'leaf') return leaves[next++] as L;
    if (def.kind === 'array') return def.children.map(build);
    const out: { [key: string]: Tree<L> } = {};
    def.keys.forEach((k, i) => {
      // defineProperty, not assignment: a key named '__proto__' must stay a key.
      Object.defineProperty(out, k, { value: build(def.children[i] as TreeDef), enumerable: true, writable: true, configurable: true });
    });
    return out;
  };
  return build(treedef);
}

function shapeOf(x: unknown): string {
  if (x !== null && typeof x === 'object' && 'shape' in x && Array.isArray((x as { shape: unknown }).shape)) {
    return `[${(x as { shape: number[] }).shape.join(',')}]`;
  }
  if (Array.isArray(x)) return `an array of ${x.length}`;
  if (isPlainObject(x)) return `an object with keys {${Object.keys(x).sort().join(', ')}}`;
  return typeof x === 'number' ? 'a number' : String(x);
}

/**
 * Finds the first place where two trees differ in structure (or, with `shapes`, in leaf shape),
 * depth first in flattening order. Returns `undefined` when they agree.
 */
export function firstStructureDifference(
  a: unknown,
  b: unknown,
  options: { shapes?: boolean } = {},
): { path: string; a: string; b: string } | undefined {
  const checkShapes = options.shapes ?? true;
  const visit = (x: unknown, y: unknown, path: string): { path: string; a: string; b: string } | undefined => {
    const where = path === '' ? '(root)' : path;
    if (Array.isArray(x) || Array.isArray(y)) {
      if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return { path: where, a: shapeOf(x), b: shapeOf(y) };
      for (let i = 0; i < x.length; i++) {
        const d = visit(x[i], y[i], `${path}[${i}]`);
        if (d) return d;
      }
      return undefined;
    }
    if (isPlainObject(x) || isPlainObject(y)) {
      if (!isPlainObject(x) || !isPlainObject(y)) return { path: where, a: shapeOf(x), b: shapeOf(y) };
      const kx = Object.keys(x).sort();
      const ky = Object.keys(y).sort();
      if (kx.length !== ky.length || kx.some((k, i) => k !== ky[i])) return { path: where, a: shapeOf(x), b: shapeOf(y) };
      for (const k of kx) {
        const d = visit(x[k], y[k], path === '' ? k : `${path}.${k}`);
        if (d) return d;
      }
      return undefined;
    }
    if (isNode(x) !== isNode(y)) return { path: where, a: shapeOf(x), b: shapeOf(y) };
    if (checkShapes && shapeOf(x) !== shapeOf(y)) return { path: where, a: shapeOf(x), b: shapeOf(y) };
    return undefined;
  };
  return visit(a, b, '');
}

/**
 * Throws a `structure-mismatch` {@link DescentError} unless `a` and `b` have the same structure
 * and (by default) the same leaf shapes. The message names the first differing path and what
 * each tree holds there, e.g. `grads at 'dense.kernel' is [3,4] but params is [4,3]`.
 */
export function assertSameStructure(
  a: unknown,
  b: unknown,
  options: { names?: [string, string]; shapes?: boolean; where?: string } = {},
): void {
  const diff = firstStructureDifference(a, b, options);
  if (diff === undefined) return;
  const [na, nb] = options.names ?? ['first tree', 'second tree'];
  const prefix = options.where ? `${options.where}: ` : '';
  throw new DescentError(
    'structure-mismatch',
    `${prefix}${na} and ${nb} differ at '${diff.path}': ${na} is ${diff.a} but ${nb} is ${diff.b}`,
    { parameter: na, value: diff.path },
  );
}

/**
 * Applies `fn` leaf by leaf over one or more trees of the same structure (checked first, with
 * shapes), returning a tree of the results. `fn` receives the leaves and the leaf's path.
 */
export function treeMap<L, R>(fn: (leaf: L, path: string) => R, tree: Tree<L>): Tree<R>;
export function treeMap<L, M, R>(fn: (a: L, b: M, path: string) => R, tree: Tree<L>, other: Tree<M>): Tree<R>;
export function treeMap<L, M, N, R>(
  fn: (a: L, b: M, c: N, path: string) => R,
  tree: Tree<L>,
  other: Tree<M>,
  third: Tree<N>,
): Tree<R>;
export function treeMap(fn: (...args: any[]) => unknown, tree: Tree<unknown>, ...rest: Tree<unknown>[]): Tree<unknown> {
  rest.forEach((r, i) => assertSameStructure(tree, r, { names: ['tree', `tree #${i + 2}`], where: 'treeMap' }));
  const { leaves, treedef } = treeFlatten(tree);
  const others = rest.map((r) => treeLeaves(r));
  const paths = treePaths(tree);
  const out = leaves.map((leaf, i) => fn(leaf, ...others.map((o) => o[i]), paths[i]));
  return treeUnflatten(treedef, out);
}

/** Disposes every tensor leaf of a tree (numbers and other leaves are ignored). */
export function treeDispose(tree: unknown): void {
  for (const leaf of treeLeaves(tree as Tree<unknown>)) {
    if (leaf !== null && typeof leaf === 'object' && typeof (leaf as { dispose?: unknown }).dispose === 'function') {
      (leaf as { dispose(): void }).dispose();
    }
  }
}
