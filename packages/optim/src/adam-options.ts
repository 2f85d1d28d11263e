/**
 * Option validation shared by the Adam-family aliases (`adam`, `adamw`, `adamax`, `nadam`,
 * `radam`): the common learningRate/b1/b2/eps/weightDecay options, checked under the alias's
 * own name, and the chain that adds the alias's weight decay around its scaling block. Internal to
 * the package (not re-exported from index.ts).
 */
import {
  type GradientTransformation,
  type ScalarOrSchedule,
  chain,
  checkKnownOptions,
  checkScalarOrSchedule,
  invalidOption,
} from '@descent/core';
import { addDecayedWeights } from './add-decayed-weights.js';
import { scaleByLearningRate } from './scale-by-learning-rate.js';

/** The options every Adam-family alias takes (each alias documents its own defaults). */
export interface AdamCommonOptions {
  learningRate?: ScalarOrSchedule;
  b1?: ScalarOrSchedule;
  b2?: ScalarOrSchedule;
  eps?: ScalarOrSchedule;
  weightDecay?: ScalarOrSchedule;
}

/** The common options after {@link checkAdamCommonOptions}: checked functions, and the raw weight decay. */
export interface CheckedAdamCommonOptions {
  /** γ, checked (a schedule's every value is checked when evaluated). */
  lr: (step: number) => number;
  b1: (step: number) => number;
  b2: (step: number) => number;
  eps: (step: number) => number;
  /** λ, checked. */
  wd: (step: number) => number;
  /** λ as given (or its default), so that the number 0 can leave the decay stage out. */
  weightDecay: ScalarOrSchedule;
}

/**
 * Validates an Adam-family alias's options under the alias's name (`where`), in this order: the
 * options object itself, unknown option names (the common five plus `extraOptions`), then
 * learningRate ≥ 0, b1 ∈ [0, 1), b2 ∈ [0, 1), eps ≥ 0, weightDecay ≥ 0. b1, b2 and eps default to
 * 0.9, 0.999 and 1e-8; learningRate and weightDecay to the alias's `defaults`. The alias checks
 * its extra options afterwards.
 *
 * The blocks get the returned checked functions, so a schedule value out of range also fails
 * under the alias's name (`adam: b1(step 7) must be …`).
 */
export function checkAdamCommonOptions(
  where: string,
  options: AdamCommonOptions,
  extraOptions: readonly string[],
  defaults: { learningRate: number; weightDecay: number },
): CheckedAdamCommonOptions {
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['learningRate', 'b1', 'b2', 'eps', 'weightDecay', ...extraOptions]);
  const learningRate = options.learningRate ?? defaults.learningRate;
  const weightDecay = options.weightDecay ?? defaults.weightDecay;
  return {
    lr: checkScalarOrSchedule(where, 'learningRate', learningRate, { min: 0 }),
    b1: checkScalarOrSchedule(where, 'b1', options.b1 ?? 0.9, { min: 0, lessThan: 1 }),
    b2: checkScalarOrSchedule(where, 'b2', options.b2 ?? 0.999, { min: 0, lessThan: 1 }),
    eps: checkScalarOrSchedule(where, 'eps', options.eps ?? 1e-8, { min: 0 }),
    wd: checkScalarOrSchedule(where, 'weightDecay', weightDecay, { min: 0 }),
    weightDecay,
  };
}

/**
 * `chain(addDecayedWeights(λ), core, scaleByLearningRate(γ))` for coupled L2 (`'coupled'`: λθ is
 * added to the gradient before `core`), or `chain(core, addDecayedWeights(λ), scaleByLearningRate(γ))`
 * for decoupled decay (`'decoupled'`: λθ is added to `core`'s update). The decay stage is left out
 * when λ is the number 0, so that `update` needs no params.
 */
export function chainWithWeightDecay(
  checked: CheckedAdamCommonOptions,
  core: GradientTransformation<any>,
  decay: 'coupled' | 'decoupled',
): GradientTransformation<unknown[]> {
  const { lr, wd, weightDecay } = checked;
  if (weightDecay === 0) return chain(core, scaleByLearningRate(lr));
  return decay === 'coupled'
    ? chain(addDecayedWeights(wd), core, scaleByLearningRate(lr))
    : chain(core, addDecayedWeights(wd), scaleByLearningRate(lr));
}
