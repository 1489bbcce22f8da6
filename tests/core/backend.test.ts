import { afterAll, describe, expect, it } from 'vitest';
import { automaticCandidates, isBackendName, isSoftwareRenderer, startEngine, timeProbe } from '../../src/core/backend';
import { createProbeNet } from '../../src/core/probe-net';
import { median, timeRuns, warmUp } from '../../src/core/stats';
import { tf } from '../../src/core/tf';
import { expectNoLeak } from './backends';

describe('backend choice', () => {
  it('recognises software WebGL renderers', () => {
    expect(isSoftwareRenderer('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)')).toBe(true);
    expect(isSoftwareRenderer('llvmpipe (LLVM 15.0.6, 256 bits)')).toBe(true);
    expect(isSoftwareRenderer('ANGLE (NVIDIA, NVIDIA H100 PCIe Direct3D11 vs_5_0 ps_5_0)')).toBe(false);
    expect(isSoftwareRenderer('Apple M2')).toBe(false);
  });

  it('offers WebGL only on a real GPU, and says why not otherwise', () => {
    expect(automaticCandidates({ available: true, renderer: 'Apple M2' }).order).toEqual(['webgl', 'wasm', 'cpu']);
    const soft = automaticCandidates({ available: true, renderer: 'SwiftShader' });
    expect(soft.order).toEqual(['wasm', 'cpu']);
    expect(soft.notes[0]).toMatch(/software-emulated/);
    expect(automaticCandidates({ available: false }).notes[0]).toMatch(/unavailable/);
    expect(automaticCandidates(undefined)).toEqual({ order: ['wasm', 'cpu'], notes: [] });
  });

  it('starts WASM in Node and reports SIMD', async () => {
    const info = await startEngine();
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.simd).toBe(true);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    // WASM is the only candidate besides CPU (which is not timed once WASM runs): nothing to compare, so no calibration.
    expect(info.timings).toEqual({});
    expect(info.reason).toMatch(/the best backend that started/);
  });

  it('honours an override, and falls back with a reason when it cannot start', async () => {
    expect((await startEngine({ override: 'cpu' })).name).toBe('cpu');
    const info = await startEngine({ override: 'webgl', calibrate: false });
    expect(info.name).toBe('wasm');
    expect(info.reason).toMatch(/webgl \(asked for\) did not start/);
  });

  it('reuses a cached choice without calibrating', async () => {
    const info = await startEngine({ cached: 'cpu' });
    expect(info.name).toBe('cpu');
    expect(info.timings).toEqual({});
  });

  it('validates names', () => {
    expect(isBackendName('wasm')).toBe(true);
    expect(isBackendName('webgpu')).toBe(false);
    expect(isBackendName(null)).toBe(false);
  });

  afterAll(() => tf.setBackend('cpu'));
});

describe('probe and timing', () => {
  it('computes a finite, non-zero input gradient identical on CPU and WASM', async () => {
    const values: number[] = [];
    for (const b of ['cpu', 'wasm']) {
      await tf.setBackend(b);
      const probe = createProbeNet();
      values.push(await probe.run());
      probe.dispose();
    }
    expect(Number.isFinite(values[0])).toBe(true);
    expect(values[0]).not.toBe(0);
    expect(values[1]).toBeCloseTo(values[0]!, 4);
  });

  it('leaks no tensors', async () => {
    await tf.setBackend('wasm');
    await expectNoLeak(() => timeProbe({ warmup: 1, runs: 2 }));
  });

  it('median and timeRuns', async () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
    let t = 0;
    let calls = 0;
    const times = await timeRuns(async () => void calls++, { warmup: 2, runs: 3, now: () => (t += 5) });
    expect(calls).toBe(5);
    expect(times).toEqual([5, 5, 5]);
  });

  it('timeRuns awaits `before` ahead of every run, outside the timing', async () => {
    let t = 0;
    const order: string[] = [];
    const before = async () => void order.push('before');
    const times = await timeRuns(async () => void (order.push('run'), (t += 7)), { warmup: 1, runs: 2, before, now: () => t });
    expect(order).toEqual(['before', 'run', 'before', 'run', 'before', 'run']);
    expect(times).toEqual([7, 7]);
  });

  it('warmUp runs at least the runs asked, and on until they have taken the time asked', async () => {
    let t = 0;
    let calls = 0;
    const work = async () => void (calls++, (t += 10));
    expect(await warmUp(work, { runs: 2, ms: 55, now: () => t })).toBe(6);
    expect(calls).toBe(6);
    expect(await warmUp(work, { runs: 3, ms: 5, now: () => t })).toBe(3);
    const order: string[] = [];
    await warmUp(async () => void order.push('run'), { runs: 2, ms: 0, before: async () => void order.push('before'), now: () => 0 });
    expect(order).toEqual(['before', 'run', 'before', 'run']);
  });
});
