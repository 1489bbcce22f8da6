/**
 * Trains the fast style-transfer networks (src/core/fast-style/) with the perceptual losses of
 * Johnson, Alahi & Fei-Fei 2016 (eq. 2, 3 and §3.2) in the features of texture-features:
 *
 *   L = λ_c Σ_n ℓ_content(T(x_n), x_n) + λ_s Σ_n Σ_l ℓ_style,l(T(x_n), style(n)) + λ_tv R_TV(T(x))
 *
 * Each term is relative: a layer's style loss E_l (src/core/style/losses.ts) is divided by E_l of an
 * all-zero feature map, Σ Â² / 4N², and the content loss by the mean square of the content features,
 * so both are about 1 when the output has nothing of the target and the weights need no tuning per
 * style or layer.
 *
 *   npm run train -- fast-style-cin | fast-style-in | fast-style-bn  [--steps N] [--minutes M] [--resume] [--style-weight W]
 *
 * Content: random 64×64 crops (and mirror images) of the gallery's photographs, all CC0 or public
 * domain (public/images/gallery.json), except the held-out astronaut on which the card reports the
 * final losses. Writes public/models/<id>/{model.json, weights.bin, card.json}, checkpointed every
 * 100 steps. Seeded; stops at `--steps` or after `--minutes`, whichever comes first.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { tf, tfl } from './lib/node-tf';
import { fileLoadHandler, fileSaveHandler } from './lib/fs-io';
import { mulberry32 } from '../src/core/random';
import { featureNet } from '../src/core/style/feature-net';
import { type GramTarget, gramTargets } from '../src/core/style/gram';
import { layerStyleLoss } from '../src/core/style/losses';
import { totalVariationOf } from '../src/core/optvis/objectives';
import { buildTransformer, TRANSFORMER_DEFAULTS, type NormKind } from '../src/core/fast-style/transformer';
import type { Tensor, Tensor2D, Tensor4D } from '../src/core/tf';
import type { Variable } from '@tensorflow/tfjs-core';

type Scalar = ReturnType<typeof tf.scalar>;

interface FastStyleRecipe {
  title: string;
  norm: NormKind;
  /** Gallery ids of the styles, in the order of the network's style weights. */
  styles: string[];
  steps: number;
  minutes: number;
  batchSize: number;
}

/** The shipped networks. The BN/IN pair differ only in their normalisation. */
export const FAST_STYLE_RECIPES: Record<string, FastStyleRecipe> = {
  'fast-style-cin': { title: 'Fast style transfer, three styles (conditional instance norm)', norm: 'conditional', styles: ['wood', 'stars', 'brick'], steps: 500, minutes: 20, batchSize: 6 },
  'fast-style-in': { title: 'Fast style transfer, wood (instance norm)', norm: 'instance', styles: ['wood'], steps: 300, minutes: 9, batchSize: 4 },
  'fast-style-bn': { title: 'Fast style transfer, wood (batch norm)', norm: 'batch', styles: ['wood'], steps: 300, minutes: 9, batchSize: 4 },
};

/** Loss weights and layers (Johnson et al. take content at one layer, style at four). */
export const LOSS = { content: 1, style: 4, tv: 2, contentLayer: 'relu2_1', styleLayers: ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1'], learningRate: 5e-3, crop: 64 } as const;

const ROOT = join(import.meta.dirname, '..');
const PUBLIC = join(ROOT, 'public');
const HELD_OUT = 'astronaut';
const SEED = 1234;

interface Photo { id: string; width: number; height: number; data: Float32Array }

/** An image file as floats in [0, 1], RGB, resized so its shorter side is `side` (none: as it is). */
async function readImage(id: string, file: string, side?: number): Promise<Photo> {
  let img = sharp(join(PUBLIC, 'images', file)).toColourspace('srgb').removeAlpha();
  if (side) img = img.resize({ width: side, height: side, fit: 'outside' });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { id, width: info.width, height: info.height, data: Float32Array.from(data, (v) => v / 255) };
}

/** A random crop of `size`, mirrored half the time. */
function crop(photo: Photo, size: number, rng: () => number): Float32Array {
  const out = new Float32Array(size * size * 3);
  const x0 = Math.floor(rng() * (photo.width - size + 1));
  const y0 = Math.floor(rng() * (photo.height - size + 1));
  const flip = rng() < 0.5;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sx = x0 + (flip ? size - 1 - x : x);
      const src = ((y0 + y) * photo.width + sx) * 3;
      out.set(photo.data.subarray(src, src + 3), (y * size + x) * 3);
    }
  }
  return out;
}

