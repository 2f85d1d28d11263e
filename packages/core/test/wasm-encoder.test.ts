/**
 * The WebAssembly byte encoder against the format's worked examples and against the engine's
 * own validator.
 */
import { describe, expect, it } from 'vitest';
import { encodeModule, f32x4Bytes, op, simd, simdMemory, simdOp, sleb, uleb, valType } from '../src/wasm-encoder.js';

describe('LEB128', () => {
  it('unsigned: 0, 127, 128 and the DWARF example 624485 = e5 8e 26', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([0x7f]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(uleb(2 ** 32 - 1)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  });

  it('signed: 63 / 64 / −64 / −65 at the sign-bit boundary, and the DWARF example −123456 = c0 bb 78', () => {
    expect(sleb(63)).toEqual([0x3f]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-64)).toEqual([0x40]);
    expect(sleb(-65)).toEqual([0xbf, 0x7f]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb(-(2 ** 31))).toEqual([0x80, 0x80, 0x80, 0x80, 0x78]);
  });

  it('rejects what it cannot encode', () => {
    expect(() => uleb(-1)).toThrow(/uleb/);
    expect(() => uleb(1.5)).toThrow(/uleb/);
    expect(() => sleb(2 ** 31)).toThrow(/sleb/);
  });
});

describe('encodeModule', () => {
  it('f32x4 constants are four little-endian float32 lanes', () => {
    // 1.0f = 0x3f800000
    expect(f32x4Bytes(1)).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0x80, 0x3f, 0, 0, 0x80, 0x3f, 0, 0, 0x80, 0x3f]);
    expect(simdOp(simd.f32x4Add)).toEqual([0xfd, 0xe4, 0x01]);
    expect(simdMemory(simd.load, 32768)).toEqual([0xfd, 0x00, 4, 0x80, 0x80, 0x02]);
  });

  it('builds a valid module whose function reads, adds and stores f32x4 lanes in its exported memory', () => {
    // k(i): mem[16..32) = mem[0..16) + 2
    const body = [
      op.localGet, 0,
      ...simdMemory(simd.load, 0),
      ...simdOp(simd.const), ...f32x4Bytes(2),
      ...simdOp(simd.f32x4Add),
      op.localSet, 1,
      op.localGet, 0, op.localGet, 1, ...simdMemory(simd.store, 16),
    ];
    const bytes = encodeModule({ params: [valType.i32], locals: [{ count: 1, type: valType.v128 }], body, pages: 1 });
    expect(WebAssembly.validate(bytes)).toBe(true);
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
    const memory = new Float32Array((instance.exports.m as WebAssembly.Memory).buffer);
    memory.set([1, -2, 0.5, 3e38]);
    (instance.exports.k as (i: number) => void)(0);
    expect(Array.from(memory.subarray(4, 8))).toEqual([3, 0, 2.5, Math.fround(3e38 + 2)]);
    // minimum = maximum pages: the memory cannot grow, so views on it never detach.
    expect(() => (instance.exports.m as WebAssembly.Memory).grow(1)).toThrow();
  });
});
