/**
 * Knapsack RL budgets: Value's diminishing returns (the greedy-optimality argument), hand-computed allocations, greedy
 * = DP on random instances, = brute force on small instances, sum/bounds and the fallback.
 * Random instances come from descent's Threefry PRNG (reproducible; fast-check is not a dependency of @descent/rl).
 */

/** A reproducible stream of uniforms for instance `i` of a property. */
function rng(seed: number, i: number): () => number {
  const u = uniformValues(foldIn(key(seed), i), 64);
  let at = 0;
  return () => u[at++ % 64];
}
const int = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
/** Success rates with the special values 0, 1, 0.5 mixed in (ties and zero-value prompts). */
const rate = (r: () => number) => {
  const c = r();
  return c < 0.1 ? 0 : c < 0.2 ? 1 : c < 0.25 ? 0.5 : r();
};
import { describe, expect, it } from 'vitest';
import { DescentError, foldIn, key, uniformValues } from '@descent/core';
import {
  knapsackBudgets,
  knapsackMarginalValue,
  knapsackObjective,
  knapsackValue,
} from '@descent/rl';

/** Every allocation with lo ≤ N_i ≤ hi and Σ N_i = total, exhaustively. */
function bruteForce(rates: number[], total: number, lo: number, hi: number): number {
  let best = -Infinity;
  const n = new Array<number>(rates.length).fill(lo);
  const rec = (i: number, left: number) => {
    if (i === rates.length - 1) {
      if (left < lo || left > hi) return;
      n[i] = left;
      best = Math.max(best, knapsackObjective(n, rates));
      return;
    }
    for (let k = lo; k <= hi && k <= left; k++) {
      n[i] = k;
      rec(i + 1, left - k);
    }
  };
  rec(0, total);
  return best;
}

describe('knapsackValue', () => {
  it('matches the formula and is 0 at p ∈ {0, 1}', () => {
    // N = 2, p = 0.5: (1 − 0.25 − 0.25)·0.5·0.25 = 0.0625
    expect(knapsackValue(2, 0.5)).toBeCloseTo(0.0625, 15);
    // N = 8, p = 0.1: (1 − 1e-8 − 0.9^8)·0.1·0.81 = (1 − 1e-8 − 0.43046721)·0.081 = 0.0461321...
    expect(knapsackValue(8, 0.1)).toBeCloseTo((1 - 1e-8 - 0.43046721) * 0.081, 14);
    expect(knapsackValue(5, 0)).toBe(0);
    expect(knapsackValue(5, 1)).toBe(0);
  });

  it('has diminishing returns: the marginal value is the closed form, ≥ 0 and non-increasing in N', () => {
    for (let i = 0; i < 300; i++) {
      const r = rng(7, i);
      const p = rate(r);
      const n = int(r, 1, 200);
      const d = knapsackValue(n + 1, p) - knapsackValue(n, p);
      expect(knapsackMarginalValue(n, p)).toBeCloseTo(d, 12);
      expect(knapsackMarginalValue(n, p)).toBeGreaterThanOrEqual(0);
      expect(knapsackMarginalValue(n + 1, p)).toBeLessThanOrEqual(knapsackMarginalValue(n, p));
    }
  });
});

