import { describe, expect, it } from 'vitest';
import { resizeTexture, type TextureImage } from '../../../src/core/texture/texture-image';

/** A grey image whose value at (x, y) is `f(x, y)` in all three channels. */
function grey(width: number, height: number, f: (x: number, y: number) => number): TextureImage {
  const data = new Float32Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.fill(f(x, y), (y * width + x) * 3, (y * width + x) * 3 + 3);
  return { width, height, data };
}

const values = (img: TextureImage) => Array.from(img.data.filter((_, i) => i % 3 === 0));

describe('resizeTexture', () => {
  it('averages each block of a square picture (area sampling)', () => {
    const img = grey(4, 4, (x, y) => y * 4 + x);
    expect(values(resizeTexture(img, 2))).toEqual([2.5, 4.5, 10.5, 12.5]);
  });

  it('takes the centred square of a wide picture instead of squashing it', () => {
    // 6 × 2: the centred 2 × 2 square is columns 2 and 3.
    const img = grey(6, 2, (x, y) => 10 * y + x);
    expect(values(resizeTexture(img, 2))).toEqual([2, 3, 12, 13]);
    expect(values(resizeTexture(img, 1))).toEqual([7.5]);
  });

  it('takes the centred square of a tall picture', () => {
    const img = grey(2, 5, (x, y) => 10 * y + x);
    // Rows 1 and 2 (the square starts at floor((5 - 2) / 2) = 1).
    expect(values(resizeTexture(img, 2))).toEqual([10, 11, 20, 21]);
  });

  it('returns a picture already the size as it is', () => {
    const img = grey(3, 3, () => 1);
    expect(resizeTexture(img, 3)).toBe(img);
  });
});
