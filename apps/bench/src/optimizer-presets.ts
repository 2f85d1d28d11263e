/**
 * The optimizers the demo compares, each with the learning rate its authors recommend for a
 * small MLP/CNN (the shoot-out uses one setting per optimizer; tuning is the user's job).
 *
 * @packageDocumentation
 */
import type { GradientTransformation, Params } from '@descent/core';
import { adabelief, adam, adamw, diffgrad, lion, multiTransform, muon, sgd } from '@descent/optim';

/** One optimizer of the shoot-out. */
export interface OptimizerPreset {
  name: string;
  description: string;
  make(params: Params): GradientTransformation<any>;
}

/** Muon is for matrices: 2-D weights get Muon, biases (and conv kernels) AdamW, as Keller Jordan's MuonWithAuxAdam. */
function muonForMatrices(params: Params): GradientTransformation<any> {
  const labels = Object.fromEntries(
    Object.entries(params as Record<string, { shape: number[] }>).map(([k, p]) => [k, p.shape.length === 2 ? 'muon' : 'adamw']),
  );
  return multiTransform({ muon: muon({ learningRate: 0.02 }), adamw: adamw({ learningRate: 1e-3, weightDecay: 0 }) }, labels);
}

/** Every preset, by name. */
export const OPTIMIZER_PRESETS: Record<string, OptimizerPreset> = {
  'sgd-momentum': { name: 'sgd-momentum', description: 'SGD, momentum 0.9, lr 0.05', make: () => sgd({ learningRate: 0.05, momentum: 0.9 }) },
  adam: { name: 'adam', description: 'Adam, lr 1e-3', make: () => adam({ learningRate: 1e-3 }) },
  adamw: { name: 'adamw', description: 'AdamW, lr 1e-3, weight decay 1e-2', make: () => adamw({ learningRate: 1e-3 }) },
  diffgrad: { name: 'diffgrad', description: 'diffGrad, lr 1e-3', make: () => diffgrad({ learningRate: 1e-3 }) },
  adabelief: { name: 'adabelief', description: 'AdaBelief, lr 1e-3 (eps 1e-16, rectified)', make: () => adabelief({ learningRate: 1e-3 }) },
  lion: { name: 'lion', description: 'Lion, lr 1e-4', make: () => lion({ learningRate: 1e-4 }) },
  muon: { name: 'muon', description: 'Muon (lr 0.02) on 2-D weights, AdamW on the rest', make: muonForMatrices },
};

/** The default line-up of `pnpm demo`. */
export const DEFAULT_OPTIMIZERS = ['sgd-momentum', 'adam', 'adamw', 'diffgrad', 'adabelief', 'lion', 'muon'];
