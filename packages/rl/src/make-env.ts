/**
 * `makeEnv`: the environment registry of `@descent/rl` (Gymnasium's `gymnasium.make_vec` for the built-in ids).
 *
 * @packageDocumentation
 */
import { DescentError, checkKnownOptions, checkNumber, describeValue } from '@descent/core';
import { AcrobotEnv } from './acrobot.js';
import { BanditEnv } from './bandit.js';
import { CartPoleEnv } from './cartpole.js';
import type { Env, VectorEnv } from './env.js';
import { GridWorldEnv } from './gridworld.js';
import { MountainCarContinuousEnv } from './mountain-car-continuous.js';
import { MountainCarEnv } from './mountain-car.js';
import { PendulumEnv } from './pendulum.js';
import { SyncVectorEnv } from './vector-env.js';

const REGISTRY = {
  'CartPole-v1': (seed: number): Env => new CartPoleEnv(seed),
  'Pendulum-v1': (seed: number): Env => new PendulumEnv(seed),
  'Acrobot-v1': (seed: number): Env => new AcrobotEnv(seed),
  'MountainCar-v0': (seed: number): Env => new MountainCarEnv(seed),
  'MountainCarContinuous-v0': (seed: number): Env => new MountainCarContinuousEnv(seed),
  'Bandit-v0': (seed: number): Env => new BanditEnv({ seed }),
  'GridWorld-v0': (seed: number): Env => new GridWorldEnv({ seed }),
} as const;

/** The ids {@link makeEnv} accepts. */
export type EnvId = keyof typeof REGISTRY;

/** Every registered environment id: the five Gymnasium classic-control tasks, then the bandit and the gridworld. */
export const envIds: readonly EnvId[] = Object.keys(REGISTRY) as EnvId[];

/** Options of {@link makeEnv}. */
export interface MakeEnvOptions {
  /** Number of sub-environments, an integer in [1, 4096]. Default 1. */
  numEnvs?: number;
  /** Sub-environment i is constructed with seed `seed + i` (Gymnasium's convention). Default 0. */
  seed?: number;
}

function checkEnvId(where: string, id: unknown): EnvId {
  if (typeof id !== 'string' || !Object.prototype.hasOwnProperty.call(REGISTRY, id)) {
    throw new DescentError(
      'invalid-option',
      `${where}: unknown environment id ${describeValue(id)}; valid ids are ${envIds.map((e) => `'${e}'`).join(', ')}`,
      { parameter: 'id', value: id },
    );
  }
  return id as EnvId;
}

/**
 * One (unvectorised) environment by id, constructed with `seed` (default 0); call `reset()` before `step()`.
 *
 * @throws DescentError for an unknown id (the message lists the valid ids) or a bad seed.
 */
export function makeSingleEnv(id: string, seed = 0): Env {
  const envId = checkEnvId('makeSingleEnv', id);
  checkNumber('makeSingleEnv', 'seed', seed, { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER });
  return REGISTRY[envId](seed);
}

/**
 * A vectorised environment of `numEnvs` copies of `id` ({@link SyncVectorEnv}: same-step autoreset, final
 * observations of finished episodes in `finalObservations`). Sub-environment i is seeded with `seed + i`, so
 * `makeEnv(id, { numEnvs, seed }).reset()` is reproducible; `reset(s)` reseeds with `s + i`.
 *
 * @example
 * ```ts
 * const env = makeEnv('CartPole-v1', { numEnvs: 8, seed: 1 });
 * let obs = env.reset();                                   // Float32Array [8 × 4]
 * const { observations, rewards, terminated, truncated } = env.step(new Int32Array(8).fill(1));
 * ```
 * @throws DescentError for an unknown id (the message lists the valid ids), unknown options, or a bad `numEnvs`/`seed`.
 */
export function makeEnv(id: string, options: MakeEnvOptions = {}): VectorEnv {
  const envId = checkEnvId('makeEnv', id);
  checkKnownOptions('makeEnv', options, ['numEnvs', 'seed']);
  const numEnvs = checkNumber('makeEnv', 'numEnvs', options.numEnvs ?? 1, { integer: true, min: 1, max: 4096 });
  const seed = checkNumber('makeEnv', 'seed', options.seed ?? 0, { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER - numEnvs });
  const factory = REGISTRY[envId];
  return new SyncVectorEnv(Array.from({ length: numEnvs }, () => (i: number) => factory(seed + i)));
}
