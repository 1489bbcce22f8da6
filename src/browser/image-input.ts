/**
 * Turns what a reader hands the book (a file, a pasted or dropped image, a
 * gallery URL, a camera frame) into RGBA pixels, checked at the edge: the
 * first bytes must be an image format, the declared size must be within
 * {@link MAX_IMAGE_PIXELS}, SVG must carry nothing that could run, and a failed
 * decode becomes an {@link ImageInputError} the reader can act on. Images larger
 * than the working size are shrunk as they are decoded, not refused.
 * Nothing leaves the browser.
 */
import {
  HEADER_BYTES,
  ImageInputError,
  type ImageFormat,
  type RgbaImage,
  checkFileSize,
  checkImageSize,
  headerSize,
  sniffImageFormat,
  svgHasActiveContent,
  workingSize,
} from '../core/image';

/** A decoded image, with the size it had before it was shrunk to the working size. */
export interface DecodedImage extends RgbaImage {
  originalWidth: number;
  originalHeight: number;
}

const FORMAT_NAMES: Record<ImageFormat, string> = {
  'image/png': 'PNG',
  'image/jpeg': 'JPEG',
  'image/gif': 'GIF',
  'image/webp': 'WebP',
  'image/bmp': 'BMP',
  'image/avif': 'AVIF',
  'image/svg+xml': 'SVG',
};

/**
 * Decodes an image file or blob to RGBA, shrunk to at most `maxSide` pixels on
 * its long side. Throws {@link ImageInputError} with a reader-facing message.
 */
export async function decodeImageBlob(blob: Blob, maxSide?: number): Promise<DecodedImage> {
  checkFileSize(blob.size);
  const head = new Uint8Array(await blob.slice(0, HEADER_BYTES).arrayBuffer());
  const format = sniffImageFormat(head);
  if (!format) throw new ImageInputError(notAnImage(blob));
  const declared = headerSize(head, format);
  if (declared) checkImageSize(declared.width, declared.height);
  if (format === 'image/svg+xml') return decodeSvg(blob, maxSide);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
  } catch {
    throw new ImageInputError(
      `The browser could not decode this ${FORMAT_NAMES[format]} file: it may be damaged or incomplete.`,
    );
  }
  try {
    return rasterize(bitmap, bitmap.width, bitmap.height, maxSide);
  } finally {
    bitmap.close();
  }
}

/** Fetches and decodes an image from a URL (the book's gallery). */
export async function loadImageUrl(url: string, signal?: AbortSignal): Promise<DecodedImage> {
  let response: Response;
  try {
    response = await fetch(url, signal ? { signal } : {});
  } catch (err) {
    if (signal?.aborted) throw err;
    throw new ImageInputError(`The image ${url} could not be loaded: the network request failed.`);
  }
  if (!response.ok) throw new ImageInputError(`The image ${url} could not be loaded (HTTP ${response.status}).`);
  return decodeImageBlob(await response.blob());
}

/** The current frame of a playing video (the camera), as RGBA at the working size. */
export function captureVideoFrame(video: HTMLVideoElement, maxSide?: number): DecodedImage {
  if (!video.videoWidth || !video.videoHeight) throw new ImageInputError('The camera has not sent a picture yet; try again in a moment.');
  return rasterize(video, video.videoWidth, video.videoHeight, maxSide);
}

/** The message for a file whose first bytes are no image format, tailored to what it claimed to be. */
function notAnImage(blob: Blob): string {
  const name = blob instanceof File && blob.name ? `"${blob.name}"` : 'This file';
  if (blob.type.startsWith('image/')) {
    return `${name} is labelled as an image (${blob.type}) but its contents are not a picture the book can read: it may be damaged, or a different kind of file renamed.`;
  }
  const kind = blob.type ? ` (${blob.type})` : '';
  return `${name}${kind} is not an image. The book opens PNG, JPEG, GIF, WebP, BMP, AVIF and plain SVG pictures.`;
}

/** SVG is drawn by an <img>, where it can load nothing and run nothing; files that try to are refused anyway. */
async function decodeSvg(blob: Blob, maxSide?: number): Promise<DecodedImage> {
  if (svgHasActiveContent(await blob.text())) {
    throw new ImageInputError(
      'This SVG drawing contains scripts or links that could run code, so the book will not open it. Export it as a PNG and try again.',
    );
  }
  const url = URL.createObjectURL(new Blob([blob], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    try {
      await img.decode();
    } catch {
      throw new ImageInputError('The browser could not draw this SVG file: it may be damaged.');
    }
    if (!img.naturalWidth || !img.naturalHeight) {
      throw new ImageInputError('This SVG drawing has no size (no width and height); export it as a PNG and try again.');
    }
    return rasterize(img, img.naturalWidth, img.naturalHeight, maxSide);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Draws `source` at the working size and reads back its RGBA pixels. */
function rasterize(source: CanvasImageSource, width: number, height: number, maxSide?: number): DecodedImage {
  checkImageSize(width, height);
  const size = workingSize(width, height, maxSide);
  const canvas = new OffscreenCanvas(size.width, size.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new ImageInputError('This browser could not give the book a canvas to read the image with.');
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, size.width, size.height);
  const { data } = ctx.getImageData(0, 0, size.width, size.height);
  return { ...size, channels: 4, data, originalWidth: width, originalHeight: height };
}
