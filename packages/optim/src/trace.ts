/**
 * `trace`: heavy-ball momentum of the updates (optax `trace`, with torch's dampening and first step).
 *
 * @packageDocumentation
 */
import {
  type ElementwiseTransformation,
  type ScalarOrSchedule,
  checkBoolean,
  checkKnownOptions,
  checkScalarOrSchedule,
  defineElementwiseRule,
  elementwiseTransformation,
  invalidOption,
} from '@descent/core';

function traceRule(nesterov: boolean) {
  return defineElementwiseRule({
    name: `trace[${nesterov ? 'nesterov' : 'classic'}]`,
    state: ['trace'],
    scalars: ['decay', 'bufferDecay', 'gradScale'],
    body: ({ grad, trace }, { decay, bufferDecay, gradScale }, op) => {
      const b = op.add(op.mul(bufferDecay, trace), op.mul(gradScale, grad));
      return { trace: b, update: nesterov ? op.add(grad, op.mul(decay, b)) : b };
    },
  });
}
const RULES = { classic: traceRule(false), nesterov: traceRule(true) };

/** Options of {@link trace}. */
export interface TraceOptions {
  /** μ ∈ [0, 1), the momentum. */
  decay: ScalarOrSchedule;
  /** τ ∈ [0, 1], dampening of the incoming update from the second step on (torch). Default 0. */
  dampening?: ScalarOrSchedule;
  /** Nesterov momentum: output `u + μ b` instead of `b`. Default false. */
  nesterov?: boolean;
}

/**
 * Momentum buffer of the updates, with `torch.optim.SGD`'s exact semantics:
 *
 * $$b_1 = u_1,\qquad b_t = \mu b_{t-1} + (1-\tau)\,u_t\ (t>1),\qquad
 *   \text{out}_t = \text{nesterov}\ ?\ u_t + \mu b_t : b_t.$$
 *
 * The first step copies the update undampened (`torch/optim/sgd.py`,
 * `buf = torch.clone(d_p).detach()`); with τ = 0 this is optax's `trace` (whose buffer starts at
 * zero). Defaults: dampening 0, nesterov false. Elementwise: fuses within a `chain`.
 *
 * References: Polyak (1964); Sutskever et al. (2013) for the Nesterov form; optax `trace`.
 */
export function trace(options: TraceOptions): ElementwiseTransformation<'trace'> {
  const where = 'trace';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an options object');
  checkKnownOptions(where, options, ['decay', 'dampening', 'nesterov']);
  const mu = checkScalarOrSchedule(where, 'decay', options.decay, { min: 0, lessThan: 1 });
  const tau = checkScalarOrSchedule(where, 'dampening', options.dampening ?? 0, { min: 0, max: 1 });
  const nesterov = checkBoolean(where, 'nesterov', options.nesterov ?? false);
  if (nesterov && typeof options.dampening === 'number' && options.dampening !== 0) {
    invalidOption(where, 'dampening', options.dampening, '0 when nesterov is true (as torch.optim.SGD requires)');
  }
  return elementwiseTransformation({
    rule: nesterov ? RULES.nesterov : RULES.classic,
    scalars: (count) => {
      const m = mu(count);
      return { decay: m, bufferDecay: count === 0 ? 0 : m, gradScale: count === 0 ? 1 : 1 - tau(count) };
    },
  });
}
