/**
 * Knapsack RL: allocate a total rollout budget across prompts to maximise the expected learning value.
 *
 * @packageDocumentation
 */
import { checkKnownOptions, checkNumber, checkOneOf, invalidOption } from '@descent/core';

/**
 * The value of giving N rollouts to a prompt of success rate p (Li et al. 2025, Knapsack RL, §3):
 *
 *   Value(N, p) = (1 − p^N − (1 − p)^N) · p(1 − p)²
 *
 * = P(the group's rewards are not all equal, i.e. GRPO's gradient is non-zero) × InfoGain(p), with
 * InfoGain(p) ≈ p(1 − p)² (their Proposition 1). 0 for p ∈ {0, 1}. Defined for N ≥ 1.
 */
export function knapsackValue(n: number, p: number): number {
  checkNumber('knapsackValue', 'n', n, { min: 1, integer: true });
  checkNumber('knapsackValue', 'p', p, { min: 0, max: 1 });
  return (1 - p ** n - (1 - p) ** n) * p * (1 - p) ** 2;
}

/**
 * Marginal value of the (N+1)-th rollout: Value(N+1, p) − Value(N, p) = p(1 − p)²·[p^N(1 − p) + (1 − p)^N·p],
 * computed in this closed form (no cancellation), ≥ 0 and non-increasing in N.
 */
export function knapsackMarginalValue(n: number, p: number): number {
  return p * (1 - p) ** 2 * (p ** n * (1 - p) + (1 - p) ** n * p);
}

/** Options of {@link knapsackBudgets}. */
export interface KnapsackBudgetsOptions {
  /** p_i ∈ [0, 1]: estimated success rate of each prompt (e.g. from a {@link SuccessRateTracker}). */
  successRates: readonly number[];
  /** Σ N_i: the total number of rollouts (e.g. 8 × number of prompts for the same budget as uniform G = 8). */
  totalBudget: number;
  /** N_low ≥ 1: fewest rollouts per prompt. Default 2 (a GRPO group needs two to have a spread). */
  minBudget?: number;
  /** N_up: most rollouts per prompt. Default `totalBudget`. */
  maxBudget?: number;
  /**
   * What to do with budget no prompt can use (every p ∈ (0,1) prompt is at `maxBudget`, or none exists): `'unsolved'`
   * (default) spreads it round-robin over prompts with p = 0 first (they may yet be solved: the paper's fallback of
   * giving spare rollouts to unsolved tasks), then p = 1; `'none'` gives it to the lowest indices.
   */
  fallback?: 'unsolved' | 'none';
  /** `'greedy'` (default, O(B log M)) or `'dp'` (multiple-choice knapsack DP, O(M·B·(N_up − N_low + 1))); same optimum. */
  method?: 'greedy' | 'dp';
}

const WHERE = 'knapsackBudgets';

/** Larger = served first among equal marginal gains. */
function fallbackTier(p: number, fallback: 'unsolved' | 'none'): number {
  if (fallback === 'none') return 0;
  return p === 0 ? 2 : p === 1 ? 1 : 0;
}

/**
 * Knapsack RL's rollout allocation (Li et al. 2025, arXiv 2509.25849; spec rl.md §6): integers N_i with
 *
 *   maximise Σ_i Value(N_i, p_i)   subject to  Σ_i N_i = totalBudget,  minBudget ≤ N_i ≤ maxBudget.
 *
 * **Why greedy is exact.** Write Δ_p(N) = Value(N+1, p) − Value(N, p) = p(1 − p)²·[p^N(1 − p) + (1 − p)^N·p]. For
 * p ∈ (0, 1) both p^N and (1 − p)^N strictly decrease in N, so Δ_p is strictly decreasing (Value is concave in N:
 * diminishing returns); for p ∈ {0, 1}, Δ_p ≡ 0. Any feasible allocation's objective equals
 * Σ_i Value(N_low, p_i) + Σ_i Σ_{k=N_low}^{N_i−1} Δ_{p_i}(k): a choice of K = B − M·N_low increments, at most
 * N_up − N_low from each prompt's list and always a prefix of it. It is therefore at most Σ_i Value(N_low, p_i) plus
 * the sum of the K largest increments overall; because each list is non-increasing, those K largest can be taken as
 * prefixes, so that bound is attained — and the greedy rule (start at N_low, repeatedly give one rollout to the prompt
 * with the largest next increment) takes exactly them. (Gross 1956; Ibaraki & Katoh 1988, "Resource Allocation
 * Problems", Thm 4.1.1.) The tests also check greedy = DP on random instances and = brute force on small ones.
 *
 * Ties (equal increments, in particular the zero increments of p ∈ {0, 1}) follow `fallback`, so the result is
 * deterministic. Needs M·minBudget ≤ totalBudget ≤ M·maxBudget.
 *
 * @returns N_i, one per prompt, summing to `totalBudget`.
 */
