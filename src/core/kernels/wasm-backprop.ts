/**
 * The convolution gradients that `@tensorflow/tfjs-backend-wasm` 4.22 lacks,
 * a correct max-pool gradient in place of the one it ships, a fast conv2d
 * input gradient in place of its scalar loop, and an Identity that does not
 * copy (the engine clones every tensor it saves for a gradient).
 *
 * The WASM backend ships `Conv2DBackpropInput` but not `Conv2DBackpropFilter`,
 * `DepthwiseConv2dNativeBackpropInput` or `DepthwiseConv2dNativeBackpropFilter`,
 * so `tf.grad` through conv2d weights (training) and through any depthwise
 * convolution fails there with "Kernel '…' not registered for backend 'wasm'".
 * Its `MaxPoolGrad` runs but is wrong (see `maxPoolGrad`). The two conv2d
 * gradients run as forward convolutions (conv-grads-as-conv.ts). The max-pool
 * gradient of windows that tile their input runs on the book's SIMD kernel
 * (simd/max-pool-grad.as.ts); the other kernels are plain JS over the WASM heap. Both depthwise
 * gradients are the same sum over (output pixel, filter tap) pairs, so the
 * pairs whose input pixel lies inside the image are listed once as flat
 * offsets (`convTaps`) and each kernel is a short loop over that list with the
 * channel arithmetic inline; `maxPoolGrad` scans each window directly.
 *
 * Layout is NHWC throughout (the only layout the WASM convolutions support):
 * x `[b, h, w, c]`, dy `[b, outH, outW, outC]`, conv filter `[fh, fw, c, outC]`,
 * depthwise filter `[fh, fw, c, m]` with output channel `c * m + k`.
 */
import {
  backend_util,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  DepthwiseConv2dNativeBackpropFilter,
  DepthwiseConv2dNativeBackpropInput,
  Identity,
  MaxPoolGrad,
} from '@tensorflow/tfjs-core';
import type {
  DepthwiseConv2dNativeBackpropFilterAttrs,
  DepthwiseConv2dNativeBackpropInputAttrs,
  KernelConfig,
  KernelFunc,
  MaxPoolGradAttrs,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropFilterAsConv, conv2DBackpropInputAsConv } from './conv-grads-as-conv';
import { replaceKernels } from './kernel-registry';
import { heapOffset, simdInstance } from './simd-module';

type Shape4D = [number, number, number, number];
type KernelArgs<A> = { backend: BackendWasm; inputs: Record<string, TensorInfo>; attrs: A };

/** Flat offsets of every (output pixel, filter tap) pair that reads a pixel inside the image. */
interface Taps {
  count: number;
  /** Offset of the input pixel's channel 0 in x (and dx). */
  x: Int32Array;
  /** Offset of the output pixel's channel 0 in dy. */
  dy: Int32Array;
  /** Index of the filter tap, `fy * filterWidth + fx`. */
  tap: Int32Array;
}

/**
 * Input coordinate read by output position `o` at filter tap `f`, stored at
 * `o * filterSize + f`, or -1 where it falls in the padding.
 */
function inputCoords(
  outSize: number, filterSize: number, stride: number, dilation: number, padBefore: number, inSize: number,
): Int32Array {
  const coords = new Int32Array(outSize * filterSize);
  for (let o = 0; o < outSize; o++) {
    for (let f = 0; f < filterSize; f++) {
      const i = o * stride + f * dilation - padBefore;
      coords[o * filterSize + f] = i >= 0 && i < inSize ? i : -1;
    }
  }
  return coords;
}

/**
 * The taps of `c`, grouped by output pixel (batch, then row, then column) and,
 * within a pixel, in row-major window order.
 */
function convTaps(c: backend_util.Conv2DInfo): Taps {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth } = c;
  const rowOf = inputCoords(outHeight, filterHeight, c.strideHeight, c.dilationHeight, c.padInfo.top, inHeight);
  const colOf = inputCoords(outWidth, filterWidth, c.strideWidth, c.dilationWidth, c.padInfo.left, inWidth);
  const most = batchSize * outHeight * outWidth * filterHeight * filterWidth;
  const taps: Taps = { count: 0, x: new Int32Array(most), dy: new Int32Array(most), tap: new Int32Array(most) };
  let n = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const dyOffset = ((b * outHeight + oy) * outWidth + ox) * outChannels;
        for (let fy = 0; fy < filterHeight; fy++) {
          const iy = rowOf[oy * filterHeight + fy];
          if (iy < 0) continue;
          const xRow = (b * inHeight + iy) * inWidth;
          for (let fx = 0; fx < filterWidth; fx++) {
            const ix = colOf[ox * filterWidth + fx];
            if (ix < 0) continue;
            taps.x[n] = (xRow + ix) * inChannels;
            taps.dy[n] = dyOffset;
            taps.tap[n] = fy * filterWidth + fx;
            n++;
          }
        }
      }
    }
  }
  taps.count = n;
  return taps;
}

