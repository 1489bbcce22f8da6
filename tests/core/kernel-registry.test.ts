/**
 * The core's replacement kernels stay registered when a backend registers its
 * own stock kernel again, whichever backend (wasm-second-registration.test.ts
 * loads a real second copy of the WASM backend; WebGL cannot load in Node, so
 * its registration is played here by a stand-in config).
 */
import { describe, expect, it, vi } from 'vitest';
import { getKernel, MaxPoolGrad, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { replaceKernels } from '../../src/core/kernels/kernel-registry';
import { registerWebglKernels, webglMaxPoolGradConfig } from '../../src/core/kernels/webgl-max-pool-grad';
import '../../src/core/tf';

const stock = (kernelName: string, backendName: string): KernelConfig => ({
  kernelName,
  backendName,
  kernelFunc: (() => {
    throw new Error('stock kernel');
  }) as unknown as KernelFunc,
});

/** Registers `config` as a backend's own registration would, its already-registered warning silenced. */
function registerAsBackend(config: KernelConfig) {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  registerKernel(config);
  warn.mockRestore();
}

describe('replaceKernels', () => {
  it('keeps the WebGL max-pool gradient when the WebGL backend registers its own after the core', () => {
    expect(getKernel(MaxPoolGrad, 'webgl')).toBe(webglMaxPoolGradConfig);
    registerAsBackend(stock(MaxPoolGrad, 'webgl'));
    expect(getKernel(MaxPoolGrad, 'webgl')).toBe(webglMaxPoolGradConfig);
    registerWebglKernels();
    expect(getKernel(MaxPoolGrad, 'webgl')).toBe(webglMaxPoolGradConfig);
  });

  it('replaces a stock kernel registered before it, and keeps it against the next registration', () => {
    const backend = 'test-backend-a';
    registerKernel(stock('Foo', backend));
    const ours = { ...stock('Foo', backend), kernelFunc: (() => null) as unknown as KernelFunc };
    replaceKernels([ours], new Set(['Foo']));
    expect(getKernel('Foo', backend)).toBe(ours);
    registerAsBackend(stock('Foo', backend));
    expect(getKernel('Foo', backend)).toBe(ours);
  });

  it('adds a kernel the backend lacks, but leaves another registration of one it does not replace alone', () => {
    const backend = 'test-backend-b';
    const theirs = stock('Bar', backend);
    registerKernel(theirs);
    const ours = { ...stock('Bar', backend), kernelFunc: (() => null) as unknown as KernelFunc };
    const missing = { ...stock('Baz', backend), kernelFunc: (() => null) as unknown as KernelFunc };
    replaceKernels([ours, missing], new Set());
    expect(getKernel('Bar', backend)).toBe(theirs);
    expect(getKernel('Baz', backend)).toBe(missing);
    for (const name of ['Bar', 'Baz']) unregisterKernel(name, backend);
  });
});
