/**
 * The segmentation quality table on the book's scenes-cnn: its numbers against
 * a recomputation written out step by step, its cancellation and tensor
 * hygiene, and the book's defaults against the committed measurement.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTRIBUTION_METHODS } from '../../../src/core/attribution/registry';
import type { ConvNet } from '../../../src/core/convnet';
import { SCENE_CLASSES, generateScene } from '../../../src/core/data/scenes';
import { loadProjectModel } from '../../../src/core/model-loader';
import { segmentFromSaliency } from '../../../src/core/segmentation/grabcut';
import {
  DEFAULT_CUT_SETTINGS, DEFAULT_SEED_MAP, SEED_MAPS, type SeedMapId, centredBoxMask, quantileMask, segmentationQuality,
} from '../../../src/core/segmentation/quality';
import { tf } from '../../../src/core/tf';
import { expectNoLeak, useBackend } from '../backends';
import { fileUrl, nodeFetch } from '../node-files';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const RESULTS = join(ROOT, 'bench', 'results', 'segmentation.json');

let net: ConvNet;

beforeAll(async () => {
  await useBackend('wasm');
  net = await loadProjectModel('scenes-cnn', `${fileUrl(join(ROOT, 'public'))}/`, { fetch: nodeFetch });
});
afterAll(() => net.dispose());

/** |a ∧ b| / |a ∨ b|, counted pixel by pixel. */
function iou(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let inter = 0, union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++;
    if (a[i] || b[i]) union++;
  }
  return inter / union;
}

/** Test scene `i`'s IoU per map and baseline, each step spelt out with tf directly. */
async function bruteForce(i: number, maps: readonly SeedMapId[]): Promise<Record<string, number>> {
  const scene = generateScene(1_000_000 + i, { label: i % SCENE_CLASSES.length });
  // The figures see the scene as bytes: round to 1/255 as the RGBA canvas does.
  const bytes = Float32Array.from(scene.data, (v) => Math.round(v * 255) / 255);
  const rgba = new Uint8ClampedArray(64 * 64 * 4).fill(255);
  for (let p = 0; p < 64 * 64; p++) for (let c = 0; c < 3; c++) rgba[p * 4 + c] = Math.round(scene.data[p * 3 + c]! * 255);
  const x = tf.tensor4d(bytes, [1, 64, 64, 3]);
  const out: Record<string, number> = {};
  for (const id of new Set(['saliency', ...maps] as SeedMapId[])) {
    const map = await ATTRIBUTION_METHODS[id].attribute({ net, image: x, target: { kind: 'class', index: scene.label } });
    const full = tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(map.data, [1, map.height, map.width, 1]), [64, 64], false, true).relu());
    const saliency = (await full.data()) as Float32Array;
    full.dispose();
    if (maps.includes(id)) out[id] = iou((await segmentFromSaliency({ image: { width: 64, height: 64, data: rgba }, saliency })).mask, scene.mask);
    if (id === 'saliency') {
      const sorted = Array.from(saliency).sort((a, b) => a - b);
      const cut = sorted[Math.round(0.95 * (sorted.length - 1))]!;
      out['saliency-threshold'] = iou(Array.from(saliency, (v) => (v >= cut ? 1 : 0)), scene.mask);
    }
  }
  x.dispose();
  const box = Array.from({ length: 64 * 64 }, (_, p) => (p % 64 >= 16 && p % 64 < 48 && p >= 16 * 64 && p < 48 * 64 ? 1 : 0));
  out['centred-box'] = iou(box, scene.mask);
  return out;
}

