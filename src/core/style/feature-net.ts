/**
 * A sequential feature extractor without class scores (texture-features) behind the ConvNet forward
 * pass, so the optvis render loop and the style losses can use it like the book's classifiers. Layers
 * are applied in order and captured by name; `logits` is a [batch, 1] zero (no class scores exist).
 * Any input size: `inputShape` is only the default size of a synthesised image.
 */
import { type LayersModel, loadLayersModel } from '@tensorflow/tfjs-layers';
import type { ConvNet, ForwardOptions, ForwardResult } from '../convnet';
import { tf, type Tensor, type Tensor2D, type Tensor4D } from '../tf';

/** Wraps `model`; the result owns the model and disposes it. */
export function featureNet(model: LayersModel, options: { id: string; inputShape: [number, number, number]; inputRange?: [number, number] }): ConvNet {
  const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
  const net = {
    id: options.id,
    title: options.id,
    inputShape: options.inputShape,
    inputRange: options.inputRange ?? [0, 1],
    classNames: [],
    layers: layers.map((l) => ({ name: l.name, kind: l.getClassName() })),
    forward(x: Tensor4D | Tensor, forwardOptions: ForwardOptions = {}): ForwardResult {
      const capture = forwardOptions.capture ?? [];
      for (const name of capture) if (!layers.some((l) => l.name === name)) throw new Error(`The network has no layer "${name}".`);
      const activations: Record<string, Tensor> = {};
      let a = x as Tensor;
      for (const layer of layers) {
        a = layer.apply(a) as Tensor;
        if (capture.includes(layer.name)) activations[layer.name] = a;
      }
      return { logits: tf.zeros([x.shape[0]!, 1]) as Tensor2D, activations } as ForwardResult;
    },
    dispose: () => model.dispose(),
  };
  return net as unknown as ConvNet;
}

/**
 * The pixel range the style figures feed texture-features: centred on zero, as VGG's inputs are
 * mean-subtracted. Its random filters have no bias, so with pixels in [0, 1] every response is dominated
 * by the patch's mean brightness and the Gram matrices mostly describe that mean; centred, they describe
 * contrast and structure (measured in content/models/texture-features.md).
 */
export const TEXTURE_FEATURES_RANGE: [number, number] = [-1, 1];

/** Loads a sequential feature extractor (the book's texture-features) from the URL of its model.json. */
export async function loadFeatureNet(modelUrl: string, options: { id: string; inputShape: [number, number, number]; inputRange?: [number, number] }): Promise<ConvNet> {
  return featureNet(await loadLayersModel(modelUrl), options);
}
