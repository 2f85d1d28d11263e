/**
 * A small deterministic gridworld for fast tests of discrete-action methods.
 *
 * @packageDocumentation
 */
import { type Key, checkKnownOptions, checkNumber } from '@descent/core';
import { EpisodicEnv, type Transition, boxSpace, discreteSpace } from './episodic-env.js';

/** Options of {@link GridWorldEnv}. */
export interface GridWorldOptions {
  /** Side length of the square grid, an integer in [2, 32]. Default 5. */
  size?: number;
  /** Truncation horizon. Default 4·size (20 for the default grid; the shortest path takes 2·(size − 1) = 8 steps). */
  maxEpisodeSteps?: number;
  /** Seed (the dynamics are deterministic; kept for the common constructor shape). Default 0. */
  seed?: number;
}

/**
 * 'GridWorld-v0': an agent on a `size × size` grid starts in the top-left cell (0, 0) and must reach the goal in the
 * bottom-right cell (size − 1, size − 1). Actions `Discrete(4)`: 0 up, 1 right, 2 down, 3 left; moving into a wall
 * leaves the agent in place. Reward −0.1 per step that does not reach the goal and +1 on the step that reaches it
 * (terminated). So the optimal return is 1 − 0.1·(2·size − 3) (0.3 on the default 5 × 5 grid) and an episode that never
 * reaches the goal returns −0.1·maxEpisodeSteps. Observation: the one-hot cell index (length size², row-major), so a
 * linear or MLP policy is tabular.
 */
export class GridWorldEnv extends EpisodicEnv {
  readonly id = 'GridWorld-v0';
  readonly size: number;
  readonly observationSpace;
  readonly actionSpace = discreteSpace(4);
  readonly maxEpisodeSteps: number;
  /** `[row, column]`. */
  protected readonly state = new Float64Array(2);

  constructor(options: GridWorldOptions = {}) {
    checkKnownOptions('GridWorldEnv', options, ['size', 'maxEpisodeSteps', 'seed']);
    super(options.seed ?? 0);
    this.size = checkNumber('GridWorldEnv', 'size', options.size ?? 5, { integer: true, min: 2, max: 32 });
    this.maxEpisodeSteps = checkNumber('GridWorldEnv', 'maxEpisodeSteps', options.maxEpisodeSteps ?? 4 * this.size, {
      integer: true,
      min: 1,
    });
    const cells = this.size * this.size;
    this.observationSpace = boxSpace(new Array<number>(cells).fill(0), new Array<number>(cells).fill(1));
  }

  protected resetState(_k: Key): void {
    this.state[0] = 0;
    this.state[1] = 0;
  }

  protected transition(action: number | Float32Array): Transition {
    const last = this.size - 1;
    let [row, col] = this.state;
    if (action === 0) row = Math.max(row - 1, 0);
    else if (action === 1) col = Math.min(col + 1, last);
    else if (action === 2) row = Math.min(row + 1, last);
    else col = Math.max(col - 1, 0);
    this.state[0] = row;
    this.state[1] = col;
    const terminated = row === last && col === last;
    return { reward: terminated ? 1 : -0.1, terminated };
  }

  protected observe(): Float32Array {
    const obs = new Float32Array(this.size * this.size);
    obs[this.state[0] * this.size + this.state[1]] = 1;
    return obs;
  }
}
