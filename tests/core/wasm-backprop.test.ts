import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getKernel, MaxPoolGrad, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf, type Tensor, type Tensor4D } from '../../src/core/tf';
import { mulberry32 } from '../../src/core/random';
import { registerWasmBackpropKernels, wasmBackpropKernelConfigs } from '../../src/core/kernels/wasm-backprop';
import { setSimdBuild, simdInstance } from '../../src/core/kernels/simd-module';

type Pair = [number, number];
type Shape4D = [number, number, number, number];
type Pad = 'same' | 'valid' | number | [Pair, Pair, Pair, Pair];
type Rounding = 'floor' | 'round' | 'ceil' | undefined;
/** A tensor as plain data, so the same values can be fed to both backends. */
type Data = { shape: number[]; values: Float32Array };

const RTOL = 1e-4;
const CASES = 30;
const FILTER_KERNELS = ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter'] as const;

/** A seeded generator, so that a failing geometry can be reproduced. */
const seeded = mulberry32;

const int = (rand: () => number, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[int(rand, 0, xs.length - 1)]!;

function randomData(rand: () => number, shape: number[]): Data {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = rand() * 2 - 1;
  return { shape, values };
}

interface Geometry {
  xShape: Shape4D;
  filterShape: Shape4D;
  dyShape: Shape4D;
  strides: Pair;
  dilations: Pair;
  pad: Pad;
  dimRoundingMode: Rounding;
}

const PAD_KINDS = ['same', 'valid', 'number', 'explicit'] as const;

/** A pad of one of `kinds` (numeric ones 0-2 a side) and, for numeric pads, a rounding mode. */
function randomPad(rand: () => number, kinds: readonly (typeof PAD_KINDS)[number][] = PAD_KINDS) {
  const kind = pick(rand, kinds);
  const pad: Pad = kind === 'number' ? int(rand, 0, 2)
    : kind === 'explicit' ? [[0, 0], [int(rand, 0, 2), int(rand, 0, 2)], [int(rand, 0, 2), int(rand, 0, 2)], [0, 0]]
    : kind;
  // tfjs accepts a rounding mode only with numeric pads.
  const dimRoundingMode: Rounding =
    typeof pad === 'string' ? undefined : pick(rand, [undefined, 'floor', 'round', 'ceil'] as const);
  return { pad, dimRoundingMode };
}

/** Batch 1-3, kernels 1-5, strides 1-3 or dilations 1-2 (tfjs forbids both > 1), every pad kind. */
function randomGeometry(rand: () => number, depthwise: boolean): Geometry {
  const dilations: Pair = depthwise && rand() < 0.4 ? [int(rand, 1, 2), int(rand, 1, 2)] : [1, 1];
  const dilated = dilations[0] > 1 || dilations[1] > 1;
  const strides: Pair = dilated ? [1, 1] : [int(rand, 1, 3), int(rand, 1, 3)];
  const [fh, fw] = [int(rand, 1, 5), int(rand, 1, 5)];
  const inC = int(rand, 1, 4);
  const filterShape: Shape4D = [fh, fw, inC, depthwise ? int(rand, 1, 3) : int(rand, 1, 4)];
  const effective = (f: number, d: number) => (f - 1) * d + 1;
  const xShape: Shape4D = [
    int(rand, 1, 3), effective(fh, dilations[0]) + int(rand, 0, 5), effective(fw, dilations[1]) + int(rand, 0, 5), inC,
  ];
  const { pad, dimRoundingMode } = randomPad(rand);
  const info = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, dilations, pad, dimRoundingMode, depthwise);
  return { xShape, filterShape, dyShape: info.outShape, strides, dilations, pad, dimRoundingMode };
}

