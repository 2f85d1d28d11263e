/**
 * Warmup–stable–decay (WSD), the "trapezoidal" schedule.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber, checkOneOf } from '@descent/core';
import { type Schedule, checkOptionsObject, checkStep } from './schedule.js';

/** Options of {@link wsd}. */
export interface WsdOptions {
  /** P, the value of the stable phase (finite). */
  peak: number;
  /** W ≥ 0, the length of the linear warmup; 0 means no warmup (`peak` from step 0). */
  warmupSteps: number;
  /** S ≥ 0, the length of the stable phase at `peak`. */
  stableSteps: number;
  /** D > 0, the length of the final decay ("cooldown"). */
  decaySteps: number;
  /** E, the value at and after the end of the decay (finite). Default 0. */
  end?: number;
  /** The shape of the decay: `'linear'`, `'cosine'` or `'1-sqrt'`. Default `'linear'`. */
  decay?: 'linear' | 'cosine' | '1-sqrt';
  /** I, the value at step 0 of the warmup (finite). Default 0. */
  init?: number;
}

/**
 * Warmup–stable–decay: linear warmup from I to P, P for S steps, then a decay from P to E over D
 * steps, E afterwards. With $u = (t - W - S)/D \in [0, 1]$ in the decay phase,
 *
 * $$s(t) = \begin{cases} I + (P - I)\,t/W & t < W\\ P & W \le t < W + S\\
 *   E + (P - E)\,\phi(u) & W + S \le t < W + S + D\\ E & t \ge W + S + D\end{cases}$$
 *
 * with $\phi(u) = 1 - u$ (`'linear'`), $\tfrac12(1 + \cos \pi u)$ (`'cosine'`) or
 * $1 - \sqrt{u}$ (`'1-sqrt'`). Continuous; monotone when I ≤ P and E ≤ P.
 * Defaults: end 0, decay 'linear', init 0.
 *
 * Sources: neither optax nor torch ships WSD (the usual recipe joins a warmup, a constant and a
 * decay with `join_schedules` / `SequentialLR`); Hu et al., "MiniCPM: Unveiling the Potential of
 * Small Language Models with Scalable Training Strategies", 2024 (arXiv:2404.06395), §4; Hägele et
 * al., "Scaling Laws and Compute-Optimal Training Beyond Fixed Training Durations", NeurIPS 2024
 * (arXiv:2405.18392), which introduces the 1 − sqrt cooldown.
 */
export function wsd(options: WsdOptions): Schedule {
  const where = 'wsd';
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['peak', 'warmupSteps', 'stableSteps', 'decaySteps', 'end', 'decay', 'init']);
  const peak = checkNumber(where, 'peak', options.peak);
  const warmup = checkNumber(where, 'warmupSteps', options.warmupSteps, { min: 0 });
  const stable = checkNumber(where, 'stableSteps', options.stableSteps, { min: 0 });
  const decaySteps = checkNumber(where, 'decaySteps', options.decaySteps, { greaterThan: 0 });
  const end = checkNumber(where, 'end', options.end ?? 0);
  const decay = checkOneOf(where, 'decay', options.decay ?? 'linear', ['linear', 'cosine', '1-sqrt'] as const);
  const init = checkNumber(where, 'init', options.init ?? 0);
  const decayStart = warmup + stable;
  const shape =
    decay === 'linear' ? (u: number) => 1 - u : decay === 'cosine' ? (u: number) => 0.5 * (1 + Math.cos(Math.PI * u)) : (u: number) => 1 - Math.sqrt(u);
  return (step: number) => {
    checkStep(where, step);
    if (step < warmup) return init + ((peak - init) * step) / warmup;
    if (step < decayStart) return peak;
    const u = Math.min((step - decayStart) / decaySteps, 1);
    return end + (peak - end) * shape(u);
  };
}
