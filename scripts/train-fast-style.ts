/**
 * Trains the fast style-transfer networks (src/core/fast-style/) with the perceptual losses of
 * Johnson, Alahi & Fei-Fei 2016 (eq. 2, 3 and §3.2) in the features of texture-features:
 *
 *   L = λ_c Σ_n ℓ_content(T(x_n), x_n) + λ_s Σ_n Σ_l ℓ_style,l(T(x_n), style(n)) + λ_tv R_TV(T(x))
 *
 * Each term is relative: a layer's style loss E_l (src/core/style/losses.ts) is divided by E_l of an
 * all-zero feature map, Σ Â² / 4N², and the content loss by the mean square of the content features,
 * so both are about 1 when the output has nothing of the target. That unit still differs widely between
 * styles: a network of several styles weighs style s by λ^s = λ_s / ℓ̄^s, ℓ̄^s the style's term for the
 * content crops as they are (src/core/fast-style/style-weights.ts), so no style outweighs the others.
 *
 *   npm run train -- fast-style-cin | fast-style-in | fast-style-bn  [--steps N] [--minutes M] [--resume] [--style-weight W] [--out DIR]
 *
 * Content: random 64×64 crops (and mirror images) of the gallery's photographs, all CC0 or public
 * domain (public/images/gallery.json), except the held-out astronaut on which the card reports the
 * final losses. Writes public/models/<id>/{model.json, weights.bin, card.json, samples.png}, checkpointed
 * every 100 steps (`--out DIR` writes a trial run there instead). Seeded; stops at `--steps` or after
 * `--minutes`, whichever comes first.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { encodePng } from './lib/png';
import { testScene } from '../src/core/data/scenes';
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
import { perStyleWeights, styleScale } from '../src/core/fast-style/style-weights';
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
  /**
   * Several styles: λ_s in units of each style's own scale, λ^s = λ_s / ℓ̄^s (src/core/fast-style/style-weights.ts).
   * Absent (one style), λ_s is LOSS.style in the layer-relative units of every term.
   */
  perStyleWeight?: number;
}

/**
 * λ_s of the three-style network in units of each style's scale ℓ̄^s. It is LOSS.style · ℓ̄^wood = 4 × 3.385, so
 * wood keeps the weight 4 it has in fast-style-in and fast-style-bn, and brick (ℓ̄ = 2.459) and the galaxies
 * (ℓ̄ = 1318) get the same trade-off in their own scales.
 */
const PER_STYLE_WEIGHT = 13.5;

/** The shipped networks. The BN/IN pair differ only in their normalisation. */
export const FAST_STYLE_RECIPES: Record<string, FastStyleRecipe> = {
  'fast-style-cin': { title: 'Fast style transfer, three styles (conditional instance norm)', norm: 'conditional', styles: ['wood', 'stars', 'brick'], steps: 500, minutes: 45, batchSize: 6, perStyleWeight: PER_STYLE_WEIGHT },
  'fast-style-in': { title: 'Fast style transfer, wood (instance norm)', norm: 'instance', styles: ['wood'], steps: 300, minutes: 9, batchSize: 4 },
  'fast-style-bn': { title: 'Fast style transfer, wood (batch norm)', norm: 'batch', styles: ['wood'], steps: 300, minutes: 9, batchSize: 4 },
};

