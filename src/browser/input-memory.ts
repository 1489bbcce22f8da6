/**
 * The reader's choice of network and image, remembered for the browser tab
 * (sessionStorage), so that what they pick in one chapter (a gallery photo
 * in "Images", a network in "Networks", a test image in any figure) is what
 * every later page explains. A link's own `input=` still wins over it.
 *
 * The book's images are remembered by reference (`test:3`, `gallery:coffee`).
 * The reader's own image cannot be: it is remembered as a copy shrunk to
 * {@link REMEMBERED_SIDE} pixels on its long side, a PNG in this tab's storage
 * only, which the browser deletes when the tab closes and sends nowhere.
 * The reader's own network is not remembered: its files would have to be
 * chosen again.
 */
import type { RgbaImage } from '../core/image';

/** Long side of the stored copy of the reader's own image: four times the largest input of the book's networks (64). */
export const REMEMBERED_SIDE = 256;

const KEY = 'inside-the-convnet:input';

/** What is remembered. */
export interface RememberedInput {
  /** Id of one of the book's networks. */
  model?: string;
  /** `test:<index>` or `gallery:<id>`; absent when the image is the reader's own. */
  sample?: string;
  /** The reader's own image: its title and a PNG data URL of the shrunk copy. */
  own?: { title: string; png: string };
}

/** The remembered choice; empty when nothing is (or storage is disabled). */
export function recallInput(): RememberedInput {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) ?? '{}') as unknown;
    return typeof value === 'object' && value !== null ? (value as RememberedInput) : {};
  } catch {
    return {};
  }
}

function store(value: RememberedInput): void {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(value));
  } catch {
    // Storage full or disabled: the choice then stays on this page only.
  }
}

/** Counts the images chosen, so that an own image still being shrunk does not overwrite a later choice. */
let choices = 0;

/** Merges `patch` into the remembered choice; a new `sample` forgets the reader's own image. */
export function rememberInput(patch: RememberedInput): void {
  const next = { ...recallInput(), ...patch };
  if (patch.sample) {
    choices++;
    delete next.own;
  }
  store(next);
}

/** Remembers the reader's own image, shrunk to {@link REMEMBERED_SIDE}, unless another image is chosen meanwhile. */
export async function rememberOwnImage(title: string, image: RgbaImage): Promise<void> {
  const choice = ++choices;
  const scale = Math.min(1, REMEMBERED_SIDE / Math.max(image.width, image.height));
  const [width, height] = [Math.max(1, Math.round(image.width * scale)), Math.max(1, Math.round(image.height * scale))];
  const full = new OffscreenCanvas(image.width, image.height);
  full.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  const small = new OffscreenCanvas(width, height);
  const ctx = small.getContext('2d')!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(full, 0, 0, width, height);
  const blob = await small.convertToBlob({ type: 'image/png' });
  const png = await new Promise<string>((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
  if (choice !== choices) return;
  const { sample: _replaced, ...rest } = recallInput();
  store({ ...rest, own: { title, png } });
}
