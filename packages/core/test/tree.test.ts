/**
 * Tests for parameter trees (`src/tree.ts`, DESIGN.md §2): flattening order, paths, rebuilding,
 * structure checks and their messages, `treeMap` over several trees, and `treeDispose`.
 * The same file runs in the cpu and the webgpu lane; tensor values are read with `await data()`.
 */
import * as tf from '@tensorflow/tfjs-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DescentError,
  type Tree,
  type TreeDef,
  assertSameStructure,
  firstStructureDifference,
  isPlainObject,
  treeDefSize,
  treeDispose,
  treeFlatten,
  treeLeaves,
  treeMap,
  treePaths,
  treeUnflatten,
} from '@descent/core';

// ---------------------------------------------------------------------------------------------
// helpers

const LEAF: TreeDef = { kind: 'leaf' };

/** Runs `fn`, expects a DescentError, and returns it. */
function catchDescent(fn: () => unknown): DescentError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DescentError);
    return e as DescentError;
  }
  throw new Error('expected a DescentError, but nothing was thrown');
}

/**
 * A canonical form of a number tree that is independent of key insertion order and of the
 * object's prototype, and that keeps every own key (including '__proto__'): objects become
 * sorted [key, value] entry lists. Numbers compare with Object.is semantics under toEqual.
 */
type Canon = ['leaf', unknown] | ['array', Canon[]] | ['object', [string, Canon][]];
function canon(t: unknown): Canon {
  if (Array.isArray(t)) return ['array', t.map(canon)];
  if (isPlainObject(t)) {
    return [
      'object',
      Object.keys(t)
        .sort()
        .map((k): [string, Canon] => [k, canon(Object.getOwnPropertyDescriptor(t, k)?.value)]),
    ];
  }
  return ['leaf', t];
}

/** Rebuilds a number tree with every object's keys inserted in reverse sorted order. */
function reverseKeyOrder(t: Tree<number>): Tree<number> {
  if (Array.isArray(t)) return t.map(reverseKeyOrder);
  if (isPlainObject(t)) {
    const out: { [key: string]: Tree<number> } = {};
    for (const k of Object.keys(t).sort().reverse()) {
      Object.defineProperty(out, k, { value: reverseKeyOrder(t[k] as Tree<number>), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return t;
}

// Keys include the awkward ones: '', '__proto__', 'constructor', dots, NUL.
const keyArb = fc.oneof(
  fc.string({ maxLength: 3 }),
  fc.constantFrom('', 'a', 'b', 'ab', '__proto__', 'constructor', 'a.b', 'a\u0000b', '[0]'),
);

const numberTree = fc.letrec<{ tree: Tree<number>; array: Tree<number>[]; object: { [key: string]: Tree<number> } }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, fc.double(), tie('array'), tie('object')),
  array: fc.array(tie('tree'), { maxLength: 4 }),
  object: fc.dictionary(keyArb, tie('tree'), { maxKeys: 4 }),
})).tree;

// Small alphabet so that independently drawn trees often have the same or nearly the same shape.
const smallKey = fc.constantFrom('', 'a', 'b', 'a\u0000b');
const smallTree = fc.letrec<{ tree: Tree<number>; array: Tree<number>[]; object: { [key: string]: Tree<number> } }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small', maxDepth: 3 }, fc.constant(0), tie('array'), tie('object')),
  array: fc.array(tie('tree'), { maxLength: 2 }),
  object: fc.dictionary(smallKey, tie('tree'), { maxKeys: 3 }),
})).tree;

async function values(t: tf.Tensor): Promise<number[]> {
  return Array.from(await t.data());
}

// ---------------------------------------------------------------------------------------------
// flattening order, paths, leaves

