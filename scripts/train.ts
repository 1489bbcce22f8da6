/**
 * Trains one of the book's models and writes it, its card and its test subset.
 *
 *   npm run train -- <model-id> [--epochs N] [--train-limit N] [--backend wasm|cpu]
 *   npm run train -- <model-id> --resume --epochs N [--lr X] [--train-size N]
 *   npm run train -- fashion-vae | scenes-vae [--epochs N] [--train-limit N]  (scripts/train-generator.ts)
 *   npm run train -- fast-style-cin | fast-style-in | fast-style-bn [--steps N] [--minutes M]  (scripts/train-fast-style.ts)
 *
 * Writes public/models/<id>/{model.json, weights.bin, card.json} and, for the
 * classifiers, public/data/<dataset>/ (sprites and labels.json). Adam on softmax
 * cross-entropy of the logits; initialisation and data order are seeded, so a
 * run on the same backend reproduces its weights.
 *
 * `--resume` continues from the model in public/models/<id>/ for N more epochs
 * with a fresh cosine schedule from X (default a quarter of the recipe's rate),
 * appending to the card's curve: a second phase of training when the first,
 * sized for the time budget, stops short of the target. `--train-size N`
 * (generated datasets only) draws N training scenes instead of the recipe's
 * count: the generator has no end, and a longer run that sees each scene many
 * times starts to fit them better than new ones.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LayersModel, Sequential } from '@tensorflow/tfjs-layers';
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { tf, tfl } from './lib/node-tf';
import { useFastBatchNormGrad } from './lib/fast-batch-norm-grad';
import { fileLoadHandler, fileSaveHandler } from './lib/fs-io';
import { fashionMnist, scenes, type Dataset, type Split } from './lib/datasets';
import { writeTestSubset } from './lib/sprites';
import { cardData, cosineRate, imageBatch, inOrder, setLearningRate, shuffled } from './lib/training';
import { mulberry32 } from '../src/core/random';
import {
  buildFashionVgg, buildScenesCnn, buildTextureFeatures, DEFAULT_SEED, foldBatchNorm, isModelId,
  type BuildOptions, type ModelId,
} from '../src/core/models/architectures';
import { isGeneratorId } from '../src/core/optvis/generator';

/** How each classifier is trained. Epochs sized from measured throughput to fit about an hour on one core of the 2-core machine. */
interface Recipe {
  title: string;
  /** The data: for a generated dataset, with `trainSize` training items. */
  data: (trainSize: number) => Dataset;
  /** How many training items a generated dataset draws unless `--train-size` says; none for a fixed dataset. */
  trainSize?: number;
  build: (classes: number, options?: BuildOptions) => Sequential;
  /** Train with batch normalisation after each convolution, folded into the convolutions before saving. */
  batchNorm: boolean;
  epochs: number;
  batchSize: number;
  /** Adam's step size, decayed by a cosine to `learningRate / 20` over the run. */
  learningRate: number;
  /** Test items committed to public/data for the book and the tests. */
  subset: number;
}

const RECIPES: Record<Exclude<ModelId, 'texture-features'>, Recipe> = {
  'fashion-vgg': {
    title: 'Fashion-MNIST VGG-style classifier',
    data: fashionMnist,
    build: () => buildFashionVgg(),
    batchNorm: false,
    epochs: 4,
    batchSize: 64,
    // Adam's default step (Kingma & Ba 2015, algorithm 1).
    learningRate: 1e-3,
    subset: 2000,
  },
  'scenes-cnn': {
    title: 'Procedural-scenes classifier',
    data: (trainSize) => scenes(trainSize, 2_000),
    trainSize: 30_000,
    build: (classes, options) => buildScenesCnn(classes, DEFAULT_SEED, options),
    // Without it, 12 epochs reached 88.95% and still left large, clear squares
    // called triangles: the plain network trains too slowly for the time budget.
    batchNorm: true,
    epochs: 7,
    batchSize: 64,
    // Batch normalisation tolerates a larger step.
    learningRate: 2e-3,
    subset: 1000,
  },
};

const BATCH_NORM_NOTE = 'first phase trained with batch normalisation after each convolution, folded into the convolutions before saving';
const PUBLIC = join(import.meta.dirname, '..', 'public');
/** Fixed test images whose predictions are recorded in the card and checked by tests/core/models.test.ts. */
const FIXED_PREDICTIONS = 8;

