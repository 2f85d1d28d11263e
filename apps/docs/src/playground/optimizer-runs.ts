/**
 * The optimizers the playground races, and one run: a 2-vector variable stepped by the
 * @descent/core `Optimizer` runner with a @descent/optim transformation, exactly as in Node.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type GradientTransformation, Optimizer } from '@descent/core';
import { adabelief, adam, diffgrad, lion, rmsprop, sgd } from '@descent/optim';
import type { Surface } from './test-surfaces.js';

/** A hyper-parameter the page lets the user edit. */
export interface HyperParameter {
  name: string;
  value: number;
  step: number;
}

/** An optimizer of the race: its editable hyper-parameters and how to build it from them. */
export interface OptimizerSpec {
  id: string;
  label: string;
  color: string;
  hyper: HyperParameter[];
  make(h: Record<string, number>): GradientTransformation<any>;
}

export const OPTIMIZERS: readonly OptimizerSpec[] = [
  {
    id: 'adam',
    label: 'Adam',
    color: '#e6194b',
    hyper: [
      { name: 'learningRate', value: 0.1, step: 0.005 },
      { name: 'b1', value: 0.9, step: 0.01 },
      { name: 'b2', value: 0.999, step: 0.001 },
    ],
    make: (h) => adam({ learningRate: h.learningRate, b1: h.b1, b2: h.b2 }),
  },
  {
    id: 'sgd',
    label: 'SGD + momentum',
    color: '#3cb44b',
    hyper: [
      { name: 'learningRate', value: 0.001, step: 0.0001 },
      { name: 'momentum', value: 0.9, step: 0.01 },
    ],
    make: (h) => sgd({ learningRate: h.learningRate, momentum: h.momentum }),
  },
  {
    id: 'lion',
    label: 'Lion',
    color: '#4363d8',
    hyper: [
      { name: 'learningRate', value: 0.02, step: 0.001 },
      { name: 'b1', value: 0.9, step: 0.01 },
      { name: 'b2', value: 0.99, step: 0.001 },
    ],
    make: (h) => lion({ learningRate: h.learningRate, b1: h.b1, b2: h.b2 }),
  },
  {
    id: 'diffgrad',
    label: 'diffGrad',
    color: '#f58231',
    hyper: [
      { name: 'learningRate', value: 0.1, step: 0.005 },
      { name: 'b1', value: 0.9, step: 0.01 },
      { name: 'b2', value: 0.999, step: 0.001 },
    ],
    make: (h) => diffgrad({ learningRate: h.learningRate, b1: h.b1, b2: h.b2 }),
  },
  {
    id: 'adabelief',
    label: 'AdaBelief',
    color: '#911eb4',
    hyper: [
      { name: 'learningRate', value: 0.003, step: 0.005 },
      { name: 'b1', value: 0.9, step: 0.01 },
      { name: 'b2', value: 0.999, step: 0.001 },
    ],
    make: (h) => adabelief({ learningRate: h.learningRate, b1: h.b1, b2: h.b2 }),
  },
  {
    id: 'rmsprop',
    label: 'RMSprop',
    color: '#008080',
    hyper: [
      { name: 'learningRate', value: 0.01, step: 0.001 },
      { name: 'alpha', value: 0.99, step: 0.01 },
    ],
    make: (h) => rmsprop({ learningRate: h.learningRate, alpha: h.alpha }),
  },
];

/** The value of `surface` at one point, read back asynchronously (WebGPU has no sync read in workers). */
export async function valueAt(surface: Surface, point: readonly [number, number]): Promise<number> {
  const v = tf.tidy(() => surface.f(tf.tensor2d([[point[0], point[1]]])));
  const [value] = await v.data();
  v.dispose();
  return value;
}

/** One optimizer's trajectory on one surface. */
export class OptimizerRun {
  readonly path: [number, number][];
  /** f at the start point and at the last point reached. */
  readonly startLoss: number;
  loss: number;
  /** Why the run stopped early (a non-finite gradient, a diverged iterate), if it did. */
  failure: string | undefined;
  private readonly w: tf.Variable;
  private readonly optimizer: Optimizer<unknown>;

  constructor(
    readonly spec: OptimizerSpec,
    readonly surface: Surface,
    hyper: Record<string, number>,
    startLoss: number,
  ) {
    this.path = [[surface.start[0], surface.start[1]]];
    this.startLoss = startLoss;
    this.loss = startLoss;
    this.w = tf.variable(tf.tensor1d(surface.start));
    this.optimizer = new Optimizer(spec.make(hyper), { w: this.w });
  }

  private objective = (): tf.Scalar => tf.sum((this.surface.differentiable ?? this.surface.f)(tf.reshape(this.w, [1, 2]) as tf.Tensor2D));

  /** Takes one step and records the new point and its value. */
  async step(): Promise<void> {
    if (this.failure) return;
    try {
      await this.optimizer.minimizeAsync(this.objective);
    } catch (e) {
      this.failure = (e as Error).message;
      return;
    }
    const [x, y] = await this.w.data();
    this.path.push([x, y]);
    this.loss = await valueAt(this.surface, [x, y]);
    if (!Number.isFinite(this.loss)) this.failure = 'diverged';
  }

  dispose(): void {
    this.optimizer.dispose();
    this.w.dispose();
  }
}
