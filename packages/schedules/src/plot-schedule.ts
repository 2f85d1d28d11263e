/**
 * Samples a schedule into arrays ready for a chart.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber, invalidOption } from '@descent/core';
import { type Schedule, checkOptionsObject, checkSchedule } from './schedule.js';

/** Options of {@link plotSchedule}. */
export interface PlotScheduleOptions {
  /** The length of the run to draw, an integer ≥ 1: steps 0 … steps − 1. */
  steps: number;
  /** The sampling interval, an integer ≥ 1. Default 1. */
  every?: number;
}

/**
 * Evaluates `schedule` at steps 0, every, 2·every, … below `steps`, plus the last step
 * `steps − 1` when the interval skips it (so a chart always shows where the run ends), and
 * returns the two columns `{ steps, values }`.
 *
 * @throws DescentError naming `schedule(step t)` if the schedule returns a non-finite value.
 */
export function plotSchedule(schedule: Schedule, options: PlotScheduleOptions): { steps: number[]; values: number[] } {
  const where = 'plotSchedule';
  checkSchedule(where, 'schedule', schedule);
  checkOptionsObject(where, options);
  checkKnownOptions(where, options, ['steps', 'every']);
  const steps = checkNumber(where, 'steps', options.steps, { min: 1, integer: true });
  const every = checkNumber(where, 'every', options.every ?? 1, { min: 1, integer: true });
  const xs: number[] = [];
  for (let t = 0; t < steps; t += every) xs.push(t);
  if (xs[xs.length - 1] !== steps - 1) xs.push(steps - 1);
  const values = xs.map((t) => {
    const v = schedule(t);
    if (typeof v !== 'number' || !Number.isFinite(v)) invalidOption(where, `schedule(step ${t})`, v, 'a finite number');
    return v;
  });
  return { steps: xs, values };
}
