/** Samples and measures shared by the texture synthesis tests. */
import type { Grower, GrowResult, TextureImage } from '../../../src/core/texture/texture-image';

/** A sample whose colour at (x, y) is `palette[(x mod px + px · (y mod py))]`: periodic with period px across, py down. */
export function periodicSample(width: number, height: number, px: number, py: number): TextureImage {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = (x % px) + px * (y % py);
      // Distinct colours for each phase: k spread over three channels.
      const rgb = [(k % 3) / 2, (Math.floor(k / 3) % 3) / 2, (Math.floor(k / 9) % 3) / 2];
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = rgb[c]!;
    }
  }
  return { width, height, data };
}

/** A sample of uniform noise from a small LCG, so no two windows are alike. */
export function noiseSample(width: number, height: number, seed = 1): TextureImage {
  const data = new Float32Array(width * height * 3);
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 32;
  }
  return { width, height, data };
}

/** Runs a grower to the end synchronously, counting its steps. */
export function runSync(grower: Grower): GrowResult & { steps: number } {
  let steps = 0;
  for (;;) {
    const r = grower.next();
    if (r.done) return { ...r.value, steps };
    steps++;
  }
}

/** Fraction of pixel pairs (x, y), (x + dx, y + dy) inside `img` with the same colour. */
export function shiftAgreement(img: TextureImage, dx: number, dy: number): number {
  let same = 0;
  let pairs = 0;
  for (let y = 0; y + dy < img.height; y++) {
    for (let x = 0; x + dx < img.width; x++) {
      const a = (y * img.width + x) * 3;
      const b = ((y + dy) * img.width + x + dx) * 3;
      pairs++;
      if ([0, 1, 2].every((c) => img.data[a + c] === img.data[b + c])) same++;
    }
  }
  return same / pairs;
}

/** Set of the colours of an image, as strings. */
export function colours(img: TextureImage): Set<string> {
  const set = new Set<string>();
  for (let i = 0; i < img.width * img.height; i++) set.add(Array.from(img.data.subarray(i * 3, i * 3 + 3)).join(','));
  return set;
}
