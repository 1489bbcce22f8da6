/**
 * The book's SIMD convolutions (src/core/kernels/simd-conv.ts: the direct
 * kernel, the Winograd one for 3×3 filters, the narrow one for 1 to 4 output
 * channels) against the CPU backend's, in
 * both builds (plain SIMD, and relaxed SIMD where this Node runs it:
 * vitest.config.ts turns it on for Node 20), over random geometries; the
 * stock kernel for what it does not cover; its scratch and packed filters
 * freed; and the committed modules equal to a fresh build of their source.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Conv2D, FusedConv2D, getKernel } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf, type Tensor } from '../../src/core/tf';
import { derivedCount } from '../../src/core/kernels/derived-data';
import { simdConvKernelConfigs } from '../../src/core/kernels/simd-conv';
import {
  forgetCompiledModules, hasRelaxedSimd, prepareSimdKernels, setSimdBuild, simdVariant, type SimdBuild,
} from '../../src/core/kernels/simd-module';
import { generatedModule, generatedPath, KERNELS } from '../../scripts/build-kernels';
import { readFileSync } from 'node:fs';
import { expectNoLeak, seededRandom, useBackend } from './backends';

type Shape4D = [number, number, number, number];
type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
type Activation = 'linear' | 'relu' | 'relu6' | 'elu';

interface Case {
  x: Shape4D;
  filter: Shape4D;
  pad: Pad;
  strides: [number, number];
  dilations: [number, number];
  bias: boolean;
  activation: Activation | undefined;
}

const int = (rand: () => number, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[int(rand, 0, xs.length - 1)]!;

/** A random geometry the SIMD kernel covers: stride 1, no dilation, any size, channels and padding. */
function coveredCase(rand: () => number): Case {
  const kh = pick(rand, [1, 2, 3, 3, 3, 5]);
  const kw = pick(rand, [kh, kh, kh, 1, 3]);
  const pad: Pad = pick(rand, ['same', 'same', 'valid', 'explicit'] as const) === 'explicit'
    ? [[0, 0], [int(rand, 0, 2), int(rand, 0, 2)], [int(rand, 0, 2), int(rand, 0, 2)], [0, 0]]
    : pick(rand, ['same', 'valid'] as const);
  return {
    x: [pick(rand, [1, 1, 2]), int(rand, kh, 13), int(rand, kw, 13), pick(rand, [1, 3, 4, 7, 16])],
    filter: [kh, kw, 0, pick(rand, [1, 3, 4, 5, 6, 7, 8, 12, 13, 16, 20, 32])],
    pad,
    strides: [1, 1],
    dilations: [1, 1],
    bias: rand() < 0.6,
    activation: pick(rand, [undefined, 'linear', 'relu'] as const),
  };
}

/** y of `c` (with seeded values) on the active backend, as plain numbers. */
async function convolve(c: Case, seed: number): Promise<Float32Array> {
  const rand = seededRandom(seed);
  const values = (n: number) => Float32Array.from({ length: n }, () => rand() * 2 - 1);
  const filterShape: Shape4D = [c.filter[0], c.filter[1], c.x[3], c.filter[3]];
  const x = tf.tensor4d(values(c.x.reduce((a, b) => a * b)), c.x);
  const filter = tf.tensor4d(values(filterShape.reduce((a, b) => a * b)), filterShape);
  const bias = c.bias ? tf.tensor1d(values(c.filter[3])) : undefined;
  let y: Tensor;
  if (c.activation === undefined && !c.bias) {
    y = tf.conv2d(x, filter, c.strides, c.pad, 'NHWC', c.dilations);
  } else {
    y = tf.fused.conv2d({ x, filter, bias, strides: c.strides, pad: c.pad, dilations: c.dilations, activation: c.activation ?? 'linear' });
  }
  const out = (await y.data()) as Float32Array;
  tf.dispose([x, filter, y, ...(bias ? [bias] : [])]);
  // The filter's packed copy goes with it.
  if (tf.getBackend() === 'wasm') expect(derivedCount(tf.backend() as BackendWasm)).toBe(0);
  return out;
}

function maxRelative(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 1e-6;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / scale;
}

