/**
 * `scaleByAdam`: Adam's moment estimates and bias-corrected scaling (optax `scale_by_adam`, with
 * `torch.optim.Adam`'s numerics and AMSGrad).
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

const SCALARS = ['b1', 'oneMinusB1', 'b2', 'oneMinusB2', 'eps', 'epsRootBc2', 'sqrtBc2', 'muScale', 'gradScale'] as const;
type AdamScalars = { [K in (typeof SCALARS)[number]]: Expr };

/** The shared body: new moments, the (AMSGrad) second moment used, and the update. */
function adamBody(grad: Expr, mu: Expr, nu: Expr, nuMax: Expr | undefined, s: AdamScalars, nesterov: boolean, op: ElementwiseOps) {
  const m = op.add(op.mul(s.b1, mu), op.mul(s.oneMinusB1, grad));
  const v = op.add(op.mul(s.b2, nu), op.mul(s.oneMinusB2, op.square(grad)));
  // torch.optim.Adam(amsgrad=True): the maximum is over the RAW second moment, divided by the
  // current sqrt(bc2) afterwards (`torch/optim/adam.py` v1.13, `_single_tensor_adam`).
  const vUsed = nuMax === undefined ? v : op.max(nuMax, v);
  // sqrt(v + ε_root·bc2)/sqrt(bc2) = sqrt(v̂ + ε_root) (optax); with ε_root = 0 this is torch's
  // `exp_avg_sq.sqrt() / bias_correction2_sqrt + eps` exactly (v + 0 = v).
  const denom = op.add(op.div(op.sqrt(op.add(vUsed, s.epsRootBc2)), s.sqrtBc2), s.eps);
  const num = nesterov ? op.add(op.mul(s.muScale, m), op.mul(s.gradScale, grad)) : op.mul(s.muScale, m);
  return { mu: m, nu: v, nuMax: vUsed, update: op.div(num, denom) };
}

function adamRule(nesterov: boolean) {
  return defineElementwiseRule({
    name: `scaleByAdam[adam,${nesterov ? 'nesterov' : 'classic'}]`,
    state: ['mu', 'nu'],
    scalars: SCALARS,
    body: ({ grad, mu, nu }, s, op) => {
      const o = adamBody(grad, mu, nu, undefined, s, nesterov, op);
      return { mu: o.mu, nu: o.nu, update: o.update };
    },
  });
}

function amsgradRule(nesterov: boolean) {
  return defineElementwiseRule({
    name: `scaleByAdam[amsgrad,${nesterov ? 'nesterov' : 'classic'}]`,
    state: ['mu', 'nu', 'nuMax'],
    scalars: SCALARS,
    body: ({ grad, mu, nu, nuMax }, s, op) => adamBody(grad, mu, nu, nuMax, s, nesterov, op),
  });
}

const RULES = {
  adam: adamRule(false),
  adamNesterov: adamRule(true),
  amsgrad: amsgradRule(false),
  amsgradNesterov: amsgradRule(true),
};

/** Options of {@link scaleByAdam}. */
export interface ScaleByAdamOptions {
  /** β1 ∈ [0, 1), decay of the first moment. Default 0.9. */
  b1?: ScalarOrSchedule;
  /** β2 ∈ [0, 1), decay of the second moment. Default 0.999. */
  b2?: ScalarOrSchedule;
  /** ε ≥ 0, added to the denominator outside the square root. Default 1e-8. */
  eps?: ScalarOrSchedule;
  /** ε_root ≥ 0, added to the bias-corrected second moment inside the square root (optax). Default 0. */
  epsRoot?: ScalarOrSchedule;
  /** AMSGrad: divide by the running maximum of the raw second moment (torch semantics). Default false. */
  amsgrad?: boolean;
  /** NAdam-style Nesterov numerator, as optax `scale_by_adam(nesterov=True)`. Default false. */
  nesterov?: boolean;
}

