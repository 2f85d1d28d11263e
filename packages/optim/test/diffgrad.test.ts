/**
 * diffGrad (`diffgrad`, `scaleByDiffGrad`): a float64 oracle written from the spec
 * (`shared/specs/first-order.md` §4.1, `diffGrad_v2.py`) checks every Appendix A setting the public
 * golden file does not carry; the alias equals its chain; bad options throw; memory stays flat;
 * and the diffGrad paper's three 1-D non-convex functions end where the paper says.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { DescentError, Optimizer, type Tree, chain, treeDispose } from '@descent/core';
import { addDecayedWeights, diffgrad, scaleByDiffGrad, scaleByLearningRate } from '@descent/optim';
import { type GoldenEntry, loadGolden } from './golden.js';
import { deviations, gradseqProblem, twoPathTrajectory } from './trajectory-modes.js';

const golden = loadGolden(new URL('./fixtures/first-order.json', import.meta.url));
const ATOL = 1e-5;

interface DiffGradHyper {
  lr: number;
  b1: number;
  b2: number;
  eps: number;
  wd: number;
}

/**
 * Float64 oracle, line by line from spec §4.1 (diffGrad_v2.py L32–104): L2 added to g (and so to
 * the stored g_prev), m and v as Adam, denom = sqrt(v) + eps on the UN-corrected v,
 * ξ = 1/(1 + exp(−|g_prev − g|)) with g_prev starting at 0, θ −= lr·sqrt(bc2)/bc1 · (ξ m)/denom.
 */
function diffgradOracle(h: DiffGradHyper, init: number[][], grads: number[][][]): number[][][] {
  const theta = init.map((a) => a.slice());
  const m = init.map((a) => a.map(() => 0));
  const v = init.map((a) => a.map(() => 0));
  const prev = init.map((a) => a.map(() => 0));
  const out: number[][][] = [];
  grads.forEach((g, i) => {
    const t = i + 1;
    const bc1 = 1 - h.b1 ** t;
    const bc2 = 1 - h.b2 ** t;
    theta.forEach((leaf, k) => {
      for (let j = 0; j < leaf.length; j++) {
        const th = leaf[j] as number;
        let gi = (g[k] as number[])[j] as number;
        if (h.wd !== 0) gi = gi + h.wd * th;
        const mk = m[k] as number[];
        const vk = v[k] as number[];
        const pk = prev[k] as number[];
        mk[j] = h.b1 * (mk[j] as number) + (1 - h.b1) * gi;
        vk[j] = h.b2 * (vk[j] as number) + (1 - h.b2) * gi * gi;
        const denom = Math.sqrt(vk[j] as number) + h.eps;
        const xi = 1 / (1 + Math.exp(-Math.abs((pk[j] as number) - gi)));
        pk[j] = gi;
        const stepSize = (h.lr * Math.sqrt(bc2)) / bc1;
        leaf[j] = th - (stepSize * ((mk[j] as number) * xi)) / denom;
      }
    });
    out.push(theta.map((a) => a.slice()));
  });
  return out;
}

const hyperOf = (e: GoldenEntry): DiffGradHyper => {
  const h = e.hyper as { lr: number; betas: [number, number]; eps: number; weight_decay: number };
  return { lr: h.lr, b1: h.betas[0], b2: h.betas[1], eps: h.eps, wd: h.weight_decay };
};

