/**
 * Writes a test subset for the book: images (and masks) tiled into PNG sprite
 * sheets, row-major, plus labels.json describing the tiling.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodePng } from './png';
import type { Dataset } from './datasets';

/** Tiles per sprite row: 50 keeps sheets under browsers' texture limits for 28- and 64-pixel tiles. */
export const SPRITE_COLUMNS = 50;

/** Tiles the first `count` items of `bytes` (each `h`×`w`×`c`) into one sheet. */
function tile(bytes: Uint8Array, count: number, [h, w, c]: [number, number, number]): { width: number; height: number; pixels: Uint8Array } {
  const rows = Math.ceil(count / SPRITE_COLUMNS);
  const width = SPRITE_COLUMNS * w;
  const pixels = new Uint8Array(rows * h * width * c);
  for (let i = 0; i < count; i++) {
    const [tx, ty] = [(i % SPRITE_COLUMNS) * w, Math.floor(i / SPRITE_COLUMNS) * h];
    for (let y = 0; y < h; y++) {
      const src = bytes.subarray((i * h + y) * w * c, (i * h + y + 1) * w * c);
      pixels.set(src, ((ty + y) * width + tx) * c);
    }
  }
  return { width, height: rows * h, pixels };
}

/** Writes public/data/<dataset>/{images.png, masks.png?, labels.json} for the first `count` test items. */
export function writeTestSubset(root: string, data: Dataset, count: number): string[] {
  const dir = join(root, data.id);
  mkdirSync(dir, { recursive: true });
  const { test } = data;
  const [h, w, c] = test.shape;
  const written: string[] = [];
  const sheet = (name: string, bytes: Uint8Array, channels: 1 | 3) => {
    const t = tile(bytes, count, [h, w, channels]);
    writeFileSync(join(dir, name), encodePng(t.width, t.height, channels, t.pixels));
    written.push(join(dir, name));
  };
  sheet('images.png', test.images, c as 1 | 3);
  // Masks are 0/1; stored as 0/255 so the sheet is viewable.
  if (test.masks) sheet('masks.png', test.masks.map((m) => m * 255), 1);
  const labels = {
    dataset: data.id,
    description: data.description,
    licence: data.licence,
    source: data.source,
    count,
    tile: { width: w, height: h, channels: c, columns: SPRITE_COLUMNS },
    classes: data.classes,
    labels: Array.from(test.labels.subarray(0, count)),
    ...(test.seeds ? { seeds: test.seeds.slice(0, count) } : {}),
  };
  writeFileSync(join(dir, 'labels.json'), JSON.stringify(labels));
  written.push(join(dir, 'labels.json'));
  return written;
}
