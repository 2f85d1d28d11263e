/**
 * `scaleByBelief`: AdaBelief's "belief" scaling (Zhuang et al. 2020) with the numerics of the
 * authors' `adabelief_pytorch` 0.2.1: eps added to the state every step, optional AMSGrad and the
 * RAdam-style rectification.
 *
 * @packageDocumentation
 */
import {
  type ElementwiseOps,
  type ElementwiseTransformation,
  type Expr,
  type ScalarOrSchedule,
  checkBoolean,
  checkKnownOptions,
  checkScalarOrSchedule,
  defineElementwiseRule,
  elementwiseTransformation,
  invalidOption,
} from '@descent/core';

const SCALARS = ['b1', 'oneMinusB1', 'b2', 'oneMinusB2', 'eps', 'sqrtBc2', 'stepSize', 'adaptive', 'sgdStepSize'] as const;
type BeliefScalars = { [K in (typeof SCALARS)[number]]: Expr };

/**
 * One AdaBelief step (AdaBelief.py 0.2.1, L187–238). `nuMax` is the AMSGrad slot (undefined
 * without amsgrad). Scalars: `sqrtBc2`, `stepSize` = 1/bc1 for the un-rectified update;
 * `adaptive` (1 or 0), `stepSize` = k and `sgdStepSize` for the rectified one.
 */
function beliefBody(grad: Expr, mu: Expr, nu: Expr, nuMax: Expr | undefined, s: BeliefScalars, rectify: boolean, op: ElementwiseOps) {
  const m = op.add(op.mul(s.b1, mu), op.mul(s.oneMinusB1, grad));
  // L193–194: the residual uses the NEW m; L199/L204: `exp_avg_var.add_(eps)` writes eps INTO the state.
  const r = op.sub(grad, m);
  const v = op.add(op.add(op.mul(s.b2, nu), op.mul(s.oneMinusB2, op.square(r))), s.eps);
  const vMax = nuMax === undefined ? undefined : op.max(nuMax, v);
  let update: Expr;
  if (!rectify) {
    // L202/L204 and L207–210: (m/bc1) / (sqrt(v)/sqrt(bc2) + eps), the AMSGrad maximum when kept.
    const denom = op.add(op.div(op.sqrt(vMax ?? v), s.sqrtBc2), s.eps);
    update = op.mul(s.stepSize, op.div(m, denom));
  } else {
    // L229–238: ρ_t ≥ 5 → k·m/(sqrt(v) + eps) (v already holds +eps; no sqrt(bc2); the AMSGrad
    // maximum is not used); otherwise an SGD-with-momentum step m/bc1, or none.
    const adaptiveUpdate = op.mul(s.stepSize, op.div(m, op.add(op.sqrt(v), s.eps)));
    update = op.select(op.gt(s.adaptive, 0.5), adaptiveUpdate, op.mul(s.sgdStepSize, m));
  }
  return { mu: m, nu: v, nuMax: vMax, update };
}

function beliefRule(rectify: boolean) {
  return defineElementwiseRule({
    name: `scaleByBelief[plain,${rectify ? 'rectify' : 'adam'}]`,
    state: ['mu', 'nu'],
    scalars: SCALARS,
    body: ({ grad, mu, nu }, s, op) => {
      const o = beliefBody(grad, mu, nu, undefined, s, rectify, op);
      return { mu: o.mu, nu: o.nu, update: o.update };
    },
  });
}

function amsgradRule(rectify: boolean) {
  return defineElementwiseRule({
    name: `scaleByBelief[amsgrad,${rectify ? 'rectify' : 'adam'}]`,
    state: ['mu', 'nu', 'nuMax'],
    scalars: SCALARS,
    body: ({ grad, mu, nu, nuMax }, s, op) => {
      const o = beliefBody(grad, mu, nu, nuMax, s, rectify, op);
      return { mu: o.mu, nu: o.nu, nuMax: o.nuMax as Expr, update: o.update };
    },
  });
}

const RULES = {
  plain: beliefRule(false),
  plainRectify: beliefRule(true),
  amsgrad: amsgradRule(false),
  amsgradRectify: amsgradRule(true),
};

/** Options of {@link scaleByBelief}. */
export interface ScaleByBeliefOptions {
  /** β1 ∈ [0, 1), decay of the first moment. Default 0.9. */
  b1?: ScalarOrSchedule;
  /** β2 ∈ [0, 1), decay of the belief (second central moment). Default 0.999. */
  b2?: ScalarOrSchedule;
  /** ε ≥ 0, added to the state every step and to the denominator again. Default 1e-16. */
  eps?: ScalarOrSchedule;
  /** AMSGrad: the running maximum of s (used only when not rectifying, as the reference). Default false. */
  amsgrad?: boolean;
  /** RAdam-style rectification (threshold ρ_t ≥ 5). Default true. */
  rectify?: boolean;
  /** While ρ_t < 5 with rectify: step by m/(1 − β1^t) (true) or not at all (false). Default true. */
  degeneratedToSgd?: boolean;
}

