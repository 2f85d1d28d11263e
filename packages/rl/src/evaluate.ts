/**
 * `evaluate(policy, { env, episodes, seed, deterministic })`: the mean undiscounted return of a policy over fresh
 * episodes (RL-Zoo / SB3 `evaluate_policy` semantics).
 *
 * @packageDocumentation
 */
import { checkBoolean, checkKnownOptions, checkNumber, foldIn, invalidOption, key as makeKey } from '@descent/core';
import { makeEnv } from './make-env.js';
import type { Policy } from './policy.js';

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Environment id (usually `policy.envId`). */
  env: string;
  /** Number of episodes, an integer in [1, 4096]. */
  episodes: number;
  /** Seeds the environments (episode i runs in sub-environment i, seeded `seed + i`) and stochastic actions. */
  seed: number;
  /** Act with the mode (argmax / mean) rather than sampling. Default true (RL-Zoo's benchmark). */
  deterministic?: boolean;
  /** Safety cap on steps per episode for environments without a time limit. Default 100 000. */
  maxEpisodeSteps?: number;
}

/** What {@link evaluate} returns. */
export interface EvaluateResult {
  meanReturn: number;
  /** Undiscounted return of each episode, in sub-environment order. */
  returns: number[];
  /** Length of each episode. */
  lengths: number[];
}

/**
 * Runs `episodes` episodes in parallel, one per sub-environment of `makeEnv(env, { numEnvs: episodes, seed })` (so
 * every episode is counted, none is biased toward short ones by autoreset), and returns the mean undiscounted return.
 * Actions come from `policy.act` batched over the still-running episodes; stochastic actions use
 * `foldIn(key(seed), step)`. Deterministic for a given policy, env and seed.
 *
 * @throws DescentError for an unknown env id (the message lists the valid ids), bad options, or a policy whose
 * observation/action dimensions do not match the environment.
 */
export async function evaluate(policy: Policy, options: EvaluateOptions): Promise<EvaluateResult> {
  const where = 'evaluate';
  if (policy === null || typeof policy !== 'object' || typeof policy.act !== 'function') invalidOption(where, 'policy', policy, 'a Policy');
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, '{ env, episodes, seed, deterministic? }');
  checkKnownOptions(where, options, ['env', 'episodes', 'seed', 'deterministic', 'maxEpisodeSteps']);
  const episodes = checkNumber(where, 'episodes', options.episodes, { integer: true, min: 1, max: 4096 });
  const seed = checkNumber(where, 'seed', options.seed, { integer: true, min: 0, max: 2 ** 31 - 1 });
  const deterministic = checkBoolean(where, 'deterministic', options.deterministic ?? true);
  const cap = checkNumber(where, 'maxEpisodeSteps', options.maxEpisodeSteps ?? 100_000, { integer: true, min: 1 });
  const env = makeEnv(options.env, { numEnvs: episodes, seed });
  const obsDim = env.observationSpace.shape.reduce((a, b) => a * b, 1);
  if (obsDim !== policy.observationDim) invalidOption(where, 'policy.observationDim', policy.observationDim, `${obsDim} (the observation size of ${options.env})`);
  const actDim = env.actionSpace.kind === 'discrete' ? env.actionSpace.n : env.actionSpace.low.length;
  const kind = env.actionSpace.kind === 'discrete' ? 'categorical' : 'gaussian';
  if (policy.kind !== kind || policy.actionDim !== actDim) {
    invalidOption(where, 'policy', `${policy.kind} with actionDim ${policy.actionDim}`, `a ${kind} policy with actionDim ${actDim} for ${options.env}`);
  }
  const root = makeKey(seed);
  let obs = env.reset(seed);
  const returns = new Float64Array(episodes);
  const lengths = new Int32Array(episodes);
  const done = new Uint8Array(episodes);
  let remaining = episodes;
  for (let t = 0; remaining > 0 && t < cap; t++) {
    const actions = policy.act(obs, deterministic ? { deterministic: true } : { deterministic: false, key: foldIn(root, t) });
    const result = env.step(actions);
    for (let e = 0; e < episodes; e++) {
      if (done[e]) continue;
      returns[e] += result.rewards[e];
      lengths[e] += 1;
      if (result.terminated[e] || result.truncated[e]) {
        done[e] = 1;
        remaining--;
      }
    }
    obs = result.observations;
  }
  const list = Array.from(returns);
  return { meanReturn: list.reduce((a, b) => a + b, 0) / episodes, returns: list, lengths: Array.from(lengths) };
}
