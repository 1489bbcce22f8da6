/**
 * Class model visualisation: Simonyan, Vedaldi & Zisserman 2014, "Deep Inside
 * Convolutional Networks", §2 (https://arxiv.org/abs/1312.6034). From the zero
 * image (here mid-grey: the centre of the input range), gradient ascent on
 *
 *   arg max_I  S_c(I) − λ‖I‖²₂                                     (eq. 1)
 *
 * with S_c the class's logit, not its softmax probability, which can rise by
 * lowering the other classes. Each step follows the gradient, with its length
 * normalised (mean |∇| = 1) so that one learning rate suits a logit and a
 * single neuron, whose gradients differ by orders of magnitude. The same loop visualises an inner unit (a
 * channel's mean, or one neuron) in place of S_c, and takes the regularisers of
 * Yosinski et al. 2015 (§3, Table 1) as operations between steps.
 */
import type { ConvNet } from '../convnet';
import { type Objective, channel, classLogit, imageL2, neuron } from './objectives';
import { fourierImage, pixelImage } from './param';
import { standardTransforms } from './transforms';
import { type YosinskiSettings, YOSINSKI_PRESETS, clipToRange, yosinskiRegularisers } from './regularisers';
import { type RenderOptions, adam, normalisedAscent } from './render';

/** What is visualised: a class logit, a channel's mean activation, or one neuron of a layer. */
export type Unit =
  | { kind: 'class'; index: number }
  | { kind: 'channel'; layer: string; channel: number }
  | { kind: 'neuron'; layer: string; channel: number; y: number; x: number };

/** The objective a unit names. */
export function unitObjective(unit: Unit): Objective {
  if (unit.kind === 'class') return classLogit(unit.index);
  if (unit.kind === 'channel') return channel(unit.layer, unit.channel);
  return neuron(unit.layer, unit.channel, unit.y, unit.x);
}

/**
 * Defaults: λ and the learning rate (the mean change of a pixel per step, as a fraction of the input
 * range) chosen here for the book's networks, as Simonyan et al. give neither; 100 steps; and no Yosinski
 * regulariser (the plain method of eq. 1).
 */
export const CLASS_MODEL_DEFAULTS = {
  lambda: 0.01,
  learningRate: 0.01,
  steps: 100,
  regularisers: { decay: 0, blurSigma: 0, blurEvery: 0, normPercentile: 0, contributionPercentile: 0 } as YosinskiSettings,
} as const;

/**
 * Noise added to the mid-grey start for inner units (standard deviation, fraction of the range), as
 * Yosinski et al.'s code starts from the mean plus noise: on a uniform image every early ReLU in the middle
 * of the picture can be off, and a unit there then has no gradient to follow.
 */
export const INNER_UNIT_NOISE = 0.02;

/** Settings of {@link classModel}. */
export interface ClassModelSettings {
  unit: Unit;
  lambda?: number;
  learningRate?: number;
  steps?: number;
  /** One of {@link YOSINSKI_PRESETS}, or any other setting of the same regularisers. */
  regularisers?: YosinskiSettings;
  /** Noise of the start; 0 (Simonyan's zero image) for a class, {@link INNER_UNIT_NOISE} for an inner unit. */
  noise?: number;
  seed?: number;
  /**
   * What is optimised: the pixels (Simonyan et al.), or a decorrelated Fourier image climbed with Adam at
   * Lucent's learning rate 0.05, under Lucent's standard transforms (Olah et al. 2017).
   */
  parameterisation?: 'pixels' | 'fourier';
}

/** Lucent's learning rate for Adam on a Fourier image. */
export const FOURIER_LEARNING_RATE = 0.05;

/** The render options of a class model (or inner unit) visualisation. */
export function classModel(net: ConvNet, settings: ClassModelSettings): RenderOptions {
  const { lambda, learningRate, steps, regularisers } = { ...CLASS_MODEL_DEFAULTS, ...settings };
  const [lo, hi] = net.inputRange;
  const seed = settings.seed ?? 0;
  const objective = lambda > 0 ? unitObjective(settings.unit).minus(imageL2().times(lambda)) : unitObjective(settings.unit);
  if (settings.parameterisation === 'fourier') {
    return {
      objective,
      steps,
      param: () => fourierImage(net.inputShape, { range: net.inputRange, seed }),
      update: () => adam(FOURIER_LEARNING_RATE),
      transforms: standardTransforms(net.inputShape[0]),
      regularisers: yosinskiRegularisers(regularisers),
    };
  }
  return {
    objective,
    steps,
    param: () => pixelImage(net.inputShape, { range: net.inputRange, seed, sd: settings.noise ?? (settings.unit.kind === 'class' ? 0 : INNER_UNIT_NOISE) }),
    update: () => normalisedAscent(learningRate * (hi - lo)),
    // A Fourier image stays in range through its sigmoid; pixels are clipped into it.
    regularisers: [...yosinskiRegularisers(regularisers), clipToRange()],
  };
}

export { YOSINSKI_PRESETS };
