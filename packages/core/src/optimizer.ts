/**
 * The `Optimizer` runner: owns the optimizer state and the memory of a training loop.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, checkOneOf, invalidOption } from './errors.js';
import type { GradientTransformation } from './transform.js';
import { type Params, type Tree, assertSameStructure, firstStructureDifference, treeDispose, treeFlatten, treeLeaves, treePaths, treeUnflatten } from './tree.js';

/** Options of the {@link Optimizer} runner. */
export interface OptimizerOptions {
  /**
   * What `step` does with a NaN/±Inf gradient: `'throw'` (default) rejects the step with a
   * `non-finite` DescentError before anything changes; `'skip'` leaves params and state
   * untouched and counts it in `skippedSteps`; `'off'` does not check (no read-back).
   */
  nonFinite?: 'throw' | 'skip' | 'off';
  /** Use the transformation's fused in-place step where it has one (default true). */
  inPlace?: boolean;
}

/** A state dict: what {@link Optimizer.stateDict} returns and {@link Optimizer.loadStateDict} takes. */
export interface OptimizerStateDict {
  format: 'descent-optimizer';
  version: 1;
  stepCount: number;
  state: Tree<unknown>;
}

function isTensor(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor;
}

/**
 * A copy that owns fresh storage, made on the device (`tf.clone` shares storage, which in-place
 * kernels would write through). Multiplying by one is exact for every float32 (−0 and NaN
 * included) and int32 value.
 */
function ownedCopy(t: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    t.dtype === 'bool' ? tf.cast(tf.mul(tf.cast(t, 'int32'), tf.scalar(1, 'int32')), 'bool') : tf.mul(t, tf.scalar(1, t.dtype)),
  );
}

function stateTensors(state: unknown): tf.Tensor[] {
  return (treeLeaves(state as Tree<unknown>) as unknown[]).filter(isTensor);
}

function finiteFlags(grads: tf.Tensor[]): tf.Tensor {
  return tf.tidy(() => tf.stack(grads.map((g) => tf.cast(tf.all(tf.isFinite(g)), 'int32'))));
}

function firstNonFinite(grads: tf.Tensor[], paths: string[]): string | undefined {
  if (tf.getBackend() === 'cpu') {
    const backend = tf.backend() as unknown as { data: { get(id: object): { values: unknown } } };
    for (let i = 0; i < grads.length; i++) {
      const values = backend.data.get((grads[i] as tf.Tensor).dataId).values as Float32Array;
      for (let j = 0; j < values.length; j++) {
        const v = values[j] as number;
        if (v - v !== 0) return paths[i];
      }
    }
    return undefined;
  }
  const flags = finiteFlags(grads);
  let values: ArrayLike<number>;
  try {
    values = flags.dataSync();
  } catch (e) {
    throw new DescentError(
      'unsupported',
      `Optimizer.step: the non-finite gradient check needs a synchronous read-back, which backend '${tf.getBackend()}' lacks here ` +
        `(${(e as Error).message}); use await opt.stepAsync(grads), or options.nonFinite 'off'`,
      { parameter: 'options.nonFinite', value: 'throw' },
    );
  } finally {
    flags.dispose();
  }
  const bad = Array.from(values).findIndex((f) => f === 0);
  return bad < 0 ? undefined : paths[bad];
}

async function firstNonFiniteAsync(grads: tf.Tensor[], paths: string[]): Promise<string | undefined> {
  if (tf.getBackend() === 'cpu') return firstNonFinite(grads, paths);
  const flags = finiteFlags(grads);
  const values = await flags.data();
  flags.dispose();
  const bad = Array.from(values).findIndex((f) => f === 0);
  return bad < 0 ? undefined : paths[bad];
}

