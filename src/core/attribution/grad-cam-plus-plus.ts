/**
 * Grad-CAM++: Chattopadhay, Sarkar, Howlader & Balasubramanian 2018,
 * "Grad-CAM++: Generalized Gradient-based Visual Explanations for Deep
 * Convolutional Networks", https://arxiv.org/abs/1710.11063.
 *
 * Each position of a channel gets its own weight α in the channel's weight,
 *   w_k^c = Σ_ij α_ij^kc · ReLU(∂Y^c/∂A^k_ij),   L^c = ReLU(Σ_k w_k^c A^k),
 * with, in general,
 *   α_ij^kc = ∂²Y^c/(∂A^k_ij)² / (2 ∂²Y^c/(∂A^k_ij)² + Σ_ab A^k_ab ∂³Y^c/(∂A^k_ij)³).
 * The paper takes Y^c = exp(S^c), S^c the logit, and assumes S^c is piecewise
 * linear in A beyond the layer (ReLU, max-pooling, convolution, dense), so
 * ∂²S/∂A² = ∂³S/∂A³ = 0 almost everywhere. Then, with g = ∂S^c/∂A^k_ij,
 *   ∂Y/∂A = e^S g,   ∂²Y/∂A² = e^S g²,   ∂³Y/∂A³ = e^S g³,
 * and e^S cancels from α (eq. 19):
 *   α_ij^kc = g² / (2g² + Σ_ab A^k_ab g³)   (0 where the denominator is 0).
 * The weights here are w_k / e^S, i.e. Σ α ReLU(g): the same map up to the
 * positive factor e^S, without overflow for large logits. Where the net after
 * the layer is smooth the assumption fails; grad-cam-plus-plus-reference.ts
 * computes α from the true higher derivatives instead.
 */
import { tf, type Tensor, type Tensor1D } from '../tf';
import { weightedCam } from './pipeline';
import type { AttributionInput, AttributionMap, AttributionMethod } from './types';

/** α from the derivatives of Y / e^S (`y2`, `y3`: second and third) and A; 0 where the denominator vanishes. */
export function plusPlusAlpha(activation: Tensor, y2: Tensor, y3: Tensor): Tensor {
  const den = tf.add(tf.mul(2, y2), tf.mul(tf.sum(activation, [1, 2], true), y3));
  const zero = tf.equal(den, 0);
  return tf.where(zero, tf.zerosLike(den), tf.div(y2, tf.where(zero, tf.onesLike(den), den)));
}

/** The channel weights Σ_ij α_ij ReLU(y1) of [1, H, W, C] tensors. */
export function plusPlusWeights(alpha: Tensor, y1: Tensor): Tensor1D {
  return tf.sum(tf.mul(alpha, tf.relu(y1)), [0, 1, 2]) as Tensor1D;
}

/** Grad-CAM++ by the closed form; extras: weights (w_k / e^S), alpha (HWC, row-major) and the logit score S. */
export function gradCamPlusPlus(input: AttributionInput): Promise<AttributionMap> {
  return weightedCam(input, ({ activation, gradient: g, score }) => {
    const g2 = tf.square(g);
    const alpha = plusPlusAlpha(activation, g2, tf.mul(g2, g));
    return { weights: plusPlusWeights(alpha, g), extras: { alpha, score } };
  });
}

/** Registry entry of {@link gradCamPlusPlus}. */
export const gradCamPlusPlusMethod: AttributionMethod = {
  id: 'grad-cam-plus-plus',
  title: 'Grad-CAM++',
  paper: {
    authors: 'Chattopadhay, Sarkar, Howlader & Balasubramanian',
    year: 2018,
    title: 'Grad-CAM++: Generalized Gradient-based Visual Explanations for Deep Convolutional Networks',
    url: 'https://arxiv.org/abs/1710.11063',
  },
  needsLayer: true,
  attribute: gradCamPlusPlus,
};