/** A float view of a tensor's bytes on the WASM heap; valid until the heap next grows. */
function heapView(backend: BackendWasm, t: TensorInfo): backend_util.TypedArray {
  return backend.typedArrayFromHeap(t);
}

/**
 * Allocates the output on the WASM heap and fills it from a float64 accumulator
 * (sums run over every output pixel of the batch, too long for float32).
 * It must come after the last read of an input view: allocating may grow the
 * heap and detach them.
 */
function writeOutput(backend: BackendWasm, shape: number[], sums: Float64Array): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  (heapView(backend, out) as Float32Array).set(sums);
  return out;
}

function depthwiseConv2dNativeBackpropFilter(
  { backend, inputs, attrs }: KernelArgs<DepthwiseConv2dNativeBackpropFilterAttrs>,
): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const c = backend_util.computeConv2DInfo(
    x.shape as Shape4D, attrs.filterShape, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, true);
  const { inChannels, outChannels } = c;
  const multiplier = outChannels / inChannels;
  const taps = convTaps(c);
  const xs = heapView(backend, x);
  const dys = heapView(backend, dy);
  // A tap's [c, m] filter slice is laid out like dy's channels: index c * m + k.
  const sums = new Float64Array(c.filterHeight * c.filterWidth * outChannels);
  for (let t = 0; t < taps.count; t++) {
    const xOffset = taps.x[t];
    const dyOffset = taps.dy[t];
    const w = taps.tap[t] * outChannels;
    for (let ci = 0, d = 0; ci < inChannels; ci++) {
      const xv = xs[xOffset + ci];
      for (let k = 0; k < multiplier; k++, d++) sums[w + d] += xv * dys[dyOffset + d];
    }
  }
  return writeOutput(backend, attrs.filterShape, sums);
}

function depthwiseConv2dNativeBackpropInput(
  { backend, inputs, attrs }: KernelArgs<DepthwiseConv2dNativeBackpropInputAttrs>,
): TensorInfo {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const c = backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as Shape4D, attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, true);
  const { inChannels, outChannels } = c;
  const multiplier = outChannels / inChannels;
  const taps = convTaps(c);
  const dys = heapView(backend, dy);
  const ws = heapView(backend, filter);
  const sums = new Float64Array(c.batchSize * c.inHeight * c.inWidth * inChannels);
  for (let t = 0; t < taps.count; t++) {
    const xOffset = taps.x[t];
    const dyOffset = taps.dy[t];
    const w = taps.tap[t] * outChannels;
    for (let ci = 0, d = 0; ci < inChannels; ci++) {
      let sum = 0;
      for (let k = 0; k < multiplier; k++, d++) sum += dys[dyOffset + d] * ws[w + d];
      sums[xOffset + ci] += sum;
    }
  }
  return writeOutput(backend, attrs.inputShape, sums);
}

/**
 * The gradient of max pooling: each window's dy goes to the first maximum of x
 * in the window (row-major, padding excluded), as tfjs-backend-cpu's
 * `maxPoolPositions` breaks ties; a window with no pixel above -Infinity (all
 * padding, -Infinity or NaN) passes nothing back.
 *
 * It replaces the stock WASM kernel, which in 4.22 starts each window's search
 * at `std::numeric_limits<float>::min()`, the smallest positive float: a window
 * whose maximum is zero or negative loses its gradient, and ties go to the last
 * maximum. Measured against tfjs-backend-cpu (relative L2 error of dx): up to
 * 15% for 3×3 pools and about 25% for 2×2 on x uniform in [-1, 1], worse at
 * borders where 'same' padding shrinks the windows; 40% for the input gradient
 * of the mini-Xception emotion model in tests/core/model-loader.test.ts.
 */
