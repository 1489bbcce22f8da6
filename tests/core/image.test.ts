import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ImageInputError,
  LUMA_WEIGHTS,
  MAX_FILE_BYTES,
  MAX_IMAGE_PIXELS,
  type RasterImage,
  checkFileSize,
  checkImageSize,
  headerSize,
  sniffImageFormat,
  svgHasActiveContent,
  tensorToImage,
  toModelInput,
  toRgba,
  validateImage,
  workingSize,
} from '../../src/core/image';
import { tf, type Tensor4D } from '../../src/core/tf';
import { NODE_BACKENDS, expectNoLeak, seededRandom, useBackend } from './backends';

/** An RGB image from rows of [r, g, b] pixels. */
function rgb(rows: number[][][]): RasterImage {
  return { height: rows.length, width: rows[0]!.length, channels: 3, data: new Uint8ClampedArray(rows.flat(2)) };
}

/** A grey image whose pixel (i, j) is f(i, j). */
function grey(height: number, width: number, f: (i: number, j: number) => number): RasterImage {
  const data = new Float32Array(height * width);
  for (let i = 0; i < height; i++) for (let j = 0; j < width; j++) data[i * width + j] = f(i, j);
  return { height, width, channels: 1, data };
}

/** Runs toModelInput, checks it leaks nothing but its result, and returns [shape, values]. */
async function input(image: RasterImage, spec: Parameters<typeof toModelInput>[1]): Promise<[number[], number[]]> {
  let t: Tensor4D | undefined;
  const before = tf.memory().numTensors;
  try {
    t = toModelInput(image, spec);
    expect(tf.memory().numTensors).toBe(before + 1);
    return [t.shape, Array.from(await t.data())];
  } finally {
    t?.dispose();
  }
}

const bytes = (...values: (number | string)[]) =>
  new Uint8Array(values.flatMap((v) => (typeof v === 'string' ? [...v].map((c) => c.charCodeAt(0)) : [v])));

describe('validation at the edge', () => {
  it('names the problem in words the reader understands', () => {
    expect(() => checkImageSize(0, 10)).toThrow(ImageInputError);
    expect(() => checkImageSize(0, 10)).toThrow('no pixels');
    expect(() => checkImageSize(10_000, 5_000)).toThrow(/10000 × 5000 pixels \(50\.0 megapixels\).*up to 40\.0 megapixels/);
    expect(() => checkImageSize(8000, 5000)).not.toThrow(); // exactly the limit
    expect(8000 * 5000).toBe(MAX_IMAGE_PIXELS);
    expect(() => checkFileSize(0)).toThrow('empty');
    expect(() => checkFileSize(MAX_FILE_BYTES + 1)).toThrow(/up to 50 MB/);
    expect(() => validateImage({ width: 2, height: 2, channels: 3, data: new Uint8ClampedArray(11) })).toThrow(
      /11 values; 2 × 2 × 3 needs 12/,
    );
    expect(() => validateImage({ width: 1, height: 1, channels: 2 as 3, data: new Uint8ClampedArray(2) })).toThrow(
      /1, 3 or 4 channels/,
    );
  });

  it('shrinks large images to the working size, keeping the aspect ratio', () => {
    expect(workingSize(800, 600)).toEqual({ width: 800, height: 600 });
    expect(workingSize(4000, 3000)).toEqual({ width: 1024, height: 768 });
    expect(workingSize(3000, 4000, 512)).toEqual({ width: 384, height: 512 });
    expect(workingSize(100_000, 10)).toEqual({ width: 1024, height: 1 });
  });

  it('recognises image formats by their first bytes, whatever the file is called', () => {
    expect(sniffImageFormat(bytes(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0))).toBe('image/png');
    expect(sniffImageFormat(bytes(0xff, 0xd8, 0xff, 0xe0))).toBe('image/jpeg');
    expect(sniffImageFormat(bytes('GIF89a'))).toBe('image/gif');
    expect(sniffImageFormat(bytes('RIFF', 0, 0, 0, 0, 'WEBPVP8 '))).toBe('image/webp');
    expect(sniffImageFormat(bytes(0, 0, 0, 0x1c, 'ftypavif'))).toBe('image/avif');
    expect(sniffImageFormat(bytes('BM'))).toBe('image/bmp');
    expect(sniffImageFormat(bytes('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'))).toBe(
      'image/svg+xml',
    );
    expect(sniffImageFormat(bytes('hello, this is a text file'))).toBeNull();
    expect(sniffImageFormat(bytes('<html><body><svg></svg></body></html>'))).toBeNull();
    expect(sniffImageFormat(bytes(0x89, 'PN'))).toBeNull(); // truncated signature
    expect(sniffImageFormat(new Uint8Array())).toBeNull();
  });

  it("reads a file's declared size from its header, before any decoding", () => {
    const file = (name: string) => new Uint8Array(readFileSync(`public/images/${name}`));
    const gallery = JSON.parse(readFileSync('public/images/gallery.json', 'utf8')) as {
      images: { file: string; width: number; height: number }[];
    };
    for (const { file: name, width, height } of gallery.images) {
      const head = file(name);
      expect(headerSize(head, sniffImageFormat(head)!), name).toEqual({ width, height });
    }
    // A PNG header that promises 100 000 × 100 000 pixels: refused from 24 bytes.
    const bomb = bytes(0x89, 'PNG', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 'IHDR', 0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0);
    const size = headerSize(bomb, 'image/png')!;
    expect(size).toEqual({ width: 100_000, height: 100_000 });
    expect(() => checkImageSize(size.width, size.height)).toThrow(/10000\.0 megapixels/);
    expect(headerSize(bytes('GIF89a', 0x20, 0x03, 0x58, 0x02), 'image/gif')).toEqual({ width: 800, height: 600 });
    expect(headerSize(bytes(0xff, 0xd8, 0xff, 0xda, 0, 8, 0, 0, 0, 0, 0, 0), 'image/jpeg')).toBeNull();
  });

  it('flags SVG that could run code', () => {
    expect(svgHasActiveContent('<svg><circle r="4"/></svg>')).toBe(false);
    expect(svgHasActiveContent('<svg><script>alert(1)</script></svg>')).toBe(true);
    expect(svgHasActiveContent('<svg><rect onload="alert(1)"/></svg>')).toBe(true);
    expect(svgHasActiveContent('<svg><a href="javascript:alert(1)">x</a></svg>')).toBe(true);
    expect(svgHasActiveContent('<svg><foreignObject><div/></foreignObject></svg>')).toBe(true);
  });
});

