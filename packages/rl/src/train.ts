/**
 * `train(algo, config, callbacks)`: one entry point for every policy-optimisation algorithm of `@descent/rl`.
 *
 * @packageDocumentation
 */
import { DescentError, describeValue } from '@descent/core';
import { trainDpoDrift } from './lpo.js';
import { trainMdpoOff } from './mdpo-off.js';
import { trainMdpoOn } from './mdpo-on.js';
import { trainNHarpg } from './n-harpg.js';
import { trainNpgIgt } from './npg-igt.js';
import { trainPpo } from './ppo.js';
import { trainSac } from './sac.js';
import { trainTaLpo } from './ta-lpo.js';
import type { AlgorithmId, TrainCallbacks, TrainConfig, TrainResult, Trainer } from './training.js';

/** Every id {@link train} accepts, in the order of the docs. */
export const algorithmIds: readonly AlgorithmId[] = ['ppo', 'sac', 'mdpo-on', 'mdpo-off', 'npg-igt', 'n-harpg', 'dpo-drift', 'ta-lpo'];

const TRAINERS: Record<AlgorithmId, Trainer> = {
  ppo: trainPpo,
  sac: trainSac,
  'mdpo-on': trainMdpoOn,
  'mdpo-off': trainMdpoOff,
  'npg-igt': trainNpgIgt,
  'n-harpg': trainNHarpg,
  'dpo-drift': trainDpoDrift,
  'ta-lpo': trainTaLpo,
};

/**
 * Trains `algo` on `config.env` for `config.totalSteps` environment steps with the algorithm's per-environment preset
 * (rl-baselines3-zoo style) overridden by any extra keys of `config`, calling `callbacks.onIteration` with each
 * learning-curve record (return `false` to stop early). Resolves to the trained policy and the history.
 *
 * @example
 * ```ts
 * const { policy, history } = await train('ppo', { env: 'CartPole-v1', seed: 0, totalSteps: 100_000 });
 * ```
 * @throws DescentError for an unknown algorithm (the message lists the valid ids), an unknown environment (likewise),
 * or an unknown or invalid override.
 */
export async function train(algo: AlgorithmId | string, config: TrainConfig, callbacks: TrainCallbacks = {}): Promise<TrainResult> {
  if (typeof algo !== 'string' || !Object.prototype.hasOwnProperty.call(TRAINERS, algo)) {
    throw new DescentError('invalid-option', `train: unknown algorithm ${describeValue(algo)}; valid ids are ${algorithmIds.map((a) => `'${a}'`).join(', ')}`, {
      parameter: 'algo',
      value: algo,
    });
  }
  return TRAINERS[algo as AlgorithmId](config, callbacks);
}