/** Checks `cases` on WASM against CPU. */
async function expectCpuEquality(cases: Case[]): Promise<void> {
  for (const [i, c] of cases.entries()) {
    await useBackend('cpu');
    const cpu = await convolve(c, 1000 + i);
    await useBackend('wasm');
    const wasm = await expectNoLeak(() => convolve(c, 1000 + i));
    expect(wasm.length, JSON.stringify(c)).toBe(cpu.length);
    expect(maxRelative(wasm, cpu), JSON.stringify(c)).toBeLessThan(1e-5);
  }
}

/** A random 3×3 geometry on channels the Winograd kernel takes (input a multiple of 4, output of 8). */
function winogradCase(rand: () => number): Case {
  return {
    ...coveredCase(rand),
    x: [pick(rand, [1, 1, 2]), int(rand, 3, 13), int(rand, 3, 13), pick(rand, [4, 8, 16, 32])],
    filter: [3, 3, 0, pick(rand, [8, 16, 24, 32, 64])],
  };
}

/** A random geometry for the narrow kernel: 1 to 4 output channels, window rows a multiple of 4 values. */
function narrowCase(rand: () => number): Case {
  const k = pick(rand, [1, 3, 5]);
  return {
    ...coveredCase(rand),
    x: [pick(rand, [1, 1, 2]), int(rand, k, 13), int(rand, k, 13), pick(rand, [4, 8, 16])],
    filter: [pick(rand, [1, 3, 5]), k, 0, int(rand, 1, 4)],
  };
}

const rand = seededRandom(14);
const COVERED = [
  ...Array.from({ length: 50 }, () => coveredCase(rand)),
  ...Array.from({ length: 30 }, () => winogradCase(rand)),
  ...Array.from({ length: 20 }, () => narrowCase(rand)),
];

let buildBefore: SimdBuild = 'relaxed';
beforeAll(() => {
  buildBefore = setSimdBuild('relaxed');
});
afterAll(() => {
  setSimdBuild(buildBefore);
});

describe('the SIMD convolution', () => {
  it('stands in for Conv2D and FusedConv2D on WASM', async () => {
    await useBackend('wasm');
    const configs = simdConvKernelConfigs();
    expect(getKernel(Conv2D, 'wasm')).toBe(configs[0]);
    expect(getKernel(FusedConv2D, 'wasm')).toBe(configs[1]);
    expect(simdVariant(tf.backend() as BackendWasm)).toMatch(/^(plain|relaxed)$/);
  });

  it('runs relaxed SIMD in this Node (so both builds are tested here)', () => {
    expect(hasRelaxedSimd()).toBe(true);
  });

  it('matches the CPU backend on random geometries, plain SIMD build', async () => {
    setSimdBuild('plain');
    await useBackend('wasm');
    expect(simdVariant(tf.backend() as BackendWasm)).toBe('plain');
    await expectCpuEquality(COVERED);
  });

  it('matches the CPU backend on random geometries, relaxed SIMD build', async () => {
    setSimdBuild('relaxed');
    await useBackend('wasm');
    expect(simdVariant(tf.backend() as BackendWasm)).toBe('relaxed');
    await expectCpuEquality(COVERED);
  });

  it('gives way to the stock kernel when set to, with the same results', async () => {
    setSimdBuild('stock');
    await useBackend('wasm');
    expect(simdVariant(tf.backend() as BackendWasm)).toBeNull();
    await expectCpuEquality(COVERED.slice(0, 10));
    setSimdBuild('relaxed');
  });

  it('leaves strides, dilations and other activations to the stock kernel, which still runs', async () => {
    const base = coveredCase(seededRandom(3));
    const cases: Case[] = [
      { ...base, x: [1, 9, 9, 3], filter: [3, 3, 0, 8], pad: 'same', strides: [2, 2] },
      { ...base, x: [1, 9, 9, 3], filter: [3, 3, 0, 8], pad: 'valid', strides: [1, 1], dilations: [2, 2], activation: undefined, bias: false },
      { ...base, x: [1, 6, 6, 4], filter: [3, 3, 0, 8], pad: 'same', strides: [1, 1], activation: 'relu6' },
      { ...base, x: [1, 6, 6, 4], filter: [3, 3, 0, 8], pad: 'same', strides: [1, 1], activation: 'elu' },
    ];
    await expectCpuEquality(cases);
  });

  it('frees its scratch on the heap: every allocation is freed once the tensors are', async () => {
    await useBackend('wasm');
    const heap = (tf.backend() as BackendWasm).wasm as unknown as { _malloc(n: number): number; _free(p: number): void };
    const live = new Set<number>();
    const [malloc, free] = [heap._malloc, heap._free];
    heap._malloc = (n) => {
      const p = malloc(n);
      live.add(p);
      return p;
    };
    heap._free = (p) => (live.delete(p), free(p));
    try {
      // Channels that are not a multiple of 4 (a padded filter, output and bias), padding (a padded input).
      await convolve({ ...coveredCase(seededRandom(5)), x: [2, 7, 9, 3], filter: [3, 3, 0, 5], pad: 'same', bias: true, activation: 'relu' }, 7);
      // The Winograd kernel: its transformed filter and its scratch.
      await convolve({ ...coveredCase(seededRandom(5)), x: [2, 7, 9, 8], filter: [3, 3, 0, 16], pad: 'same', bias: true, activation: 'relu' }, 7);
    } finally {
      heap._malloc = malloc;
      heap._free = free;
    }
    expect([...live]).toEqual([]);
  });
});

