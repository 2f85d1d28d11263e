import { describe, expect, it } from 'vitest';
import { exponentialDecay, warmupExponentialDecay } from '@descent/schedules';

describe('warmupExponentialDecay (optax warmup_exponential_decay_schedule)', () => {
  it('warms up linearly to peak, then runs exponentialDecay from peak on the steps since the warmup', () => {
    const s = warmupExponentialDecay({ init: 0, peak: 1, warmupSteps: 4, transitionSteps: 10, decayRate: 0.5, transitionBegin: 2, endValue: 0.2 });
    expect([s(0), s(2), s(4), s(6), s(16), s(26), s(1000)]).toEqual([0, 0.5, 1, 1, 0.5, 0.25, 0.2]);
    const decay = exponentialDecay({ init: 1, transitionSteps: 10, decayRate: 0.5, transitionBegin: 2, endValue: 0.2 });
    for (let t = 4; t < 50; t += 0.5) expect(s(t)).toBe(decay(t - 4));
  });

  it('names itself in errors', () => {
    expect(() => warmupExponentialDecay({ init: 0, peak: 1, warmupSteps: 1, transitionSteps: -1, decayRate: 0.5 })).toThrow(
      /warmupExponentialDecay: transitionSteps must be a finite number > 0, got -1/,
    );
  });
});
