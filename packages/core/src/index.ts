/**
 * `@descent/core`: tensors and backends, parameter trees, gradient transformations, fused
 * elementwise kernels, the `Optimizer` runner, reproducible randomness, checkpoints and errors.
 *
 * @packageDocumentation
 */
export * from './errors.js';
export * from './tree.js';
export * from './backend.js';
export * from './transform.js';
export * from './elementwise-expr.js';
export * from './elementwise-rule.js';
export * from './elementwise-transformation.js';
export * from './fused-chain.js';
export { cpuLoopSource, compileCpuLoop, type CpuLoop, type CpuLoopOptions } from './fused-cpu-kernel.js';
export {
  WASM_CHUNK,
  compileWasmSimdLoop,
  wasmSimdDriverSource,
  wasmSimdKernel,
  wasmSimdSupported,
  type WasmSimdKernel,
  type WasmSimdLoopOptions,
} from './fused-wasm-kernel.js';
export { wgslSource, type ElementwiseProgram } from './fused-webgpu-kernel.js';
export * from './heavy-ball.js';
export * from './optimizer.js';
export * from './tf-optimizer.js';
export * from './autodiff.js';
export * from './random.js';
export * from './checkpoint.js';
