/**
 * The benchmark's PyTorch reference (bench/torch-reference.py) computes what
 * the core computes: on both trained networks, its logits and every compared
 * map equal the core's on WASM, so the benchmark times the same maps on both
 * sides. Skipped where no Python with torch is installed.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { COMPARED_METHODS, torchComparison } from '../../bench/torch-compare';

const hasTorch = ['python3', '/usr/bin/python3'].some((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0);

describe.skipIf(!hasTorch)('bench/torch-reference.py', () => {
  it('rebuilds scenes-cnn and fashion-vgg with the core\'s logits and maps (1e-5 of their largest value)', async () => {
    const comparison = (await torchComparison({ warmup: 0, runs: 1 }))!;
    expect(comparison.threads).toBe(1);
    expect(comparison.models.map((m) => m.id)).toEqual(['scenes-cnn', 'fashion-vgg']);
    for (const model of comparison.models) {
      expect(model.logitsMaxDifference, `${model.id} logits`).toBeLessThan(1e-5);
      expect(Object.keys(model.maps).sort()).toEqual([...COMPARED_METHODS].sort());
      for (const [method, map] of Object.entries(model.maps)) {
        expect(map.maxDifference, `${model.id} ${method}`).toBeLessThan(1e-5);
        expect(map.torchMs).toBeGreaterThan(0);
      }
    }
  }, 300_000);
});