/** Runs one kernel on one backend and returns its output as plain data. */
async function runKernel(
  backend: 'cpu' | 'wasm', name: string, inputs: Record<string, Data>, attrs: object,
): Promise<Data> {
  await tf.setBackend(backend);
  const tensors = Object.fromEntries(Object.entries(inputs).map(([k, d]) => [k, tf.tensor(d.values, d.shape)]));
  const out = tf.engine().runKernel(name, tensors, attrs as never) as Tensor;
  const result = { shape: out.shape, values: Float32Array.from(out.dataSync()) };
  tf.dispose([out, ...Object.values(tensors)]);
  return result;
}

/** Largest |a - e| / max(1, |e|): relative where values are large, absolute near zero. */
function maxRelativeError(actual: Data, expected: Data): number {
  expect(actual.shape).toEqual(expected.shape);
  let worst = 0;
  for (let i = 0; i < expected.values.length; i++) {
    const e = expected.values[i]!;
    worst = Math.max(worst, Math.abs(actual.values[i]! - e) / Math.max(1, Math.abs(e)));
  }
  return worst;
}

/*
 * The CPU depthwise backprop kernels of tfjs 4.22 pass dilations to
 * computeConv2DInfo (output size, padding) but their loops step through the
 * filter as if undilated, so they are wrong for dilations > 1. The reference is
 * therefore the CPU kernel on the equivalent undilated problem: the filter with
 * zeros inserted between its taps. At dilation 1 this is the CPU kernel as is.
 */
function dilateFilter({ shape: [fh, fw, c, m], values }: Data, [dh, dw]: Pair): Data {
  const [eh, ew] = [(fh! - 1) * dh + 1, (fw! - 1) * dw + 1];
  const cm = c! * m!;
  const out = new Float32Array(eh * ew * cm);
  for (let y = 0; y < fh!; y++) {
    for (let x = 0; x < fw!; x++) out.set(values.subarray((y * fw! + x) * cm, (y * fw! + x + 1) * cm), (y * dh * ew + x * dw) * cm);
  }
  return { shape: [eh, ew, c!, m!], values: out };
}

function undilateFilter({ shape: [, ew, c, m], values }: Data, [fh, fw]: Pair, [dh, dw]: Pair): Data {
  const cm = c! * m!;
  const out = new Float32Array(fh * fw * cm);
  for (let y = 0; y < fh; y++) {
    for (let x = 0; x < fw; x++) out.set(values.subarray((y * dh * ew! + x * dw) * cm, (y * dh * ew! + x * dw + 1) * cm), (y * fw + x) * cm);
  }
  return { shape: [fh, fw, c!, m!], values: out };
}

const describeGeometry = (g: Geometry | PoolGeometry) => JSON.stringify(g);

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
});

afterEach(async () => {
  vi.restoreAllMocks();
  await tf.setBackend('wasm');
});

