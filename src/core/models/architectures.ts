/**
 * The networks the book dissects, as tfjs-layers builders.
 *
 * Two rules make every classifier here easy to take apart:
 *   - each convolution is linear and followed by its own `ReLU` layer, so a
 *     chapter can swap the ReLU's backward rule (backprop, deconvnet, guided)
 *     per layer without touching the convolutions;
 *   - the head is global average pooling and one linear `Dense` layer (logits,
 *     no softmax), so class activation maps (Zhou et al. 2016, eq. 2) are the
 *     last feature maps weighted by that layer's weights, with nothing between.
 * No batch normalisation in the shipped networks: fewer layer kinds to explain,
 * and the features the book shows are the features the network computes. A
 * classifier may be trained with it (`{ batchNorm: true }` puts a
 * `BatchNormalization` layer between each convolution and its ReLU), and
 * {@link foldBatchNorm} then folds each one into its convolution, which at
 * inference is exact: the same function with the plain layers.
 *
 * Layers are named `conv<block>_<i>`, `relu<block>_<i>`, `pool<block>`, `gap`,
 * `logits`, as in VGG (Simonyan & Zisserman 2015), so chapters can address them
 * by name. Initialisation is seeded, so a build is reproducible.
 */
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** Identifiers of the models, also their folder names under public/models/. */
export const MODEL_IDS = ['fashion-vgg', 'scenes-cnn', 'texture-features'] as const;
/** One of {@link MODEL_IDS}. */
export type ModelId = (typeof MODEL_IDS)[number];

/** Whether `value` names a model (for validating URL state and attributes). */
export function isModelId(value: unknown): value is ModelId {
  return typeof value === 'string' && (MODEL_IDS as readonly string[]).includes(value);
}

/** One convolution block: `convs` 'same' convolutions of `filters` channels, each with its ReLU. */
export interface ConvBlock {
  filters: number;
  kernelSize: number;
  convs: number;
  /** Pooling after the block; 'none' for the last block, which feeds global pooling. */
  pool: 'max' | 'avg' | 'none';
}

/**
 * fashion-vgg: two VGG blocks of two 3×3 convolutions and one of a single
 * convolution; 28×28 → 14×14 → 7×7 keeps the last maps coarse but readable.
 * Sized from measured training throughput on WASM in Node (one core, with
 * the core's XNNPACK convolution gradients): 125 images/s on an idle core, so 4 epochs of
 * Fashion-MNIST take about 32 minutes (about 40 images/s, 100 minutes, when the
 * 2-core machine is shared).
 */
export const FASHION_VGG_BLOCKS: readonly ConvBlock[] = [
  { filters: 32, kernelSize: 3, convs: 2, pool: 'max' },
  { filters: 64, kernelSize: 3, convs: 2, pool: 'max' },
  { filters: 128, kernelSize: 3, convs: 1, pool: 'none' },
];

/**
 * scenes-cnn: a 5×5 first layer of 16 filters (large enough that the learnt
 * filters read as colour-opponent edges and blobs, as in Krizhevsky et al. 2012,
 * fig. 3), then 3×3 blocks; 64 → 32 → 16 → 8 pixels.
 */
export const SCENES_CNN_BLOCKS: readonly ConvBlock[] = [
  { filters: 16, kernelSize: 5, convs: 1, pool: 'max' },
  { filters: 32, kernelSize: 3, convs: 1, pool: 'max' },
  { filters: 64, kernelSize: 3, convs: 1, pool: 'max' },
  { filters: 128, kernelSize: 3, convs: 1, pool: 'none' },
];

/**
 * texture-features: random, untrained filters at several scales. Random
 * multi-scale filters give Gram-matrix textures close to a trained VGG's
 * (Ustyuzhaninov et al. 2017, "What does it take to generate natural
 * textures?", ICLR); average pooling as Gatys et al. (2016) recommend for
 * synthesis. Each block's ReLU output is a style layer; receptive fields
 * 3, 8, 18 and 38 pixels.
 */
export const TEXTURE_FEATURES_BLOCKS: readonly ConvBlock[] = [
  { filters: 32, kernelSize: 3, convs: 1, pool: 'avg' },
  { filters: 64, kernelSize: 3, convs: 1, pool: 'avg' },
  { filters: 128, kernelSize: 3, convs: 1, pool: 'avg' },
  { filters: 128, kernelSize: 3, convs: 1, pool: 'none' },
];

/** Seed of every initialiser; see {@link layerSeed}. */
export const DEFAULT_SEED = 1234;

/**
 * The seed of a layer's initialiser, by name, so that a layer's first weights can be drawn again
 * (untrained-copy.ts): `conv<b>_<i>` gets `seed + 100 (b − 1) + i − 1`, `logits` `seed + 999`, and a
 * layer the book's networks do not have `seed + 10 000 + position`.
 */
export function layerSeed(name: string, seed: number, position: number): number {
  const conv = /^conv(\d+)_(\d+)$/.exec(name);
  if (conv) return seed + 100 * (Number(conv[1]) - 1) + Number(conv[2]) - 1;
  return name === 'logits' ? seed + 999 : seed + 10_000 + position;
}

