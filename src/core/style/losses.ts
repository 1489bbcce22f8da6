/**
 * Losses of texture synthesis and style transfer, and their render options.
 *
 * Style (Gatys et al. 2015, eqs. 4-5): L_style = Σ_l w_l E_l with
 * E_l = 1/(4 N_l²) Σ_ij (G_ij − Â_ij)² and G = F Fᵀ / M (see gram.ts).
 * Content (Gatys et al. 2016, eq. 1): L_content = ½ Σ_ij (F_ij − P_ij)², here divided by the
 * number of entries N·M so that its weight does not depend on the layer or the image size.
 * Total variation from optvis (objectives.ts), per pixel.
 *
 * Style transfer minimises α L_content + β L_style + γ L_TV (Gatys et al. 2016, eq. 7, with the TV
 * term of their implementation). The render loop maximises, so the objectives here are the negatives.
 * Gatys et al. used L-BFGS; here Adam on the pixels, as the render loop does.
 *
 * A second form of the style term, `'stats'`, matches the same statistics weighed differently. As
 * G = Σ + μ μᵀ (gram.ts), G and μ together fix the covariance Σ; the layer term
 *
 *   E_l = ‖Σ − Σ̂‖² / ‖Σ̂‖² + ‖μ − μ̂‖² / ‖μ̂‖²
 *
 * is zero exactly when G and μ equal the targets', like eq. 4's (with μ matched too), but it measures
 * each part relative to its own size. Where the channel means are large against their spread (untrained
 * ReLU features without biases, a low-contrast sample), eq. 4 is nearly all μ μᵀ: a synthesis can
 * bring it to 1% of its start while the covariance, which holds the texture's structure, is still far
 * off. The relative form keeps both parts, and every layer, in play.
 */
import type { ConvNet } from '../convnet';
import { type LayerCode, Objective, totalVariation, totalVariationOf } from '../optvis/objectives';
import { pixelImage } from '../optvis/param';
import { clipToRange } from '../optvis/regularisers';
import type { RenderOptions, Update } from '../optvis/render';
import { tf, type Tensor } from '../tf';
import { type GramTarget, gramMatrix } from './gram';

type Scalar = ReturnType<typeof tf.scalar>;

/** One layer's style term: the target Gram matrix and its weight w_l. */
export interface StyleLayer {
  target: GramTarget;
  weight: number;
}

/** E_l = 1/(4N²) Σ (G − Â)² of a feature map against a target. Synchronous. */
export function layerStyleLoss(features: Tensor, target: GramTarget): Scalar {
  const n = target.channels;
  if (features.shape[features.rank - 1] !== n) throw new Error(`Layer "${target.layer}" has ${features.shape[features.rank - 1]} channels; its target has ${n}.`);
  const g = gramMatrix(features);
  const a = tf.tensor2d(target.data, [n, n]);
  return tf.div(tf.sum(tf.squaredDifference(g, a)), 4 * n * n) as Scalar;
}

/** Which layer term the style loss sums: eq. 4 on G (`'gram'`), or the relative mean-and-covariance form (`'stats'`). */
export type StyleLossKind = 'gram' | 'stats';

/** Below this squared norm a target's covariance or mean counts as zero: its term is then absolute. */
const TINY = 1e-12;

/** E_l = ‖Σ − Σ̂‖² / ‖Σ̂‖² + ‖μ − μ̂‖² / ‖μ̂‖², with Σ̂ = Â − μ̂ μ̂ᵀ (see the module comment). Synchronous. */
export function layerStatsLoss(features: Tensor, target: GramTarget): Scalar {
  const n = target.channels;
  if (features.shape[features.rank - 1] !== n) throw new Error(`Layer "${target.layer}" has ${features.shape[features.rank - 1]} channels; its target has ${n}.`);
  if (!target.mean || target.mean.length !== n) throw new Error(`The target of layer "${target.layer}" has no channel means; take it with gramTargets.`);
  const f = tf.reshape(features, [-1, n]);
  const mu = tf.mean(f, 0, true); // [1, N]
  const centred = tf.sub(f, mu);
  const cov = tf.div(tf.matMul(centred, centred, true, false), f.shape[0]!);
  const muT = tf.tensor2d(target.mean, [1, n]);
  const covT = tf.sub(tf.tensor2d(target.data, [n, n]), tf.matMul(muT, muT, true, false));
  const relative = (a: Tensor, b: Tensor) => tf.div(tf.sum(tf.squaredDifference(a, b)), tf.maximum(tf.sum(tf.square(b)), TINY));
  return tf.add(relative(cov, covT), relative(mu, muT)) as Scalar;
}

