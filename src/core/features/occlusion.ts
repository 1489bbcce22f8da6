/**
 * Occlusion sensitivity (Zeiler & Fergus 2014, "Visualizing and Understanding
 * Convolutional Networks", §4.2, Fig. 7; https://arxiv.org/abs/1311.2901):
 * cover one square of the image with a grey patch, run the network, and record
 * how much the class probability (or a feature map's activation) falls; slide
 * the patch over the image and the recordings form a map of where the network
 * looks. Unlike the gradient methods it asks what a real, finite change does.
 *
 * It measures the softmax probability p_c = exp(z_c) / Σ_k exp(z_k) of the
 * class, not its logit: covering evidence for one class can leave its logit and
 * raise another's. The occluded images go through the network in batches, so a
 * map of n positions costs ⌈n / batch⌉ forward passes.
 */
import type { ConvNet } from '../convnet';
import { forEachBatch } from './image-set';
import { tf, type Tensor4D } from '../tf';

/** What replaces the pixels under the patch. */
export type OcclusionFill = 'mean' | 'grey' | 'blur';

/** What the map records at each patch position. */
export type OcclusionMeasure =
  | { kind: 'probability'; classIndex: number }
  /** The spatial mean of one channel of a layer's output. */
  | { kind: 'activation'; layer: string; channel: number };

/** Options of {@link occlusionMap}. */
export interface OcclusionOptions {
  /** Side of the square patch, in input pixels. */
  size: number;
  /** Step between patch positions; the map has ⌈height / stride⌉ × ⌈width / stride⌉ cells. */
  stride: number;
  fill: OcclusionFill;
  measure: OcclusionMeasure;
  /** For 'mean': one value per channel, in the network's input range (the data set's mean pixel). */
  meanPixel?: readonly number[];
  /** Occluded images per forward pass. */
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

/** An occlusion map: cell (i, j) holds the measure with the patch centred on pixels [i·s, (i+1)·s) × [j·s, (j+1)·s). */
export interface OcclusionMap {
  width: number;
  height: number;
  /** The measure with the patch at each cell, row-major. */
  data: Float32Array;
  /** The measure on the image without a patch. */
  base: number;
}

/** Zeiler & Fergus slid a grey square; these defaults suit the book's 28–64-pixel inputs. */
export const OCCLUSION_DEFAULTS = { size: 12, stride: 4, fill: 'grey', batchSize: 64 } as const;

/** Top-left corner of the patch for cell `i`: centred on the cell, and kept inside the image. */
export function patchStart(i: number, stride: number, size: number, extent: number): number {
  return Math.max(0, Math.min(extent - size, i * stride + Math.floor((stride - size) / 2)));
}

/** What the patch is painted with: an image the size of the input, or one colour per channel. */
function fillImage(image: Tensor4D, net: ConvNet, options: OcclusionOptions): Tensor4D {
  const [, h, w, c] = image.shape;
  if (options.fill === 'blur') {
    // A box blur as wide as the patch hides the detail under it and keeps its average colour.
    const k = Math.max(1, options.size | 1);
    const box = (x: Tensor4D) => tf.depthwiseConv2d(x, tf.fill([k, k, c, 1], 1 / (k * k)) as tf.Tensor4D, 1, 'same');
    // Dividing by the blurred ones averages only the pixels inside the image at its borders.
    return box(image).div(box(tf.onesLike(image))) as Tensor4D;
  }
  const [a, b] = net.inputRange;
  const colour = options.fill === 'mean' && options.meanPixel?.length === c ? [...options.meanPixel] : Array<number>(c).fill((a + b) / 2);
  return tf.tile(tf.tensor4d(colour, [1, 1, 1, c]), [1, h, w, 1]);
}

function measured(net: ConvNet, x: Tensor4D, measure: OcclusionMeasure): tf.Tensor1D {
  if (measure.kind === 'probability') {
    return tf.softmax(net.forward(x).logits).gather([measure.classIndex], 1).reshape([-1]);
  }
  const act = net.forward(x, { capture: [measure.layer] }).activations[measure.layer]!;
  const channel = tf.gather(act, [measure.channel], act.rank - 1);
  return channel.reshape([x.shape[0], -1]).mean(1);
}

/**
 * The occlusion map of `image` ([1, h, w, c], not disposed) for one class's
 * probability or one channel's mean activation. Rejects when `signal` aborts;
 * holds no tensors after.
 */
export async function occlusionMap(net: ConvNet, image: Tensor4D, options: OcclusionOptions): Promise<OcclusionMap> {
  const [, h, w] = image.shape;
  const { size, stride, measure } = options;
  if (!(Number.isInteger(size) && size >= 1 && size <= Math.min(h, w))) throw new RangeError(`The patch must be 1 to ${Math.min(h, w)} pixels wide, not ${size}.`);
  if (!(Number.isInteger(stride) && stride >= 1 && stride <= Math.min(h, w))) throw new RangeError(`The stride must be 1 to ${Math.min(h, w)} pixels, not ${stride}.`);
  if (measure.kind === 'probability' && !(measure.classIndex >= 0 && measure.classIndex < net.classNames.length)) {
    throw new RangeError(`There is no class ${measure.classIndex}; the network has ${net.classNames.length}.`);
  }
  const rows = Math.ceil(h / stride);
  const cols = Math.ceil(w / stride);
  const fill = tf.tidy(() => fillImage(image, net, options));
  const data = new Float32Array(rows * cols);
  try {
    const baseT = tf.tidy(() => measured(net, image, measure));
    const base = (await baseT.data())[0]!;
    baseT.dispose();
    const positions = {
      size: rows * cols,
      batch: (start: number, end: number) =>
        tf.tidy(() => {
          const mask = new Float32Array((end - start) * h * w);
          for (let n = start; n < end; n++) {
            const top = patchStart(Math.floor(n / cols), stride, size, h);
            const left = patchStart(n % cols, stride, size, w);
            for (let y = top; y < top + size; y++) mask.fill(1, (n - start) * h * w + y * w + left, (n - start) * h * w + y * w + left + size);
          }
          const m = tf.tensor4d(mask, [end - start, h, w, 1]);
          return image.mul(tf.scalar(1).sub(m)).add(fill.mul(m)) as Tensor4D;
        }),
    };
    await forEachBatch(
      positions,
      async (batch, start) => {
        const values = tf.tidy(() => measured(net, batch, measure));
        try {
          data.set(await values.data(), start);
        } finally {
          values.dispose();
        }
      },
      { batchSize: options.batchSize ?? OCCLUSION_DEFAULTS.batchSize, ...(options.signal ? { signal: options.signal } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) },
    );
    return { width: cols, height: rows, data, base };
  } finally {
    fill.dispose();
  }
}