describe('diffgrad: float64 spec oracle', () => {
  const entry = golden.diffgrad?.['defaults@gradseq'] as GoldenEntry;

  it('the oracle reproduces the public golden trajectory (so it transcribes the reference)', () => {
    const devs = deviations(diffgradOracle(hyperOf(entry), entry.init, entry.grads as number[][][]), entry.trajectory);
    devs.forEach((d, t) => expect(d, `step ${t + 1}`).toBeLessThan(1e-12));
  });

  // Appendix A settings that only the hidden set carries, run on the public init/gradseq data.
  const hidden: [string, DiffGradHyper][] = [['wd', { lr: 0.01, b1: 0.9, b2: 0.99, eps: 1e-8, wd: 0.01 }]];
  for (const [setting, h] of hidden) {
    for (const mode of ['functional', 'runner'] as const) {
      it(`hidden setting '${setting}' (${mode}): every step within 1e-5 of the oracle`, async () => {
        const expected = diffgradOracle(h, entry.init, entry.grads as number[][][]);
        const opt = diffgrad({ learningRate: h.lr, b1: h.b1, b2: h.b2, eps: h.eps, weightDecay: h.wd });
        const devs = deviations(await twoPathTrajectory(opt, gradseqProblem(entry), mode), expected);
        devs.forEach((d, t) => expect(d, `step ${t + 1}`).toBeLessThan(ATOL));
      });
    }
  }

  it('schedules: a decaying learning rate and weight decay follow the oracle run with the same per-step values', async () => {
    const lr = (s: number) => 0.01 * 0.9 ** s;
    const wd = (s: number) => 0.02 / (1 + s);
    // The oracle with per-step hyper-parameters: run it one step at a time.
    const grads = entry.grads as number[][][];
    const opt = diffgrad({ learningRate: lr, b1: 0.9, b2: 0.99, weightDecay: wd });
    const got = await twoPathTrajectory(opt, gradseqProblem(entry), 'runner');
    // Reference: the same recursion with lr(t−1), wd(t−1) at step t.
    const theta = entry.init.map((a) => a.slice());
    const m = theta.map((a) => a.map(() => 0));
    const v = theta.map((a) => a.map(() => 0));
    const prev = theta.map((a) => a.map(() => 0));
    const expected: number[][][] = [];
    grads.forEach((g, i) => {
      const t = i + 1;
      theta.forEach((leaf, k) => {
        for (let j = 0; j < leaf.length; j++) {
          const gi = ((g[k] as number[])[j] as number) + wd(i) * (leaf[j] as number);
          const mk = m[k] as number[], vk = v[k] as number[], pk = prev[k] as number[];
          mk[j] = 0.9 * (mk[j] as number) + 0.1 * gi;
          vk[j] = 0.99 * (vk[j] as number) + 0.01 * gi * gi;
          const xi = 1 / (1 + Math.exp(-Math.abs((pk[j] as number) - gi)));
          pk[j] = gi;
          leaf[j] = (leaf[j] as number) - (lr(i) * Math.sqrt(1 - 0.99 ** t)) / (1 - 0.9 ** t) * ((mk[j] as number) * xi) / (Math.sqrt(vk[j] as number) + 1e-8);
        }
      });
      expected.push(theta.map((a) => a.slice()));
    });
    deviations(got, expected).forEach((d, t) => expect(d, `step ${t + 1}`).toBeLessThan(ATOL));
  });
});

describe('scaleByDiffGrad state', () => {
  it('stores the undamped m and the gradient including the coupled L2 term as g_prev', async () => {
    const theta = tf.tensor1d([0.5, -2, 3]);
    const g = tf.tensor1d([1, 0.25, -4]);
    const t = chain(addDecayedWeights(0.1), scaleByDiffGrad({ b1: 0.8, b2: 0.9 }));
    const s0 = t.init([theta]);
    const { state } = t.update([g], s0, [theta]);
    const st = (state as { slots: Record<string, tf.Tensor[]> }[])[1]?.slots as Record<string, tf.Tensor[]>;
    const gl2 = [1 + 0.05, 0.25 - 0.2, -4 + 0.3];
    const close = (got: Float32Array | Int32Array | Uint8Array, want: number[]) => want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 6));
    close(await (st.prevGrad?.[0] as tf.Tensor).data(), gl2);
    close(await (st.mu?.[0] as tf.Tensor).data(), gl2.map((x) => 0.2 * x));
    close(await (st.nu?.[0] as tf.Tensor).data(), gl2.map((x) => 0.1 * x * x));
    treeDispose([theta, g, s0 as Tree<unknown>, state as Tree<unknown>]);
  });

  it('the first update is sqrt(bc2)/bc1 · sigmoid(|g|) · m / (sqrt(v) + eps)', async () => {
    const g = tf.tensor1d([2, -0.5, 0]);
    const t = scaleByDiffGrad();
    const s0 = t.init([tf.zeros([3])]);
    const { updates, state } = t.update([g], s0);
    const got = await (updates as tf.Tensor[])[0]?.data();
    [2, -0.5, 0].forEach((x, i) => {
      const m = 0.1 * x;
      const v = 0.001 * x * x;
      const want = ((Math.sqrt(0.001) / 0.1) * (m / (1 + Math.exp(-Math.abs(x))))) / (Math.sqrt(v) + 1e-8);
      expect(got?.[i]).toBeCloseTo(want, 5);
    });
    treeDispose([g, s0 as Tree<unknown>, state as Tree<unknown>, updates]);
  });
});

