/**
 * Regularisers applied to the image between steps, as operations rather than
 * penalties: Yosinski et al. 2015, "Understanding Neural Networks Through Deep
 * Visualization", §3 (https://arxiv.org/abs/1506.06579): L2 decay, Gaussian
 * blur every few steps, and clipping to zero (the centre of the input range)
 * the pixels with a small norm or a small contribution to the objective; and
 * clipping into the input range. Each acts on the image the parameterisation
 * gives and writes its result back through `assign`. Penalties that are part
 * of the objective (‖x‖², total variation) are in objectives.ts.
 */
import { tf, type Tensor, type Tensor4D } from '../tf';
import { gaussianBlur } from './resample';

/** What a regulariser sees after step `step`. */
export interface RegulariserContext {
  /** The current image, [1, H, W, C], in the input range. */
  image: Tensor4D;
  /** ∂objective/∂image at the current image (computed when first asked for). */
  gradient(): Tensor4D;
  step: number;
  range: readonly [number, number];
}

/** A step regulariser: the new image, or null when it leaves this step alone. Runs inside tf.tidy. */
export type Regulariser = (ctx: RegulariserContext) => Tensor4D | null;

const centreOf = (range: readonly [number, number]) => (range[0] + range[1]) / 2;

/** x ← (1 − θ)·x, with x measured from the centre of the range (the "L2 decay" of Yosinski et al., r_θ(x) = (1 − θ)x). */
export function l2Decay(theta: number): Regulariser {
  return ({ image, range }) => {
    if (theta <= 0) return null;
    const c = centreOf(range);
    return tf.add(tf.mul(tf.sub(image, c), 1 - theta), c) as Tensor4D;
  };
}

/** A Gaussian blur of σ pixels after every `every`-th step (Yosinski et al.: blur width θ_b_width, every θ_b_every). */
export function blurEvery(every: number, sigma: number): Regulariser {
  return ({ image, step }) => (every > 0 && sigma > 0 && step % every === 0 ? gaussianBlur(image, sigma) : null);
}

/** A mask, [1, H, W, 1], of the pixels whose `score` (per pixel, [1, H, W, 1]) is not below its `percentile`. */
function abovePercentile(score: Tensor, percentile: number): Tensor {
  const flat = tf.reshape(score, [-1]);
  const n = flat.shape[0]!;
  const keep = n - Math.floor((percentile / 100) * n);
  if (keep <= 0) return tf.zerosLike(score);
  const threshold = tf.min(tf.topk(flat, keep).values);
  return tf.cast(tf.greaterEqual(score, threshold), 'float32');
}

/** Sets the pixels outside `mask` to the centre of the range. */
function keepOnly(image: Tensor4D, mask: Tensor, range: readonly [number, number]): Tensor4D {
  const c = centreOf(range);
  return tf.add(tf.mul(tf.sub(image, c), mask), c) as Tensor4D;
}

/** Pixels whose colour norm ‖x_ij − centre‖ is below the given percentile are set to the centre (θ_n_pct). */
export function clipSmallNorm(percentile: number): Regulariser {
  return ({ image, range }) => {
    if (percentile <= 0) return null;
    const norm = tf.sqrt(tf.sum(tf.square(tf.sub(image, centreOf(range))), 3, true));
    return keepOnly(image, abovePercentile(norm, percentile), range);
  };
}

/**
 * Pixels whose contribution |Σ_c x_ijc · ∂objective/∂x_ijc| (x from the centre: the first-order estimate of
 * how much the objective would lose if the pixel were set to the centre) is below the percentile are set
 * to the centre (θ_c_pct).
 */
export function clipSmallContribution(percentile: number): Regulariser {
  return ({ image, range, gradient }) => {
    if (percentile <= 0) return null;
    const contribution = tf.abs(tf.sum(tf.mul(tf.sub(image, centreOf(range)), gradient()), 3, true));
    return keepOnly(image, abovePercentile(contribution, percentile), range);
  };
}

/** Clips every pixel into the network's input range. */
export function clipToRange(): Regulariser {
  return ({ image, range }) => tf.clipByValue(image, range[0], range[1]) as Tensor4D;
}

/**
 * The four hyperparameter combinations of Yosinski et al. 2015, Table 1 (θ_decay, θ_b_width, θ_b_every,
 * θ_n_pct, θ_c_pct), which "produce different styles of recognizable images".
 */
export const YOSINSKI_PRESETS = [
  { decay: 0, blurSigma: 0.5, blurEvery: 4, normPercentile: 50, contributionPercentile: 0 },
  { decay: 0.3, blurSigma: 0, blurEvery: 0, normPercentile: 20, contributionPercentile: 0 },
  { decay: 0.0001, blurSigma: 1.0, blurEvery: 4, normPercentile: 0, contributionPercentile: 0 },
  { decay: 0, blurSigma: 0.5, blurEvery: 4, normPercentile: 0, contributionPercentile: 90 },
] as const;

/** One setting of the Yosinski et al. regularisers. */
export interface YosinskiSettings {
  decay: number;
  blurSigma: number;
  blurEvery: number;
  normPercentile: number;
  contributionPercentile: number;
}

/** The regularisers of one setting, in the order of their code: decay, blur, then the two clippings. */
export function yosinskiRegularisers(s: YosinskiSettings): Regulariser[] {
  return [l2Decay(s.decay), blurEvery(s.blurEvery, s.blurSigma), clipSmallNorm(s.normPercentile), clipSmallContribution(s.contributionPercentile)];
}