/** Loss weights and layers (Johnson et al. take content at one layer, style at four). */
export const LOSS = { content: 1, style: 4, tv: 2, contentLayer: 'relu2_1', styleLayers: ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1'], learningRate: 5e-3, crop: 64 } as const;

const ROOT = join(import.meta.dirname, '..');
const PUBLIC = join(ROOT, 'public');
export const HELD_OUT = 'astronaut';
const SEED = 1234;

export interface Photo { id: string; width: number; height: number; data: Float32Array }

/** An image file as floats in [0, 1], RGB, resized so its shorter side is `side` (none: as it is). */
export async function readImage(id: string, file: string, side?: number): Promise<Photo> {
  let img = sharp(join(PUBLIC, 'images', file)).toColourspace('srgb').removeAlpha();
  if (side) img = img.resize({ width: side, height: side, fit: 'outside' });
  const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
  return { id, width: info.width, height: info.height, data: Float32Array.from(data, (v) => v / 255) };
}

/** A random crop of `size`, mirrored half the time. */
export function crop(photo: Photo, size: number, rng: () => number): Float32Array {
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

/**
 * The loss terms of a batch, each a scalar (summed over images, divided by the batch); `style` is unweighted,
 * `total` weighs image i's style term by styleWeights[styleOf[i]]. Synchronous.
 */
export function losses(net: ReturnType<typeof featureNet>, output: Tensor4D, content: Tensor4D, styleOf: number[], targets: GramTarget[][], styleWeights: readonly number[]) {
  const layers = [...new Set<string>([LOSS.contentLayer, ...LOSS.styleLayers])];
  const out = net.forward(output, { capture: layers }).activations;
  // The content features depend on no variable, so no gradient flows into them.
  const ref = net.forward(content, { capture: [LOSS.contentLayer] }).activations[LOSS.contentLayer]!;
  const n = output.shape[0];
  const contentTerm = tf.div(tf.mean(tf.squaredDifference(out[LOSS.contentLayer]!, ref)), tf.add(tf.mean(tf.square(ref)), 1e-8)) as Scalar;
  let styleTerm = tf.scalar(0) as Scalar;
  let weightedStyle = tf.scalar(0) as Scalar;
  // Each image's own style term (divided by the batch), for the per-style curves.
  const ofImage: Scalar[] = [];
  for (let i = 0; i < n; i++) {
    ofImage.push(tf.scalar(0));
    for (const [l, layer] of LOSS.styleLayers.entries()) {
      const target = targets[styleOf[i]!]![l]!;
      const f = tf.slice(out[layer]! as Tensor4D, [i, 0, 0, 0], [1, -1, -1, -1]);
      const term = tf.div(layerStyleLoss(f, target), styleUnit(target) * n) as Scalar;
      styleTerm = tf.add(styleTerm, term) as Scalar;
      weightedStyle = tf.add(weightedStyle, tf.mul(term, styleWeights[styleOf[i]!]!)) as Scalar;
      ofImage[i] = tf.add(ofImage[i]!, term) as Scalar;
    }
  }
  const [, h, w] = output.shape;
  const tvTerm = tf.div(totalVariationOf(output, 2, [0, 1]), n * h * w) as Scalar;
  const total = tf.addN([tf.mul(contentTerm, LOSS.content), weightedStyle, tf.mul(tvTerm, LOSS.tv)]) as Scalar;
  return { total, content: contentTerm, style: styleTerm, tv: tvTerm, ofImage };
}

/**
 * The content term of features with each channel's mean over positions taken out, output and photograph
 * alike: 0 when the output's features vary over the picture as the photograph's do, about 1 when they are
 * flat. A measurement, not trained: a flat picture of the right colour keeps much of the plain content term.
 */
export function structureTerm(net: ReturnType<typeof featureNet>, output: Tensor4D, content: Tensor4D): Scalar {
  return tf.tidy(() => {
    const centred = (x: Tensor4D) => {
      const f = net.forward(x, { capture: [LOSS.contentLayer] }).activations[LOSS.contentLayer]!;
      return tf.sub(f, tf.mean(f, [1, 2], true));
    };
    const p = centred(content);
    return tf.div(tf.mean(tf.squaredDifference(centred(output), p)), tf.add(tf.mean(tf.square(p)), 1e-8)) as Scalar;
  });
}

export function oneHot(styleOf: number[], styles: number): Tensor2D {
  return tf.tidy(() => tf.oneHot(tf.tensor1d(styleOf, 'int32'), styles).toFloat() as Tensor2D);
}

export function run(model: LayersModel, x: Tensor4D, w: Tensor2D | null, training: boolean): Tensor4D {
  return model.apply(w ? [x, w] : x, { training }) as Tensor4D;
}

interface GalleryEntry { id: string; file: string; kind: string; title: string; licence: string; source: string; author: string }

/** What training and its measurements share: the training photographs, the feature network and each style's targets. */
export async function prepare(recipe: FastStyleRecipe) {
  const gallery = JSON.parse(readFileSync(join(PUBLIC, 'images', 'gallery.json'), 'utf8')).images as GalleryEntry[];
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
  return { photos, net, styleInfo, targets };
}

/** Four significant digits. */
const round = (v: number) => Number(v.toPrecision(4));

/** Style weights for a measurement, where only the unweighted terms are read. */
const ONES = [1, 1, 1, 1];

/** Content crops on which each style's scale ℓ̄^s is measured (their own seed: the training crops stay as they were). */
const SCALE_CROPS = 48;

/** Each style's term for SCALE_CROPS training crops taken as they are (one list per style): the copies' losses of style-weights.ts. */
export function copyStyleLosses(net: ReturnType<typeof featureNet>, photos: Photo[], targets: GramTarget[][]): number[][] {
  const rng = mulberry32(SEED + 1);
  const crops = Array.from({ length: SCALE_CROPS }, () => crop(photos[Math.floor(rng() * photos.length)]!, LOSS.crop, rng));
  return targets.map((_, s) => crops.map((c) => tf.tidy(() => {
    const x = tf.tensor4d(c, [1, LOSS.crop, LOSS.crop, 3]);
    return losses(net, x, x, [s], targets, ONES).style.dataSync()[0]!;
  })));
}

/** Content no network saw: the held-out astronaut at 128 pixels and four test scenes (src/core/data/scenes.ts, 64 pixels). */
export async function heldOutImages(): Promise<Photo[]> {
  const astronaut = await readImage(HELD_OUT, 'astronaut.jpg', 128);
  return [{ ...astronaut, id: `${HELD_OUT} 128` }, ...[0, 1, 2, 3].map((i) => ({ id: `scene ${i}`, ...testScene(i) }))];
}

/** Side of a cell of the samples sheet. */
const CELL = 128;

/** Nearest-neighbour resize of an RGB float image to CELL×CELL bytes. */
function cell(img: Photo): Uint8Array {
  const out = new Uint8Array(CELL * CELL * 3);
  for (let y = 0; y < CELL; y++) {
    for (let x = 0; x < CELL; x++) {
      const src = (Math.floor((y * img.height) / CELL) * img.width + Math.floor((x * img.width) / CELL)) * 3;
      for (let c = 0; c < 3; c++) out[(y * CELL + x) * 3 + c] = Math.round(Math.min(1, Math.max(0, img.data[src + c]!)) * 255);
    }
  }
  return out;
}

/** A PNG of rows of pictures, each shown at CELL×CELL pixels. */
export function sampleSheet(rows: Photo[][]): Buffer {
  const columns = Math.max(...rows.map((r) => r.length));
  const width = CELL * columns;
  const sheet = new Uint8Array(width * CELL * rows.length * 3);
  rows.forEach((row, r) => row.forEach((img, c) => {
    const px = cell(img);
    for (let y = 0; y < CELL; y++) sheet.set(px.subarray(y * CELL * 3, (y + 1) * CELL * 3), ((r * CELL + y) * width + c * CELL) * 3);
  }));
  return encodePng(width, CELL * rows.length, 3, sheet);
}

/** The transformer's picture of `img` in style s (any style for a one-style network). */
export function stylisedImage(model: LayersModel, norm: NormKind, styles: number, s: number, img: Photo): Photo {
  const data = tf.tidy(() => {
    const x = tf.tensor4d(img.data, [1, img.height, img.width, 3]);
    return run(model, x, norm === 'conditional' ? oneHot([s], styles) : null, false).dataSync() as Float32Array;
  });
  return { id: img.id, width: img.width, height: img.height, data };
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
  // λ_s: the recipe's unless `--style-weight` says (a resumed run that trades style for content).
  const styleWeight = flag('style-weight') ?? recipe.perStyleWeight ?? LOSS.style;
  const minutes = flag('minutes') ?? recipe.minutes;
  const { photos, net, styleInfo, targets } = await prepare(recipe);
  const copies = recipe.perStyleWeight ? copyStyleLosses(net, photos, targets) : null;
  const scales = copies?.map(styleScale);
  const styleWeights = copies ? perStyleWeights(styleWeight, copies) : [styleWeight];
  if (scales) console.log(`${id} style scales ${JSON.stringify(scales)}, weights ${JSON.stringify(styleWeights)}`);
  // --out writes a trial run elsewhere than public/models/<id>/.
  const out = argv.indexOf('--out');
  const dir = out >= 0 ? argv[out + 1]! : join(PUBLIC, 'models', id);
  // --resume continues the saved network and its step count (with fresh Adam moments) for another time budget.
  const previous = argv.includes('--resume') ? JSON.parse(readFileSync(join(dir, 'card.json'), 'utf8')) : null;
  const model = previous ? await tfl.loadLayersModel(fileLoadHandler(dir)) : buildTransformer({ norm: recipe.norm, styles: recipe.styles.length });
  // Only the transformer learns: without a list, the optimiser would also move the feature network's weights.
  const trainable = model.trainableWeights.map((w) => w.read() as Variable);
  const optimizer = tf.train.adam(LOSS.learningRate);
  const rng = mulberry32(SEED);
  const S = recipe.styles.length;
  const curve: { step: number; total: number; content: number; style: number; tv: number; seconds: number; styleByStyle?: Record<string, number> }[] = previous?.training.lossCurve ?? [];
  const earlierSeconds: number = previous?.training.seconds ?? 0;
  const commands: string[] = previous ? [previous.training.command] : [];
  const t0 = Date.now();
  let step: number = previous?.training.steps ?? 0;
  let sums = { total: 0, content: 0, style: 0, tv: 0, n: 0 };
  // Several styles: each style's mean term over the images that had it since the last point.
  let byStyle = recipe.styles.map(() => ({ sum: 0, n: 0 }));
  const held = await heldOutImages();
  const save = async (final: boolean) => {
    await model.save(fileSaveHandler(dir));
    writeFileSync(join(dir, 'samples.png'), sampleSheet(held.map((img) => [img, ...recipe.styles.map((_, s) => stylisedImage(model, recipe.norm, S, s, img))])));
    const evaluation = await evaluate(model, net, targets, recipe, held);
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
        ...(scales ? {
          perStyle: {
            rule: `λ^s = λ_s / ℓ̄^s (src/core/fast-style/style-weights.ts): ℓ̄^s is style s's term for ${SCALE_CROPS} training crops taken as they are (seed ${SEED + 1}), so each style's weighted term is λ_s = ${styleWeight} for a copy of the input`,
            styles: recipe.styles.map((style, s) => ({ style, scale: round(scales[s]!), weight: round(styleWeights[s]!) })),
          },
        } : {}),
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
      samples: `samples.png: one row per held-out picture (${held.map((h) => h.id).join(', ')}), the picture then its stylisation in ${recipe.styles.join(', ')}, each shown at ${CELL}×${CELL}`,
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
      const l = losses(net, run(model, x, w, true), x, styleOf, targets, styleWeights);
      parts = { content: l.content.dataSync()[0]!, style: l.style.dataSync()[0]!, tv: l.tv.dataSync()[0]! };
      l.ofImage.forEach((t, i) => {
        byStyle[styleOf[i]!]!.sum += t.dataSync()[0]! * recipe.batchSize;
        byStyle[styleOf[i]!]!.n++;
      });
      return l.total;
    }, true, trainable)!;
    sums = { total: sums.total + total.dataSync()[0]!, content: sums.content + parts.content, style: sums.style + parts.style, tv: sums.tv + parts.tv, n: sums.n + 1 };
    tf.dispose(w ? [x, w, total] : [x, total]);
    step++;
    if (step % 20 === 0) {
      const point = {
        step, total: sums.total / sums.n, content: sums.content / sums.n, style: sums.style / sums.n, tv: sums.tv / sums.n, seconds: Math.round(earlierSeconds + (Date.now() - t0) / 1000),
        ...(S > 1 ? { styleByStyle: Object.fromEntries(recipe.styles.map((st, s) => [st, byStyle[s]!.sum / byStyle[s]!.n])) } : {}),
      };
      curve.push(point);
      sums = { total: 0, content: 0, style: 0, tv: 0, n: 0 };
      byStyle = recipe.styles.map(() => ({ sum: 0, n: 0 }));
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
 * Final losses per style on the held-out photograph at 128×128, beside the same terms of the photograph
 * itself (what the network would score by copying its input), and their means over the four test scenes.
 */
async function evaluate(model: LayersModel, net: ReturnType<typeof featureNet>, targets: GramTarget[][], recipe: FastStyleRecipe, held: Photo[]) {
  const r = (v: number) => Math.round(v * 1e4) / 1e4;
  return recipe.styles.map((style, s) => {
    const terms = held.map((img) => tf.tidy(() => {
      const x = tf.tensor4d(img.data, [1, img.height, img.width, 3]);
      const w = recipe.norm === 'conditional' ? oneHot([s], recipe.styles.length) : null;
      const y = run(model, x, w, false);
      const stylised = losses(net, y, x, [s], targets, ONES);
      const copied = losses(net, x, x, [s], targets, ONES);
      const v = (t: Tensor) => t.dataSync()[0]!;
      return {
        stylised: { content: v(stylised.content), structure: v(structureTerm(net, y, x)), style: v(stylised.style), styleOfCopy: v(stylised.style) / v(copied.style), tv: v(stylised.tv) },
        inputItself: { content: v(copied.content), style: v(copied.style), tv: v(copied.tv) },
      };
    }));
    const rounded = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, r(v)]));
    const scenes = terms.slice(1).map((t) => t.stylised);
    const mean = Object.fromEntries(Object.keys(scenes[0]!).map((k) => [k, scenes.reduce((a, t) => a + t[k as keyof typeof t], 0) / scenes.length]));
    return {
      style, image: `${held[0]!.id.replace(' 128', '')} (held out), 128×128`,
      stylised: rounded(terms[0]!.stylised), inputItself: rounded(terms[0]!.inputItself),
      testScenes: { images: held.slice(1).map((h) => h.id).join(', '), meanStylised: rounded(mean) },
    };
  });
}
