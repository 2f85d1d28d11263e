/**
 * Linear decay to zero over a run of known length: the refinement paper's default schedule.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber } from '@descent/core';
import { type Schedule, checkOptionsObject, checkStep } from './schedule.js';

/** Options of {@link linearDecay}. */
export interface LinearDecayOptions {
  /** P, the value at step 0 (finite). */
  peak: number;
  /** T, the number of steps of the run, an integer ≥ 2: the value reaches 0 on the last one, step T − 1. */
  steps: number;
}

/**
 * Linear decay from `peak` on step 0 to 0 on the run's last step T − 1:
 *
 * $$s(t) = P \cdot \max\Bigl(0, \frac{(T - 1) - t}{T - 1}\Bigr),$$
 *
 * 0 from step T − 1 on. This is exactly what {@link refined} returns for constant gradient norms
 * (so the two can be compared value for value), and the schedule Defazio, Cutkosky, Mehta &
 * Mishchenko recommend as the default ("When, Why and How Much? Adaptive Learning Rate Scheduling
 * by Refinement", arXiv:2310.07831: SGD with $\eta_t \propto 1 - t/T$ has an $O(DG/\sqrt T)$
 * last-iterate rate without the log factor of constant or $1/\sqrt t$ steps). The same values as
 * `linear({ init: P, end: 0, transitionSteps: T - 1 })`.
 */
export function linearDecay(options: LinearDecayOptions): Schedule {
  const where = 'linearDecay';
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['peak', 'steps']);
  const peak = checkNumber(where, 'peak', options.peak);
  const steps = checkNumber(where, 'steps', options.steps, { min: 2, integer: true });
  const last = steps - 1;
  return (step: number) => {
    checkStep(where, step);
    return step >= last ? 0 : ((last - step) / last) * peak;
  };
}
