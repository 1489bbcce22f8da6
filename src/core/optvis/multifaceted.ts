/**
 * Multifaceted feature visualisation: Nguyen, Yosinski & Clune 2016,
 * "Multifaceted Feature Visualization: Uncovering the Different Types of
 * Features Learned By Each Neuron in Deep Neural Networks", §2
 * (https://arxiv.org/abs/1602.03616). A unit can respond to several kinds of
 * image (a class "ring" to thin rings and to thick ones); one optimisation from
 * one start finds one of them. So: take the images of a set that most activate
 * the unit, place them by their last hidden layer's features projected to two
 * dimensions (PCA here; the paper uses t-SNE), cluster them with k-means, and
 * start one optimisation from the mean of the images nearest each centre. The
 * starts already look like the facet; the optimisation sharpens what the unit
 * wants in each.
 */
import type { ConvNet } from '../convnet';
import { extractFeatures } from '../features/features';
import { type ForEachBatchOptions, type ImageSet, forEachBatch } from '../features/image-set';
import { pca } from '../features/pca';
import { kMeans } from '../kmeans';
import { mixSeed, mulberry32 } from '../random';
import { tf, type Tensor, type Tensor4D } from '../tf';
import { type Unit, classModel } from './class-model';
import { pixelImage } from './param';
import type { RenderOptions } from './render';

/**
 * Defaults: 4 facets; the top 15% of the set by the unit's score (the paper clusters a class's training
 * images; the book's test subsets are small); the mean of the 5 images nearest each centre (the paper: 15).
 */
export const MULTIFACETED_DEFAULTS = { facets: 4, topFraction: 0.15, closest: 5, kmeansIterations: 20 } as const;

/** One facet's start: the mean of the images nearest its cluster's centre. */
export interface FacetStart {
  /** [H, W, C] in the network's input range. */
  image: Float32Array;
  /** Indices in the set of the images averaged. */
  members: number[];
  /** Size of the whole cluster. */
  clusterSize: number;
}

/** Options of {@link facetStarts}. */
export interface FacetOptions extends Pick<ForEachBatchOptions, 'signal' | 'onProgress'> {
  facets?: number;
  topFraction?: number;
  closest?: number;
  seed?: number;
}

/** The unit's score on every image of a batch, [batch]. */
function unitScores(net: ConvNet, batch: Tensor4D, unit: Unit): Tensor {
  if (unit.kind === 'class') return tf.squeeze(tf.slice(net.forward(batch).logits, [0, unit.index], [-1, 1]), [1]);
  const a = net.forward(batch, { capture: [unit.layer] }).activations[unit.layer]!;
  if (a.rank === 2) return tf.squeeze(tf.slice(a, [0, unit.channel], [-1, 1]), [1]);
  if (unit.kind === 'neuron') return tf.reshape(tf.slice(a, [0, unit.y, unit.x, unit.channel], [-1, 1, 1, 1]), [-1]);
  return tf.mean(tf.slice(a, [0, 0, 0, unit.channel], [-1, -1, -1, 1]), [1, 2, 3]);
}

/** Images `indices` of `set`, one at a time, as a set of their own. */
function subset(set: ImageSet, indices: readonly number[]): ImageSet {
  return {
    size: indices.length,
    async batch(start, end) {
      const parts = await Promise.all(indices.slice(start, end).map((i) => set.batch(i, i + 1)));
      try {
        return tf.concat(parts) as Tensor4D;
      } finally {
        tf.dispose(parts);
      }
    },
  };
}

/** The facets' starts for `unit` over `set`, most populous cluster first. Holds no tensors after. */
export async function facetStarts(net: ConvNet, set: ImageSet, unit: Unit, options: FacetOptions = {}): Promise<FacetStart[]> {
  const { facets, topFraction, closest, kmeansIterations } = { ...MULTIFACETED_DEFAULTS, ...options };
  const scores = new Float32Array(set.size);
  await forEachBatch(
    set,
    async (batch, start) => {
      const s = tf.tidy(() => unitScores(net, batch, unit));
      try {
        scores.set(await s.data(), start);
      } finally {
        s.dispose();
      }
    },
    options,
  );
  const count = Math.min(set.size, Math.max(facets * closest, Math.round(topFraction * set.size)));
  const top = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]!).slice(0, count);
  const chosen = subset(set, top);
  const features = await extractFeatures(net, chosen, { ...(options.signal ? { signal: options.signal } : {}) });
  const points = (await pca(features, 2)).projections;
  const { labels, centres } = kMeans(points, 2, Math.min(facets, count), kmeansIterations, mulberry32(mixSeed(options.seed ?? 0)));
  const [h, w, c] = net.inputShape;
  const starts: FacetStart[] = [];
  for (let k = 0; k < centres.length / 2; k++) {
    const members = top.map((index, i) => ({ index, i })).filter(({ i }) => labels[i] === k);
    if (members.length === 0) continue;
    const distance = (i: number) => (points[i * 2]! - centres[k * 2]!) ** 2 + (points[i * 2 + 1]! - centres[k * 2 + 1]!) ** 2;
    const nearest = members.sort((a, b) => distance(a.i) - distance(b.i)).slice(0, closest);
    const mean = new Float32Array(h * w * c);
    for (const { i } of nearest) {
      const image = await chosen.batch(i, i + 1);
      const data = await image.data();
      image.dispose();
      for (let p = 0; p < mean.length; p++) mean[p]! += data[p]! / nearest.length;
    }
    starts.push({ image: mean, members: nearest.map((m) => m.index), clusterSize: members.length });
  }
  return starts.sort((a, b) => b.clusterSize - a.clusterSize);
}

/** The render options of one facet: the unit's class-model optimisation, started from the facet's mean image. */
export function facetOptimisation(net: ConvNet, start: FacetStart, settings: Parameters<typeof classModel>[1]): RenderOptions {
  const options = classModel(net, { ...settings, parameterisation: 'pixels' });
  const [h, w, c] = net.inputShape;
  return {
    ...options,
    param: () => {
      const p = pixelImage([h, w, c], { range: net.inputRange });
      const image = tf.tensor4d(start.image, [1, h, w, c]);
      p.assign(image);
      image.dispose();
      return p;
    },
  };
}
