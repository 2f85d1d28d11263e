/**
 * Per-environment, per-algorithm presets (rl-baselines3-zoo style), collected from the trainer modules so that
 * `train(algo, { env, seed, totalSteps })` works without tuning and users can inspect what will be used.
 *
 * @packageDocumentation
 */
import { DescentError, describeValue } from '@descent/core';
import { dpoDriftPresets } from './lpo.js';
import { mdpoOffPresets } from './mdpo-off.js';
import { mdpoOnPresets } from './mdpo-on.js';
import { nHarpgPresets } from './n-harpg.js';
import { npgIgtPresets } from './npg-igt.js';
import { ppoPresets } from './ppo.js';
import { sacPresets } from './sac.js';
import { taLpoPresets } from './ta-lpo.js';
import type { AlgorithmId } from './training.js';

/** Every algorithm's presets: `presets[algo][envId]` is the partial option set merged over the algorithm's defaults. */
export const presets: Readonly<Record<AlgorithmId, Readonly<Record<string, object>>>> = {
  ppo: ppoPresets,
  sac: sacPresets,
  'mdpo-on': mdpoOnPresets,
  'mdpo-off': mdpoOffPresets,
  'npg-igt': npgIgtPresets,
  'n-harpg': nHarpgPresets,
  'dpo-drift': dpoDriftPresets,
  'ta-lpo': taLpoPresets,
};

/**
 * The preset `train(algo, { env, … })` starts from ({} when the algorithm has none for that env: its defaults apply).
 *
 * @throws DescentError for an unknown algorithm id (listing the valid ones).
 */
export function presetFor(algo: AlgorithmId | string, env: string): Readonly<Record<string, unknown>> {
  if (typeof algo !== 'string' || !Object.prototype.hasOwnProperty.call(presets, algo)) {
    throw new DescentError('invalid-option', `presetFor: unknown algorithm ${describeValue(algo)}; valid ids are ${Object.keys(presets).map((a) => `'${a}'`).join(', ')}`, {
      parameter: 'algo',
      value: algo,
    });
  }
  return { ...((presets[algo as AlgorithmId][env] as Record<string, unknown> | undefined) ?? {}) };
}