describe('knapsackBudgets', () => {
  it('hand-computed allocation', () => {
    // p = 0.5: Δ(N) = 0.125·0.5^N → Δ(2..5) = 0.03125, 0.015625, 0.0078125, 0.00390625
    // p = 0.9: Δ(N) = 0.009·(0.1·0.9^N + 0.9·0.1^N) → Δ(2) = 0.00081
    // from [2, 2], the 4 extra rollouts all go to p = 0.5 (each of its increments beats 0.00081): [6, 2]
    expect(knapsackBudgets({ successRates: [0.5, 0.9], totalBudget: 8, minBudget: 2, maxBudget: 8 })).toEqual([6, 2]);
    expect(knapsackBudgets({ successRates: [0.5, 0.9], totalBudget: 8, minBudget: 2, maxBudget: 8, method: 'dp' })).toEqual([6, 2]);
    // maxBudget 5 caps it: [5, 3]
    expect(knapsackBudgets({ successRates: [0.5, 0.9], totalBudget: 8, minBudget: 2, maxBudget: 5 })).toEqual([5, 3]);
  });

  it('greedy reaches the DP optimum on random instances, with Σ = budget and bounds', () => {
    for (let i = 0; i < 200; i++) {
      const r = rng(42, i);
      const rates = Array.from({ length: int(r, 1, 12) }, () => rate(r));
      const lo = int(r, 1, 4);
      const span = int(r, 0, 20);
      const extra = int(r, 0, 60);
      const hi = lo + span;
      const total = Math.min(rates.length * lo + extra, rates.length * hi);
      const opts = { successRates: rates, totalBudget: total, minBudget: lo, maxBudget: hi };
      const g = knapsackBudgets(opts);
      const d = knapsackBudgets({ ...opts, method: 'dp' });
      for (const n of [g, d]) {
        expect(n.reduce((a, b) => a + b, 0)).toBe(total);
        for (const x of n) {
          expect(Number.isInteger(x)).toBe(true);
          expect(x).toBeGreaterThanOrEqual(lo);
          expect(x).toBeLessThanOrEqual(hi);
          const vg = knapsackObjective(g, rates);
          const vd = knapsackObjective(d, rates);
          expect(Math.abs(vg - vd)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(vd)));
        }
      }
    }
  });

  it('greedy equals brute force on small instances', () => {
    for (let i = 0; i < 150; i++) {
      const r = rng(3, i);
      const rates = Array.from({ length: int(r, 1, 4) }, () => rate(r));
      const lo = int(r, 1, 3);
      const span = int(r, 0, 5);
      const extra = int(r, 0, 10);
      const hi = lo + span;
      const total = Math.min(rates.length * lo + extra, rates.length * hi);
      const g = knapsackBudgets({ successRates: rates, totalBudget: total, minBudget: lo, maxBudget: hi });
      const best = bruteForce(rates, total, lo, hi);
      expect(Math.abs(knapsackObjective(g, rates) - best)).toBeLessThanOrEqual(1e-14);
    }
  });

  it('fallback: spare budget goes to unsolved prompts (p = 0) first, then solved ones', () => {
    // p = 0.5 saturates at 10; 8 more to p = 0 (up to 10); the last 2 to p = 1
    expect(knapsackBudgets({ successRates: [0, 0.5, 1], totalBudget: 24, minBudget: 2, maxBudget: 10 })).toEqual([10, 10, 4]);
    expect(knapsackBudgets({ successRates: [0, 0.5, 1], totalBudget: 24, minBudget: 2, maxBudget: 10, method: 'dp' })).toEqual([10, 10, 4]);
    // 'none': round-robin by index among zero-value prompts
    expect(knapsackBudgets({ successRates: [0, 0.5, 1], totalBudget: 24, minBudget: 2, maxBudget: 10, fallback: 'none' })).toEqual([7, 10, 7]);
    // several unsolved prompts share round-robin
    expect(knapsackBudgets({ successRates: [0, 0, 1], totalBudget: 12, minBudget: 2, maxBudget: 8 })).toEqual([5, 5, 2]);
  });

  it('rejects infeasible or bad input', () => {
    expect(() => knapsackBudgets({ successRates: [0.5, 0.5], totalBudget: 3, minBudget: 2 })).toThrow(/totalBudget/);
    expect(() => knapsackBudgets({ successRates: [0.5, 0.5], totalBudget: 20, maxBudget: 8 })).toThrow(/totalBudget/);
    expect(() => knapsackBudgets({ successRates: [1.5], totalBudget: 4 })).toThrow(/successRates\[0\]/);
    expect(() => knapsackBudgets({ successRates: [0.5], totalBudget: 4, minBudget: 0 })).toThrow(DescentError);
  });

  it('handles a realistic budget quickly (256 prompts × 8)', () => {
    const rates = Array.from({ length: 256 }, (_, i) => (i % 17) / 16);
    const n = knapsackBudgets({ successRates: rates, totalBudget: 2048, minBudget: 2, maxBudget: 128 });
    expect(n.reduce((a, b) => a + b, 0)).toBe(2048);
    // informative prompts (p near 1/3) get more than very easy ones (p = 15/16)
    expect(n[5]).toBeGreaterThan(n[15]);
  });
});
