/**
 * Acrobot-v1 (Sutton 1996; dynamics from Sutton & Barto's book), as Gymnasium's `classic_control/acrobot.py`
 * (3f0476a) with its default `book_or_nips = "book"`, registered with `max_episode_steps=500, reward_threshold=−100`.
 *
 * @packageDocumentation
 */
import type { Key } from '@descent/core';
import { EpisodicEnv, type Transition, boxSpace, discreteSpace, uniformFloat64 } from './episodic-env.js';

/** Gymnasium's Acrobot constants (torque noise 0, as its default). */
export const ACROBOT = {
  dt: 0.2,
  linkLength1: 1.0,
  linkLength2: 1.0,
  linkMass1: 1.0,
  linkMass2: 1.0,
  linkComPos1: 0.5,
  linkComPos2: 0.5,
  linkMoi: 1.0,
  gravity: 9.8,
  maxVel1: 4 * Math.PI,
  maxVel2: 9 * Math.PI,
  availTorque: [-1.0, 0.0, 1.0],
  maxEpisodeSteps: 500,
  rewardThreshold: -100,
} as const;

/**
 * The time derivative of the Acrobot state `[θ1, θ2, θ̇1, θ̇2]` under torque `a` (Gymnasium's `_dsdt`, "book"):
 *
 *   d1 = m1 lc1² + m2(l1² + lc2² + 2 l1 lc2 cosθ2) + I1 + I2,   d2 = m2(lc2² + l1 lc2 cosθ2) + I2,
 *   φ2 = m2 lc2 g cos(θ1 + θ2 − π/2),
 *   φ1 = −m2 l1 lc2 θ̇2² sinθ2 − 2 m2 l1 lc2 θ̇2 θ̇1 sinθ2 + (m1 lc1 + m2 l1) g cos(θ1 − π/2) + φ2,
 *   θ̈2 = (a + d2/d1·φ1 − m2 l1 lc2 θ̇1² sinθ2 − φ2) / (m2 lc2² + I2 − d2²/d1),   θ̈1 = −(d2 θ̈2 + φ1)/d1.
 *
 * Writes `[θ̇1, θ̇2, θ̈1, θ̈2]` into `out`.
 */
export function acrobotDerivatives(s: ArrayLike<number>, a: number, out: Float64Array): void {
  const c = ACROBOT;
  const m1 = c.linkMass1;
  const m2 = c.linkMass2;
  const l1 = c.linkLength1;
  const lc1 = c.linkComPos1;
  const lc2 = c.linkComPos2;
  const i1 = c.linkMoi;
  const i2 = c.linkMoi;
  const g = c.gravity;
  const theta1 = s[0];
  const theta2 = s[1];
  const dtheta1 = s[2];
  const dtheta2 = s[3];
  const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(theta2)) + i1 + i2;
  const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(theta2)) + i2;
  const phi2 = m2 * lc2 * g * Math.cos(theta1 + theta2 - Math.PI / 2.0);
  const phi1 =
    -m2 * l1 * lc2 * dtheta2 ** 2 * Math.sin(theta2) -
    2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) +
    (m1 * lc1 + m2 * l1) * g * Math.cos(theta1 - Math.PI / 2) +
    phi2;
  const ddtheta2 =
    (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * dtheta1 ** 2 * Math.sin(theta2) - phi2) / (m2 * lc2 ** 2 + i2 - d2 ** 2 / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  out[0] = dtheta1;
  out[1] = dtheta2;
  out[2] = ddtheta1;
  out[3] = ddtheta2;
}

/** Gymnasium's `wrap(x, m, M)`: shifts x by multiples of M − m into [m, M] with its while-loops (so M stays M). */
export function wrapAngle(x: number, m: number, M: number): number {
  const diff = M - m;
  let y = x;
  while (y > M) y -= diff;
  while (y < m) y += diff;
  return y;
}

/**
 * Acrobot-v1. State `[θ1, θ2, θ̇1, θ̇2]` (float64), observation `[cosθ1, sinθ1, cosθ2, sinθ2, θ̇1, θ̇2]` (float32),
 * actions `Discrete(3)` → torque −1, 0, +1 on the middle joint. One step is ONE classical RK4 step of size dt = 0.2
 * over [0, dt] on {@link acrobotDerivatives} with the torque held constant (Gymnasium's `rk4` with `t = [0, dt]`):
 * `y' = y + dt/6 (k1 + 2k2 + 2k3 + k4)`; then θ1, θ2 are wrapped to [−π, π] ({@link wrapAngle}) and θ̇1, θ̇2 clipped
 * to ±4π and ±9π (`bound`). Terminated when −cosθ1 − cos(θ1 + θ2) > 1; reward −1 per step and 0 on the terminating
 * step; truncated at 500 steps. Reset: all four ~ U(−0.1, 0.1).
 */
export class AcrobotEnv extends EpisodicEnv {
  readonly id = 'Acrobot-v1';
  readonly observationSpace = boxSpace([-1, -1, -1, -1, -ACROBOT.maxVel1, -ACROBOT.maxVel2], [1, 1, 1, 1, ACROBOT.maxVel1, ACROBOT.maxVel2]);
  readonly actionSpace = discreteSpace(3);
  readonly maxEpisodeSteps = ACROBOT.maxEpisodeSteps;
  protected readonly state = new Float64Array(4);
  // Scratch for RK4 (no per-step allocation).
  private readonly k1 = new Float64Array(4);
  private readonly k2 = new Float64Array(4);
  private readonly k3 = new Float64Array(4);
  private readonly k4 = new Float64Array(4);
  private readonly y = new Float64Array(4);

  protected resetState(k: Key): void {
    this.state.set(uniformFloat64(k, 4, -0.1, 0.1));
  }

  protected transition(action: number | Float32Array): Transition {
    const c = ACROBOT;
    const torque = c.availTorque[action as number];
    const s = this.state;
    const { k1, k2, k3, k4, y } = this;
    const dt = c.dt;
    const dt2 = dt / 2.0;
    acrobotDerivatives(s, torque, k1);
    for (let i = 0; i < 4; i++) y[i] = s[i] + dt2 * k1[i];
    acrobotDerivatives(y, torque, k2);
    for (let i = 0; i < 4; i++) y[i] = s[i] + dt2 * k2[i];
    acrobotDerivatives(y, torque, k3);
    for (let i = 0; i < 4; i++) y[i] = s[i] + dt * k3[i];
    acrobotDerivatives(y, torque, k4);
    for (let i = 0; i < 4; i++) s[i] = s[i] + (dt / 6.0) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    s[0] = wrapAngle(s[0], -Math.PI, Math.PI);
    s[1] = wrapAngle(s[1], -Math.PI, Math.PI);
    s[2] = Math.min(Math.max(s[2], -c.maxVel1), c.maxVel1);
    s[3] = Math.min(Math.max(s[3], -c.maxVel2), c.maxVel2);
    const terminated = -Math.cos(s[0]) - Math.cos(s[1] + s[0]) > 1.0;
    return { reward: terminated ? 0.0 : -1.0, terminated };
  }

  protected observe(): Float32Array {
    const s = this.state;
    return Float32Array.of(Math.cos(s[0]), Math.sin(s[0]), Math.cos(s[1]), Math.sin(s[1]), s[2], s[3]);
  }
}
