/**
 * Guided backpropagation: Springenberg, Dosovitskiy, Brox & Riedmiller 2015,
 * "Striving for Simplicity: The All Convolutional Net", §3.4 and fig. 1,
 * https://arxiv.org/abs/1412.6806.
 *
 * The input gradient with every ReLU letting back only what is positive on
 * both sides: R_in = R_out · [x > 0] · [R_out > 0] (relu-rules.ts). The colour
 * image in `channels` is what the paper shows.
 */
import { gradientMap } from './gradient';
import type { AttributionInput, AttributionMap, AttributionMethod } from './types';

/** The guided-backprop signal of the target at the image's pixels. */
export function guidedBackprop(input: AttributionInput): Promise<AttributionMap> {
  return gradientMap(input, 'guided');
}

/** Registry entry of {@link guidedBackprop}. */
export const guidedBackpropMethod: AttributionMethod = {
  id: 'guided-backprop',
  title: 'Guided backpropagation',
  paper: {
    authors: 'Springenberg, Dosovitskiy, Brox & Riedmiller',
    year: 2015,
    title: 'Striving for Simplicity: The All Convolutional Net',
    url: 'https://arxiv.org/abs/1412.6806',
  },
  requires: ['reluRules'],
  needsLayer: false,
  attribute: guidedBackprop,
};
