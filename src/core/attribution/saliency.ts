/**
 * Image-specific class saliency: Simonyan, Vedaldi & Zisserman 2014, "Deep
 * Inside Convolutional Networks", §3.1, https://arxiv.org/abs/1312.6034.
 *
 * Near the image I₀ the class score is nearly linear, S_c(I) ≈ wᵀI + b with
 * w = ∂S_c/∂I at I₀ (eqs. 2–3); the saliency of pixel (i, j) is the largest
 * magnitude over its colour channels, M_ij = max_c |w_(i,j,c)|. With
 * `options.signed` the map is the raw signed gradient summed over channels.
 */
import { gradientMap } from './gradient';
import type { AttributionInput, AttributionMap, AttributionMethod } from './types';

/** The gradient of the target w.r.t. the image (true ReLU gradients), as a per-pixel map. */
export function saliency(input: AttributionInput): Promise<AttributionMap> {
  return gradientMap(input, 'backprop');
}

/** Registry entry of {@link saliency}. */
export const saliencyMethod: AttributionMethod = {
  id: 'saliency',
  title: 'Saliency (gradient)',
  paper: {
    authors: 'Simonyan, Vedaldi & Zisserman',
    year: 2014,
    title: 'Deep Inside Convolutional Networks',
    url: 'https://arxiv.org/abs/1312.6034',
  },
  needsLayer: false,
  attribute: saliency,
};
