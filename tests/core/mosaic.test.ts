import { describe, expect, it } from 'vitest';
import { drawBox, mosaic, valuesToRgba } from '../../src/core/mosaic';

describe('mosaic', () => {
  it('turns values in [0, 1] into grey or colour bytes', () => {
    expect(Array.from(valuesToRgba([0, 0.5, 1], 3, 1, 1).data)).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
    expect(Array.from(valuesToRgba([1, 0, 0.2], 1, 1, 3).data)).toEqual([255, 0, 51, 255]);
  });

  it('lays tiles in rows, enlarged by whole pixels, and frames the highlighted one', () => {
    const black = valuesToRgba([0], 1, 1, 1);
    const white = valuesToRgba([1], 1, 1, 1);
    const m = mosaic([black, white, white], { columns: 2, zoom: 2, gap: 1, highlight: 1, background: [9, 9, 9], frame: [7, 7, 7] });
    // Two columns of 2 + 1 pixels, plus the leading gap: 7 wide; two rows: 7 high.
    expect([m.width, m.height]).toEqual([7, 7]);
    const at = (x: number, y: number) => m.data[(y * m.width + x) * 4];
    expect([at(1, 1), at(2, 2), at(4, 1), at(5, 2), at(1, 4), at(0, 0), at(3, 0), at(6, 3), at(4, 4)]).toEqual([0, 0, 255, 255, 255, 9, 7, 7, 9]);
  });

  it('outlines a box, clipped to the image, on a copy', () => {
    const image = valuesToRgba(new Float32Array(16), 4, 4, 1);
    const boxed = drawBox(image, { top: 1, left: -2, bottom: 5, right: 2 }, [255, 0, 0]);
    const red = (x: number, y: number) => boxed.data[(y * 4 + x) * 4] === 255;
    const rows = [0, 1, 2, 3].map((y) => [0, 1, 2, 3].map((x) => (red(x, y) ? 1 : 0)).join(''));
    expect(rows).toEqual(['0000', '1110', '1010', '1110']);
    expect(image.data[4 * 4]).toBe(0);
  });
});
