/**
 * Fusing a chain of elementwise transformations into one rule.
 *
 * `chain(scaleByAdam(), addDecayedWeights(λ), scaleByLearningRate(γ))` is three transformations
 * to the reader and to the state tree, but one kernel per parameter tensor at run time: the
 * stages' bodies are composed symbolically (the update of stage i is the gradient of stage
 * i + 1) into a single rule whose state slots and scalars are the stages' own, prefixed with
 * the stage index. The chain's state stays the array of the stages' states, so a fused chain
 * and the same stages run one by one have identical states (and checkpoints).
 *
 * @packageDocumentation
 */
import { type ElementwiseRule, type RuleInputs, type RuleOutputs, defineElementwiseRule } from './elementwise-rule.js';
import type { ElementwiseStage, ElementwiseState } from './elementwise-transformation.js';
import type { Expr } from './elementwise-expr.js';
import type { Params } from './tree.js';

const composites = new Map<string, ElementwiseRule<string, string>>();

const slotName = (stage: number, slot: string): string => `${stage}.${slot}`;

/** The rule of stages run in sequence (cached by the stages' rule names, which include their variants). */
export function composeStageRules(stages: readonly ElementwiseStage[]): ElementwiseRule<string, string> {
  const name = `chain(${stages.map((s) => s.rule.name).join(', ')})`;
  const cached = composites.get(name);
  if (cached) return cached;
  const rule = defineElementwiseRule<string, string>({
    name,
    state: stages.flatMap((st, i) => st.rule.state.map((s) => slotName(i, s))),
    scalars: stages.flatMap((st, i) => st.rule.scalars.map((c) => slotName(i, c))),
    body: (x, sc, op) => {
      let update: Expr = x.grad;
      const out: Record<string, Expr> = {};
      stages.forEach((st, i) => {
        const xi: Record<string, Expr> = { grad: update, param: x.param };
        for (const s of st.rule.state) xi[s] = x[slotName(i, s)] as Expr;
        const si: Record<string, Expr> = {};
        for (const c of st.rule.scalars) si[c] = sc[slotName(i, c)] as Expr;
        const o = st.rule.spec.body(xi as RuleInputs<string>, si, op) as Record<string, Expr>;
        update = o.update as Expr;
        for (const s of st.rule.state) out[slotName(i, s)] = o[s] as Expr;
      });
      return { ...out, update } as RuleOutputs<string>;
    },
  });
  composites.set(name, rule);
  return rule;
}

/** The composite rule's scalars for the stages' next step (each stage validates its own). */
export function composeStageScalars(stages: readonly ElementwiseStage[], states: readonly ElementwiseState<string>[]): Record<string, number> {
  const out: Record<string, number> = {};
  stages.forEach((st, i) => {
    const s = st.scalars((states[i] as ElementwiseState<string>).count);
    for (const c of st.rule.scalars) out[slotName(i, c)] = s[c] as number;
  });
  return out;
}

/** The stages' slot trees under the composite rule's slot names. */
export function composeStageSlots(stages: readonly ElementwiseStage[], states: readonly ElementwiseState<string>[]): Record<string, Params> {
  const out: Record<string, Params> = {};
  stages.forEach((st, i) => {
    for (const s of st.rule.state) out[slotName(i, s)] = (states[i] as ElementwiseState<string>).slots[s] as Params;
  });
  return out;
}

/** Splits composite slot trees back into the stages' states, each with its count advanced. */
export function splitStageSlots(
  stages: readonly ElementwiseStage[],
  states: readonly ElementwiseState<string>[],
  slots: Record<string, Params>,
): ElementwiseState<string>[] {
  return stages.map((st, i) => {
    const own: Record<string, Params> = {};
    for (const s of st.rule.state) own[s] = slots[slotName(i, s)] as Params;
    return { count: (states[i] as ElementwiseState<string>).count + 1, slots: own };
  });
}
