/**
 * The optimizer shoot-out: the same model, data, seed and budget for every optimizer.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Key, Optimizer, type Params, foldIn, key, permutation, treeDispose } from '@descent/core';
import { type DigitSplit, PIXELS, splitDigits } from './mnist-digits.js';
import { type ModelName, makeModel } from './models.js';
import { OPTIMIZER_PRESETS } from './optimizer-presets.js';

/** Settings of a shoot-out. */
export interface ShootoutSettings {
  optimizers: string[];
  model: ModelName;
  epochs: number;
  batchSize: number;
  trainCount: number;
  testCount: number;
  seed: number;
  /** Record the training loss every this many steps. */
  logEvery: number;
}

/** What one optimizer achieved. */
export interface ShootoutResult {
  optimizer: string;
  description: string;
  /** Training loss (mean over the last `logEvery` steps) by step. */
  lossCurve: { step: number; loss: number }[];
  /** Test accuracy after each epoch. */
  accuracyCurve: { epoch: number; accuracy: number }[];
  finalLoss: number;
  testAccuracy: number;
  steps: number;
  stepsPerSecond: number;
  wallSeconds: number;
}

/** Progress hooks (the CLI draws bars with them). */
export interface ShootoutHooks {
  onStart?(optimizer: string, totalSteps: number): void;
  onStep?(optimizer: string, step: number, loss: number | undefined): void;
  onDone?(result: ShootoutResult): void;
}

async function accuracy(forward: (x: tf.Tensor2D) => tf.Tensor2D, data: DigitSplit): Promise<number> {
  const predictions = tf.tidy(() => tf.argMax(forward(tf.tensor2d(data.testImages, [data.testCount, PIXELS])), 1));
  const predicted = await predictions.data();
  predictions.dispose();
  let correct = 0;
  for (let i = 0; i < data.testCount; i++) if (predicted[i] === data.testLabels[i]) correct++;
  return correct / data.testCount;
}

function batch(data: DigitSplit, order: Int32Array, start: number, size: number): { x: tf.Tensor2D; y: tf.Tensor2D } {
  const x = new Float32Array(size * PIXELS);
  const labels = new Int32Array(size);
  for (let i = 0; i < size; i++) {
    const j = order[start + i] as number;
    x.set(data.trainImages.subarray(j * PIXELS, (j + 1) * PIXELS), i * PIXELS);
    labels[i] = data.trainLabels[j] as number;
  }
  return { x: tf.tensor2d(x, [size, PIXELS]), y: tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), 10) as tf.Tensor2D) };
}

/** Trains one optimizer; the data order depends only on the seed and the epoch, never on the optimizer. */
export async function trainOne(name: string, settings: ShootoutSettings, data: DigitSplit, hooks: ShootoutHooks = {}): Promise<ShootoutResult> {
  const preset = OPTIMIZER_PRESETS[name];
  if (preset === undefined) throw new RangeError(`unknown optimizer '${name}'`);
  const root = key(settings.seed);
  const model = makeModel(settings.model, foldIn(root, 1));
  const opt = new Optimizer(preset.make(model.params as unknown as Params), model.params);
  const stepsPerEpoch = Math.floor(data.trainCount / settings.batchSize);
  const totalSteps = stepsPerEpoch * settings.epochs;
  hooks.onStart?.(name, totalSteps);
  const lossCurve: { step: number; loss: number }[] = [];
  const accuracyCurve: { epoch: number; accuracy: number }[] = [];
  let window: number[] = [];
  let step = 0;
  const t0 = performance.now();
  for (let epoch = 0; epoch < settings.epochs; epoch++) {
    const order = permutation(foldIn(root, 1000 + epoch) as Key, data.trainCount);
    for (let b = 0; b < stepsPerEpoch; b++) {
      const { x, y } = batch(data, order, b * settings.batchSize, settings.batchSize);
      const loss = await opt.minimizeAsync(() => tf.losses.softmaxCrossEntropy(y, model.forward(x)) as tf.Scalar);
      tf.dispose([x, y]);
      step++;
      window.push(loss);
      if (step % settings.logEvery === 0 || step === totalSteps) {
        lossCurve.push({ step, loss: window.reduce((a, c) => a + c, 0) / window.length });
        window = [];
      }
      hooks.onStep?.(name, step, loss);
    }
    accuracyCurve.push({ epoch: epoch + 1, accuracy: await accuracy(model.forward, data) });
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  opt.dispose();
  treeDispose(model.params);
  const result: ShootoutResult = {
    optimizer: name,
    description: preset.description,
    lossCurve,
    accuracyCurve,
    finalLoss: lossCurve[lossCurve.length - 1]?.loss ?? Number.NaN,
    testAccuracy: accuracyCurve[accuracyCurve.length - 1]?.accuracy ?? Number.NaN,
    steps: step,
    stepsPerSecond: step / wallSeconds,
    wallSeconds,
  };
  hooks.onDone?.(result);
  return result;
}

/** Runs every optimizer of `settings` on the same split. */
export async function runShootout(settings: ShootoutSettings, hooks: ShootoutHooks = {}): Promise<ShootoutResult[]> {
  const data = splitDigits(key(settings.seed), settings.trainCount, settings.testCount);
  const results: ShootoutResult[] = [];
  for (const name of settings.optimizers) results.push(await trainOne(name, settings, data, hooks));
  return results;
}
