/**
 * Maximally activating patches: run a whole data set through the network and
 * keep the images on which one channel of one layer responds most, each at the
 * cell where it peaks, cropped to that cell's receptive field (Girshick,
 * Donahue, Darrell & Malik 2014, "Rich feature hierarchies for accurate object
 * detection and semantic segmentation", §3.1 and fig. 4,
 * https://arxiv.org/abs/1311.2524; Zeiler & Fergus 2014, §4 and fig. 2, which
 * put beside each patch its deconvnet projection, the unit's signal taken back
 * to the pixels). One patch per image, so that nine views of one object do not
 * fill the top nine.
 */
import { ATTRIBUTION_METHODS } from '../attribution/registry';
import type { ConvNet } from '../convnet';
import { type PixelBox, clipBox, cropHwc, fieldGeometry, receptiveField } from '../receptive-field';
import { tf, type Tensor4D } from '../tf';
import { type ForEachBatchOptions, type ImageSet, forEachBatch } from './image-set';

/** Patches shown by default: the 3 × 3 grids of Zeiler & Fergus 2014, fig. 2. */
export const DEFAULT_TOP_K = 9;

/** A unit of a layer: one channel at one cell. */
export interface Unit {
  layer: string;
  channel: number;
  y: number;
  x: number;
}

/** One image's peak response of the channel. */
export interface TopActivation {
  /** The image's index in the set. */
  index: number;
  /** The cell where the channel peaks on that image. */
  y: number;
  x: number;
  value: number;
  /** The cell's receptive field on the image, clipped to it. */
  box: PixelBox;
}

/**
 * The `k` images of `set` on which `channel` of `layer` peaks highest, highest first (ties: the lower index, and
 * within an image the first cell in row-major order), with the cell and its receptive field. Throws, for the
 * reader, when the receptive field cannot be computed.
 */
export async function topActivations(
  net: ConvNet,
  set: ImageSet,
  { layer, channel, k = DEFAULT_TOP_K }: { layer: string; channel: number; k?: number },
  options: ForEachBatchOptions = {},
): Promise<TopActivation[]> {
  const field = fieldGeometry(net, layer);
  const channels = net.layers.find((l) => l.name === layer)!.outputShape[2]!;
  if (!(Number.isInteger(channel) && channel >= 0 && channel < channels)) {
    throw new Error(`'${layer}' has channels 0 to ${channels - 1}; there is no channel ${channel}.`);
  }
  const [height, width] = field.cells;
  let best: Omit<TopActivation, 'box'>[] = [];
  await forEachBatch(
    set,
    async (batch, start) => {
      const t = tf.tidy(() => {
        const a = net.forward(batch, { capture: [layer] }).activations[layer]!;
        const maps = tf.reshape(tf.slice(a, [0, 0, 0, channel], [-1, -1, -1, 1]), [batch.shape[0], height * width]);
        return tf.stack([tf.max(maps, 1), tf.cast(tf.argMax(maps, 1), 'float32')]);
      });
      let values: Float32Array;
      try {
        values = (await t.data()) as Float32Array;
      } finally {
        t.dispose();
      }
      const n = batch.shape[0];
      for (let i = 0; i < n; i++) {
        const cell = values[n + i]!;
        best.push({ index: start + i, y: Math.floor(cell / width), x: cell % width, value: values[i]! });
      }
      best = best.sort((p, q) => q.value - p.value || p.index - q.index).slice(0, k);
    },
    options,
  );
  const [h, w] = net.inputShape;
  return best.map((b) => ({ ...b, box: clipBox(receptiveField(field, b.y, b.x), h, w) }));
}

/** How a unit's signal is taken back to the pixels: the chapter 4 rules that keep what is positive. */
export type ProjectionRule = 'guided-backprop' | 'deconvnet';

/** A patch of the signal of a unit at the pixels, HWC, signed. */
export interface Projection {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}

/**
 * The unit's guided-backprop or deconvnet signal at the pixels of `image` ([1, H, W, C]), cropped to `box`
 * (its receptive field): outside it the signal is zero by construction.
 */
export async function unitProjection(net: ConvNet, image: Tensor4D, unit: Unit, rule: ProjectionRule, box: PixelBox): Promise<Projection> {
  const map = await ATTRIBUTION_METHODS[rule].attribute({ net, image, target: { kind: 'neuron', ...unit } });
  const { count, data } = map.channels!;
  return { ...cropHwc(data, map.width, count, box), channels: count };
}
