/**
 * Times the convolution-gradient kernels of `src/core/kernels/wasm-backprop.ts`
 * (the conv2d ones on XNNPACK, the depthwise ones in JS) on the WASM backend
 * against the CPU backend's own kernels, on one MNIST-sized layer. Prints
 * JSON: the median of RUNS runs after WARMUP runs.
 *
 *   node --import tsx bench/wasm-backprop.ts
 *
 * It imports the tfjs packages directly rather than `src/core/tf.ts`, because
 * the gradient registration that file imports is ESM that plain Node cannot load
 * (vitest can); these kernels are called directly and need no gradients.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmBackpropKernels } from '../src/core/kernels/wasm-backprop';

const WARMUP = 2;
const RUNS = 10;
/** A 3x3, 32-channel layer on a batch of 8 MNIST-sized feature maps, stride 1, 'same'. */
const X_SHAPE: [number, number, number, number] = [8, 28, 28, 32];
const CONV_FILTER: [number, number, number, number] = [3, 3, 32, 32];
const DEPTHWISE_FILTER: [number, number, number, number] = [3, 3, 32, 1];
const GEOMETRY = { strides: 1, pad: 'same', dimRoundingMode: undefined } as const;

/** One kernel call: its inputs' shapes and its attributes. */
interface Case {
  kernel: string;
  inputs: Record<string, number[]>;
  attrs: object;
}

const CASES: Case[] = [
  {
    kernel: 'Conv2DBackpropInput',
    inputs: { dy: [8, 28, 28, 32], filter: CONV_FILTER },
    attrs: { ...GEOMETRY, dataFormat: 'NHWC', inputShape: X_SHAPE },
  },
  {
    kernel: 'Conv2DBackpropFilter',
    inputs: { x: X_SHAPE, dy: [8, 28, 28, 32] },
    attrs: { ...GEOMETRY, dataFormat: 'NHWC', filterShape: CONV_FILTER },
  },
  {
    kernel: 'DepthwiseConv2dNativeBackpropInput',
    inputs: { dy: [8, 28, 28, 32], filter: DEPTHWISE_FILTER },
    attrs: { ...GEOMETRY, dilations: 1, inputShape: X_SHAPE },
  },
  {
    kernel: 'DepthwiseConv2dNativeBackpropFilter',
    inputs: { x: X_SHAPE, dy: [8, 28, 28, 32] },
    attrs: { ...GEOMETRY, dilations: 1, filterShape: DEPTHWISE_FILTER },
  },
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function timeKernel(backend: 'cpu' | 'wasm', c: Case): Promise<number> {
  await tf.setBackend(backend);
  const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, shape]) => [k, tf.randomNormal(shape, 0, 1, 'float32', 7)]));
  const times: number[] = [];
  for (let i = 0; i < WARMUP + RUNS; i++) {
    const start = performance.now();
    const out = tf.engine().runKernel(c.kernel, inputs, c.attrs as never) as tf.Tensor;
    const ms = performance.now() - start;
    out.dispose();
    if (i >= WARMUP) times.push(ms);
  }
  tf.dispose(Object.values(inputs));
  return median(times);
}

registerWasmBackpropKernels();
const results = [];
for (const c of CASES) {
  const wasmMs = await timeKernel('wasm', c);
  const cpuMs = await timeKernel('cpu', c);
  results.push({ kernel: c.kernel, wasmMs: +wasmMs.toFixed(2), cpuMs: +cpuMs.toFixed(2), speedup: +(cpuMs / wasmMs).toFixed(1) });
}
console.log(JSON.stringify({ xShape: X_SHAPE, convFilter: CONV_FILTER, depthwiseFilter: DEPTHWISE_FILTER, ...GEOMETRY, warmup: WARMUP, runs: RUNS, results }, null, 2));