describe('WASM backprop kernels match the CPU backend', () => {
  it(`Conv2DBackpropFilter on ${CASES} random geometries`, async () => {
    const rand = seeded(1);
    for (let i = 0; i < CASES; i++) {
      const g = randomGeometry(rand, false);
      const inputs = { x: randomData(rand, g.xShape), dy: randomData(rand, g.dyShape) };
      const attrs = { strides: g.strides, pad: g.pad, dataFormat: 'NHWC', dimRoundingMode: g.dimRoundingMode, filterShape: g.filterShape };
      const wasm = await runKernel('wasm', 'Conv2DBackpropFilter', inputs, attrs);
      const cpu = await runKernel('cpu', 'Conv2DBackpropFilter', inputs, attrs);
      expect(maxRelativeError(wasm, cpu), describeGeometry(g)).toBeLessThan(RTOL);
    }
  });

  it(`Conv2DBackpropInput on ${CASES} random geometries, and on wide padding, large strides and empty outputs`, async () => {
    const rand = seeded(10);
    const geometries = Array.from({ length: CASES }, () => randomGeometry(rand, false));
    // Padding wider than the filter (cropped), strides past the filter (rows of x no window reads), no output at all.
    const edges: [Shape4D, Shape4D, Pair, Pad, Rounding][] = [
      [[2, 7, 6, 3], [2, 3, 3, 4], [1, 1], [[0, 0], [3, 0], [0, 4], [0, 0]], undefined],
      [[1, 9, 10, 2], [2, 2, 2, 3], [3, 4], 'valid', undefined],
      [[1, 5, 5, 2], [1, 1, 2, 2], [2, 2], 2, 'ceil'],
      [[1, 3, 6, 1], [4, 1, 1, 2], [3, 1], 0, 'floor'],
    ];
    for (const [xShape, filterShape, strides, pad, dimRoundingMode] of edges) {
      const dyShape = tf.backend_util.computeConv2DInfo(xShape, filterShape, strides, 1, pad, dimRoundingMode).outShape;
      geometries.push({ xShape, filterShape, dyShape, strides, dilations: [1, 1], pad, dimRoundingMode });
    }
    for (const g of geometries) {
      const inputs = { dy: randomData(rand, g.dyShape), filter: randomData(rand, g.filterShape) };
      const attrs = { strides: g.strides, pad: g.pad, dataFormat: 'NHWC', dimRoundingMode: g.dimRoundingMode, inputShape: g.xShape };
      const wasm = await runKernel('wasm', 'Conv2DBackpropInput', inputs, attrs);
      const cpu = await runKernel('cpu', 'Conv2DBackpropInput', inputs, attrs);
      expect(maxRelativeError(wasm, cpu), describeGeometry(g)).toBeLessThan(RTOL);
    }
  });

  it('Conv2DBackpropInput keeps a flipped filter per filter and shape: a reshape of the same bytes gets its own', async () => {
    const rand = seeded(11);
    const values = randomData(rand, [3, 3, 4, 8]).values;
    const wasm: Data[] = [];
    await tf.setBackend('wasm');
    const filter = tf.tensor4d(values, [3, 3, 4, 8]);
    const reshaped = tf.reshape(filter, [3, 3, 8, 4]);
    expect(reshaped.dataId).toBe(filter.dataId);
    const cases = [[filter, 8, 4], [reshaped, 4, 8], [filter, 8, 4]] as const;
    for (const [f, outC, inC] of cases) {
      const dy = tf.tensor(randomData(seeded(outC), [1, 6, 5, outC]).values, [1, 6, 5, outC]);
      const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [1, 6, 5, inC] } as never) as Tensor;
      wasm.push({ shape: dx.shape, values: Float32Array.from(dx.dataSync()) });
      tf.dispose([dy, dx]);
    }
    tf.dispose([filter, reshaped]);
    for (const [i, [, outC, inC]] of cases.entries()) {
      const shape = i === 1 ? [3, 3, 8, 4] : [3, 3, 4, 8];
      const cpu = await runKernel('cpu', 'Conv2DBackpropInput', { dy: randomData(seeded(outC), [1, 6, 5, outC]), filter: { shape, values } },
        { strides: 1, pad: 'same', dataFormat: 'NHWC', inputShape: [1, 6, 5, inC] });
      expect(maxRelativeError(wasm[i]!, cpu), `call ${i}`).toBeLessThan(RTOL);
    }
  });

  it(`DepthwiseConv2dNativeBackpropInput on ${CASES} random geometries`, async () => {
    const rand = seeded(2);
    for (let i = 0; i < CASES; i++) {
      const g = randomGeometry(rand, true);
      const dy = randomData(rand, g.dyShape);
      const filter = randomData(rand, g.filterShape);
      const attrs = { strides: g.strides, pad: g.pad, dimRoundingMode: g.dimRoundingMode, inputShape: g.xShape };
      const wasm = await runKernel('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...attrs, dilations: g.dilations });
      const cpu = await runKernel('cpu', 'DepthwiseConv2dNativeBackpropInput',
        { dy, filter: dilateFilter(filter, g.dilations) }, { ...attrs, dilations: 1 });
      expect(maxRelativeError(wasm, cpu), describeGeometry(g)).toBeLessThan(RTOL);
    }
  });

  it(`DepthwiseConv2dNativeBackpropFilter on ${CASES} random geometries`, async () => {
    const rand = seeded(3);
    for (let i = 0; i < CASES; i++) {
      const g = randomGeometry(rand, true);
      const inputs = { x: randomData(rand, g.xShape), dy: randomData(rand, g.dyShape) };
      const attrs = { strides: g.strides, pad: g.pad, dimRoundingMode: g.dimRoundingMode };
      const wasm = await runKernel('wasm', 'DepthwiseConv2dNativeBackpropFilter', inputs,
        { ...attrs, dilations: g.dilations, filterShape: g.filterShape });
      const dilatedShape = dilateFilter(randomData(() => 0, g.filterShape), g.dilations).shape;
      const cpu = await runKernel('cpu', 'DepthwiseConv2dNativeBackpropFilter', inputs,
        { ...attrs, dilations: 1, filterShape: dilatedShape });
      const [fh, fw] = g.filterShape;
      expect(maxRelativeError(wasm, undilateFilter(cpu, [fh, fw], g.dilations)), describeGeometry(g)).toBeLessThan(RTOL);
    }
  });

  it('dilated depthwise gradients are the adjoints of the forward convolution', async () => {
    // <depthwise(x, w), dy> = <x, dx> = <w, dw>: checks dilation without trusting dilateFilter.
    const rand = seeded(4);
    for (const dilations of [[2, 2], [1, 2], [2, 1]] as Pair[]) {
      for (const pad of ['same', 'valid'] as const) {
        const x = tf.tensor4d(randomData(rand, [2, 9, 8, 3]).values, [2, 9, 8, 3]);
        const w = tf.tensor4d(randomData(rand, [3, 2, 3, 2]).values, [3, 2, 3, 2]);
        const y = tf.depthwiseConv2d(x, w, 1, pad, 'NHWC', dilations);
        const dy = tf.tensor(randomData(rand, y.shape).values, y.shape);
        const attrs = { strides: 1, pad, dilations };
        const dx = tf.engine().runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape } as never) as Tensor;
        const dw = tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape } as never) as Tensor;
        const [yDy, xDx, wDw] = [tf.sum(tf.mul(y, dy)), tf.sum(tf.mul(x, dx)), tf.sum(tf.mul(w, dw))].map((t) => t.dataSync()[0]!);
        expect(Math.abs(xDx - yDy) / Math.abs(yDy), `dx, ${dilations} ${pad}`).toBeLessThan(RTOL);
        expect(Math.abs(wDw - yDy) / Math.abs(yDy), `dw, ${dilations} ${pad}`).toBeLessThan(RTOL);
        tf.dispose([x, w, y, dy, dx, dw]);
      }
    }
  });

  it('rejects NCHW with a clear error', () => {
    const x = tf.zeros([1, 2, 4, 4]);
    const dy = tf.zeros([1, 3, 2, 2]);
    const attrs = { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] };
    expect(() => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as never)).toThrow(/supports dataFormat 'NHWC' only/);
    tf.dispose([x, dy]);
  });
});

