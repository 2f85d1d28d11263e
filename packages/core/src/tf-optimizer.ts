/**
 * `asTfOptimizer`: any descent transformation as a `tf.Optimizer`, for tfjs-layers'
 * `model.compile({ optimizer })` and `model.fit`.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { DescentError, invalidOption } from './errors.js';
import type { GradientTransformation } from './transform.js';
import { type Params, type Tree, treeFlatten, treeLeaves, treePaths, treeUnflatten } from './tree.js';

/** Options of {@link asTfOptimizer}. */
export interface TfOptimizerOptions {
  /**
   * How to rebuild the transformation from `config` when tfjs deserialises a saved model's
   * optimizer (`fromConfig`). Give a `name` to register it.
   */
  factory?: (config: tf.serialization.ConfigDict) => GradientTransformation<any>;
  /** Registry name of `factory`; stored in `getConfig()` so `fromConfig` finds the factory. */
  name?: string;
  /** JSON-able options describing the transformation (returned by `getConfig()`). */
  config?: tf.serialization.ConfigDict;
}

/** A named tensor, as tfjs optimizers exchange weights. */
export interface NamedTensor {
  name: string;
  tensor: tf.Tensor;
}

function keepAll(tree: unknown): void {
  for (const t of treeLeaves(tree as Tree<unknown>)) if (t instanceof tf.Tensor) tf.keep(t);
}

const factories = new Map<string, (config: tf.serialization.ConfigDict) => GradientTransformation<any>>();

/**
 * A `tf.Optimizer` that runs a descent {@link GradientTransformation}. Registered with
 * tfjs's serialization registry as `DescentOptimizer`.
 */
export class DescentTfOptimizer extends tf.Optimizer {
  /** tfjs serialization class name (a static string survives minification). */
  static className = 'DescentOptimizer';
  private readonly transform: GradientTransformation<any>;
  private readonly options: TfOptimizerOptions;
  private names: string[] | undefined;
  private state: unknown;

  constructor(transform: GradientTransformation<any>, options: TfOptimizerOptions = {}) {
    super();
    this.transform = transform;
    this.options = options;
  }

