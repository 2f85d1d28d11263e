/**
 * Pendulum-v1, as Gymnasium's `classic_control/pendulum.py` (3f0476a) registered with `max_episode_steps=200`.
 *
 * @packageDocumentation
 */
import type { Key } from '@descent/core';
import { EpisodicEnv, type Transition, boxSpace, uniformFloat64 } from './episodic-env.js';

/** Gymnasium's Pendulum constants. */
export const PENDULUM = {
  gravity: 10.0,
  mass: 1.0,
  length: 1.0,
  dt: 0.05,
  maxSpeed: 8,
  maxTorque: 2.0,
  maxEpisodeSteps: 200,
} as const;

/** `((x + π) mod 2π) − π` with a floored modulo (Python's `%`), so the result lies in [−π, π). */
export function angleNormalize(x: number): number {
  const period = 2 * Math.PI;
  const shifted = x + Math.PI;
  return shifted - period * Math.floor(shifted / period) - Math.PI;
}

/**
 * Pendulum-v1. State `[θ, θ̇]` (float64; θ is not wrapped), observation `[cosθ, sinθ, θ̇]` (float32), action
 * `Box(−2, 2, (1,))` (the torque, clipped to ±2 as Gymnasium does). One step with dt = 0.05:
 *
 *   u = clip(a, −2, 2),  cost = angle_normalize(θ)² + 0.1·θ̇² + 0.001·u²   (from the OLD state),
 *   θ̇' = clip(θ̇ + (3g/(2l)·sinθ + 3/(m l²)·u)·dt, −8, 8),  θ' = θ + θ̇'·dt,  reward = −cost ∈ [−16.2736, 0].
 *
 * Never terminates; truncated at 200 steps. Reset: θ ~ U(−π, π), θ̇ ~ U(−1, 1).
 */
export class PendulumEnv extends EpisodicEnv {
  readonly id = 'Pendulum-v1';
  readonly observationSpace = boxSpace([-1, -1, -PENDULUM.maxSpeed], [1, 1, PENDULUM.maxSpeed]);
  readonly actionSpace = boxSpace([-PENDULUM.maxTorque], [PENDULUM.maxTorque]);
  readonly maxEpisodeSteps = PENDULUM.maxEpisodeSteps;
  protected readonly state = new Float64Array(2);

  protected resetState(k: Key): void {
    // One draw of two values, θ on [−π, π) and θ̇ on [−1, 1) (Gymnasium: uniform(low=−high, high=high), high = [π, 1]).
    const u = uniformFloat64(k, 2, 0, 1);
    this.state[0] = -Math.PI + 2 * Math.PI * u[0];
    this.state[1] = -1 + 2 * u[1];
  }

  protected transition(action: number | Float32Array): Transition {
    const p = PENDULUM;
    const [theta, thetaDot] = this.state;
    const u = Math.min(Math.max((action as Float32Array)[0], -p.maxTorque), p.maxTorque);
    const an = angleNormalize(theta);
    const cost = an * an + 0.1 * thetaDot * thetaDot + 0.001 * u * u;
    let newThetaDot =
      thetaDot + ((3 * p.gravity) / (2 * p.length) * Math.sin(theta) + (3.0 / (p.mass * p.length * p.length)) * u) * p.dt;
    newThetaDot = Math.min(Math.max(newThetaDot, -p.maxSpeed), p.maxSpeed);
    this.state[0] = theta + newThetaDot * p.dt;
    this.state[1] = newThetaDot;
    return { reward: -cost, terminated: false };
  }

  protected observe(): Float32Array {
    const [theta, thetaDot] = this.state;
    return Float32Array.of(Math.cos(theta), Math.sin(theta), thetaDot);
  }
}
