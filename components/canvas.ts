/**
 * Canvas chores the figures share: copying a computed picture onto a canvas
 * (crisp, as the mosaic enlarged it) and saving a canvas as a PNG file.
 */
import type { RgbaImage } from '../src/core/image';

/** Resizes `canvas` to the picture and draws it. */
export function paint(canvas: HTMLCanvasElement, image: RgbaImage): void {
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
}

/** Saves what `canvas` shows as `<name>.png` (the name made file-safe). */
export function savePng(canvas: HTMLCanvasElement, name: string): void {
  canvas.toBlob((blob) => {
    if (!blob) return;
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.png`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 1000);
  }, 'image/png');
}
