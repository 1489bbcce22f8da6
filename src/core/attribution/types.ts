/**
 * The typed context every attribution technique takes and the plain data it
 * returns (one verb, `attribute(input)`, as in captum; one context object, so
 * techniques never drift apart in their signatures).
 */
import type { ConvNet } from '../convnet';
import type { Tensor4D } from '../tf';

/**
 * What a map explains: a class logit (pre-softmax, never the probability) or an
 * inner neuron: the mean activation of a channel, or one unit of it when `y`
 * and `x` are given (cell coordinates in that layer's feature map).
 */
export type Target =
  | { kind: 'class'; index: number }
  | { kind: 'neuron'; layer: string; channel: number; y?: number; x?: number };

/** Options that some techniques read; each technique documents the ones it uses and ignores the rest. */
export interface AttributionOptions {
  /** Input-gradient methods: per-pixel map is the signed sum over colour channels instead of max_c |g|. */
  signed?: boolean;
  /** SmoothGrad: number of noisy copies averaged. */
  samples?: number;
  /** SmoothGrad: noise σ as a fraction of the network's input range. */
  noise?: number;
  /** SmoothGrad: seed of the noise, so a figure redraws the same map. */
  seed?: number;
}

/** The context of one attribution. */
export interface AttributionInput {
  net: ConvNet;
  /** [1, H, W, C] in the network's input range. Techniques never dispose it. */
  image: Tensor4D;
  target: Target;
  /** The layer CAM-family methods explain; by default the last of `net.convLayers`. */
  layer?: string;
  options?: AttributionOptions;
  /** Long methods (SmoothGrad) stop between samples when it aborts, rejecting with its reason. */
  signal?: AbortSignal;
}

/** A map as plain data: what the views draw and the tests check. */
export interface AttributionMap {
  width: number;
  height: number;
  /** Row-major, one value per pixel (input methods) or per feature-map cell (CAM family). */
  data: Float32Array;
  /** Whether negative values mean something (draw with a diverging colormap). */
  signed: boolean;
  /**
   * The signed per-channel values behind `data`, HWC row-major (e.g. the colour
   * gradient image of guided backprop), when the method has them.
   */
  channels?: { count: number; data: Float32Array };
  /** Inspectable intermediates, e.g. Grad-CAM's channel weights α or Grad-CAM++'s alphas. */
  extras?: Record<string, Float32Array | number>;
}

/** Where a method comes from, for the chapter's citation. */
export interface PaperRef {
  authors: string;
  year: number;
  title: string;
  url: string;
}

/** One technique as the registry lists it; views pick it by id and never switch on it. */
export interface AttributionMethod {
  id: string;
  title: string;
  paper: PaperRef;
  /** Whether the method explains a chosen inner layer (`AttributionInput.layer`). */
  needsLayer: boolean;
  /** Capabilities of the network (ConvNet.capabilities) the method needs; none when left out. */
  requires?: readonly ('cam' | 'reluRules')[];
  attribute(input: AttributionInput): Promise<AttributionMap>;
}
