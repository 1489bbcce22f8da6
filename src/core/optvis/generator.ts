/**
 * Generators: networks from a code z to an image, G: ℝᵈ → [H, W, C], the learned prior that
 * latent-space optimisation searches through (Nguyen et al. 2016, §2). The book's generators are the
 * decoders of variational autoencoders (Kingma & Welling 2014) trained by `npm run train -- fashion-vae`
 * and `npm run train -- scenes-vae` (scripts/train-generator.ts): a multilayer perceptron for the
 * 28×28 Fashion-MNIST articles, a convolutional decoder for the 64×64 colour scenes. Both end in a
 * sigmoid, the input range of the classifier trained on the same data, so G(z) goes into it as it is.
 * Which classifier a generator serves is read from its card (`classifiers`), not from its name.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { DEFAULT_SEED } from '../models/architectures';
import type { Fetcher } from '../model-loader';
import { tf, type Tensor2D, type Tensor4D } from '../tf';

/** Identifiers of the book's generators, also their folder names under public/models/. */
export const GENERATOR_IDS = ['fashion-vae', 'scenes-vae'] as const;
/** One of {@link GENERATOR_IDS}. */
export type GeneratorId = (typeof GENERATOR_IDS)[number];

/** Whether `id` names one of the book's generators. */
export function isGeneratorId(id: unknown): id is GeneratorId {
  return GENERATOR_IDS.includes(id as GeneratorId);
}

/** What the book reads from a generator's card.json (written by scripts/train-generator.ts). */
export interface GeneratorCard {
  id: GeneratorId;
  title: string;
  /** Ids of the classifiers trained on the generator's data, whose input its images are. */
  classifiers: string[];
}

/** A generator's card from its parsed JSON; throws a message naming what is missing. */
export function readGeneratorCard(id: GeneratorId, value: unknown): GeneratorCard {
  const card = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const classifiers = card['classifiers'];
  if (!Array.isArray(classifiers) || !classifiers.every((c) => typeof c === 'string')) {
    throw new Error(`The card of the generator ${id} does not say which classifiers it serves (a "classifiers" list of network ids).`);
  }
  return { id, title: typeof card['title'] === 'string' ? card['title'] : id, classifiers };
}

/** Reads the cards of all the book's generators from `base` (the folder that holds models/). */
export async function loadGeneratorCards(base: string, options: { fetch?: Fetcher; signal?: AbortSignal } = {}): Promise<GeneratorCard[]> {
  const get: Fetcher = options.fetch ?? fetch;
  return Promise.all(GENERATOR_IDS.map(async (id) => {
    const url = `${base}models/${id}/card.json`;
    const response = await get(url, options.signal ? { signal: options.signal } : {});
    if (!response.ok) throw new Error(`Could not download the card of the generator ${id} from ${url} (HTTP ${response.status}).`);
    return readGeneratorCard(id, JSON.parse(new TextDecoder().decode(await response.arrayBuffer())));
  }));
}

/** The card of the generator whose images `netId` classifies, if one of `cards` names it. */
export function generatorForNetwork(cards: readonly GeneratorCard[], netId: string): GeneratorCard | undefined {
  return cards.find((c) => c.classifiers.includes(netId));
}

/** What a view says for a network the book has no generator for, naming the networks of `cards` that have one. */
export function noGenerator(net: { title: string }, cards: readonly GeneratorCard[] = []): string {
  const offers = cards.flatMap((c) => c.classifiers.map((m) => `${m} (through ${c.id})`));
  const choose = offers.length ? `: choose one of the book's networks that has one, ${offers.join(' or ')}` : '';
  return `The network ${net.title} has no generator trained on its data, and searching a generator's code needs one${choose}.`;
}

/** A code-to-image network. */
export interface Generator {
  readonly id: string;
  /** Length d of the code z. */
  readonly latentSize: number;
  /** Height, width and channels of an image. */
  readonly outputShape: readonly [number, number, number];
  /** The pixel range of its images. */
  readonly outputRange: readonly [number, number];
  /** Images of codes [n, d] → [n, H, W, C]; call inside tf.tidy or a gradient. */
  generate(z: Tensor2D): Tensor4D;
  /** Releases the network's weights. */
  dispose(): void;
}

/** Shape of a decoder: code length, hidden widths, image shape. */
export interface DecoderShape {
  latentSize: number;
  hidden: readonly number[];
  outputShape: readonly [number, number, number];
  seed?: number;
}

/** The dense VAE decoder: dense ReLU layers `dec<i>`, a dense sigmoid layer `pixels`, reshaped to the image. */
export function buildDecoder({ latentSize, hidden, outputShape, seed = DEFAULT_SEED }: DecoderShape): tfl.Sequential {
  const model = tfl.sequential();
  hidden.forEach((units, i) =>
    model.add(tfl.layers.dense({
      ...(i === 0 ? { inputShape: [latentSize] } : {}),
      units,
      activation: 'relu',
      name: `dec${i + 1}`,
      kernelInitializer: tfl.initializers.heNormal({ seed: seed + 700 + i }),
    })),
  );
  const [h, w, c] = outputShape;
  model.add(tfl.layers.dense({
    ...(hidden.length === 0 ? { inputShape: [latentSize] } : {}),
    units: h * w * c,
    activation: 'sigmoid',
    name: 'pixels',
    kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 799 }),
  }));
  model.add(tfl.layers.reshape({ targetShape: [h, w, c], name: 'image' }));
  return model;
}

