import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { DescentError, DescentTfOptimizer, asTfOptimizer, heavyBall } from '@descent/core';

describe('asTfOptimizer', () => {
  it('is a tf.Optimizer that tfjs-layers compiles and fits, matching the runner’s numbers', async () => {
    // y = 3x - 1 on 8 points; one dense unit starting at kernel 0, bias 0.
    const xs = tf.tensor2d([-2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2], [8, 1]);
    const ys = tf.sub(tf.mul(xs, 3), 1);
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ units: 1, inputShape: [1], kernelInitializer: 'zeros', biasInitializer: 'zeros' })],
    });
    const optimizer = asTfOptimizer(heavyBall({ learningRate: 0.1, momentum: 0.5 }));
    expect(optimizer).toBeInstanceOf(tf.Optimizer);
    model.compile({ optimizer, loss: 'meanSquaredError' });
    const history = await model.fit(xs, ys, { epochs: 60, batchSize: 8, shuffle: false, verbose: 0 });
    const losses = history.history.loss as number[];
    expect(losses[0]).toBeCloseTo(((9 * (4 + 2.25 + 1 + 0.25) * 2) / 8 + 1) as number, 4); // MSE at w = 0, b = 0: mean((3x-1)^2)
    expect(losses[losses.length - 1] as number).toBeLessThan(1e-4);
    const [kernel, bias] = model.getWeights();
    expect((await (kernel as tf.Tensor).data())[0]).toBeCloseTo(3, 2);
    expect((await (bias as tf.Tensor).data())[0]).toBeCloseTo(-1, 2);
    expect(optimizer.iterations).toBe(60);

    // Optimizer weights: the iteration count, one momentum buffer per variable, the step count.
    const weights = await optimizer.getWeights();
    expect(weights.map((w) => w.name.replace(/dense_Dense\d+/, 'dense'))).toEqual([
      'iter',
      'number/count',
      'state/slots.trace.dense/bias',
      'state/slots.trace.dense/kernel',
    ]);
    weights.forEach((w) => w.tensor.dispose());
    model.dispose();
    optimizer.dispose();
    tf.dispose([xs, ys]);
  });

  it('saves and loads with the model (includeOptimizer) and continues the same trajectory', async () => {
    const factory = (config: tf.serialization.ConfigDict) =>
      heavyBall({ learningRate: config.learningRate as number, momentum: config.momentum as number });
    const config = { learningRate: 0.05, momentum: 0.9 };
    const makeModel = () => {
      const model = tfl.sequential({
        layers: [tfl.layers.dense({ units: 1, inputShape: [2], kernelInitializer: 'zeros', biasInitializer: 'zeros' })],
      });
      model.compile({ optimizer: asTfOptimizer(factory(config), { name: 'heavyBall-save-test', factory, config }), loss: 'meanSquaredError' });
      return model;
    };
    const xs = tf.tensor2d([[1, 2], [-1, 0.5], [0.3, -2], [2, 1]]);
    const ys = tf.tensor2d([[1], [-2], [0.5], [3]]);
    const fitOptions = { epochs: 5, batchSize: 4, shuffle: false, verbose: 0 as const };

    // Uninterrupted: 10 epochs.
    const straight = makeModel();
    await straight.fit(xs, ys, { ...fitOptions, epochs: 10 });
    const expected = await Promise.all(straight.getWeights().map((w) => w.data()));

    // 5 epochs, save with the optimizer, load, 5 more.
    const first = makeModel();
    await first.fit(xs, ys, fitOptions);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await first.save(tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }), { includeOptimizer: true });
    const loaded = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    expect(loaded.optimizer).toBeInstanceOf(DescentTfOptimizer);
    await loaded.fit(xs, ys, fitOptions);
    const got = await Promise.all(loaded.getWeights().map((w) => w.data()));
    got.forEach((w, k) => Array.from(w).forEach((x, j) => expect(x).toBeCloseTo((expected[k] as Float32Array)[j] as number, 5)));
    expect((loaded.optimizer as DescentTfOptimizer).iterations).toBe(10);
    for (const m of [straight, first, loaded]) {
      m.optimizer.dispose();
      m.dispose();
    }
    tf.dispose([xs, ys]);
  });

  it('serialises through a registered factory and rebuilds with fromConfig', () => {
    const factory = (config: tf.serialization.ConfigDict) => heavyBall({ learningRate: config.learningRate as number });
    const opt = asTfOptimizer(factory({ learningRate: 0.2 }), { name: 'heavyBall-test', factory, config: { learningRate: 0.2 } });
    expect(opt.getClassName()).toBe('DescentOptimizer');
    const config = opt.getConfig();
    expect(config).toEqual({ learningRate: 0.2, descentFactory: 'heavyBall-test' });
    const rebuilt = DescentTfOptimizer.fromConfig(DescentTfOptimizer, config);
    expect(rebuilt).toBeInstanceOf(DescentTfOptimizer);
    expect(rebuilt.getConfig()).toEqual(config);
    expect(() => DescentTfOptimizer.fromConfig(DescentTfOptimizer, { descentFactory: 'nobody' })).toThrow(DescentError);
    expect(() => asTfOptimizer({} as never)).toThrow(/transform must be a GradientTransformation/);
  });
});
