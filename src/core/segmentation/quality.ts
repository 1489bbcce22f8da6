/**
 * How well saliency-seeded GrabCut finds the object, measured over the colour
 * scenes' test subset, where every scene comes with its true object mask: the
 * intersection over union of the cut with the truth, per map that can seed the
 * cut, beside two baselines that use no segmentation (Simonyan et al. 2014,
 * §3.1, report localisation against such a box; thresholding the map is the
 * segmentation without GrabCut).
 *
 * One scene is mapped once (`sceneMaps`, the expensive part: one gradient per
 * map, fifty for SmoothGrad) and can then be cut under any settings
 * (`scoreScene`); `segmentationQuality` composes the two over N scenes with
 * progress and cancellation, so a page can recompute the table live.
 */
import { upsampleMap } from '../attribution/maps';
import { ATTRIBUTION_METHODS } from '../attribution/registry';
import type { AttributionMap } from '../attribution/types';
import type { ConvNet } from '../convnet';
import { testScene } from '../data/scenes';
import { type RgbaImage, toModelInput, toRgba } from '../image';
import { median } from '../stats';
import type { Tensor4D } from '../tf';
import {
  BACKGROUND_QUANTILE, FOREGROUND_QUANTILE, GRABCUT_ITERATIONS, GRABCUT_LAMBDA, HARD_SEEDS, quantileOfSorted, segmentFromSaliency,
} from './grabcut';
import { maskIoU } from './mask-metrics';

/** The maps that can seed the cut, as attribution registry ids, in the order the chapter lists them. */
export const SEED_MAPS = ['saliency', 'smooth-grad-saliency', 'guided-backprop', 'grad-cam', 'grad-cam-plus-plus'] as const;

/** One of {@link SEED_MAPS}. */
export type SeedMapId = (typeof SEED_MAPS)[number];

/**
 * The map the figure starts on: the row the measured table ranks first
 * (bench/results/segmentation.json, written by scripts/measure-segmentation.ts).
 */
export const DEFAULT_SEED_MAP: SeedMapId = 'grad-cam';

/** The threshold baseline keeps the saliency map's top 5%, Simonyan et al.'s foreground seeds, as the mask. */
export const THRESHOLD_BASELINE_QUANTILE = 0.95;

/** The GrabCut settings a table is computed under; every field has the book's default. */
export interface CutSettings {
  readonly foregroundQuantile?: number;
  readonly backgroundQuantile?: number;
  readonly lambda?: number;
  readonly iterations?: number;
  readonly hardSeeds?: boolean;
}

/** The book's default cut settings, spelt out (for results files and the figure's controls). */
export const DEFAULT_CUT_SETTINGS: Required<CutSettings> = {
  foregroundQuantile: FOREGROUND_QUANTILE,
  backgroundQuantile: BACKGROUND_QUANTILE,
  lambda: GRABCUT_LAMBDA,
  iterations: GRABCUT_ITERATIONS,
  hardSeeds: HARD_SEEDS,
};

/** A test scene with its seed maps: what `scoreScene` cuts. */
export interface MappedScene {
  /** Index in the test subset. */
  readonly index: number;
  readonly label: number;
  /** The scene as the figures see it: RGBA bytes. */
  readonly image: RgbaImage;
  readonly truth: Uint8Array;
  /** Each map upsampled to the image and clipped at 0 (a seed needs a non-negative score). */
  readonly maps: Partial<Record<SeedMapId, Float32Array>>;
}

/** Rows of a table: one per seed map, then the baselines. */
export type QualityRowId = SeedMapId | 'centred-box' | 'saliency-threshold';

/** The baselines' ids and titles, after the map rows. */
export const BASELINES = [
  { id: 'centred-box', title: 'Centred box, half the side (baseline)' },
  { id: 'saliency-threshold', title: 'Saliency ≥ its 95th percentile (baseline)' },
] as const;

/** One scene's IoU with the truth for every row. */
export type SceneScores = Partial<Record<QualityRowId, number>>;

/**
 * The map `id` of class `index` for a [1, H, W, C] input, as seeds need it:
 * at the input's size (CAM-family maps upsampled bilinearly, as Grad-CAM does
 * before overlaying) and clipped at 0. The input is not disposed.
 */
export async function seedMap(net: ConvNet, input: Tensor4D, id: SeedMapId, index: number, signal?: AbortSignal): Promise<AttributionMap> {
  const [, height, width] = input.shape;
  const map = await ATTRIBUTION_METHODS[id].attribute({ net, image: input, target: { kind: 'class', index }, ...(signal && { signal }) });
  const full = map.width === width && map.height === height ? map : await upsampleMap(map, width, height);
  return { width, height, data: full.data.map((v) => Math.max(v, 0)), signed: false };
}

/**
 * Maps test scene `index` for its true class with each of `maps` (plus
 * plain saliency, which the threshold baseline needs). The network sees the
 * scene as the figures give it (RGBA bytes through `toModelInput`).
 */
