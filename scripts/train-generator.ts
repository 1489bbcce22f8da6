/**
 * Trains the book's generators: variational autoencoders (Kingma & Welling 2014, "Auto-Encoding
 * Variational Bayes", ICLR) whose decoders are shipped as the generators that the optimisation chapter
 * searches through (src/core/optvis/latent.ts): fashion-vae on Fashion-MNIST, scenes-vae on the
 * procedural scenes.
 *
 *   npm run train -- fashion-vae | scenes-vae [--epochs N] [--train-limit N]
 *
 * The encoder q(z|x) gives a mean μ and a log-variance log σ² per latent unit; a code
 * z = μ + σ ⊙ ε, ε ~ N(0, I), is decoded to pixel probabilities p(x|z). The loss per image is the
 * negative evidence lower bound (the paper's eq. 10 with one sample):
 *
 *   L = − Σ_pixels [x log p + (1 − x) log(1 − p)]  +  ½ Σ_j (μ_j² + σ_j² − log σ_j² − 1)
 *
 * Pixels are the classifier's, bytes / 255 in [0, 1], and so is the decoder's sigmoid output, so a
 * decoded image goes into the classifier trained on the same data as it is. Initialisation, data order
 * and the ε of every step are seeded. Writes public/models/<id>/{model.json, weights.bin, card.json,
 * samples.png}: the decoder only (the encoder is needed for training, not by the book).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sequential } from '@tensorflow/tfjs-layers';
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { tf, tfl } from './lib/node-tf';
import { fileSaveHandler } from './lib/fs-io';
import { fashionMnist, scenes, type Dataset, type Split } from './lib/datasets';
import { cardData, cosineRate, imageBatch, inOrder, setLearningRate, shuffled } from './lib/training';
import { encodePng } from './lib/png';
import { mulberry32 } from '../src/core/random';
import { DEFAULT_SEED } from '../src/core/models/architectures';
import { buildConvDecoder, buildDecoder, type GeneratorId } from '../src/core/optvis/generator';

/** How one generator is trained, and what its card says about it. */
interface GeneratorRecipe {
  title: string;
  /** The classifiers trained on the same data, whose input the decoder draws (the card's `classifiers`). */
  classifiers: string[];
  /** The data; a generated dataset draws only the `limit` training items asked for. */
  data: (limit?: number) => Dataset;
  /** Test images the card's reconstruction and KL are measured on. */
  testImages: number;
  latentSize: number;
  /** The encoder, image → [μ, log σ²] (2 × latentSize numbers). */
  encoder: (shape: readonly [number, number, number], latentSize: number, seed: number) => Sequential;
  decoder: (shape: readonly [number, number, number], latentSize: number, seed: number) => Sequential;
  /** The decoder in words, for the card. */
  architecture: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
}

/** The dense encoder: flattened image → hidden ReLU layers → [μ, log σ²]. */
function denseEncoder(hidden: readonly number[]) {
  return (shape: readonly [number, number, number], latentSize: number, seed: number): Sequential => {
    const model = tfl.sequential();
    model.add(tfl.layers.flatten({ inputShape: [...shape], name: 'flatten' }));
    hidden.forEach((units, i) =>
      model.add(tfl.layers.dense({ units, activation: 'relu', name: `enc${i + 1}`, kernelInitializer: tfl.initializers.heNormal({ seed: seed + 500 + i }) })),
    );
    model.add(tfl.layers.dense({ units: 2 * latentSize, name: 'moments', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 599 }) }));
    return model;
  };
}

/** The convolutional encoder: 3×3 ReLU convolutions of stride 2 halving the image, flattened → [μ, log σ²]. */
function convEncoder(filters: readonly number[]) {
  return (shape: readonly [number, number, number], latentSize: number, seed: number): Sequential => {
    const model = tfl.sequential();
    filters.forEach((n, i) =>
      model.add(tfl.layers.conv2d({
        ...(i === 0 ? { inputShape: [...shape] } : {}),
        filters: n, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', name: `enc${i + 1}`,
        kernelInitializer: tfl.initializers.heNormal({ seed: seed + 500 + i }),
      })),
    );
    model.add(tfl.layers.flatten({ name: 'flatten' }));
    model.add(tfl.layers.dense({ units: 2 * latentSize, name: 'moments', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 599 }) }));
    return model;
  };
}

