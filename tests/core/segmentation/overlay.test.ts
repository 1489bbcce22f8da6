import { describe, expect, it } from 'vitest';
import { SEED_BACKGROUND, SEED_FOREGROUND, SEED_UNKNOWN } from '../../../src/core/segmentation/grabcut';
import {
  BACKGROUND_INK, FOREGROUND_INK, OVERLAY_TARGET_SIDE, maskOverlay, onBoundary, overlayScale, seedOverlay,
} from '../../../src/core/segmentation/overlay';
import type { RgbaImage } from '../../../src/core/image';

/** A 4×4 image of one grey (100) with pixel 0 red, as RGBA bytes. */
function image(): RgbaImage {
  const data = new Uint8ClampedArray(16 * 4).fill(100);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  data.set([255, 0, 0, 255], 0);
  return { width: 4, height: 4, channels: 4, data };
}

const k = OVERLAY_TARGET_SIDE / 4;
/** Output pixel (x, y) of an overlay of the 4×4 image. */
const at = (out: RgbaImage, x: number, y: number) => Array.from(out.data.subarray((y * out.width + x) * 4, (y * out.width + x) * 4 + 4));

describe('seedOverlay', () => {
  const seeds = Uint8Array.from({ length: 16 }, (_, i) => (i === 0 ? SEED_FOREGROUND : i === 1 ? SEED_BACKGROUND : SEED_UNKNOWN));
  const out = seedOverlay(image(), seeds);

  it('enlarges the image to about the target side, opaque', () => {
    expect(overlayScale(4, 4)).toBe(k);
    expect(overlayScale(1000, 10)).toBe(1);
    expect([out.width, out.height]).toEqual([OVERLAY_TARGET_SIDE, OVERLAY_TARGET_SIDE]);
    for (let i = 3; i < out.data.length; i += 4) expect(out.data[i]).toBe(255);
  });

  it('inks foreground seeds on both diagonals and mixes the colour 45% towards orange between them', () => {
    expect(at(out, 0, 0)).toEqual([...FOREGROUND_INK, 255]); // on (x + y) % 6 < 2
    expect(at(out, 3, 2)).toEqual([...FOREGROUND_INK, 255]); // on (x − y) % 6 < 2 only
    // (3, 0): off both diagonals: red mixed with orange.
    expect(at(out, 3, 0)).toEqual([Math.round(255 + (230 - 255) * 0.45), Math.round(159 * 0.45), 0, 255]);
  });

  it('stripes background seeds in blue on one diagonal, and leaves unknown pixels as they are', () => {
    // Pixel 1 covers output columns 80..159 of row 0: column 84 is on a stripe ((84 + 0) % 6 = 0), 80 is not.
    expect(at(out, 84, 0)).toEqual([...BACKGROUND_INK, 255]);
    expect(at(out, 80, 0)).toEqual([55, 106, 135, 255]); // grey 100 mixed 45% towards (0, 114, 178)
    for (let x = 2 * k; x < 4 * k; x += 7) expect(at(out, x, 3)).toEqual([100, 100, 100, 255]);
  });

  it('rejects seeds of another size', () => {
    expect(() => seedOverlay(image(), new Uint8Array(15))).toThrow(/15 pixels/);
  });
});

describe('maskOverlay', () => {
  const mask = Uint8Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? 1 : 0)); // left half is the object

  it('keeps the object, stripes and dims the background 60% towards black', () => {
    const out = maskOverlay(image(), mask);
    expect(at(out, 3, 0)).toEqual([255, 0, 0, 255]);
    expect(at(out, 162, 0)).toEqual([...BACKGROUND_INK, 255]); // (162 + 0) % 6 = 0: on a stripe
    expect(at(out, 160, 0)).toEqual([40, 40, 40, 255]); // off it: grey 100 dimmed to 40
  });

  it('outlines the true object in 2×2 black-and-white checks', () => {
    const truth = new Uint8Array(16);
    truth[5] = truth[6] = truth[9] = truth[10] = 1; // the centre 2×2: all of it is boundary
    const out = maskOverlay(image(), mask, truth);
    expect(at(out, k, k)).toEqual([0, 0, 0, 255]);
    expect(at(out, k + 2, k)).toEqual([255, 255, 255, 255]);
    expect(at(out, 0, 0)).toEqual([255, 0, 0, 255]); // outside the truth: the mask's view
  });

  it('finds boundary pixels by their 4-neighbours and the image edge', () => {
    const square = new Uint8Array(25);
    for (let y = 1; y < 4; y++) for (let x = 1; x < 4; x++) square[y * 5 + x] = 1;
    const boundary: number[] = Array.from({ length: 25 }, (_, i) => (onBoundary(square, 5, 5, i) ? 1 : 0));
    expect(boundary.reduce((s, v) => s + v, 0)).toBe(8); // the 3×3 square's ring, not its centre
    expect(onBoundary(square, 5, 5, 12)).toBe(false);
    expect(onBoundary(Uint8Array.of(1, 1, 1, 1), 2, 2, 0)).toBe(true);
  });
});
