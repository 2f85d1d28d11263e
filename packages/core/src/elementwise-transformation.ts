/**
 * A {@link GradientTransformation} made of one fused elementwise rule applied leaf by leaf.
 * This is how every elementwise optimizer in descent gets its fused CPU/WebGPU kernels and its
 * allocation-free in-place step for free. `chain` composes consecutive elementwise
 * transformations into one rule, so a whole optimizer (`chain(scaleByAdam(), scaleByLearningRate())`)
 * is still one kernel per parameter tensor.
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
 * What an elementwise transformation exposes so that {@link chain} can fuse it with its
 * neighbours: the rule, its per-step scalars and its slot initialiser.
 */
export interface ElementwiseStage {
  readonly rule: ElementwiseRule<string, string>;
  scalars(count: number): Record<string, number>;
  initSlot(slot: string, param: tf.Tensor): tf.Tensor;
}

/** A transformation built by {@link elementwiseTransformation}: it carries its stage. */
export type ElementwiseTransformation<S extends string> = GradientTransformation<ElementwiseState<S>> & {
  readonly elementwise: ElementwiseStage;
};

/** The initial state of one stage: count 0 and every slot initialised leaf by leaf. */
export function initElementwiseState(stage: ElementwiseStage, params: Params): ElementwiseState<string> {
  const { leaves, treedef } = treeFlatten(params as Tree<tf.Tensor>);
  const slots: Record<string, Params> = {};
  for (const s of stage.rule.state) slots[s] = treeUnflatten(treedef, leaves.map((p) => stage.initSlot(s, p))) as Params;
  return { count: 0, slots };
}

/** Per-leaf views of slot trees: `result[i][slot]` is leaf i of that slot's tree. */
function slotLeaves(names: readonly string[], slots: Record<string, Params>, n: number): Record<string, tf.Tensor>[] {
  const bySlot = names.map((s) => treeLeaves(slots[s] as Params) as tf.Tensor[]);
  return Array.from({ length: n }, (_, i) => {
    const leaf: Record<string, tf.Tensor> = {};
    names.forEach((s, k) => (leaf[s] = (bySlot[k] as tf.Tensor[])[i] as tf.Tensor));
    return leaf;
  });
}

/**
 * Applies `rule` functionally to every leaf: returns the updates tree and the new slot trees
 * (new tensors; inputs are not disposed).
 */
export function applyRuleLeafwise(
  rule: ElementwiseRule<string, string>,
  updates: Params,
  params: Params | undefined,
  slots: Record<string, Params>,
  scalars: Record<string, number>,
): { updates: Params; slots: Record<string, Params> } {
  if (rule.usesParam && params === undefined) {
    throw new DescentError('invalid-option', `${rule.name}: params are required by this rule, got undefined`, {
      parameter: 'params',
      value: undefined,
    });
  }
  if (params !== undefined) assertSameStructure(updates, params, { names: ['updates', 'params'], where: rule.name });
  const { leaves: grads, treedef } = treeFlatten(updates as Tree<tf.Tensor>);
  const ps = params === undefined ? undefined : (treeLeaves(params) as tf.Tensor[]);
  const per = slotLeaves(rule.state, slots, grads.length);
  const outs = grads.map((g, i) => rule.apply(g, ps?.[i], per[i] as Record<string, tf.Tensor>, scalars));
  const next: Record<string, Params> = {};
  for (const s of rule.state) next[s] = treeUnflatten(treedef, outs.map((o) => o.state[s] as tf.Tensor)) as Params;
  return { updates: treeUnflatten(treedef, outs.map((o) => o.update)) as Params, slots: next };
}

/**
 * Applies `rule` in place to every leaf (`param ← param + update`, slots overwritten). Returns
 * false, having touched nothing, where no fused kernel runs.
 */
export function applyRuleLeafwiseInPlace(
  rule: ElementwiseRule<string, string>,
  params: Params,
  grads: Params,
  slots: Record<string, Params>,
  scalars: Record<string, number>,
): boolean {
  const ps = treeLeaves(params) as tf.Tensor[];
  const gs = treeLeaves(grads) as tf.Tensor[];
  const per = slotLeaves(rule.state, slots, ps.length);
  for (let i = 0; i < ps.length; i++) {
    // All leaves run on one backend, so a refusal can only come first, before anything changed.
    if (!rule.applyInPlace(ps[i] as tf.Tensor, gs[i] as tf.Tensor, per[i] as Record<string, tf.Tensor>, scalars)) return false;
  }
  return true;
}

/**
 * Builds a transformation that applies `rule` to every leaf: functional `update` (fused on
 * CPU/WebGPU, tfjs ops elsewhere) and the runner's in-place step.
 */
export function elementwiseTransformation<S extends string, C extends string>(
  options: ElementwiseTransformationOptions<S, C>,
): ElementwiseTransformation<S> {
  const rule = options.rule as unknown as ElementwiseRule<string, string>;
  const stage: ElementwiseStage = {
    rule,
    scalars: (count) => options.scalars(count) as Record<string, number>,
    initSlot: (slot, p) => (options.initSlot ? options.initSlot(slot as S, p) : tf.zerosLike(p)),
  };
  return {
    elementwise: stage,
    init: (params) => initElementwiseState(stage, params) as ElementwiseState<S>,
    update(updates, state, params) {
      const scalars = stage.scalars(state.count);
      const out = applyRuleLeafwise(rule, updates, params, state.slots, scalars);
      return { updates: out.updates, state: { count: state.count + 1, slots: out.slots as { [K in S]: Params } } };
    },
    inPlace(params, grads, state) {
      const scalars = stage.scalars(state.count);
      if (!applyRuleLeafwiseInPlace(rule, params, grads, state.slots, scalars)) return undefined;
      return { count: state.count + 1, slots: state.slots };
    },
  };
}