/** A conv2d (stride 1, 'same') then ReLU then depthwise (multiplier 2, stride 2, 'valid'), to a scalar loss. */
function network(weights: Tensor4D) {
  // tf.grad(s) type their callbacks over plain Tensor.
  return (x: Tensor, w1: Tensor, w2: Tensor) => {
    const h = tf.relu(tf.conv2d(x as Tensor4D, w1 as Tensor4D, 1, 'same'));
    return tf.sum(tf.mul(tf.depthwiseConv2d(h, w2 as Tensor4D, 2, 'valid'), weights));
  };
}

function networkData(): Data[] {
  const rand = seeded(5);
  return [[2, 9, 9, 3], [3, 3, 3, 4], [3, 3, 4, 2], [2, 4, 4, 8]].map((shape) => randomData(rand, shape));
}

/** Gradients of the network's loss w.r.t. x, w1 and w2 on one backend, as plain data. */
async function networkGradients(backend: 'cpu' | 'wasm'): Promise<Data[]> {
  await tf.setBackend(backend);
  const [x, w1, w2, weights] = networkData().map((d) => tf.tensor4d(d.values, d.shape as Shape4D));
  const grads = tf.grads(network(weights!))([x!, w1!, w2!]);
  const result = grads.map((g) => ({ shape: g.shape, values: Float32Array.from(g.dataSync()) }));
  tf.dispose([x!, w1!, w2!, weights!, ...grads]);
  return result;
}

