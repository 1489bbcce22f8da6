/**
 * The input gradient of a target under a ReLU backward rule, as a map: the
 * shared step of saliency (backprop rule), deconvnet and guided backprop,
 * which differ only in how the gradient crosses each ReLU (relu-rules.ts).
 * The colour gradient comes back in `channels`; `data` has one value per
 * pixel: max_c |g_c| (Simonyan et al. 2014, §3.1), or with `options.signed`
 * the signed sum Σ_c g_c.
 */
import type { ReluRule } from '../relu-rules';
import { tf, type Tensor } from '../tf';
import { inputGradient, inputGradientAndActivation, readTensors } from './pipeline';
import type { AttributionInput, AttributionMap } from './types';

/** Attributes `input.target` to the pixels of `input.image` with every ReLU crossed under `rule`. */
export async function gradientMap(input: AttributionInput, rule: ReluRule): Promise<AttributionMap> {
  return (await readGradientMap(input, rule)).map;
}

/**
 * {@link gradientMap}, and `layer`'s activation from the same forward pass, for a method that combines
 * the two (guided Grad-CAM). The caller disposes the activation.
 */
export async function gradientMapAndActivation(
  input: AttributionInput, rule: ReluRule, layer: string,
): Promise<{ map: AttributionMap; activation: Tensor }> {
  const { map, activation } = await readGradientMap(input, rule, layer);
  return { map, activation: activation! };
}

async function readGradientMap(input: AttributionInput, rule: ReluRule, layer?: string) {
  const { net, image, target, options } = input;
  if (rule !== 'backprop' && !net.capabilities.reluRules) {
    throw new Error(`${net.title} cannot swap its ReLU gradients: ${net.capabilities.notes.join(' ')}`);
  }
  const signed = options?.signed ?? false;
  let activation: Tensor | undefined;
  try {
    const { gradient, map } = await readTensors(
      tf.tidy(() => {
        const g = layer === undefined
          ? inputGradient(net, image, target, rule)
          : (({ gradient, activation: a }) => ((activation = a), gradient))(inputGradientAndActivation(net, image, target, rule, layer));
        return { gradient: g, map: signed ? tf.sum(g, 3) : tf.max(tf.abs(g), 3) };
      }),
    );
    const [, height, width, count] = image.shape;
    const result: AttributionMap = { width, height, data: map, signed, channels: { count, data: gradient } };
    return { map: result, activation };
  } catch (err) {
    activation?.dispose();
    throw err;
  }
}