/** Fashion-MNIST's hidden widths: the decoder's, mirrored by the encoder (Kingma & Welling's perceptrons). */
const FASHION_HIDDEN = [256, 256];
/**
 * The scenes' decoder: an 8×8×64 grid doubled three times to 64×64, with few filters at the larger sizes,
 * where a convolution costs most; the encoder halves the image three times with these filters. A pilot of
 * a decoder with 64, 32 and 16 filters and a 16-filter convolution at 64×64 trained at 18 images/s on the
 * shared machine: too slow to see enough scenes in 40 minutes.
 */
const SCENES_DECODER = { grid: [8, 8, 64], filters: [48, 24] } as const;
const SCENES_ENCODER_FILTERS = [16, 32, 64];
/**
 * Training scenes (seeds 0..n−1: scenes-cnn's 30,000 training seeds and 10,000 more of the same generator)
 * and passes over them: 240,000 presentations at the 100–125 images/s of the run, 34 minutes.
 */
const SCENES_TRAIN = 40_000;
const SCENES_EPOCHS = 6;

/**
 * The recipes. fashion-vae: 4 epochs of 60,000 images take about 20 minutes at the 200 images/s measured
 * on one WASM core of the shared machine (content/models/fashion-vae.md). scenes-vae: epochs sized from a
 * pilot's images/s to fit about 35 minutes (content/models/scenes-vae.md).
 */
export const GENERATOR_RECIPES: Record<GeneratorId, GeneratorRecipe> = {
  'fashion-vae': {
    title: 'Fashion-MNIST variational autoencoder (decoder)',
    classifiers: ['fashion-vgg'],
    data: fashionMnist,
    testImages: 10_000,
    latentSize: 16,
    encoder: denseEncoder([...FASHION_HIDDEN].reverse()),
    decoder: (shape, latentSize, seed) => buildDecoder({ latentSize, hidden: FASHION_HIDDEN, outputShape: shape, seed }),
    architecture: 'multilayer perceptron: z → 256 → 256 (ReLU) → 784 (sigmoid) → 28×28×1',
    epochs: 4,
    batchSize: 128,
    // Adam's default step (Kingma & Ba 2015, algorithm 1).
    learningRate: 1e-3,
  },
  'scenes-vae': {
    title: 'Procedural-scenes variational autoencoder (decoder)',
    classifiers: ['scenes-cnn'],
    data: (limit = SCENES_TRAIN) => scenes(Math.min(limit, SCENES_TRAIN), 1_000),
    testImages: 1_000,
    latentSize: 32,
    encoder: convEncoder(SCENES_ENCODER_FILTERS),
    decoder: (shape, latentSize, seed) => buildConvDecoder({ latentSize, ...SCENES_DECODER, outputShape: shape, seed }),
    architecture: 'convolutional: z → dense 8×8×64 (ReLU) → 2× nearest upsampling, 3×3 convolution, 48 filters (ReLU) → 2× upsampling, 3×3 convolution, 24 filters (ReLU) → 2× upsampling, 3×3 convolution, 3 channels (sigmoid) → 64×64×3',
    epochs: SCENES_EPOCHS,
    // Smaller batches give more of Adam's steps from the few scenes the time allows.
    batchSize: 32,
    learningRate: 1e-3,
  },
};

/** Guards log p against p = 0 or 1 from a saturated sigmoid. */
const LOG_EPSILON = 1e-6;

function parseArgs(argv: string[]) {
  const flag = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : undefined;
  };
  return { epochs: flag('epochs'), limit: flag('train-limit') };
}

/** Reconstruction (summed binary cross-entropy) and KL terms per image, each [batch]; z drawn with `eps`. */
function terms(encoder: Sequential, decoder: Sequential, x: Tensor, eps: Tensor2D | null, latentSize: number) {
  const moments = encoder.apply(x) as Tensor2D;
  const mu = tf.slice(moments, [0, 0], [-1, latentSize]);
  const logVar = tf.slice(moments, [0, latentSize], [-1, latentSize]);
  const z = eps ? tf.add(mu, tf.mul(tf.exp(tf.mul(logVar, 0.5)), eps)) : mu;
  const p = tf.clipByValue(decoder.apply(z) as Tensor, LOG_EPSILON, 1 - LOG_EPSILON);
  const bce = tf.neg(tf.add(tf.mul(x, tf.log(p)), tf.mul(tf.sub(1, x), tf.log(tf.sub(1, p)))));
  const reconstruction = tf.sum(bce, [1, 2, 3]);
  const kl = tf.mul(tf.sum(tf.sub(tf.add(tf.square(mu), tf.exp(logVar)), tf.add(logVar, 1)), 1), 0.5);
  return { reconstruction, kl };
}