/** Σ Â² / 4N² of each target: its layer loss against an all-zero feature map, the style term's unit. */
const styleUnit = (g: GramTarget) => g.data.reduce((s, v) => s + v * v, 0) / (4 * g.channels * g.channels);

/** λ_s of this run: LOSS.style unless `--style-weight` says (a resumed run that trades style for content). */
let styleWeight: number = LOSS.style;

/** The loss terms of a batch, each a scalar (summed over images, divided by the batch). Synchronous. */
function losses(net: ReturnType<typeof featureNet>, output: Tensor4D, content: Tensor4D, styleOf: number[], targets: GramTarget[][]) {
  const layers = [...new Set<string>([LOSS.contentLayer, ...LOSS.styleLayers])];
  const out = net.forward(output, { capture: layers }).activations;
  // The content features depend on no variable, so no gradient flows into them.
  const ref = net.forward(content, { capture: [LOSS.contentLayer] }).activations[LOSS.contentLayer]!;
  const n = output.shape[0];
  const contentTerm = tf.div(tf.mean(tf.squaredDifference(out[LOSS.contentLayer]!, ref)), tf.add(tf.mean(tf.square(ref)), 1e-8)) as Scalar;
  let styleTerm = tf.scalar(0) as Scalar;
  for (let i = 0; i < n; i++) {
    for (const [l, layer] of LOSS.styleLayers.entries()) {
      const a = out[layer]! as Tensor4D;
      const target = targets[styleOf[i]!]![l]!;
      const f = tf.slice(a, [i, 0, 0, 0], [1, -1, -1, -1]);
      styleTerm = tf.add(styleTerm, tf.div(layerStyleLoss(f, target), styleUnit(target) * n)) as Scalar;
    }
  }
  const [, h, w] = output.shape;
  const tvTerm = tf.div(totalVariationOf(output, 2, [0, 1]), n * h * w) as Scalar;
  const total = tf.addN([tf.mul(contentTerm, LOSS.content), tf.mul(styleTerm, styleWeight), tf.mul(tvTerm, LOSS.tv)]) as Scalar;
  return { total, content: contentTerm, style: styleTerm, tv: tvTerm };
}

function oneHot(styleOf: number[], styles: number): Tensor2D {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(styleOf, 'int32'), styles).toFloat() as Tensor2D);
}

function run(model: LayersModel, x: Tensor4D, w: Tensor2D | null, training: boolean): Tensor4D {
  return model.apply(w ? [x, w] : x, { training }) as Tensor4D;
}

