import { describe, expect, it } from 'vitest';
import {
  COLORMAPS,
  DIVERGING,
  LUT_SIZE,
  applyColormap,
  autoScale,
  colormapTable,
  oklabToRgb,
  rgbToOklab,
} from '../../src/core/colormap';

const lightness = (table: Uint8Array, i: number) =>
  rgbToOklab([table[i * 3]!, table[i * 3 + 1]!, table[i * 3 + 2]!])[0];

describe('colormaps', () => {
  it('round-trips sRGB through OKLab', () => {
    for (const rgb of [[0, 0, 0], [255, 255, 255], [68, 1, 84], [253, 231, 37], [12, 200, 99]] as const) {
      expect(oklabToRgb(rgbToOklab([...rgb]))).toEqual([...rgb]);
    }
  });

  it('starts and ends on the published colours', () => {
    const viridis = colormapTable('viridis');
    expect([...viridis.slice(0, 3)]).toEqual([0x44, 0x01, 0x54]);
    expect([...viridis.slice(-3)]).toEqual([0xfd, 0xe7, 0x25]);
  });

  it.each(COLORMAPS.filter((n) => !DIVERGING[n]))('%s rises monotonically in lightness', (name) => {
    const table = colormapTable(name);
    for (let i = 1; i < LUT_SIZE; i++) expect(lightness(table, i)).toBeGreaterThan(lightness(table, i - 1) - 1e-3);
    expect(lightness(table, LUT_SIZE - 1) - lightness(table, 0)).toBeGreaterThan(0.5);
  });

  it('the diverging map is lightest in the middle and symmetric in lightness', () => {
    const table = colormapTable('puor');
    const mid = (LUT_SIZE - 1) / 2;
    const centre = Math.max(lightness(table, Math.floor(mid)), lightness(table, Math.ceil(mid)));
    for (let i = 0; i < LUT_SIZE; i++) expect(lightness(table, i)).toBeLessThanOrEqual(centre + 1e-6);
    expect(Math.abs(lightness(table, 0) - lightness(table, LUT_SIZE - 1))).toBeLessThan(0.12);
  });

  it('applies a scale, clamps outside it, and sets alpha', () => {
    const rgba = applyColormap([0, 0.5, 1, 2, -1], 'viridis', { min: 0, max: 1 }, 128);
    expect(rgba.length).toBe(20);
    expect([...rgba.slice(0, 4)]).toEqual([0x44, 0x01, 0x54, 128]);
    expect([...rgba.slice(8, 11)]).toEqual([0xfd, 0xe7, 0x25]);
    expect([...rgba.slice(12, 15)]).toEqual([...rgba.slice(8, 11)]); // above max clamps
    expect([...rgba.slice(16, 19)]).toEqual([...rgba.slice(0, 3)]); // below min clamps
  });

  it('chooses sequential and symmetric scales', () => {
    expect(autoScale([2, 5, 3], false)).toEqual({ min: 2, max: 5 });
    expect(autoScale([-1, 3], true)).toEqual({ min: -3, max: 3 });
    expect(autoScale([4, 4], false)).toEqual({ min: 4, max: 5 });
    expect(autoScale([], false)).toEqual({ min: 0, max: 1 });
  });
});
