/**
 * The WASM backend's `Conv2D` and `FusedConv2D` on the book's own SIMD kernels
 * wherever they apply: channels last, float32, stride 1, no dilation, and for
 * the fused kernel no activation but ReLU. Anything else goes to the stock
 * kernel (XNNPACK).
 *
 * Every gradient map is mostly convolutions: the forward pass, then the input
 * gradients, which conv-grads-as-conv.ts runs as stride-1 convolutions. 3×3
 * filters run Winograd's F(2×2, 3×3) (simd/winograd.as.ts, 16 products per
 * channel pair instead of 36), other sizes the direct kernel
 * (simd/conv2d.as.ts), both with relaxed SIMD's fused multiply-add where the
 * engine has it. On the book's layers in Node, one thread, XNNPACK in tfjs
 * 4.22 runs at about 30 GFLOP/s, the direct kernel at about 50 on 3×3 layers
 * and the Winograd kernel at the equivalent of 50–100 (bench/conv-kernels.ts).
 *
 * The kernels run on the backend's own heap (simd-module.ts), so no tensor is
 * copied in or out. Scratch (the zero-padded input, the Winograd kernel's
 * transformed tiles) comes from the backend's `malloc` and is freed before the
 * kernel returns; packed and transformed filters are kept with their tensor
 * (derived-data.ts).
 */
