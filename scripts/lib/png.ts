/**
 * A minimal PNG encoder and decoder (8-bit greyscale or RGB, no interlace) over node:zlib,
 * for the sprite sheets in public/data. PNG spec: https://www.w3.org/TR/png/
 */
import { deflateSync, inflateSync } from 'node:zlib';

/** PNG colour types this encoder writes (PNG spec §11.2.2): 0 greyscale, 2 truecolour. */
const COLOUR_TYPE = { 1: 0, 3: 2 } as const;

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG chunks use it (PNG spec annex D). */
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * Encodes `pixels` (row-major, `channels` bytes per pixel: 1 grey or 3 RGB) as a
 * PNG file. Rows use filter 0 (none) or 2 (up), whichever is smaller after
 * a cheap sum-of-bytes estimate, which shrinks sprite sheets of similar tiles.
 */
export function encodePng(width: number, height: number, channels: 1 | 3, pixels: Uint8Array): Buffer {
  if (pixels.length !== width * height * channels) throw new Error(`encodePng: expected ${width * height * channels} bytes, got ${pixels.length}`);
  const stride = width * channels;
  const raw = new Uint8Array((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const out = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const up = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : null;
    let sumNone = 0;
    let sumUp = 0;
    for (let i = 0; i < stride; i++) {
      sumNone += Math.min(row[i]!, 256 - row[i]!);
      const d = (row[i]! - (up ? up[i]! : 0)) & 0xff;
      sumUp += Math.min(d, 256 - d);
    }
    const useUp = up !== null && sumUp < sumNone;
    raw[y * (stride + 1)] = useUp ? 2 : 0;
    for (let i = 0; i < stride; i++) out[i] = useUp ? (row[i]! - up![i]!) & 0xff : row[i]!;
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = COLOUR_TYPE[channels];
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', new Uint8Array(0))]);
}

/** A decoded PNG: 8-bit pixels, row-major, `channels` per pixel. */
export interface DecodedPng {
  width: number;
  height: number;
  channels: 1 | 3;
  pixels: Uint8Array;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Decodes the PNGs {@link encodePng} writes (8-bit greyscale or RGB, not
 * interlaced), with all five row filters (PNG spec §9.2), so the committed
 * sprites can be read back in tests.
 */
export function decodePng(file: Uint8Array): DecodedPng {
  const view = Buffer.from(file.buffer, file.byteOffset, file.byteLength);
  let width = 0;
  let height = 0;
  let channels: 1 | 3 = 1;
  const idat: Buffer[] = [];
  for (let at = 8; at < view.length;) {
    const length = view.readUInt32BE(at);
    const type = view.toString('ascii', at + 4, at + 8);
    const data = view.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      [width, height] = [data.readUInt32BE(0), data.readUInt32BE(4)];
      if (data[8] !== 8 || (data[9] !== 0 && data[9] !== 2) || data[12] !== 0) throw new Error('decodePng: only 8-bit grey/RGB, non-interlaced');
      channels = data[9] === 0 ? 1 : 3;
    } else if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? pixels[y * stride + i - channels]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i]! : 0;
      const c = i >= channels && y > 0 ? pixels[(y - 1) * stride + i - channels]! : 0;
      const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      if (predictor === undefined) throw new Error(`decodePng: bad filter ${filter}`);
      pixels[y * stride + i] = (src[i]! + predictor) & 0xff;
    }
  }
  return { width, height, channels, pixels };
}
