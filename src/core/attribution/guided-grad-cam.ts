/**
 * Guided Grad-CAM: Selvaraju et al. 2017, §3.2, https://arxiv.org/abs/1610.02391.
 *
 * Grad-CAM is class-discriminative but coarse; guided backpropagation is fine
 * but hardly class-discriminative. Their element-wise product, with Grad-CAM
 * bilinearly upsampled to the image, is both: G(i, j, c) = GB(i, j, c) · L(i, j).
 */
import { gradientMapAndActivation } from './gradient';
import { gradCamWeights } from './grad-cam';
import { upsampleMap } from './maps';
import { explainedLayer, weightedCam } from './pipeline';
import type { AttributionInput, AttributionMap, AttributionMethod } from './types';

/** Guided backprop × upsampled Grad-CAM; `channels` holds the colour product, extras the Grad-CAM weights. */
export async function guidedGradCam(input: AttributionInput): Promise<AttributionMap> {
  const layer = explainedLayer(input);
  // One forward pass for both: guided backprop's, whose activation at the layer Grad-CAM starts from.
  const { map: guided, activation } = await gradientMapAndActivation(input, 'guided', layer);
  let coarse: AttributionMap;
  try {
    coarse = await weightedCam(input, gradCamWeights, { layer, activation });
  } finally {
    activation.dispose();
  }
  const { data: l } = await upsampleMap(coarse, guided.width, guided.height);
  const count = guided.channels!.count;
  // L ≥ 0, so scaling each pixel's channels by L scales max_c |·| and Σ_c alike.
  return {
    ...guided,
    data: guided.data.map((v, i) => v * l[i]!),
    channels: { count, data: guided.channels!.data.map((v, i) => v * l[Math.floor(i / count)]!) },
    extras: coarse.extras,
  };
}

/** Registry entry of {@link guidedGradCam}. */
export const guidedGradCamMethod: AttributionMethod = {
  id: 'guided-grad-cam',
  title: 'Guided Grad-CAM',
  paper: {
    authors: 'Selvaraju et al.',
    year: 2017,
    title: 'Grad-CAM: Visual Explanations from Deep Networks via Gradient-based Localization',
    url: 'https://arxiv.org/abs/1610.02391',
  },
  requires: ['reluRules'],
  needsLayer: true,
  attribute: guidedGradCam,
};