/**
 * Rescales updates by Adam's bias-corrected moment estimates (Kingma & Ba 2015, Alg. 1):
 *
 * $$m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\qquad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,$$
 * $$u_t = \frac{m_t/(1-\beta_1^t)}{\sqrt{v_t + \varepsilon_{root}(1-\beta_2^t)}\,/\sqrt{1-\beta_2^t} + \varepsilon}
 *       = \frac{\hat m_t}{\sqrt{\hat v_t + \varepsilon_{root}} + \varepsilon}.$$
 *
 * With `amsgrad`, $v^{max}_t = \max(v^{max}_{t-1}, v_t)$ (state starting at 0, the maximum over the
 * raw $v$) replaces $v_t$ in the denominator, still divided by the current $\sqrt{1-\beta_2^t}$, exactly
 * as `torch.optim.Adam(amsgrad=True)` (optax's `scale_by_amsgrad` takes the maximum of $\hat v$
 * instead). With `nesterov`, the numerator is optax's NAdam form
 * $\beta_1 m_t/(1-\beta_1^{t+1}) + (1-\beta_1) g_t/(1-\beta_1^t)$ (Dozat 2016).
 *
 * With the defaults ($\varepsilon_{root} = 0$, no Nesterov) the arithmetic is torch's
 * `(m/bc1) / (sqrt(v)/sqrt(bc2) + eps)` (`torch/optim/adam.py` v1.13, `_single_tensor_adam`).
 * State slots `mu`, `nu` (and `nuMax` with amsgrad), all starting at 0.
 * Defaults: b1 0.9, b2 0.999, eps 1e-8, epsRoot 0, amsgrad false, nesterov false. Follow with
 * {@link scaleByLearningRate}; elementwise, so it fuses with its neighbours in a `chain`.
 *
 * Reference: optax `scale_by_adam` (`optax/_src/transform.py`); PyTorch 1.13 `torch.optim.Adam`;
 * Reddi et al. (2018), "On the Convergence of Adam and Beyond" (AMSGrad).
 */
export function scaleByAdam(options: ScaleByAdamOptions = {}): ElementwiseTransformation<'mu' | 'nu'> {
  const where = 'scaleByAdam';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['b1', 'b2', 'eps', 'epsRoot', 'amsgrad', 'nesterov']);
  const b1 = checkScalarOrSchedule(where, 'b1', options.b1 ?? 0.9, { min: 0, lessThan: 1 });
  const b2 = checkScalarOrSchedule(where, 'b2', options.b2 ?? 0.999, { min: 0, lessThan: 1 });
  const eps = checkScalarOrSchedule(where, 'eps', options.eps ?? 1e-8, { min: 0 });
  const epsRoot = checkScalarOrSchedule(where, 'epsRoot', options.epsRoot ?? 0, { min: 0 });
  const amsgrad = checkBoolean(where, 'amsgrad', options.amsgrad ?? false);
  const nesterov = checkBoolean(where, 'nesterov', options.nesterov ?? false);
  // Static variants are separate rules (kernels are cached by rule name).
  const rule = amsgrad ? (nesterov ? RULES.amsgradNesterov : RULES.amsgrad) : nesterov ? RULES.adamNesterov : RULES.adam;
  return elementwiseTransformation({
    rule: rule as (typeof RULES)['adam'],
    scalars: (count) => {
      const t = count + 1;
      const beta1 = b1(count);
      const beta2 = b2(count);
      const bc1 = 1 - beta1 ** t;
      const bc2 = 1 - beta2 ** t;
      return {
        b1: beta1,
        oneMinusB1: 1 - beta1,
        b2: beta2,
        oneMinusB2: 1 - beta2,
        eps: eps(count),
        epsRootBc2: epsRoot(count) * bc2,
        sqrtBc2: Math.sqrt(bc2),
        // optax: β1·m/(1−β1^{t+1}) + (1−β1)·g/(1−β1^t) under Nesterov, m/(1−β1^t) otherwise.
        muScale: nesterov ? beta1 / (1 - beta1 ** (t + 1)) : 1 / bc1,
        gradScale: nesterov ? (1 - beta1) / bc1 : 0,
      };
    },
  });
}
