import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { CartPoleEnv, MountainCarEnv, SyncVectorEnv, envIds, makeEnv, makeSingleEnv } from '@descent/rl';

describe('makeEnv / SyncVectorEnv', () => {
  it('registers the classic-control ids plus the bandit and gridworld', () => {
    expect(envIds).toEqual([
      'CartPole-v1',
      'Pendulum-v1',
      'Acrobot-v1',
      'MountainCar-v0',
      'MountainCarContinuous-v0',
      'Bandit-v0',
      'GridWorld-v0',
    ]);
    for (const id of envIds) {
      const env = makeEnv(id, { numEnvs: 2 });
      expect(env.id).toBe(id);
      expect(env.numEnvs).toBe(2);
      expect(env.reset().length).toBe(2 * env.observationSpace.shape[0]);
    }
  });

  it('rejects unknown ids (listing the valid ones) and bad options', () => {
    expect(() => makeEnv('CartPole-v0')).toThrow(DescentError);
    expect(() => makeEnv('CartPole-v0')).toThrow(/unknown environment id 'CartPole-v0'; valid ids are 'CartPole-v1', 'Pendulum-v1'/);
    expect(() => makeSingleEnv('Nope')).toThrow(/valid ids/);
    expect(() => makeEnv('CartPole-v1', { numEnvs: 0 })).toThrow(/numEnvs/);
    expect(() => makeEnv('CartPole-v1', { seed: -1 })).toThrow(/seed/);
    expect(() => makeEnv('CartPole-v1', { num_envs: 2 } as never)).toThrow(/unknown option 'num_envs'/);
  });

  it('sub-environment i behaves as a single environment seeded with seed + i', () => {
    const vec = makeEnv('CartPole-v1', { numEnvs: 3, seed: 10 });
    const singles = [0, 1, 2].map((i) => new CartPoleEnv(10 + i));
    const obs = vec.reset();
    const sObs = singles.map((e) => e.reset());
    expect(Array.from(obs)).toEqual(sObs.flatMap((o) => Array.from(o)));
    for (let t = 0; t < 100; t++) {
      const actions = Int32Array.of(t % 2, 1, 0);
      const r = vec.step(actions);
      singles.forEach((env, i) => {
        const s = env.step(actions[i]);
        expect(r.rewards[i]).toBe(s.reward);
        expect(r.terminated[i]).toBe(s.terminated ? 1 : 0);
        if (s.terminated || s.truncated) {
          expect(Array.from(r.finalObservations[i]!)).toEqual(Array.from(s.observation));
          expect(Array.from(r.observations.subarray(4 * i, 4 * i + 4))).toEqual(Array.from(env.reset()));
        } else {
          expect(r.finalObservations[i]).toBeUndefined();
          expect(Array.from(r.observations.subarray(4 * i, 4 * i + 4))).toEqual(Array.from(s.observation));
        }
      });
    }
  });

  it('autoresets on truncation with the final observation (MountainCar-v0, 200 steps)', () => {
    const vec = makeEnv('MountainCar-v0', { numEnvs: 2, seed: 0 });
    vec.reset();
    for (let t = 1; t <= 200; t++) {
      const r = vec.step(Int32Array.of(1, 1));
      expect(r.truncated[0]).toBe(t === 200 ? 1 : 0);
      if (t === 200) {
        expect(r.finalObservations[0]).toBeInstanceOf(Float32Array);
        // The new episode starts at rest in [−0.6, −0.4].
        expect(r.observations[1]).toBe(0);
        expect(r.observations[0]).toBeGreaterThanOrEqual(Math.fround(-0.6));
        expect(r.observations[0]).toBeLessThanOrEqual(Math.fround(-0.4));
        expect(r.finalObservations[0]![1]).not.toBe(0);
      }
    }
    // The autoreset episode runs another full 200 steps.
    for (let t = 1; t <= 200; t++) expect(vec.step(Int32Array.of(1, 1)).truncated[1]).toBe(t === 200 ? 1 : 0);
  });

  it('reproducible by seed; reset(seed) reseeds sub-environment i with seed + i', () => {
    const roll = (make: () => ReturnType<typeof makeEnv>, seed?: number) => {
      const env = make();
      const out = [Array.from(env.reset(seed))];
      for (let t = 0; t < 30; t++) out.push(Array.from(env.step(Int32Array.of(t % 2, (t + 1) % 2)).observations));
      return out;
    };
    const a = roll(() => makeEnv('CartPole-v1', { numEnvs: 2, seed: 4 }));
    expect(roll(() => makeEnv('CartPole-v1', { numEnvs: 2, seed: 4 }))).toEqual(a);
    expect(roll(() => makeEnv('CartPole-v1', { numEnvs: 2, seed: 0 }), 4)).toEqual(a);
    expect(roll(() => makeEnv('CartPole-v1', { numEnvs: 2, seed: 5 }))).not.toEqual(a);
  });

  it('rejects bad action arrays without stepping anything, and stepping before reset', () => {
    const vec = makeEnv('CartPole-v1', { numEnvs: 2 });
    expect(() => vec.step(Int32Array.of(0, 0))).toThrow(/reset/);
    const o = vec.reset();
    expect(() => vec.step(Int32Array.of(0))).toThrow(/actions.length/);
    expect(() => vec.step(Float32Array.of(0, 1))).toThrow(/Int32Array/);
    expect(() => vec.step(Int32Array.of(1, 2))).toThrow(/sub-environment 1/);
    // Sub-environment 0 did not move: the next valid step starts from the reset state.
    const single = new CartPoleEnv(0);
    single.reset();
    expect(Array.from(o.subarray(0, 4))).toEqual(Array.from(single.getState(), (v) => Math.fround(v)));
    const next = vec.step(Int32Array.of(1, 1)).observations.subarray(0, 4);
    expect(Array.from(next)).toEqual(Array.from(single.step(1).observation));
    const cont = makeEnv('Pendulum-v1', { numEnvs: 2 });
    cont.reset();
    expect(() => cont.step(Float32Array.of(0, 3))).toThrow(/sub-environment 1/);
    expect(() => cont.step(Float32Array.of(0, NaN))).toThrow(/NaN/);
  });

  it('refuses mixed environment ids', () => {
    expect(() => new SyncVectorEnv([() => new CartPoleEnv(), () => new MountainCarEnv()])).toThrow(/one id/);
  });
});
