/**
 * Trains the book's generator: a variational autoencoder (Kingma & Welling 2014, "Auto-Encoding
 * Variational Bayes", ICLR) on Fashion-MNIST, whose decoder is shipped as the generator that the
 * optimisation chapter searches through (src/core/optvis/latent.ts).
 *
 *   npm run train -- fashion-vae [--epochs N] [--train-limit N]
 *
 * The encoder q(z|x) gives a mean μ and a log-variance log σ² per latent unit; a code
 * z = μ + σ ⊙ ε, ε ~ N(0, I), is decoded to pixel probabilities p(x|z). The loss per image is the
 * negative evidence lower bound (the paper's eq. 10 with one sample):
 *
 *   L = − Σ_pixels [x log p + (1 − x) log(1 − p)]  +  ½ Σ_j (μ_j² + σ_j² − log σ_j² − 1)
 *
 * Pixels are the classifier's, bytes / 255 in [0, 1], and so is the decoder's sigmoid output, so a
 * decoded image goes into fashion-vgg as it is. Initialisation, data order and the ε of every step are
 * seeded. Writes public/models/fashion-vae/{model.json, weights.bin, card.json, samples.png}: the decoder
 * only (the encoder is needed for training, not by the book).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Sequential } from '@tensorflow/tfjs-layers';
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { tf, tfl } from './lib/node-tf';
import { fileSaveHandler } from './lib/fs-io';
import { fashionMnist, type Split } from './lib/datasets';
import { encodePng } from './lib/png';
import { mulberry32 } from '../src/core/random';
import { DEFAULT_SEED } from '../src/core/models/architectures';
import { buildDecoder, type GeneratorId } from '../src/core/optvis/generator';

/**
 * How the generator is trained: 4 epochs of 60,000 images take about 20 minutes at the 200 images/s measured on one
 * WASM core of the shared machine (content/models/fashion-vae.md).
 */
export const FASHION_VAE_RECIPE = {
  latentSize: 16,
  /** Hidden widths of the decoder; the encoder mirrors them. */
  hidden: [256, 256],
  epochs: 4,
  batchSize: 128,
  // Adam's default step (Kingma & Ba 2015, algorithm 1).
  learningRate: 1e-3,
} as const;

/** Guards log p against p = 0 or 1 from a saturated sigmoid. */
const LOG_EPSILON = 1e-6;

/** The encoder: flattened image → hidden layers (mirrored) → [μ, log σ²]. */
function buildEncoder(shape: readonly [number, number, number], latentSize: number, hidden: readonly number[], seed: number): Sequential {
  const model = tfl.sequential();
  model.add(tfl.layers.flatten({ inputShape: [...shape], name: 'flatten' }));
  [...hidden].reverse().forEach((units, i) =>
    model.add(tfl.layers.dense({ units, activation: 'relu', name: `enc${i + 1}`, kernelInitializer: tfl.initializers.heNormal({ seed: seed + 500 + i }) })),
  );
  model.add(tfl.layers.dense({ units: 2 * latentSize, name: 'moments', kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + 599 }) }));
  return model;
}

function parseArgs(argv: string[]) {
  const flag = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : undefined;
  };
  return { epochs: flag('epochs'), limit: flag('train-limit') };
}

/** Items `order[from..from+n)` of a split as a float batch in 0..1. */
function batch(split: Split, order: ArrayLike<number>, from: number, n: number): Tensor {
  const size = split.shape[0] * split.shape[1] * split.shape[2];
  const x = new Float32Array(n * size);
  for (let i = 0; i < n; i++) {
    const j = order[from + i]!;
    for (let k = 0; k < size; k++) x[i * size + k] = split.images[j * size + k]! / 255;
  }
  return tf.tensor4d(x, [n, ...split.shape]);
}

/** Fisher–Yates shuffle of 0..n-1 from a seeded PRNG. */
function shuffled(n: number, rng: () => number): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
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

/** Mean reconstruction loss and KL on the first `count` items of a split, with one seeded sample of z each. */
function evaluate(encoder: Sequential, decoder: Sequential, split: Split, count: number, latentSize: number) {
  let [rec, kl] = [0, 0];
  const order = Int32Array.from({ length: count }, (_, i) => i);
  for (let from = 0; from < count; from += 500) {
    const n = Math.min(500, count - from);
    const [r, k] = tf.tidy(() => {
      const x = batch(split, order, from, n);
      const eps = tf.randomNormal([n, latentSize], 0, 1, 'float32', DEFAULT_SEED + 7 + from) as Tensor2D;
      const t = terms(encoder, decoder, x, eps, latentSize);
      return [tf.sum(t.reconstruction), tf.sum(t.kl)];
    });
    rec += r!.dataSync()[0]!;
    kl += k!.dataSync()[0]!;
    tf.dispose([r!, k!]);
  }
  return { reconstruction: rec / count, kl: kl / count };
}

