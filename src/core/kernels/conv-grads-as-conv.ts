/**
 * The two gradients of conv2d on the WASM backend, computed as forward
 * convolutions so that they run on the backend's SIMD convolutions (the
 * book's own where they apply, simd-conv.ts, XNNPACK's otherwise).
 *
 * Both gradients are correlations of the forward pass's tensors:
 *   dx = conv(dy with s − 1 zeros between its pixels, padded by
 *        (filter − 1 − forward padding) a side, W flipped in space with its
 *        in/out channels swapped), stride 1, output the size of x;
 *   dW = conv(x padded, with batch and channels swapped, using dy with batch
 *        as its input channels as the filter, dilated by the forward stride),
 *        then axes put back.
 * The stock WASM `Conv2DBackpropInput` of tfjs 4.22 is a scalar loop: on the
 * book's scenes-cnn it took 15 of the 21 ms of a saliency map. tfjs has no
 * dilated conv2d gradients (its Conv2D gradient rejects dilations above 1), so
 * neither kernel takes a dilation. Layout is NHWC, the only one the WASM
 * convolutions run.
 */
import { backend_util, Conv2D, getKernel, Transpose } from '@tensorflow/tfjs-core';
import type { Conv2DBackpropFilterAttrs, Conv2DBackpropInputAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { derivedOf } from './derived-data';

type Shape4D = [number, number, number, number];
type Pair = [number, number];
type KernelArgs<A> = { backend: BackendWasm; inputs: Record<string, TensorInfo>; attrs: A };

/** Runs a registered WASM kernel directly: a kernel may call kernels, not ops. */
function runKernel(name: string, backend: BackendWasm, inputs: Record<string, TensorInfo>, attrs: object): TensorInfo {
  const kernel = getKernel(name, 'wasm');
  if (!kernel) throw new Error(`wasm kernel '${name}' is not registered`);
  return kernel.kernelFunc({ backend, inputs, attrs: attrs as never }) as TensorInfo;
}

/** Calls `body` with a `keep` function for intermediates, and frees them all after, also when it throws. */
function withScratch(backend: BackendWasm, body: (keep: (t: TensorInfo) => TensorInfo) => TensorInfo): TensorInfo {
  const scratch: TensorInfo[] = [];
  try {
    return body((t) => (scratch.push(t), t));
  } finally {
    for (const t of scratch) backend.disposeData(t.dataId);
  }
}

function nhwcOnly(kernel: string, dataFormat: string): void {
  if (dataFormat === 'NCHW') throw new Error(`wasm ${kernel} supports dataFormat 'NHWC' only, got 'NCHW'.`);
}

/** The gradient where the forward output is empty (a window larger than the padded input): zeros. */
function zeros(backend: BackendWasm, shape: number[]): TensorInfo {
  const out = backend.makeOutput(shape, 'float32');
  backend.typedArrayFromHeap(out).fill(0);
  return out;
}

/** `W[y, x, i, o]` as `W'[fh − 1 − y, fw − 1 − x, o, i]`: the filter that maps dy back to dx. */
function flippedSwappedFilter(backend: BackendWasm, filter: TensorInfo): TensorInfo {
  const [fh, fw, inC, outC] = filter.shape as Shape4D;
  const out = backend.makeOutput([fh, fw, outC, inC], 'float32');
  // Views after makeOutput: allocating may grow the heap and detach earlier ones.
  const src = backend.typedArrayFromHeap(filter) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  const taps = fh * fw;
  for (let t = 0; t < taps; t++) {
    const from = t * inC * outC;
    const to = (taps - 1 - t) * inC * outC;
    for (let i = 0; i < inC; i++) {
      for (let o = 0; o < outC; o++) dst[to + o * inC + i] = src[from + i * outC + o]!;
    }
  }
  return out;
}

/**
 * The flipped filter of `filter`, made once per filter and freed with it
 * (derived-data.ts). The convolution packs (or transforms) a filter the first
 * time it reads it and keeps that copy until the filter is freed; flipping
 * anew on every call would pay for the flip and the packing each time (0.5 of the
 * 0.8 ms of the input gradient of scenes-cnn's 64→128-channel layer, measured
 * in Node).
 */
function flippedFilterOf(backend: BackendWasm, filter: TensorInfo): TensorInfo {
  return derivedOf(backend, filter, `flipped:${filter.shape.join(',')}`, () => flippedSwappedFilter(backend, filter),
    (flipped) => backend.disposeData(flipped.dataId, true));
}

/**
 * dy spread onto a zero grid: pixel (oy, ox) at (top + oy·sy, left + ox·sx) of
 * a `[b, rows, cols, c]` tensor; pixels that fall outside are dropped (a
 * negative `top` or `left` crops).
 */
function spread(backend: BackendWasm, dy: TensorInfo, [sy, sx]: Pair, top: number, left: number, rows: number, cols: number): TensorInfo {
  const [batch, outH, outW, c] = dy.shape as Shape4D;
  const out = backend.makeOutput([batch, rows, cols, c], 'float32');
  const src = backend.typedArrayFromHeap(dy) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  dst.fill(0);
  for (let b = 0; b < batch; b++) {
    for (let oy = 0; oy < outH; oy++) {
      const r = top + oy * sy;
      if (r < 0 || r >= rows) continue;
      for (let ox = 0; ox < outW; ox++) {
        const col = left + ox * sx;
        if (col < 0 || col >= cols) continue;
        const from = ((b * outH + oy) * outW + ox) * c;
        dst.set(src.subarray(from, from + c), ((b * rows + r) * cols + col) * c);
      }
    }
  }
  return out;
}

/**
 * The input gradient of conv2d as one forward convolution. For stride 1 with
 * padding no wider than the filter (every 'same' and 'valid' layer), dy goes
 * to the convolution as it is and the convolution pads it; otherwise dy is first
 * spread onto the zero grid that stride and padding call for.
 */
export function conv2DBackpropInputAsConv({ backend, inputs, attrs }: KernelArgs<Conv2DBackpropInputAttrs>): TensorInfo {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  nhwcOnly('Conv2DBackpropInput', attrs.dataFormat);
  const c = backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as Shape4D, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { inHeight, inWidth, outHeight, outWidth, filterHeight: fh, filterWidth: fw, strideHeight: sy, strideWidth: sx } = c;
  if (outHeight * outWidth === 0) return zeros(backend, attrs.inputShape);
  // Zeros around dy so that the output has x's size: `bottom` and `right` also cover
  // the rows and columns of x that no forward window reached (their gradient is 0).
  const top = fh - 1 - c.padInfo.top;
  const left = fw - 1 - c.padInfo.left;
  const bottom = inHeight - 1 - ((outHeight - 1) * sy - c.padInfo.top);
  const right = inWidth - 1 - ((outWidth - 1) * sx - c.padInfo.left);
  const conv = (x: TensorInfo, w: TensorInfo, pad: 'valid' | number[][]) =>
    runKernel(Conv2D, backend, { x, filter: w }, { strides: 1, dilations: 1, pad, dataFormat: 'NHWC' });
  return withScratch(backend, (keep) => {
    const w = flippedFilterOf(backend, filter);
    if (sy === 1 && sx === 1 && Math.min(top, left, bottom, right) >= 0) {
      return conv(dy, w, [[0, 0], [top, bottom], [left, right], [0, 0]]);
    }
    const grid = keep(spread(backend, dy, [sy, sx], top, left, inHeight + fh - 1, inWidth + fw - 1));
    return conv(grid, w, 'valid');
  });
}

/**
 * `[b, h, w, c]` as `[c, rows, cols, b]`, shifted down by `top` and right by
 * `left` with zeros around (negative shifts crop): x padded as the forward pass
 * saw it, with batch and channels swapped.
 */
function paddedChannelsAsBatch(backend: BackendWasm, x: TensorInfo, top: number, left: number, rows: number, cols: number): TensorInfo {
  const [batch, h, w, c] = x.shape as Shape4D;
  const out = backend.makeOutput([c, rows, cols, batch], 'float32');
  const src = backend.typedArrayFromHeap(x) as Float32Array;
  const dst = backend.typedArrayFromHeap(out) as Float32Array;
  dst.fill(0);
  const [r0, r1] = [Math.max(0, top), Math.min(rows, h + top)];
  const [c0, c1] = [Math.max(0, left), Math.min(cols, w + left)];
  for (let ch = 0; ch < c; ch++) {
    for (let r = r0; r < r1; r++) {
      for (let col = c0; col < c1; col++) {
        const to = ((ch * rows + r) * cols + col) * batch;
        for (let b = 0, from = ((r - top) * w + col - left) * c + ch; b < batch; b++, from += h * w * c) dst[to + b] = src[from]!;
      }
    }
  }
  return out;
}

/**
 * The filter gradient of conv2d as one forward convolution: each input channel
 * of x is an image (batch as its channels), dy is the filter, and the forward
 * stride becomes the dilation.
 */
export function conv2DBackpropFilterAsConv({ backend, inputs, attrs }: KernelArgs<Conv2DBackpropFilterAttrs>): TensorInfo {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  nhwcOnly('Conv2DBackpropFilter', attrs.dataFormat);
  const c = backend_util.computeConv2DInfo(
    x.shape as Shape4D, attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { batchSize, outHeight, outWidth, outChannels, filterHeight: fh, filterWidth: fw, strideHeight: sy, strideWidth: sx } = c;
  if (outHeight * outWidth === 0) return zeros(backend, attrs.filterShape);
  // Exactly the rows and columns the forward windows cover, so the convolution's output is the filter's size.
  const rows = (outHeight - 1) * sy + fh;
  const cols = (outWidth - 1) * sx + fw;
  return withScratch(backend, (keep) => {
    const image = keep(paddedChannelsAsBatch(backend, x, c.padInfo.top, c.padInfo.left, rows, cols));
    // [b, oh, ow, o] read as [oh, ow, b, o]: for one image the same bytes.
    const asFilter = batchSize === 1
      ? { ...dy, shape: [outHeight, outWidth, 1, outChannels] }
      : keep(runKernel(Transpose, backend, { x: dy }, { perm: [1, 2, 0, 3] }));
    const grad = keep(runKernel(Conv2D, backend, { x: image, filter: asFilter }, {
      strides: 1, dilations: [sy, sx], pad: 'valid', dataFormat: 'NHWC',
    }));
    return runKernel(Transpose, backend, { x: grad }, { perm: [1, 2, 0, 3] });
  });
}
