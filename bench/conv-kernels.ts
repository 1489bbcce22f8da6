/**
 * Each convolution of the book's networks (forward, and the input gradient as
 * the stride-1 convolution conv-grads-as-conv.ts runs) on Node's WASM backend,
 * one thread, through the stock kernel (XNNPACK) and each build of the book's
 * SIMD kernels (the algorithm that runs: Winograd or direct): median ms and
 * GFLOP/s of RUNS calls, GFLOP/s counted as the direct convolution's
 * 2·H·W·K²·Cin·Cout whatever the algorithm.
 *
 *   node --experimental-wasm-relaxed-simd node_modules/.bin/vite-node bench/conv-kernels.ts
 *
 * (Node 20 needs the flag for the relaxed build; without it that row shows the
 * plain build.) Prints JSON.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../src/core/tf';
import { setSimdBuild, simdVariant, type SimdBuild } from '../src/core/kernels/simd-module';
import { simdConvAlgorithm } from '../src/core/kernels/simd-conv';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 200);

/** [network, layer, H, W, Cin, Cout, K]: the forward convolutions, then the input gradients (Cin and Cout swapped). */
const LAYERS: [string, string, number, number, number, number, number][] = [
  ['scenes-cnn', 'conv1_1', 64, 64, 3, 16, 5],
  ['scenes-cnn', 'conv2_1', 32, 32, 16, 32, 3],
  ['scenes-cnn', 'conv3_1', 16, 16, 32, 64, 3],
  ['scenes-cnn', 'conv4_1', 8, 8, 64, 128, 3],
  ['fashion-vgg', 'conv1_1', 28, 28, 1, 32, 3],
  ['fashion-vgg', 'conv1_2', 28, 28, 32, 32, 3],
  ['fashion-vgg', 'conv2_1', 14, 14, 32, 64, 3],
  ['fashion-vgg', 'conv2_2', 14, 14, 64, 64, 3],
  ['fashion-vgg', 'conv3_1', 7, 7, 64, 128, 3],
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

await tf.setBackend('wasm');
await tf.ready();
const rows = [];
for (const [network, layer, h, w, cin, cout, k] of LAYERS) {
  for (const [pass, inC, outC] of [['forward', cin, cout], ['input gradient', cout, cin]] as const) {
    const x = tf.randomNormal([1, h, w, inC]) as tf.Tensor4D;
    const filter = tf.randomNormal([k, k, inC, outC]) as tf.Tensor4D;
    const bias = tf.randomNormal([outC]) as tf.Tensor1D;
    const row: Record<string, unknown> = { network, layer, pass, shape: [h, w, inC, outC, k], algorithm: simdConvAlgorithm(k, k, inC, outC) };
    const flops = 2 * h * w * k * k * inC * outC;
    for (const build of ['stock', 'plain', 'relaxed'] as SimdBuild[]) {
      setSimdBuild(build);
      const call = () => (pass === 'forward'
        ? tf.fused.conv2d({ x, filter, bias, strides: 1, pad: 'same', activation: 'relu' })
        : tf.conv2d(x, filter, 1, 'same'));
      for (let i = 0; i < 10; i++) call().dispose();
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const y = call();
        y.dataSync();
        times.push(performance.now() - t0);
        y.dispose();
      }
      const ms = median(times);
      row[build] = { ran: simdVariant(tf.backend() as BackendWasm) ?? 'stock', ms: Number(ms.toFixed(4)), gflops: Number((flops / ms / 1e6).toFixed(1)) };
    }
    rows.push(row);
    tf.dispose([x, filter, bias]);
  }
}
console.log(JSON.stringify({ runs: RUNS, node: process.version, layers: rows }, null, 1));
