/**
 * The exact (differentiable) augmented Lagrangian merit of Na, Anitescu and Kolar and of Hong, Na, Mahoney and Kolar,
 * evaluated in float64 from the derivatives of f and c at one point.
 *
 * @packageDocumentation
 */
import { DescentError } from '@descent/core';

/** Derivatives at (x, λ) that the merit and its gradient need (float64, row-major G and H). */
export interface LagrangianDerivatives {
  /** n, the number of variables. */
  n: number;
  /** m, the number of equality constraints. */
  m: number;
  /** f(x). */
  f: number;
  /** c(x), length m. */
  c: Float64Array;
  /** λ, length m. */
  lambda: Float64Array;
  /** ∇ₓL(x, λ) = ∇f(x) + Gᵀλ, length n. */
  gradL: Float64Array;
  /** G = ∇c(x)ᵀ, the m×n Jacobian, row-major. Needed for the gradient only. */
  jacobian?: Float64Array;
  /** ∇²ₓL(x, λ) = ∇²f + Σᵢ λᵢ∇²cᵢ, n×n row-major. Needed for the gradient only. */
  hessianL?: Float64Array;
}

/**
 * Value of the exact augmented Lagrangian
 *
 *   L_{μ,ν}(x, λ) = f(x) + λᵀc(x) + (μ/2)‖c(x)‖² + (ν/2)‖∇ₓL(x, λ)‖².
 *
 * The ν-term penalises dual infeasibility, which makes L_{μ,ν} exact: for μ large and ν small enough its
 * stationary points near a KKT pair are exactly the KKT pairs, in (x, λ) jointly.
 * References: Na, Anitescu, Kolar, "An adaptive stochastic sequential quadratic programming with differentiable
 * exact augmented Lagrangians", Math. Program. 199 (2023), arXiv:2102.05320; Hong, Na, Mahoney, Kolar, ICML 2023,
 * arXiv:2305.18379, eq. (3). (μ is `eta1`, ν is `eta2` in `IlgeeHong/AdaSketch-Newton`.)
 */
export function exactAugmentedLagrangian(d: LagrangianDerivatives, mu: number, nu: number): number {
  let lc = 0;
  let cc = 0;
  for (let i = 0; i < d.m; i++) {
    const ci = d.c[i] as number;
    lc += (d.lambda[i] as number) * ci;
    cc += ci * ci;
  }
  let gg = 0;
  for (let i = 0; i < d.n; i++) gg += (d.gradL[i] as number) ** 2;
  return d.f + lc + 0.5 * mu * cc + 0.5 * nu * gg;
}

/**
 * Gradient of {@link exactAugmentedLagrangian} in (x, λ), length n + m:
 *
 *   ∇ₓL_{μ,ν} = ∇ₓL + μ Gᵀc + ν ∇²ₓL ∇ₓL,     ∇_λL_{μ,ν} = c + ν G ∇ₓL.
 *
 * The ν-term uses the Hessian of the Lagrangian ∇²ₓL, as the paper's equation does. The released Julia code
 * (`AdaSketchNewtonRK.jl`, `nabAugL_k`) uses ∇²f there instead — a shortcut that is only exact for linear
 * constraints or λ = 0; it is deliberately not reproduced (spec constrained-schedules.md A2).
 */
export function exactAugmentedLagrangianGradient(d: LagrangianDerivatives, mu: number, nu: number): Float64Array {
  const { n, m, c, gradL } = d;
  const G = d.jacobian;
  const H = d.hessianL;
  if (H === undefined || (m > 0 && G === undefined)) {
    throw new DescentError('invalid-option', 'exactAugmentedLagrangianGradient: derivatives.jacobian and derivatives.hessianL are required', {
      parameter: 'derivatives',
    });
  }
  const out = new Float64Array(n + m);
  for (let j = 0; j < n; j++) {
    let gtc = 0;
    for (let i = 0; i < m; i++) gtc += (G![i * n + j] as number) * (c[i] as number);
    let hg = 0;
    for (let k = 0; k < n; k++) hg += (H[j * n + k] as number) * (gradL[k] as number);
    out[j] = (gradL[j] as number) + mu * gtc + nu * hg;
  }
  for (let i = 0; i < m; i++) {
    let gg = 0;
    for (let k = 0; k < n; k++) gg += (G![i * n + k] as number) * (gradL[k] as number);
    out[n + i] = (c[i] as number) + nu * gg;
  }
  return out;
}
