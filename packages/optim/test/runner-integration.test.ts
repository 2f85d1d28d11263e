/**
 * What users of the aliases expect from the runner: one fused dispatch per parameter tensor on
 * WebGPU (no tfjs kernel at all on the CPU), flat tensor counts over 1,000 steps, checkpoints that
 * continue the exact trajectory, and tfjs-layers training, saving and loading.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import {
  DescentTfOptimizer,
  type GradientTransformation,
  Optimizer,
  asTfOptimizer,
  deserializeState,
  serializeStateAsync,
  treeDispose,
} from '@descent/core';
import { adabelief, adam, adamw, diffgrad, lion, nadam, radam, sgd } from '@descent/optim';

const ELEMENTWISE: [string, () => GradientTransformation<any>][] = [
  ['sgd', () => sgd({ learningRate: 0.01, momentum: 0.9, weightDecay: 1e-3 })],
  ['adam', () => adam({ learningRate: 1e-2 })],
  ['adamw', () => adamw({ learningRate: 1e-2, amsgrad: true })],
  ['nadam', () => nadam({ learningRate: 1e-2 })],
  ['radam', () => radam({ learningRate: 1e-2 })],
  ['diffgrad', () => diffgrad({ learningRate: 1e-2 })],
  ['adabelief', () => adabelief({ learningRate: 1e-2 })],
  ['lion', () => lion({ learningRate: 1e-3, weightDecay: 0.1 })],
];

function makeParams() {
  return {
    w: tf.variable(tf.tensor2d([[0.5, -1, 0.25], [2, 0.1, -0.3]])),
    b: tf.variable(tf.tensor1d([1, -2, 3])),
    s: tf.variable(tf.scalar(0.7)),
  };
}

function gradsAt(t: number) {
  return {
    w: tf.tensor2d([[Math.sin(t), Math.cos(t), 0.3], [-0.2 * t, 0.5, Math.sin(3 * t)]]),
    b: tf.tensor1d([0.1 * t, -1, Math.cos(2 * t)]),
    s: tf.scalar(Math.sin(t) + 0.2),
  };
}

/** Counts compute dispatches recorded on the WebGPU device (tfjs's and descent's alike). */
function countDispatches(): { count: () => number; restore: () => void } {
  const device = (tf.backend() as unknown as { device: { createCommandEncoder: (...a: unknown[]) => unknown } }).device;
  const original = device.createCommandEncoder;
  let n = 0;
  device.createCommandEncoder = function (this: unknown, ...args: unknown[]) {
    const encoder = original.apply(this, args) as { beginComputePass: (...a: unknown[]) => unknown };
    const begin = encoder.beginComputePass;
    encoder.beginComputePass = function (this: unknown, ...a: unknown[]) {
      const pass = begin.apply(this, a) as { dispatchWorkgroups: (...d: unknown[]) => void };
      const dispatch = pass.dispatchWorkgroups;
      pass.dispatchWorkgroups = function (this: unknown, ...d: unknown[]) {
        n++;
        return dispatch.apply(this, d);
      };
      return pass;
    };
    return encoder;
  };
  return { count: () => n, restore: () => (device.createCommandEncoder = original) };
}

