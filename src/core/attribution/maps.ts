/**
 * What views and metrics do with a finished map: upsample a feature-map-sized
 * map to the image, scale it for display, say in words where its mass lies,
 * and score it against a ground-truth mask (pointing game; energy inside the
 * mask, Wang et al. 2020, Score-CAM §4.3, https://arxiv.org/abs/1910.01279).
 */
import { tf } from '../tf';
import type { AttributionMap } from './types';

/** A binary mask, row-major: non-zero marks the object. */
export interface Mask {
  width: number;
  height: number;
  data: ArrayLike<number>;
}

/**
 * Bilinear upsampling with half-pixel centres (each cell's value sits at the
 * centre of the image patch it covers), as Grad-CAM does before overlaying.
 * `channels` and `extras` are left out: they belong to the original grid.
 */
export async function upsampleMap(map: AttributionMap, width: number, height: number): Promise<AttributionMap> {
  const resized = tf.tidy(() =>
    tf.image.resizeBilinear(tf.tensor4d(map.data, [1, map.height, map.width, 1]), [height, width], false, true),
  );
  try {
    return { width, height, data: (await resized.data()) as Float32Array, signed: map.signed };
  } finally {
    resized.dispose();
  }
}

/** Scales to [0, 1] by min and max (unsigned maps) or to [-1, 1] by the largest magnitude (signed maps). */
export function normalizeMap(map: AttributionMap): AttributionMap {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of map.data) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  const [shift, span] = map.signed ? [0, Math.max(Math.abs(lo), Math.abs(hi))] : [lo, hi - lo];
  const data = map.data.map((v) => (span > 0 ? (v - shift) / span : 0));
  return { ...map, data };
}

/** One cell of the readout grid and its share of the map's positive mass. */
export interface Region {
  name: string;
  row: number;
  col: number;
  share: number;
}

const ROW_NAMES: Record<number, string[]> = {
  2: ['upper', 'lower'],
  3: ['upper', 'middle', 'lower'],
  4: ['top', 'upper', 'lower', 'bottom'],
};
const COL_NAMES: Record<number, string[]> = {
  2: ['left', 'right'],
  3: ['left', 'centre', 'right'],
  4: ['left', 'centre-left', 'centre-right', 'right'],
};

function regionName(row: number, col: number, grid: number): string {
  const [r, c] = [ROW_NAMES[grid]?.[row], COL_NAMES[grid]?.[col]];
  if (r === undefined || c === undefined) return `row ${row + 1}, column ${col + 1}`;
  return r === 'middle' && c === 'centre' ? 'centre' : `${r} ${c}`;
}

/**
 * The `k` cells of a grid×grid partition that hold the most positive mass
 * (Σ max(v, 0)), with their share of the total: a text readout of a map for
 * readers who cannot see the colours.
 */
export function topRegions(map: AttributionMap, { grid = 4, k = 3 } = {}): Region[] {
  const mass = new Float64Array(grid * grid);
  let total = 0;
  for (let y = 0; y < map.height; y++) {
    for (let x = 0; x < map.width; x++) {
      const v = Math.max(map.data[y * map.width + x]!, 0);
      mass[Math.floor((y * grid) / map.height) * grid + Math.floor((x * grid) / map.width)] += v;
      total += v;
    }
  }
  return Array.from(mass, (m, i) => ({
    name: regionName(Math.floor(i / grid), i % grid, grid),
    row: Math.floor(i / grid),
    col: i % grid,
    share: total > 0 ? m / total : 0,
  }))
    .sort((a, b) => b.share - a.share)
    .slice(0, k);
}

/** Regions as a sentence fragment, e.g. "top left (42%), upper centre-left (18%)". */
export function describeRegions(regions: readonly Region[]): string {
  return regions.map((r) => `${r.name} (${Math.round(r.share * 100)}%)`).join(', ');
}

function checkSameSize(map: AttributionMap, mask: Mask): void {
  if (map.width !== mask.width || map.height !== mask.height) {
    throw new RangeError(`map is ${map.width}×${map.height} but mask is ${mask.width}×${mask.height}: upsample the map first`);
  }
}

/** Pointing game: whether the map's maximum (its first, in row-major order) lies inside the mask. */
export function pointingGame(map: AttributionMap, mask: Mask): boolean {
  checkSameSize(map, mask);
  let best = 0;
  map.data.forEach((v, i) => {
    if (v > map.data[best]!) best = i;
  });
  return mask.data[best] !== 0;
}

/** The fraction of the map's positive energy Σ max(v, 0) that falls inside the mask (0 for an empty map). */
export function energyInsideMask(map: AttributionMap, mask: Mask): number {
  checkSameSize(map, mask);
  let inside = 0;
  let total = 0;
  map.data.forEach((v, i) => {
    const e = Math.max(v, 0);
    total += e;
    if (mask.data[i] !== 0) inside += e;
  });
  return total > 0 ? inside / total : 0;
}

/**
 * The signed colour gradient of a map (`AttributionMap.channels`) as an RGBA
 * picture, scaled symmetrically by its largest magnitude so that mid-grey is
 * zero, brighter is positive and darker negative in each channel: the way
 * Springenberg et al. (2015, fig. 1) show guided backprop. Grey inputs (one
 * channel) give a grey picture. Null when the method has no channels.
 */
export function gradientImage(map: AttributionMap): { width: number; height: number; data: Uint8ClampedArray; maxAbs: number } | null {
  if (!map.channels) return null;
  const { count, data } = map.channels;
  let maxAbs = 0;
  for (const v of data) maxAbs = Math.max(maxAbs, Math.abs(v));
  const scale = maxAbs > 0 ? 127.5 / maxAbs : 0;
  const rgba = new Uint8ClampedArray(map.width * map.height * 4);
  for (let p = 0; p < map.width * map.height; p++) {
    for (let c = 0; c < 3; c++) rgba[p * 4 + c] = 127.5 + data[p * count + Math.min(c, count - 1)]! * scale;
    rgba[p * 4 + 3] = 255;
  }
  return { width: map.width, height: map.height, data: rgba, maxAbs };
}
