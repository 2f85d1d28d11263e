// The worked example of CONTRIBUTING.md, verbatim, with the tests that document asks of a new optimizer.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  DescentError,
  type ElementwiseState,
  type GradientTransformation,
  Optimizer,
  type ScalarOrSchedule,
  checkKnownOptions,
  checkScalarOrSchedule,
  defineElementwiseRule,
  elementwiseTransformation,
  setCpuKernels,
  setFusedKernels,
  treeDispose,
} from '@descent/core';

const rule = defineElementwiseRule({
  name: 'signum',
  state: ['momentum'],
  scalars: ['lr', 'beta'],
  body: ({ grad, momentum }, { lr, beta }, op) => {
    const m = op.add(op.mul(beta, momentum), op.mul(op.sub(1, beta), grad));
    return { momentum: m, update: op.mul(op.neg(lr), op.sign(m)) };
  },
});

function signum(options: { learningRate: ScalarOrSchedule; beta?: ScalarOrSchedule }): GradientTransformation<ElementwiseState<'momentum'>> {
  checkKnownOptions('signum', options, ['learningRate', 'beta']);
  const lr = checkScalarOrSchedule('signum', 'learningRate', options.learningRate, { min: 0 });
  const beta = checkScalarOrSchedule('signum', 'beta', options.beta ?? 0.9, { min: 0, lessThan: 1 });
  return elementwiseTransformation({ rule, scalars: (count) => ({ lr: lr(count), beta: beta(count) }) });
}

async function run(inPlace: boolean, fused: boolean, cpuKernels: 'wasm-simd' | 'js'): Promise<number[][]> {
  setFusedKernels(fused);
  setCpuKernels(cpuKernels);
  try {
    const w = tf.variable(tf.tensor1d([0.5, -0.25, 2]));
    const opt = new Optimizer(signum({ learningRate: 0.1, beta: 0.5 }), [w], { inPlace });
    const gs = [[1, -1, 0.5], [-3, -1, 0.1], [0.5, 2, -4]].map((g) => tf.tensor1d(g));
    const out: number[][] = [];
    const baseline = tf.memory().numTensors;
    for (const g of gs) {
      await opt.stepAsync([g]);
      out.push(Array.from(await w.data()));
    }
    expect(tf.memory().numTensors).toBe(baseline);
    treeDispose([w, gs]);
    opt.dispose();
    return out;
  } finally {
    setFusedKernels(true);
    setCpuKernels('wasm-simd');
  }
}

describe('CONTRIBUTING worked example: signum', () => {
  it('matches hand-computed steps, fused (both CPU kernel forms) or not, in place or not', async () => {
    // m1 = 0.5 g1 = [0.5,-0.5,0.25] → Δ = -0.1·sign = [-0.1, 0.1, -0.1]
    // m2 = 0.5 m1 + 0.5 g2 = [-1.25, -0.75, 0.175] → Δ = [0.1, 0.1, -0.1]
    // m3 = 0.5 m2 + 0.5 g3 = [-0.375, 0.625, -1.9125] → Δ = [0.1, -0.1, 0.1]
    const f = (xs: number[]) => Array.from(new Float32Array(xs));
    const expected = [f([0.4, -0.15, 1.9]), f([0.5, -0.05, 1.8]), f([0.6, -0.15, 1.9])];
    const variants = [[true, true, 'wasm-simd'], [false, true, 'wasm-simd'], [true, true, 'js'], [false, true, 'js'], [false, false, 'js']] as const;
    for (const [inPlace, fused, cpuKernels] of variants) {
      const got = await run(inPlace, fused, cpuKernels);
      got.forEach((row, t) => row.forEach((x, i) => expect(x).toBeCloseTo((expected[t] as number[])[i] as number, 6)));
    }
  });

  it('rejects bad options with DescentError', () => {
    expect(() => signum({ learningRate: -0.1 })).toThrow(DescentError);
    expect(() => signum({ learningRate: 0.1, beta: 1 })).toThrow(/beta must be a finite number in \[0, 1\), got 1/);
    expect(() => signum({ learningRate: 0.1, betta: 0.9 } as never)).toThrow(/unknown option 'betta'/);
  });
});
