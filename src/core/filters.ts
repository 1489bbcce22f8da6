/**
 * A convolution layer's filters as pictures. The first layer's filters live in
 * the image's own space, so each is drawn as a small colour (or grey) image, as
 * in Krizhevsky, Sutskever & Hinton 2012, fig. 3; a deeper filter has one slice
 * per input channel, drawn as a grid of grey slices. A weight w becomes
 * v = ½ + w / (2m): zero is mid-grey, and m = max |w| is taken either over each
 * filter (every filter uses its full contrast; magnitudes cannot be compared) or
 * over the whole layer (one shared scale, so a weak filter looks weak).
 */
import { type ConvNet, hasWeightAccess } from './convnet';

/** How weights are mapped to grey levels: each filter by its own largest magnitude, or all by the layer's. */
export type FilterScale = 'per-filter' | 'shared';
/** The choices of {@link FilterScale}, in the order a control lists them. */
export const FILTER_SCALES: readonly FilterScale[] = ['per-filter', 'shared'];

/** One layer's filters as plain data. */
export interface FilterSet {
  layer: string;
  /** Kernel height and width. */
  height: number;
  width: number;
  /** Slices per filter (the layer's input channels). */
  inChannels: number;
  /** Whether the layer reads the image itself, so that its filters are pictures in the image's colours. */
  readsImage: boolean;
  scale: FilterScale;
  /** Per filter: its weights as grey levels in [0, 1] (½ is a zero weight), HWC row-major. */
  filters: Float32Array[];
  /** Per filter: the weights themselves, HWC row-major. */
  weights: Float32Array[];
  /** Per filter: the magnitude m that maps to 0 and 1. */
  scales: number[];
  /** Per filter: its smallest and largest weight, and its L2 norm. */
  stats: { min: number; max: number; norm: number }[];
}

/** The layers whose filters can be drawn: convolutions with an HWIO kernel whose weights the network lets us read. */
export function filterLayers(net: ConvNet): string[] {
  if (!hasWeightAccess(net)) return [];
  return net.layers
    .filter((l) => l.kind === 'conv' && !/depthwise/i.test(l.type) && net.layerWeights(l.name)[0]?.rank === 4)
    .map((l) => l.name);
}

/** The filters of `layer`, scaled as `scale` says. Throws, for the reader, when they cannot be read. */
export async function filterSet(net: ConvNet, layer: string, scale: FilterScale = 'per-filter'): Promise<FilterSet> {
  const layers = filterLayers(net);
  if (!layers.includes(layer)) {
    throw new Error(
      layers.length
        ? `'${layer}' is not a convolution whose filters can be drawn (these can: ${layers.join(', ')}).`
        : `${net.title} does not let its weights be read, so its filters cannot be drawn.`,
    );
  }
  const kernel = net.layerWeights!(layer)[0]!;
  const [height, width, inChannels, count] = kernel.shape as [number, number, number, number];
  // Borrowed from the network: read, never disposed.
  const w = (await kernel.data()) as Float32Array;
  const size = height * width * inChannels;
  const raw = Array.from({ length: count }, (_, o) => Float32Array.from({ length: size }, (_, i) => w[i * count + o]!));
  const stats = raw.map((f) => ({
    min: f.reduce((a, b) => Math.min(a, b), Infinity),
    max: f.reduce((a, b) => Math.max(a, b), -Infinity),
    norm: Math.sqrt(f.reduce((a, b) => a + b * b, 0)),
  }));
  const own = stats.map((s) => Math.max(Math.abs(s.min), Math.abs(s.max)));
  const shared = Math.max(...own);
  const scales = scale === 'shared' ? own.map(() => shared) : own;
  const filters = raw.map((f, o) => f.map((v) => (scales[o]! > 0 ? 0.5 + v / (2 * scales[o]!) : 0.5)));
  const readsImage = layers[0] === layer && inChannels === net.inputShape[2];
  return { layer, height, width, inChannels, readsImage, scale, filters, weights: raw, scales, stats };
}

/**
 * The cosine between each filter of `a` and the same filter of `b` (two versions of one layer, e.g. trained
 * and untrained): 1 when training only rescaled it, near 0 when it moved far from where it started.
 */
export function filterCosines(a: FilterSet, b: FilterSet): number[] {
  return a.weights.map((wa, o) => {
    const wb = b.weights[o]!;
    const dot = wa.reduce((sum, v, i) => sum + v * wb[i]!, 0);
    const norms = a.stats[o]!.norm * b.stats[o]!.norm;
    return norms > 0 ? dot / norms : 0;
  });
}
