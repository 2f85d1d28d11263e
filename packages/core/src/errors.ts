/**
 * Errors and option validation shared by every descent package.
 *
 * Every public function validates what it is given and throws a {@link DescentError}
 * whose message names the parameter, the value received and what was expected, so a
 * user can fix the call without reading descent's source (DESIGN.md §8).
 *
 * @packageDocumentation
 */

/**
 * Machine-readable error codes.
 *
 * - `invalid-option`: an option or argument is out of its domain (negative learning rate, b1 ≥ 1, …).
 * - `structure-mismatch`: two trees (params/grads/state) do not have the same structure or shapes.
 * - `invalid-dtype`: a tensor has a dtype the operation does not accept (e.g. int32 parameters).
 * - `non-finite`: a NaN or ±Inf value would have entered optimizer state.
 * - `checkpoint-corrupt`: checkpoint bytes are truncated, bit-flipped or not a descent checkpoint.
 * - `checkpoint-mismatch`: a well-formed checkpoint does not fit the state it is loaded into.
 * - `backend-unavailable`: the requested tfjs backend cannot be initialised here.
 * - `unsupported`: the operation is not available in this configuration.
 */
export type DescentErrorCode =
  | 'invalid-option'
  | 'structure-mismatch'
  | 'invalid-dtype'
  | 'non-finite'
  | 'checkpoint-corrupt'
  | 'checkpoint-mismatch'
  | 'backend-unavailable'
  | 'unsupported';

/**
 * The one error type descent throws for bad input.
 *
 * `code` is stable and machine-readable; `parameter` names the offending option (when there
 * is one) and `value` carries what was received.
 *
 * @example
 * ```ts
 * try { sgd({ learningRate: -1 }) } catch (e) {
 *   if (e instanceof DescentError && e.code === 'invalid-option') console.log(e.message);
 *   // sgd: learningRate must be a finite number >= 0, got -1
 * }
 * ```
 */
export class DescentError extends Error {
  override readonly name = 'DescentError';
  readonly code: DescentErrorCode;
  readonly parameter: string | undefined;
  readonly value: unknown;

  constructor(code: DescentErrorCode, message: string, details: { parameter?: string; value?: unknown } = {}) {
    super(message);
    this.code = code;
    this.parameter = details.parameter;
    this.value = details.value;
  }
}

/** Renders a received value for an error message: short, unambiguous (`NaN`, `-Infinity`, `'text'`, `[2,3]`). */
export function describeValue(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'function') return 'a function';
  if (value === undefined || value === null) return String(value);
  if (Array.isArray(value)) {
    const shown = value.slice(0, 8).map(describeValue).join(',');
    return `[${shown}${value.length > 8 ? ',…' : ''}]`;
  }
  if (typeof value === 'object') {
    const ctor = (value as object).constructor?.name;
    return ctor && ctor !== 'Object' ? `a ${ctor}` : 'an object';
  }
  return String(value);
}

/**
 * Throws an `invalid-option` {@link DescentError}: "`where`: `parameter` must be `expected`, got `value`".
 */
export function invalidOption(where: string, parameter: string, value: unknown, expected: string): never {
  throw new DescentError('invalid-option', `${where}: ${parameter} must be ${expected}, got ${describeValue(value)}`, {
    parameter,
    value,
  });
}

/** A hyper-parameter that is either a number or a schedule `(step) => number` (DESIGN.md §3). */
export type ScalarOrSchedule = number | ((step: number) => number);

/** Numeric domains understood by {@link checkNumber}. */
export interface NumberDomain {
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound. */
  greaterThan?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Exclusive upper bound. */
  lessThan?: number;
  /** Require an integer. */
  integer?: boolean;
}

function domainText(domain: NumberDomain): string {
  const parts: string[] = [];
  if (domain.greaterThan !== undefined) parts.push(`> ${domain.greaterThan}`);
  if (domain.min !== undefined) parts.push(`>= ${domain.min}`);
  if (domain.lessThan !== undefined) parts.push(`< ${domain.lessThan}`);
  if (domain.max !== undefined) parts.push(`<= ${domain.max}`);
  const kind = domain.integer ? 'an integer' : 'a finite number';
  if (parts.length === 0) return kind;
  if (parts.length === 2 && (domain.min !== undefined || domain.greaterThan !== undefined)) {
    const lo = domain.greaterThan !== undefined ? `(${domain.greaterThan}` : `[${domain.min}`;
    const hi = domain.lessThan !== undefined ? `${domain.lessThan})` : `${domain.max}]`;
    return `${kind} in ${lo}, ${hi}`;
  }
  return `${kind} ${parts.join(' and ')}`;
}

function inDomain(x: number, domain: NumberDomain): boolean {
  if (!Number.isFinite(x)) return false;
  if (domain.integer && !Number.isInteger(x)) return false;
  if (domain.min !== undefined && x < domain.min) return false;
  if (domain.greaterThan !== undefined && x <= domain.greaterThan) return false;
  if (domain.max !== undefined && x > domain.max) return false;
  if (domain.lessThan !== undefined && x >= domain.lessThan) return false;
  return true;
}

/**
 * Validates a numeric option and returns it. Throws a {@link DescentError} naming `where`,
 * `parameter`, the received value and the expected domain (NaN and ±Infinity are always rejected).
 */
export function checkNumber(where: string, parameter: string, value: unknown, domain: NumberDomain = {}): number {
  if (typeof value !== 'number' || !inDomain(value, domain)) invalidOption(where, parameter, value, domainText(domain));
  return value;
}

/**
 * Validates a number-or-schedule option. A number is checked now; a schedule is wrapped so
 * that every value it returns is checked when it is evaluated (a schedule that returns NaN at
 * step 1000 fails at step 1000 with the step in the message, before any state changes).
 */
export function checkScalarOrSchedule(
  where: string,
  parameter: string,
  value: unknown,
  domain: NumberDomain = {},
): (step: number) => number {
  if (typeof value === 'function') {
    const schedule = value as (step: number) => number;
    return (step: number) => {
      const v = schedule(step);
      if (typeof v !== 'number' || !inDomain(v, domain)) {
        invalidOption(where, `${parameter}(step ${step})`, v, domainText(domain));
      }
      return v;
    };
  }
  const v = checkNumber(where, parameter, value, domain);
  return () => v;
}

/** Validates a boolean option. */
export function checkBoolean(where: string, parameter: string, value: unknown): boolean {
  if (typeof value !== 'boolean') invalidOption(where, parameter, value, 'a boolean');
  return value;
}

/** Validates that `value` is one of `choices`. */
export function checkOneOf<T extends string>(where: string, parameter: string, value: unknown, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    invalidOption(where, parameter, value, `one of ${choices.map((c) => `'${c}'`).join(', ')}`);
  }
  return value as T;
}

/**
 * Rejects option names that the callee does not know (a misspelt `learningrate` is an error,
 * not a silently ignored default).
 */
export function checkKnownOptions(where: string, options: object, known: readonly string[]): void {
  for (const name of Object.keys(options)) {
    if (!known.includes(name)) {
      throw new DescentError(
        'invalid-option',
        `${where}: unknown option '${name}'; expected one of ${known.map((k) => `'${k}'`).join(', ')}`,
        { parameter: name, value: (options as Record<string, unknown>)[name] },
      );
    }
  }
}
