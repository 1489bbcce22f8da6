/**
 * Gram matrices of feature maps: Gatys, Ecker & Bethge 2015, "Texture
 * Synthesis Using Convolutional Neural Networks" (https://arxiv.org/abs/1505.07376),
 * §2. With the N channels of a layer's feature map as the rows of
 * F ∈ R^{N×M} (M = H·W positions), the paper's Gram matrix is G = F Fᵀ,
 * G_ij = Σ_k F_ik F_jk, and its layer loss is
 *
 *   E_l = 1/(4 N² M²) · Σ_ij (G_ij − Â_ij)²                       (eq. 4)
 *
 * Here the Gram matrix is divided by M, G = F Fᵀ / M (the mean over positions
 * of the outer product of the channel vector), so that a layer's Gram matrix
 * does not depend on the image size and the style image may be smaller or
 * larger than the synthesised one. The layer loss becomes
 * E_l = 1/(4 N²) · Σ_ij (G_ij − Â_ij)², which is exactly eq. 4 when both
 * images have the same size.
 *
 * Since G = Σ + μ μᵀ (Σ the covariance of the channel vector over positions, μ its mean), matching G is
 * matching the means and the covariance together; {@link gramTargets} keeps μ beside G so that a loss
 * can weigh the two parts separately (losses.ts, `'stats'`).
 *
 * Targets are plain data (no tensors), uploaded in each evaluation.
 */
import type { ConvNet } from '../convnet';
import { tf, type Tensor, type Tensor4D } from '../tf';

/** The Gram matrix of one layer as plain data: [channels × channels], row-major. */
export interface GramTarget {
  layer: string;
  channels: number;
  data: Float32Array;
  /** μ, the mean over positions of each channel (length `channels`), where known. */
  mean?: Float32Array;
}

/** G = F Fᵀ / (H·W) of a feature map [1, H, W, N] (or [H, W, N]): an [N, N] tensor. Synchronous; call in tf.tidy or a gradient. */
export function gramMatrix(features: Tensor): Tensor {
  if (features.rank !== 3 && features.rank !== 4) throw new Error(`A Gram matrix needs a feature map [1, H, W, C]; got shape [${features.shape.join(', ')}].`);
  if (features.rank === 4 && features.shape[0] !== 1) throw new Error(`A Gram matrix is of one image; got a batch of ${features.shape[0]}.`);
  const n = features.shape[features.rank - 1]!;
  const f = tf.reshape(features, [-1, n]); // [M, N]: rows are positions
  const m = f.shape[0]!;
  return tf.div(tf.matMul(f, f, true, false), m);
}

/** The Gram matrices of `image` at `layers` of `net`, read back as plain data. */
export async function gramTargets(net: ConvNet, image: Tensor4D, layers: readonly string[]): Promise<GramTarget[]> {
  const grams = tf.tidy(() => {
    const result = net.forward(image, { capture: layers });
    return layers.map((layer) => {
      const a = result.activations[layer];
      if (!a) throw new Error(`The network has no layer "${layer}" to take a Gram matrix of.`);
      if (a.rank !== 4) throw new Error(`Layer "${layer}" is not a feature map (shape [${a.shape.join(', ')}]); choose a convolutional layer.`);
      return [gramMatrix(a), tf.mean(tf.reshape(a, [-1, a.shape[3]!]), 0)];
    });
  });
  try {
    const data = await Promise.all(grams.map(([g, m]) => Promise.all([g!.data() as Promise<Float32Array>, m!.data() as Promise<Float32Array>])));
    return layers.map((layer, i) => ({ layer, channels: grams[i]![0]!.shape[0]!, data: data[i]![0], mean: data[i]![1] }));
  } finally {
    tf.dispose(grams.flat());
  }
}

/**
 * Several styles blended: for each layer, Â = Σ_s w_s Â_s / Σ_s w_s, the weighted mean of the
 * styles' target Gram matrices, so that the style loss pulls the result towards a mixture of their statistics.
 * `styles[s]` lists the same layers in the same order for every style.
 */
export function blendGrams(styles: readonly (readonly GramTarget[])[], weights: readonly number[]): GramTarget[] {
  if (styles.length === 0) throw new Error('Blending needs at least one style.');
  if (weights.length !== styles.length) throw new Error(`Blending ${styles.length} styles needs ${styles.length} weights; got ${weights.length}.`);
  if (weights.some((w) => !Number.isFinite(w) || w < 0)) throw new Error('Blend weights must be non-negative numbers.');
  const total = weights.reduce((s, w) => s + w, 0);
  if (total <= 0) throw new Error('At least one blend weight must be above zero.');
  return styles[0]!.map((first, l) => {
    const data = new Float32Array(first.data.length);
    const withMeans = styles.every((style) => style[l]?.mean);
    const mean = withMeans ? new Float32Array(first.channels) : undefined;
    styles.forEach((style, s) => {
      const g = style[l];
      if (!g || g.layer !== first.layer || g.data.length !== first.data.length) throw new Error(`Style ${s + 1} does not have layer "${first.layer}" with ${first.channels} channels.`);
      const w = weights[s]! / total;
      for (let i = 0; i < data.length; i++) data[i]! += w * g.data[i]!;
      if (mean) for (let i = 0; i < mean.length; i++) mean[i]! += w * g.mean![i]!;
    });
    return mean ? { layer: first.layer, channels: first.channels, data, mean } : { layer: first.layer, channels: first.channels, data };
  });
}

/**
 * The style image resized by `scale` (bilinear) before its Gram matrices are taken: the "style scale"
 * of Gatys et al. 2017, "Controlling Perceptual Factors in Neural Style Transfer", §5. A smaller
 * style image makes its strokes larger relative to the network's receptive fields in the result.
 */
export function scaleImage(image: Tensor4D, scale: number): Tensor4D {
  if (!Number.isFinite(scale) || scale <= 0) throw new Error(`The style scale must be a positive number; got ${scale}.`);
  return tf.tidy(() => {
    const [, h, w] = image.shape;
    const size: [number, number] = [Math.max(1, Math.round(h * scale)), Math.max(1, Math.round(w * scale))];
    return tf.image.resizeBilinear(image, size, true);
  });
}
