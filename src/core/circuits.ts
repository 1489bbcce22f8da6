/**
 * How a unit is built from the previous layer: the circuits view of Olah et al. 2020, "Zoom In: An
 * Introduction to Circuits" (https://distill.pub/2020/circuits/zoom-in/). Unit c of a convolution reads
 * every output channel i of the previous convolution through the kernel slice W[:, :, i, c]; summarising
 * each slice by one signed number ranks the previous channels that excite c most (positive) and inhibit it
 * most (negative).
 *
 * Between the two convolutions there may be a ReLU, a pooling or a batch normalisation: these act on each
 * channel alone, so channel i of the later layer's input is still channel i of the earlier convolution's
 * output, and the kernel's input-channel count equals that convolution's filter count. Where a layer in
 * between mixes channels (a dense layer, a concatenation) or the counts differ, the trace stops and the
 * layer has no circuit.
 */
import { type ConvNet, hasWeightAccess } from './convnet';
import { filterLayers } from './filters';

/**
 * How a kernel slice becomes one strength: 'sum' is s_i = Σ_{y,x} W[y,x,i,c] (the slice's effect on a flat
 * input, signed); 'l2' is s_i = sign(Σ W) · √(Σ W²) (its size, with the sum's sign, so a slice whose
 * positive and negative weights cancel, such as an edge detector, still ranks high).
 */
export type CircuitSummary = 'sum' | 'l2';
/** The choices of {@link CircuitSummary}, default first. */
export const CIRCUIT_SUMMARIES: readonly CircuitSummary[] = ['sum', 'l2'];
/** How many channels of each sign the view shows by default (Olah et al. 2020 draw a handful per side). */
export const DEFAULT_CIRCUIT_TOP = 4;

/** Layers that cross channel by channel, so a channel index keeps its meaning across them. */
const CHANNELWISE = new Set(['relu', 'pool', 'other']);

/** One previous channel's weights into the unit. */
export interface CircuitWeight {
  /** Output channel of the previous convolution (input channel i of the kernel). */
  channel: number;
  /** Its strength under the chosen summary. */
  strength: number;
  /** The slice W[:, :, i, c], row-major, kernel height × width. */
  kernel: Float32Array;
}

/** A unit and how it is built from the previous convolution's channels, as plain data. */
export interface Circuit {
  layer: string;
  unit: number;
  /** The previous convolution, whose output channels the unit reads. */
  previous: string;
  /** The layers crossed between `previous` and `layer` (ReLU, pooling, ...), in order. */
  between: string[];
  summary: CircuitSummary;
  /** Kernel height and width. */
  height: number;
  width: number;
  /** The unit's bias, when the layer has one. */
  bias: number | null;
  /** Every previous channel, in channel order. */
  weights: CircuitWeight[];
  /** The strongest positive strengths, largest first (at most `top`). */
  positive: CircuitWeight[];
  /** The strongest negative strengths, most negative first (at most `top`). */
  negative: CircuitWeight[];
}

/** The previous convolution of `layer` and the channel-wise layers crossed to reach it, or null with no such trace. */
export function previousConv(net: ConvNet, layer: string): { previous: string; between: string[] } | null {
  const convs = new Set(filterLayers(net));
  const at = net.layers.findIndex((l) => l.name === layer);
  if (at < 0 || !convs.has(layer)) return null;
  const channels = net.layerWeights!(layer)[0]!.shape[2]!;
  const between: string[] = [];
  for (let i = at - 1; i > 0; i--) {
    const l = net.layers[i]!;
    const c = l.outputShape[l.outputShape.length - 1];
    if (l.outputShape.length !== 3 || c !== channels) return null;
    if (convs.has(l.name)) return { previous: l.name, between: between.reverse() };
    if (!CHANNELWISE.has(l.kind)) return null;
    between.push(l.name);
  }
  return null;
}

/** The convolutions that have a circuit: a previous convolution reached channel by channel. */
export function circuitLayers(net: ConvNet): string[] {
  if (!hasWeightAccess(net)) return [];
  return filterLayers(net).filter((l) => previousConv(net, l) !== null);
}

/** One slice's strength under `summary`. */
export function sliceStrength(kernel: ArrayLike<number>, summary: CircuitSummary): number {
  let sum = 0;
  let squares = 0;
  for (let i = 0; i < kernel.length; i++) {
    sum += kernel[i]!;
    squares += kernel[i]! * kernel[i]!;
  }
  return summary === 'sum' ? sum : Math.sign(sum) * Math.sqrt(squares);
}

/**
 * The circuit of `unit` in `layer`: every previous channel's slice and strength, and the `top` strongest of
 * each sign. Throws, for the reader, when the layer has none or the unit is out of range. Reads the
 * network's weights and holds no tensors after.
 */
export async function circuit(
  net: ConvNet,
  layer: string,
  unit: number,
  { summary = 'sum', top = DEFAULT_CIRCUIT_TOP }: { summary?: CircuitSummary; top?: number } = {},
): Promise<Circuit> {
  const layers = circuitLayers(net);
  const trace = layers.includes(layer) ? previousConv(net, layer) : null;
  if (!trace) {
    throw new Error(
      layers.length
        ? `'${layer}' has no previous convolution whose channels it reads (these do: ${layers.join(', ')}).`
        : `${net.title} has no convolution after another whose weights can be read, so it has no circuits.`,
    );
  }
  const [kernelT, biasT] = net.layerWeights!(layer);
  const [height, width, inChannels, count] = kernelT!.shape as [number, number, number, number];
  if (!Number.isInteger(unit) || unit < 0 || unit >= count) {
    throw new Error(`Unit ${unit} is not a channel of '${layer}' (0 to ${count - 1}).`);
  }
  // Borrowed from the network: read, never disposed.
  const w = (await kernelT!.data()) as Float32Array;
  const bias = biasT && biasT.size === count ? (await biasT.data())[unit]! : null;
  const weights = Array.from({ length: inChannels }, (_, channel) => {
    const kernel = Float32Array.from({ length: height * width }, (_, p) => w[(p * inChannels + channel) * count + unit]!);
    return { channel, strength: sliceStrength(kernel, summary), kernel };
  });
  const positive = weights.filter((x) => x.strength > 0).sort((a, b) => b.strength - a.strength).slice(0, top);
  const negative = weights.filter((x) => x.strength < 0).sort((a, b) => a.strength - b.strength).slice(0, top);
  return { layer, unit, ...trace, summary, height, width, bias, weights, positive, negative };
}