/** Trains `id`; argv holds the flags after it. */
export async function trainFastStyle(id: string, argv: string[]): Promise<void> {
  const recipe = FAST_STYLE_RECIPES[id];
  if (!recipe) throw new Error(`unknown fast-style model '${id}'; one of ${Object.keys(FAST_STYLE_RECIPES).join(', ')}`);
  const flag = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? Number(argv[i + 1]) : undefined;
  };
  const steps = flag('steps') ?? recipe.steps;
  styleWeight = flag('style-weight') ?? LOSS.style;
  const minutes = flag('minutes') ?? recipe.minutes;
  const gallery = JSON.parse(readFileSync(join(PUBLIC, 'images', 'gallery.json'), 'utf8')).images as { id: string; file: string; kind: string; title: string; licence: string; source: string; author: string }[];
  const photos = await Promise.all(gallery.filter((g) => g.kind === 'photo' && g.id !== HELD_OUT).map((g) => readImage(g.id, g.file, 160)));
  const featureModel = await tfl.loadLayersModel(fileLoadHandler(join(PUBLIC, 'models', 'texture-features')));
  featureModel.trainable = false;
  const net = featureNet(featureModel, { id: 'texture-features', inputShape: [64, 64, 3] });
  const styleInfo = recipe.styles.map((s) => gallery.find((g) => g.id === s)!);
  const targets: GramTarget[][] = [];
  for (const s of styleInfo) {
    const img = await readImage(s.id, s.file);
    const t = tf.tensor4d(img.data, [1, img.height, img.width, 3]);
    targets.push(await gramTargets(net, t, LOSS.styleLayers));
    t.dispose();
  }
  const dir = join(PUBLIC, 'models', id);
  // --resume continues the saved network and its step count (with fresh Adam moments) for another time budget.
  const previous = argv.includes('--resume') ? JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8')) : null;
  const model = previous ? await tfl.loadLayersModel(fileLoadHandler(dir)) : buildTransformer({ norm: recipe.norm, styles: recipe.styles.length });
  // Only the transformer learns: without a list, the optimiser would also move the feature network's weights.
  const trainable = model.trainableWeights.map((w) => w.read() as Variable);
  const optimizer = tf.train.adam(LOSS.learningRate);
  const rng = mulberry32(SEED);
  const S = recipe.styles.length;
  const curve: { step: number; total: number; content: number; style: number; tv: number; seconds: number }[] = previous?.training.lossCurve ?? [];
  const earlierSeconds: number = previous?.training.seconds ?? 0;
  const commands: string[] = previous ? [previous.training.command] : [];
  const t0 = Date.now();
  let step: number = previous?.training.steps ?? 0;
  let sums = { total: 0, content: 0, style: 0, tv: 0, n: 0 };
  const save = async (final: boolean) => {
    await model.save(fileSaveHandler(dir));
    const evaluation = await evaluate(model, net, targets, recipe);
    const card = {
      id,
      title: recipe.title,
      kind: 'fast-style-transformer',
      norm: recipe.norm,
      styles: styleInfo.map((s) => ({ id: s.id, title: s.title, file: `public/images/${s.file}`, licence: s.licence, author: s.author, source: s.source })),
      inputs: recipe.norm === 'conditional' ? ['image [N, H, W, 3] in 0..1 (H, W multiples of 4)', `style weights [N, ${S}]`] : ['image [N, H, W, 3] in 0..1 (H, W multiples of 4)'],
      output: 'stylised image [N, H, W, 3] in 0..1 (sigmoid)',
      // The card schema of src/model-cards.ts: one output shape per layer.
      architecture: model.layers.map((l) => ({ name: l.name, type: l.getClassName(), outputShape: (Array.isArray(l.outputShape[0]) ? l.outputShape[0] : l.outputShape) as (number | null)[], params: l.countParams() })),
      totalParams: model.countParams(),
      inputShape: [null, null, 3],
      transformer: TRANSFORMER_DEFAULTS,
      data: {
        description: `Content: random ${LOSS.crop}×${LOSS.crop} crops, mirrored half the time, of ${photos.map((p) => p.id).join(', ')} (public/images, CC0 or public domain, see gallery.json), each resized to a shorter side of 160 px; ${HELD_OUT} held out. Styles: ${styleInfo.map((st) => `${st.title} (public/images/${st.file}, ${st.licence}, ${st.author})`).join('; ')}.`,
        licence: 'The photographs and textures are CC0 or public domain (public/images/gallery.json); the weights are generated by this project’s code, same licence as the project',
        source: 'public/images/gallery.json',
      },
      loss: {
        featureNetwork: 'texture-features (public/models/texture-features, random multi-scale filters)',
        contentLayer: LOSS.contentLayer,
        styleLayers: LOSS.styleLayers,
        weights: { content: LOSS.content, style: styleWeight, tv: LOSS.tv },
        ...(previous ? { earlierWeights: previous.loss.weights } : {}),
        definition: 'content: mean (F − P)² / mean P²; style: Σ_l E_l / (Σ Â² / 4N²), E_l of src/core/style/losses.ts; tv: squared differences of neighbours per pixel',
      },
      training: {
        optimizer: `Adam, rate ${LOSS.learningRate}, cosine decay to a twentieth over the planned ${steps} steps`,
        batchSize: recipe.batchSize,
        styleSampling: S > 1 ? 'the batch cycles through the styles, one-hot style weights per image' : 'one style',
        stepsPlanned: steps,
        steps: step,
        stoppedBy: step >= steps ? 'steps' : 'time budget',
        seconds: Math.round(earlierSeconds + (Date.now() - t0) / 1000),
        seed: SEED,
        backend: tf.getBackend(),
        command: [...commands, `npm run train -- ${id}${argv.length ? ' ' + argv.join(' ') : ''}`].join(' && '),
        ...(previous ? { resumed: 'a second phase continued the saved weights with fresh Adam moments' } : {}),
        final,
        // Not `curve`: that name holds a classifier's accuracy per epoch on the model page.
        lossCurve: curve,
      },
      evaluation,
    };
    writeFileSync(join(dir, 'card.json'), JSON.stringify(card, null, 1));
  };
  while (step < steps && Date.now() - t0 < minutes * 60_000) {
    (optimizer as unknown as { learningRate: number }).learningRate = LOSS.learningRate * (0.05 + 0.95 * 0.5 * (1 + Math.cos(Math.PI * step / steps)));
    const styleOf = Array.from({ length: recipe.batchSize }, (_, i) => (step * recipe.batchSize + i) % S);
    const xs = new Float32Array(recipe.batchSize * LOSS.crop * LOSS.crop * 3);
    for (let i = 0; i < recipe.batchSize; i++) xs.set(crop(photos[Math.floor(rng() * photos.length)]!, LOSS.crop, rng), i * LOSS.crop * LOSS.crop * 3);
    const x = tf.tensor4d(xs, [recipe.batchSize, LOSS.crop, LOSS.crop, 3]);
    const w = recipe.norm === 'conditional' ? oneHot(styleOf, S) : null;
    let parts = { content: 0, style: 0, tv: 0 };
    const total = optimizer.minimize(() => {
      const l = losses(net, run(model, x, w, true), x, styleOf, targets);
      parts = { content: l.content.dataSync()[0]!, style: l.style.dataSync()[0]!, tv: l.tv.dataSync()[0]! };
      return l.total;
    }, true, trainable)!;
    sums = { total: sums.total + total.dataSync()[0]!, content: sums.content + parts.content, style: sums.style + parts.style, tv: sums.tv + parts.tv, n: sums.n + 1 };
    tf.dispose(w ? [x, w, total] : [x, total]);
    step++;
    if (step % 20 === 0) {
      const point = { step, total: sums.total / sums.n, content: sums.content / sums.n, style: sums.style / sums.n, tv: sums.tv / sums.n, seconds: Math.round(earlierSeconds + (Date.now() - t0) / 1000) };
      curve.push(point);
      sums = { total: 0, content: 0, style: 0, tv: 0, n: 0 };
      console.log(`${id} step ${step}`, JSON.stringify(point), `tensors ${tf.memory().numTensors}`);
    }
    if (step % 100 === 0) await save(false);
  }
  await save(true);
  console.log(`${id}: ${step} steps in ${((Date.now() - t0) / 1000).toFixed(0)} s; wrote ${dir}`);
  net.dispose();
  model.dispose();
}

/**
 * Final losses on the held-out photograph at 128×128, per style, beside the same terms of the photograph
 * itself (what the network would score by copying its input).
 */
async function evaluate(model: LayersModel, net: ReturnType<typeof featureNet>, targets: GramTarget[][], recipe: FastStyleRecipe) {
  const photo = await readImage(HELD_OUT, 'astronaut.jpg', 128);
  return recipe.styles.map((style, s) => tf.tidy(() => {
    const x = tf.tensor4d(photo.data, [1, photo.height, photo.width, 3]);
    const w = recipe.norm === 'conditional' ? oneHot([s], recipe.styles.length) : null;
    const y = run(model, x, w, false);
    const stylised = losses(net, y, x, [s], targets);
    const copied = losses(net, x, x, [s], targets);
    const r = (t: Tensor) => Math.round(t.dataSync()[0]! * 1e4) / 1e4;
    return { style, image: `${HELD_OUT} (held out), ${photo.width}×${photo.height}`, stylised: { content: r(stylised.content), style: r(stylised.style), tv: r(stylised.tv) }, inputItself: { content: r(copied.content), style: r(copied.style), tv: r(copied.tv) } };
  }));
}
