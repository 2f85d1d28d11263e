import { describe, expect, it } from 'vitest';
import { DescentError } from '@descent/core';
import { lbfgs } from '@descent/optim';
import { errorOf } from './descent-errors.js';

/** Extended Rosenbrock Σ 100(x_{i+1} − x_i²)² + (1 − x_i)², minimum 0 at (1, …, 1). */
function rosenbrock(x: Float64Array): { f: number; g: Float64Array } {
  const n = x.length;
  const g = new Float64Array(n);
  let f = 0;
  for (let i = 0; i < n - 1; i++) {
    const a = x[i] as number;
    const b = x[i + 1] as number;
    const t = b - a * a;
    f += 100 * t * t + (1 - a) * (1 - a);
    g[i] = (g[i] as number) - 400 * a * t - 2 * (1 - a);
    g[i + 1] = (g[i + 1] as number) + 200 * t;
  }
  return { f, g };
}

/** f = ½ xᵀAx − bᵀx with A = tridiag(−1, 4, −1) (n = 6); minimiser A⁻¹b. */
function quadratic(n: number) {
  const b = Float64Array.from({ length: n }, (_, i) => i + 1);
  const mul = (x: ArrayLike<number>) =>
    Float64Array.from({ length: n }, (_, i) => 4 * (x[i] as number) - (i > 0 ? (x[i - 1] as number) : 0) - (i < n - 1 ? (x[i + 1] as number) : 0));
  const fun = (x: Float64Array) => {
    const ax = mul(x);
    let f = 0;
    const g = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      f += 0.5 * (x[i] as number) * (ax[i] as number) - (b[i] as number) * (x[i] as number);
      g[i] = (ax[i] as number) - (b[i] as number);
    }
    return { f, g };
  };
  return { fun, b, mul };
}