  /** Variables by name, as tfjs passes gradients (`{ name: grad }` or `[{ name, tensor }]`). */
  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const entries: [string, tf.Tensor][] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    const names = entries.map(([n]) => n).sort();
    const registered = tf.engine().registeredVariables;
    const params: Record<string, tf.Variable> = {};
    const grads: Record<string, tf.Tensor> = {};
    for (const [name, g] of entries) {
      const v = registered[name];
      if (v === undefined) invalidOption('DescentTfOptimizer.applyGradients', `variableGradients['${name}']`, name, 'the name of a registered tf.Variable');
      params[name] = v;
      grads[name] = g;
    }
    if (this.names === undefined) {
      this.names = names;
      this.state = tf.tidy(() => this.transform.init(params as Params) as unknown as tf.TensorContainer);
      keepAll(this.state);
      if (this.pending !== undefined) {
        this.restore(this.pending);
        this.disposePending();
      }
    } else if (names.join('\u0000') !== this.names.join('\u0000')) {
      throw new DescentError(
        'structure-mismatch',
        `DescentTfOptimizer.applyGradients: variableGradients must name the same variables on every call (first call: ${this.names.length}, now: ${names.length})`,
        { parameter: 'variableGradients', value: names },
      );
    }
    const previous = this.state;
    this.state = tf.tidy(() => {
      const { updates, state } = this.transform.update(grads as Params, previous, params as Params);
      const ups = updates as Record<string, tf.Tensor>;
      for (const name of names) (params[name] as tf.Variable).assign(tf.add(params[name] as tf.Variable, ups[name] as tf.Tensor));
      return state as tf.TensorContainer;
    });
    // tfjs-layers calls minimize inside its own tf.tidy: keep the state past that scope.
    keepAll(this.state);
    const keep = new Set(treeLeaves(this.state as Tree<unknown>));
    for (const t of treeLeaves(previous as Tree<unknown>)) if (t instanceof tf.Tensor && !keep.has(t)) t.dispose();
    this.incrementIterations();
  }

  /** `{ name?, ...config }` as given to {@link asTfOptimizer}. */
  override getConfig(): tf.serialization.ConfigDict {
    return { ...(this.options.config ?? {}), ...(this.options.name ? { descentFactory: this.options.name } : {}) };
  }

  /** Rebuilds from `getConfig()` through a factory registered by {@link asTfOptimizer}. */
  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    const name = config.descentFactory;
    const factory = typeof name === 'string' ? factories.get(name) : undefined;
    if (factory === undefined) {
      throw new DescentError(
        'unsupported',
        `DescentTfOptimizer.fromConfig: config.descentFactory must name a factory registered with asTfOptimizer(transform, { name, factory }), got ${String(name)}`,
        { parameter: 'config.descentFactory', value: name },
      );
    }
    const { descentFactory: _ignored, ...rest } = config;
    return new (cls as unknown as typeof DescentTfOptimizer)(factory(rest), { name: name as string, factory, config: rest }) as unknown as T;
  }

  /**
   * The iteration count and the state: every tensor leaf as `state/<path>`, every number leaf
   * (step counts) as a scalar tensor `number/<path>` (int32 when integral), so a restored
   * optimizer continues with the right bias corrections.
   */
  override async getWeights(): Promise<NamedTensor[]> {
    const weights: NamedTensor[] = [await this.saveIterations()];
    if (this.state === undefined) return weights;
    const leaves = treeLeaves(this.state as Tree<unknown>);
    const paths = treePaths(this.state as Tree<unknown>);
    leaves.forEach((l, i) => {
      if (l instanceof tf.Tensor) weights.push({ name: `state/${paths[i]}`, tensor: tf.clone(l) });
      else if (typeof l === 'number') weights.push({ name: `number/${paths[i]}`, tensor: tf.scalar(l, Number.isInteger(l) ? 'int32' : 'float32') });
    });
    return weights;
  }

  /**
   * Restores weights from {@link getWeights}. Before the first step (e.g. right after
   * `tf.loadLayersModel`) the state has no structure yet: the weights are kept and applied
   * right after the state is initialised on the first `applyGradients`.
   */
  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    if (rest.length === 0) return;
    const values = await Promise.all(rest.map(async (w) => ({ name: w.name, tensor: w.tensor, value: w.name.startsWith('number/') ? ((await w.tensor.data())[0] as number) : undefined })));
    if (this.state === undefined) {
      this.disposePending();
      this.pending = values.map((w) => ({ ...w, tensor: tf.keep(tf.clone(w.tensor)) }));
      return;
    }
    this.restore(values);
  }

  private pending: { name: string; tensor: tf.Tensor; value: number | undefined }[] | undefined;

  private disposePending(): void {
    for (const w of this.pending ?? []) w.tensor.dispose();
    this.pending = undefined;
  }

  /**
   * Restores state leaves by position (as tfjs's own optimizers do): variable names change when
   * a model is loaded again (`dense_Dense1/kernel` → `dense_Dense2/kernel`), their order does not.
   */
  private restore(weights: { name: string; tensor: tf.Tensor; value: number | undefined }[]): void {
    const { leaves, treedef } = treeFlatten(this.state as Tree<unknown>);
    const paths = treePaths(this.state as Tree<unknown>);
    const stored = leaves.filter((l) => l instanceof tf.Tensor || typeof l === 'number').length;
    if (weights.length !== stored) {
      throw new DescentError('checkpoint-mismatch', `DescentTfOptimizer.setWeights: weightValues must hold ${stored} state weights, got ${weights.length}`, {
        parameter: 'weightValues',
        value: weights.length,
      });
    }
    let k = 0;
    const next = leaves.map((l, i) => {
      if (!(l instanceof tf.Tensor) && typeof l !== 'number') return l;
      const w = weights[k++] as { name: string; tensor: tf.Tensor; value: number | undefined };
      const ok = typeof l === 'number' ? w.value !== undefined : w.value === undefined && tf.util.arraysEqual(w.tensor.shape, l.shape);
      if (!ok) {
        throw new DescentError('checkpoint-mismatch', `DescentTfOptimizer.setWeights: weight '${w.name}' does not fit state leaf '${paths[i]}'`, {
          parameter: w.name,
          value: w.tensor.shape,
        });
      }
      return typeof l === 'number' ? (w.value as number) : w.tensor;
    });
    for (const l of leaves) if (l instanceof tf.Tensor) l.dispose();
    this.state = treeUnflatten(treedef, next.map((t) => (t instanceof tf.Tensor ? tf.keep(tf.clone(t)) : t)));
  }

  override dispose(): void {
    this.disposePending();
    for (const t of treeLeaves((this.state ?? {}) as Tree<unknown>)) if (t instanceof tf.Tensor) t.dispose();
    this.state = undefined;
    this.names = undefined;
    super.dispose();
  }
}

tf.serialization.registerClass(DescentTfOptimizer);

/**
 * Wraps a transformation as a `tf.Optimizer` (a {@link DescentTfOptimizer}) for tfjs-layers:
 * `model.compile({ optimizer: asTfOptimizer(heavyBall({ learningRate: 0.1 })), loss })`.
 * Pass `{ name, factory, config }` to make a saved model's optimizer loadable by `fromConfig`.
 */
export function asTfOptimizer(transform: GradientTransformation<any>, options: TfOptimizerOptions = {}): DescentTfOptimizer {
  if (transform === null || typeof transform !== 'object' || typeof transform.init !== 'function' || typeof transform.update !== 'function') {
    invalidOption('asTfOptimizer', 'transform', transform, 'a GradientTransformation ({ init, update })');
  }
  if (options.factory !== undefined) {
    if (typeof options.name !== 'string' || options.name.length === 0) {
      invalidOption('asTfOptimizer', 'options.name', options.name, 'a non-empty string when options.factory is given');
    }
    factories.set(options.name, options.factory);
  }
  return new DescentTfOptimizer(transform, options);
}
