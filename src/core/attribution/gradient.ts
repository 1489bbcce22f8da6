/**
 * The input gradient of a target under a ReLU backward rule, as a map: the
 * shared step of saliency (backprop rule), deconvnet and guided backprop,
 * which differ only in how the gradient crosses each ReLU (relu-rules.ts).
 * The colour gradient comes back in `channels`; `data` has one value per
 * pixel: max_c |g_c| (Simonyan et al. 2014, §3.1), or with `options.signed`
 * the signed sum Σ_c g_c.
 */
import type { ReluRule } from '../relu-rules';
import { tf } from '../tf';
import { inputGradient, readTensors } from './pipeline';
import type { AttributionInput, AttributionMap } from './types';

/** Attributes `input.target` to the pixels of `input.image` with every ReLU crossed under `rule`. */
export async function gradientMap(input: AttributionInput, rule: ReluRule): Promise<AttributionMap> {
  const { net, image, target, options } = input;
  if (rule !== 'backprop' && !net.capabilities.reluRules) {
    throw new Error(`${net.title} cannot swap its ReLU gradients: ${net.capabilities.notes.join(' ')}`);
  }
  const signed = options?.signed ?? false;
  const { gradient, map } = await readTensors(
    tf.tidy(() => {
      const g = inputGradient(net, image, target, rule);
      return { gradient: g, map: signed ? tf.sum(g, 3) : tf.max(tf.abs(g), 3) };
    }),
  );
  const [, height, width, count] = image.shape;
  return { width, height, data: map, signed, channels: { count, data: gradient } };
}