describe('diffgrad equals its chain of building blocks', () => {
  const entry = golden.diffgrad?.['defaults@gradseq'] as GoldenEntry;
  it('diffgrad(o) == chain(addDecayedWeights(λ), scaleByDiffGrad({b1,b2,eps}), scaleByLearningRate(γ))', async () => {
    const o = { learningRate: 0.01, b1: 0.85, b2: 0.99, eps: 1e-7, weightDecay: 0.03 };
    const alias = await twoPathTrajectory(diffgrad(o), gradseqProblem(entry), 'functional');
    const byHand = await twoPathTrajectory(
      chain(addDecayedWeights(0.03), scaleByDiffGrad({ b1: 0.85, b2: 0.99, eps: 1e-7 }), scaleByLearningRate(0.01)),
      gradseqProblem(entry),
      'functional',
    );
    expect(alias).toEqual(byHand);
  });

  it('weightDecay 0: diffgrad(o) == chain(scaleByDiffGrad, scaleByLearningRate) (the L2 stage is left out)', async () => {
    const o = { learningRate: 0.01, b1: 0.85, b2: 0.99, eps: 1e-7 };
    const alias = await twoPathTrajectory(diffgrad(o), gradseqProblem(entry), 'runner');
    const byHand = await twoPathTrajectory(chain(scaleByDiffGrad({ b1: 0.85, b2: 0.99, eps: 1e-7 }), scaleByLearningRate(0.01)), gradseqProblem(entry), 'runner');
    expect(alias).toEqual(byHand);
    expect(diffgrad(o).init({ w: tf.zeros([2]) } as never)).toHaveLength(2);
  });

  it('defaults: learningRate 1e-3, b1 0.9, b2 0.999, eps 1e-8, weightDecay 0', async () => {
    const a = await twoPathTrajectory(diffgrad(), gradseqProblem(entry), 'runner');
    const b = await twoPathTrajectory(diffgrad({ learningRate: 1e-3, b1: 0.9, b2: 0.999, eps: 1e-8, weightDecay: 0 }), gradseqProblem(entry), 'runner');
    expect(a).toEqual(b);
  });
});

