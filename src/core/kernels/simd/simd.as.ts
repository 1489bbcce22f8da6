/**
 * The book's WebAssembly SIMD kernels, one module (scripts/build-kernels.ts
 * compiles it into simd-wasm.ts; simd-module.ts instantiates it on the WASM
 * backend's heap). Not part of the TypeScript build: AssemblyScript's `v128`
 * and `usize` are its own.
 */
export { conv2d, narrowConv2d } from './conv2d.as';
export { maxPoolGradTiled } from './max-pool-grad.as';
export { winograd, winogradFilter, winogradScratchBytes } from './winograd.as';
