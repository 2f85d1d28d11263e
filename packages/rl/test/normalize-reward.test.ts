import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { NormalizeReward, type VectorEnv, type VectorStepResult } from '@descent/rl';

/** One sub-environment emitting scripted rewards; `dones` marks terminated steps. */
function scripted(rewards: number[], dones: number[] = []): VectorEnv {
  let t = -1;
  return {
    id: 'Scripted',
    numEnvs: 1,
    observationSpace: { kind: 'box', shape: [1], low: Float32Array.of(0), high: Float32Array.of(0) },
    actionSpace: { kind: 'discrete', n: 1 },
    maxEpisodeSteps: Infinity,
    reset: () => new Float32Array(1),
    step: (): VectorStepResult => {
      t += 1;
      return {
        observations: new Float32Array(1),
        rewards: Float32Array.of(rewards[t]),
        terminated: Uint8Array.of(dones.includes(t) ? 1 : 0),
        truncated: Uint8Array.of(0),
        finalObservations: [dones.includes(t) ? new Float32Array(1) : undefined],
      };
    },
  };
}

describe('NormalizeReward', () => {
  it('divides by the running std of the discounted return (SB3 VecNormalize, γ = 0.5)', () => {
    // R = 1, 2.5, 4.25 (R ← γR + r). RunningMeanStd from (0, 1, 1e-4) on single-element batches:
    //   after R = 1: var = (1e-4 + 0 + 1·1e-4/1.0001)/1.0001 = 1.9997e-4 ⇒ r/sqrt(var + 1e-8) = 70.7 → clipped to 10
    //   after R = 2.5: var = 0.5626749836 ⇒ 2/sqrt(0.5626749936) = 2.6662519638
    //   after R = 4.25: var = 1.7640858656 ⇒ 3/sqrt(1.7640858756) = 2.2587147782
    const env = new NormalizeReward(scripted([1, 2, 3]), { gamma: 0.5 });
    env.reset();
    expect(env.step(Int32Array.of(0)).rewards[0]).toBe(10);
    expect(env.step(Int32Array.of(0)).rewards[0]).toBeCloseTo(2.6662519637921394, 5);
    expect(env.step(Int32Array.of(0)).rewards[0]).toBeCloseTo(2.2587147781711456, 5);
    expect(env.getState().var[0]).toBeCloseTo(1.7640858656488616, 10);
  });

  it('zeroes the running return when an episode ends', () => {
    // Episode ends after step 0, so R = 1 then R = 1 again (not 1.5): both batches are [1] and var stays tiny.
    const env = new NormalizeReward(scripted([1, 1, 1], [0]), { gamma: 0.5 });
    env.reset();
    env.step(Int32Array.of(0));
    env.step(Int32Array.of(0));
    const state = env.getState();
    expect(state.mean[0]).toBeCloseTo(1, 3);
    expect(state.var[0]).toBeLessThan(1e-3);
  });

  it('freezes, validates options and rejects non-finite rewards', () => {
    const env = new NormalizeReward(scripted([1, 2, 3]), { gamma: 0.5 });
    env.reset();
    env.training = false;
    expect(env.step(Int32Array.of(0)).rewards[0]).toBeCloseTo(1 / Math.sqrt(1 + 1e-8), 6);
    expect(env.getState()).toEqual({ mean: [0], var: [1], count: 1e-4 });
    expect(() => new NormalizeReward(scripted([1]), { gamma: 1.5 })).toThrow(/gamma/);
    expect(() => new NormalizeReward(scripted([1]), { gama: 0.9 } as never)).toThrow(/unknown option 'gama'/);
    const nan = new NormalizeReward(scripted([NaN]));
    nan.reset();
    expect(() => nan.step(Int32Array.of(0))).toThrow(DescentError);
  });
});
