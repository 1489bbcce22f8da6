/**
 * What a layer holds for one image: every channel's feature map, scaled to
 * [0, 1] for display, the strongest channel, and, for every layer with feature
 * maps, how sparse it is and how large (the profile across depth that
 * Zeiler & Fergus 2014, §4, and Yosinski et al. 2015, "Understanding Neural
 * Networks Through Deep Visualization", https://arxiv.org/abs/1506.06579,
 * read off a network). A map is shown as v' = (v − lo) / (hi − lo), with
 * [lo, hi] the range of the whole layer (channels comparable) or of each
 * channel (each at full contrast).
 */
import type { ConvNet } from './convnet';
import { tf, type Tensor4D } from './tf';

/** Whether the maps share the layer's range or each uses its own. */
export type MapScale = 'layer' | 'channel';
/** The choices of {@link MapScale}, in the order a control lists them. */
export const MAP_SCALES: readonly MapScale[] = ['layer', 'channel'];

/** The feature maps of one layer for one image, as plain data. */
export interface ActivationMaps {
  layer: string;
  height: number;
  width: number;
  channels: number;
  scale: MapScale;
  /** Per channel: its map in [0, 1], row-major. */
  maps: Float32Array[];
  /** Per channel: the values that map to 0 and 1. */
  ranges: { lo: number; hi: number }[];
  /** Per channel: largest and mean activation. */
  max: number[];
  mean: number[];
  /** The channel with the largest activation anywhere (the first, on a tie). */
  strongest: number;
  /** Where the strongest channel peaks, as a cell of the map. */
  peak: { y: number; x: number };
}

/** The layers that have feature maps (height × width × channels), first to last. */
export function mapLayers(net: Pick<ConvNet, 'layers'>): string[] {
  return net.layers.filter((l) => l.kind !== 'input' && l.outputShape.length === 3).map((l) => l.name);
}

/** Every channel of `layer` for the first image of `image`, scaled as `scale` says. */
export async function activationMaps(net: ConvNet, image: Tensor4D, layer: string, scale: MapScale = 'layer'): Promise<ActivationMaps> {
  if (!mapLayers(net).includes(layer)) throw new Error(`'${layer}' has no feature maps (these do: ${mapLayers(net).join(', ')}).`);
  const t = tf.tidy(() => tf.slice(net.forward(image, { capture: [layer] }).activations[layer]!, [0, 0, 0, 0], [1, -1, -1, -1]));
  const [, height, width, channels] = t.shape as number[] as [number, number, number, number];
  let a: Float32Array;
  try {
    a = (await t.data()) as Float32Array;
  } finally {
    t.dispose();
  }
  const cells = height * width;
  const raw = Array.from({ length: channels }, (_, k) => Float32Array.from({ length: cells }, (_, p) => a[p * channels + k]!));
  const lo = raw.map((m) => m.reduce((x, y) => Math.min(x, y), Infinity));
  const max = raw.map((m) => m.reduce((x, y) => Math.max(x, y), -Infinity));
  const mean = raw.map((m) => m.reduce((x, y) => x + y, 0) / cells);
  const layerRange = { lo: Math.min(...lo), hi: Math.max(...max) };
  const ranges = raw.map((_, k) => (scale === 'layer' ? layerRange : { lo: lo[k]!, hi: max[k]! }));
  const maps = raw.map((m, k) => {
    const { lo: l, hi: h } = ranges[k]!;
    return m.map((v) => (h > l ? (v - l) / (h - l) : 0));
  });
  const strongest = max.indexOf(Math.max(...max));
  const at = raw[strongest]!.indexOf(max[strongest]!);
  return { layer, height, width, channels, scale, maps, ranges, max, mean, strongest, peak: { y: Math.floor(at / width), x: at % width } };
}

/** One layer of the profile across depth. */
export interface LayerProfile {
  layer: string;
  kind: string;
  height: number;
  width: number;
  channels: number;
  /** Fraction of the layer's values that are not positive: after a ReLU, exactly its zeros. */
  sparsity: number;
}

/** Sparsity and size of every layer with feature maps, for the first image of `image`, in one forward pass. */
export async function layerProfile(net: ConvNet, image: Tensor4D): Promise<LayerProfile[]> {
  const layers = mapLayers(net);
  let shapes: number[][] = [];
  const fractions = tf.tidy(() => {
    const acts = net.forward(tf.slice(image, [0, 0, 0, 0], [1, -1, -1, -1]), { capture: layers }).activations;
    // The shapes as run: a network that takes any input size lists unknown sizes as −1.
    shapes = layers.map((l) => acts[l]!.shape.slice(1));
    return tf.stack(layers.map((l) => tf.mean(tf.cast(tf.lessEqual(acts[l]!, 0), 'float32'))));
  });
  let values: Float32Array;
  try {
    values = (await fractions.data()) as Float32Array;
  } finally {
    fractions.dispose();
  }
  return layers.map((name, i) => {
    const [height, width, channels] = shapes[i] as [number, number, number];
    return { layer: name, kind: net.layers.find((l) => l.name === name)!.kind, height, width, channels, sparsity: values[i]! };
  });
}
