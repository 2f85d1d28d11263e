/**
 * The playground's schedules view: a few @descent/schedules learning-rate schedules with editable
 * options, sampled with `plotSchedule` for drawing.
 */
import { type Schedule, cosineDecay, cyclic, exponentialDecay, oneCycle, plotSchedule, sgdr, warmupCosineDecay, wsd } from '@descent/schedules';

/** A schedule of the view: its editable options and how to build it from them. */
export interface ScheduleSpec {
  id: string;
  label: string;
  options: Record<string, number>;
  make(o: Record<string, number>): Schedule;
}

export const SCHEDULES: readonly ScheduleSpec[] = [
  { id: 'cosine-decay', label: 'cosineDecay', options: { init: 1, decaySteps: 800, alpha: 0 }, make: (o) => cosineDecay({ init: o.init, decaySteps: o.decaySteps, alpha: o.alpha }) },
  {
    id: 'warmup-cosine-decay',
    label: 'warmupCosineDecay',
    options: { init: 0, peak: 1, warmupSteps: 100, decaySteps: 1000, end: 0.05 },
    make: (o) => warmupCosineDecay({ init: o.init, peak: o.peak, warmupSteps: o.warmupSteps, decaySteps: o.decaySteps, end: o.end }),
  },
  {
    id: 'exponential-decay',
    label: 'exponentialDecay',
    options: { init: 1, transitionSteps: 100, decayRate: 0.7 },
    make: (o) => exponentialDecay({ init: o.init, transitionSteps: o.transitionSteps, decayRate: o.decayRate }),
  },
  { id: 'one-cycle', label: 'oneCycle', options: { transitionSteps: 1000, peak: 1 }, make: (o) => oneCycle({ transitionSteps: o.transitionSteps, peak: o.peak }) },
  { id: 'sgdr', label: 'sgdr (cosine with warm restarts)', options: { peak: 1, t0: 100, tMult: 2 }, make: (o) => sgdr({ peak: o.peak, t0: o.t0, tMult: o.tMult }) },
  {
    id: 'wsd',
    label: 'wsd (warmup–stable–decay)',
    options: { peak: 1, warmupSteps: 100, stableSteps: 600, decaySteps: 300 },
    make: (o) => wsd({ peak: o.peak, warmupSteps: o.warmupSteps, stableSteps: o.stableSteps, decaySteps: o.decaySteps }),
  },
  { id: 'cyclic', label: 'cyclic (triangular)', options: { baseLr: 0.1, maxLr: 1, stepSizeUp: 100 }, make: (o) => cyclic({ baseLr: o.baseLr, maxLr: o.maxLr, stepSizeUp: o.stepSizeUp }) },
];

/** Samples a schedule over `steps` steps; a bad option comes back as the DescentError's message. */
export function sampleSchedule(spec: ScheduleSpec, options: Record<string, number>, steps: number): { steps: number[]; values: number[] } | string {
  try {
    return plotSchedule(spec.make(options), { steps });
  } catch (e) {
    return (e as Error).message;
  }
}