/** An 8×8 grid of decoded codes z ~ N(0, I) (seeded), as an 8-bit greyscale PNG. */
function sampleGrid(decoder: Sequential, latentSize: number, [h, w]: readonly [number, number, number]): Buffer {
  const side = 8;
  const images = tf.tidy(() => (decoder.predict(tf.randomNormal([side * side, latentSize], 0, 1, 'float32', DEFAULT_SEED + 3)) as Tensor).dataSync());
  const pixels = new Uint8Array(side * side * h * w);
  for (let i = 0; i < side * side; i++) {
    const [gy, gx] = [Math.floor(i / side), i % side];
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pixels[(gy * h + y) * side * w + gx * w + x] = Math.round(images[i * h * w + y * w + x]! * 255);
  }
  return encodePng(side * w, side * h, 1, pixels);
}

/** Trains the VAE `id` and writes its decoder and card. */
export async function trainGenerator(id: GeneratorId, argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const recipe = FASHION_VAE_RECIPE;
  const data = fashionMnist();
  const shape = data.train.shape;
  const { latentSize, hidden, batchSize, learningRate } = recipe;
  const epochs = args.epochs ?? recipe.epochs;
  const trainCount = Math.min(args.limit ?? Infinity, data.train.count);
  const encoder = buildEncoder(shape, latentSize, hidden, DEFAULT_SEED);
  const decoder = buildDecoder({ latentSize, hidden, outputShape: shape, seed: DEFAULT_SEED });
  const variables = [...encoder.trainableWeights, ...decoder.trainableWeights].map((w) => w.read() as unknown as ReturnType<typeof tf.variable>);
  const optimizer = tf.train.adam(learningRate);
  const rng = mulberry32(DEFAULT_SEED);
  const steps = epochs * Math.floor(trainCount / batchSize);
  const elboCurve: { epoch: number; loss: number; testReconstruction: number; testKl: number; seconds: number }[] = [];
  const t0 = Date.now();
  let step = 0;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const order = shuffled(trainCount, rng);
    let [lossSum, seen] = [0, 0];
    const epochStart = Date.now();
    for (let from = 0; from + batchSize <= trainCount; from += batchSize, step++) {
      (optimizer as unknown as { learningRate: number }).learningRate = learningRate * (0.05 + 0.95 * 0.5 * (1 + Math.cos((Math.PI * step) / steps)));
      const x = batch(data.train, order, from, batchSize);
      const eps = tf.randomNormal([batchSize, latentSize], 0, 1, 'float32', DEFAULT_SEED + 1000 + step) as Tensor2D;
      const loss = optimizer.minimize(() => {
        const t = terms(encoder, decoder, x, eps, latentSize);
        return tf.mean(tf.add(t.reconstruction, t.kl)) as Scalar;
      }, true, variables)!;
      lossSum += loss.dataSync()[0]! * batchSize;
      seen += batchSize;
      tf.dispose([x, eps, loss]);
      if ((from / batchSize) % 100 === 99) {
        console.log(`epoch ${epoch} ${seen}/${trainCount} loss ${(lossSum / seen).toFixed(2)} ${(seen / ((Date.now() - epochStart) / 1000)).toFixed(0)} img/s`);
      }
    }
    const test = evaluate(encoder, decoder, data.test, data.test.count, latentSize);
    elboCurve.push({ epoch, loss: lossSum / seen, testReconstruction: test.reconstruction, testKl: test.kl, seconds: (Date.now() - t0) / 1000 });
    console.log(`epoch ${epoch} done`, elboCurve.at(-1));
  }
  const seconds = (Date.now() - t0) / 1000;
  const dir = join(import.meta.dirname, '..', 'public', 'models', id);
  mkdirSync(dir, { recursive: true });
  await decoder.save(fileSaveHandler(dir));
  writeFileSync(join(dir, 'samples.png'), sampleGrid(decoder, latentSize, shape));
  const last = elboCurve.at(-1)!;
  const card = {
    id,
    title: 'Fashion-MNIST variational autoencoder (decoder)',
    kind: 'generator',
    architecture: decoder.layers.map((l) => ({ name: l.name, type: l.getClassName(), outputShape: l.outputShape, params: l.countParams() })),
    totalParams: decoder.countParams(),
    encoderParams: encoder.countParams(),
    inputShape: [latentSize],
    latentSize,
    outputShape: shape,
    outputRange: [0, 1],
    output: 'pixel intensities in [0, 1] (sigmoid), the input range of fashion-vgg',
    data: {
      dataset: data.id,
      description: data.description,
      licence: data.licence,
      source: data.source,
      trainImages: trainCount,
      preprocessing: 'pixels / 255 from 8-bit values; no augmentation',
    },
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
    test: { images: data.test.count, reconstruction: last.testReconstruction, kl: last.testKl, negativeElbo: last.testReconstruction + last.testKl },
    samples: 'samples.png: 8×8 decoded codes z ~ N(0, I), seeded',
  };
  writeFileSync(join(dir, 'card.json'), JSON.stringify(card, null, 1));
  tf.dispose(encoder.weights.map((w) => w.read()));
  console.log(`${id}: test reconstruction ${last.testReconstruction.toFixed(2)}, KL ${last.testKl.toFixed(2)} nats, ${seconds.toFixed(0)} s; wrote ${dir}`);
}