describe('tf.grad on WASM', () => {
  it('gradients of a conv2d + depthwise network w.r.t. input and filters match the CPU backend', async () => {
    const wasm = await networkGradients('wasm');
    const cpu = await networkGradients('cpu');
    ['x', 'w1', 'w2'].forEach((name, i) => expect(maxRelativeError(wasm[i]!, cpu[i]!), name).toBeLessThan(RTOL));
  });

  it('an input-only gradient runs no filter-gradient kernel; requesting the filters does', () => {
    const [x, w1, w2, weights] = networkData().map((d) => tf.tensor4d(d.values, d.shape as Shape4D));
    const spies = FILTER_KERNELS.map((name) => vi.spyOn(getKernel(name, 'wasm'), 'kernelFunc'));
    const f = network(weights!);
    tf.dispose(tf.grad((input) => f(input, w1!, w2!))(x!));
    spies.forEach((spy) => expect(spy).not.toHaveBeenCalled());
    // The same spies do see the filter gradients once they are asked for.
    tf.dispose(tf.grads(f)([x!, w1!, w2!]));
    spies.forEach((spy) => expect(spy).toHaveBeenCalledTimes(1));
    tf.dispose([x!, w1!, w2!, weights!]);
  });

  it('tfjs itself: a linear tf.fused conv computes the filter gradient even for an input-only gradient', () => {
    // fused.conv2d / fused.depthwiseConv2d keep the fused kernel under tf.grad only for a linear
    // activation, and their customGrad returns dx and dfilter together. tfjs-layers' Conv2D calls
    // fused.conv2d, so a linear (or non-fusable-activation) layer pays for an unneeded dfilter.
    const rand = seeded(6);
    const x = tf.tensor4d(randomData(rand, [1, 6, 6, 2]).values, [1, 6, 6, 2]);
    const filter = tf.tensor4d(randomData(rand, [3, 3, 2, 2]).values, [3, 3, 2, 2]);
    const [convSpy, depthwiseSpy] = FILTER_KERNELS.map((name) => vi.spyOn(getKernel(name, 'wasm'), 'kernelFunc'));
    const inputGrad = (activation: 'linear' | 'relu') => tf.dispose(tf.grad((input) => tf.add(
      tf.sum(tf.fused.conv2d({ x: input as Tensor4D, filter, strides: 1, pad: 'same', activation })),
      tf.sum(tf.fused.depthwiseConv2d({ x: input as Tensor4D, filter, strides: 1, pad: 'same', activation })),
    ))(x));
    inputGrad('relu'); // falls back to unfused ops, which the tape prunes
    expect(convSpy).not.toHaveBeenCalled();
    expect(depthwiseSpy).not.toHaveBeenCalled();
    inputGrad('linear');
    expect(convSpy).toHaveBeenCalledTimes(1);
    expect(depthwiseSpy).toHaveBeenCalledTimes(1);
    tf.dispose([x, filter]);
  });

  it('leaks no tensors, and no WASM heap buffers once the filters are freed', async () => {
    const backend = tf.backend() as BackendWasm;
    const buffers = backend.numDataIds();
    const [x, w1, w2, weights] = networkData().map((d) => tf.tensor4d(d.values, d.shape as Shape4D));
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      const grads = tf.grads(network(weights!))([x!, w1!, w2!]);
      await Promise.all(grads.map((g) => g.data()));
      tf.dispose(grads);
      expect(tf.memory().numTensors).toBe(tensors);
    }
    // The input gradient keeps one flipped copy of w1 (conv-grads-as-conv.ts) while w1 lives.
    expect(backend.numDataIds()).toBe(buffers + 4 + 1);
    tf.dispose([x!, w1!, w2!, weights!]);
    expect(backend.numDataIds()).toBe(buffers);
  });
});

