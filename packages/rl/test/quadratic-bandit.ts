import type { BoxSpace, Env, StepResult } from '../src/env.js';

/**
 * A one-step continuous bandit for the off-policy smoke tests: observation [1], action a ∈ [−2, 2], reward −(a − 1)²,
 * every episode terminates after one step. The optimal deterministic action is 1; uniformly random actions earn
 * E[−(a − 1)²] = −7/3.
 */
export class QuadraticBandit implements Env {
  readonly id = 'QuadraticBandit';
  readonly observationSpace: BoxSpace = { kind: 'box', shape: [1], low: new Float32Array([1]), high: new Float32Array([1]) };
  readonly actionSpace: BoxSpace = { kind: 'box', shape: [1], low: new Float32Array([-2]), high: new Float32Array([2]) };
  readonly maxEpisodeSteps = 1;
  reset(): Float32Array {
    return new Float32Array([1]);
  }
  step(action: number | Float32Array): StepResult {
    const a = (action as Float32Array)[0] as number;
    return { observation: new Float32Array([1]), reward: -((a - 1) ** 2), terminated: true, truncated: false };
  }
}
