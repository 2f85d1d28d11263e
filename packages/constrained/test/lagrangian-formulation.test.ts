/**
 * Cooper-style formulations and the primal–dual runner: formulation values against hand-computed numbers, Cooper
 * issue #80 (x* = y* = ½, μ* = −1) under every update scheme, an inequality with a closed-form penalty minimiser,
 * projection, memory, and bad input.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { sgd } from '@descent/optim';
import {
  type CmpState,
  type ConstrainedUpdate,
  augmentedLagrangianFormulation,
  constrainedOptimizer,
  cooperIssue80,
  lagrangianFormulation,
  quadraticPenaltyFormulation,
} from '@descent/constrained';

const issue80 = (p: unknown): CmpState => {
  const { x, y } = p as { x: tf.Scalar; y: tf.Scalar };
  return { loss: tf.add(tf.square(x), tf.square(y)), eq: tf.reshape(tf.sub(tf.add(x, y), 1), [1]) };
};

async function scalars(...ts: tf.Tensor[]): Promise<number[]> {
  const out: number[] = [];
  for (const t of ts) out.push(...(await t.data()));
  return out;
}

describe('formulations', () => {
  const h = () => tf.tensor1d([1, 2]);
  const g = () => tf.tensor1d([0.5, -1]);
  const mu = () => tf.tensor1d([3, -1]);
  const lam = () => tf.tensor1d([2, 1]);

  it('lagrangian: μᵀh + λᵀg', async () => {
    const v = lagrangianFormulation().primal({ eq: h(), ineq: g() }, { eq: mu(), ineq: lam() }, 0);
    expect(await v.data()).toEqual(new Float32Array([3 - 2 + 1 - 1]));
  });

  it('augmented Lagrangian: μᵀh + (c/2)‖h‖² + (1/2c)Σ(max(0, λ + cg)² − λ²)', async () => {
    const f = augmentedLagrangianFormulation({ penaltyCoefficient: 2 });
    // eq: 3·1 − 1·2 + (2/2)(1 + 4) = 6; ineq: λ + cg = (3, −1): (9 − 4)/4 = 1.25 and (0 − 1)/4 = −0.25.
    const v = f.primal({ eq: h(), ineq: g() }, { eq: mu(), ineq: lam() }, f.penaltyCoefficient(0));
    expect((await v.data())[0]).toBeCloseTo(6 + 1.25 - 0.25, 6);
    const d = f.dualGradient({ eq: h(), ineq: g() }, 2);
    expect(await scalars(d.eq as tf.Tensor, d.ineq as tf.Tensor)).toEqual([2, 4, 1, -2]);
  });

  it('quadratic penalty: (c/2)(‖h‖² + ‖max(0, g)‖²), no multipliers', async () => {
    const f = quadraticPenaltyFormulation({ penaltyCoefficient: 2 });
    expect(f.usesMultipliers).toBe(false);
    const v = f.primal({ eq: h(), ineq: g() }, {}, 2);
    expect((await v.data())[0]).toBeCloseTo(5 + 0.25, 6);
  });

  it('augmented Lagrangian with c = 0 is the Lagrangian, with finite gradients (Cooper issue #106)', async () => {
    const f = augmentedLagrangianFormulation({ penaltyCoefficient: 0 });
    const lamT = tf.tensor1d([0, 1.5]);
    const x = tf.tensor1d([0.3, -0.7]);
    const { value, grad } = tf.valueAndGrad((z: tf.Tensor1D) => f.primal({ ineq: tf.mul(z, 2) }, { ineq: lamT }, 0))(x);
    expect((await value.data())[0]).toBeCloseTo(1.5 * -1.4, 6);
    expect(Array.from(await grad.data())).toEqual([0, 3]);
  });

  it('schedules of the penalty coefficient are evaluated at the dual step', () => {
    const f = augmentedLagrangianFormulation({ penaltyCoefficient: (t) => 1 + t });
    expect([f.penaltyCoefficient(0), f.penaltyCoefficient(9)]).toEqual([1, 10]);
  });
});

describe('constrainedOptimizer on Cooper issue #80', () => {
  const updates: ConstrainedUpdate[] = ['simultaneous', 'alternating-x-first', 'alternating-lambda-first', 'extragradient'];
  for (const update of updates) {
    it(`${update}: x = y = 1/2, μ = −1, tensor count flat`, async (ctx) => {
      if (tf.getBackend() !== 'cpu') ctx.skip('600 synchronous steps: cpu lane');
      const params = { x: tf.variable(tf.scalar(0)), y: tf.variable(tf.scalar(0)) };
      const opt = constrainedOptimizer({
        formulation: lagrangianFormulation(),
        primal: sgd({ learningRate: 0.1 }),
        dual: sgd({ learningRate: 0.1 }),
        update,
      });
      let last = opt.step(params, issue80);
      const before = tf.memory().numTensors;
      for (let t = 1; t < 600; t++) last = opt.step(params, issue80);
      expect(tf.memory().numTensors).toBe(before);
      const [x, y] = await scalars(params.x, params.y);
      expect(x).toBeCloseTo(cooperIssue80.xStar[0] as number, 4);
      expect(y).toBeCloseTo(cooperIssue80.xStar[1] as number, 4);
      expect(last.multipliers.eq[0]).toBeCloseTo(cooperIssue80.multipliers.eq[0] as number, 3);
      expect(last.loss).toBeCloseTo(cooperIssue80.fStar, 3);
      expect(Math.abs(last.eq[0] as number)).toBeLessThan(1e-4);
      expect(opt.stepCount).toBe(600);
      opt.dispose();
      params.x.dispose();
      params.y.dispose();
    });
  }

  it('augmented Lagrangian formulation: same saddle point, dual ascent along c·h', async (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('synchronous steps: cpu lane');
    const params = { x: tf.variable(tf.scalar(0)), y: tf.variable(tf.scalar(0)) };
    const opt = constrainedOptimizer({
      formulation: augmentedLagrangianFormulation({ penaltyCoefficient: 2 }),
      primal: sgd({ learningRate: 0.1 }),
      dual: sgd({ learningRate: 0.1 }),
      update: 'alternating-x-first',
    });
    let last = opt.step(params, issue80);
    for (let t = 1; t < 400; t++) last = opt.step(params, issue80);
    const [x, y] = await scalars(params.x, params.y);
    expect(x).toBeCloseTo(0.5, 4);
    expect(y).toBeCloseTo(0.5, 4);
    expect(last.multipliers.eq[0]).toBeCloseTo(-1, 3);
    expect(last.penaltyCoefficient).toBe(2);
    opt.dispose();
    params.x.dispose();
    params.y.dispose();
  });

  it('stepAsync runs on every backend (first step by hand: μ₁ = 0.1·(0 + 0 − 1), x₁ = −0.1·μ₁)', async () => {
    const params = { x: tf.variable(tf.scalar(0)), y: tf.variable(tf.scalar(0)) };
    const opt = constrainedOptimizer({
      formulation: lagrangianFormulation(),
      primal: sgd({ learningRate: 0.1 }),
      dual: sgd({ learningRate: 0.1 }),
    });
    const r = await opt.stepAsync(params, issue80);
    // Dual first: μ₁ = 0 + 0.1·h(x₀) = −0.1; then x₁ = x₀ − 0.1·(2x₀ + μ₁) = 0.01.
    expect(r.multipliers.eq[0]).toBeCloseTo(-0.1, 6);
    const [x, y] = await scalars(params.x, params.y);
    expect(x).toBeCloseTo(0.01, 6);
    expect(y).toBeCloseTo(0.01, 6);
    expect(r.loss).toBe(0);
    expect(r.eq[0]).toBeCloseTo(-1, 6);
    const m = opt.multipliers();
    expect(await scalars(m.eq as tf.Tensor)).toEqual([expect.closeTo(-0.1, 6)]);
    m.eq?.dispose();
    opt.dispose();
    params.x.dispose();
    params.y.dispose();
  });
});

describe('proxy constraints (strict violations)', () => {
  it('the dual step follows strictIneq, the primal gradient follows ineq', async () => {
    const params = { x: tf.variable(tf.tensor1d([0])) };
    const closure = (p: unknown): CmpState => {
      const { x } = p as { x: tf.Tensor1D };
      // Surrogate g = x − 1 (differentiable), strict violation fixed at 0.25.
      return { loss: tf.sum(tf.square(x)), ineq: tf.sub(x, 1), strictIneq: tf.tensor1d([0.25]) };
    };
    const opt = constrainedOptimizer({ formulation: lagrangianFormulation(), primal: sgd({ learningRate: 0.1 }), dual: sgd({ learningRate: 2 }) });
    const r = await opt.stepAsync(params, closure);
    // λ₁ = [0 + 2·0.25]₊ = 0.5 (from the strict value, not from g(x₀) = −1); x₁ = 0 − 0.1·(2·0 + λ₁·1) = −0.05.
    expect(r.multipliers.ineq[0]).toBeCloseTo(0.5, 6);
    expect(r.ineq[0]).toBeCloseTo(0.25, 6);
    expect((await params.x.data())[0]).toBeCloseTo(-0.05, 6);
    opt.dispose();
    params.x.dispose();
  });
});

describe('constrainedOptimizer with inequalities', () => {
  // min (x − 2)² s.t. x − 1 ≤ 0: x* = 1, λ* = 2.
  const closure = (p: unknown): CmpState => {
    const { x } = p as { x: tf.Tensor1D };
    return { loss: tf.sum(tf.square(tf.sub(x, 2))), ineq: tf.sub(x, 1) };
  };

  it('Lagrangian GDA: x → 1, λ → 2, λ ≥ 0 throughout', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('synchronous steps: cpu lane');
    const params = { x: tf.variable(tf.tensor1d([0])) };
    const opt = constrainedOptimizer({ formulation: lagrangianFormulation(), primal: sgd({ learningRate: 0.05 }), dual: sgd({ learningRate: 0.2 }) });
    let minLambda = Infinity;
    let r = opt.step(params, closure);
    for (let t = 1; t < 1000; t++) {
      r = opt.step(params, closure);
      minLambda = Math.min(minLambda, r.multipliers.ineq[0] as number);
    }
    expect(minLambda).toBeGreaterThanOrEqual(0);
    expect(params.x.dataSync()[0]).toBeCloseTo(1, 4);
    expect(r.multipliers.ineq[0]).toBeCloseTo(2, 3);
    opt.dispose();
    params.x.dispose();
  });

  it('an inactive constraint keeps λ = 0 (projection onto λ ≥ 0)', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('synchronous steps: cpu lane');
    const params = { x: tf.variable(tf.tensor1d([0])) };
    const loose = (p: unknown): CmpState => {
      const { x } = p as { x: tf.Tensor1D };
      return { loss: tf.sum(tf.square(tf.sub(x, 2))), ineq: tf.sub(x, 5) };
    };
    const opt = constrainedOptimizer({ formulation: lagrangianFormulation(), primal: sgd({ learningRate: 0.1 }), dual: sgd({ learningRate: 1 }), update: 'simultaneous' });
    let r = opt.step(params, loose);
    for (let t = 1; t < 200; t++) r = opt.step(params, loose);
    expect(r.multipliers.ineq).toEqual([0]);
    expect(params.x.dataSync()[0]).toBeCloseTo(2, 5);
    opt.dispose();
    params.x.dispose();
  });

  it('quadratic penalty with fixed c: the penalised minimiser x = (4 + c)/(2 + c), no dual needed', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('synchronous steps: cpu lane');
    const params = { x: tf.variable(tf.tensor1d([0])) };
    const opt = constrainedOptimizer({ formulation: quadraticPenaltyFormulation({ penaltyCoefficient: 8 }), primal: sgd({ learningRate: 0.05 }) });
    let r = opt.step(params, closure);
    for (let t = 1; t < 300; t++) r = opt.step(params, closure);
    expect(params.x.dataSync()[0]).toBeCloseTo(12 / 10, 5);
    expect(r.multipliers).toEqual({ eq: [], ineq: [] });
    opt.dispose();
    params.x.dispose();
  });

  it('project clips the parameters after every primal step', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('synchronous steps: cpu lane');
    const params = { x: tf.variable(tf.tensor1d([0])) };
    const opt = constrainedOptimizer({
      formulation: quadraticPenaltyFormulation({ penaltyCoefficient: 0 }),
      primal: sgd({ learningRate: 0.3 }),
      project: (p) => ({ x: tf.minimum((p as { x: tf.Tensor }).x, 0.75) }),
    });
    for (let t = 0; t < 50; t++) opt.step(params, closure);
    expect(params.x.dataSync()[0]).toBe(0.75);
    opt.dispose();
    params.x.dispose();
  });
});

describe('bad input', () => {
  const lag = lagrangianFormulation();
  it('rejects a missing dual, unknown options and schemes, negative inequality multipliers', () => {
    expect(() => constrainedOptimizer({ formulation: lag, primal: sgd({ learningRate: 0.1 }) })).toThrow(/dual must be a GradientTransformation/);
    expect(() => constrainedOptimizer({ formulation: lag, primal: sgd({ learningRate: 0.1 }), dual: sgd({ learningRate: 1 }), update: 'gda' as never })).toThrow(
      DescentError,
    );
    expect(() => constrainedOptimizer({ formulation: lag, primal: sgd({ learningRate: 0.1 }), dual: sgd({ learningRate: 1 }), lr: 1 } as never)).toThrow(/unknown option 'lr'/);
    expect(() =>
      constrainedOptimizer({ formulation: lag, primal: sgd({ learningRate: 0.1 }), dual: sgd({ learningRate: 1 }), initialMultipliers: { ineq: [-1] } }),
    ).toThrow(/initialMultipliers.ineq/);
    expect(() => augmentedLagrangianFormulation({ penaltyCoefficient: -1 })).toThrow(/penaltyCoefficient/);
    expect(() => quadraticPenaltyFormulation({ penaltyCoefficient: Number.NaN })).toThrow(DescentError);
  });

  it('a NaN loss throws non-finite and changes nothing; changing defect sizes is a structure mismatch', (ctx) => {
    if (tf.getBackend() !== 'cpu') ctx.skip('synchronous read-back: cpu lane');
    const params = { x: tf.variable(tf.scalar(0)), y: tf.variable(tf.scalar(0)) };
    const opt = constrainedOptimizer({ formulation: lag, primal: sgd({ learningRate: 0.1 }), dual: sgd({ learningRate: 0.1 }) });
    opt.step(params, issue80);
    const x1 = params.x.dataSync()[0];
    const before = tf.memory().numTensors;
    const nan = (p: unknown): CmpState => ({ ...issue80(p), loss: tf.scalar(Number.NaN) });
    expect(() => opt.step(params, nan)).toThrow(expect.objectContaining({ code: 'non-finite' }));
    expect(params.x.dataSync()[0]).toBe(x1);
    expect(opt.stepCount).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
    const two = (p: unknown): CmpState => {
      const s = issue80(p);
      return { loss: s.loss, eq: tf.concat([s.eq as tf.Tensor1D, s.eq as tf.Tensor1D]) };
    };
    expect(() => opt.step(params, two)).toThrow(expect.objectContaining({ code: 'structure-mismatch' }));
    expect(() => opt.step({ x: tf.scalar(1) } as never, issue80)).toThrow(/tf.Variable/);
    opt.dispose();
    params.x.dispose();
    params.y.dispose();
  });
});
