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

    // Optimizer weights: the iteration count plus one momentum buffer per variable.
    const weights = await optimizer.getWeights();
    expect(weights.map((w) => w.name)[0]).toBe('iter');
    expect(weights.length).toBe(3);
    weights.forEach((w) => w.tensor.dispose());
    model.dispose();
    optimizer.dispose();
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
