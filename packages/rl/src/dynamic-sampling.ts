/**
 * DAPO dynamic sampling: keep only prompt groups whose rollouts disagree, and generate more until the batch is full.
 *
 * @packageDocumentation
 */
import { DescentError, checkKnownOptions, checkNumber, invalidOption } from '@descent/core';

/** One prompt's rollouts as returned by a generator for {@link dynamicSampling}. */
export interface SampledGroup<T> {
  /** Whatever the caller needs later (completions, log-probs, rewards, …). */
  items: T[];
  /** The filter metric per rollout — the binary accuracy, not a shaped score (verl-recipe#125). */
  metric: number[];
}

/** Options of {@link dynamicSampling}. */
export interface DynamicSamplingOptions {
  /** How many kept prompt groups make a full batch (verl `train_batch_size`). */
  targetGroups: number;
  /** Stop with an error after this many generation rounds without filling the batch (verl `max_num_gen_batches`); 0 = no limit. Default 10. */
  maxRounds?: number;
  /** A group is kept when std(metric) > `tol` (or it has one rollout). Default 0 (exact, for binary metrics). */
  tol?: number;
}

/** The result of {@link dynamicSampling}. */
export interface DynamicSamplingResult<T> {
  /** Exactly `targetGroups` kept groups, in generation order. */
  groups: SampledGroup<T>[];
  /** Generation rounds used. */
  rounds: number;
  /** Groups generated in all, and kept (before truncation to `targetGroups`). */
  generated: number;
  kept: number;
}

function stdPop(xs: readonly number[]): number {
  const mu = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mu) * (b - mu), 0) / xs.length);
}

function validate(options: DynamicSamplingOptions) {
  const where = 'dynamicSampling';
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an object');
  checkKnownOptions(where, options, ['targetGroups', 'maxRounds', 'tol']);
  return {
    target: checkNumber(where, 'options.targetGroups', options.targetGroups, { min: 1, integer: true }),
    maxRounds: checkNumber(where, 'options.maxRounds', options.maxRounds ?? 10, { min: 0, integer: true }),
    tol: checkNumber(where, 'options.tol', options.tol ?? 0, { min: 0 }),
  };
}

function keepGroups<T>(groups: SampledGroup<T>[], tol: number, round: number): SampledGroup<T>[] {
  if (!Array.isArray(groups)) invalidOption('dynamicSampling', `generate(${round})`, groups, 'an array of { items, metric } groups');
  return groups.filter((g, i) => {
    if (!Array.isArray(g?.metric) || g.metric.length === 0) {
      invalidOption('dynamicSampling', `generate(${round})[${i}].metric`, g?.metric, 'a non-empty array of numbers');
    }
    g.metric.forEach((x, j) => checkNumber('dynamicSampling', `generate(${round})[${i}].metric[${j}]`, x));
    return g.metric.length === 1 || stdPop(g.metric) > tol;
  });
}

function exhausted(round: number, kept: number, target: number): never {
  throw new DescentError(
    'unsupported',
    `dynamicSampling: only ${kept} of ${target} groups had non-equal rewards after ${round} generation rounds (maxRounds); ` +
      'the data are too easy or too hard for the policy — raise maxRounds or change the data',
    { parameter: 'options.maxRounds', value: round },
  );
}

/**
 * DAPO dynamic sampling (Yu et al. 2025 §3.2, "filter_groups" of the verl DAPO recipe, spec rl.md §3.4): call
 * `generate(round)` for a batch of prompt groups, keep the groups whose metric has std > `tol` (all-correct and
 * all-wrong groups have zero GRPO advantage, hence no gradient), and repeat until `targetGroups` groups are kept;
 * return exactly that many (the surplus of the last round is dropped, as verl does).
 *
 * Throws a `DescentError` after `maxRounds` rounds without a full batch (verl raises too).
 */
export function dynamicSampling<T>(generate: (round: number) => SampledGroup<T>[], options: DynamicSamplingOptions): DynamicSamplingResult<T> {
  if (typeof generate !== 'function') invalidOption('dynamicSampling', 'generate', generate, 'a function (round) => groups');
  const { target, maxRounds, tol } = validate(options);
  const kept: SampledGroup<T>[] = [];
  let generated = 0;
  let round = 0;
  while (kept.length < target) {
    if (maxRounds > 0 && round >= maxRounds) exhausted(round, kept.length, target);
    const groups = generate(round);
    round += 1;
    generated += groups.length;
    kept.push(...keepGroups(groups, tol, round - 1));
  }
  return { groups: kept.slice(0, target), rounds: round, generated, kept: kept.length };
}

/** {@link dynamicSampling} with an asynchronous generator (a model behind an API, a worker, WebGPU read-back). */
export async function dynamicSamplingAsync<T>(
  generate: (round: number) => Promise<SampledGroup<T>[]>,
  options: DynamicSamplingOptions,
): Promise<DynamicSamplingResult<T>> {
  if (typeof generate !== 'function') invalidOption('dynamicSampling', 'generate', generate, 'a function (round) => Promise<groups>');
  const { target, maxRounds, tol } = validate(options);
  const kept: SampledGroup<T>[] = [];
  let generated = 0;
  let round = 0;
  while (kept.length < target) {
    if (maxRounds > 0 && round >= maxRounds) exhausted(round, kept.length, target);
    const groups = await generate(round);
    round += 1;
    generated += groups.length;
    kept.push(...keepGroups(groups, tol, round - 1));
  }
  return { groups: kept.slice(0, target), rounds: round, generated, kept: kept.length };
}
