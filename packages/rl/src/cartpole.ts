/**
 * CartPole-v1 (Barto, Sutton & Anderson 1983), as Gymnasium's `classic_control/cartpole.py` (3f0476a) registered with
 * `max_episode_steps=500, reward_threshold=475`.
 *
 * @packageDocumentation
 */
import type { Key } from '@descent/core';
import { EpisodicEnv, type Transition, boxSpace, discreteSpace, uniformFloat64 } from './episodic-env.js';

/** Gymnasium's CartPole constants. */
export const CARTPOLE = {
  gravity: 9.8,
  massCart: 1.0,
  massPole: 0.1,
  totalMass: 1.1,
  /** Half the pole's length. */
  length: 0.5,
  poleMassLength: 0.05,
  forceMag: 10.0,
  tau: 0.02,
  xThreshold: 2.4,
  /** 12° in radians. */
  thetaThreshold: (12 * 2 * Math.PI) / 360,
  maxEpisodeSteps: 500,
  rewardThreshold: 475,
} as const;

/**
 * CartPole-v1. State `[x, ẋ, θ, θ̇]` (float64), observation the same as float32, actions `Discrete(2)` (0 pushes left
 * with −10 N, 1 right with +10 N). Euler integration with τ = 0.02:
 *
 *   temp = (F + m_p·l·θ̇²·sinθ)/M,  θ̈ = (g·sinθ − cosθ·temp) / (l·(4/3 − m_p·cos²θ/M)),  ẍ = temp − m_p·l·θ̈·cosθ/M,
 *   x ← x + τẋ,  ẋ ← ẋ + τẍ,  θ ← θ + τθ̇,  θ̇ ← θ̇ + τθ̈   (positions use the old velocities).
 *
 * Terminated when |x| > 2.4 or |θ| > 12° (0.20944 rad); reward +1 on every step including the terminating one;
 * truncated at 500 steps. Reset: every state variable ~ U(−0.05, 0.05) (core's PRNG; Gymnasium's distribution, not
 * its bits). Observation bounds `[±4.8, ±∞, ±0.41888, ±∞]`.
 */
export class CartPoleEnv extends EpisodicEnv {
  readonly id = 'CartPole-v1';
  readonly observationSpace = boxSpace(
    [-CARTPOLE.xThreshold * 2, -Infinity, -CARTPOLE.thetaThreshold * 2, -Infinity],
    [CARTPOLE.xThreshold * 2, Infinity, CARTPOLE.thetaThreshold * 2, Infinity],
  );
  readonly actionSpace = discreteSpace(2);
  readonly maxEpisodeSteps = CARTPOLE.maxEpisodeSteps;
  protected readonly state = new Float64Array(4);

  protected resetState(k: Key): void {
    this.state.set(uniformFloat64(k, 4, -0.05, 0.05));
  }

  protected transition(action: number | Float32Array): Transition {
    const c = CARTPOLE;
    const s = this.state;
    const [x, xDot, theta, thetaDot] = s;
    const force = action === 1 ? c.forceMag : -c.forceMag;
    const cos = Math.cos(theta);
    const sin = Math.sin(theta);
    const temp = (force + c.poleMassLength * thetaDot * thetaDot * sin) / c.totalMass;
    const thetaAcc = (c.gravity * sin - cos * temp) / (c.length * (4.0 / 3.0 - (c.massPole * cos * cos) / c.totalMass));
    const xAcc = temp - (c.poleMassLength * thetaAcc * cos) / c.totalMass;
    s[0] = x + c.tau * xDot;
    s[1] = xDot + c.tau * xAcc;
    s[2] = theta + c.tau * thetaDot;
    s[3] = thetaDot + c.tau * thetaAcc;
    const terminated = s[0] < -c.xThreshold || s[0] > c.xThreshold || s[2] < -c.thetaThreshold || s[2] > c.thetaThreshold;
    return { reward: 1.0, terminated };
  }

  protected observe(): Float32Array {
    return Float32Array.from(this.state);
  }
}