interface PoolGeometry {
  xShape: Shape4D;
  filterSize: Pair;
  strides: Pair;
  pad: Pad;
  dimRoundingMode: Rounding;
}

/** Batch 1-2, windows 2-3 a side, strides 1-3, odd and even sizes up to 12 past the window. */
function randomPoolGeometry(rand: () => number, kinds?: readonly (typeof PAD_KINDS)[number][]): PoolGeometry {
  const filterSize: Pair = [int(rand, 2, 3), int(rand, 2, 3)];
  const strides: Pair = [int(rand, 1, 3), int(rand, 1, 3)];
  const xShape: Shape4D = [int(rand, 1, 2), filterSize[0] + int(rand, 0, 12), filterSize[1] + int(rand, 0, 12), int(rand, 1, 4)];
  return { xShape, filterSize, strides, ...randomPad(rand, kinds) };
}

/** Uniform in [-1, 1], or in half the cases rounded to five levels so that windows often tie for their maximum. */
function poolInput(rand: () => number, shape: number[]): Data {
  const data = randomData(rand, shape);
  return rand() < 0.5 ? { shape, values: data.values.map((v) => Math.round(v * 2) / 2) } : data;
}

const poolAttrs = (g: PoolGeometry) =>
  ({ filterSize: g.filterSize, strides: g.strides, pad: g.pad, dimRoundingMode: g.dimRoundingMode });

/** MaxPoolGrad's inputs on `x`: the forward result (from the CPU backend) and a random dy. */
async function maxPoolGradInputs(rand: () => number, input: Data, attrs: object): Promise<Record<string, Data>> {
  const output = await runKernel('cpu', 'MaxPool', { x: input }, attrs);
  return { dy: randomData(rand, output.shape), input, output };
}

/** The gradient of <maxPool(x, 'same'), weights> w.r.t. x by tf.grad, checking that it leaves nothing behind. */
async function maxPoolInputGradient(
  backend: 'cpu' | 'wasm', x: Data, weights: Data, filterSize: number, strides: number,
): Promise<Data> {
  await tf.setBackend(backend);
  const [tensors, buffers] = [tf.memory().numTensors, tf.backend().numDataIds()];
  const [xt, w] = [x, weights].map((d) => tf.tensor4d(d.values, d.shape as Shape4D));
  const grad = tf.grad((v) => tf.sum(tf.mul(tf.maxPool(v as Tensor4D, filterSize, strides, 'same'), w!)))(xt!);
  const result = { shape: grad.shape, values: Float32Array.from(grad.dataSync()) };
  tf.dispose([xt!, w!, grad]);
  expect([tf.memory().numTensors, tf.backend().numDataIds()]).toEqual([tensors, buffers]);
  return result;
}