/**
 * Runs a {@link GradientTransformation} on a tree of `tf.Variable`s and owns all the memory:
 *
 * ```ts
 * const opt = new Optimizer(heavyBall({ learningRate: 0.1 }), { w, b });
 * for (let i = 0; i < 100; i++) opt.minimize(() => loss(w, b));   // or opt.step(grads)
 * ```
 *
 * - `step(grads)` applies one update to the variables and frees the previous state; with a
 *   fused transformation on CPU/WebGPU it updates variables and state in place (no allocation).
 * - `tf.memory().numTensors` stays flat across steps (tested).
 * - The runner gives each variable its own storage on construction, so tensors the variables
 *   were created from are not written through; tensors later derived from a variable by
 *   `reshape`/`clone` share its storage and see in-place updates, like views in PyTorch.
 */
export class Optimizer<S = unknown> {
  readonly transform: GradientTransformation<S>;
  readonly variables: Tree<tf.Variable>;
  /** Steps applied so far. */
  get stepCount(): number {
    return this.steps;
  }
  /** Steps skipped because of non-finite gradients (with `nonFinite: 'skip'`). */
  get skippedSteps(): number {
    return this.skipped;
  }

  private state: S;
  private steps = 0;
  private skipped = 0;
  private readonly leaves: tf.Variable[];
  private readonly paths: string[];
  private readonly nonFinite: 'throw' | 'skip' | 'off';
  private readonly inPlace: boolean;
  private disposed = false;

  constructor(transform: GradientTransformation<S>, variables: Tree<tf.Variable>, options: OptimizerOptions = {}) {
    const where = 'Optimizer';
    if (transform === null || typeof transform !== 'object' || typeof transform.init !== 'function' || typeof transform.update !== 'function') {
      invalidOption(where, 'transform', transform, 'a GradientTransformation ({ init, update })');
    }
    this.nonFinite = checkOneOf(where, 'options.nonFinite', options.nonFinite ?? 'throw', ['throw', 'skip', 'off'] as const);
    this.inPlace = options.inPlace ?? true;
    this.transform = transform;
    this.variables = variables;
    this.leaves = treeLeaves(variables) as tf.Variable[];
    this.paths = treePaths(variables);
    this.leaves.forEach((v, i) => {
      if (!(v instanceof tf.Variable)) invalidOption(where, `variables.${this.paths[i] || '(root)'}`, v, 'a tf.Variable');
      if (v.dtype !== 'float32') {
        throw new DescentError('invalid-dtype', `${where}: variables.${this.paths[i] || '(root)'} must be float32, got ${v.dtype}`, {
          parameter: `variables.${this.paths[i]}`,
          value: v.dtype,
        });
      }
    });
    if (new Set(this.leaves).size !== this.leaves.length) {
      invalidOption(where, 'variables', 'a tree listing one variable twice', 'each variable at most once');
    }
    // Give every variable storage of its own (tf.variable(t) shares t's storage).
    for (const v of this.leaves) {
      const own = ownedCopy(v);
      v.assign(own);
      own.dispose();
    }
    this.state = this.ownState(tf.tidy(() => transform.init(variables as Params) as unknown as tf.TensorContainer) as unknown as S);
    for (const t of stateTensors(this.state)) tf.keep(t);
  }

  /** State tensors must own their storage too: copy any that alias a variable or each other. */
  private ownState(state: S): S {
    const seen = new Set<object>(this.leaves.map((v) => v.dataId));
    const { leaves, treedef } = treeFlatten(state as Tree<unknown>);
    const owned = leaves.map((leaf) => {
      if (!isTensor(leaf)) return leaf;
      if (!seen.has(leaf.dataId)) {
        seen.add(leaf.dataId);
        return leaf;
      }
      const copy = ownedCopy(leaf);
      seen.add(copy.dataId);
      return copy;
    });
    return treeUnflatten(treedef, owned) as S;
  }

  private checkAlive(where: string): void {
    if (this.disposed) throw new DescentError('unsupported', `Optimizer.${where}: the optimizer was disposed`, {});
  }

