/**
 * Centred-rank fitness shaping (Salimans, Ho, Chen, Sidor, Sutskever 2017, "Evolution Strategies as
 * a Scalable Alternative to Reinforcement Learning", §2.1; `compute_centered_ranks` in
 * openai/evolution-strategies-starter `es_distributed/es.py`).
 *
 * @packageDocumentation
 */

/**
 * Centred ranks of `values`: `F_i = rank_i / (n − 1) − 1/2`, where rank 0 is the lowest value
 * (fitness is minimised, so the best point gets −1/2 and the worst +1/2).
 *
 * Properties: every F_i ∈ [−1/2, 1/2] and Σ F_i = 0; F depends on the values only through their
 * order, so any strictly increasing transform of the objective leaves it unchanged.
 *
 * Differences from the reference: tied values get the average of their ranks (scipy's
 * `rankdata(method='average')`), where `compute_centered_ranks` breaks ties by position (argsort).
 * Averaging makes F a function of the values alone, not of the sampling order; in particular a
 * constant objective gives F = 0 and hence a zero ES gradient. NaN counts as +∞ (ranked worst).
 * With n = 1 the single rank is 0.
 */
export function centeredRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  if (n < 2) return out;
  const v = Float64Array.from(values, (x) => (Number.isNaN(x) ? Infinity : x));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (v[a] < v[b] ? -1 : v[a] > v[b] ? 1 : a - b));
  let start = 0;
  while (start < n) {
    let end = start + 1;
    while (end < n && v[order[end]] === v[order[start]]) end++;
    const rank = (start + end - 1) / 2; // average of the tied positions start … end−1
    for (let j = start; j < end; j++) out[order[j]] = rank / (n - 1) - 0.5;
    start = end;
  }
  return out;
}
