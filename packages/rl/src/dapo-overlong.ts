/**
 * DAPO's two treatments of over-long completions: overlong filtering (mask truncated completions out of the loss)
 * and the soft overlong punishment (a length-aware reward).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs-core';
import { checkKnownOptions, checkNumber, invalidOption } from '@descent/core';

/** Options of {@link overlongPenalty}. */
export interface OverlongPenaltyOptions {
  /** L_max: the generation limit. DAPO: 20480. */
  maxCompletionLength: number;
  /** L_cache: the soft-punishment interval before L_max. DAPO: 4096. Must be ≤ L_max. */
  cacheLength: number;
}

/**
 * DAPO's soft overlong punishment, one reward per completion length |y| (added to the task reward):
 *
 *   R_len(y) = 0                                  if |y| ≤ L_max − L_cache
 *            = ((L_max − L_cache) − |y|) / L_cache  if L_max − L_cache < |y| ≤ L_max
 *            = −1                                 if |y| > L_max
 *
 * Reference: Yu et al. 2025 (DAPO) eq. (13); TRL `trl/rewards/other_rewards.py` `get_soft_overlong_punishment`.
 */
export function overlongPenalty(lengths: readonly number[], options: OverlongPenaltyOptions): number[] {
  const where = 'overlongPenalty';
  if (!Array.isArray(lengths)) invalidOption(where, 'lengths', lengths, 'an array of completion lengths');
  if (options === null || typeof options !== 'object') invalidOption(where, 'options', options, 'an object');
  checkKnownOptions(where, options, ['maxCompletionLength', 'cacheLength']);
  const lMax = checkNumber(where, 'options.maxCompletionLength', options.maxCompletionLength, { min: 1, integer: true });
  const lCache = checkNumber(where, 'options.cacheLength', options.cacheLength, { min: 1, max: lMax, integer: true });
  return lengths.map((len, i) => {
    checkNumber(where, `lengths[${i}]`, len, { min: 0, integer: true });
    if (len <= lMax - lCache) return 0;
    if (len <= lMax) return (lMax - lCache - len) / lCache;
    return -1;
  });
}

/**
 * DAPO overlong filtering: zero the mask rows of completions that were truncated (hit the length limit without an
 * end-of-sequence token), so they contribute neither loss nor gradient:  m'_{i,t} = m_{i,t}·(1 − truncated_i).
 * TRL `mask_truncated_completions=True`.
 *
 * @param mask `[batch, tokens]` completion mask.
 * @param truncated one flag per completion (booleans, 0/1 numbers or a `[batch]` tensor, > 0 = truncated).
 * @returns a new float32 `[batch, tokens]` mask owned by the caller.
 */
export function maskTruncatedCompletions(mask: tf.Tensor, truncated: readonly (boolean | number)[] | tf.Tensor1D): tf.Tensor2D {
  const where = 'maskTruncatedCompletions';
  if (!(mask instanceof tf.Tensor) || mask.rank !== 2) invalidOption(where, 'mask', mask, 'a [batch, tokens] tensor');
  const B = mask.shape[0];
  if (truncated instanceof tf.Tensor) {
    if (truncated.rank !== 1 || truncated.shape[0] !== B) invalidOption(where, 'truncated', truncated, `a [${B}] tensor`);
  } else if (!Array.isArray(truncated) || truncated.length !== B) {
    invalidOption(where, 'truncated', truncated, `${B} flags, one per completion`);
  }
  return tf.tidy(() => {
    const t =
      truncated instanceof tf.Tensor
        ? tf.cast(tf.greater(truncated, 0), 'float32')
        : tf.tensor1d(
            (truncated as readonly (boolean | number)[]).map((x) => (x === true || (typeof x === 'number' && x > 0) ? 1 : 0)),
            'float32',
          );
    const keep = tf.expandDims(tf.sub(1, t), 1);
    return tf.mul(tf.cast(tf.greater(mask, 0), 'float32'), keep) as tf.Tensor2D;
  });
}
