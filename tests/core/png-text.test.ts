import { describe, expect, it } from 'vitest';
import { crc32, readPngText, withPngText } from '../../src/core/png-text';
import { decodePng, encodePng } from '../../scripts/lib/png';

describe('text in PNG files', () => {
  it('CRC-32 of the specification check value and of an IEND chunk', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new TextEncoder().encode('IEND'))).toBe(0xae426082);
  });

  it('inserts iTXt chunks after the header that read back, UTF-8 included, and leaves the pixels alone', () => {
    const pixels = Uint8Array.from({ length: 4 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const png = new Uint8Array(encodePng(4, 3, 3, pixels));
    const entries = { Software: 'Inside the ConvNet', Parameters: '{"λ":0.01,"β":2}' };
    const tagged = withPngText(png, entries);
    expect(readPngText(tagged)).toEqual(entries);
    expect(Array.from(decodePng(tagged).pixels)).toEqual(Array.from(pixels));
    // Every chunk's CRC is right: walk them.
    const view = new DataView(tagged.buffer);
    for (let at = 8; at < tagged.length; ) {
      const length = view.getUint32(at);
      expect(view.getUint32(at + 8 + length)).toBe(crc32(tagged.subarray(at + 4, at + 8 + length)));
      at += 12 + length;
    }
    expect(() => withPngText(png, { 'bad\u0000key': 'x' })).toThrow(/not a PNG text keyword/);
  });
});
