/**
 * SGDR: cosine annealing with warm restarts.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber, invalidOption } from '@descent/core';
import { type Schedule, checkOptionsObject, checkStep } from './schedule.js';
import { type WarmupCosineDecayOptions, warmupCosineDecaySchedule } from './warmup-cosine-decay.js';

/** torch's `CosineAnnealingWarmRestarts` parameters in camelCase (T_0 → t0, T_mult → tMult, eta_min → etaMin). */
export interface SgdrOptions {
  /** η₀, the value at the start of every cycle (torch's base learning rate; finite). */
  peak: number;
  /** T₀, the length of the first cycle: an integer ≥ 1. */
  t0: number;
  /** T_mult, the factor by which each cycle is longer than the previous: an integer ≥ 1. Default 1. */
  tMult?: number;
  /** η_min, the value approached at the end of every cycle (finite). Default 0. */
  etaMin?: number;
}

/** optax's `sgdr_schedule` form: one {@link warmupCosineDecay} per cycle. */
export interface SgdrCyclesOptions {
  /** The cycles, at least one; cycle k lasts its own `decaySteps` (warmup included). */
  cycles: readonly WarmupCosineDecayOptions[];
}

/**
 * Stochastic gradient descent with warm restarts (Loshchilov & Hutter, "SGDR: Stochastic Gradient
 * Descent with Warm Restarts", ICLR 2017, eq. (5)), in either of two parameterisations:
 *
 * - `{ peak, t0, tMult?, etaMin? }` — torch's `CosineAnnealingWarmRestarts(optimizer, T_0,
 *   T_mult=1, eta_min=0.0)` (`torch/optim/lr_scheduler.py`) in closed form:
 *   $$s(t) = \eta_{\min} + \tfrac12(\eta_0 - \eta_{\min})\bigl(1 + \cos(\pi\, T_{cur}/T_i)\bigr),$$
 *   with $T_i = T_0 T_{mult}^{\,n}$ and $T_{cur} = t - T_0 (T_{mult}^{\,n} - 1)/(T_{mult} - 1)$
 *   ($t \bmod T_0$ when $T_{mult} = 1$), n the number of completed cycles. Fractional t are allowed,
 *   as torch's `step(epoch)` allows fractional epochs. torch finds n with a floating-point
 *   `math.log(…, T_mult)`, which can round down exactly at a restart; here n is found by exact
 *   comparison, which agrees with torch everywhere else. There is no end: cycles repeat forever.
 *   Defaults: tMult 1, etaMin 0.
 * - `{ cycles: [...] }` — optax's `sgdr_schedule(cosine_kwargs)` (`optax/schedules/_schedule.py`):
 *   the cycles' {@link warmupCosineDecay} schedules joined at the cumulative sums of their
 *   `decaySteps`; the last cycle holds its `end` forever.
 */
export function sgdr(options: SgdrOptions | SgdrCyclesOptions): Schedule {
  const where = 'sgdr';
  checkOptionsObject(where, options);
  if ('cycles' in options) return cyclesSchedule(where, options);
  checkKnownOptions(where, options, ['peak', 't0', 'tMult', 'etaMin']);
  const peak = checkNumber(where, 'peak', options.peak);
  const t0 = checkNumber(where, 't0', options.t0, { min: 1, integer: true });
  const tMult = checkNumber(where, 'tMult', options.tMult ?? 1, { min: 1, integer: true });
  const etaMin = checkNumber(where, 'etaMin', options.etaMin ?? 0);
  return (step: number) => {
    checkStep(where, step);
    let cycleStart = 0;
    let cycleLength = t0;
    let tCur: number;
    if (tMult === 1) {
      // `%` is the exact fmod, as Python's `epoch % T_0` is for non-negative operands.
      tCur = step % t0;
    } else {
      while (step >= cycleStart + cycleLength) {
        cycleStart += cycleLength;
        cycleLength *= tMult;
      }
      tCur = step - cycleStart;
    }
    return etaMin + ((peak - etaMin) * (1 + Math.cos((Math.PI * tCur) / cycleLength))) / 2;
  };
}

function cyclesSchedule(where: string, options: SgdrCyclesOptions): Schedule {
  checkKnownOptions(where, options, ['cycles']);
  const { cycles } = options;
  if (!Array.isArray(cycles) || cycles.length === 0) invalidOption(where, 'cycles', cycles, 'a non-empty array of cycle options');
  const starts: number[] = [];
  const parts: Schedule[] = [];
  let start = 0;
  cycles.forEach((cycle, k) => {
    const name = `${where}: cycles[${k}]`;
    checkOptionsObject(name, cycle);
    checkKnownOptions(name, cycle, ['init', 'peak', 'warmupSteps', 'decaySteps', 'end', 'exponent']);
    parts.push(warmupCosineDecaySchedule(name, cycle));
    starts.push(start);
    start += cycle.decaySteps;
  });
  return (step: number) => {
    checkStep(where, step);
    let k = starts.length - 1;
    while (k > 0 && step < starts[k]) k--;
    return parts[k](step - starts[k]);
  };
}
