/**
 * Lion (`lion`, `scaleByLion`): a float64 oracle written from the spec (`shared/specs/first-order.md`
 * §4.3, google/automl `lion_pytorch.py` and lucidrains' `decoupled_weight_decay`) checks every
 * Appendix A setting the public golden file does not carry; sign(0) = 0; the alias equals its
 * chain; bad options throw; memory stays flat; and the constrained-optimisation property of Lion
 * with decoupled weight decay (‖x‖∞ ≤ 1/λ) holds.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, type GradientTransformation, Optimizer, type Tree, chain, treeDispose } from '@descent/core';
import { addDecayedWeights, lion, scaleByLearningRate, scaleByLion } from '@descent/optim';
import { type GoldenEntry, loadGolden } from './golden.js';
import { deviations, gradseqProblem, twoPathTrajectory } from './trajectory-modes.js';

const golden = loadGolden(new URL('./fixtures/first-order.json', import.meta.url));
const ATOL = 1e-5;

interface LionHyper {
  /** Learning rate per step (index = steps already taken). */
  lr: (step: number) => number;
  b1: number;
  b2: number;
  wd: number;
  decoupled: boolean;
}

/**
 * Float64 oracle, line by line from spec §4.3: θ ← θ(1 − γλ) FIRST (λ/γ₀ with lucidrains'
 * decoupled_weight_decay), then θ ← θ − γ sign(β1 m + (1 − β1) g) with sign(0) = 0, then
 * m ← β2 m + (1 − β2) g.
 */
function lionOracle(h: LionHyper, init: number[][], grads: number[][][]): number[][][] {
  const theta = init.map((a) => a.slice());
  const m = init.map((a) => a.map(() => 0));
  const out: number[][][] = [];
  grads.forEach((g, i) => {
    const lr = h.lr(i);
    const wd = h.decoupled ? h.wd / h.lr(0) : h.wd;
    theta.forEach((leaf, k) => {
      const mk = m[k] as number[];
      for (let j = 0; j < leaf.length; j++) {
        const gi = (g[k] as number[])[j] as number;
        leaf[j] = (leaf[j] as number) * (1 - lr * wd);
        leaf[j] = (leaf[j] as number) - lr * Math.sign(h.b1 * (mk[j] as number) + (1 - h.b1) * gi);
        mk[j] = h.b2 * (mk[j] as number) + (1 - h.b2) * gi;
      }
    });
    out.push(theta.map((a) => a.slice()));
  });
  return out;
}

const constant = (x: number) => () => x;

describe('lion: float64 spec oracle', () => {
  const entry = golden.lion?.['defaults@gradseq'] as GoldenEntry;
  const problem = gradseqProblem(entry);
  const grads = entry.grads as number[][][];

  it('the oracle reproduces the public golden trajectory (so it transcribes the reference)', () => {
    const h: LionHyper = { lr: constant(1e-4), b1: 0.9, b2: 0.99, wd: 0, decoupled: false };
    deviations(lionOracle(h, entry.init, grads), entry.trajectory).forEach((d, t) => expect(d, `step ${t + 1}`).toBeLessThan(1e-12));
  });

  // Appendix A settings that only the hidden set carries, run on the public init/gradseq data.
  const hidden: [string, LionHyper, Parameters<typeof lion>[0]][] = [
    ['wd', { lr: constant(0.01), b1: 0.9, b2: 0.99, wd: 0.1, decoupled: false }, { learningRate: 0.01, weightDecay: 0.1 }],
    [
      'betas_wd',
      { lr: constant(0.003), b1: 0.95, b2: 0.98, wd: 1.0, decoupled: false },
      { learningRate: 0.003, b1: 0.95, b2: 0.98, weightDecay: 1.0 },
    ],
    [
      'lucidrains_decoupled_wd',
      { lr: constant(0.01), b1: 0.9, b2: 0.99, wd: 0.0005, decoupled: true },
      { learningRate: 0.01, b1: 0.9, b2: 0.99, weightDecay: 0.0005, decoupledWeightDecay: true },
    ],
  ];
  for (const [setting, h, options] of hidden) {
    for (const mode of ['functional', 'runner'] as const) {
      it(`hidden setting '${setting}' (${mode}): every step within 1e-5 of the oracle`, async () => {
        const devs = deviations(await twoPathTrajectory(lion(options), problem, mode), lionOracle(h, entry.init, grads));
        devs.forEach((d, t) => expect(d, `step ${t + 1}`).toBeLessThan(ATOL));
      });
    }
  }

  it('decoupledWeightDecay with a learning-rate schedule divides λ by the rate at step 0 only', async () => {
    const lr = (s: number) => 0.02 * 0.9 ** s;
    const h: LionHyper = { lr, b1: 0.9, b2: 0.99, wd: 0.004, decoupled: true };
    const got = await twoPathTrajectory(lion({ learningRate: lr, weightDecay: 0.004, decoupledWeightDecay: true }), problem, 'runner');
    deviations(got, lionOracle(h, entry.init, grads)).forEach((d, t) => expect(d, `step ${t + 1}`).toBeLessThan(ATOL));
  });
});