/**
 * On the first `count` items of a split: the mean reconstruction loss and KL with one seeded sample of z
 * each; the loss a perfect reconstruction would still have (the summed binary entropy of the pixels, not
 * zero for pixels between 0 and 1); and the root-mean-square pixel error of the decoded mean code G(μ).
 */
function evaluate(encoder: Sequential, decoder: Sequential, split: Split, count: number, latentSize: number) {
  let [rec, kl, floor, squares] = [0, 0, 0, 0];
  const order = inOrder(count);
  for (let from = 0; from < count; from += 500) {
    const n = Math.min(500, count - from);
    const sums = tf.tidy(() => {
      const x = imageBatch(split, order, from, n);
      const eps = tf.randomNormal([n, latentSize], 0, 1, 'float32', DEFAULT_SEED + 7 + from) as Tensor2D;
      const t = terms(encoder, decoder, x, eps, latentSize);
      const q = tf.clipByValue(x, LOG_EPSILON, 1 - LOG_EPSILON);
      const entropy = tf.neg(tf.add(tf.mul(q, tf.log(q)), tf.mul(tf.sub(1, q), tf.log(tf.sub(1, q)))));
      const mu = tf.slice(encoder.apply(x) as Tensor2D, [0, 0], [-1, latentSize]);
      return tf.stack([tf.sum(t.reconstruction), tf.sum(t.kl), tf.sum(entropy), tf.sum(tf.squaredDifference(decoder.apply(mu) as Tensor, x))]);
    });
    const [r, k, f, e] = sums.dataSync();
    sums.dispose();
    [rec, kl, floor, squares] = [rec + r!, kl + k!, floor + f!, squares + e!];
  }
  const pixels = count * split.shape[0] * split.shape[1] * split.shape[2];
  return { reconstruction: rec / count, kl: kl / count, reconstructionFloor: floor / count, rmse: Math.sqrt(squares / pixels) };
}

/** An 8×8 grid of decoded codes z ~ N(0, I) (seeded), as an 8-bit PNG of the images' channels. */
function sampleGrid(decoder: Sequential, latentSize: number, [h, w, c]: readonly [number, number, number]): Buffer {
  const side = 8;
  const images = tf.tidy(() => (decoder.predict(tf.randomNormal([side * side, latentSize], 0, 1, 'float32', DEFAULT_SEED + 3)) as Tensor).dataSync());
  const pixels = new Uint8Array(side * side * h * w * c);
  for (let i = 0; i < side * side; i++) {
    const [gy, gx] = [Math.floor(i / side), i % side];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w * c; x++) pixels[((gy * h + y) * side * w + gx * w) * c + x] = Math.round(images[(i * h + y) * w * c + x]! * 255);
    }
  }
  return encodePng(side * w, side * h, c as 1 | 3, pixels);
}

