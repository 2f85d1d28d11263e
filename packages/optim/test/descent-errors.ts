/**
 * Assertions on the DescentErrors that option validation throws: catching the error a call
 * throws, and checking that an option value is rejected under its name.
 */
import { expect } from 'vitest';
import { DescentError } from '@descent/core';

/** The DescentError `f` throws (fails the test when it throws nothing or something else). */
export function errorOf(f: () => unknown): DescentError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(DescentError);
    return e as DescentError;
  }
  throw new Error('expected a DescentError');
}

/** Whatever `fn` throws, typed as a DescentError without checking it (fails when it throws nothing). */
export function thrown(fn: () => unknown): DescentError {
  try {
    fn();
  } catch (e) {
    return e as DescentError;
  }
  throw new Error('expected a throw');
}

/**
 * Checks that an option value is rejected by `make` with a DescentError naming `parameter`, and
 * that the message names the callee and (when `shown` is given) the received value.
 */
export function expectRejected(make: () => unknown, where: string, parameter: string, shown?: string): void {
  const err = errorOf(make);
  expect(err.code).toBe('invalid-option');
  expect(err.parameter).toBe(parameter);
  expect(err.message).toContain(`${where}: `);
  expect(err.message).toContain(parameter);
  if (shown !== undefined) expect(err.message).toContain(`got ${shown}`);
}
