/**
 * Images as the core sees them, and the one road from a picture to a
 * network's input tensor and back.
 *
 * An image is plain data, `{width, height, channels, data}`, row-major with
 * interleaved channels (height × width × channels values), pixel values on the
 * 0–255 scale whatever the array type. Nothing here touches the DOM: decoding
 * files is the browser's job (src/browser/image-input.ts), which checks what it
 * decodes with the limits and sniffers below, so the math can trust its input.
 */
import { tf, type Tensor, type Tensor3D, type Tensor4D } from './tf';

/** Pixels, row-major, channels interleaved, values on the 0–255 scale. */
export interface RasterImage {
  width: number;
  height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA). */
  channels: 1 | 3 | 4;
  /** height × width × channels values. */
  data: Uint8ClampedArray | Float32Array;
}

/** An RGBA image of bytes, as a canvas holds it and as the views draw it. */
export interface RgbaImage extends RasterImage {
  channels: 4;
  data: Uint8ClampedArray;
}

/**
 * Largest image accepted, in pixels (40 megapixels, more than any phone camera
 * saves by default). Decoded to RGBA it takes 160 MB; beyond that a tab on a
 * phone or a small laptop may run out of memory before the picture even shows.
 */
export const MAX_IMAGE_PIXELS = 40_000_000;

/**
 * Largest file accepted, in bytes (50 MiB). A 40-megapixel JPEG is 10–20 MB and
 * a PNG of the same size rarely passes 50; a larger file is more likely a video
 * or an archive than a picture, and reading it would only stall the page.
 */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;

/**
 * Long side, in pixels, to which larger images are shrunk as they are opened.
 * The book's networks take at most 299 pixels a side and its views draw at most
 * 512, so 1024 keeps room to crop while every tensor stays under 4 megapixels.
 */
export const WORKING_MAX_SIDE = 1024;

/**
 * Weights of R, G and B in the grey a 1-channel network sees: ITU-R BT.601
 * luma, the conversion of PIL's `convert('L')` and OpenCV's `COLOR_RGB2GRAY`,
 * with which greyscale training images are usually made from colour ones.
 */
export const LUMA_WEIGHTS = [0.299, 0.587, 0.114] as const;

/** Raised when a reader's image cannot be used; the message is meant for the reader. */
export class ImageInputError extends Error {
  override name = 'ImageInputError';
}

const megapixels = (pixels: number) => `${(pixels / 1e6).toFixed(1)} megapixels`;

/** Checks an image's size before (from its header) and after decoding. */
export function checkImageSize(width: number, height: number): void {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new ImageInputError(`This image has no pixels (it says it is ${width} × ${height}).`);
  }
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new ImageInputError(
      `This image is ${width} × ${height} pixels (${megapixels(width * height)}); the book opens images of up to ` +
        `${megapixels(MAX_IMAGE_PIXELS)}. Please shrink it and try again.`,
    );
  }
}

/** Checks a file's size before reading it. */
export function checkFileSize(bytes: number): void {
  if (bytes === 0) throw new ImageInputError('This file is empty.');
  if (bytes > MAX_FILE_BYTES) {
    throw new ImageInputError(
      `This file is ${(bytes / 2 ** 20).toFixed(0)} MB; the book opens image files of up to ` +
        `${MAX_FILE_BYTES / 2 ** 20} MB.`,
    );
  }
}

/** Checks that `image` is a well-formed {@link RasterImage} within the limits. */
export function validateImage(image: RasterImage): void {
  checkImageSize(image.width, image.height);
  if (![1, 3, 4].includes(image.channels)) {
    throw new ImageInputError(`An image has 1, 3 or 4 channels, not ${image.channels}.`);
  }
  const expected = image.width * image.height * image.channels;
  if (image.data.length !== expected) {
    throw new ImageInputError(
      `The image data has ${image.data.length} values; ${image.width} × ${image.height} × ${image.channels} needs ${expected}.`,
    );
  }
}

