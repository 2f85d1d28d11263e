/**
 * A built-in sequence task with a verifiable reward, for exercising the GRPO family end to end without a language
 * model: multi-digit addition.
 *
 * @packageDocumentation
 */
import { type Key, checkKnownOptions, checkNumber, invalidOption, permutation } from '@descent/core';

/** Token ids of {@link AdditionTask}: digits 0–9 are themselves; `+` is 10 and `=` is 11. */
export const PLUS_TOKEN = 10;
export const EQUALS_TOKEN = 11;

/** One addition problem a + b. */
export interface AdditionProblem {
  a: number;
  b: number;
}

/** Options of {@link additionTask}. */
export interface AdditionTaskOptions {
  /** Digits per operand. Default 2 (problems 0..99 + 0..99, answers of 3 digits). */
  digits?: number;
}

/**
 * Multi-digit addition as a sequence task. The prompt is `a₀ a₁ … + b₀ b₁ … =` with digits least-significant first
 * (so the carry flows left to right, as the model generates), and the completion is the `digits + 1` digits of a + b,
 * least-significant first. The reward is verifiable: 1 for the exact answer, 0 otherwise. Difficulty varies by
 * problem (number of carries), which is what budget allocation and curricula exploit.
 */
export interface AdditionTask {
  readonly digits: number;
  /** Prompt length 2·digits + 2; completion length digits + 1. */
  readonly promptLength: number;
  readonly completionLength: number;
  /** Input vocabulary (12: digits, `+`, `=`); output vocabulary (10 digits). */
  readonly vocabSize: number;
  readonly outputSize: number;
  /** Number of distinct problems, 10^(2·digits). */
  readonly size: number;
  /** The problem with index i ∈ [0, size). */
  problem(i: number): AdditionProblem;
  /** Prompt tokens of a problem. */
  prompt(p: AdditionProblem): number[];
  /** The correct completion tokens. */
  answer(p: AdditionProblem): number[];
  /** 1 when `completion` is the correct answer, else 0. */
  reward(p: AdditionProblem, completion: readonly number[]): number;
  /** Disjoint train / test problem index sets drawn without replacement (reproducible from `key`). */
  split(k: Key, trainSize: number, testSize: number): { train: number[]; test: number[] };
}

/** Creates the {@link AdditionTask}. */
export function additionTask(options: AdditionTaskOptions = {}): AdditionTask {
  const where = 'additionTask';
  checkKnownOptions(where, options, ['digits']);
  const digits = checkNumber(where, 'options.digits', options.digits ?? 2, { min: 1, max: 6, integer: true });
  const base = 10 ** digits;
  const toDigits = (x: number, n: number) => Array.from({ length: n }, (_, i) => Math.floor(x / 10 ** i) % 10);
  return {
    digits,
    promptLength: 2 * digits + 2,
    completionLength: digits + 1,
    vocabSize: 12,
    outputSize: 10,
    size: base * base,
    problem(i: number) {
      checkNumber('AdditionTask.problem', 'i', i, { min: 0, lessThan: base * base, integer: true });
      return { a: Math.floor(i / base), b: i % base };
    },
    prompt(p) {
      return [...toDigits(p.a, digits), PLUS_TOKEN, ...toDigits(p.b, digits), EQUALS_TOKEN];
    },
    answer(p) {
      return toDigits(p.a + p.b, digits + 1);
    },
    reward(p, completion) {
      const want = toDigits(p.a + p.b, digits + 1);
      return completion.length === want.length && completion.every((t, i) => t === want[i]) ? 1 : 0;
    },
    split(k, trainSize, testSize) {
      checkNumber('AdditionTask.split', 'trainSize', trainSize, { min: 1, integer: true });
      checkNumber('AdditionTask.split', 'testSize', testSize, { min: 0, integer: true });
      if (trainSize + testSize > base * base) invalidOption('AdditionTask.split', 'trainSize', trainSize, `trainSize + testSize <= ${base * base}`);
      const perm = permutation(k, base * base);
      return { train: Array.from(perm.slice(0, trainSize)), test: Array.from(perm.slice(trainSize, trainSize + testSize)) };
    },
  };
}
