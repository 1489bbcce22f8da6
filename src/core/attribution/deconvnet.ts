/**
 * Deconvnet: Zeiler & Fergus 2014, "Visualizing and Understanding
 * Convolutional Networks", §2.1, https://arxiv.org/abs/1311.2901; as a
 * gradient with a changed ReLU rule, Simonyan et al. 2014, §4.
 *
 * The signal goes back through the transposed filters and through each ReLU
 * by the sign of the signal itself, not of the forward input:
 * R_in = R_out · [R_out > 0] (relu-rules.ts). Max-pooling switches are the
 * max-pool gradient's own.
 */
import { gradientMap } from './gradient';
import type { AttributionInput, AttributionMap, AttributionMethod } from './types';

/** The deconvnet reconstruction of the target at the image's pixels. */
export function deconvnet(input: AttributionInput): Promise<AttributionMap> {
  return gradientMap(input, 'deconvnet');
}

/** Registry entry of {@link deconvnet}. */
export const deconvnetMethod: AttributionMethod = {
  id: 'deconvnet',
  title: 'Deconvnet',
  paper: {
    authors: 'Zeiler & Fergus',
    year: 2014,
    title: 'Visualizing and Understanding Convolutional Networks',
    url: 'https://arxiv.org/abs/1311.2901',
  },
  requires: ['reluRules'],
  needsLayer: false,
  attribute: deconvnet,
};
