/**
 * Test support for the wrapper transformations: run `update` functionally with owned memory
 * (as a training loop would) and read trees back without synchronous read-backs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import {
  type GradientTransformation,
  Optimizer,
  type OptimizerOptions,
  type OptimizerStateDict,
  type Params,
  type Tree,
  applyUpdates,
  deserializeState,
  serializeStateAsync,
  treeDispose,
  treeLeaves,
  treeMap,
} from '@descent/core';

/** The values of every tensor leaf of a tree, in flattening order (`await data()`, never `dataSync`). */
export async function readLeaves(tree: unknown): Promise<number[][]> {
  const leaves = (treeLeaves(tree as Tree<unknown>) as unknown[]).filter((l): l is tf.Tensor => l instanceof tf.Tensor);
  return Promise.all(leaves.map(async (t) => Array.from(await t.data())));
}

/** The float32 bit patterns of every float32 tensor leaf (for bit-identity checks). */
export async function readBits(tree: unknown): Promise<number[][]> {
  const leaves = (treeLeaves(tree as Tree<unknown>) as unknown[]).filter((l): l is tf.Tensor => l instanceof tf.Tensor);
  return Promise.all(
    leaves.map(async (t) => {
      const d = await t.data();
      return d instanceof Float32Array ? Array.from(new Uint32Array(d.buffer, d.byteOffset, d.length)) : Array.from(d as ArrayLike<number>);
    }),
  );
}

/** Disposes the tensor leaves of `old` that `next` does not hold (state passed through stays alive). */
export function disposeReplaced(old: unknown, next: unknown): void {
  const kept = new Set<unknown>(treeLeaves(next as Tree<unknown>));
  for (const t of treeLeaves(old as Tree<unknown>)) if (t instanceof tf.Tensor && !kept.has(t)) t.dispose();
}

/**
 * A functional training loop: `init`, then one `update` + `applyUpdates` per step inside
 * `tf.tidy`, freeing what each step replaces. `grads(t, params)` gives step t's gradients (owned
 * by the loop); `onStep` sees each step's updates and state before they are freed.
 */
export class FunctionalLoop<S> {
  params: Params;
  state: S;
  constructor(
    readonly transform: GradientTransformation<S>,
    params: Params,
  ) {
    this.params = params;
    this.state = tf.tidy(() => transform.init(params) as unknown as tf.TensorContainer) as unknown as S;
  }

  /** One step; returns the values of the updates it applied (freed afterwards). */
  async step(grads: Params): Promise<number[][]> {
    const out = tf.tidy(() => {
      const { updates, state } = this.transform.update(grads, this.state, this.params);
      return { updates: updates as tf.TensorContainer, params: applyUpdates(this.params, updates) as tf.TensorContainer, state: state as tf.TensorContainer };
    }) as unknown as { updates: Params; params: Params; state: S };
    disposeReplaced(this.state, out.state);
    disposeReplaced(this.params, out.params);
    this.params = out.params;
    this.state = out.state;
    const values = await readLeaves(out.updates);
    disposeReplaced(out.updates, [this.params, this.state]);
    return values;
  }

  dispose(): void {
    disposeReplaced([this.params, this.state], []);
  }
}

/**
 * The checkpoint contract for a transformation: 10 runner steps, `stateDict` → bytes → a fresh
 * optimizer (variables set to the same values) → 10 more steps equals 20 steps straight, bit for
 * bit. `params()` makes fresh initial values; `gradsAt(t)` step t's gradients (owned by the caller
 * here). `prepare` runs on the two optimizers that start from `init` (not on the resumed one).
 */
export async function expectCheckpointResumes(
  make: () => GradientTransformation<any>,
  params: () => Params,
  gradsAt: (t: number) => Params,
  options: OptimizerOptions = {},
  prepare: (opt: Optimizer<any>) => void = () => undefined,
): Promise<void> {
  const toVariables = (p: () => Params) =>
    tf.tidy(() => treeMap((t: tf.Tensor) => tf.variable(t), p()) as unknown as tf.TensorContainer) as unknown as Tree<tf.Variable>;
  const straightVars = toVariables(params);
  const straight = new Optimizer(make(), straightVars, options);
  const firstVars = toVariables(params);
  const first = new Optimizer(make(), firstVars, options);
  prepare(straight);
  prepare(first);
  for (let t = 0; t < 10; t++) {
    const g = gradsAt(t);
    await straight.stepAsync(g);
    await first.stepAsync(g);
    treeDispose(g);
  }
  const dict = first.stateDict();
  const bytes = await serializeStateAsync(dict as never);
  treeDispose(dict.state);
  const restored = deserializeState(bytes) as unknown as OptimizerStateDict;
  const resumedVars = toVariables(() => treeMap((v: tf.Tensor) => tf.mul(v, 1), firstVars as Params) as Params);
  const resumed = new Optimizer(make(), resumedVars, options);
  resumed.loadStateDict(restored);
  treeDispose(restored.state);
  expect(resumed.stepCount).toBe(10);
  for (let t = 10; t < 20; t++) {
    const g = gradsAt(t);
    await straight.stepAsync(g);
    await resumed.stepAsync(g);
    treeDispose(g);
  }
  expect(await readBits(resumedVars)).toEqual(await readBits(straightVars));
  for (const o of [straight, first, resumed]) o.dispose();
  treeDispose([straightVars, firstVars, resumedVars]);
}