describe('toRgba', () => {
  it('repeats grey, adds opaque alpha, clamps and rounds', () => {
    const out = toRgba({ width: 2, height: 1, channels: 1, data: new Float32Array([-3, 300]) });
    expect(Array.from(out.data)).toEqual([0, 0, 0, 255, 255, 255, 255, 255]);
    const c = toRgba(rgb([[[1.4, 2.6, 3]]]));
    expect(Array.from(c.data)).toEqual([1, 3, 3, 255]);
  });
});

describe.each(NODE_BACKENDS)('image tensors on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('a 2×2 image shrunk to 1×1 is the average of its pixels', async () => {
    const image = rgb([
      [[0, 10, 100], [40, 20, 200]],
      [[80, 30, 0], [120, 40, 100]],
    ]);
    const [shape, values] = await input(image, { height: 1, width: 1, channels: 3, range: [0, 255] });
    expect(shape).toEqual([1, 1, 1, 3]);
    expect(values.map((v) => Math.round(v * 1e4) / 1e4)).toEqual([60, 25, 100]);
  });

  it('maps 0–255 linearly onto the model range: x′ = (x/255)(b − a) + a', async () => {
    const image = grey(1, 3, (_, j) => [0, 51, 255][j]!);
    for (const [range, expected] of [
      [[0, 1], [0, 0.2, 1]],
      [[-1, 1], [-1, -0.6, 1]],
      [[0, 255], [0, 51, 255]],
    ] as const) {
      const [, values] = await input(image, { height: 1, width: 3, channels: 1, range });
      values.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    }
  });

  it('converts colour to grey with the BT.601 luma weights, and grey to three equal channels', async () => {
    const image = rgb([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [100, 200, 50]]]);
    const [shape, values] = await input(image, { height: 1, width: 4, channels: 1, range: [0, 255] });
    expect(shape).toEqual([1, 1, 4, 1]);
    const [wr, wg, wb] = LUMA_WEIGHTS;
    const expected = [255 * wr, 255 * wg, 255 * wb, 100 * wr + 200 * wg + 50 * wb];
    values.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 3));
    const [, tiled] = await input(grey(1, 2, (_, j) => j * 100), { height: 1, width: 2, channels: 3, range: [0, 255] });
    expect(tiled).toEqual([0, 0, 0, 100, 100, 100]);
  });

  it('lays transparent pixels over white', async () => {
    const image: RasterImage = { width: 2, height: 1, channels: 4, data: new Uint8ClampedArray([0, 0, 0, 0, 200, 100, 0, 255]) };
    const [, values] = await input(image, { height: 1, width: 2, channels: 3, range: [0, 255] });
    values.forEach((v, i) => expect(v).toBeCloseTo([255, 255, 255, 200, 100, 0][i]!, 4));
  });

  it("'cover' keeps the centre; 'contain' keeps everything and pads", async () => {
    // 2 rows × 6 columns, column j has value 10·j. Cover to 2×2 keeps columns 2 and 3.
    const image = grey(2, 6, (_, j) => 10 * j);
    const [shape, cover] = await input(image, { height: 2, width: 2, channels: 1, range: [0, 255] });
    expect(shape).toEqual([1, 2, 2, 1]);
    cover.forEach((v, i) => expect(v).toBeCloseTo([20, 30, 20, 30][i]!, 4));
    // Contain to 3×3: the image becomes 1×3 (2×2 block averages, rows averaged), padded above and below with 255.
    const [, contain] = await input(image, { height: 3, width: 3, channels: 1, range: [0, 255], fit: 'contain', pad: 255 });
    contain.forEach((v, i) => expect(v).toBeCloseTo([255, 255, 255, 5, 25, 45, 255, 255, 255][i]!, 4));
  });

  it('produces the requested shape for any image, without leaking', async () => {
    const rand = seededRandom(5);
    for (let trial = 0; trial < 8; trial++) {
      const h = 1 + Math.floor(rand() * 60);
      const w = 1 + Math.floor(rand() * 60);
      const channels = ([1, 3, 4] as const)[trial % 3]!;
      const data = new Uint8ClampedArray(h * w * channels).map(() => Math.floor(rand() * 256));
      const fit = trial % 2 ? 'contain' : 'cover';
      const [shape, values] = await input({ width: w, height: h, channels, data }, { height: 17, width: 23, channels: 3, range: [-1, 1], fit });
      expect(shape).toEqual([1, 17, 23, 3]);
      expect(Math.min(...values)).toBeGreaterThanOrEqual(-1 - 1e-5);
      expect(Math.max(...values)).toBeLessThanOrEqual(1 + 1e-5);
    }
  });

  it('averages every pixel when shrinking a lot, so a fine checkerboard becomes even grey', async () => {
    const image = grey(64, 64, (i, j) => ((i + j) % 2) * 255);
    const [, values] = await input(image, { height: 5, width: 5, channels: 1, range: [0, 255] });
    values.forEach((v) => expect(v).toBeCloseTo(127.5, 3));
  });

  it('rejects bad images with an ImageInputError and bad specs with a RangeError', () => {
    const before = tf.memory().numTensors;
    expect(() => toModelInput({ width: 0, height: 0, channels: 3, data: new Uint8ClampedArray() }, { height: 2, width: 2, channels: 3, range: [0, 1] })).toThrow(ImageInputError);
    const ok = grey(2, 2, () => 0);
    expect(() => toModelInput(ok, { height: 0, width: 2, channels: 3, range: [0, 1] })).toThrow(RangeError);
    expect(() => toModelInput(ok, { height: 2, width: 2, channels: 3, range: [1, 1] })).toThrow(RangeError);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('turns tensors back into RGBA bytes: range inverted, clamped, or stretched', async () => {
    const t = tf.tensor3d([-1, 0, 1, 2], [1, 4, 1]);
    const back = await expectNoLeak(() => tensorToImage(t, { range: [-1, 1] }));
    expect([back.width, back.height, back.channels]).toEqual([4, 1, 4]);
    expect(Array.from(back.data).filter((_, i) => i % 4 === 0)).toEqual([0, 128, 255, 255]);
    const stretched = await expectNoLeak(() => tensorToImage(t, { normalize: true }));
    expect(Array.from(stretched.data).filter((_, i) => i % 4 === 0)).toEqual([0, 85, 170, 255]);
    const zeros = tf.zeros([1, 2, 2, 3]);
    const flat = await expectNoLeak(() => tensorToImage(zeros, { normalize: true }));
    expect(Array.from(flat.data)).toEqual([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
    tf.dispose([t, zeros]);
  });

  it('round-trips an image through the model input and back', async () => {
    const image = rgb([[[0, 128, 255], [17, 34, 51]]]);
    const spec = { height: 1, width: 2, channels: 3, range: [-1, 1] } as const;
    const x = toModelInput(image, spec);
    const back = await expectNoLeak(() => tensorToImage(x, { range: spec.range }));
    x.dispose();
    expect(Array.from(back.data)).toEqual([0, 128, 255, 255, 17, 34, 51, 255]);
  });
});