/** The size an image of `width` × `height` is shrunk to when opened: its long side at most `maxSide`. */
export function workingSize(width: number, height: number, maxSide = WORKING_MAX_SIDE): { width: number; height: number } {
  const scale = maxSide / Math.max(width, height);
  if (scale >= 1) return { width, height };
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** Image formats the book decodes, by MIME type. */
export type ImageFormat = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp' | 'image/bmp' | 'image/avif' | 'image/svg+xml';

const startsWith = (bytes: Uint8Array, sig: readonly number[], at = 0) => sig.every((b, i) => bytes[at + i] === b);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

/**
 * The format of a file from its first bytes (its "magic number"), or null when
 * it is none the book decodes. The file's name and declared type can lie; its
 * first bytes are what the decoder will see. SVG is recognised as text that
 * opens with an XML declaration, a comment or an `<svg` tag.
 */
export function sniffImageFormat(head: Uint8Array): ImageFormat | null {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, ascii('GIF87a')) || startsWith(head, ascii('GIF89a'))) return 'image/gif';
  if (startsWith(head, ascii('RIFF')) && startsWith(head, ascii('WEBP'), 8)) return 'image/webp';
  if (startsWith(head, ascii('BM'))) return 'image/bmp';
  if (startsWith(head, ascii('ftyp'), 4) && (startsWith(head, ascii('avif'), 8) || startsWith(head, ascii('avis'), 8))) {
    return 'image/avif';
  }
  const text = new TextDecoder().decode(head.subarray(0, 1024)).replace(/^\uFEFF/, '').trimStart();
  if (/^(<\?xml|<!--|<!doctype svg|<svg[\s>])/i.test(text) && /<svg[\s>]/i.test(text)) return 'image/svg+xml';
  return null;
}

/** Bytes to read from the start of a file to find its size in {@link headerSize}: JPEG metadata can come first. */
export const HEADER_BYTES = 256 * 1024;

const be16 = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const le16 = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const le24 = (b: Uint8Array, i: number) => le16(b, i) | (b[i + 2]! << 16);
const be32 = (b: Uint8Array, i: number) => be16(b, i) * 65536 + be16(b, i + 2);
const le32s = (b: Uint8Array, i: number) => le16(b, i) | (le16(b, i + 2) << 16);

/**
 * An image's size as its header declares it, read before decoding, so a file
 * that would decode to gigabytes (a "decompression bomb") is refused without
 * being decoded; null when the header is not understood (the size is then
 * checked after decoding).
 */
export function headerSize(head: Uint8Array, format: ImageFormat): { width: number; height: number } | null {
  const need = (n: number) => head.length >= n;
  switch (format) {
    case 'image/png':
      return need(24) && startsWith(head, ascii('IHDR'), 12) ? { width: be32(head, 16), height: be32(head, 20) } : null;
    case 'image/gif':
      return need(10) ? { width: le16(head, 6), height: le16(head, 8) } : null;
    case 'image/bmp':
      return need(26) ? { width: Math.abs(le32s(head, 18)), height: Math.abs(le32s(head, 22)) } : null;
    case 'image/webp':
      if (startsWith(head, ascii('VP8X'), 12) && need(30)) return { width: 1 + le24(head, 24), height: 1 + le24(head, 27) };
      if (startsWith(head, ascii('VP8L'), 12) && need(25)) {
        const bits = le32s(head, 21);
        return { width: 1 + (bits & 0x3fff), height: 1 + ((bits >>> 14) & 0x3fff) };
      }
      if (startsWith(head, ascii('VP8 '), 12) && need(30)) {
        return { width: le16(head, 26) & 0x3fff, height: le16(head, 28) & 0x3fff };
      }
      return null;
    case 'image/jpeg':
      return jpegSize(head);
    default:
      return null;
  }
}

/** Walks JPEG markers to the first start-of-frame segment, which holds the size. */
function jpegSize(b: Uint8Array): { width: number; height: number } | null {
  let i = 2;
  while (i + 9 < b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte
    } else if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      i += 2; // markers without a length
    } else if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: be16(b, i + 5), width: be16(b, i + 7) };
    } else if (marker === 0xda) {
      return null; // image data began before any frame header
    } else {
      i += 2 + be16(b, i + 2);
    }
  }
  return null;
}

/**
 * Whether an SVG document carries anything that could run: script elements,
 * event-handler attributes, `javascript:` links or embedded HTML. The book
 * refuses such files rather than trusting the browser to keep them inert.
 */