/** Shape of a convolutional decoder: code length, the grid the code is mapped to, the filters at each doubling. */
export interface ConvDecoderShape {
  latentSize: number;
  /** Height, width and channels of the first feature map, a dense layer's output. */
  grid: readonly [number, number, number];
  /** Filters of the 3×3 ReLU convolution after each 2× upsampling but the last, whose convolution draws the image. */
  filters: readonly number[];
  outputShape: readonly [number, number, number];
  seed?: number;
}

/**
 * The convolutional VAE decoder: the code → a dense ReLU layer `grid` reshaped to a small feature map →
 * for each entry of `filters`, a 2× nearest-neighbour upsampling `up<i>` and a 3×3 ReLU convolution
 * `dec<i>` → a last upsampling and a 3×3 sigmoid convolution `pixels` to the image's channels.
 * Upsampling then convolving avoids the checkerboard of strided transposed convolutions (Odena, Dumoulin
 * & Olah 2016, "Deconvolution and Checkerboard Artifacts"); the one convolution at full size has only the
 * image's channels to draw, which keeps training affordable. The grid doubled filters.length + 1 times
 * must be the image's height and width.
 */
export function buildConvDecoder({ latentSize, grid, filters, outputShape, seed = DEFAULT_SEED }: ConvDecoderShape): tfl.Sequential {
  const [gh, gw, gc] = grid;
  const [h, w, c] = outputShape;
  const scale = 2 ** (filters.length + 1);
  if (gh * scale !== h || gw * scale !== w) throw new Error(`A ${gh}×${gw} grid doubled ${filters.length + 1} times is not ${h}×${w}.`);
  const model = tfl.sequential();
  model.add(tfl.layers.dense({ inputShape: [latentSize], units: gh * gw * gc, activation: 'relu', name: 'grid', kernelInitializer: tfl.initializers.heNormal({ seed: seed + 700 }) }));
  model.add(tfl.layers.reshape({ targetShape: [gh, gw, gc], name: 'grid_map' }));
  [...filters, c].forEach((n, i) => {
    const last = i === filters.length;
    model.add(tfl.layers.upSampling2d({ size: [2, 2], name: `up${i + 1}` }));
    model.add(tfl.layers.conv2d({
      filters: n, kernelSize: 3, padding: 'same', activation: last ? 'sigmoid' : 'relu', name: last ? 'pixels' : `dec${i + 1}`,
      kernelInitializer: last ? tfl.initializers.glorotUniform({ seed: seed + 799 }) : tfl.initializers.heNormal({ seed: seed + 701 + i }),
    }));
  });
  return model;
}

/**
 * A {@link Generator} over a layers model from [n, d] codes to [n, H, W, C] images in [0, 1] (a sigmoid
 * output). The result owns the model. Throws a message naming the problem for any other shape.
 */
export function generatorOf(model: tfl.LayersModel, id: string): Generator {
  const input = model.inputs[0]?.shape ?? [];
  const output = model.outputs[0]?.shape ?? [];
  const [, d] = input;
  const [, h, w, c] = output;
  if (model.inputs.length !== 1 || input.length !== 2 || !d) throw new Error(`The generator ${id} should take one code of shape [n, d]; its input is [${input.join(', ')}].`);
  if (output.length !== 4 || !h || !w || !c) throw new Error(`The generator ${id} should give images [n, H, W, C]; its output is [${output.join(', ')}].`);
  return {
    id,
    latentSize: d,
    outputShape: [h, w, c],
    outputRange: [0, 1],
    generate: (z) => model.apply(z) as Tensor4D,
    dispose: () => model.dispose(),
  };
}

/** Bytes of one stored number of a weight: 4 for float32 (the trainer's), fewer when quantised. */
function bytesPerNumber(spec: tf.io.WeightsManifestEntry): number {
  const q = spec.quantization?.dtype;
  return q === 'uint8' ? 1 : q === 'uint16' || q === 'float16' ? 2 : 4;
}

/** Loads a generator saved as a layers model (model.json + weights) from `url`, with `fetch`; a missing or damaged file is named. */
export async function loadGenerator(url: string, id: string, options: { fetch?: Fetcher; signal?: AbortSignal } = {}): Promise<Generator> {
  const get: Fetcher = options.fetch ?? fetch;
  const read = async (target: string) => {
    const response = await get(target, options.signal ? { signal: options.signal } : {});
    if (!response.ok) throw new Error(`Could not download the generator ${id} from ${target} (HTTP ${response.status}).`);
    return response.arrayBuffer();
  };
  let json: tf.io.ModelJSON;
  try {
    json = JSON.parse(new TextDecoder().decode(await read(url))) as tf.io.ModelJSON;
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    throw new Error(`The generator ${id}'s ${url} is not valid JSON (${err.message}).`);
  }
  if (!json || typeof json !== 'object' || !json.modelTopology) throw new Error(`The generator ${id}'s ${url} holds no model topology: it is not a TensorFlow.js layers model.`);
  const folder = url.slice(0, url.lastIndexOf('/') + 1);
  const groups = json.weightsManifest ?? [];
  const weights = await Promise.all(groups.flatMap((g) => g.paths).map((p) => read(folder + p)));
  const specs = groups.flatMap((g) => g.weights);
  const bytes = weights.reduce((n, w) => n + w.byteLength, 0);
  const expected = specs.reduce((n, w) => n + bytesPerNumber(w) * w.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes !== expected) throw new Error(`The generator ${id}'s weight files hold ${bytes} bytes, but its model.json describes ${expected}: a file is truncated or from another model.`);
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: tf.io.concatenateArrayBuffers(weights) }),
  );
  return generatorOf(model, id);
}