describe.each(ELEMENTWISE)('%s under the Optimizer runner', (_name, make) => {
  it('one fused kernel per parameter tensor per step: 3 WebGPU dispatches, or no tfjs kernel on the CPU', async () => {
    const params = makeParams();
    const opt = new Optimizer(make(), params, { nonFinite: 'off' });
    const g = gradsAt(1);
    await opt.stepAsync(g); // first step: pipelines compile, state exists
    const g2 = gradsAt(2);
    for (const t of Object.values(g2)) await t.data(); // make sure the gradients are materialised before counting
    if (tf.getBackend() === 'webgpu') {
      const counter = countDispatches();
      try {
        await opt.stepAsync(g2);
      } finally {
        counter.restore();
      }
      expect(counter.count()).toBe(3);
    } else {
      const profile = await tf.profile(() => {
        opt.step(g2);
      });
      expect(profile.kernels.length).toBe(0);
      expect(profile.newTensors).toBe(0);
    }
    opt.dispose();
    treeDispose([params, g, g2]);
  });

  it('keeps the tensor count flat over 1,000 steps', async () => {
    const params = makeParams();
    const opt = new Optimizer(make(), params);
    const g = gradsAt(3);
    await opt.stepAsync(g);
    const baseline = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) {
      if (tf.getBackend() === 'cpu') opt.step(g);
      else await opt.stepAsync(g);
    }
    expect(tf.memory().numTensors).toBe(baseline);
    expect(opt.stepCount).toBe(1001);
    opt.dispose();
    treeDispose([params, g]);
  });

  it('10 steps, save to bytes, load into a fresh optimizer, 10 more == 20 straight', async () => {
    const straightParams = makeParams();
    const straight = new Optimizer(make(), straightParams);
    for (let t = 0; t < 20; t++) {
      const g = gradsAt(t);
      await straight.stepAsync(g);
      treeDispose(g);
    }

    const firstParams = makeParams();
    const first = new Optimizer(make(), firstParams);
    for (let t = 0; t < 10; t++) {
      const g = gradsAt(t);
      await first.stepAsync(g);
      treeDispose(g);
    }
    const dict = first.stateDict();
    const bytes = await serializeStateAsync(dict as never);
    treeDispose(dict.state);
    first.dispose();

    // A fresh optimizer on the same parameters (as after reloading a model), state from bytes.
    const second = new Optimizer(make(), firstParams);
    second.loadStateDict(deserializeState(bytes) as never);
    for (let t = 10; t < 20; t++) {
      const g = gradsAt(t);
      await second.stepAsync(g);
      treeDispose(g);
    }
    expect(second.stepCount).toBe(20);
    for (const k of ['w', 'b', 's'] as const) {
      expect(Array.from(await firstParams[k].data())).toEqual(Array.from(await straightParams[k].data()));
    }
    second.dispose();
    straight.dispose();
    treeDispose([straightParams, firstParams]);
  });
});

describe('asTfOptimizer(adabelief) with tfjs-layers', () => {
  it('trains a tf.sequential model with fit, and is saved and loaded with the model', async () => {
    const factory = (config: tf.serialization.ConfigDict) => adabelief({ learningRate: config.learningRate as number });
    const config = { learningRate: 0.05 };
    const makeModel = () => {
      const model = tfl.sequential({
        layers: [
          tfl.layers.dense({ units: 4, inputShape: [2], activation: 'tanh', kernelInitializer: 'glorotNormal' }),
          tfl.layers.dense({ units: 1 }),
        ],
      });
      model.compile({ optimizer: asTfOptimizer(factory(config), { name: 'adabelief-layers-test', factory, config }), loss: 'meanSquaredError' });
      return model;
    };
    const xs = tf.tensor2d([[0, 0], [0, 1], [1, 0], [1, 1], [0.5, 0.5], [0.2, 0.8]]);
    const ys = tf.tensor2d([[0], [1], [1], [0], [0.5], [0.7]]);
    const model = makeModel();
    const history = await model.fit(xs, ys, { epochs: 150, batchSize: 6, shuffle: false, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[losses.length - 1] as number).toBeLessThan((losses[0] as number) / 3);

    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }), { includeOptimizer: true });
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    expect(loaded.optimizer).toBeInstanceOf(DescentTfOptimizer);
    // The loaded model continues exactly like the original.
    await model.fit(xs, ys, { epochs: 5, batchSize: 6, shuffle: false, verbose: 0 });
    await loaded.fit(xs, ys, { epochs: 5, batchSize: 6, shuffle: false, verbose: 0 });
    const [a, b] = [model.getWeights(), loaded.getWeights()];
    for (let k = 0; k < a.length; k++) {
      const [x, y] = [await (a[k] as tf.Tensor).data(), await (b[k] as tf.Tensor).data()];
      x.forEach((v, i) => expect(y[i]).toBeCloseTo(v, 5));
    }
    for (const m of [model, loaded]) {
      m.optimizer.dispose();
      m.dispose();
    }
    tf.dispose([xs, ys]);
  });
});
