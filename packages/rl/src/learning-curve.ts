/**
 * The learning-curve record of a training run as JSON (what the docs site plots).
 *
 * @packageDocumentation
 */
import { DescentError, invalidOption } from '@descent/core';
import type { IterationStats } from './training.js';

/** Format tag and version of {@link learningCurveJson}'s output. */
export const LEARNING_CURVE_FORMAT = 'descent-rl-learning-curve';
export const LEARNING_CURVE_VERSION = 1;

/** Run metadata stored next to the records. */
export interface LearningCurveMeta {
  algo?: string;
  env?: string;
  seed?: number;
  totalSteps?: number;
  [extra: string]: string | number | boolean | undefined;
}

/** The parsed document. */
export interface LearningCurve {
  format: typeof LEARNING_CURVE_FORMAT;
  version: number;
  meta: LearningCurveMeta;
  /** One record per iteration; numbers that were NaN/±Infinity are null. */
  records: Record<string, number | null>[];
}

/**
 * Serialises a trainer's `history` (one {@link IterationStats} per iteration: steps, mean return, losses, KL, entropy,
 * wall time, …) with `meta` as `{ format, version, meta, records }`. JSON has no NaN (an iteration in which no episode
 * finished has meanReturn NaN), so non-finite numbers become null.
 */
export function learningCurveJson(history: readonly IterationStats[], meta: LearningCurveMeta = {}): string {
  if (!Array.isArray(history)) invalidOption('learningCurveJson', 'history', history, 'an array of IterationStats');
  const records = history.map((h) => {
    const r: Record<string, number | null> = {};
    for (const [k, v] of Object.entries(h)) if (typeof v === 'number') r[k] = Number.isFinite(v) ? v : null;
    return r;
  });
  const doc: LearningCurve = { format: LEARNING_CURVE_FORMAT, version: LEARNING_CURVE_VERSION, meta, records };
  return JSON.stringify(doc);
}

/** Parses {@link learningCurveJson}'s output, validating the format tag and version. */
export function parseLearningCurve(json: string): LearningCurve {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch (e) {
    throw new DescentError('checkpoint-corrupt', `parseLearningCurve: not JSON (${(e as Error).message})`, { parameter: 'json' });
  }
  const d = doc as Partial<LearningCurve>;
  if (d?.format !== LEARNING_CURVE_FORMAT || !Array.isArray(d.records)) {
    throw new DescentError('checkpoint-corrupt', `parseLearningCurve: not a ${LEARNING_CURVE_FORMAT} document`, { parameter: 'json' });
  }
  if (d.version !== LEARNING_CURVE_VERSION) {
    throw new DescentError('checkpoint-mismatch', `parseLearningCurve: version ${String(d.version)} is not supported (expected ${LEARNING_CURVE_VERSION})`, {
      parameter: 'json',
      value: d.version,
    });
  }
  return d as LearningCurve;
}