describe('the committed kernel modules', () => {
  it.each(KERNELS)('%s-wasm.ts is what scripts/build-kernels.ts builds from its source', async (kernel) => {
    expect(readFileSync(generatedPath(kernel), 'utf8')).toBe(await generatedModule(kernel));
  });
});

describe('the SIMD module where an engine refuses to compile it synchronously', () => {
  it('runs the stock kernels until the background compile is done, then its own, with the same results', async () => {
    await useBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const c = winogradCase(seededRandom(8));
    const expected = await convolve(c, 5);
    // A fresh module cache, as on a page that has not compiled it yet; the engine refuses synchronous compiles.
    const before = setSimdBuild('plain');
    const Module = WebAssembly.Module;
    forgetCompiledModules();
    const refuse = vi.spyOn(WebAssembly, 'Module').mockImplementation(() => {
      throw new RangeError('WebAssembly.Module is disallowed on the main thread, if the buffer size is larger than 4KB.');
    });
    try {
      expect(simdVariant(backend)).toBeNull();
      expect(maxRelative(await convolve(c, 5), expected)).toBeLessThan(1e-5);
      await prepareSimdKernels(backend);
      refuse.mockRestore();
      expect(WebAssembly.Module).toBe(Module);
      expect(simdVariant(backend)).toBe('plain');
      expect(maxRelative(await convolve(c, 5), expected)).toBeLessThan(1e-5);
    } finally {
      refuse.mockRestore();
      setSimdBuild(before);
    }
  });

  it('leaves a backend with a pool of several threads to the stock kernels, which use them', async () => {
    await useBackend('wasm');
    const backend = tf.backend() as BackendWasm;
    const tfjs = (backend.wasm as unknown as { tfjs: { getThreadsCount(): number } }).tfjs;
    const threads = vi.spyOn(tfjs, 'getThreadsCount').mockReturnValue(4);
    const before = setSimdBuild('relaxed');
    try {
      expect(simdVariant(backend)).toBeNull();
      threads.mockReturnValue(1);
      setSimdBuild('relaxed');
      expect(simdVariant(backend)).toBe('relaxed');
    } finally {
      threads.mockRestore();
      setSimdBuild(before);
    }
  });

  it('keeps computing right after the heap grows between calls', async () => {
    await useBackend('wasm');
    const c = winogradCase(seededRandom(9));
    const expected = await convolve(c, 6);
    const heap = (tf.backend() as BackendWasm).wasm as unknown as { HEAPU8: Uint8Array };
    const size = heap.HEAPU8.buffer.byteLength;
    // More than the heap has free: it grows, and every earlier view of it detaches.
    const big = tf.zeros([size / 4 + 1024]);
    expect(heap.HEAPU8.buffer.byteLength).toBeGreaterThan(size);
    expect(maxRelative(await convolve(c, 6), expected)).toBeLessThan(1e-5);
    big.dispose();
  });
});