  /**
   * Applies one update from `grads` (a tree shaped like the variables). Returns true when
   * applied, false when skipped (`nonFinite: 'skip'`). Does not dispose `grads`.
   */
  step(grads: Params): boolean {
    const gradLeaves = this.validateGrads('step', grads);
    const bad = this.nonFinite === 'off' ? undefined : firstNonFinite(gradLeaves, this.paths);
    return this.applyChecked('step', grads, bad);
  }

  /**
   * `step` for backends without synchronous read-back (WebGPU in Node): the non-finite check
   * awaits the device instead of blocking. Same semantics and return value.
   */
  async stepAsync(grads: Params): Promise<boolean> {
    const gradLeaves = this.validateGrads('stepAsync', grads);
    const bad = this.nonFinite === 'off' ? undefined : await firstNonFiniteAsync(gradLeaves, this.paths);
    return this.applyChecked('stepAsync', grads, bad);
  }

  private validateGrads(where: string, grads: Params): tf.Tensor[] {
    this.checkAlive(where);
    assertSameStructure(grads, this.variables, { names: ['grads', 'variables'], where: `Optimizer.${where}` });
    const gradLeaves = treeLeaves(grads) as tf.Tensor[];
    gradLeaves.forEach((g, i) => {
      if (!isTensor(g) || g.dtype !== 'float32') {
        throw new DescentError('invalid-dtype', `Optimizer.${where}: grads.${this.paths[i]} must be a float32 tensor, got ${isTensor(g) ? g.dtype : typeof g}`, {
          parameter: `grads.${this.paths[i]}`,
          value: isTensor(g) ? g.dtype : g,
        });
      }
    });
    return gradLeaves;
  }

  private applyChecked(where: string, grads: Params, nonFinitePath: string | undefined): boolean {
    if (nonFinitePath !== undefined) {
      if (this.nonFinite === 'skip') {
        this.skipped++;
        return false;
      }
      throw new DescentError('non-finite', `Optimizer.${where}: grads.${nonFinitePath || '(root)'} contains NaN or Infinity; nothing was applied`, {
        parameter: `grads.${nonFinitePath}`,
        value: 'non-finite',
      });
    }
    if (this.inPlace && this.transform.inPlace) {
      const next = this.transform.inPlace(this.variables as Params, grads, this.state);
      if (next !== undefined) {
        this.replaceState(next);
        this.steps++;
        return true;
      }
    }
    const params = this.variables as Params;
    const out = tf.tidy(() => {
      const { updates, state } = this.transform.update(grads, this.state, params);
      const ups = treeLeaves(updates) as tf.Tensor[];
      this.leaves.forEach((v, i) => v.assign(tf.add(v, ups[i] as tf.Tensor)));
      return state as unknown as tf.TensorContainer;
    }) as unknown as S;
    this.replaceState(out);
    this.steps++;
    return true;
  }

  private replaceState(next: S): void {
    // tf.keep: a step taken inside the caller's tf.tidy must not lose the state when that tidy ends.
    const keep = new Set(stateTensors(next).map((t) => tf.keep(t)));
    for (const t of stateTensors(this.state)) if (!keep.has(t)) t.dispose();
    this.state = next;
  }

  /**
   * Computes `lossFn`'s value and gradients with respect to the variables, applies a step and
   * returns the loss as a number (one device read-back). Intermediate tensors are freed.
   */
  minimize(lossFn: () => tf.Scalar): number {
    const { value, grads } = this.valueAndGrads('minimize', lossFn);
    try {
      this.step(grads);
      return value.dataSync()[0] as number;
    } finally {
      value.dispose();
      treeDispose(grads);
    }
  }

  /** `minimize` for backends without synchronous read-back (see {@link stepAsync}). */
  async minimizeAsync(lossFn: () => tf.Scalar): Promise<number> {
    const { value, grads } = this.valueAndGrads('minimizeAsync', lossFn);
    try {
      await this.stepAsync(grads);
      return (await value.data())[0] as number;
    } finally {
      value.dispose();
      treeDispose(grads);
    }
  }