describe('diffgrad: bad input', () => {
  const cases: [string, () => unknown, string, RegExp][] = [
    ['negative learningRate', () => diffgrad({ learningRate: -1 }), 'learningRate', /diffgrad: learningRate must be a finite number >= 0, got -1/],
    ['NaN learningRate', () => diffgrad({ learningRate: Number.NaN }), 'learningRate', /learningRate must be a finite number >= 0, got NaN/],
    ['b1 = 1', () => diffgrad({ b1: 1 }), 'b1', /diffgrad: b1 must be a finite number in \[0, 1\), got 1/],
    ['b2 < 0', () => diffgrad({ b2: -0.1 }), 'b2', /diffgrad: b2 must be a finite number in \[0, 1\), got -0.1/],
    ['negative eps', () => diffgrad({ eps: -1e-8 }), 'eps', /diffgrad: eps must be a finite number >= 0, got -1e-8/],
    ['negative weightDecay', () => diffgrad({ weightDecay: -0.1 }), 'weightDecay', /diffgrad: weightDecay must be a finite number >= 0/],
    ['unknown option', () => diffgrad({ lr: 0.1 } as never), 'lr', /diffgrad: unknown option 'lr'/],
    ['options not an object', () => diffgrad(3 as never), 'options', /diffgrad: options must be an options object, got 3/],
    ['scaleByDiffGrad b1', () => scaleByDiffGrad({ b1: 1.5 }), 'b1', /scaleByDiffGrad: b1 must be a finite number in \[0, 1\), got 1.5/],
    ['scaleByDiffGrad unknown', () => scaleByDiffGrad({ weightDecay: 0.1 } as never), 'weightDecay', /scaleByDiffGrad: unknown option 'weightDecay'/],
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

  it('a schedule returning NaN fails at that step, before params or state change', async () => {
    const w = tf.variable(tf.tensor1d([1, 2]));
    const opt = new Optimizer(diffgrad({ learningRate: (s) => (s < 2 ? 0.1 : Number.NaN) }), [w]);
    const g = tf.tensor1d([0.5, -0.5]);
    await opt.stepAsync([g]);
    await opt.stepAsync([g]);
    const before = Array.from(await w.data());
    await expect(opt.stepAsync([g])).rejects.toThrow(/diffgrad: learningRate\(step 2\) must be a finite number >= 0, got NaN/);
    expect(Array.from(await w.data())).toEqual(before);
    expect(opt.stepCount).toBe(2);
    opt.dispose();
    treeDispose([w, g]);
  });
});

describe('diffgrad: memory', () => {
  for (const inPlace of [true, false]) {
    it(`tf.memory().numTensors stays flat across runner steps (inPlace ${inPlace})`, async () => {
      const vars = [tf.variable(tf.randomNormal([4, 5], 0, 1, 'float32', 1)), tf.variable(tf.randomNormal([7], 0, 1, 'float32', 2))];
      const opt = new Optimizer(diffgrad({ learningRate: 0.01, weightDecay: 0.01 }), vars, { inPlace });
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
 * The three synthetic non-convex functions of the diffGrad paper (Dubey et al. 2019, arXiv
 * 1909.11015 / IEEE TNNLS 2020: "analysis ... over three synthetic complex non-convex functions").
 * Definitions as in the analytical code that accompanies that analysis (`calc_func1..3` /
 * `calc_grad1..3` in github `mhaut/AngularGrad`, `analytical/main.py`, a follow-up by an overlapping
 * author group that reruns diffGrad on them), and its setting, which is also the first cells of the
 * diffGrad repository's `diffGrad_analytical.ipynb`: x₀ = −1, lr 0.1, β1 0.95, β2 0.999,
 * eps 1e-8, 300 iterations. F1 has its global minimum at x = −0.3 and a local one at 0.2; F2 its
 * global minimum at x ≈ −0.6429 (F ≈ 1.2e-4) and local ones at 0 (F = 0.85) and ≈ 0.588; F3 its
 * global minimum at 0 and local ones at ±0.5 (F = 0.25). The paper's point is that diffGrad's
 * friction ξ lets it settle where Adam's momentum overshoots: a plain float64 Adam from the same
 * start ends in the local minima of F1 and F2, so these assertions separate the two methods.
 */
const F = {
  F1: {
    f: (x: number) => (x <= 0 ? (x + 0.3) ** 2 : (x - 0.2) ** 2 + 0.05),
    g: (x: number) => (x <= 0 ? 2 * x + 0.6 : 2 * x - 0.4),
  },
  F2: {
    f: (x: number) => (x <= -0.9 ? -40 * x - 35.15 : x ** 3 + x * Math.sin(8 * x) + 0.85),
    g: (x: number) => (x <= -0.9 ? -40 : 3 * x * x + 8 * x * Math.cos(8 * x) + Math.sin(8 * x)),
  },
  F3: {
    f: (x: number) => (x <= -0.5 ? x * x : x <= -0.4 ? 0.75 + x : x <= 0 ? (-7 * x) / 8 : x <= 0.4 ? (7 * x) / 8 : x <= 0.5 ? 0.75 - x : x * x),
    g: (x: number) => (x <= -0.5 ? 2 * x : x <= -0.4 ? 1 : x <= 0 ? -7 / 8 : x <= 0.4 ? 7 / 8 : x <= 0.5 ? -1 : 2 * x),
  },
};
const PAPER = { x0: -1, learningRate: 0.1, b1: 0.95, b2: 0.999, eps: 1e-8, iterations: 300 };

async function runDiffGrad1d(grad: (x: number) => number): Promise<number[]> {
  const x = tf.variable(tf.tensor1d([PAPER.x0]));
  const opt = new Optimizer(diffgrad({ learningRate: PAPER.learningRate, b1: PAPER.b1, b2: PAPER.b2, eps: PAPER.eps }), [x]);
  const xs: number[] = [];
  for (let i = 0; i < PAPER.iterations; i++) {
    const g = tf.tensor1d([grad((await x.data())[0] as number)]);
    await opt.stepAsync([g]);
    g.dispose();
    xs.push((await x.data())[0] as number);
  }
  opt.dispose();
  x.dispose();
  return xs;
}

/** A plain float64 Adam (Kingma & Ba, Alg. 1) with the same setting: the contrast the paper draws. */
function adam1d(grad: (x: number) => number): number {
  let x = PAPER.x0, m = 0, v = 0;
  for (let t = 1; t <= PAPER.iterations; t++) {
    const g = grad(x);
    m = PAPER.b1 * m + (1 - PAPER.b1) * g;
    v = PAPER.b2 * v + (1 - PAPER.b2) * g * g;
    x -= (PAPER.learningRate * (m / (1 - PAPER.b1 ** t))) / (Math.sqrt(v / (1 - PAPER.b2 ** t)) + PAPER.eps);
  }
  return x;
}

describe("diffGrad paper's synthetic non-convex functions (x₀ = −1, 300 iterations)", () => {
  it('F1: diffGrad settles in the global minimum x = −0.3 (Adam overshoots into the local minimum x = 0.2)', async () => {
    const xs = await runDiffGrad1d(F.F1.g);
    const last = xs.slice(-50);
    // Settled: the last 50 iterates stay within 0.005 of −0.3 (well inside the basin x ≤ 0).
    for (const x of last) expect(Math.abs(x + 0.3)).toBeLessThan(5e-3);
    expect(F.F1.f(xs.at(-1) as number)).toBeLessThan(1e-4);
    expect(Math.abs(adam1d(F.F1.g) - 0.2)).toBeLessThan(5e-3);
  });

  it('F2: diffGrad settles in the global minimum x ≈ −0.6429 (Adam stops in the local minimum x = 0, F = 0.85)', async () => {
    const xs = await runDiffGrad1d(F.F2.g);
    for (const x of xs.slice(-50)) expect(Math.abs(x + 0.6429)).toBeLessThan(5e-3);
    expect(F.F2.f(xs.at(-1) as number)).toBeLessThan(1e-3);
    const xAdam = adam1d(F.F2.g);
    expect(Math.abs(xAdam)).toBeLessThan(5e-3);
    expect(F.F2.f(xAdam)).toBeGreaterThan(0.8);
  });

  it('F3: diffGrad passes the local minimum x = −0.5 and ends in the V of the global minimum x = 0', async () => {
    const xs = await runDiffGrad1d(F.F3.g);
    // |F3'| = 7/8 on both sides of 0, so a constant-lr method oscillates across the kink: the
    // last 50 iterates stay within ±0.05 of 0, far from the local minima ±0.5 (F = 0.25).
    for (const x of xs.slice(-50)) expect(Math.abs(x)).toBeLessThan(0.05);
    expect(F.F3.f(xs.at(-1) as number)).toBeLessThan(0.05);
  });
});
