/**
 * Validation shared by the wrappers that take another transformation (`applyIfFinite`,
 * `multiSteps`, `lookahead`, `multiTransform`): the argument must be a `GradientTransformation`.
 *
 * @packageDocumentation
 */
import { type GradientTransformation, invalidOption } from '@descent/core';

/** Throws an `invalid-option` DescentError naming `parameter` unless `value` has `init` and `update` functions. */
export function checkInnerTransformation(where: string, parameter: string, value: unknown): GradientTransformation<any> {
  const t = value as Partial<GradientTransformation<unknown>> | null;
  if (t === null || typeof t !== 'object' || typeof t.init !== 'function' || typeof t.update !== 'function') {
    invalidOption(where, parameter, value, 'a GradientTransformation ({ init, update })');
  }
  return value as GradientTransformation<any>;
}

/** Throws an `invalid-option` DescentError unless `options` is a plain options object. */
export function checkOptionsObject(where: string, options: unknown): asserts options is object {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    invalidOption(where, 'options', options, 'an options object');
  }
}
