/**
 * Small pictures laid out in a grid: the filters of a layer, the feature maps
 * of a layer, a row of patches. Pure pixel arithmetic, so the figures only copy
 * the result onto a canvas; each tile is enlarged by whole pixels (nearest
 * neighbour), because a 3 × 3 filter smoothed by the browser is no longer the
 * filter.
 */
import type { RgbaImage } from './image';

/** Values in [0, 1] (grey, or RGB when `channels` is 3) as opaque RGBA bytes. */
export function valuesToRgba(values: ArrayLike<number>, width: number, height: number, channels: 1 | 3): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) data[p * 4 + c] = Math.round(values[p * channels + (channels === 3 ? c : 0)]! * 255);
    data[p * 4 + 3] = 255;
  }
  return { width, height, channels: 4, data };
}

/** Layout of {@link mosaic}. */
export interface MosaicOptions {
  columns: number;
  /** Enlargement of every tile, in whole pixels. */
  zoom: number;
  /** Pixels between tiles (and around them). */
  gap: number;
  /** A tile to frame (the strongest channel): its gap is drawn in `frame` colour. */
  highlight?: number;
  /** RGB of the gaps and of the frame. */
  background?: [number, number, number];
  frame?: [number, number, number];
}

/** The tiles (all of one size) in a grid, row by row, each enlarged `zoom` times. */
export function mosaic(tiles: readonly RgbaImage[], { columns, zoom, gap, highlight, background = [128, 128, 128], frame = [230, 97, 0] }: MosaicOptions): RgbaImage {
  const { width: tw, height: th } = tiles[0] ?? { width: 0, height: 0 };
  const rows = Math.ceil(tiles.length / columns);
  const cw = tw * zoom + gap;
  const ch = th * zoom + gap;
  const width = columns * cw + gap;
  const height = rows * ch + gap;
  const data = new Uint8ClampedArray(width * height * 4);
  const fill = (x0: number, y0: number, w: number, h: number, [r, g, b]: [number, number, number]) => {
    for (let y = y0; y < y0 + h; y++) {
      for (let x = x0; x < x0 + w; x++) data.set([r, g, b, 255], (y * width + x) * 4);
    }
  };
  fill(0, 0, width, height, background);
  tiles.forEach((tile, i) => {
    const left = (i % columns) * cw + gap;
    const top = Math.floor(i / columns) * ch + gap;
    if (i === highlight) fill(left - gap, top - gap, cw + gap, ch + gap, frame);
    for (let y = 0; y < th * zoom; y++) {
      for (let x = 0; x < tw * zoom; x++) {
        const s = (Math.floor(y / zoom) * tw + Math.floor(x / zoom)) * 4;
        data.set(tile.data.subarray(s, s + 4), ((top + y) * width + left + x) * 4);
      }
    }
  });
  return { width, height, channels: 4, data };
}

/** A copy of `image` with the outline of `box` (inclusive bounds, clipped to the image) drawn in `colour`. */
export function drawBox(image: RgbaImage, box: { top: number; left: number; bottom: number; right: number }, colour: [number, number, number]): RgbaImage {
  const data = new Uint8ClampedArray(image.data);
  const { width, height } = image;
  const [t, l, b, r] = [Math.max(0, box.top), Math.max(0, box.left), Math.min(height - 1, box.bottom), Math.min(width - 1, box.right)];
  const set = (x: number, y: number) => data.set([...colour, 255], (y * width + x) * 4);
  for (let x = l; x <= r; x++) {
    set(x, t);
    set(x, b);
  }
  for (let y = t; y <= b; y++) {
    set(l, y);
    set(r, y);
  }
  return { ...image, data };
}
