/**
 * The playground's CBO view: @descent/zeroth's `cbo` strategy driven by ask/tell on one run of
 * `particles` points in 2-D, exposing the particle positions and the consensus point each step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { key } from '@descent/core';
import { type ConsensusState, type ConsensusStrategy, cbo } from '@descent/zeroth';
import type { Surface } from './test-surfaces.js';

/** The CBO settings the page lets the user edit (CBXpy's names: σ, α, λ, dt). */
export interface SwarmSettings {
  particles: number;
  sigma: number;
  alpha: number;
  lambda: number;
  dt: number;
  noise: 'isotropic' | 'anisotropic';
  seed: number;
}

export const DEFAULT_SWARM: SwarmSettings = { particles: 60, sigma: 1, alpha: 50, lambda: 1, dt: 0.05, noise: 'anisotropic', seed: 0 };

function tensorsIn(value: unknown, into: Set<tf.Tensor> = new Set()): Set<tf.Tensor> {
  if (value instanceof tf.Tensor) into.add(value);
  else if (Array.isArray(value)) for (const v of value) tensorsIn(v, into);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) tensorsIn(v, into);
  return into;
}

/** Frees the tensors of `old` that `next` no longer holds (strategies return new states and never free old ones). */
function disposeReplaced(old: unknown, next: unknown, extra: tf.Tensor[] = []): void {
  const keep = tensorsIn(next);
  for (const t of [...tensorsIn(old), ...extra]) if (!keep.has(t) && !t.isDisposed) t.dispose();
}

/** A running CBO swarm on a surface. */
export class CboSwarm {
  /** Particle positions of the last evaluated population, `[particles][2]`. */
  particles: [number, number][] = [];
  consensus: [number, number] | undefined;
  /** f at the consensus point. */
  consensusValue = Number.NaN;
  iterations = 0;
  private readonly strategy: ConsensusStrategy;
  private state: ConsensusState;

  constructor(
    readonly surface: Surface,
    readonly settings: SwarmSettings,
  ) {
    const { sigma, alpha, lambda, dt, noise } = settings;
    this.strategy = cbo({ sigma, alpha, lambda, dt, noise });
    const low = Math.min(surface.xRange[0], surface.yRange[0]);
    const high = Math.max(surface.xRange[1], surface.yRange[1]);
    this.state = this.strategy.init({ dim: 2, popSize: settings.particles, runs: 1, key: key(settings.seed), init: { uniform: { low, high } } });
  }

  /** One CBO iteration: ask, evaluate f on the population, tell. */
  async step(): Promise<void> {
    const asked = this.strategy.ask(this.state);
    disposeReplaced(this.state, asked.state);
    this.state = asked.state;
    const population = asked.population;
    const n = population.shape[1] as number;
    const fitness = tf.tidy(() => tf.reshape(this.surface.f(tf.reshape(population, [n, 2]) as tf.Tensor2D), [1, n]));
    const positions = await population.data();
    this.particles = Array.from({ length: n }, (_, i) => [positions[2 * i], positions[2 * i + 1]] as [number, number]);
    const next = await this.strategy.tellAsync(this.state, population, fitness);
    disposeReplaced(this.state, next, [population, fitness]);
    this.state = next;
    const [c] = this.strategy.consensus(this.state);
    this.consensus = [c[0], c[1]];
    const v = tf.tidy(() => this.surface.f(tf.tensor2d([c])));
    this.consensusValue = (await v.data())[0];
    v.dispose();
    this.iterations += 1;
  }

  dispose(): void {
    for (const t of tensorsIn(this.state)) if (!t.isDisposed) t.dispose();
  }
}
