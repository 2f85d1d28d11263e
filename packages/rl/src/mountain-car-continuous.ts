/**
 * MountainCarContinuous-v0 (Moore 1990), as Gymnasium's `classic_control/continuous_mountain_car.py` (3f0476a)
 * registered with `max_episode_steps=999, reward_threshold=90`.
 *
 * @packageDocumentation
 */
import type { Key } from '@descent/core';
import { EpisodicEnv, type Transition, boxSpace, uniformFloat64 } from './episodic-env.js';

/** Gymnasium's MountainCarContinuous constants. */
export const MOUNTAIN_CAR_CONTINUOUS = {
  minAction: -1.0,
  maxAction: 1.0,
  minPosition: -1.2,
  maxPosition: 0.6,
  maxSpeed: 0.07,
  goalPosition: 0.45,
  goalVelocity: 0,
  power: 0.0015,
  maxEpisodeSteps: 999,
  rewardThreshold: 90,
} as const;

/**
 * MountainCarContinuous-v0. State and observation `[x, v]`, action `Box(−1, 1, (1,))`:
 *
 *   f = clip(a, −1, 1),  v ← clip(v + f·0.0015 − 0.0025·cos(3x), −0.07, 0.07),  x ← clip(x + v, −1.2, 0.6),
 *   if x = −1.2 and v < 0 then v ← 0;
 *   terminated = x ≥ 0.45 and v ≥ 0,  reward = 100·[terminated] − 0.1·a²  (Gymnasium squares the UNCLIPPED action;
 *   here actions outside the space are rejected, so the two agree).
 *
 * Truncated at 999 steps. Reset: x ~ U(−0.6, −0.4), v = 0.
 */
export class MountainCarContinuousEnv extends EpisodicEnv {
  readonly id = 'MountainCarContinuous-v0';
  readonly observationSpace = boxSpace(
    [MOUNTAIN_CAR_CONTINUOUS.minPosition, -MOUNTAIN_CAR_CONTINUOUS.maxSpeed],
    [MOUNTAIN_CAR_CONTINUOUS.maxPosition, MOUNTAIN_CAR_CONTINUOUS.maxSpeed],
  );
  readonly actionSpace = boxSpace([MOUNTAIN_CAR_CONTINUOUS.minAction], [MOUNTAIN_CAR_CONTINUOUS.maxAction]);
  readonly maxEpisodeSteps = MOUNTAIN_CAR_CONTINUOUS.maxEpisodeSteps;
  protected readonly state = new Float64Array(2);

  protected resetState(k: Key): void {
    this.state[0] = uniformFloat64(k, 1, -0.6, -0.4)[0];
    this.state[1] = 0;
  }

  protected transition(action: number | Float32Array): Transition {
    const c = MOUNTAIN_CAR_CONTINUOUS;
    const a = (action as Float32Array)[0];
    let [position, velocity] = this.state;
    const force = Math.min(Math.max(a, c.minAction), c.maxAction);
    velocity += force * c.power - 0.0025 * Math.cos(3 * position);
    velocity = Math.min(Math.max(velocity, -c.maxSpeed), c.maxSpeed);
    position += velocity;
    position = Math.min(Math.max(position, c.minPosition), c.maxPosition);
    if (position === c.minPosition && velocity < 0) velocity = 0;
    this.state[0] = position;
    this.state[1] = velocity;
    const terminated = position >= c.goalPosition && velocity >= c.goalVelocity;
    const reward = (terminated ? 100.0 : 0.0) - a * a * 0.1;
    return { reward, terminated };
  }

  protected observe(): Float32Array {
    return Float32Array.from(this.state);
  }
}