/** Build options of the classifiers. */
export interface BuildOptions {
  /** Put a `bn<block>_<i>` BatchNormalization layer between each convolution and its ReLU (training only). */
  batchNorm?: boolean;
}

/** Appends the blocks to `model`, naming layers VGG-style. `inputShape` goes on the first layer. */
function addBlocks(model: tfl.Sequential, blocks: readonly ConvBlock[], inputShape: number[], seed: number, options: BuildOptions = {}): void {
  blocks.forEach((block, b) => {
    for (let i = 0; i < block.convs; i++) {
      const name = `${b + 1}_${i + 1}`;
      model.add(tfl.layers.conv2d({
        ...(model.layers.length === 0 ? { inputShape } : {}),
        name: `conv${name}`,
        filters: block.filters,
        kernelSize: block.kernelSize,
        padding: 'same',
        activation: 'linear',
        // He initialisation suits ReLU networks (He et al. 2015, eq. 10).
        kernelInitializer: tfl.initializers.heNormal({ seed: layerSeed(`conv${name}`, seed, 0) }),
      }));
      if (options.batchNorm) model.add(tfl.layers.batchNormalization({ name: `bn${name}`, axis: -1 }));
      model.add(tfl.layers.reLU({ name: `relu${name}` }));
    }
    const pool = { name: `pool${b + 1}`, poolSize: 2, strides: 2 };
    if (block.pool === 'max') model.add(tfl.layers.maxPooling2d(pool));
    if (block.pool === 'avg') model.add(tfl.layers.averagePooling2d(pool));
  });
}

/** A classifier: conv blocks, global average pooling, one dense layer of logits. */
function classifier(blocks: readonly ConvBlock[], inputShape: number[], classes: number, seed: number, options: BuildOptions): tfl.Sequential {
  const model = tfl.sequential();
  addBlocks(model, blocks, inputShape, seed, options);
  model.add(tfl.layers.globalAveragePooling2d({ name: 'gap' }));
  model.add(tfl.layers.dense({
    name: 'logits',
    units: classes,
    activation: 'linear',
    kernelInitializer: tfl.initializers.glorotUniform({ seed: layerSeed('logits', seed, 0) }),
  }));
  return model;
}

/** fashion-vgg: 28×28×1 Fashion-MNIST classifier, 10 logits. */
export function buildFashionVgg(seed = DEFAULT_SEED, options: BuildOptions = {}): tfl.Sequential {
  return classifier(FASHION_VGG_BLOCKS, [28, 28, 1], 10, seed, options);
}

/** scenes-cnn: 64×64×3 classifier of the procedural scenes, one logit per scene class. */
export function buildScenesCnn(classes: number, seed = DEFAULT_SEED, options: BuildOptions = {}): tfl.Sequential {
  return classifier(SCENES_CNN_BLOCKS, [64, 64, 3], classes, seed, options);
}

/** texture-features: random multi-scale feature extractor over RGB images of any size. */
export function buildTextureFeatures(seed = DEFAULT_SEED): tfl.Sequential {
  const model = tfl.sequential();
  addBlocks(model, TEXTURE_FEATURES_BLOCKS, [null, null, 3] as unknown as number[], seed);
  return model;
}

/**
 * Copies a network trained with `{ batchNorm: true }` into `plain`, the same
 * architecture built without it, folding each inference-time batch
 * normalisation y = γ (z − μ) / √(σ² + ε) + β of a convolution's output
 * z = W * x + b into that convolution (Ioffe & Szegedy 2015, §3.2: at
 * inference the transform is a fixed affine map per channel):
 *   W' = W · s,  b' = (b − μ) · s + β,  with s = γ / √(σ² + ε) per output channel.
 * Every other layer's weights are copied as they are. Returns `plain`.
 */
export function foldBatchNorm(trained: tfl.LayersModel, plain: tfl.LayersModel): tfl.LayersModel {
  const folded: tfc.Tensor[] = [];
  for (const layer of plain.layers) {
    const weights = trained.getLayer(layer.name).getWeights();
    const bn = layer.name.startsWith('conv') ? trained.layers.find((l) => l.name === `bn${layer.name.slice(4)}`) : undefined;
    if (!bn) {
      layer.setWeights(weights);
      continue;
    }
    const { epsilon } = bn.getConfig() as { epsilon: number };
    const [gamma, beta, mean, variance] = bn.getWeights();
    const [kernel, bias] = tfc.tidy(() => {
      const scale = tfc.div(gamma!, tfc.sqrt(tfc.add(variance!, epsilon)));
      return [tfc.mul(weights[0]!, scale), tfc.add(tfc.mul(tfc.sub(weights[1]!, mean!), scale), beta!)];
    });
    layer.setWeights([kernel!, bias!]);
    folded.push(kernel!, bias!);
  }
  // setWeights assigns (the variables share the data), so the folded copies can go.
  tfc.dispose(folded);
  return plain;
}