describe('treeFlatten / treeLeaves / treePaths', () => {
  it('visits object keys in sorted order, whatever the insertion order', () => {
    const ba = treeFlatten({ b: 2, a: 1 });
    const ab = treeFlatten({ a: 1, b: 2 });
    expect(ba.leaves).toEqual([1, 2]);
    expect(ab.leaves).toEqual([1, 2]);
    expect(ba.treedef).toEqual({ kind: 'object', keys: ['a', 'b'], children: [LEAF, LEAF] });
    expect(ab.treedef).toEqual(ba.treedef);
    expect(treePaths({ b: 2, a: 1 })).toEqual(['a', 'b']);
    // Sorting is by code unit, as Array.prototype.sort does: uppercase before lowercase, '10' before '9'.
    expect(treeLeaves({ b: 1, B: 2, '9': 3, '10': 4 })).toEqual([4, 3, 2, 1]);
  });

  it('keeps arrays in order and flattens nested mixes depth first', () => {
    const tree = {
      layer2: [{ w: 5, b: 6 }, 7],
      layer1: { kernel: 1, bias: [2, 3] },
      alpha: 0,
    };
    expect(treeLeaves(tree)).toEqual([0, 2, 3, 1, 6, 5, 7]);
    expect(treePaths(tree)).toEqual([
      'alpha',
      'layer1.bias[0]',
      'layer1.bias[1]',
      'layer1.kernel',
      'layer2[0].b',
      'layer2[0].w',
      'layer2[1]',
    ]);
    expect(treeFlatten(tree).treedef).toEqual({
      kind: 'object',
      keys: ['alpha', 'layer1', 'layer2'],
      children: [
        LEAF,
        { kind: 'object', keys: ['bias', 'kernel'], children: [{ kind: 'array', children: [LEAF, LEAF] }, LEAF] },
        { kind: 'array', children: [{ kind: 'object', keys: ['b', 'w'], children: [LEAF, LEAF] }, LEAF] },
      ],
    });
    expect(treeLeaves([3, [1, [2]], 0])).toEqual([3, 1, 2, 0]);
  });

  it('writes paths as dotted keys and bracketed indices, and the empty string for a bare leaf', () => {
    expect(treePaths({ layer1: { kernel: 0 } })).toEqual(['layer1.kernel']);
    expect(treePaths([{ w: 0 }])).toEqual(['[0].w']);
    expect(treePaths(7)).toEqual(['']);
    expect(treePaths([[1, 2], 3])).toEqual(['[0][0]', '[0][1]', '[1]']);
    expect(treePaths({ a: [{ b: [0] }] })).toEqual(['a[0].b[0]']);
  });

  it('treats tensors, class instances, numbers, strings and null as leaves, and plain objects as nodes', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    const t = tf.tensor1d([1, 2, 3]);
    const p = new Point(1, 2);
    const m = new Map([['k', 1]]);
    const bare = Object.create(null) as Record<string, unknown>;
    bare.z = 9;
    const tree = { t, p, m, n: 4, s: 'text', z: null, bare } as unknown as Tree<unknown>;
    const { leaves, treedef } = treeFlatten(tree);
    // Same references, in sorted key order; the null-prototype object is a node whose leaf is 9.
    expect(leaves).toHaveLength(7);
    expect(leaves[0]).toBe(9);
    expect(leaves[1]).toBe(m);
    expect(leaves[2]).toBe(4);
    expect(leaves[3]).toBe(p);
    expect(leaves[4]).toBe('text');
    expect(leaves[5]).toBe(t);
    expect(leaves[6]).toBe(null);
    expect(treePaths(tree)).toEqual(['bare.z', 'm', 'n', 'p', 's', 't', 'z']);
    expect(treedef).toEqual({
      kind: 'object',
      keys: ['bare', 'm', 'n', 'p', 's', 't', 'z'],
      children: [{ kind: 'object', keys: ['z'], children: [LEAF] }, LEAF, LEAF, LEAF, LEAF, LEAF, LEAF],
    });
    // A bare tensor is a single leaf.
    expect(treeFlatten(t)).toEqual({ leaves: [t], treedef: LEAF });
    expect(treeLeaves(t)[0]).toBe(t);
    t.dispose();
  });

  it('isPlainObject accepts {} and null-prototype objects only', () => {
    const t = tf.scalar(1);
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject({ a: 1 })).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(null)).toBe(false);
    expect(isPlainObject(undefined)).toBe(false);
    expect(isPlainObject(3)).toBe(false);
    expect(isPlainObject('a')).toBe(false);
    expect(isPlainObject(new Date(0))).toBe(false);
    expect(isPlainObject(t)).toBe(false);
    expect(isPlainObject(Object.create({}))).toBe(false);
    t.dispose();
  });

  it('gives empty arrays and objects no leaves, and rebuilds them', () => {
    for (const tree of [[], {}, { a: [], b: {} }, [[], [{}]]] as Tree<number>[]) {
      const { leaves, treedef } = treeFlatten(tree);
      expect(leaves).toEqual([]);
      expect(treePaths(tree)).toEqual([]);
      expect(treeDefSize(treedef)).toBe(0);
      expect(treeUnflatten(treedef, [])).toEqual(tree);
    }
    expect(treeFlatten({ a: [], b: {} }).treedef).toEqual({
      kind: 'object',
      keys: ['a', 'b'],
      children: [
        { kind: 'array', children: [] },
        { kind: 'object', keys: [], children: [] },
      ],
    });
  });

  it('treeUnflatten places new leaves into the structure in flattening order', () => {
    const { treedef } = treeFlatten({ z: [0, 0], a: { y: 0, x: 0 } });
    const rebuilt = treeUnflatten(treedef, ['a.x', 'a.y', 'z0', 'z1']);
    expect(rebuilt).toEqual({ a: { x: 'a.x', y: 'a.y' }, z: ['z0', 'z1'] });
    expect(Object.keys(rebuilt as object)).toEqual(['a', 'z']);
    expect(treeUnflatten(LEAF, [42])).toBe(42);
  });
});

