/**
 * The book's test subsets as image sets (src/core/features/image-set.ts), for
 * the figures that run a network over a whole data set. The images are the
 * shipped sprites (public/data/<dataset>/images.png, one tile per test image,
 * made by scripts/lib/sprites.ts), decoded once per page and kept as bytes.
 */
import type { ConvNet } from '../core/convnet';
import { type ImageSet, type PixelImages, pixelImageSet } from '../core/features/image-set';
import { type RgbaImage, toRgba } from '../core/image';
import { type Sample, testSample } from './workbench';
import { assetUrl } from './assets';

/** The data sets the book ships a test subset of. */
export type TestDataset = 'fashion-mnist' | 'scenes';

/** The subset the book's network `modelId` was tested on; for another network, the one with its number of channels. */
export function datasetFor(modelId: string, net: Pick<ConvNet, 'inputShape'>): TestDataset {
  if (modelId === 'fashion-vgg') return 'fashion-mnist';
  if (modelId === 'scenes-cnn') return 'scenes';
  return net.inputShape[2] === 1 ? 'fashion-mnist' : 'scenes';
}

/** What labels.json beside each sprite says. */
interface SpriteMeta {
  count: number;
  labels: number[];
  tile: { width: number; height: number; channels: 1 | 3; columns: number };
}

const loaded = new Map<TestDataset, Promise<PixelImages>>();

async function decodeSprite(dataset: TestDataset): Promise<PixelImages> {
  const base = assetUrl(`data/${dataset}/`);
  const [meta, blob] = await Promise.all([
    fetch(`${base}labels.json`).then((r) => r.json() as Promise<SpriteMeta>),
    fetch(`${base}images.png`).then((r) => r.blob()),
  ]);
  const bitmap = await createImageBitmap(blob);
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d', { willReadFrequently: true })!;
  context.drawImage(bitmap, 0, 0);
  bitmap.close();
  const rgba = context.getImageData(0, 0, canvas.width, canvas.height).data;
  const { width, height, channels, columns } = meta.tile;
  const pixels = new Uint8Array(meta.count * width * height * channels);
  let k = 0;
  // Tile by tile, so that each image's bytes are contiguous, as a batch slices them.
  for (let i = 0; i < meta.count; i++) {
    const left = (i % columns) * width;
    const top = Math.floor(i / columns) * height;
    for (let y = 0; y < height; y++) {
      let p = ((top + y) * canvas.width + left) * 4;
      for (let x = 0; x < width; x++, p += 4) {
        for (let c = 0; c < channels; c++) pixels[k++] = rgba[p + c]!;
      }
    }
  }
  return { pixels, count: meta.count, height, width, channels, labels: meta.labels };
}

/** The test subset's images as bytes, with their labels; decoded on first use and shared by the page's figures. */
export function testImages(dataset: TestDataset): Promise<PixelImages> {
  let images = loaded.get(dataset);
  if (!images) {
    images = decodeSprite(dataset);
    loaded.set(dataset, images);
    images.catch(() => loaded.delete(dataset));
  }
  return images;
}

/** The test subset of `dataset` as inputs of `net`: resized, converted and scaled as it expects. */
export async function testImageSet(dataset: TestDataset, net: Pick<ConvNet, 'inputShape' | 'inputRange'>): Promise<ImageSet> {
  const [height, width, channels] = net.inputShape;
  return pixelImageSet(await testImages(dataset), { height, width, channels: channels === 1 ? 1 : 3, range: net.inputRange });
}

/** The book's network trained on `dataset`, whose test images `testSample` gives with all they carry (masks). */
const DATASET_MODEL: Record<TestDataset, string> = { 'fashion-mnist': 'fashion-vgg', scenes: 'scenes-cnn' };

/** Test image `index` of a subset as RGBA pixels. */
export function tileImage(images: PixelImages, index: number): RgbaImage {
  const { height, width, channels } = images;
  const size = height * width * channels;
  const { pixels } = images;
  return toRgba({ width, height, channels, data: new Uint8ClampedArray(pixels.buffer, pixels.byteOffset + index * size, size) });
}

/**
 * Test image `index` of `dataset` as the workbench's sample, for the figures
 * that let the reader pick an image from the subset: the book's own sample
 * when the dataset is the current network's, so its URL and mask stay right.
 */
export async function testSetSample(dataset: TestDataset, modelId: string, index: number): Promise<Sample> {
  if (DATASET_MODEL[dataset] === modelId) return testSample(modelId, index);
  const images = await testImages(dataset);
  return { image: tileImage(images, index), title: `${dataset} test image ${index}`, label: images.labels![index]!, ref: `test:${index}` };
}

/** All tiles of a subset on one canvas, `columns` to a row, for figures that draw many thumbnails. */
export function spriteCanvas(images: PixelImages, columns = 50): HTMLCanvasElement {
  const { height, width, count } = images;
  const canvas = document.createElement('canvas');
  canvas.width = columns * width;
  canvas.height = Math.ceil(count / columns) * height;
  const context = canvas.getContext('2d')!;
  for (let i = 0; i < count; i++) {
    const tile = tileImage(images, i);
    context.putImageData(new ImageData(new Uint8ClampedArray(tile.data), width, height), (i % columns) * width, Math.floor(i / columns) * height);
  }
  return canvas;
}