export function knapsackBudgets(options: KnapsackBudgetsOptions): number[] {
  if (options === null || typeof options !== 'object') invalidOption(WHERE, 'options', options, 'an object');
  checkKnownOptions(WHERE, options, ['successRates', 'totalBudget', 'minBudget', 'maxBudget', 'fallback', 'method']);
  const rates = options.successRates;
  if (!Array.isArray(rates) || rates.length === 0) invalidOption(WHERE, 'successRates', rates, 'a non-empty array of numbers in [0, 1]');
  rates.forEach((p, i) => checkNumber(WHERE, `successRates[${i}]`, p, { min: 0, max: 1 }));
  const total = checkNumber(WHERE, 'totalBudget', options.totalBudget, { min: 1, integer: true });
  const lo = checkNumber(WHERE, 'minBudget', options.minBudget ?? 2, { min: 1, integer: true });
  const hi = checkNumber(WHERE, 'maxBudget', options.maxBudget ?? total, { min: lo, integer: true });
  const fallback = checkOneOf(WHERE, 'fallback', options.fallback ?? 'unsolved', ['unsolved', 'none'] as const);
  const method = checkOneOf(WHERE, 'method', options.method ?? 'greedy', ['greedy', 'dp'] as const);
  const M = rates.length;
  if (M * lo > total) invalidOption(WHERE, 'totalBudget', total, `>= successRates.length × minBudget = ${M * lo}`);
  if (M * hi < total) invalidOption(WHERE, 'totalBudget', total, `<= successRates.length × maxBudget = ${M * hi}`);
  return method === 'dp' ? knapsackDp(rates, total, lo, hi, fallback) : knapsackGreedy(rates, total, lo, hi, fallback);
}

function knapsackGreedy(rates: readonly number[], total: number, lo: number, hi: number, fallback: 'unsolved' | 'none'): number[] {
  const M = rates.length;
  const n = new Array<number>(M).fill(lo);
  const tier = rates.map((p) => fallbackTier(p, fallback));
  const gain = (i: number) => knapsackMarginalValue(n[i], rates[i]);
  // i before j?  larger gain, then fallback tier, then fewer rollouts so far (round-robin), then lower index.
  const before = (i: number, j: number) => {
    const gi = gain(i);
    const gj = gain(j);
    if (gi !== gj) return gi > gj;
    if (tier[i] !== tier[j]) return tier[i] > tier[j];
    if (n[i] !== n[j]) return n[i] < n[j];
    return i < j;
  };
  const heap: number[] = [];
  const up = (k: number) => {
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (!before(heap[k], heap[parent])) break;
      [heap[k], heap[parent]] = [heap[parent], heap[k]];
      k = parent;
    }
  };
  const down = (k: number) => {
    for (;;) {
      const l = 2 * k + 1;
      const r = l + 1;
      let best = k;
      if (l < heap.length && before(heap[l], heap[best])) best = l;
      if (r < heap.length && before(heap[r], heap[best])) best = r;
      if (best === k) return;
      [heap[k], heap[best]] = [heap[best], heap[k]];
      k = best;
    }
  };
  if (hi > lo) {
    for (let i = 0; i < M; i++) {
      heap.push(i);
      up(heap.length - 1);
    }
  }
  for (let left = total - M * lo; left > 0; left--) {
    const i = heap[0];
    n[i] += 1;
    if (n[i] >= hi) {
      const last = heap.pop()!;
      if (heap.length > 0 && last !== i) {
        heap[0] = last;
        down(0);
      }
    } else {
      down(0);
    }
  }
  return n;
}

function knapsackDp(rates: readonly number[], total: number, lo: number, hi: number, fallback: 'unsolved' | 'none'): number[] {
  const M = rates.length;
  // best[i][b]: max value of prompts 0..i−1 using exactly b rollouts; choice[i][b]: N_{i−1} attaining it.
  const best: Float64Array[] = [new Float64Array(total + 1).fill(-Infinity)];
  best[0][0] = 0;
  const choice: Int32Array[] = [new Int32Array(0)];
  for (let i = 1; i <= M; i++) {
    const p = rates[i - 1];
    const values = [];
    for (let k = lo; k <= hi; k++) values.push((1 - p ** k - (1 - p) ** k) * p * (1 - p) ** 2);
    const row = new Float64Array(total + 1).fill(-Infinity);
    const ch = new Int32Array(total + 1).fill(-1);
    const prev = best[i - 1];
    for (let b = 0; b <= total; b++) {
      for (let k = lo; k <= hi && k <= b; k++) {
        if (prev[b - k] === -Infinity) continue;
        const v = prev[b - k] + values[k - lo];
        if (v > row[b]) {
          row[b] = v;
          ch[b] = k;
        }
      }
    }
    best.push(row);
    choice.push(ch);
  }
  const n = new Array<number>(M);
  let b = total;
  for (let i = M; i >= 1; i--) {
    n[i - 1] = choice[i][b];
    b -= n[i - 1];
  }
  // The DP's choice among equal-value optima is arbitrary; give zero-value prompts' surplus the same fallback order
  // as greedy (their Value is 0 whatever they get, so moving rollouts between them keeps the optimum).
  if (fallback === 'unsolved') {
    const zero = rates.map((p, i) => i).filter((i) => rates[i] === 0 || rates[i] === 1);
    let spare = zero.reduce((s, i) => s + n[i] - lo, 0);
    for (const i of zero) n[i] = lo;
    for (const tierIds of [zero.filter((i) => rates[i] === 0), zero.filter((i) => rates[i] === 1)]) {
      // Round-robin inside a tier, unsolved (p = 0) before solved (p = 1): greedy's order.
      while (spare > 0 && tierIds.some((i) => n[i] < hi)) {
        for (const i of tierIds) {
          if (spare > 0 && n[i] < hi) {
            n[i] += 1;
            spare -= 1;
          }
        }
      }
    }
  }
  return n;
}

/** Σ_i Value(N_i, p_i): the objective {@link knapsackBudgets} maximises. */
export function knapsackObjective(budgets: readonly number[], successRates: readonly number[]): number {
  if (budgets.length !== successRates.length) invalidOption('knapsackObjective', 'budgets', budgets, `${successRates.length} entries`);
  return budgets.reduce((s, n, i) => s + knapsackValue(n, successRates[i]), 0);
}
