import { describe, it, expect } from 'vitest';
import { DescentError, key } from '@descent/core';
import { ReplayBuffer } from '../src/replay-buffer.js';

function filled(capacity: number, rows: number): ReplayBuffer {
  const rb = new ReplayBuffer({ capacity, observationDim: 2, actionDim: 1 });
  for (let i = 0; i < rows; i++) {
    // Row i: obs (i, 10i), action −i, reward i/2, next obs (i + 1, 10i + 10), terminal when i is odd.
    rb.add(new Float32Array([i, 10 * i]), new Float32Array([-i]), new Float32Array([i / 2]), new Float32Array([i + 1, 10 * i + 10]), [i % 2]);
  }
  return rb;
}

describe('ReplayBuffer', () => {
  it('stores transitions row-major and gathers them back', () => {
    const rb = filled(8, 3);
    expect(rb.size).toBe(3);
    const b = rb.gather(new Int32Array([2, 0]));
    expect(Array.from(b.observations)).toEqual([2, 20, 0, 0]);
    expect(Array.from(b.actions)).toEqual([-2, -0]);
    expect(Array.from(b.rewards)).toEqual([1, 0]);
    expect(Array.from(b.nextObservations)).toEqual([3, 30, 1, 10]);
    expect(Array.from(b.dones)).toEqual([0, 0]);
    expect(Array.from(rb.gather(new Int32Array([1])).dones)).toEqual([1]);
  });

  it('adds a vector-env batch of rows at once', () => {
    const rb = new ReplayBuffer({ capacity: 4, observationDim: 1, actionDim: 2 });
    rb.add(new Float32Array([1, 2]), new Float32Array([0.1, 0.2, 0.3, 0.4]), new Float32Array([5, 6]), new Float32Array([7, 8]), new Uint8Array([0, 1]));
    expect(rb.size).toBe(2);
    const b = rb.gather(new Int32Array([1]));
    expect(Array.from(b.actions)).toEqual([Math.fround(0.3), Math.fround(0.4)]);
    expect(Array.from(b.observations)).toEqual([2]);
    expect(Array.from(b.nextObservations)).toEqual([8]);
    expect(Array.from(b.dones)).toEqual([1]);
  });

  it('overwrites the oldest transitions when full (ring buffer)', () => {
    const rb = filled(2, 3);
    expect(rb.size).toBe(2);
    // Row 0 now holds transition 2, row 1 still transition 1.
    expect(Array.from(rb.gather(new Int32Array([0, 1])).observations)).toEqual([2, 20, 1, 10]);
  });

  it('samples reproducibly from the key, uniformly over the stored rows', () => {
    const rb = filled(16, 4);
    const a = rb.sample(key(3), 64);
    const b = rb.sample(key(3), 64);
    expect(Array.from(a.indices)).toEqual(Array.from(b.indices));
    expect(Array.from(rb.sample(key(4), 64).indices)).not.toEqual(Array.from(a.indices));
    const n = 20000;
    const counts = [0, 0, 0, 0];
    for (const i of rb.sample(key(5), n).indices) counts[i]! += 1;
    // Each count is Binomial(n, 1/4): mean 5000, sd ≈ 61; 5 sd bounds.
    for (const c of counts) expect(Math.abs(c - n / 4)).toBeLessThan(5 * Math.sqrt((n * 3) / 16));
    // Rows beyond size are never drawn.
    expect(Math.max(...rb.sample(key(6), 1000).indices)).toBeLessThan(4);
  });

  it('rejects bad input with DescentError', () => {
    expect(() => new ReplayBuffer({ capacity: 0, observationDim: 1, actionDim: 1 })).toThrow(DescentError);
    const rb = new ReplayBuffer({ capacity: 4, observationDim: 2, actionDim: 1 });
    expect(() => rb.sample(key(0), 4)).toThrow(/at least 1 stored transition/);
    expect(() => rb.add(new Float32Array([1]), new Float32Array([0]), new Float32Array([0]), new Float32Array([1, 1]), [0])).toThrow(
      /observations.length/,
    );
    expect(() => rb.add(new Float32Array([1, NaN]), new Float32Array([0]), new Float32Array([0]), new Float32Array([1, 1]), [0])).toThrow(
      /observations\[1\] must be a finite number, got NaN/,
    );
    expect(rb.size).toBe(0);
    rb.add(new Float32Array([1, 1]), new Float32Array([0]), new Float32Array([0]), new Float32Array([1, 1]), [0]);
    expect(() => rb.sample(key(0), 1.5)).toThrow(DescentError);
    expect(() => rb.gather(new Int32Array([1]))).toThrow(/indices\[0\]/);
  });
});
