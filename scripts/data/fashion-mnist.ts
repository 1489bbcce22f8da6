/**
 * Reads Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, Zalando Research, MIT
 * licence) from the gzipped IDX files of the Debian package
 * dataset-fashion-mnist.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Where the Debian package installs the IDX files. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/** Class names, in label order, as in the dataset's README ("Labels" table). */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot',
] as const;

/** One split: `count` 28×28 greyscale images (row-major bytes, 0 = background) and their labels. */
export interface FashionMnistSplit {
  count: number;
  width: 28;
  height: 28;
  images: Uint8Array;
  labels: Uint8Array;
}

/** IDX magic numbers (http://yann.lecun.com/exdb/mnist/): unsigned bytes, 3 or 1 dimensions. */
const IDX_IMAGES = 0x00000803;
const IDX_LABELS = 0x00000801;

function readIdx(path: string, magic: number): { dims: number[]; body: Uint8Array } {
  const bytes = gunzipSync(readFileSync(path));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0) !== magic) throw new Error(`${path}: not an IDX file of magic 0x${magic.toString(16)}`);
  const rank = magic & 0xff;
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const body = bytes.subarray(4 + 4 * rank);
  if (body.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`${path}: truncated`);
  return { dims, body };
}

/** Reads the 'train' (60,000) or 'test' (10,000) split. */
export function readFashionMnist(split: 'train' | 'test', dir = FASHION_MNIST_DIR): FashionMnistSplit {
  const prefix = split === 'train' ? 'train' : 't10k';
  const images = readIdx(join(dir, `${prefix}-images-idx3-ubyte.gz`), IDX_IMAGES);
  const labels = readIdx(join(dir, `${prefix}-labels-idx1-ubyte.gz`), IDX_LABELS);
  const [count, height, width] = images.dims as [number, number, number];
  if (height !== 28 || width !== 28 || labels.dims[0] !== count) throw new Error(`${dir}: unexpected ${split} shapes`);
  return { count, width: 28, height: 28, images: images.body, labels: labels.body };
}