/** Σ_l w_l E_l over captured activations, E_l of the chosen kind. Synchronous. */
export function styleLoss(activations: Record<string, Tensor>, layers: readonly StyleLayer[], kind: StyleLossKind = 'gram'): Scalar {
  const term = kind === 'stats' ? layerStatsLoss : layerStyleLoss;
  let total: Scalar = tf.scalar(0);
  for (const { target, weight } of layers) {
    const a = activations[target.layer];
    if (!a) throw new Error(`The forward pass did not capture layer "${target.layer}".`);
    total = tf.add(total, tf.mul(term(a, target), weight)) as Scalar;
  }
  return total;
}

/** ½ Σ (F − P)² / (N·M) of a feature map against the content code. Synchronous. */
export function contentLoss(features: Tensor, code: LayerCode): Scalar {
  const target = tf.tensor(code.data, [1, ...code.shape]);
  if (features.size !== target.size) throw new Error(`Layer "${code.layer}" has ${features.size} values; the content code has ${target.size}.`);
  return tf.div(tf.sum(tf.squaredDifference(tf.reshape(features, target.shape), target)), 2 * target.size) as Scalar;
}

/** −L_style as an objective for the render loop. */
export function styleObjective(layers: readonly StyleLayer[], kind: StyleLossKind = 'gram'): Objective {
  return new Objective(layers.map((l) => l.target.layer), (ctx) => tf.neg(styleLoss(ctx.result.activations, layers, kind)) as Scalar, '−L_style');
}

/** −L_content as an objective for the render loop. */
export function contentObjective(code: LayerCode): Objective {
  return new Objective(
    [code.layer],
    (ctx) => {
      const a = ctx.result.activations[code.layer];
      if (!a) throw new Error(`The forward pass did not capture layer "${code.layer}".`);
      return tf.neg(contentLoss(a, code)) as Scalar;
    },
    '−L_content',
  );
}

/** Image size: default and the largest the figures allow (WASM time per step grows with H·W). */
export const STYLE_SIZE = { default: 64, max: 128, min: 16 } as const;

/**
 * Adam's starting rate on pixels (per unit of the input range), and the starting noise. The rate was 0.02;
 * at 0.05 the figure's default synthesis converges in about a third of the steps at 64 and at 128 pixels
 * and ends lower (tests/core/style/measure-convergence.ts, README "Texture and style").
 */
export const SYNTHESIS_DEFAULTS = { steps: 300, learningRate: 0.05, noise: 0.1, tvWeight: 0 } as const;

/** Style transfer's defaults: the rate of synthesis, which took it at 128 pixels from never converging in 200 steps to about 70 (README). */
export const TRANSFER_DEFAULTS = { steps: 200, learningRate: SYNTHESIS_DEFAULTS.learningRate } as const;

/**
 * Adam whose learning rate decays geometrically from `learningRate` to `learningRate · final` over `steps`
 * steps. With a constant rate Adam keeps moving every pixel by about the rate even when the gradient is
 * tiny and its sign random, which leaves pixel noise that the Gram loss hardly sees; the decay lets the
 * image settle (L-BFGS, which Gatys et al. used, settles by itself).
 */
export function decayingAdam(learningRate: number, steps: number, final = 0.05): Update {
  const optimizer = tf.train.adam(learningRate);
  const factor = final ** (1 / Math.max(1, steps - 1));
  let rate = learningRate;
  return {
    step(variables, objective) {
      // tfjs reads the rate on every step; it has no public setter.
      (optimizer as unknown as { learningRate: number }).learningRate = rate;
      rate *= factor;
      const cost = optimizer.minimize(() => tf.neg(objective()), true, variables as ReturnType<typeof tf.variable>[])!;
      const value = tf.neg(cost);
      cost.dispose();
      return value as Scalar;
    },
    dispose: () => optimizer.dispose(),
  };
}

/** Checks a figure's image size, with a clear message. */
export function checkSize(size: number): number {
  if (!Number.isInteger(size) || size < STYLE_SIZE.min || size > STYLE_SIZE.max) throw new Error(`The image size must be a whole number from ${STYLE_SIZE.min} to ${STYLE_SIZE.max} pixels; got ${size}.`);
  return size;
}

