/**
 * The single entry point through which the core reaches TensorFlow.js.
 *
 * It registers the CPU and WASM backends, every gradient and the chained
 * tensor methods (tfjs-core alone ships none of them), so `tf.grad` works wherever the core is imported. The
 * WebGL backend is registered only by the browser engine, because it cannot
 * initialise in Node.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerSimdConvKernels } from './kernels/simd-conv';
import { registerWasmBackpropKernels } from './kernels/wasm-backprop';
import { registerWebglKernels } from './kernels/webgl-max-pool-grad';

registerWasmBackpropKernels();
registerSimdConvKernels();
// Kept in place for when the browser engine registers the WebGL backend.
registerWebglKernels();

export { tf };
export type { Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Rank } from '@tensorflow/tfjs-core';