describe('MaxPoolGrad on WASM matches the CPU backend', () => {
  it(`on ${CASES} random geometries with every pad kind, ties included`, async () => {
    const rand = seeded(7);
    for (let i = 0; i < CASES; i++) {
      const g = randomPoolGeometry(rand);
      const attrs = poolAttrs(g);
      const inputs = await maxPoolGradInputs(rand, poolInput(rand, g.xShape), attrs);
      const wasm = await runKernel('wasm', 'MaxPoolGrad', inputs, attrs);
      const cpu = await runKernel('cpu', 'MaxPoolGrad', inputs, attrs);
      expect(maxRelativeError(wasm, cpu), describeGeometry(g)).toBeLessThan(RTOL);
    }
  });

  it('gives a tie to the first maximum in row-major window order, and -Infinity windows nothing', async () => {
    // With dy = 1, dx counts the windows that pick each pixel: on a constant 3×3, each 2×2 window its top-left.
    const ones = (shape: number[]) => ({ shape, values: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1) });
    const attrs = { filterSize: 2, strides: 1, pad: 'valid' };
    const toy = { dy: ones([1, 2, 2, 1]), input: ones([1, 3, 3, 1]), output: ones([1, 2, 2, 1]) };
    expect(Array.from((await runKernel('wasm', 'MaxPoolGrad', toy, attrs)).values)).toEqual([1, 1, 0, 1, 1, 0, 0, 0, 0]);
    for (const value of [0, -1, 3, -Infinity]) {
      for (const [filterSize, strides, pad] of [[3, 1, 'same'], [3, 2, 'same'], [2, 2, 'valid'], [2, 1, 'same']] as const) {
        const attrs = { filterSize, strides, pad };
        const input = { shape: [2, 7, 9, 3], values: new Float32Array(2 * 7 * 9 * 3).fill(value) };
        const output = await runKernel('cpu', 'MaxPool', { x: input }, attrs);
        const inputs = { dy: ones(output.shape), input, output };
        const wasm = await runKernel('wasm', 'MaxPoolGrad', inputs, attrs);
        const cpu = await runKernel('cpu', 'MaxPoolGrad', inputs, attrs);
        expect(wasm.values, `${value}: ${filterSize}×${filterSize}, stride ${strides}, ${pad}`).toEqual(cpu.values);
      }
    }
  });

  it.each(['plain', 'relaxed'] as const)('on windows that tile x (the %s SIMD kernel), with ties, -Infinity and NaN', async (build) => {
    const before = setSimdBuild(build);
    try {
      await tf.setBackend('wasm');
      const simd = simdInstance(tf.backend() as BackendWasm)!;
      expect(simd.variant).toBe(build);
      let calls = 0;
      const tiled = simd.exports.maxPoolGradTiled;
      simd.exports = { ...simd.exports, maxPoolGradTiled: (...args) => (calls++, tiled(...args)) };
      const rand = seeded(21);
      for (let i = 0; i < CASES; i++) {
        const f: Pair = [int(rand, 1, 3), int(rand, 1, 3)];
        // Channels 1-9 (lanes past a multiple of 4 go one at a time), sizes that leave rows and columns uncovered.
        const shape: Shape4D = [int(rand, 1, 2), f[0] * int(rand, 1, 5) + int(rand, 0, f[0] - 1), f[1] * int(rand, 1, 5) + int(rand, 0, f[1] - 1), int(rand, 1, 9)];
        const input = poolInput(rand, shape);
        if (i % 3 === 0) for (let j = 0; j < input.values.length; j += 7) input.values[j] = j % 2 ? -Infinity : NaN;
        const attrs = { filterSize: f, strides: f, pad: 'valid' };
        const inputs = await maxPoolGradInputs(rand, input, attrs);
        const wasm = await runKernel('wasm', 'MaxPoolGrad', inputs, attrs);
        const cpu = await runKernel('cpu', 'MaxPoolGrad', inputs, attrs);
        expect(wasm.values, JSON.stringify({ shape, f })).toEqual(cpu.values);
      }
      expect(calls).toBe(CASES);
    } finally {
      setSimdBuild(before);
    }
  });

  it("tf.grad through tf.maxPool with 'same' padding on odd and even sizes, leaking nothing", async () => {
    const rand = seeded(8);
    const cases: [Shape4D, number, number][] = [[[2, 29, 29, 3], 3, 2], [[1, 15, 15, 2], 3, 2], [[2, 16, 16, 1], 2, 2], [[1, 13, 11, 4], 3, 3]];
    for (const [shape, filterSize, strides] of cases) {
      const x = randomData(rand, shape);
      const weights = randomData(rand, tf.backend_util.computePool2DInfo(shape, filterSize, strides, 1, 'same').outShape);
      const wasm = await maxPoolInputGradient('wasm', x, weights, filterSize, strides);
      const cpu = await maxPoolInputGradient('cpu', x, weights, filterSize, strides);
      expect(maxRelativeError(wasm, cpu), JSON.stringify(shape)).toBeLessThan(RTOL);
    }
  });

  it('tfjs itself: the stock WASM MaxPool and AvgPoolGrad agree with the CPU backend; only MaxPoolGrad is replaced', async () => {
    const rand = seeded(9);
    for (let i = 0; i < CASES; i++) {
      const g = randomPoolGeometry(rand, ['same', 'valid']);
      const attrs = poolAttrs(g);
      const x = poolInput(rand, g.xShape);
      const y = await runKernel('wasm', 'MaxPool', { x }, attrs);
      expect(maxRelativeError(y, await runKernel('cpu', 'MaxPool', { x }, attrs)), describeGeometry(g)).toBeLessThan(RTOL);
      const inputs = { dy: randomData(rand, y.shape), input: x };
      const avg = await runKernel('wasm', 'AvgPoolGrad', inputs, attrs);
      expect(maxRelativeError(avg, await runKernel('cpu', 'AvgPoolGrad', inputs, attrs)), describeGeometry(g)).toBeLessThan(RTOL);
    }
  });
});