export function svgHasActiveContent(svg: string): boolean {
  return /<script[\s>/]|\son[a-z]+\s*=|javascript:|<foreignObject[\s>/]/i.test(svg);
}

/** What a network expects as input; see {@link toModelInput}. */
export interface ModelInputSpec {
  height: number;
  width: number;
  /** 1 for greyscale networks (RGB is converted by {@link LUMA_WEIGHTS}), 3 for colour ones. */
  channels: 1 | 3;
  /** [a, b]: pixel value 0 becomes a and 255 becomes b. */
  range: readonly [number, number];
  /**
   * 'cover' (default) crops the centre to the network's aspect ratio, then resizes,
   * as ImageNet evaluation does; 'contain' resizes the whole image to fit and pads the rest.
   */
  fit?: 'cover' | 'contain';
  /** Pixel value (0–255, before scaling) of the padding that 'contain' adds; 0 (black) by default. */
  pad?: number;
}

/**
 * Turns an image into a network's input, a [1, height, width, channels] tensor
 * that the caller disposes: transparent pixels are laid over white, colour is
 * converted to grey (or grey repeated to RGB), the image is cropped or padded
 * to the network's aspect ratio, resized, and mapped from 0–255 to `range`:
 * x' = (x / 255)(b − a) + a.
 *
 * Resizing is bilinear with half-pixel centres (TensorFlow 2's default); large
 * reductions first average 2 × 2 blocks until less than a factor of 2 remains,
 * so no pixel is skipped (plain bilinear would alias fine textures).
 */
export function toModelInput(image: RasterImage, spec: ModelInputSpec): Tensor4D {
  validateImage(image);
  checkSpec(spec);
  const [a, b] = spec.range;
  return tf.tidy(() => {
    const data = image.data instanceof Float32Array ? image.data : Float32Array.from(image.data);
    let x: Tensor3D = tf.tensor3d(data, [image.height, image.width, image.channels]);
    x = matchChannels(dropAlpha(x), spec.channels);
    x = spec.fit === 'contain' ? containResize(x, spec) : coverResize(x, spec);
    return x.mul((b - a) / 255).add(a).expandDims(0) as Tensor4D;
  });
}

function checkSpec(spec: ModelInputSpec): void {
  const { height, width, channels, range } = spec;
  if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
    throw new RangeError(`model input size must be positive integers, not ${height} × ${width}`);
  }
  if (channels !== 1 && channels !== 3) throw new RangeError(`model input channels must be 1 or 3, not ${channels}`);
  if (!(Number.isFinite(range[0]) && Number.isFinite(range[1]) && range[0] !== range[1])) {
    throw new RangeError(`model input range must be two different finite numbers, not [${range.join(', ')}]`);
  }
}

/** RGBA over a white background; other images unchanged. */
function dropAlpha(x: Tensor3D): Tensor3D {
  if (x.shape[2] !== 4) return x;
  const [rgb, alpha] = tf.split(x, [3, 1], 2) as [Tensor3D, Tensor3D];
  // c·α/255 + 255·(1 − α/255)
  return rgb.mul(alpha.div(255)).add(tf.scalar(255).sub(alpha));
}

function matchChannels(x: Tensor3D, channels: 1 | 3): Tensor3D {
  const have = x.shape[2];
  if (have === channels) return x;
  if (channels === 3) return tf.tile(x, [1, 1, 3]);
  return x.mul(tf.tensor1d([...LUMA_WEIGHTS])).sum(2, true);
}

/** Centre crop to the target's aspect ratio, then resize. */
function coverResize(x: Tensor3D, spec: ModelInputSpec): Tensor3D {
  const [h, w] = x.shape;
  const targetAspect = spec.width / spec.height;
  const cropW = Math.min(w, Math.max(1, Math.round(h * targetAspect)));
  const cropH = Math.min(h, Math.max(1, Math.round(w / targetAspect)));
  const top = Math.floor((h - cropH) / 2);
  const left = Math.floor((w - cropW) / 2);
  const cropped = cropW === w && cropH === h ? x : x.slice([top, left, 0], [cropH, cropW, -1]);
  return resize(cropped, spec.height, spec.width);
}

