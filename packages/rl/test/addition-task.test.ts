/**
 * The built-in addition task: encoding (least-significant digit first), exact-match reward, disjoint splits.
 */
import { describe, expect, it } from 'vitest';
import { DescentError, key } from '@descent/core';
import { EQUALS_TOKEN, PLUS_TOKEN, additionTask } from '@descent/rl';

describe('additionTask', () => {
  it('encodes 2-digit problems LSB first and rewards the exact sum', () => {
    const t = additionTask({ digits: 2 });
    expect(t.size).toBe(10000);
    expect(t.promptLength).toBe(6);
    expect(t.completionLength).toBe(3);
    const p = t.problem(4738); // 47 + 38 = 85
    expect(p).toEqual({ a: 47, b: 38 });
    expect(t.prompt(p)).toEqual([7, 4, PLUS_TOKEN, 8, 3, EQUALS_TOKEN]);
    expect(t.answer(p)).toEqual([5, 8, 0]);
    expect(t.reward(p, [5, 8, 0])).toBe(1);
    expect(t.reward(p, [5, 8, 1])).toBe(0);
    expect(t.reward(p, [5, 8])).toBe(0);
    expect(t.answer(t.problem(9999))).toEqual([8, 9, 1]); // 99 + 99 = 198
  });

  it('splits disjointly and reproducibly', () => {
    const t = additionTask({ digits: 1 });
    const a = t.split(key(3), 60, 40);
    expect(a).toEqual(t.split(key(3), 60, 40));
    expect(new Set([...a.train, ...a.test]).size).toBe(100);
    expect(() => t.split(key(3), 80, 40)).toThrow(DescentError);
    expect(() => additionTask({ digits: 0 })).toThrow(/digits/);
  });
});
