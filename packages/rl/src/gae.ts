/**
 * Generalised advantage estimation, GAE(λ), over a `[numSteps × numEnvs]` rollout, with truncated episodes
 * bootstrapped from the value of their final observation.
 *
 * @packageDocumentation
 */
import { checkNumber, invalidOption } from '@descent/core';

/** Inputs of {@link computeGae}; arrays are row-major `[numSteps × numEnvs]` (step t, sub-environment e at t·numEnvs + e). */
export interface GaeInputs {
  numSteps: number;
  numEnvs: number;
  /** r_t, the reward of the transition from step t. */
  rewards: Float32Array;
  /** V(o_t) of the observation the action was taken in. */
  values: Float32Array;
  /** 1 where the transition from step t terminated the episode (no bootstrap). */
  terminated: Uint8Array;
  /** 1 where it was truncated (time limit): bootstrapped with `truncatedValues`, then the trace is cut. */
  truncated: Uint8Array;
  /** V(final observation) of truncated transitions (ignored elsewhere). */
  truncatedValues: Float32Array;
  /** V(o_T) of the observation after the last step, per sub-environment [numEnvs]. */
  lastValues: Float32Array;
  /** Discount γ ∈ [0, 1]. */
  gamma: number;
  /** λ ∈ [0, 1]. */
  lambda: number;
}

/**
 * GAE(λ) (Schulman et al. 2016, "High-dimensional continuous control using generalized advantage estimation"):
 *
 * $$\delta_t = r_t + \gamma\,\hat V_{t+1} - V(o_t),\qquad \hat A_t = \delta_t + \gamma\lambda\,c_t\,\hat A_{t+1},
 *   \qquad R_t = \hat A_t + V(o_t),$$
 *
 * where $\hat V_{t+1}$ is 0 if step t terminated, V(final observation) if it was truncated, V(o_{t+1}) otherwise
 * (V(o_T) = `lastValues` after the last step), and c_t = 0 when the episode ended at t (terminated or truncated: o_{t+1}
 * then belongs to the next episode). Identical to SB3's `compute_returns_and_advantage` with its truncation fix
 * (`reward += γ·V(terminal_observation)` in `OnPolicyAlgorithm.collect_rollouts`); CleanRL `ppo.py` instead treats a
 * truncation as a termination. Plain host loop, float64 accumulation, returned as Float32Arrays.
 */
export function computeGae(inputs: GaeInputs): { advantages: Float32Array; returns: Float32Array } {
  const where = 'computeGae';
  const { numSteps: T, numEnvs: N } = inputs;
  checkNumber(where, 'numSteps', T, { integer: true, min: 1 });
  checkNumber(where, 'numEnvs', N, { integer: true, min: 1 });
  const gamma = checkNumber(where, 'gamma', inputs.gamma, { min: 0, max: 1 });
  const lambda = checkNumber(where, 'lambda', inputs.lambda, { min: 0, max: 1 });
  for (const name of ['rewards', 'values', 'terminated', 'truncated', 'truncatedValues'] as const) {
    if (inputs[name]?.length !== T * N) invalidOption(where, name, inputs[name]?.length, `an array of numSteps·numEnvs = ${T * N} entries`);
  }
  if (inputs.lastValues?.length !== N) invalidOption(where, 'lastValues', inputs.lastValues?.length, `an array of numEnvs = ${N} entries`);
  const { rewards, values, terminated, truncated, truncatedValues, lastValues } = inputs;
  const advantages = new Float32Array(T * N);
  const returns = new Float32Array(T * N);
  for (let e = 0; e < N; e++) {
    let next = 0;
    for (let t = T - 1; t >= 0; t--) {
      const i = t * N + e;
      let bootstrap: number;
      let carry: number;
      if (terminated[i]) {
        bootstrap = 0;
        carry = 0;
      } else if (truncated[i]) {
        bootstrap = truncatedValues[i];
        carry = 0;
      } else {
        bootstrap = t === T - 1 ? lastValues[e] : values[i + N];
        carry = t === T - 1 ? 0 : 1;
      }
      const delta = rewards[i] + gamma * bootstrap - values[i];
      next = delta + gamma * lambda * carry * next;
      advantages[i] = next;
      returns[i] = next + values[i];
    }
  }
  return { advantages, returns };
}