  private valueAndGrads(where: string, lossFn: () => tf.Scalar): { value: tf.Scalar; grads: Params } {
    this.checkAlive(where);
    if (typeof lossFn !== 'function') invalidOption(`Optimizer.${where}`, 'lossFn', lossFn, 'a function returning a scalar tensor');
    const { value, grads } = tf.variableGrads(lossFn, this.leaves);
    const gradTree = treeUnflatten(treeFlatten(this.variables).treedef, this.leaves.map((v) => grads[v.name] as tf.Tensor)) as Params;
    return { value, grads: gradTree };
  }

  /** The current state (live tensors owned by the optimizer: read, never dispose or write). */
  get currentState(): S {
    return this.state;
  }

  /**
   * A snapshot of the optimizer (step count and a copy of the state) that you own: dispose its
   * tensors with `treeDispose(dict.state)`, or serialise it with `serializeState`.
   */
  stateDict(): OptimizerStateDict {
    this.checkAlive('stateDict');
    const { leaves, treedef } = treeFlatten(this.state as Tree<unknown>);
    return {
      format: 'descent-optimizer',
      version: 1,
      stepCount: this.steps,
      state: treeUnflatten(treedef, leaves.map((l) => (isTensor(l) ? ownedCopy(l) : l))),
    };
  }

  /**
   * Restores a {@link stateDict}. Validates first — format, structure, shapes and dtypes against
   * the current state — and throws a `checkpoint-mismatch` DescentError naming the first
   * difference; nothing changes unless everything fits. The dict's tensors are copied, not taken.
   */
  loadStateDict(dict: OptimizerStateDict): void {
    this.checkAlive('loadStateDict');
    const where = 'Optimizer.loadStateDict';
    if (dict === null || typeof dict !== 'object' || dict.format !== 'descent-optimizer' || dict.version !== 1) {
      throw new DescentError('checkpoint-mismatch', `${where}: dict must be a descent-optimizer state dict of version 1, got ${JSON.stringify({ format: (dict as OptimizerStateDict | null)?.format, version: (dict as OptimizerStateDict | null)?.version })}`, {
        parameter: 'dict',
        value: dict,
      });
    }
    if (!Number.isInteger(dict.stepCount) || dict.stepCount < 0) {
      throw new DescentError('checkpoint-mismatch', `${where}: dict.stepCount must be an integer >= 0, got ${String(dict.stepCount)}`, {
        parameter: 'dict.stepCount',
        value: dict.stepCount,
      });
    }
    const diff = firstStructureDifference(dict.state, this.state, { shapes: true });
    if (diff) {
      throw new DescentError('checkpoint-mismatch', `${where}: state differs at '${diff.path}': the dict has ${diff.a} but this optimizer has ${diff.b}`, {
        parameter: diff.path,
        value: diff.a,
      });
    }
    const mine = treeLeaves(this.state as Tree<unknown>);
    const theirs = treeLeaves(dict.state);
    const paths = treePaths(this.state as Tree<unknown>);
    theirs.forEach((l, i) => {
      const m = mine[i];
      if (isTensor(m) !== isTensor(l) || (isTensor(m) && isTensor(l) && m.dtype !== l.dtype) || (!isTensor(m) && typeof m !== typeof l)) {
        const kind = (x: unknown) => (isTensor(x) ? `a ${x.dtype} tensor` : typeof x);
        throw new DescentError('checkpoint-mismatch', `${where}: state.${paths[i]} is ${kind(l)} in the dict but ${kind(m)} here`, {
          parameter: paths[i],
          value: kind(l),
        });
      }
    });
    const { treedef } = treeFlatten(this.state as Tree<unknown>);
    const next = treeUnflatten(treedef, theirs.map((l) => (isTensor(l) ? tf.keep(ownedCopy(l)) : l))) as S;
    for (const t of stateTensors(this.state)) t.dispose();
    this.state = next;
    this.steps = dict.stepCount;
  }

  /** Frees the optimizer state (not the variables). */
  dispose(): void {
    if (this.disposed) return;
    for (const t of stateTensors(this.state)) t.dispose();
    this.disposed = true;
  }
}
