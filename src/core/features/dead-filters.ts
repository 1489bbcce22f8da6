/**
 * Dead filters: channels that never fire. A channel whose largest activation
 * over a whole data set is not positive gives a ReLU nothing to pass on, for
 * any of those images, and neither its weights nor the layers before it get a
 * gradient through it: training cannot revive it (the "dying ReLU" of Maas,
 * Hannun & Ng 2013, "Rectifier Nonlinearities Improve Neural Network Acoustic
 * Models", §3; counted per layer as in Lu et al. 2019, "Dying ReLU and
 * Initialization", https://arxiv.org/abs/1903.06733).
 */
import { mapLayers } from '../activation-maps';
import type { ConvNet } from '../convnet';
import { tf } from '../tf';
import { type ForEachBatchOptions, type ImageSet, forEachBatch } from './image-set';

/** One layer's channels over the data set. */
export interface LayerDeadFilters {
  layer: string;
  /** Per channel: its largest activation over every image and position. */
  max: Float32Array;
  /** The channels whose largest activation is ≤ 0, in order. */
  dead: number[];
}

/**
 * The largest activation of every channel of `layers` (every layer with feature maps by default) over all
 * of `set`, and the channels that never fire. One forward pass per batch; cancel and progress as in
 * {@link forEachBatch}.
 */
export async function deadFilters(
  net: ConvNet,
  set: ImageSet,
  { layers = mapLayers(net), ...options }: ForEachBatchOptions & { layers?: readonly string[] } = {},
): Promise<LayerDeadFilters[]> {
  const sizes = layers.map((l) => net.layers.find((x) => x.name === l)!.outputShape[2]!);
  const maxima = sizes.map((c) => new Float32Array(c).fill(-Infinity));
  await forEachBatch(
    set,
    async (batch) => {
      const t = tf.tidy(() => {
        const acts = net.forward(batch, { capture: layers }).activations;
        return tf.concat(layers.map((l) => tf.max(acts[l]!, [0, 1, 2])));
      });
      let values: Float32Array;
      try {
        values = (await t.data()) as Float32Array;
      } finally {
        t.dispose();
      }
      let offset = 0;
      maxima.forEach((m, i) => {
        for (let k = 0; k < m.length; k++) m[k] = Math.max(m[k]!, values[offset + k]!);
        offset += sizes[i]!;
      });
    },
    options,
  );
  return layers.map((layer, i) => {
    const max = maxima[i]!;
    return { layer, max, dead: [...max.keys()].filter((k) => max[k]! <= 0) };
  });
}