/** Settings of {@link textureSynthesis}. */
export interface SynthesisSettings {
  layers: readonly StyleLayer[];
  size?: number;
  steps?: number;
  learningRate?: number;
  tvWeight?: number;
  seed?: number;
  /** Standard deviation of the starting noise, as a fraction of the input range. */
  noise?: number;
  /** The style term: eq. 4 (`'gram'`, the default) or the relative mean-and-covariance form. */
  loss?: StyleLossKind;
  /** Start from this image ([size, size, C] floats in the input range, e.g. a coarser result upsampled) rather than noise. */
  start?: Float32Array;
}

/** Render options of Gram texture synthesis from noise (Gatys et al. 2015). */
export function textureSynthesis(net: ConvNet, settings: SynthesisSettings): RenderOptions {
  const { steps, learningRate, noise, tvWeight } = { ...SYNTHESIS_DEFAULTS, ...settings };
  const size = checkSize(settings.size ?? STYLE_SIZE.default);
  if (settings.layers.length === 0) throw new Error('Texture synthesis needs at least one layer.');
  const style = styleObjective(settings.layers, settings.loss ?? 'gram');
  return {
    objective: tvWeight > 0 ? style.minus(totalVariation(2).times(tvWeight)) : style,
    steps,
    param: () => startImage(net, size, settings.seed ?? 0, noise, settings.start),
    update: () => decayingAdam(learningRate, steps),
    regularisers: [clipToRange()],
  };
}

/** Pixels to optimise: seeded noise, or `start` when given (checked against the size). */
function startImage(net: ConvNet, size: number, seed: number, noise: number, start?: Float32Array) {
  const channels = net.inputShape[2];
  const p = pixelImage([size, size, channels], { range: net.inputRange, seed, sd: noise });
  if (start) {
    if (start.length !== size * size * channels) {
      p.dispose();
      throw new Error(`The start image must be ${size}×${size}×${channels}.`);
    }
    const t = tf.tensor4d(start, [1, size, size, channels]);
    p.assign(t);
    t.dispose();
  }
  return p;
}

/** Settings of {@link styleTransfer}: α, β, γ of α L_content + β L_style + γ L_TV. */
export interface TransferSettings {
  content: LayerCode;
  layers: readonly StyleLayer[];
  contentWeight: number;
  styleWeight: number;
  tvWeight: number;
  size: number;
  steps?: number;
  learningRate?: number;
  seed?: number;
  /** Start from the content image (the default: faster) rather than noise. */
  start?: Float32Array;
}

/** Render options of Gatys style transfer. */
export function styleTransfer(net: ConvNet, settings: TransferSettings): RenderOptions {
  const { steps, learningRate, noise } = { ...SYNTHESIS_DEFAULTS, ...TRANSFER_DEFAULTS, ...settings };
  const size = checkSize(settings.size);
  const { contentWeight: alpha, styleWeight: beta, tvWeight: gamma } = settings;
  if (![alpha, beta, gamma].every((w) => Number.isFinite(w) && w >= 0)) throw new Error('The content, style and TV weights must be non-negative numbers.');
  const objective = contentObjective(settings.content).times(alpha).plus(styleObjective(settings.layers).times(beta)).minus(totalVariation(2).times(gamma));
  return {
    objective,
    steps,
    param: () => startImage(net, size, settings.seed ?? 0, noise, settings.start),
    update: () => decayingAdam(learningRate, steps),
    regularisers: [clipToRange()],
  };
}

/** The three terms of style transfer at one image, unweighted, as plain numbers (for charting each term's role). */
export interface TransferTerms {
  content: number;
  style: number;
  tv: number;
}

/**
 * L_content, L_style and L_TV of `image` (the [H, W, C] floats the render loop reports), unweighted:
 * one forward pass without a gradient, so a view can chart each term beside the weighted sum the loop climbs.
 */
export async function transferTerms(net: ConvNet, image: { width: number; height: number; channels: number; data: Float32Array }, settings: Pick<TransferSettings, 'content' | 'layers'>): Promise<TransferTerms> {
  const values = tf.tidy(() => {
    const x = tf.tensor4d(image.data, [1, image.height, image.width, image.channels]);
    const capture = [...new Set([settings.content.layer, ...settings.layers.map((l) => l.target.layer)])];
    const { activations } = net.forward(x, { capture });
    const tv = tf.div(totalVariationOf(x, 2, net.inputRange), image.height * image.width);
    return tf.stack([contentLoss(activations[settings.content.layer]!, settings.content), styleLoss(activations, settings.layers), tv]);
  });
  try {
    const [content, style, tv] = (await values.data()) as Float32Array;
    return { content: content!, style: style!, tv: tv! };
  } finally {
    values.dispose();
  }
}
