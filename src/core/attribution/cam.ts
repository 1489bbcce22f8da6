/**
 * Class activation mapping: Zhou, Khosla, Lapedriza, Oliva & Torralba 2016,
 * "Learning Deep Features for Discriminative Localization",
 * https://arxiv.org/abs/1512.04150.
 *
 * For a net ending in global average pooling and one dense layer, the class
 * score is S_c = Σ_k w_k^c F_k + b_c with F_k = (1/Z) Σ_xy f_k(x, y) (eq. 1), so
 *
 *   M_c(x, y) = Σ_k w_k^c f_k(x, y)                      (eq. 2)
 *
 * ConvNet exposes no weights, so w_k^c is read from the gradient at the pooled
 * layer (`net.camLayer`): ∂S_c/∂f_k(x, y) = w_k^c / Z at every position, and
 * its sum over positions is w_k^c exactly (the bias does not enter). No ReLU:
 * the map is signed, negative where the features speak against the class.
 */
import { tf } from '../tf';
import { weightedCam } from './pipeline';
import type { AttributionInput, AttributionMap, AttributionMethod } from './types';

/** CAM of a class on the maps the global average pooling averages; extras.weights are the w_k^c. */
export function cam(input: AttributionInput): Promise<AttributionMap> {
  const { net, target } = input;
  if (!net.capabilities.cam || !net.camLayer) {
    const why = `CAM needs global average pooling then one dense layer. ${net.capabilities.notes.join(' ')}`;
    return Promise.reject(new Error(why));
  }
  if (target.kind !== 'class') return Promise.reject(new Error('CAM explains class scores only.'));
  return weightedCam(input, ({ gradient }) => ({ weights: tf.sum(gradient, [0, 1, 2]) }), { layer: net.camLayer, relu: false });
}

/** Registry entry of {@link cam}. */
export const camMethod: AttributionMethod = {
  id: 'cam',
  title: 'Class activation mapping (CAM)',
  paper: {
    authors: 'Zhou, Khosla, Lapedriza, Oliva & Torralba',
    year: 2016,
    title: 'Learning Deep Features for Discriminative Localization',
    url: 'https://arxiv.org/abs/1512.04150',
  },
  requires: ['cam'],
  needsLayer: false,
  attribute: cam,
};
