/**
 * MountainCar-v0 (Moore 1990), as Gymnasium's `classic_control/mountain_car.py` (3f0476a) registered with
 * `max_episode_steps=200, reward_threshold=−110`.
 *
 * @packageDocumentation
 */
import type { Key } from '@descent/core';
import { EpisodicEnv, type Transition, boxSpace, discreteSpace, uniformFloat64 } from './episodic-env.js';

/** Gymnasium's MountainCar constants. */
export const MOUNTAIN_CAR = {
  minPosition: -1.2,
  maxPosition: 0.6,
  maxSpeed: 0.07,
  goalPosition: 0.5,
  goalVelocity: 0,
  force: 0.001,
  gravity: 0.0025,
  maxEpisodeSteps: 200,
  rewardThreshold: -110,
} as const;

/**
 * MountainCar-v0. State and observation `[x, v]`, actions `Discrete(3)` (0 accelerate left, 1 none, 2 right):
 *
 *   v ← clip(v + (a − 1)·0.001 − 0.0025·cos(3x), −0.07, 0.07),  x ← clip(x + v, −1.2, 0.6),
 *   if x = −1.2 and v < 0 then v ← 0   (the left wall stops the car).
 *
 * Terminated when x ≥ 0.5 and v ≥ 0; reward −1 every step; truncated at 200 steps. Reset: x ~ U(−0.6, −0.4), v = 0.
 */
export class MountainCarEnv extends EpisodicEnv {
  readonly id = 'MountainCar-v0';
  readonly observationSpace = boxSpace(
    [MOUNTAIN_CAR.minPosition, -MOUNTAIN_CAR.maxSpeed],
    [MOUNTAIN_CAR.maxPosition, MOUNTAIN_CAR.maxSpeed],
  );
  readonly actionSpace = discreteSpace(3);
  readonly maxEpisodeSteps = MOUNTAIN_CAR.maxEpisodeSteps;
  protected readonly state = new Float64Array(2);

  protected resetState(k: Key): void {
    this.state[0] = uniformFloat64(k, 1, -0.6, -0.4)[0];
    this.state[1] = 0;
  }

  protected transition(action: number | Float32Array): Transition {
    const c = MOUNTAIN_CAR;
    let [position, velocity] = this.state;
    velocity += ((action as number) - 1) * c.force + Math.cos(3 * position) * -c.gravity;
    velocity = Math.min(Math.max(velocity, -c.maxSpeed), c.maxSpeed);
    position += velocity;
    position = Math.min(Math.max(position, c.minPosition), c.maxPosition);
    if (position === c.minPosition && velocity < 0) velocity = 0;
    this.state[0] = position;
    this.state[1] = velocity;
    const terminated = position >= c.goalPosition && velocity >= c.goalVelocity;
    return { reward: -1.0, terminated };
  }

  protected observe(): Float32Array {
    return Float32Array.from(this.state);
  }
}