import { backend_util, Conv2D, FusedConv2D, getKernel, util } from '@tensorflow/tfjs-core';
import type { Conv2DAttrs, FusedConv2DAttrs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { derivedOf } from './derived-data';
import { replaceKernels } from './kernel-registry';
import { heapOffset as offsetOf, simdInstance, type Heap, type SimdInstance as Instance } from './simd-module';

type KernelArgs<A> = { backend: BackendWasm; inputs: Record<string, TensorInfo>; attrs: A };

const ceil4 = (n: number) => (n + 3) & ~3;

/**
 * `filter` ([kh, kw, cin, cout]) in the kernel's layout for `cout4` output
 * channels (cout rounded up to 4, the extra ones zero): blocks of 8 output
 * channels while 8 are left, then blocks of 4, each block `[kh][kw][cin][block]`.
 */
function packFilter(backend: BackendWasm, heap: Heap, memory: WebAssembly.Memory, filter: TensorInfo, cout4: number): number {
  const [kh, kw, cin, cout] = filter.shape as [number, number, number, number];
  const taps = kh * kw * cin;
  const ptr = heap._malloc(taps * cout4 * 4);
  const f32 = new Float32Array(memory.buffer);
  const src = offsetOf(backend, filter) / 4;
  const dst = ptr / 4;
  f32.fill(0, dst, dst + taps * cout4);
  // As the kernel reads them: blocks of 8 while 8 channels are left, then blocks of 4.
  for (let co = 0, block = 8; co < cout4; co += block) {
    if (co + 8 > cout) block = 4;
    const base = dst + co * taps;
    for (let t = 0; t < taps; t++) {
      const from = src + t * cout + co;
      const to = base + t * block;
      for (let j = 0; j < block && co + j < cout; j++) f32[to + j] = f32[from + j]!;
    }
  }
  return ptr;
}

/** The packed filter of `filter`, made once per filter and freed with it. */
function packedFilterOf(backend: BackendWasm, instance: Instance, filter: TensorInfo, cout4: number): number {
  const { heap } = instance;
  return derivedOf(backend, filter, `simd-conv:${filter.shape.join(',')}:${cout4}`,
    () => packFilter(backend, heap, instance.memory, filter, cout4), (ptr) => heap._free(ptr));
}

/**
 * Which SIMD kernel runs a stride-1 convolution the SIMD kernels take: 3×3
 * filters on channels the Winograd kernel takes (simd/winograd.as.ts: input
 * channels a multiple of 4, output channels of 8); up to 4 output channels
 * whose window rows are a multiple of 4 values the narrow kernel
 * (`narrowConv2d` in simd/conv2d.as.ts); anything else the direct one.
 */
export function simdConvAlgorithm(kh: number, kw: number, cin: number, cout: number): 'winograd' | 'narrow' | 'direct' {
  if (kh === 3 && kw === 3 && cin % 4 === 0 && cout % 8 === 0) return 'winograd';
  return cout <= 4 && (kw * cin) % 4 === 0 ? 'narrow' : 'direct';
}

/** `filter` as the narrow kernel reads it, `[cout][kh][kw][cin]`, made once per filter and freed with it. */
function narrowFilterOf(backend: BackendWasm, instance: Instance, filter: TensorInfo): number {
  const { heap } = instance;
  const [kh, kw, cin, cout] = filter.shape as [number, number, number, number];
  return derivedOf(backend, filter, `narrow:${filter.shape.join(',')}`, () => {
    const taps = kh * kw * cin;
    const ptr = heap._malloc(taps * cout * 4);
    const f32 = new Float32Array(instance.memory.buffer);
    const src = offsetOf(backend, filter) / 4;
    for (let t = 0; t < taps; t++) for (let c = 0; c < cout; c++) f32[ptr / 4 + c * taps + t] = f32[src + t * cout + c]!;
    return ptr;
  }, (ptr) => heap._free(ptr));
}

/** `filter` (3×3) transformed for the Winograd kernel, made once per filter and freed with it. */
function winogradFilterOf(backend: BackendWasm, instance: Instance, filter: TensorInfo): number {
  const { heap, exports } = instance;
  const [, , cin, cout] = filter.shape as [number, number, number, number];
  return derivedOf(backend, filter, `winograd:${filter.shape.join(',')}`, () => {
    const u = heap._malloc(16 * cin * cout * 4);
    exports.winogradFilter(offsetOf(backend, filter), u, cin, cout);
    return u;
  }, (u) => heap._free(u));
}

/**
 * Whether the kernel computes this convolution; the stock kernel runs the
 * rest (strides, dilations, NCHW, other activations, a bias that is not one
 * value per output channel, integer inputs).
 */
function applies(x: TensorInfo, filter: TensorInfo, bias: TensorInfo | undefined, c: backend_util.Conv2DInfo, activation: string | undefined, prelu: boolean): boolean {
  return x.dtype === 'float32' && filter.dtype === 'float32'
    && c.strideHeight === 1 && c.strideWidth === 1 && c.dilationHeight === 1 && c.dilationWidth === 1
    && c.inChannels === filter.shape[2]
    && (activation === undefined || activation === 'linear' || activation === 'relu') && !prelu
    && (bias === undefined || (bias.dtype === 'float32' && util.sizeFromShape(bias.shape) === c.outChannels));
}

/** conv2d(x, filter) (+ bias, rectified if `relu`) on the SIMD kernel, into a new tensor. */
function run(backend: BackendWasm, instance: Instance, x: TensorInfo, filter: TensorInfo, bias: TensorInfo | undefined, c: backend_util.Conv2DInfo, relu: boolean): TensorInfo {
  const { heap } = instance;
  const { batchSize, inHeight, inWidth, inChannels: cin, outHeight, outWidth, outChannels: cout, filterHeight: kh, filterWidth: kw } = c;
  const { top, left } = c.padInfo;
  const out = backend.makeOutput([batchSize, outHeight, outWidth, cout], 'float32');
  if (batchSize * outHeight * outWidth * cout === 0) return out;
  // With stride 1 the padded input is exactly the rows and columns the windows read.
  const hp = outHeight + kh - 1;
  const wp = outWidth + kw - 1;
  const algorithm = simdConvAlgorithm(kh, kw, cin, cout);
  const padded = hp !== inHeight || wp !== inWidth;
  const scratch: number[] = [];
  try {
    // The input padded with zeros, unless the windows read exactly the input.
    let xPtr = offsetOf(backend, x);
    if (padded) {
      const ptr = heap._malloc(batchSize * hp * wp * cin * 4);
      scratch.push(ptr);
      // A view after the allocation: it may have grown the heap and detached earlier views.
      const f32 = new Float32Array(instance.memory.buffer);
      const src = xPtr / 4;
      const dst = ptr / 4;
      const rowLength = inWidth * cin;
      f32.fill(0, dst, dst + batchSize * hp * wp * cin);
      for (let b = 0; b < batchSize; b++) {
        for (let r = 0; r < inHeight; r++) {
          const from = src + (b * inHeight + r) * rowLength;
          f32.copyWithin(dst + ((b * hp + r + top) * wp + left) * cin, from, from + rowLength);
        }
      }
      xPtr = ptr;
    }
    const yPtr = offsetOf(backend, out);
    const bPtr = bias === undefined ? 0 : offsetOf(backend, bias);
    const xImage = hp * wp * cin * 4;
    const yImage = outHeight * outWidth * cout * 4;
    const { exports } = instance;
    if (algorithm === 'winograd') {
      const u = winogradFilterOf(backend, instance, filter);
      const work = heap._malloc(exports.winogradScratchBytes(cin, cout));
      scratch.push(work);
      for (let b = 0; b < batchSize; b++) {
        exports.winograd(xPtr + b * xImage, u, bPtr, yPtr + b * yImage, outHeight, outWidth, cin, cout, wp, relu ? 1 : 0, work);
      }
    } else if (algorithm === 'narrow') {
      const w = narrowFilterOf(backend, instance, filter);
      for (let b = 0; b < batchSize; b++) {
        exports.narrowConv2d(xPtr + b * xImage, w, bPtr, yPtr + b * yImage, outHeight, outWidth, cin, cout, kh, kw, wp, relu ? 1 : 0);
      }
    } else {
      const packed = packedFilterOf(backend, instance, filter, ceil4(cout));
      for (let b = 0; b < batchSize; b++) {
        exports.conv2d(xPtr + b * xImage, packed, bPtr, yPtr + b * yImage, outHeight, outWidth, cin, cout, kh, kw, wp, relu ? 1 : 0);
      }
    }
    return out;
  } catch (error) {
    backend.disposeData(out.dataId, true);
    throw error;
  } finally {
    for (const ptr of scratch) heap._free(ptr);
  }
}

function conv2DInfo(x: TensorInfo, filter: TensorInfo, attrs: Conv2DAttrs): backend_util.Conv2DInfo | null {
  if (attrs.dataFormat === 'NCHW') return null;
  return backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
    attrs.strides, attrs.dilations, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
}

/** The stock kernels these stand in for, found once, when the configs are first made. */
let configs: readonly KernelConfig[] | undefined;

/**
 * Kernel configs for `Conv2D` and `FusedConv2D` on WASM that run the SIMD
 * kernel where it applies and the stock kernel (whose setup they keep)
 * otherwise. Made once, so registering them again is a no-op.
 */
export function simdConvKernelConfigs(): readonly KernelConfig[] {
  if (configs) return configs;
  const stockConv = getKernel(Conv2D, 'wasm');
  const stockFused = getKernel(FusedConv2D, 'wasm');
  if (!stockConv || !stockFused) throw new Error('the WASM backend has no Conv2D or FusedConv2D kernel to stand in for');
  const conv2d = (args: KernelArgs<Conv2DAttrs>): TensorInfo => {
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const instance = simdInstance(args.backend);
    const c = instance && conv2DInfo(x, filter, args.attrs);
    if (!instance || !c || !applies(x, filter, undefined, c, undefined, false)) return stockConv.kernelFunc(args as never) as TensorInfo;
    return run(args.backend, instance, x, filter, undefined, c, false);
  };
  const fused = (args: KernelArgs<FusedConv2DAttrs>): TensorInfo => {
    const { x, filter, bias: given, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
    const bias = given ?? undefined;
    const instance = simdInstance(args.backend);
    const c = instance && conv2DInfo(x!, filter!, args.attrs);
    if (!instance || !c || !applies(x!, filter!, bias, c, args.attrs.activation, preluActivationWeights != null)) {
      return stockFused.kernelFunc(args as never) as TensorInfo;
    }
    return run(args.backend, instance, x!, filter!, bias, c, args.attrs.activation === 'relu');
  };
  configs = [
    { kernelName: Conv2D, backendName: 'wasm', setupFunc: stockConv.setupFunc, kernelFunc: conv2d as unknown as KernelFunc },
    { kernelName: FusedConv2D, backendName: 'wasm', setupFunc: stockFused.setupFunc, kernelFunc: fused as unknown as KernelFunc },
  ];
  return configs;
}

/**
 * Registers the SIMD convolutions on WASM in place of the stock ones, kept
 * against later registrations of the backend (kernel-registry.ts). Idempotent.
 */
export function registerSimdConvKernels(): void {
  replaceKernels(simdConvKernelConfigs(), new Set([Conv2D, FusedConv2D]));
}
