/**
 * The segmentation figure's pictures as pure raster functions: the image
 * enlarged, with the seeds or the mask drawn over it in patterns as well as
 * colours (Okabe–Ito orange and blue; cross-hatched foreground, striped
 * background), so the difference survives greyscale printing and colour
 * blindness, and the true object's outline as black-and-white checks.
 * The views only copy the result into a canvas.
 */
import type { RgbaImage } from '../image';
import { SEED_BACKGROUND, SEED_FOREGROUND } from './grabcut';

/** Okabe–Ito blue: background seeds and the background of a mask. */
export const BACKGROUND_INK = [0, 114, 178] as const;
/** Okabe–Ito orange: foreground seeds. */
export const FOREGROUND_INK = [230, 159, 0] as const;
/** Period of the stripes, in output pixels: wide enough to read, narrow enough to cover a 1-pixel seed. */
export const PATTERN_PERIOD = 6;
/** Output pixels per side that the overlays aim at, so a 28×28 input still shows its seeds clearly. */
export const OVERLAY_TARGET_SIDE = 320;

type Rgb = readonly [number, number, number];

/** Output pixels per image pixel: the image's longer side enlarged to about {@link OVERLAY_TARGET_SIDE}. */
export function overlayScale(width: number, height: number): number {
  return Math.max(1, Math.ceil(OVERLAY_TARGET_SIDE / Math.max(width, height)));
}

/**
 * The seeds over the image: foreground cross-hatched in orange over the
 * pixel's colour mixed 45% towards orange, background striped and mixed in
 * blue, unknown pixels as they are.
 */
export function seedOverlay(image: RgbaImage, seeds: Uint8Array): RgbaImage {
  checkSize(image, seeds, 'seeds');
  return paint(image, (i, x, y, rgb) =>
    seeds[i] === SEED_FOREGROUND
      ? crossHatch(x, y) ? FOREGROUND_INK : mix(rgb, FOREGROUND_INK, 0.45)
      : seeds[i] === SEED_BACKGROUND
        ? stripe(x, y) ? BACKGROUND_INK : mix(rgb, BACKGROUND_INK, 0.45)
        : rgb,
  );
}

/**
 * The mask over the image: the object as it is, the background striped in
 * blue and dimmed 60% towards black, and, when `truth` is given, the true
 * object's outline (its pixels with a non-object 4-neighbour) in 2×2 checks.
 */
export function maskOverlay(image: RgbaImage, mask: Uint8Array, truth?: Uint8Array | null): RgbaImage {
  checkSize(image, mask, 'mask');
  if (truth) checkSize(image, truth, 'true mask');
  const { width, height } = image;
  return paint(image, (i, x, y, rgb) =>
    truth && onBoundary(truth, width, height, i)
      ? checker(x, y) ? [0, 0, 0] : [255, 255, 255]
      : mask[i] ? rgb : stripe(x, y) ? BACKGROUND_INK : mix(rgb, [0, 0, 0], 0.6),
  );
}

/** Whether pixel `i` of a mask is object with a non-object 4-neighbour or the image's edge beside it. */
export function onBoundary(mask: ArrayLike<number>, width: number, height: number, i: number): boolean {
  if (!mask[i]) return false;
  const [x, y] = [i % width, Math.floor(i / width)];
  return x === 0 || y === 0 || x === width - 1 || y === height - 1 || !mask[i - 1] || !mask[i + 1] || !mask[i - width] || !mask[i + width];
}

/** The image enlarged by {@link overlayScale}, each output pixel styled from its source pixel and its own coordinates. */
function paint(image: RgbaImage, style: (i: number, x: number, y: number, rgb: Rgb) => Rgb): RgbaImage {
  const k = overlayScale(image.width, image.height);
  const [w, h] = [image.width * k, image.height * k];
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = Math.floor(y / k) * image.width + Math.floor(x / k);
      const rgb = style(i, x, y, [image.data[i * 4]!, image.data[i * 4 + 1]!, image.data[i * 4 + 2]!]);
      data.set([rgb[0], rgb[1], rgb[2], 255], (y * w + x) * 4);
    }
  }
  return { width: w, height: h, channels: 4, data };
}

function checkSize(image: RgbaImage, labels: Uint8Array, what: string): void {
  if (labels.length !== image.width * image.height) {
    throw new RangeError(`The ${what} has ${labels.length} pixels; the image has ${image.width * image.height}.`);
  }
}

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
/** One diagonal family of lines (background); both families make the foreground's cross-hatch. */
const stripe = (x: number, y: number) => (x + y) % PATTERN_PERIOD < 2;
const crossHatch = (x: number, y: number) => stripe(x, y) || (((x - y) % PATTERN_PERIOD) + PATTERN_PERIOD) % PATTERN_PERIOD < 2;
const checker = (x: number, y: number) => ((x >> 1) + (y >> 1)) % 2 === 0;
