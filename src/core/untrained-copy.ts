/**
 * The same network before training: every weight drawn again as the book's
 * networks draw their first weights (models/architectures.ts): He-normal
 * convolution kernels (He et al. 2015, eq. 10), Glorot-uniform dense kernels,
 * zero biases, batch normalisation as the identity, each layer seeded by
 * `layerSeed`. For the book's networks this is exactly where training started,
 * so comparing the two shows what training changed (Zeiler & Fergus 2014, fig. 2,
 * compare filters this way; so do the sanity checks of Adebayo et al. 2018).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { type ConvNet, hasWeightAccess } from './convnet';
import { DEFAULT_SEED, layerSeed } from './models/architectures';
import { tf, type Tensor } from './tf';

/** A network borrowing freshly drawn weights, and what frees them. */
export interface UntrainedCopy {
  net: ConvNet;
  dispose(): void;
}

/** The first weights of one layer, in the order `layerWeights` lists them. */
function initialWeights(type: string, weights: readonly Tensor[], seed: number): Tensor[] {
  return weights.map((w, i) => {
    const shape = [...w.shape];
    if (w.rank === 4) return tfl.initializers.heNormal({ seed }).apply(shape);
    if (w.rank === 2) return tfl.initializers.glorotUniform({ seed }).apply(shape);
    // A batch normalisation's first weight is its scale γ.
    return type === 'BatchNormalization' && i === 0 ? tf.ones(shape) : tf.zeros(shape);
  });
}

/**
 * `net` with every layer's weights drawn again from `seed`. Throws, for the reader, when the network does not
 * let its weights be read. The copy borrows `net`: dispose the copy first.
 */
export function untrainedCopy(net: ConvNet, seed = DEFAULT_SEED): UntrainedCopy {
  if (!hasWeightAccess(net)) throw new Error(`${net.title} does not let its weights be read, so it cannot be copied untrained.`);
  const replacements = tf.tidy(() =>
    Object.fromEntries(
      net.layers
        .map((l, position) => [l, position, net.layerWeights(l.name)] as const)
        .filter(([, , weights]) => weights.length > 0)
        .map(([l, position, weights]) => [l.name, initialWeights(l.type, weights, layerSeed(l.name, seed, position))]),
    ),
  ) as Record<string, Tensor[]>;
  return { net: net.withLayerWeights(replacements), dispose: () => tf.dispose(Object.values(replacements).flat()) };
}