describe('scaleByLion', () => {
  it('sign(0) = 0: a zero gradient on zero momentum leaves the parameter where it is', async () => {
    const w = tf.variable(tf.tensor1d([1.5, -2, 0.25]));
    const opt = new Optimizer(lion({ learningRate: 0.1 }), [w]);
    const g = tf.tensor1d([0, 3, 0]);
    await opt.stepAsync([g]);
    const x = await w.data();
    expect(x[0]).toBe(1.5);
    expect(x[1]).toBeCloseTo(-2.1, 6);
    expect(x[2]).toBe(0.25);
    opt.dispose();
    treeDispose([w, g]);
  });

  it('β1 interpolates the update, β2 decays the stored momentum', async () => {
    const t = scaleByLion({ b1: 0.5, b2: 0.25 });
    const s0 = t.init([tf.zeros([2])]);
    const g1 = tf.tensor1d([1, -1]);
    const g2 = tf.tensor1d([-1.2, -1]);
    const o1 = t.update([g1], s0);
    // m1 = 0.75·g1 = [0.75, −0.75]; update 2 = sign(0.5·m1 + 0.5·g2) = sign([−0.225, −0.875]).
    const o2 = t.update([g2], o1.state);
    expect(Array.from(await ((o2.updates as tf.Tensor[])[0] as tf.Tensor).data())).toEqual([-1, -1]);
    // m2 = 0.25·m1 + 0.75·g2 = [−0.7125, −0.9375].
    const mu = await ((o2.state.slots.mu as tf.Tensor[])[0] as tf.Tensor).data();
    expect(mu[0]).toBeCloseTo(-0.7125, 6);
    expect(mu[1]).toBeCloseTo(-0.9375, 6);
    treeDispose([s0 as Tree<unknown>, g1, g2, o1 as unknown as Tree<unknown>, o2 as unknown as Tree<unknown>]);
  });
});

describe('lion equals its chain of building blocks', () => {
  const entry = golden.lion?.['defaults@gradseq'] as GoldenEntry;
  const problem = gradseqProblem(entry);
  const cases: [string, Parameters<typeof lion>[0], () => GradientTransformation<any>][] = [
    [
      'google/automl decay',
      { learningRate: 0.01, b1: 0.95, b2: 0.98, weightDecay: 0.3 },
      () => chain(scaleByLion({ b1: 0.95, b2: 0.98 }), addDecayedWeights(0.3), scaleByLearningRate(0.01)),
    ],
    [
      'lucidrains decoupled decay (λ/γ₀)',
      { learningRate: 0.02, weightDecay: 0.001, decoupledWeightDecay: true },
      () => chain(scaleByLion({ b1: 0.9, b2: 0.99 }), addDecayedWeights(0.001 / 0.02), scaleByLearningRate(0.02)),
    ],
  ];
  for (const [label, options, byHand] of cases) {
    it(`${label}: the alias gives the same numbers as the chain written out`, async () => {
      expect(await twoPathTrajectory(lion(options), problem, 'functional')).toEqual(await twoPathTrajectory(byHand(), problem, 'functional'));
    });
  }

  it('defaults: learningRate 1e-4, b1 0.9, b2 0.99, weightDecay 0, decoupledWeightDecay false', async () => {
    const a = await twoPathTrajectory(lion(), problem, 'runner');
    expect(a).toEqual(await twoPathTrajectory(lion({ learningRate: 1e-4, b1: 0.9, b2: 0.99, weightDecay: 0, decoupledWeightDecay: false }), problem, 'runner'));
    deviations(a, entry.trajectory).forEach((d, t) => expect(d, `step ${t + 1}`).toBeLessThan(ATOL));
  });
});