/** Resize to fit inside the target, then pad equally on both sides. */
function containResize(x: Tensor3D, spec: ModelInputSpec): Tensor3D {
  const [h, w] = x.shape;
  const scale = Math.min(spec.height / h, spec.width / w);
  const rh = Math.min(spec.height, Math.max(1, Math.round(h * scale)));
  const rw = Math.min(spec.width, Math.max(1, Math.round(w * scale)));
  const top = Math.floor((spec.height - rh) / 2);
  const left = Math.floor((spec.width - rw) / 2);
  return tf.pad(
    resize(x, rh, rw),
    [
      [top, spec.height - rh - top],
      [left, spec.width - rw - left],
      [0, 0],
    ],
    spec.pad ?? 0,
  );
}

/** Bilinear resize, after halving by 2 × 2 averages while the image is at least twice too large. */
function resize(x: Tensor3D, height: number, width: number): Tensor3D {
  let y: Tensor4D = x.expandDims(0) as Tensor4D;
  for (;;) {
    const [, h, w] = y.shape;
    const fh = h >= 2 * height ? 2 : 1;
    const fw = w >= 2 * width ? 2 : 1;
    if (fh === 1 && fw === 1) break;
    y = tf.avgPool(y, [fh, fw], [fh, fw], 'valid');
  }
  if (y.shape[1] !== height || y.shape[2] !== width) {
    y = tf.image.resizeBilinear(y, [height, width], false, true);
  }
  return y.squeeze([0]) as Tensor3D;
}

/** Options of {@link tensorToImage}. */
export interface ToImageOptions {
  /**
   * The value range to map back to 0–255, e.g. a network's input range;
   * [0, 255] (values are pixels already) by default.
   */
  range?: readonly [number, number];
  /** Stretch the tensor's own minimum and maximum to 0–255 instead (for maps and gradients). */
  normalize?: boolean;
}

/**
 * An image tensor ([height, width, c] or [1, height, width, c], c = 1, 3 or 4)
 * as RGBA bytes for display. Values outside the range are clamped to 0–255 and
 * rounded; grey is repeated to RGB and missing alpha is opaque. The tensor is
 * not disposed.
 */
export async function tensorToImage(tensor: Tensor, options: ToImageOptions = {}): Promise<RgbaImage> {
  const shape = tensor.shape.length === 4 && tensor.shape[0] === 1 ? tensor.shape.slice(1) : tensor.shape;
  const [height, width, channels] = shape as [number, number, number];
  if (shape.length !== 3 || ![1, 3, 4].includes(channels)) {
    throw new RangeError(`expected an image tensor [h, w, 1|3|4], got [${tensor.shape.join(', ')}]`);
  }
  const scaled = tf.tidy(() => {
    const x = tensor.toFloat();
    if (options.normalize) {
      const lo = x.min();
      return x.sub(lo).mul(255).div(tf.maximum(x.max().sub(lo), 1e-12));
    }
    const [lo, hi] = options.range ?? [0, 255];
    if (!(hi !== lo && Number.isFinite(hi - lo))) throw new RangeError(`invalid range [${lo}, ${hi}]`);
    return x.sub(lo).mul(255 / (hi - lo));
  });
  try {
    const data = (await scaled.data()) as Float32Array;
    return toRgba({ width, height, channels: channels as 1 | 3 | 4, data });
  } finally {
    scaled.dispose();
  }
}

/** Any image as RGBA bytes: grey repeated to RGB, opaque alpha added, values clamped and rounded. */
export function toRgba(image: RasterImage): RgbaImage {
  const { width, height, channels, data } = image;
  if (channels === 4 && data instanceof Uint8ClampedArray) return image as RgbaImage;
  const out = new Uint8ClampedArray(width * height * 4);
  for (let i = 0, j = 0; i < out.length; i += 4, j += channels) {
    out[i] = data[j]!;
    out[i + 1] = data[channels === 1 ? j : j + 1]!;
    out[i + 2] = data[channels === 1 ? j : j + 2]!;
    out[i + 3] = channels === 4 ? data[j + 3]! : 255;
  }
  return { width, height, channels: 4, data: out };
}
