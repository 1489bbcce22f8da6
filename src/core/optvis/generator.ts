/**
 * Generators: networks from a code z to an image, G: ℝᵈ → [H, W, C], the learned prior that
 * latent-space optimisation searches through (Nguyen et al. 2016, §2). The book's generator is the
 * decoder of a variational autoencoder (Kingma & Welling 2014) trained by `npm run train -- fashion-vae`
 * (scripts/train-generator.ts): a multilayer perceptron whose sigmoid output is the classifier's input
 * range, so G(z) goes into the classifier as it is.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { DEFAULT_SEED } from '../models/architectures';
import type { Fetcher } from '../model-loader';
import { tf, type Tensor2D, type Tensor4D } from '../tf';

/** Identifiers of the book's generators, also their folder names under public/models/. */
export const GENERATOR_IDS = ['fashion-vae'] as const;
/** One of {@link GENERATOR_IDS}. */
export type GeneratorId = (typeof GENERATOR_IDS)[number];

/** The generator trained on each classifier's data, by classifier id. */
export const GENERATOR_FOR_MODEL: Readonly<Record<string, GeneratorId>> = { 'fashion-vgg': 'fashion-vae' };

/** What a view says for a network the book has no generator for. */
export const NO_GENERATOR = (net: { title: string }) =>
  `The network ${net.title} has no generator trained on its data, and searching a generator's code needs one: choose the Fashion-MNIST network, whose generator is fashion-vae.`;

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

/** The VAE decoder: dense ReLU layers `dec<i>`, a dense sigmoid layer `pixels`, reshaped to the image. */
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

/** Loads a generator saved as a layers model (model.json + weights) from `url`, with `fetch`. */
export async function loadGenerator(url: string, id: string, options: { fetch?: Fetcher; signal?: AbortSignal } = {}): Promise<Generator> {
  const get: Fetcher = options.fetch ?? fetch;
  const read = async (target: string) => {
    const response = await get(target, options.signal ? { signal: options.signal } : {});
    if (!response.ok) throw new Error(`Could not download the generator ${id} from ${target} (HTTP ${response.status}).`);
    return response.arrayBuffer();
  };
  const json = JSON.parse(new TextDecoder().decode(await read(url))) as tf.io.ModelJSON;
  const folder = url.slice(0, url.lastIndexOf('/') + 1);
  const groups = json.weightsManifest ?? [];
  const weights = await Promise.all(groups.flatMap((g) => g.paths).map((p) => read(folder + p)));
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: groups.flatMap((g) => g.weights),
      weightData: tf.io.concatenateArrayBuffers(weights),
    }),
  );
  return generatorOf(model, id);
}