// ---------------------------------------------------------------------------------------------
// properties

describe('tree properties (fast-check)', () => {
  it('treeUnflatten(treedef, treeLeaves(t)) rebuilds t', () => {
    fc.assert(
      fc.property(numberTree, (t) => {
        const { leaves, treedef } = treeFlatten(t);
        expect(leaves).toEqual(treeLeaves(t));
        const rebuilt = treeUnflatten(treedef, treeLeaves(t));
        expect(canon(rebuilt)).toEqual(canon(t));
        expect(rebuilt).toEqual(t);
        expect(treeFlatten(rebuilt).treedef).toEqual(treedef);
      }),
      { numRuns: 300 },
    );
  });

  it('treeMap(identity) round-trips', () => {
    fc.assert(
      fc.property(numberTree, (t) => {
        expect(canon(treeMap((x: number) => x, t))).toEqual(canon(t));
      }),
      { numRuns: 300 },
    );
  });

  it('the leaves of treeMap(f, t) are treeLeaves(t).map(f), with paths as treePaths(t)', () => {
    const f = (x: number): number => 2 * x - 1;
    fc.assert(
      fc.property(numberTree, (t) => {
        const seen: string[] = [];
        const mapped = treeMap((x: number, path: string) => {
          seen.push(path);
          return f(x);
        }, t);
        expect(treeLeaves(mapped)).toEqual(treeLeaves(t).map(f));
        expect(treeFlatten(mapped).treedef).toEqual(treeFlatten(t).treedef);
        expect(seen).toEqual(treePaths(t));
      }),
      { numRuns: 300 },
    );
  });

  it('treeDefSize equals the number of leaves and of paths', () => {
    fc.assert(
      fc.property(numberTree, (t) => {
        const { leaves, treedef } = treeFlatten(t);
        expect(treeDefSize(treedef)).toBe(leaves.length);
        expect(treePaths(t)).toHaveLength(leaves.length);
      }),
      { numRuns: 300 },
    );
  });

  it('flattening does not depend on key insertion order', () => {
    fc.assert(
      fc.property(numberTree, (t) => {
        const r = reverseKeyOrder(t);
        expect(treeFlatten(r)).toEqual(treeFlatten(t));
        expect(treePaths(r)).toEqual(treePaths(t));
        expect(firstStructureDifference(t, r)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });

  it('firstStructureDifference finds a difference exactly when the structures differ', () => {
    fc.assert(
      fc.property(smallTree, smallTree, (a, b) => {
        const same = JSON.stringify(treeFlatten(a).treedef) === JSON.stringify(treeFlatten(b).treedef);
        expect(firstStructureDifference(a, b, { shapes: false }) === undefined).toBe(same);
        expect(firstStructureDifference(a, b) === undefined).toBe(same);
      }),
      { numRuns: 1000 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// __proto__ and leaf-count errors

describe('treeUnflatten', () => {
  it("keeps a key named '__proto__' as an own key", () => {
    const tree = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as Tree<number>;
    expect(Object.keys(tree as object)).toEqual(['__proto__', 'a']);
    const { leaves, treedef } = treeFlatten(tree);
    expect(leaves).toEqual([1, 2]);
    expect(treePaths(tree)).toEqual(['__proto__.x', 'a']);

    const rebuilt = treeUnflatten(treedef, [10, 20]) as Record<string, unknown>;
    expect(Object.getPrototypeOf(rebuilt)).toBe(Object.prototype);
    expect(Object.hasOwn(rebuilt, '__proto__')).toBe(true);
    expect(Object.keys(rebuilt)).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(rebuilt, '__proto__')?.value).toEqual({ x: 10 });
    expect(rebuilt.a).toBe(20);
    // Nothing leaked onto Object.prototype or onto the rebuilt object's prototype chain.
    expect((rebuilt as { x?: unknown }).x).toBeUndefined();
    expect(({} as { x?: unknown }).x).toBeUndefined();

    // treeMap goes through treeUnflatten and keeps it too.
    const mapped = treeMap((v: number) => v + 1, tree) as Record<string, unknown>;
    expect(Object.hasOwn(mapped, '__proto__')).toBe(true);
    expect(Object.getOwnPropertyDescriptor(mapped, '__proto__')?.value).toEqual({ x: 2 });
    expect(Object.getPrototypeOf(mapped)).toBe(Object.prototype);
  });

  it("throws 'structure-mismatch' when given the wrong number of leaves", () => {
    const { treedef } = treeFlatten({ a: 1, b: [2, 3] });
    const few = catchDescent(() => treeUnflatten(treedef, [1, 2]));
    expect(few.code).toBe('structure-mismatch');
    expect(few.parameter).toBe('leaves');
    expect(few.value).toBe(2);
    expect(few.message).toBe('treeUnflatten: leaves must hold exactly 3 leaves for this structure, got 2');

    const many = catchDescent(() => treeUnflatten(treedef, [1, 2, 3, 4]));
    expect(many.code).toBe('structure-mismatch');
    expect(many.value).toBe(4);
    expect(many.message).toContain('got 4');

    expect(catchDescent(() => treeUnflatten(LEAF, [])).code).toBe('structure-mismatch');
    expect(catchDescent(() => treeUnflatten({ kind: 'array', children: [] }, [1])).code).toBe('structure-mismatch');
  });
});

// ---------------------------------------------------------------------------------------------
// structure checks

describe('assertSameStructure', () => {
  it('passes for the same structure and shapes, whatever the key order and values', () => {
    const a = { dense: { kernel: tf.zeros([3, 4]), bias: tf.zeros([4]) }, out: [tf.zeros([4, 1])] };
    const b = { out: [tf.ones([4, 1])], dense: { bias: tf.ones([4]), kernel: tf.ones([3, 4]) } };
    expect(() => assertSameStructure(a, b)).not.toThrow();
    expect(firstStructureDifference(a, b)).toBeUndefined();
    expect(() => assertSameStructure({ n: 1, m: [2] }, { m: [5], n: 7 })).not.toThrow();
    expect(() => assertSameStructure([], [])).not.toThrow();
    treeDispose([a, b]);
  });

  it('names the differing path and both shapes', () => {
    const a = { dense: { kernel: tf.zeros([3, 4]), bias: tf.zeros([4]) } };
    const b = { dense: { kernel: tf.zeros([4, 3]), bias: tf.zeros([4]) } };
    const e = catchDescent(() => assertSameStructure(a, b));
    expect(e.code).toBe('structure-mismatch');
    expect(e.message).toContain('dense.kernel');
    expect(e.message).toContain('[3,4]');
    expect(e.message).toContain('[4,3]');
    expect(e.message).toBe("first tree and second tree differ at 'dense.kernel': first tree is [3,4] but second tree is [4,3]");
    expect(e.parameter).toBe('first tree');
    expect(e.value).toBe('dense.kernel');
    expect(firstStructureDifference(a, b)).toEqual({ path: 'dense.kernel', a: '[3,4]', b: '[4,3]' });
    treeDispose([a, b]);
  });

  it('reports the first difference in flattening order (sorted keys, then indices)', () => {
    const a = { z: tf.zeros([1]), a: [tf.zeros([2]), tf.zeros([3])] };
    const b = { z: tf.zeros([5]), a: [tf.zeros([2]), tf.zeros([6])] };
    expect(firstStructureDifference(a, b)).toEqual({ path: 'a[1]', a: '[3]', b: '[6]' });
    expect(catchDescent(() => assertSameStructure(a, b)).message).toContain("'a[1]'");
    treeDispose([a, b]);
    // Scalars have shape [].
    const s = tf.scalar(1);
    const v = tf.zeros([1]);
    expect(firstStructureDifference(s, v)).toEqual({ path: '(root)', a: '[]', b: '[1]' });
    treeDispose([s, v]);
  });

  it('reports a missing key with the keys on each side', () => {
    const e = catchDescent(() => assertSameStructure({ dense: { kernel: 1, bias: 2 } }, { dense: { kernel: 1 } }));
    expect(e.code).toBe('structure-mismatch');
    expect(e.message).toBe(
      "first tree and second tree differ at 'dense': first tree is an object with keys {bias, kernel} but second tree is an object with keys {kernel}",
    );
    // Same number of keys, different names; at the root the path reads '(root)'.
    const r = catchDescent(() => assertSameStructure({ a: 1, b: 2 }, { a: 1, c: 2 }));
    expect(r.message).toContain("'(root)'");
    expect(r.message).toContain('{a, b}');
    expect(r.message).toContain('{a, c}');
  });

  it('reports an array length difference', () => {
    const e = catchDescent(() => assertSameStructure({ layers: [1, 2, 3] }, { layers: [1, 2] }));
    expect(e.code).toBe('structure-mismatch');
    expect(e.message).toBe("first tree and second tree differ at 'layers': first tree is an array of 3 but second tree is an array of 2");
  });

  it('reports a leaf where the other tree has a node, either way round', () => {
    const t = tf.zeros([2]);
    const e = catchDescent(() => assertSameStructure({ w: t }, { w: [t] }));
    expect(e.message).toBe("first tree and second tree differ at 'w': first tree is [2] but second tree is an array of 1");
    const f = catchDescent(() => assertSameStructure({ w: { k: 1 } }, { w: 1 }, { shapes: false }));
    expect(f.message).toBe("first tree and second tree differ at 'w': first tree is an object with keys {k} but second tree is a number");
    const g = catchDescent(() => assertSameStructure([1], { 0: 1 }, { shapes: false }));
    expect(g.message).toContain("'(root)'");
    expect(g.message).toContain('an array of 1');
    expect(g.message).toContain('an object with keys {0}');
    t.dispose();
  });

  it('ignores leaf shapes with shapes: false, but still checks structure', () => {
    const a = { dense: { kernel: tf.zeros([3, 4]) } };
    const b = { dense: { kernel: tf.zeros([4, 3]) } };
    expect(() => assertSameStructure(a, b, { shapes: false })).not.toThrow();
    expect(() => assertSameStructure({ x: 1 }, { x: a.dense.kernel }, { shapes: false })).not.toThrow();
    // With shapes (the default) a number and a tensor differ.
    expect(catchDescent(() => assertSameStructure({ x: 1 }, { x: a.dense.kernel })).message).toContain('a number but second tree is [3,4]');
    expect(catchDescent(() => assertSameStructure(a, { dense: {} }, { shapes: false })).code).toBe('structure-mismatch');
    treeDispose([a, b]);
  });

  it('does not confuse key sets that join to the same string', () => {
    // {'': 1} and {} both have key lists that join to ''; {'a\0b'} and {a, b} join to 'a\0b'.
    expect(firstStructureDifference({ '': 1 }, {}, { shapes: false })?.path).toBe('(root)');
    expect(firstStructureDifference({ a: { '': 1 } }, { a: {} }, { shapes: false })?.path).toBe('a');
    expect(catchDescent(() => assertSameStructure({ '': 1 }, {}, { shapes: false })).code).toBe('structure-mismatch');
    expect(catchDescent(() => assertSameStructure({}, { '': 1 }, { shapes: false })).code).toBe('structure-mismatch');
    // Shape checking does not rescue these: the first tree has no keys to walk.
    expect(catchDescent(() => assertSameStructure({}, { '': 1 })).code).toBe('structure-mismatch');
    expect(catchDescent(() => assertSameStructure({}, { '': [] })).code).toBe('structure-mismatch');
    expect(catchDescent(() => treeMap((a: number, b: number) => a + b, {}, { '': 1 })).code).toBe('structure-mismatch');
    expect(catchDescent(() => assertSameStructure({ 'a\u0000b': 1 }, { a: 1, b: 1 }, { shapes: false })).code).toBe('structure-mismatch');
    expect(catchDescent(() => assertSameStructure({ 'a\u0000b': 1 }, { a: 1, b: 1 })).code).toBe('structure-mismatch');
  });

  it('puts custom names and the caller in the message', () => {
    const g = { dense: { kernel: tf.zeros([3, 4]) } };
    const p = { dense: { kernel: tf.zeros([4, 3]) } };
    const e = catchDescent(() => assertSameStructure(g, p, { names: ['grads', 'params'], where: 'adam' }));
    expect(e.message).toBe("adam: grads and params differ at 'dense.kernel': grads is [3,4] but params is [4,3]");
    expect(e.parameter).toBe('grads');
    const f = catchDescent(() => assertSameStructure(g, p, { names: ['updates', 'state.mu'] }));
    expect(f.message).toBe("updates and state.mu differ at 'dense.kernel': updates is [3,4] but state.mu is [4,3]");
    treeDispose([g, p]);
  });
});

// ---------------------------------------------------------------------------------------------
// treeMap over several trees

describe('treeMap', () => {
  it('passes the leaves of two trees and the path, matching objects by key', () => {
    const calls: unknown[][] = [];
    const out = treeMap(
      (a: number, b: number, path: string) => {
        calls.push([a, b, path]);
        return a * 10 + b;
      },
      { w: [1, 2], b: 3 },
      { b: 4, w: [5, 6] },
    );
    expect(calls).toEqual([
      [3, 4, 'b'],
      [1, 5, 'w[0]'],
      [2, 6, 'w[1]'],
    ]);
    expect(out).toEqual({ b: 34, w: [15, 26] });
  });

  it('passes the leaves of three trees and the path', () => {
    const calls: unknown[][] = [];
    const out = treeMap(
      (a: number, b: number, c: number, path: string) => {
        calls.push([a, b, c, path]);
        return `${path}=${100 * a + 10 * b + c}`;
      },
      [{ x: 1 }, 2],
      [{ x: 3 }, 4],
      [{ x: 5 }, 6],
    );
    expect(calls).toEqual([
      [1, 3, 5, '[0].x'],
      [2, 4, 6, '[1]'],
    ]);
    expect(out).toEqual([{ x: '[0].x=135' }, '[1]=246']);
  });

  it('passes a bare leaf with the empty path', () => {
    const calls: unknown[][] = [];
    const out = treeMap((a: number, path: string) => {
      calls.push([a, path]);
      return a + 1;
    }, 41);
    expect(out).toBe(42);
    expect(calls).toEqual([[41, '']]);
  });

  it('throws before calling fn when the trees do not match', () => {
    let calls = 0;
    const fn = (..._args: unknown[]): number => ++calls;
    const e2 = catchDescent(() => treeMap(fn, { a: 1, b: 2 }, { a: 1 }));
    expect(e2.code).toBe('structure-mismatch');
    expect(e2.message).toMatch(/^treeMap: tree and tree #2 differ at '\(root\)'/);
    const e3 = catchDescent(() => treeMap(fn, [1, 2], [1, 2], [1, 2, 3]));
    expect(e3.code).toBe('structure-mismatch');
    expect(e3.message).toContain('tree #3');
    expect(e3.message).toContain('an array of 3');
    const a = { k: tf.zeros([2, 3]) };
    const b = { k: tf.zeros([3, 2]) };
    const es = catchDescent(() => treeMap(fn, a, b));
    expect(es.message).toBe("treeMap: tree and tree #2 differ at 'k': tree is [2,3] but tree #2 is [3,2]");
    expect(calls).toBe(0);
    treeDispose([a, b]);
  });

  it('maps tensor trees to new tensors with the right values', async () => {
    const before = tf.memory().numTensors;
    const a = { w: tf.tensor2d([1, 2, 3, 4], [2, 2]), b: [tf.tensor1d([10])] };
    const b = { b: [tf.tensor1d([0.5])], w: tf.tensor2d([-1, 0, 1, 2], [2, 2]) };
    const out = treeMap((x: tf.Tensor, y: tf.Tensor) => tf.mul(x, y), a, b) as { w: tf.Tensor; b: tf.Tensor[] };
    expect(out.w.shape).toEqual([2, 2]);
    expect(await values(out.w)).toEqual([-1, 0, 3, 8]);
    expect(await values(out.b[0] as tf.Tensor)).toEqual([5]);
    treeDispose([a, b, out]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

// ---------------------------------------------------------------------------------------------
// treeDispose

describe('treeDispose', () => {
  it('disposes every tensor leaf and ignores numbers and other leaves', () => {
    const before = tf.memory().numTensors;
    const tensors = [tf.zeros([2, 2]), tf.ones([3]), tf.scalar(5), tf.zeros([1])];
    const tree = {
      layer: { kernel: tensors[0], bias: tensors[1], scale: 0.5 },
      extra: [tensors[2], 7, null, 'label', [tensors[3]]],
      count: 3,
    } as unknown as Tree<unknown>;
    expect(tf.memory().numTensors).toBe(before + 4);
    treeDispose(tree);
    expect(tf.memory().numTensors).toBe(before);
    for (const t of tensors) expect((t as tf.Tensor).isDisposed).toBe(true);
    // Numbers and empty trees are fine.
    expect(() => treeDispose(3)).not.toThrow();
    expect(() => treeDispose({ a: [], b: {} })).not.toThrow();
  });

  it('disposes variables', () => {
    const before = tf.memory().numTensors;
    const v = tf.tidy(() => tf.variable(tf.zeros([2])));
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    treeDispose({ v });
    expect(v.isDisposed).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });
});
