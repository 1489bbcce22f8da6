/**
 * Grad-CAM: Selvaraju, Cogswell, Das, Vedantam, Parikh & Batra 2017,
 * "Grad-CAM: Visual Explanations from Deep Networks via Gradient-based
 * Localization", https://arxiv.org/abs/1610.02391.
 *
 *   α_k^c = (1/Z) Σ_i Σ_j ∂y^c/∂A^k_ij                 (eq. 1)
 *   L^c   = ReLU(Σ_k α_k^c A^k)                         (eq. 2)
 *
 * for any convolutional layer A, y^c the logit (pre-softmax). The
 * counterfactual map (§3.3) negates the gradients, α_k = (1/Z) Σ −∂y^c/∂A^k,
 * and so shows the regions whose removal would raise the class score.
 */
import { tf } from '../tf';
import { type ChannelWeighting, channelMean, weightedCam } from './pipeline';
import type { AttributionInput, AttributionMap, AttributionMethod } from './types';

const PAPER = {
  authors: 'Selvaraju, Cogswell, Das, Vedantam, Parikh & Batra',
  year: 2017,
  title: 'Grad-CAM: Visual Explanations from Deep Networks via Gradient-based Localization',
  url: 'https://arxiv.org/abs/1610.02391',
};

/** Grad-CAM's weights (eq. 1): the mean gradient of each channel. */
export const gradCamWeights: ChannelWeighting = ({ gradient }) => ({ weights: channelMean(gradient) });

/** Grad-CAM at `input.layer` (default the last spatial layer); extras.weights are the α_k. */
export function gradCam(input: AttributionInput): Promise<AttributionMap> {
  return weightedCam(input, gradCamWeights);
}

/** Counterfactual Grad-CAM (§3.3): Grad-CAM of the negated gradients. */
export function counterfactualGradCam(input: AttributionInput): Promise<AttributionMap> {
  return weightedCam(input, ({ gradient }) => ({ weights: channelMean(tf.neg(gradient)) }));
}

/** Registry entry of {@link gradCam}. */
export const gradCamMethod: AttributionMethod = {
  id: 'grad-cam',
  title: 'Grad-CAM',
  paper: PAPER,
  needsLayer: true,
  attribute: gradCam,
};

/** Registry entry of {@link counterfactualGradCam}. */
export const counterfactualGradCamMethod: AttributionMethod = {
  id: 'grad-cam-counterfactual',
  title: 'Counterfactual Grad-CAM',
  paper: PAPER,
  needsLayer: true,
  attribute: counterfactualGradCam,
};