function maxPoolGrad({ backend, inputs, attrs }: KernelArgs<MaxPoolGradAttrs>): TensorInfo {
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const c = backend_util.computePool2DInfo(
    input.shape as Shape4D, attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, filterHeight: fh, filterWidth: fw } = c;
  // A pixel sums dy from at most fh·fw windows: float32 is enough.
  const out = backend.makeOutput(input.shape, 'float32');
  const simd = simdInstance(backend);
  const { top, left } = c.padInfo;
  if (simd && c.strideHeight === fh && c.strideWidth === fw && top === 0 && left === 0 && outHeight * fh <= inHeight && outWidth * fw <= inWidth) {
    // Windows that tile x: the SIMD kernel (simd/max-pool-grad.as.ts), after zeroing what no window covers.
    if (outHeight * fh < inHeight || outWidth * fw < inWidth) heapView(backend, out).fill(0);
    simd.exports.maxPoolGradTiled(heapOffset(backend, input), heapOffset(backend, dy), heapOffset(backend, out),
      batchSize, inHeight, inWidth, channels, outHeight, outWidth, fh, fw);
    return out;
  }
  const rowOf = inputCoords(outHeight, fh, c.strideHeight, 1, c.padInfo.top, inHeight);
  const colOf = inputCoords(outWidth, fw, c.strideWidth, 1, c.padInfo.left, inWidth);
  const xs = heapView(backend, input);
  const dys = heapView(backend, dy);
  const dx = heapView(backend, out);
  dx.fill(0);
  // Each window is scanned tap by tap with the channels innermost, contiguous in memory.
  const best = new Float32Array(channels);
  const argmax = new Int32Array(channels);
  for (let b = 0; b < batchSize; b++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        best.fill(-Infinity);
        argmax.fill(-1);
        // Row-major over the window, strictly greater: the first maximum wins.
        for (let fy = 0; fy < fh; fy++) {
          const iy = rowOf[oy * fh + fy]!;
          if (iy < 0) continue;
          const row = (b * inHeight + iy) * inWidth;
          for (let fx = 0; fx < fw; fx++) {
            const ix = colOf[ox * fw + fx]!;
            if (ix < 0) continue;
            const pixel = (row + ix) * channels;
            for (let ch = 0; ch < channels; ch++) {
              const v = xs[pixel + ch]!;
              if (v > best[ch]!) {
                best[ch] = v;
                argmax[ch] = pixel + ch;
              }
            }
          }
        }
        const dyOffset = ((b * outHeight + oy) * outWidth + ox) * channels;
        for (let ch = 0; ch < channels; ch++) {
          const i = argmax[ch]!;
          if (i >= 0) dx[i] += dys[dyOffset + ch]!;
        }
      }
    }
  }
  return out;
}

/**
 * Identity that shares its input's bytes, as tfjs-backend-cpu's does. The
 * engine saves every tensor a gradient needs by cloning it through Identity,
 * and the stock WASM Identity copies the bytes: one copy of each activation
 * and filter per op on the tape (33 copies for a saliency map of scenes-cnn).
 * Sharing is safe because no kernel writes into its inputs (Reshape already
 * shares the same way), and it keeps a filter's data id, so XNNPACK's packed
 * filters and the flipped filters of conv-grads-as-conv.ts are found again.
 */
function identity({ backend, inputs }: KernelArgs<object>): TensorInfo {
  const { x } = inputs as { x: TensorInfo };
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

/**
 * Kernel configs for the three convolution gradients missing from the WASM
 * backend, and for the conv2d input gradient, max-pool gradient and identity
 * that replace its own.
 */
export const wasmBackpropKernelConfigs: readonly KernelConfig[] = [
  { kernelName: Conv2DBackpropFilter, backendName: 'wasm', kernelFunc: conv2DBackpropFilterAsConv as unknown as KernelFunc },
  { kernelName: Conv2DBackpropInput, backendName: 'wasm', kernelFunc: conv2DBackpropInputAsConv as unknown as KernelFunc },
  {
    kernelName: DepthwiseConv2dNativeBackpropFilter,
    backendName: 'wasm',
    kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as KernelFunc,
  },
  {
    kernelName: DepthwiseConv2dNativeBackpropInput,
    backendName: 'wasm',
    kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as KernelFunc,
  },
  { kernelName: MaxPoolGrad, backendName: 'wasm', kernelFunc: maxPoolGrad as unknown as KernelFunc },
  { kernelName: Identity, backendName: 'wasm', kernelFunc: identity as unknown as KernelFunc },
];

/**
 * Kernels whose stock WASM registration is wrong (or slower), so ours replaces
 * it and is kept in place against later registrations: a kernel added to
 * `wasmBackpropKernelConfigs` that stands in for a stock one belongs here.
 * Kernels the backend lacks are not listed: a registration of one by anyone
 * else (a later tfjs with native ones) is left alone.
 */
const REPLACED: ReadonlySet<string> = new Set([MaxPoolGrad, Conv2DBackpropInput, Identity]);

/**
 * Registers the missing WASM convolution gradients so `tf.grad` works through
 * conv2d filters and depthwise convolutions on that backend, and replaces the
 * stock kernels in `REPLACED` for good: a later registration of the backend
 * (a second copy of it, loaded before or after this call) cannot bring them
 * back (see kernel-registry.ts). Idempotent.
 */
export function registerWasmBackpropKernels(): void {
  replaceKernels(wasmBackpropKernelConfigs, REPLACED);
}