describe('Identity on WASM', () => {
  it('shares its input\'s bytes instead of copying them, and frees them with the last holder', async () => {
    const backend = tf.backend() as BackendWasm;
    const buffers = backend.numDataIds();
    const x = tf.tensor([1, -2, 3]);
    const y = tf.engine().runKernel('Identity', { x }) as Tensor;
    expect(y.dataId).toBe(x.dataId);
    expect(backend.numDataIds()).toBe(buffers + 1);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, -2, 3]);
    y.dispose();
    expect(backend.numDataIds()).toBe(buffers);
  });
});

describe('registerWasmBackpropKernels', () => {
  it('registers each of its kernels once and leaves an existing registration of a missing kernel alone', () => {
    const registered = wasmBackpropKernelConfigs.map((c) => getKernel(c.kernelName, 'wasm'));
    expect(registered).toEqual(wasmBackpropKernelConfigs);
    const name = wasmBackpropKernelConfigs[0]!.kernelName;
    const existing = { kernelName: name, backendName: 'wasm', kernelFunc: () => { throw new Error('unused'); } };
    unregisterKernel(name, 'wasm');
    registerKernel(existing);
    try {
      registerWasmBackpropKernels();
      expect(getKernel(name, 'wasm')).toBe(existing);
    } finally {
      unregisterKernel(name, 'wasm');
      registerKernel(registered[0]!);
    }
    registerWasmBackpropKernels();
    wasmBackpropKernelConfigs.forEach((c, i) => expect(getKernel(c.kernelName, 'wasm')).toBe(registered[i]));
  });

  it('keeps its MaxPoolGrad against any later registration under that name, and a second call changes nothing', () => {
    const ours = getKernel(MaxPoolGrad, 'wasm');
    expect(wasmBackpropKernelConfigs).toContain(ours);
    const stock = { kernelName: MaxPoolGrad, backendName: 'wasm', kernelFunc: () => { throw new Error('unused'); } };
    // tfjs warns when a name is registered twice.
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    unregisterKernel(MaxPoolGrad, 'wasm');
    registerKernel(stock);
    expect(getKernel(MaxPoolGrad, 'wasm')).toBe(ours);
    registerKernel(stock);
    expect(getKernel(MaxPoolGrad, 'wasm')).toBe(ours);
    warn.mockClear();
    registerWasmBackpropKernels();
    expect(getKernel(MaxPoolGrad, 'wasm')).toBe(ours);
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
  });
});