/** Trains the VAE `id` and writes its decoder and card. */
export async function trainGenerator(id: GeneratorId, argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const recipe = GENERATOR_RECIPES[id];
  const dataStart = Date.now();
  const data = recipe.data(args.limit);
  console.log(`${id}: data ready in ${((Date.now() - dataStart) / 1000).toFixed(0)} s`);
  const shape = data.train.shape;
  const { latentSize, batchSize, learningRate } = recipe;
  const epochs = args.epochs ?? recipe.epochs;
  const trainCount = Math.min(args.limit ?? Infinity, data.train.count);
  const testCount = Math.min(recipe.testImages, data.test.count);
  const encoder = recipe.encoder(shape, latentSize, DEFAULT_SEED);
  const decoder = recipe.decoder(shape, latentSize, DEFAULT_SEED);
  const variables = [...encoder.trainableWeights, ...decoder.trainableWeights].map((w) => w.read() as unknown as ReturnType<typeof tf.variable>);
  const optimizer = tf.train.adam(learningRate);
  const rng = mulberry32(DEFAULT_SEED);
  const steps = epochs * Math.floor(trainCount / batchSize);
  const elboCurve: { epoch: number; loss: number; testReconstruction: number; testKl: number; testRmse: number; seconds: number }[] = [];
  const t0 = Date.now();
  let step = 0;
  let test: ReturnType<typeof evaluate> | null = null;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = shuffled(trainCount, rng);
    let [lossSum, seen] = [0, 0];
    const epochStart = Date.now();
    for (let from = 0; from + batchSize <= trainCount; from += batchSize, step++) {
      setLearningRate(optimizer, cosineRate(learningRate, step, steps));
      const x = imageBatch(data.train, order, from, batchSize);
      const eps = tf.randomNormal([batchSize, latentSize], 0, 1, 'float32', DEFAULT_SEED + 1000 + step) as Tensor2D;
      const loss = optimizer.minimize(() => {
        const t = terms(encoder, decoder, x, eps, latentSize);
        return tf.mean(tf.add(t.reconstruction, t.kl)) as Scalar;
      }, true, variables)!;
      lossSum += loss.dataSync()[0]! * batchSize;
      seen += batchSize;
      tf.dispose([x, eps, loss]);
      if ((from / batchSize) % 50 === 49) {
        console.log(`epoch ${epoch} ${seen}/${trainCount} loss ${(lossSum / seen).toFixed(2)} ${(seen / ((Date.now() - epochStart) / 1000)).toFixed(1)} img/s`);
      }
    }
    test = evaluate(encoder, decoder, data.test, testCount, latentSize);
    elboCurve.push({ epoch, loss: lossSum / seen, testReconstruction: test.reconstruction, testKl: test.kl, testRmse: test.rmse, seconds: (Date.now() - t0) / 1000 });
    console.log(`epoch ${epoch} done`, elboCurve.at(-1));
  }
  const seconds = (Date.now() - t0) / 1000;
  const dir = join(import.meta.dirname, '..', 'public', 'models', id);
  mkdirSync(dir, { recursive: true });
  await decoder.save(fileSaveHandler(dir));
  writeFileSync(join(dir, 'samples.png'), sampleGrid(decoder, latentSize, shape));
  const last = test!;
  const card = {
    id,
    title: recipe.title,
    kind: 'generator',
    classifiers: recipe.classifiers,
    description: recipe.architecture,
    architecture: decoder.layers.map((l) => ({ name: l.name, type: l.getClassName(), outputShape: l.outputShape, params: l.countParams() })),
    totalParams: decoder.countParams(),
    encoderParams: encoder.countParams(),
    inputShape: [latentSize],
    latentSize,
    outputShape: shape,
    outputRange: [0, 1],
    output: `pixel intensities in [0, 1] (sigmoid), the input range of ${recipe.classifiers.join(' and ')}`,
    data: cardData(data, trainCount),
    training: {
      loss: 'negative ELBO per image: summed binary cross-entropy of the pixels + KL(q(z|x) ‖ N(0, I)), one sample of z (Kingma & Welling 2014, eq. 10)',
      optimizer: 'Adam; the learning rate decays by a cosine to a twentieth of its start',
      learningRate,
      epochs,
      batchSize,
      seed: DEFAULT_SEED,
      backend: tf.getBackend(),
      seconds: Math.round(seconds),
      imagesPerSecond: Math.round((epochs * trainCount) / seconds),
      command: `npm run train -- ${id}${argv.length ? ` ${argv.join(' ')}` : ''}`,
      // Not `curve`, which the model pages read as a classifier's accuracy per epoch.
      elboCurve,
    },
    test: {
      images: testCount,
      reconstruction: last.reconstruction,
      kl: last.kl,
      negativeElbo: last.reconstruction + last.kl,
      // What a perfect reconstruction would still cost: the gap above it is the decoder's error.
      reconstructionFloor: last.reconstructionFloor,
      rmseOfMeanCode: last.rmse,
    },
    samples: 'samples.png: 8×8 decoded codes z ~ N(0, I), seeded',
  };
  writeFileSync(join(dir, 'card.json'), JSON.stringify(card, null, 1));
  tf.dispose(encoder.weights.map((w) => w.read()));
  console.log(`${id}: test reconstruction ${last.reconstruction.toFixed(2)} (floor ${last.reconstructionFloor.toFixed(2)}), KL ${last.kl.toFixed(2)} nats, RMSE ${last.rmse.toFixed(4)}, ${seconds.toFixed(0)} s; wrote ${dir}`);
}