describe('lion: bad input', () => {
  const cases: [string, () => unknown, string, RegExp][] = [
    ['negative learningRate', () => lion({ learningRate: -1e-4 }), 'learningRate', /lion: learningRate must be a finite number >= 0, got -0.0001/],
    ['b1 = 1', () => lion({ b1: 1 }), 'b1', /lion: b1 must be a finite number in \[0, 1\), got 1/],
    ['b2 > 1', () => lion({ b2: 1.5 }), 'b2', /lion: b2 must be a finite number in \[0, 1\), got 1.5/],
    ['negative weightDecay', () => lion({ weightDecay: -1 }), 'weightDecay', /lion: weightDecay must be a finite number >= 0, got -1/],
    ['decoupledWeightDecay not boolean', () => lion({ decoupledWeightDecay: 'true' as never }), 'decoupledWeightDecay', /decoupledWeightDecay must be a boolean, got 'true'/],
    [
      'decoupledWeightDecay with learningRate 0',
      () => lion({ learningRate: 0, weightDecay: 0.1, decoupledWeightDecay: true }),
      'learningRate',
      /lion: learningRate must be > 0 at step 0 when decoupledWeightDecay is true/,
    ],
    [
      'decoupledWeightDecay with a schedule that starts at 0',
      () => lion({ learningRate: (s) => 1e-3 * s, decoupledWeightDecay: true }),
      'learningRate',
      /lion: learningRate must be > 0 at step 0 when decoupledWeightDecay is true .* got 0/,
    ],
    ['unknown option', () => lion({ betas: [0.9, 0.99] } as never), 'betas', /lion: unknown option 'betas'/],
    ['scaleByLion b1', () => scaleByLion({ b1: -0.1 }), 'b1', /scaleByLion: b1 must be a finite number in \[0, 1\), got -0.1/],
    ['scaleByLion unknown', () => scaleByLion({ learningRate: 1 } as never), 'learningRate', /scaleByLion: unknown option 'learningRate'/],
  ];
  for (const [label, call, parameter, message] of cases) {
    it(`${label} → DescentError naming '${parameter}'`, () => {
      let caught: unknown;
      try {
        call();
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(DescentError);
      expect((caught as DescentError).parameter).toBe(parameter);
      expect((caught as DescentError).message).toMatch(message);
    });
  }

  it('a b1 schedule leaving [0, 1) fails at that step, before params or state change', async () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const opt = new Optimizer(lion({ learningRate: 0.1, b1: (s) => (s < 3 ? 0.9 : 1) }), [w]);
    const g = tf.tensor1d([0.5, -0.5]);
    for (let i = 0; i < 3; i++) await opt.stepAsync([g]);
    const before = Array.from(await w.data());
    await expect(opt.stepAsync([g])).rejects.toThrow(/lion: b1\(step 3\) must be a finite number in \[0, 1\), got 1/);
    expect(Array.from(await w.data())).toEqual(before);
    opt.dispose();
    treeDispose([w, g]);
  });
});

describe('lion: memory', () => {
  for (const inPlace of [true, false]) {
    it(`tf.memory().numTensors stays flat across runner steps (inPlace ${inPlace})`, async () => {
      const vars = [tf.variable(tf.randomNormal([4, 5], 0, 1, 'float32', 1)), tf.variable(tf.randomNormal([7], 0, 1, 'float32', 2))];
      const opt = new Optimizer(lion({ learningRate: 0.01, weightDecay: 0.1 }), vars, { inPlace });
      const grads = vars.map((v, k) => tf.randomNormal(v.shape, 0, 1, 'float32', 10 + k));
      await opt.stepAsync(grads);
      const baseline = tf.memory().numTensors;
      for (let i = 0; i < 20; i++) {
        await opt.stepAsync(grads);
        expect(tf.memory().numTensors).toBe(baseline);
      }
      opt.dispose();
      treeDispose([vars, grads]);
    });
  }
});