/** The rectification of step t (1-based): AdaBelief.py 0.2.1 L212–228, in float64. */
function rectification(t: number, beta1: number, beta2: number, degeneratedToSgd: boolean) {
  const beta2t = beta2 ** t;
  const rhoInf = 2 / (1 - beta2) - 1;
  const rhoT = rhoInf - (2 * t * beta2t) / (1 - beta2t);
  const bc1 = 1 - beta1 ** t;
  if (rhoT >= 5) {
    const k = Math.sqrt((((((1 - beta2t) * (rhoT - 4)) / (rhoInf - 4)) * (rhoT - 2)) / rhoT) * rhoInf / (rhoInf - 2)) / bc1;
    return { adaptive: 1, stepSize: k, sgdStepSize: 0 };
  }
  return { adaptive: 0, stepSize: 0, sgdStepSize: degeneratedToSgd ? 1 / bc1 : 0 };
}

/**
 * Rescales updates by AdaBelief's belief in the gradient (Zhuang et al. 2020, "AdaBelief
 * Optimizer: Adapting Stepsizes by the Belief in Observed Gradients", NeurIPS, Alg. 2), with the
 * numerics of `adabelief_pytorch` 0.2.1:
 *
 * $$m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\qquad
 *   s_t = \beta_2 s_{t-1} + (1-\beta_2)(g_t - m_t)^2 + \varepsilon,$$
 * $$u_t = \frac{m_t/(1-\beta_1^t)}{\sqrt{\tilde s_t}/\sqrt{1-\beta_2^t} + \varepsilon}
 *   \quad\text{(rectify false; } \tilde s_t = \max(\tilde s_{t-1}, s_t)\text{ with amsgrad, else } s_t),$$
 * $$u_t = \begin{cases} k_t\, m_t/(\sqrt{s_t} + \varepsilon) & \rho_t \ge 5\\
 *   m_t/(1-\beta_1^t)\ \text{(degeneratedToSgd) or } 0 & \rho_t < 5\end{cases}\quad\text{(rectify true)},$$
 * $$\rho_\infty = \frac{2}{1-\beta_2} - 1,\quad \rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t},\quad
 *   k_t = \frac{1}{1-\beta_1^t}\sqrt{(1-\beta_2^t)\frac{(\rho_t-4)(\rho_t-2)\rho_\infty}{(\rho_\infty-4)(\rho_\infty-2)\rho_t}}.$$
 *
 * The reference adds ε to s in place every step (so s carries about ε/(1−β2) after a while) and
 * again after the square root; its rectified branch uses `≥ 5` (torch RAdam: `> 5`), has no
 * $\sqrt{1-\beta_2^t}$ in the denominator and ignores the AMSGrad maximum (which is still kept
 * up to date). State slots `mu`, `nu` (and `nuMax` with amsgrad), all starting at 0.
 * Defaults: b1 0.9, b2 0.999, eps 1e-16, amsgrad false, rectify true, degeneratedToSgd true.
 * Follow with {@link scaleByLearningRate}; elementwise, so it fuses with its neighbours in a `chain`.
 *
 * Reference: github `juntang-zhuang/Adabelief-Optimizer`,
 * `pypi_packages/adabelief_pytorch0.2.1/adabelief_pytorch/AdaBelief.py`, `AdaBelief.step` (L159–244);
 * optax `scale_by_belief` for the building-block form.
 */
export function scaleByBelief(options: ScaleByBeliefOptions = {}): ElementwiseTransformation<'mu' | 'nu'> {
  const where = 'scaleByBelief';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['b1', 'b2', 'eps', 'amsgrad', 'rectify', 'degeneratedToSgd']);
  const b1 = checkScalarOrSchedule(where, 'b1', options.b1 ?? 0.9, { min: 0, lessThan: 1 });
  const b2 = checkScalarOrSchedule(where, 'b2', options.b2 ?? 0.999, { min: 0, lessThan: 1 });
  const eps = checkScalarOrSchedule(where, 'eps', options.eps ?? 1e-16, { min: 0 });
  const amsgrad = checkBoolean(where, 'amsgrad', options.amsgrad ?? false);
  const rectify = checkBoolean(where, 'rectify', options.rectify ?? true);
  const degeneratedToSgd = checkBoolean(where, 'degeneratedToSgd', options.degeneratedToSgd ?? true);
  // Static variants are separate rules (kernels are cached by rule name).
  const rule = amsgrad ? (rectify ? RULES.amsgradRectify : RULES.amsgrad) : rectify ? RULES.plainRectify : RULES.plain;
  return elementwiseTransformation({
    rule: rule as (typeof RULES)['plain'],
    scalars: (count) => {
      const t = count + 1;
      const beta1 = b1(count);
      const beta2 = b2(count);
      const common = { b1: beta1, oneMinusB1: 1 - beta1, b2: beta2, oneMinusB2: 1 - beta2, eps: eps(count), sqrtBc2: Math.sqrt(1 - beta2 ** t) };
      if (!rectify) return { ...common, stepSize: 1 / (1 - beta1 ** t), adaptive: 0, sgdStepSize: 0 };
      return { ...common, ...rectification(t, beta1, beta2, degeneratedToSgd) };
    },
  });
}
