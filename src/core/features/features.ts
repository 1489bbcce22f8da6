/**
 * A data set as points in a vector space, the input of nearest neighbours,
 * PCA and t-SNE: either what a network's last hidden layer holds (the vector
 * the classifier reads, e.g. the global average pooling output that feeds the
 * last dense layer), or the pixels themselves, to compare against.
 */
import type { ConvNet } from '../convnet';
import { tf, type Tensor4D } from '../tf';
import { type ForEachBatchOptions, type ImageSet, forEachBatch } from './image-set';

/** `count` vectors of `dim` numbers, row after row. */
export interface VectorSet {
  count: number;
  dim: number;
  data: Float32Array;
  labels?: readonly number[];
}

/**
 * The last hidden layer: the nearest layer before the logits whose output is
 * one vector per image and not itself class scores. For the book's networks it
 * is the global average pooling ('gap'); null when no such layer exists.
 */
export function featureLayer(net: Pick<ConvNet, 'layers' | 'logitLayer' | 'classNames'>): string | null {
  const end = net.layers.findIndex((l) => l.name === net.logitLayer);
  for (let i = end - 1; i > 0; i--) {
    const shape = net.layers[i]!.outputShape;
    if (shape.length === 1 && (shape[0] !== net.classNames.length || net.layers[i]!.kind === 'gap')) return net.layers[i]!.name;
  }
  return null;
}

/** Layers whose output can serve as features: every layer before the logits (spatial ones are averaged over space). */
export function featureLayerChoices(net: Pick<ConvNet, 'layers' | 'logitLayer'>): string[] {
  const end = net.layers.findIndex((l) => l.name === net.logitLayer);
  return net.layers.slice(1, end).filter((l) => l.outputShape.length === 1 || l.outputShape.length === 3).map((l) => l.name);
}

/** One feature vector per image: the layer's output, or its mean over space for a layer with feature maps. */
function asVectors(act: tf.Tensor): tf.Tensor2D {
  return (act.rank === 4 ? act.mean([1, 2]) : act.reshape([act.shape[0]!, -1])) as tf.Tensor2D;
}

/**
 * The features of every image of `set` at `layer` (the last hidden layer by
 * default), one forward pass per batch. Holds no tensors after; rejects when
 * the signal aborts.
 */
export async function extractFeatures(
  net: ConvNet,
  set: ImageSet,
  { layer = featureLayer(net) ?? undefined, ...walk }: ForEachBatchOptions & { layer?: string | undefined } = {},
): Promise<VectorSet> {
  if (!layer) throw new Error(`${net.title} has no hidden layer with one vector per image before its class scores; pick a layer.`);
  return collect(set, (batch) => asVectors(net.forward(batch, { capture: [layer] }).activations[layer]!), walk);
}

/**
 * The pixels of every image of `set` as vectors, in the network's input range.
 * With `side`, images are first averaged down to at most side × side (area
 * averaging), which keeps pixel-space PCA and t-SNE affordable.
 */
export async function pixelVectors(set: ImageSet, { side, ...walk }: ForEachBatchOptions & { side?: number } = {}): Promise<VectorSet> {
  return collect(
    set,
    (batch) => {
      const [, h, w] = batch.shape;
      const f = side ? Math.max(1, Math.ceil(Math.max(h, w) / side)) : 1;
      const small = f > 1 ? tf.avgPool(batch, f, f, 'same') : batch;
      return small.reshape([batch.shape[0], -1]) as tf.Tensor2D;
    },
    walk,
  );
}

async function collect(set: ImageSet, vectors: (batch: Tensor4D) => tf.Tensor2D, walk: ForEachBatchOptions): Promise<VectorSet> {
  let data: Float32Array | null = null;
  let dim = 0;
  await forEachBatch(
    set,
    async (batch, start) => {
      const v = tf.tidy(() => vectors(batch));
      try {
        dim = v.shape[1];
        data ??= new Float32Array(set.size * dim);
        data.set(await v.data(), start * dim);
      } finally {
        v.dispose();
      }
    },
    walk,
  );
  return { count: set.size, dim, data: data ?? new Float32Array(0), ...(set.labels ? { labels: set.labels } : {}) };
}
