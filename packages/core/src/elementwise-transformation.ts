/**
 * A {@link GradientTransformation} made of one fused elementwise rule applied leaf by leaf.
 * This is how every elementwise optimizer in descent gets its fused CPU/WebGPU kernels and its
 * allocation-free in-place step for free.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ElementwiseRule } from './elementwise-rule.js';
import { DescentError } from './errors.js';
import type { GradientTransformation } from './transform.js';
import { type Params, type Tree, assertSameStructure, treeFlatten, treeLeaves, treeUnflatten } from './tree.js';

/** State of an {@link elementwiseTransformation}: the step count and one tree per state slot. */
export interface ElementwiseState<S extends string> {
  /** Steps taken so far (a host number: schedules need no device read-back). */
  count: number;
  /** One tree per slot, shaped like the params. */
  slots: { [K in S]: Params };
}

/** Options of {@link elementwiseTransformation}. */
export interface ElementwiseTransformationOptions<S extends string, C extends string> {
  /** The rule, from `defineElementwiseRule`. */
  rule: ElementwiseRule<S, C>;
  /**
   * The rule's scalars for the step about to be taken; `count` is the number of steps already
   * taken (0 on the first). Validate schedule values here: it runs before any tensor changes.
   */
  scalars(count: number): { [K in C]: number };
  /** Initial value of a slot for one parameter (default: zeros like the parameter). */
  initSlot?(slot: S, param: tf.Tensor): tf.Tensor;
}

/**
 * Builds a transformation that applies `rule` to every leaf: functional `update` (fused on
 * CPU/WebGPU, tfjs ops elsewhere) and the runner's in-place step.
 */
export function elementwiseTransformation<S extends string, C extends string>(
  options: ElementwiseTransformationOptions<S, C>,
): GradientTransformation<ElementwiseState<S>> {
  const { rule } = options;
  const initSlot = options.initSlot ?? ((_slot: S, p: tf.Tensor) => tf.zerosLike(p));

  const slotLeaves = (state: ElementwiseState<S>, n: number): { [K in S]: tf.Tensor }[] => {
    const bySlot = rule.state.map((s) => treeLeaves(state.slots[s]) as tf.Tensor[]);
    return Array.from({ length: n }, (_, i) => {
      const leaf = {} as { [K in S]: tf.Tensor };
      rule.state.forEach((s, k) => (leaf[s] = (bySlot[k] as tf.Tensor[])[i] as tf.Tensor));
      return leaf;
    });
  };

  return {
    init(params) {
      const { leaves, treedef } = treeFlatten(params as Tree<tf.Tensor>);
      const slots = {} as { [K in S]: Params };
      for (const s of rule.state) slots[s] = treeUnflatten(treedef, leaves.map((p) => initSlot(s, p)));
      return { count: 0, slots };
    },
    update(updates, state, params) {
      if (rule.usesParam && params === undefined) {
        throw new DescentError('invalid-option', `${rule.name}: params are required by this rule, got undefined`, {
          parameter: 'params',
          value: undefined,
        });
      }
      if (params !== undefined) assertSameStructure(updates, params, { names: ['updates', 'params'], where: rule.name });
      const scalars = options.scalars(state.count);
      const { leaves: grads, treedef } = treeFlatten(updates as Tree<tf.Tensor>);
      const ps = params === undefined ? undefined : (treeLeaves(params) as tf.Tensor[]);
      const per = slotLeaves(state, grads.length);
      const outs = grads.map((g, i) => rule.apply(g, ps?.[i], per[i] as { [K in S]: tf.Tensor }, scalars));
      const slots = {} as { [K in S]: Params };
      for (const s of rule.state) slots[s] = treeUnflatten(treedef, outs.map((o) => o.state[s]));
      return { updates: treeUnflatten(treedef, outs.map((o) => o.update)), state: { count: state.count + 1, slots } };
    },
    inPlace(params, grads, state) {
      const scalars = options.scalars(state.count);
      const ps = treeLeaves(params) as tf.Tensor[];
      const gs = treeLeaves(grads) as tf.Tensor[];
      const per = slotLeaves(state, ps.length);
      for (let i = 0; i < ps.length; i++) {
        // All leaves run on one backend, so a refusal can only come first, before anything changed.
        if (!rule.applyInPlace(ps[i] as tf.Tensor, gs[i] as tf.Tensor, per[i] as { [K in S]: tf.Tensor }, scalars)) return undefined;
      }
      return { count: state.count + 1, slots: state.slots };
    },
  };
}