describe('segmentationQuality', () => {
  it('gives each row the mean and median of per-scene IoUs recomputed step by step', async () => {
    const maps = SEED_MAPS;
    const table = await segmentationQuality({ net, count: 3, maps });
    const expected = await Promise.all([0, 1, 2].map((i) => bruteForce(i, maps)));
    expect(table.scenes).toEqual([0, 1, 2]);
    expect(table.rows.map((r) => r.id)).toEqual([...maps, 'centred-box', 'saliency-threshold']);
    for (const row of table.rows) {
      const ious = expected.map((e) => e[row.id]!);
      row.ious.forEach((v, i) => expect(v).toBeCloseTo(ious[i]!, 6));
      expect(row.mean).toBeCloseTo((ious[0]! + ious[1]! + ious[2]!) / 3, 6);
      expect(row.median).toBeCloseTo([...ious].sort((a, b) => a - b)[1]!, 6);
    }
  });

  it('uses a box of half the side in the centre and the top 5% of the map as its baselines', () => {
    const box = centredBoxMask(8, 4);
    expect(Array.from(box)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const map = Float32Array.from({ length: 100 }, (_, i) => (i * 37) % 100); // 0..99 in a shuffled order
    const top = quantileMask(map, 0.95);
    // The nearest rank of 0.95 among 100 values is round(0.95 × 99) = 94: the values 94..99 are kept.
    expect(Array.from(map).filter((_, i) => top[i])).toEqual(Array.from(map).filter((v) => v >= 94));
    expect(top.reduce((s, v) => s + v, 0)).toBe(6);
  });

  it('reports progress per scene, stops when aborted and leaves no tensor behind', async () => {
    const progress: number[][] = [];
    await expectNoLeak(() => segmentationQuality({ net, count: 2, maps: ['saliency', 'grad-cam'], onProgress: (d, t) => progress.push([d, t]) }));
    expect(progress).toEqual([[1, 2], [2, 2]]);
    await expect(segmentationQuality({ net, count: 2, signal: AbortSignal.abort(new Error('stopped')) })).rejects.toThrow('stopped');
    const controller = new AbortController();
    const cancelled = expectNoLeak(() =>
      segmentationQuality({
        net, count: 3, maps: ['saliency', 'smooth-grad-saliency'], signal: controller.signal,
        onProgress: (done) => done === 1 && controller.abort(new Error('cancelled by the reader')),
      }).catch((err: Error) => err.message),
    );
    await expect(cancelled).resolves.toBe('cancelled by the reader');
    await expect(segmentationQuality({ net, count: 0 })).rejects.toThrow(/at least 1/);
  });
});

interface Results {
  scenes: { first: number; count: number };
  grid: { settings: typeof DEFAULT_CUT_SETTINGS; rows: { id: string; mean: number }[] }[];
  best: { map: string; settings: typeof DEFAULT_CUT_SETTINGS; rows: { id: string; mean: number; ious: number[] }[] };
}

describe('the book’s defaults', () => {
  const results = JSON.parse(readFileSync(RESULTS, 'utf8')) as Results;

  it('are the best map and soft-seed setting of the committed measurement', () => {
    const candidates = results.grid
      .filter((g) => !g.settings.hardSeeds)
      .flatMap((g) => g.rows.filter((r) => (SEED_MAPS as readonly string[]).includes(r.id)).map((r) => ({ ...r, settings: g.settings })));
    const top = candidates.reduce((a, b) => (b.mean > a.mean ? b : a));
    expect(top.id).toBe(DEFAULT_SEED_MAP);
    expect(top.settings).toEqual(DEFAULT_CUT_SETTINGS);
    expect(results.best.map).toBe(DEFAULT_SEED_MAP);
    expect(results.best.settings).toEqual(DEFAULT_CUT_SETTINGS);
    const mean = (id: string) => results.best.rows.find((r) => r.id === id)!.mean;
    expect(mean(DEFAULT_SEED_MAP)).toBeGreaterThanOrEqual(0.6);
    expect(mean(DEFAULT_SEED_MAP)).toBeGreaterThan(mean('centred-box') + 0.3);
  });

  it('are what a table recomputed now ranks first, with the measurement’s per-scene IoUs', async () => {
    const count = SCENE_CLASSES.length;
    const table = await segmentationQuality({ net, count, maps: SEED_MAPS });
    for (const row of table.rows) {
      const measured = results.best.rows.find((r) => r.id === row.id)!.ious.slice(0, count);
      row.ious.forEach((v, i) => expect(v).toBeCloseTo(measured[i]!, 3));
    }
    const maps = table.rows.filter((r) => !r.baseline).sort((a, b) => b.mean - a.mean);
    expect(maps[0]!.id).toBe(DEFAULT_SEED_MAP);
  });
});