export async function sceneMaps(
  net: ConvNet, index: number, maps: readonly SeedMapId[] = SEED_MAPS, signal?: AbortSignal,
): Promise<MappedScene> {
  const scene = testScene(index);
  const { width, height } = scene;
  const image = toRgba({ width, height, channels: 3, data: scene.data.map((v) => v * 255) });
  const [h, w] = net.inputShape;
  if (h !== height || w !== width) throw new RangeError(`The scenes are ${width}×${height}; this network takes ${w}×${h} inputs.`);
  const input = toModelInput(image, { height, width, channels: 3, range: net.inputRange });
  const out: Partial<Record<SeedMapId, Float32Array>> = {};
  try {
    for (const id of new Set<SeedMapId>(['saliency', ...maps])) {
      signal?.throwIfAborted();
      out[id] = (await seedMap(net, input, id, scene.label, signal)).data;
    }
  } finally {
    input.dispose();
  }
  return { index, label: scene.label, image, truth: scene.mask, maps: out };
}

/** The IoU of the cut from each of `maps` and of each baseline, for one mapped scene. */
export async function scoreScene(
  scene: MappedScene, maps: readonly SeedMapId[] = SEED_MAPS, settings: CutSettings = {}, signal?: AbortSignal,
): Promise<SceneScores> {
  const { width, height } = scene.image;
  const scores: SceneScores = {};
  for (const id of maps) {
    const saliency = scene.maps[id];
    if (!saliency) throw new RangeError(`Scene ${scene.index} has no ${id} map.`);
    const { mask } = await segmentFromSaliency({ image: scene.image, saliency, ...settings, ...(signal && { signal }) });
    scores[id] = maskIoU(mask, scene.truth);
  }
  scores['centred-box'] = maskIoU(centredBoxMask(width, height), scene.truth);
  scores['saliency-threshold'] = maskIoU(quantileMask(scene.maps.saliency!, THRESHOLD_BASELINE_QUANTILE), scene.truth);
  return scores;
}

/** One row of the table. */
export interface QualityRow {
  readonly id: QualityRowId;
  readonly title: string;
  readonly baseline: boolean;
  /** IoU per scene, in the order of `QualityTable.scenes`. */
  readonly ious: number[];
  readonly mean: number;
  readonly median: number;
}

/** Mean and median IoU per row over a run of test scenes. */
export interface QualityTable {
  /** The test-scene indices measured. */
  readonly scenes: number[];
  readonly settings: Required<CutSettings>;
  /** The map rows in the order asked, then the baselines. */
  readonly rows: QualityRow[];
}

/** Options of {@link segmentationQuality}. */
export interface QualityOptions {
  readonly net: ConvNet;
  /** How many test scenes, from `first` on. */
  readonly count: number;
  readonly first?: number;
  readonly maps?: readonly SeedMapId[];
  readonly settings?: CutSettings;
  /** Stops between steps (and inside SmoothGrad and GrabCut), rejecting with its reason. */
  readonly signal?: AbortSignal;
  /** Called after each scene with the scenes done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
}

/**
 * The IoU table over test scenes `first` … `first + count − 1`: maps each
 * scene, cuts it under `settings`, and yields to the event loop between steps
 * (the maps and GrabCut are async), so a page stays responsive and `signal`
 * can stop it.
 */
export async function segmentationQuality(options: QualityOptions): Promise<QualityTable> {
  const { net, count, first = 0, maps = SEED_MAPS, settings = {}, signal, onProgress } = options;
  if (!(Number.isInteger(count) && count >= 1 && Number.isInteger(first) && first >= 0)) {
    throw new RangeError('The table needs a whole number of scenes (at least 1) from a test index ≥ 0.');
  }
  const scenes = Array.from({ length: count }, (_, i) => first + i);
  const perScene: SceneScores[] = [];
  for (const index of scenes) {
    signal?.throwIfAborted();
    perScene.push(await scoreScene(await sceneMaps(net, index, maps, signal), maps, settings, signal));
    onProgress?.(perScene.length, count);
  }
  return { scenes, settings: { ...DEFAULT_CUT_SETTINGS, ...settings }, rows: tabulate(perScene, maps) };
}

/** Rows from per-scene scores: the maps, then the baselines, each with its mean and median. */
export function tabulate(perScene: readonly SceneScores[], maps: readonly SeedMapId[] = SEED_MAPS): QualityRow[] {
  const rows = [
    ...maps.map((id) => ({ id, title: ATTRIBUTION_METHODS[id].title, baseline: false })),
    ...BASELINES.map((b) => ({ ...b, baseline: true })),
  ];
  return rows.map((row) => {
    const ious = perScene.map((s) => s[row.id]!);
    return { ...row, ious, mean: mean(ious), median: median(ious) };
  });
}

/** The map row with the highest mean IoU: what the figure should start on. */
export function bestRow(table: QualityTable): QualityRow {
  return table.rows.filter((r) => !r.baseline).reduce((a, b) => (b.mean > a.mean ? b : a));
}

/** A box of half the image's width and height (a quarter of its area) in the centre: a guess without the network. */
export function centredBoxMask(width: number, height: number): Uint8Array {
  const mask = new Uint8Array(width * height);
  const [x0, y0] = [Math.round(width / 4), Math.round(height / 4)];
  const [x1, y1] = [Math.round((3 * width) / 4), Math.round((3 * height) / 4)];
  for (let y = y0; y < y1; y++) mask.fill(1, y * width + x0, y * width + x1);
  return mask;
}

/** 1 where `map` is at or above its `q` quantile (the same nearest-rank quantile as the seeds). */
export function quantileMask(map: Float32Array, q: number): Uint8Array {
  const threshold = quantileOfSorted(Float32Array.from(map).sort(), q);
  return Uint8Array.from(map, (v) => (v >= threshold ? 1 : 0));
}

function mean(values: readonly number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}
