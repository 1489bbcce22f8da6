/**
 * Feature inversion: Mahendran & Vedaldi 2015, "Understanding Deep Image
 * Representations by Inverting Them" (https://arxiv.org/abs/1412.0035). Given
 * the code Φ₀ = Φ(x₀) of an image at one layer, find an image that the
 * network codes the same way, with a total-variation prior:
 *
 *   x* = arg min_x  ‖Φ(x) − Φ₀‖² / ‖Φ₀‖²  +  λ_V R_V^β(x)           (eqs. 1, 5)
 *
 * The deeper the layer, the more the code has discarded, and the less of the
 * original the reconstruction keeps. Here the image starts from noise and
 * Adam climbs the negative of the objective.
 */
import type { ConvNet } from '../convnet';
import { tf, type Tensor4D } from '../tf';
import { type LayerCode, featureMatch, totalVariation } from './objectives';
import { pixelImage } from './param';
import { clipToRange } from './regularisers';
import { type RenderOptions, type RenderedImage, adam } from './render';

/** β = 2 (the paper's choice for deep codes, §3.2); λ_V, noise and learning rate chosen here for inputs in [0, 1]. */
export const INVERSION_DEFAULTS = { beta: 2, lambda: 0.5, steps: 200, learningRate: 0.02, noise: 0.1 } as const;

/** The code of `image` at `layer`, read back as plain data. */
export async function layerCode(net: ConvNet, image: Tensor4D, layer: string): Promise<LayerCode> {
  const a = tf.tidy(() => net.forward(image, { capture: [layer] }).activations[layer]!.clone());
  try {
    return { layer, shape: a.shape.slice(1), data: (await a.data()) as Float32Array };
  } finally {
    a.dispose();
  }
}

/** Settings of {@link featureInversion}. */
export interface InversionSettings {
  code: LayerCode;
  beta?: number;
  lambda?: number;
  steps?: number;
  learningRate?: number;
  seed?: number;
}

/** The render options of an inversion of `code`. */
export function featureInversion(net: ConvNet, settings: InversionSettings): RenderOptions {
  const { beta, lambda, steps, learningRate, noise } = { ...INVERSION_DEFAULTS, ...settings };
  const match = featureMatch(settings.code);
  return {
    objective: lambda > 0 ? match.minus(totalVariation(beta).times(lambda)) : match,
    steps,
    param: () => pixelImage(net.inputShape, { range: net.inputRange, seed: settings.seed ?? 0, sd: noise }),
    update: () => adam(learningRate),
    regularisers: [clipToRange()],
  };
}

/** Root-mean-square difference of two images, as a fraction of the input range. */
export function imageError(a: RenderedImage | Float32Array, b: Float32Array, range: readonly [number, number]): number {
  const x = a instanceof Float32Array ? a : a.data;
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += (x[i]! - b[i]!) ** 2;
  return Math.sqrt(sum / x.length) / (range[1] - range[0]);
}