function parseArgs(argv: string[]) {
  const [id, ...rest] = argv;
  if (!isModelId(id)) throw new Error(`usage: npm run train -- <model-id> [--epochs N] [--train-limit N] [--backend wasm|cpu] [--train-size N] [--resume [--lr X]]; got '${id}'`);
  const flag = (name: string) => {
    const i = rest.indexOf(`--${name}`);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const epochs = flag('epochs');
  const limit = flag('train-limit');
  const size = flag('train-size');
  const lr = flag('lr');
  return {
    id,
    epochs: epochs ? Number(epochs) : undefined,
    limit: limit ? Number(limit) : undefined,
    size: size ? Number(size) : undefined,
    backend: flag('backend') ?? 'wasm',
    resume: rest.includes('--resume'),
    lr: lr ? Number(lr) : undefined,
  };
}

/** Items [from, from + n) of a split as a float batch in 0..1 and one-hot labels. */
function batch(split: Split, order: ArrayLike<number>, from: number, n: number, classes: number) {
  const labels = Int32Array.from({ length: n }, (_, i) => split.labels[order[from + i]!]!);
  return tf.tidy(() => ({ x: imageBatch(split, order, from, n), y: tf.oneHot(tf.tensor1d(labels, 'int32'), classes) }));
}

/** Logits of the first `count` items of a split, batch by batch. */
function logitsOf(model: LayersModel, split: Split, count: number, classes: number): Float32Array {
  const out = new Float32Array(count * classes);
  const order = inOrder(count);
  for (let from = 0; from < count; from += 250) {
    const n = Math.min(250, count - from);
    const { x, y } = batch(split, order, from, n, classes);
    const logits = tf.tidy(() => model.predict(x) as Tensor);
    out.set(logits.dataSync(), from * classes);
    tf.dispose([x, y, logits]);
  }
  return out;
}

function argmax(row: Float32Array): number {
  let best = 0;
  for (let k = 1; k < row.length; k++) if (row[k]! > row[best]!) best = k;
  return best;
}

function evaluate(model: LayersModel, split: Split, count: number, classes: number) {
  const logits = logitsOf(model, split, count, classes);
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  for (let i = 0; i < count; i++) {
    const p = argmax(logits.subarray(i * classes, (i + 1) * classes));
    confusion[split.labels[i]!]![p]!++;
    if (p === split.labels[i]) correct++;
  }
  return { accuracy: correct / count, confusion, logits };
}

interface CurvePoint { epoch: number; loss: number; trainAccuracy: number; testAccuracy: number; seconds: number }
interface Phase { command: string; epochs: number; learningRate: number; seconds: number; imagesPerSecond: number; trainImages?: number }
/** The part of a previous card.json a resumed run builds on. */
interface Card { training: { batchNorm?: string; epochs: number; seconds: number; command: string; imagesPerSecond: number; curve: CurvePoint[]; phases?: Phase[] } }

/** Layer list for the card: name, class, output shape, parameters. */
function architecture(model: LayersModel) {
  return model.layers.map((l) => ({ name: l.name, type: l.getClassName(), outputShape: l.outputShape, params: l.countParams() }));
}

async function train(id: Exclude<ModelId, 'texture-features'>, args: ReturnType<typeof parseArgs>) {
  const recipe = RECIPES[id];
  const t0 = Date.now();
  if (args.size !== undefined && (recipe.trainSize === undefined || !(args.size >= recipe.batchSize))) {
    throw new Error(recipe.trainSize === undefined ? `${id} trains on a fixed dataset: --train-size does not apply (--train-limit does)` : `--train-size must be a number of at least ${recipe.batchSize}`);
  }
  // A fixed dataset ignores the size.
  const data = recipe.data(args.size ?? recipe.trainSize ?? 0);
  console.log(`${id}: data ready in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const classes = data.classes.length;
  const dir = join(PUBLIC, 'models', id);
  const previous: Card | null = args.resume ? JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8')) : null;
  // A resumed run continues the saved network, whose batch normalisation (if any) is already folded.
  const batchNorm = recipe.batchNorm && !previous;
  const model = previous ? ((await tfl.loadLayersModel(fileLoadHandler(dir))) as Sequential) : recipe.build(classes, { batchNorm });
  const epochs = args.epochs ?? recipe.epochs;
  const done = previous?.training.epochs ?? 0;
  const learningRate = args.lr ?? (previous ? recipe.learningRate / 4 : recipe.learningRate);
  const trainCount = Math.min(args.limit ?? Infinity, data.train.count);
  const steps = epochs * Math.floor(trainCount / recipe.batchSize);
  const optimizer = tf.train.adam(learningRate);
  // A resumed run draws a data order the first phase did not.
  const rng = mulberry32(DEFAULT_SEED + done);
  const curve: CurvePoint[] = [...(previous?.training.curve ?? [])];
  const offsetSeconds = previous?.training.seconds ?? 0;
  const trainStart = Date.now();
  let step = 0;
  for (let epoch = done + 1; epoch <= done + epochs; epoch++) {
    const order = shuffled(trainCount, rng);
    let [lossSum, correct, seen] = [0, 0, 0];
    const epochStart = Date.now();
    for (let from = 0; from + recipe.batchSize <= trainCount; from += recipe.batchSize, step++) {
      setLearningRate(optimizer, cosineRate(learningRate, step, steps));
      const { x, y } = batch(data.train, order, from, recipe.batchSize, classes);
      let hits = 0;
      const loss = optimizer.minimize(() => {
        const logits = model.apply(x, { training: true }) as Tensor2D;
        hits = tf.tidy(() => tf.sum(tf.equal(tf.argMax(logits, 1), tf.argMax(y, 1))).dataSync()[0]!);
        return tf.losses.softmaxCrossEntropy(y, logits) as Scalar;
      }, true)!;
      lossSum += loss.dataSync()[0]! * recipe.batchSize;
      correct += hits;
      seen += recipe.batchSize;
      tf.dispose([x, y, loss]);
      if ((from / recipe.batchSize) % 50 === 49) {
        const rate = seen / ((Date.now() - epochStart) / 1000);
        console.log(`epoch ${epoch} ${seen}/${trainCount} loss ${(lossSum / seen).toFixed(4)} acc ${(correct / seen).toFixed(4)} ${rate.toFixed(1)} img/s`);
      }
    }
    const test = evaluate(model, data.test, data.test.count, classes);
    curve.push({ epoch, loss: lossSum / seen, trainAccuracy: correct / seen, testAccuracy: test.accuracy, seconds: offsetSeconds + (Date.now() - trainStart) / 1000 });
    console.log(`epoch ${epoch} done: test accuracy ${test.accuracy.toFixed(4)}`, curve.at(-1));
  }
  const trainingSeconds = (Date.now() - trainStart) / 1000;
  const command = `npm run train -- ${process.argv.slice(2).join(' ')}`;
  // Cards written before phases were recorded describe their one phase at the top level.
  const earlier = previous ? previous.training.phases ?? [{ ...previous.training, learningRate: recipe.learningRate }] : [];
  const phases: Phase[] = [...earlier.map(({ command, epochs, learningRate, seconds, imagesPerSecond, trainImages }) => ({ command, epochs, learningRate, seconds, imagesPerSecond, ...(trainImages ? { trainImages } : {}) })), {
    command, epochs, learningRate, seconds: Math.round(trainingSeconds), imagesPerSecond: Math.round((epochs * trainCount) / trainingSeconds), trainImages: trainCount,
  }];
  const shipped = batchNorm ? foldBatchNorm(model, recipe.build(classes)) : model;
  const test = evaluate(shipped, data.test, data.test.count, classes);
  const subset = evaluate(shipped, data.test, recipe.subset, classes);
  await shipped.save(fileSaveHandler(dir));
  const written = writeTestSubset(join(PUBLIC, 'data'), data, recipe.subset);
  const card = {
    id,
    title: recipe.title,
    architecture: architecture(shipped),
    totalParams: shipped.countParams(),
    inputShape: data.test.shape,
    classes: data.classes,
    output: 'logits (no softmax); softmax cross-entropy applied only in the loss',
    data: {
      ...cardData(data, trainCount),
      testImages: data.test.count,
      committedSubset: { path: `public/data/${data.id}/`, count: recipe.subset, accuracy: subset.accuracy },
    },
    training: {
      optimizer: "Adam; each phase's learning rate decays by a cosine to a twentieth of its start",
      // Absent (undefined, left out of the JSON) for a network never trained with it.
      batchNorm: batchNorm ? BATCH_NORM_NOTE : previous?.training.batchNorm,
      loss: 'softmax cross-entropy on logits',
      epochs: done + epochs,
      batchSize: recipe.batchSize,
      seed: DEFAULT_SEED,
      backend: tf.getBackend(),
      seconds: Math.round(offsetSeconds + trainingSeconds),
      command: phases.map((p) => p.command).join(' && '),
      phases,
      curve,
    },
    testAccuracy: test.accuracy,
    confusionMatrix: test.confusion,
    fixedPredictions: Array.from({ length: FIXED_PREDICTIONS }, (_, i) => {
      const logits = Array.from(subset.logits.subarray(i * classes, (i + 1) * classes), (v) => Math.round(v * 1e4) / 1e4);
      return { index: i, label: data.test.labels[i], predicted: argmax(subset.logits.subarray(i * classes, (i + 1) * classes)), logits };
    }),
  };
  writeFileSync(join(dir, 'card.json'), JSON.stringify(card, null, 1));
  console.log(`${id}: test accuracy ${test.accuracy.toFixed(4)} (subset ${subset.accuracy.toFixed(4)}), ${trainingSeconds.toFixed(0)} s; wrote ${dir} and ${written.join(', ')}`);
}

/** The texture network is untrained: build it from its seed, time it, and write it with its card. */
async function writeTextureFeatures() {
  const model = buildTextureFeatures();
  const x = tf.randomUniform([1, 128, 128, 3], 0, 1, 'float32', DEFAULT_SEED);
  tf.tidy(() => (model.predict(x) as Tensor).dataSync());
  const t0 = performance.now();
  for (let i = 0; i < 5; i++) tf.tidy(() => (model.predict(x) as Tensor).dataSync());
  const forwardMs = (performance.now() - t0) / 5;
  x.dispose();
  const dir = join(PUBLIC, 'models', 'texture-features');
  mkdirSync(dir, { recursive: true });
  await model.save(fileSaveHandler(dir));
  const card = {
    id: 'texture-features',
    title: 'Random multi-scale texture features',
    architecture: architecture(model),
    totalParams: model.countParams(),
    inputShape: [null, null, 3],
    output: 'feature maps; style layers relu1_1, relu2_1, relu3_1, relu4_1',
    data: { description: 'None: the filters are random (He-normal, seeded), not trained.', licence: "Generated by this project's code; same licence as the project" },
    training: {
      seed: DEFAULT_SEED,
      backend: tf.getBackend(),
      seconds: 0,
      forwardMsPer128x128: Math.round(forwardMs * 10) / 10,
      command: `npm run train -- ${process.argv.slice(2).join(' ')}`,
    },
    notes: 'See content/models/texture-features.md for why random filters.',
  };
  writeFileSync(join(dir, 'card.json'), JSON.stringify(card, null, 1));
  console.log(`texture-features: ${model.countParams()} params, ${forwardMs.toFixed(1)} ms per 128×128 forward; wrote ${dir}`);
}

// The generators (VAE decoders) have recipes of their own: scripts/train-generator.ts.
const [generatorId, ...generatorFlags] = process.argv.slice(2);
if (isGeneratorId(generatorId)) {
  await tf.setBackend('wasm');
  await tf.ready();
  const { trainGenerator } = await import('./train-generator');
  await trainGenerator(generatorId, generatorFlags);
  process.exit(0);
}
const [first, ...flags] = process.argv.slice(2);
if (first?.startsWith('fast-style-')) {
  // Image-to-image networks have their own trainer (perceptual losses, no classes).
  await tf.setBackend('wasm');
  await tf.ready();
  useFastBatchNormGrad();
  const { trainFastStyle } = await import('./train-fast-style');
  await trainFastStyle(first, flags);
} else {
  const args = parseArgs(process.argv.slice(2));
  await tf.setBackend(args.backend);
  await tf.ready();
  useFastBatchNormGrad();
  console.log(`backend ${tf.getBackend()}`);
  if (args.id === 'texture-features') await writeTextureFeatures();
  else await train(args.id, args);
}
