/**
 * Heavy-ball momentum SGD, as PyTorch's `torch.optim.SGD` computes it — the one real fused rule
 * shipped with core (the `@descent/optim` aliases are built the same way).
 *
 * @packageDocumentation
 */
import { defineElementwiseRule } from './elementwise-rule.js';
import { type ElementwiseState, elementwiseTransformation } from './elementwise-transformation.js';
import { type ScalarOrSchedule, checkBoolean, checkKnownOptions, checkScalarOrSchedule, invalidOption } from './errors.js';
import type { GradientTransformation } from './transform.js';

/** Options of {@link heavyBall}; names and defaults as `torch.optim.SGD`. */
export interface HeavyBallOptions {
  /** γ, the learning rate (≥ 0; a number or a schedule). */
  learningRate: ScalarOrSchedule;
  /** μ ∈ [0, 1), the momentum. Default 0.9. */
  momentum?: ScalarOrSchedule;
  /** τ ∈ [0, 1], the dampening of the gradient in the buffer. Default 0. */
  dampening?: ScalarOrSchedule;
  /** Nesterov momentum (requires dampening 0, as in PyTorch). Default false. */
  nesterov?: boolean;
  /** λ ≥ 0, coupled L2 weight decay added to the gradient. Default 0. */
  weightDecay?: ScalarOrSchedule;
}

const RULES = new Map<string, ReturnType<typeof makeRule>>();

function makeRule(nesterov: boolean, decay: boolean) {
  return defineElementwiseRule({
    name: `heavyBall[${nesterov ? 'nesterov' : 'classic'}${decay ? ',decay' : ''}]`,
    state: ['trace'],
    scalars: ['lr', 'mu', 'bufferMomentum', 'gradScale', 'wd'],
    body: ({ grad, param, trace }, { lr, mu, bufferMomentum, gradScale, wd }, op) => {
      const g = decay ? op.add(grad, op.mul(wd, param)) : grad;
      const b = op.add(op.mul(bufferMomentum, trace), op.mul(gradScale, g));
      const direction = nesterov ? op.add(g, op.mul(mu, b)) : b;
      return { trace: b, update: op.mul(op.neg(lr), direction) };
    },
  });
}

function rule(nesterov: boolean, decay: boolean) {
  const key = `${nesterov}/${decay}`;
  let r = RULES.get(key);
  if (!r) RULES.set(key, (r = makeRule(nesterov, decay)));
  return r;
}

/**
 * Heavy-ball (Polyak) momentum SGD with PyTorch's exact numerics:
 *
 * $$\tilde g_t = g_t + \lambda\theta_{t-1},\qquad
 *   b_t = \begin{cases}\tilde g_t & t = 1\\ \mu b_{t-1} + (1-\tau)\tilde g_t & t > 1\end{cases},\qquad
 *   \theta_t = \theta_{t-1} - \gamma\,(\text{nesterov}\ ?\ \tilde g_t + \mu b_t : b_t).$$
 *
 * The first step copies the gradient into the buffer undampened, as `torch.optim.SGD` does
 * (`torch/optim/sgd.py`, `buf = torch.clone(d_p).detach()`). Defaults: momentum 0.9,
 * dampening 0, nesterov false, weightDecay 0. One fused kernel per parameter tensor on CPU
 * and WebGPU; in place under the `Optimizer` runner.
 *
 * Reference: Polyak (1964), "Some methods of speeding up the convergence of iteration methods";
 * Sutskever et al. (2013) for the Nesterov form used by PyTorch.
 */
export function heavyBall(options: HeavyBallOptions): GradientTransformation<ElementwiseState<'trace'>> {
  const where = 'heavyBall';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['learningRate', 'momentum', 'dampening', 'nesterov', 'weightDecay']);
  const lr = checkScalarOrSchedule(where, 'learningRate', options.learningRate, { min: 0 });
  const mu = checkScalarOrSchedule(where, 'momentum', options.momentum ?? 0.9, { min: 0, lessThan: 1 });
  const dampening = checkScalarOrSchedule(where, 'dampening', options.dampening ?? 0, { min: 0, max: 1 });
  const wd = checkScalarOrSchedule(where, 'weightDecay', options.weightDecay ?? 0, { min: 0 });
  const nesterov = checkBoolean(where, 'nesterov', options.nesterov ?? false);
  if (nesterov && options.dampening !== undefined && typeof options.dampening === 'number' && options.dampening !== 0) {
    invalidOption(where, 'dampening', options.dampening, '0 when nesterov is true (as torch.optim.SGD requires)');
  }
  const decay = options.weightDecay !== undefined && options.weightDecay !== 0;
  return elementwiseTransformation({
    rule: rule(nesterov, decay),
    scalars: (count) => {
      const step = count;
      const m = mu(step);
      const first = count === 0;
      return {
        lr: lr(step),
        mu: m,
        bufferMomentum: first ? 0 : m,
        gradScale: first ? 1 : 1 - dampening(step),
        wd: wd(step),
      };
    },
  });
}
