/**
 * Tests for `src/errors.ts` (DESIGN.md §8): the DescentError type, value rendering and option
 * validation. Every rejection must be an `invalid-option` DescentError whose message names the
 * caller, the parameter, the value received and the expected domain.
 */
import { describe, expect, it } from 'vitest';
import {
  DescentError,
  type NumberDomain,
  checkBoolean,
  checkKnownOptions,
  checkNumber,
  checkOneOf,
  checkScalarOrSchedule,
  describeValue,
  invalidOption,
} from '@descent/core';

/** Runs `fn`, expects a DescentError, and returns it. */
function catchDescent(fn: () => unknown): DescentError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(DescentError);
    return e as DescentError;
  }
  throw new Error('expected a DescentError, but nothing was thrown');
}

/** Expects an invalid-option error for `parameter` carrying `value`; returns its message. */
function expectInvalid(fn: () => unknown, parameter: string, value: unknown): string {
  const e = catchDescent(fn);
  expect(e.code).toBe('invalid-option');
  expect(e.parameter).toBe(parameter);
  expect(Object.is(e.value, value)).toBe(true);
  return e.message;
}

// ---------------------------------------------------------------------------------------------

describe('DescentError', () => {
  it('is an Error with name, code, parameter and value', () => {
    const e = new DescentError('invalid-option', 'sgd: learningRate must be a finite number >= 0, got -1', {
      parameter: 'learningRate',
      value: -1,
    });
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(DescentError);
    expect(e.name).toBe('DescentError');
    expect(e.code).toBe('invalid-option');
    expect(e.parameter).toBe('learningRate');
    expect(e.value).toBe(-1);
    expect(e.message).toBe('sgd: learningRate must be a finite number >= 0, got -1');
    expect(String(e)).toBe('DescentError: sgd: learningRate must be a finite number >= 0, got -1');
    expect(typeof e.stack).toBe('string');
  });

  it('leaves parameter and value undefined when not given', () => {
    const e = new DescentError('checkpoint-corrupt', 'bad bytes');
    expect(e.code).toBe('checkpoint-corrupt');
    expect(e.parameter).toBeUndefined();
    expect(e.value).toBeUndefined();
    expect(e.message).toBe('bad bytes');
  });

  it('keeps its type through throw and catch', () => {
    const value = { some: 'object' };
    try {
      throw new DescentError('structure-mismatch', 'x', { parameter: 'grads', value });
    } catch (e) {
      expect(e instanceof DescentError).toBe(true);
      expect(e instanceof Error).toBe(true);
      expect((e as DescentError).value).toBe(value);
      expect((e as DescentError).code).toBe('structure-mismatch');
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('describeValue', () => {
  class Foo {
    x = 1;
  }

  it.each([
    [1.5, '1.5'],
    [0, '0'],
    [-0, '-0'],
    [-3, '-3'],
    [NaN, 'NaN'],
    [Infinity, 'Infinity'],
    [-Infinity, '-Infinity'],
    [1e-7, '1e-7'],
    ['abc', "'abc'"],
    ['', "''"],
    [true, 'true'],
    [false, 'false'],
    [null, 'null'],
    [undefined, 'undefined'],
  ])('renders %s as %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });

  it('renders arrays element by element, truncating after 8 elements', () => {
    expect(describeValue([])).toBe('[]');
    expect(describeValue([2, 3])).toBe('[2,3]');
    expect(describeValue([-0, NaN, 'a', [1, 2]])).toBe("[-0,NaN,'a',[1,2]]");
    expect(describeValue([1, 2, 3, 4, 5, 6, 7, 8])).toBe('[1,2,3,4,5,6,7,8]');
    expect(describeValue([1, 2, 3, 4, 5, 6, 7, 8, 9])).toBe('[1,2,3,4,5,6,7,8,…]');
    expect(describeValue(Array.from({ length: 1000 }, (_, i) => i))).toBe('[0,1,2,3,4,5,6,7,…]');
  });

  it('renders functions, plain objects and class instances without their contents', () => {
    expect(describeValue(() => 1)).toBe('a function');
    expect(describeValue(function named() {})).toBe('a function');
    expect(describeValue(Foo)).toBe('a function');
    expect(describeValue({})).toBe('an object');
    expect(describeValue({ learningRate: 0.1 })).toBe('an object');
    expect(describeValue(Object.create(null))).toBe('an object');
    expect(describeValue(new Foo())).toBe('a Foo');
    expect(describeValue(new Map())).toBe('a Map');
    expect(describeValue(new Float32Array(3))).toBe('a Float32Array');
  });
});

// ---------------------------------------------------------------------------------------------

describe('invalidOption', () => {
  it('throws an invalid-option DescentError in the standard wording', () => {
    const msg = expectInvalid(() => invalidOption('lion', 'b2', 'x', 'a number in [0, 1)'), 'b2', 'x');
    expect(msg).toBe("lion: b2 must be a number in [0, 1), got 'x'");
  });
});

describe('checkNumber', () => {
  const NON_NUMBERS: unknown[] = [NaN, Infinity, -Infinity, '1', null, undefined, true, [1], {}, () => 1];

  const cases: { name: string; domain: NumberDomain; accept: number[]; reject: number[]; text: string }[] = [
    { name: 'no bounds', domain: {}, accept: [0, -0, -5, 1e300, -1e-300], reject: [], text: 'a finite number' },
    { name: 'min', domain: { min: 0 }, accept: [0, -0, 1e-12, 3], reject: [-1e-12, -1], text: 'a finite number >= 0' },
    { name: 'greaterThan', domain: { greaterThan: 0 }, accept: [1e-12, 5], reject: [0, -0, -1], text: 'a finite number > 0' },
    { name: 'max', domain: { max: 1 }, accept: [1, 0.999, -100], reject: [1.0000001, 2], text: 'a finite number <= 1' },
    { name: 'lessThan', domain: { lessThan: 1 }, accept: [0.999999, -5], reject: [1, 1.5], text: 'a finite number < 1' },
    { name: 'integer', domain: { integer: true }, accept: [0, 3, -2, 2 ** 40], reject: [2.5, -0.1], text: 'an integer' },
    { name: '[0, 1)', domain: { min: 0, lessThan: 1 }, accept: [0, 0.5, 0.999], reject: [1, -0.1, 1.1], text: 'a finite number in [0, 1)' },
    { name: '[0, 1]', domain: { min: 0, max: 1 }, accept: [0, 1, 0.25], reject: [-1e-9, 1.000001], text: 'a finite number in [0, 1]' },
    { name: '(0, 1)', domain: { greaterThan: 0, lessThan: 1 }, accept: [0.5, 1e-9], reject: [0, 1], text: 'a finite number in (0, 1)' },
    { name: '(0, 1]', domain: { greaterThan: 0, max: 1 }, accept: [1, 1e-9], reject: [0, 1.5], text: 'a finite number in (0, 1]' },
    { name: 'integer >= 1', domain: { integer: true, min: 1 }, accept: [1, 7], reject: [0, 1.5, -3], text: 'an integer >= 1' },
    {
      name: 'integer in [1, 10]',
      domain: { integer: true, min: 1, max: 10 },
      accept: [1, 10, 5],
      reject: [0, 11, 9.5],
      text: 'an integer in [1, 10]',
    },
  ];

  describe.each(cases)('domain $name', ({ domain, accept, reject, text }) => {
    it('returns values inside the domain unchanged', () => {
      for (const v of accept) expect(Object.is(checkNumber('f', 'p', v, domain), v)).toBe(true);
    });

    it('rejects values outside it, NaN, ±Infinity and non-numbers, naming the domain', () => {
      for (const v of [...reject, ...NON_NUMBERS]) {
        const msg = expectInvalid(() => checkNumber('f', 'p', v, domain), 'p', v);
        expect(msg).toBe(`f: p must be ${text}, got ${describeValue(v)}`);
      }
    });
  });

  it('uses the default domain (any finite number) when none is given', () => {
    expect(checkNumber('f', 'p', -42)).toBe(-42);
    expect(expectInvalid(() => checkNumber('f', 'p', NaN), 'p', NaN)).toBe('f: p must be a finite number, got NaN');
  });

  it('writes exact messages', () => {
    expect(expectInvalid(() => checkNumber('adam', 'b1', 1, { min: 0, lessThan: 1 }), 'b1', 1)).toBe(
      'adam: b1 must be a finite number in [0, 1), got 1',
    );
    expect(expectInvalid(() => checkNumber('sgd', 'learningRate', -1, { min: 0 }), 'learningRate', -1)).toBe(
      'sgd: learningRate must be a finite number >= 0, got -1',
    );
    expect(expectInvalid(() => checkNumber('adam', 'eps', -Infinity, { greaterThan: 0 }), 'eps', -Infinity)).toBe(
      'adam: eps must be a finite number > 0, got -Infinity',
    );
    expect(expectInvalid(() => checkNumber('multiSteps', 'every', 2.5, { integer: true, min: 1 }), 'every', 2.5)).toBe(
      'multiSteps: every must be an integer >= 1, got 2.5',
    );
    expect(expectInvalid(() => checkNumber('adam', 'b2', '0.999', { min: 0, lessThan: 1 }), 'b2', '0.999')).toBe(
      "adam: b2 must be a finite number in [0, 1), got '0.999'",
    );
    expect(expectInvalid(() => checkNumber('sgd', 'momentum', -0.5, { min: 0, lessThan: 1 }), 'momentum', -0.5)).toBe(
      'sgd: momentum must be a finite number in [0, 1), got -0.5',
    );
  });
});

// ---------------------------------------------------------------------------------------------

describe('checkScalarOrSchedule', () => {
  it('turns a number into a constant function', () => {
    const lr = checkScalarOrSchedule('sgd', 'lr', 0.1, { min: 0 });
    expect(typeof lr).toBe('function');
    expect(lr(0)).toBe(0.1);
    expect(lr(1)).toBe(0.1);
    expect(lr(123456)).toBe(0.1);
  });

  it('checks a number at once', () => {
    expect(expectInvalid(() => checkScalarOrSchedule('sgd', 'lr', -1, { min: 0 }), 'lr', -1)).toBe(
      'sgd: lr must be a finite number >= 0, got -1',
    );
    expect(expectInvalid(() => checkScalarOrSchedule('sgd', 'lr', NaN, { min: 0 }), 'lr', NaN)).toBe(
      'sgd: lr must be a finite number >= 0, got NaN',
    );
  });

  it('wraps a schedule: passes the step through and returns its values', () => {
    const steps: number[] = [];
    const lr = checkScalarOrSchedule('sgd', 'lr', (step: number) => {
      steps.push(step);
      return 1 / (step + 1);
    }, { min: 0 });
    expect(steps).toEqual([]); // not evaluated until asked
    expect(lr(0)).toBe(1);
    expect(lr(3)).toBe(0.25);
    expect(lr(9)).toBe(0.1);
    expect(steps).toEqual([0, 3, 9]);
  });

  it('rejects a bad scheduled value when it is evaluated, naming lr(step k)', () => {
    const lr = checkScalarOrSchedule('sgd', 'lr', (step: number) => (step === 1000 ? NaN : 0.01 * (step % 3) - 0.01 * (step > 2000 ? 1 : 0)), {
      min: 0,
    });
    expect(lr(0)).toBe(0);
    expect(lr(999)).toBe(0);
    expect(lr(1001)).toBeCloseTo(0.02, 15);
    const msg = expectInvalid(() => lr(1000), 'lr(step 1000)', NaN);
    expect(msg).toBe('sgd: lr(step 1000) must be a finite number >= 0, got NaN');
    // 2001 % 3 = 0 → -0.01 at step 2001.
    expect(expectInvalid(() => lr(2001), 'lr(step 2001)', -0.01)).toBe('sgd: lr(step 2001) must be a finite number >= 0, got -0.01');
  });

  it('applies the whole domain to scheduled values, and rejects non-number results', () => {
    const b1 = checkScalarOrSchedule('adam', 'b1', (step: number) => (step < 5 ? 0.9 : 1), { min: 0, lessThan: 1 });
    expect(b1(4)).toBe(0.9);
    expect(expectInvalid(() => b1(5), 'b1(step 5)', 1)).toBe('adam: b1(step 5) must be a finite number in [0, 1), got 1');
    const bad = checkScalarOrSchedule('sgd', 'lr', () => '0.1' as unknown as number, { min: 0 });
    expect(expectInvalid(() => bad(2), 'lr(step 2)', '0.1')).toBe("sgd: lr(step 2) must be a finite number >= 0, got '0.1'");
    const inf = checkScalarOrSchedule('sgd', 'lr', () => Infinity);
    expect(expectInvalid(() => inf(0), 'lr(step 0)', Infinity)).toBe('sgd: lr(step 0) must be a finite number, got Infinity');
  });

  it('rejects values that are neither numbers nor functions', () => {
    for (const v of ['0.1', null, undefined, {}, [0.1], true]) {
      const msg = expectInvalid(() => checkScalarOrSchedule('sgd', 'lr', v, { min: 0 }), 'lr', v);
      expect(msg).toBe(`sgd: lr must be a finite number >= 0, got ${describeValue(v)}`);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('checkBoolean', () => {
  it('returns booleans and rejects everything else', () => {
    expect(checkBoolean('sgd', 'nesterov', true)).toBe(true);
    expect(checkBoolean('sgd', 'nesterov', false)).toBe(false);
    for (const v of [0, 1, 'true', null, undefined, {}]) expectInvalid(() => checkBoolean('sgd', 'nesterov', v), 'nesterov', v);
    expect(expectInvalid(() => checkBoolean('sgd', 'nesterov', 1), 'nesterov', 1)).toBe('sgd: nesterov must be a boolean, got 1');
    expect(expectInvalid(() => checkBoolean('adam', 'amsgrad', 'yes'), 'amsgrad', 'yes')).toBe("adam: amsgrad must be a boolean, got 'yes'");
  });
});

describe('checkOneOf', () => {
  const choices = ['mean', 'sum', 'none'] as const;

  it('returns a listed choice', () => {
    for (const c of choices) expect(checkOneOf('loss', 'reduction', c, choices)).toBe(c);
  });

  it('rejects other strings (case-sensitively) and non-strings, listing the choices', () => {
    expect(expectInvalid(() => checkOneOf('loss', 'reduction', 'avg', choices), 'reduction', 'avg')).toBe(
      "loss: reduction must be one of 'mean', 'sum', 'none', got 'avg'",
    );
    expect(expectInvalid(() => checkOneOf('loss', 'reduction', 'Mean', choices), 'reduction', 'Mean')).toContain("'mean', 'sum', 'none'");
    expect(expectInvalid(() => checkOneOf('loss', 'reduction', 0, choices), 'reduction', 0)).toBe(
      "loss: reduction must be one of 'mean', 'sum', 'none', got 0",
    );
    expectInvalid(() => checkOneOf('loss', 'reduction', undefined, choices), 'reduction', undefined);
    const arr = ['mean'];
    expect(expectInvalid(() => checkOneOf('loss', 'reduction', arr, choices), 'reduction', arr)).toBe(
      "loss: reduction must be one of 'mean', 'sum', 'none', got ['mean']",
    );
  });
});

describe('checkKnownOptions', () => {
  const known = ['learningRate', 'b1', 'b2'] as const;

  it('accepts known options, a subset of them, or none', () => {
    expect(() => checkKnownOptions('adam', { learningRate: 1e-3, b1: 0.9, b2: 0.999 }, known)).not.toThrow();
    expect(() => checkKnownOptions('adam', { b2: 0.99 }, known)).not.toThrow();
    expect(() => checkKnownOptions('adam', {}, known)).not.toThrow();
  });

  it('names the unknown option and lists the known ones', () => {
    const e = catchDescent(() => checkKnownOptions('adam', { learningrate: 1e-3, b1: 0.9 }, known));
    expect(e.code).toBe('invalid-option');
    expect(e.parameter).toBe('learningrate');
    expect(e.value).toBe(1e-3);
    expect(e.message).toBe("adam: unknown option 'learningrate'; expected one of 'learningRate', 'b1', 'b2'");
  });

  it('reports the first unknown option in key order', () => {
    const e = catchDescent(() => checkKnownOptions('adam', { b1: 0.9, eps: 1, lr: 2 }, known));
    expect(e.parameter).toBe('eps');
    expect(e.value).toBe(1);
  });
});