describe('lbfgs', () => {
  it('minimises the 2-D Rosenbrock function from (−1.2, 1) to 1e-10', () => {
    const r = lbfgs(rosenbrock, [-1.2, 1], { gtol: 1e-12, ftol: 0 });
    expect(r.converged).toBe(true);
    for (const v of r.x) expect(Math.abs(v - 1)).toBeLessThan(1e-10);
    expect(r.f).toBeLessThan(1e-20);
    expect(r.iterations).toBeLessThan(60);
  });

  it('minimises the 10-D Rosenbrock function from (−1.2, 1, …) to 1e-10', () => {
    const x0 = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? -1.2 : 1));
    const r = lbfgs(rosenbrock, x0, { gtol: 1e-12, ftol: 0 });
    expect(r.converged).toBe(true);
    for (const v of r.x) expect(Math.abs(v - 1)).toBeLessThan(1e-10);
    expect(r.iterations).toBeLessThan(150);
  });

  it('solves a 6-D strictly convex quadratic to A x = b in about n iterations', () => {
    const n = 6;
    const { fun, b, mul } = quadratic(n);
    // a tight curvature condition makes the line search (exact for quadratics after one cubic fit) nearly exact,
    // where L-BFGS with m ≥ n behaves like conjugate gradients (finite termination up to rounding)
    const r = lbfgs(fun, new Array(n).fill(0), { gtol: 1e-10, ftol: 0, c2: 1e-3 });
    expect(r.converged).toBe(true);
    const ax = mul(r.x);
    for (let i = 0; i < n; i++) expect(Math.abs((ax[i] as number) - (b[i] as number))).toBeLessThan(1e-10);
    expect(r.iterations).toBeLessThanOrEqual(n + 2);
  });

  it('accepts only steps satisfying the strong Wolfe conditions', () => {
    const c1 = 1e-4;
    const c2 = 0.9;
    let prev = { x: Float64Array.from([-1.2, 1, -1.2, 1]), ...rosenbrock(Float64Array.from([-1.2, 1, -1.2, 1])) };
    let checked = 0;
    lbfgs(rosenbrock, prev.x, {
      c1,
      c2,
      gtol: 1e-10,
      onIteration: ({ x, f, g }) => {
        const s = x.map((v, i) => v - (prev.x[i] as number));
        const g0s = prev.g.reduce((acc, v, i) => acc + v * (s[i] as number), 0);
        const g1s = g.reduce((acc, v, i) => acc + v * (s[i] as number), 0);
        expect(g0s).toBeLessThan(0);
        expect(f).toBeLessThanOrEqual(prev.f + c1 * g0s);
        expect(Math.abs(g1s)).toBeLessThanOrEqual(c2 * Math.abs(g0s));
        prev = { x: Float64Array.from(x), f, g: Float64Array.from(g) };
        checked++;
      },
    });
    expect(checked).toBeGreaterThan(10);
  });

  it('backs off from steps where f is not finite instead of accepting them', () => {
    // f = x − log(x) has its minimum at x = 1 and is undefined for x ≤ 0; the first step from x = 0.1 overshoots
    const r = lbfgs((x) => ({ f: (x[0] as number) - Math.log(x[0] as number), g: [1 - 1 / (x[0] as number)] }), [0.1], {
      gtol: 1e-10,
      ftol: 0,
    });
    expect(r.reason).toMatch(/gradient norm/);
    expect(r.converged).toBe(true);
    expect(Math.abs((r.x[0] as number) - 1)).toBeLessThan(1e-9);
  });

  it('with approximateWolfe, keeps converging on a float32-noisy objective where f differences are below rounding', () => {
    // f = 1000 + Σ dᵢ(xᵢ − 1)² rounded to float32: value noise ~3e-5, gradient (rounded too) relatively exact
    const d = [1, 10, 100];
    const fun = (x: Float64Array) => {
      let f = 1000;
      const g = new Float64Array(3);
      for (let i = 0; i < 3; i++) {
        f += (d[i] as number) * ((x[i] as number) - 1) ** 2;
        g[i] = Math.fround(2 * (d[i] as number) * ((x[i] as number) - 1));
      }
      return { f: Math.fround(f), g };
    };
    const exact = lbfgs(fun, [3, -2, 0.5], { gtol: 1e-9, ftol: 0 });
    const noisy = lbfgs(fun, [3, -2, 0.5], { gtol: 1e-9, ftol: 0, approximateWolfe: 1e-6 });
    const err = (r: { x: Float64Array }) => Math.max(...Array.from(r.x, (v) => Math.abs(v - 1)));
    // the exact line search stalls once decreases drop below the rounding of f (|x − 1| ~ 1e-3 … 1e-4)
    expect(exact.converged).toBe(false);
    expect(err(exact)).toBeGreaterThan(1e-5);
    expect(err(noisy)).toBeLessThan(1e-7);
  });

  it('stops on xtol once steps fall below the given resolution', () => {
    const r = lbfgs(rosenbrock, [-1.2, 1], { gtol: 0, ftol: 0, xtol: 1e-6 });
    expect(r.converged).toBe(true);
    expect(r.reason).toMatch(/xtol/);
    for (const v of r.x) expect(Math.abs(v - 1)).toBeLessThan(1e-4);
  });

  it('reports budgets and non-finite starts without throwing', () => {
    const r = lbfgs(rosenbrock, [-1.2, 1], { maxIterations: 3 });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBe(3);
    expect(r.reason).toMatch(/max iterations 3/);
    const bad = lbfgs(() => ({ f: Number.NaN, g: [0] }), [0]);
    expect(bad.converged).toBe(false);
    expect(bad.reason).toMatch(/not finite at x0/);
    expect(bad.evaluations).toBe(1);
  });

  it('rejects bad options with a DescentError naming the parameter', () => {
    const f = (x: Float64Array) => ({ f: 0, g: x });
    for (const [options, parameter] of [
      [{ m: 0 }, 'm'],
      [{ m: 2.5 }, 'm'],
      [{ gtol: -1 }, 'gtol'],
      [{ ftol: Number.NaN }, 'ftol'],
      [{ c1: 0.95, c2: 0.9 }, 'c2'],
      [{ maxIterations: -1 }, 'maxIterations'],
      [{ approximateWolfe: -1 }, 'approximateWolfe'],
      [{ xtol: Number.POSITIVE_INFINITY }, 'xtol'],
      [{ learningRate: 1 }, 'learningRate'],
    ] as const) {
      const e = errorOf(() => lbfgs(f, [1], options as never));
      expect(e.parameter).toBe(parameter);
    }
    expect(errorOf(() => lbfgs(f, [])).parameter).toBe('x0');
    expect(errorOf(() => lbfgs(f, [Number.NaN])).parameter).toBe('x0[0]');
    expect(errorOf(() => lbfgs('f' as never, [1])).parameter).toBe('fun');
    expect(() => lbfgs(() => ({ f: 0, g: [0, 0] }), [1])).toThrow(DescentError);
  });
});