/**
 * Lion with decoupled weight decay λ solves min f(x) s.t. ‖x‖∞ ≤ 1/λ (Chen et al. 2023, "Symbolic
 * Discovery of Optimization Algorithms", which notes the update makes ‖x‖∞ ≤ 1/λ for large t;
 * Chen, Liang, Liu, Liu 2023, "Lion Secretly Solves Constrained Optimization: As Lyapunov
 * Predicts", which proves it). Per coordinate, x ← x(1 − γλ) − γs with |s| ≤ 1, so with γλ ≤ 1
 *
 *   |x_{t+1}| − 1/λ ≤ (1 − γλ)(|x_t| − 1/λ):
 *
 * the excess over the box shrinks geometrically and the box is invariant. Here f(x) = ½‖x − c‖²
 * with c = (5, −7, 3, 0.5, −1.5), whose unconstrained minimiser is outside the box 1/λ = 2; the
 * start (9, 6, −8, 0, −4) is outside too. Asserted at every step t:
 *
 *   ‖x_t‖∞ ≤ 1/λ + (1 − γλ)^t (‖x_0‖∞ − 1/λ) + δ,   δ = 2e-5,
 *
 * where δ covers float32 rounding: each step rounds values of size ≈ 2 with relative error
 * ≲ 3·2⁻²⁴ (≈ 3.6e-7 absolute), and the contraction (1 − γλ) per step keeps the accumulated
 * rounding below 3.6e-7/(γλ) ≈ 7.2e-6 < δ. After 300 steps the geometric term is
 * 0.95³⁰⁰·7 ≈ 1.5e-6, so ‖x‖∞ ≤ 2 + 2.2e-5. The iterate also reaches the constrained minimiser
 * clip(c, −2, 2): the clipped coordinates converge to ±2 (there sign(x − c) = ∓1 is constant and
 * x = ±1/λ is the fixed point), the free ones oscillate within 2γ of c.
 */
describe('Lion solves the ‖x‖∞ ≤ 1/λ constrained problem (Chen et al. 2023)', () => {
  const c = [5, -7, 3, 0.5, -1.5];
  const x0 = [9, 6, -8, 0, -4];
  const steps = 300;
  const delta = 2e-5;
  const variants: [string, Parameters<typeof lion>[0], number][] = [
    ['google/automl, λ = 0.5', { learningRate: 0.1, weightDecay: 0.5 }, 0.5],
    ['lucidrains decoupled, λ/γ₀ = 0.05/0.1', { learningRate: 0.1, weightDecay: 0.05, decoupledWeightDecay: true }, 0.5],
  ];
  for (const [label, options, lambda] of variants) {
    it(`${label}: ‖x_t‖∞ − 1/λ shrinks geometrically from outside, and x → clip(c, −1/λ, 1/λ)`, async () => {
      const gamma = options?.learningRate as number;
      const box = 1 / lambda;
      expect(Math.max(...c.map(Math.abs))).toBeGreaterThan(box);
      const excess0 = Math.max(...x0.map(Math.abs)) - box;
      expect(excess0).toBeGreaterThan(0);
      const x = tf.variable(tf.tensor1d(x0));
      const target = tf.tensor1d(c);
      const opt = new Optimizer(lion(options), [x]);
      let values: Float32Array = new Float32Array(0);
      for (let t = 1; t <= steps; t++) {
        const g = tf.sub(x, target);
        await opt.stepAsync([g]);
        g.dispose();
        values = (await x.data()) as Float32Array;
        const norm = Math.max(...Array.from(values, Math.abs));
        expect(norm, `step ${t}`).toBeLessThanOrEqual(box + (1 - gamma * lambda) ** t * excess0 + delta);
      }
      expect(Math.max(...Array.from(values, Math.abs))).toBeLessThanOrEqual(box + 0.95 ** steps * excess0 + delta);
      c.forEach((ci, i) => {
        const clipped = Math.min(box, Math.max(-box, ci));
        const tol = Math.abs(ci) > box ? 1e-4 : 2 * gamma;
        expect(Math.abs((values[i] as number) - clipped), `coordinate ${i}`).toBeLessThanOrEqual(tol);
      });
      opt.dispose();
      treeDispose([x, target]);
    });
  }
});
