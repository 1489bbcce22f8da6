/**
 * Tiled gradients (tiles.ts): the gradient and value computed tile by tile equal the whole image's, for
 * tiles smaller than, equal to and larger than the image, images not divisible by the tile, shifted
 * images, and layers behind strided 'same' convolutions; DeepDream's steps with tiles equal its steps
 * without; the loop leaves no tensor after a run and after a cancel in the middle of a step.
 */
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConvNet } from '../../../src/core/convnet';
import { generateScene } from '../../../src/core/data/scenes';
import { layersConvNet } from '../../../src/core/layers-convnet';
import { loadProjectModel } from '../../../src/core/model-loader';
import { deepDream, dreamOctave } from '../../../src/core/optvis/deep-dream';
import { type Objective, layerEnergy } from '../../../src/core/optvis/objectives';
import { type GradientStage, render, wholeImage } from '../../../src/core/optvis/render';
import { type TilePlan, tileCount, tilePlan, tiledGradient } from '../../../src/core/optvis/tiles';
import { translate } from '../../../src/core/optvis/transforms';
import { tf, type Tensor4D } from '../../../src/core/tf';
import { NODE_BACKENDS, expectNoLeak, seededRandom, useBackend } from '../backends';
import { fileUrl, nodeFetch } from '../node-files';

const PUBLIC = join(import.meta.dirname, '..', '..', '..', 'public');

/** A scene resized to `height` × `width`, in scenes-cnn's range. */
function scene(index: number, height: number, width: number): Tensor4D {
  const s = generateScene(2_000_000 + index, { label: index % 7 });
  return tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(s.data, [1, s.height, s.width, 3]), [height, width], true));
}

/** The value and the image gradient one stage gives for `objective` at `image`, after a shift of (dy, dx). */
async function stageGradient(stage: GradientStage, net: ConvNet, objective: Objective, image: Tensor4D, [dy, dx]: [number, number]) {
  const v = tf.variable(image);
  const [, h, w, c] = image.shape;
  const range = net.inputRange;
  const step = await stage({
    net,
    objective,
    image: () => tf.clone(v) as Tensor4D,
    shape: [h, w, c],
    transform: (x) => (dy || dx ? translate(x, dy, dx, range) : tf.clone(x)),
    range,
  });
  const { value, grads } = tf.variableGrads(() => step!.value(), [v]);
  const out = { value: (await value.data())[0]!, gradient: (await grads[v.name]!.data()) as Float32Array };
  tf.dispose([value, ...Object.values(grads), v]);
  step!.dispose();
  return out;
}

/** Largest |a − b| over the pixels within `band` of the border, and over the rest, each over max |b|. */
function errors(a: Float32Array, b: Float32Array, h: number, w: number, c: number, band: number) {
  const scale = b.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  let [border, inside] = [0, 0];
  for (let i = 0; i < b.length; i++) {
    const [y, x] = [Math.floor(i / (w * c)), Math.floor(i / c) % w];
    const e = Math.abs(a[i]! - b[i]!) / scale;
    if (y < band || x < band || y >= h - band || x >= w - band) border = Math.max(border, e);
    else inside = Math.max(inside, e);
  }
  return { border, inside, scale };
}

/** Checks that the tiled stage's value and gradient equal the whole image's everywhere, the border included. */
async function expectTiledEqualsWhole(net: ConvNet, layer: string, image: Tensor4D, cropSide: number, shift: [number, number], minTiles: number) {
  const [, h, w, c] = image.shape;
  let plan: TilePlan | null = null;
  const objective = layerEnergy(layer);
  const tiled = await stageGradient(tiledGradient({ cropSide, onPlan: (r) => (plan = r.plan) }), net, objective, image, shift);
  const whole = await stageGradient(wholeImage(), net, objective, image, shift);
  expect(tileCount(plan!)).toBeGreaterThanOrEqual(minTiles);
  const e = errors(tiled.gradient, whole.gradient, h, w, c, plan!.halo[0]);
  expect(e.scale).toBeGreaterThan(0);
  expect(e.inside).toBeLessThan(1e-5);
  expect(e.border).toBeLessThan(1e-5);
  expect(Math.abs(tiled.value - whole.value)).toBeLessThan(1e-5 * Math.abs(whole.value));
}

describe('tile plans, tiled gradients and DeepDream with tiles on the trained scenes-cnn, wasm', () => {
  let net: ConvNet;
  beforeAll(async () => {
    await useBackend('wasm');
    net = await loadProjectModel('scenes-cnn', fileUrl(PUBLIC) + '/', { fetch: nodeFetch });
  });
  afterAll(() => net.dispose());

  it('cover the image once, with crops from multiples of the jump reaching the halo past each tile', () => {
    // relu3_1: receptive field 20 pixels, jump 4; relu4_1: 40 and 8.
    for (const [layer, halo, jump] of [['relu3_1', 19, 4], ['relu4_1', 39, 8]] as const) {
      const plan = tilePlan(net, layer, 256, 200, 160);
      expect(plan.halo).toEqual([halo, halo]);
      expect(plan.cells).toEqual([256 / jump, Math.floor(200 / jump)]);
      for (const [spans, n, cells] of [[plan.rows, 256, plan.cells[0]], [plan.columns, 200, plan.cells[1]]] as const) {
        expect(spans[0]!.start).toBe(0);
        expect(spans.at(-1)!.end).toBe(n);
        let owned = 0;
        for (const [i, s] of spans.entries()) {
          if (i > 0) expect(s.start).toBe(spans[i - 1]!.end);
          expect(s.cropStart % jump).toBe(0);
          expect(s.cropStart).toBeLessThanOrEqual(Math.max(0, s.start - halo));
          expect(s.cropEnd).toBeGreaterThanOrEqual(Math.min(n, s.end + halo));
          expect(s.cropEnd - s.cropStart).toBeLessThanOrEqual(160);
          owned += s.cellEnd - s.cellStart;
        }
        expect(owned).toBe(cells);
      }
    }
  });

  it('an image smaller than a tile is one tile', () => {
    const plan = tilePlan(net, 'relu3_1', 64, 64);
    expect(tileCount(plan)).toBe(1);
    expect(plan.rows[0]).toMatchObject({ start: 0, end: 64, cropStart: 0, cropEnd: 64, cellStart: 0, cellEnd: 16 });
  });

  it('relu3_1 on 100×76 (not a multiple of the tile), small crops, unshifted and shifted', async () => {
    const image = scene(1, 100, 76);
    await expectNoLeak(() => expectTiledEqualsWhole(net, 'relu3_1', image, 64, [0, 0], 4));
    await expectTiledEqualsWhole(net, 'relu3_1', image, 64, [3, -2], 4);
    image.dispose();
  });

  it('relu4_1 and relu2_1, several tiles each, shifted', async () => {
    const big = scene(2, 136, 128);
    await expectTiledEqualsWhole(net, 'relu4_1', big, 120, [-1, 2], 4);
    const odd = scene(3, 71, 90);
    await expectTiledEqualsWhole(net, 'relu2_1', odd, 40, [2, 2], 9);
    tf.dispose([big, odd]);
  });

  it('a tile larger than the image is the whole image', async () => {
    const image = scene(4, 48, 40);
    await expectTiledEqualsWhole(net, 'relu3_1', image, 1000, [1, 0], 1);
    image.dispose();
  });

  it('its steps equal the untiled steps, jitter included, and the objective rises', async () => {
    const image = scene(5, 96, 88);
    const settings = { layer: 'relu3_1', steps: 3, jitter: 3 };
    const run = (tileCrop: number) => render(net, { ...dreamOctave(net, image, { ...settings, tileCrop }), seed: 9 });
    const tiled = await expectNoLeak(() => run(60));
    const whole = await run(10_000);
    expect(tiled.history[2]!).toBeGreaterThan(tiled.history[0]!);
    for (let i = 0; i < 3; i++) expect(Math.abs(tiled.history[i]! - whole.history[i]!)).toBeLessThan(1e-5 * Math.abs(whole.history[i]!));
    const diff = tiled.image.data.reduce((m, v, i) => Math.max(m, Math.abs(v - whole.image.data[i]!)), 0);
    expect(diff).toBeLessThan(1e-5);
    image.dispose();
  });

  it('tells its tiles, and a cancel in the middle of a step leaves no tensor and no half step', async () => {
    const image = scene(6, 128, 128);
    const notes: string[] = [];
    const controller = new AbortController();
    // Aborts during the second step's tiles: after the first step's four tiles and one more forward pass.
    let passes = 0;
    const counting = Object.create(net, {
      forward: { value: (x: Tensor4D, o: object) => (++passes === 6 && controller.abort(), net.forward(x, o)) },
    }) as ConvNet;
    const r = await expectNoLeak(() =>
      deepDream(counting, image, { layer: 'relu3_1', steps: 5, octaves: 1, tileCrop: 100 }, { signal: controller.signal, onStep: (s) => void notes.push(s.note ?? '') }),
    );
    expect(notes).toEqual(['128×128 in 4 tiles, halo 19 pixels']);
    expect([r.aborted, r.history.length]).toEqual([true, 1]);
    image.dispose();
  });
});

/** A network whose 'same' convolutions have a stride, so they pad by their input's parity. */
function stridedNet(seed: number): ConvNet {
  const random = seededRandom(seed);
  const init = (shape: number[]) => tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random() - 0.5), shape);
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [null, null, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', name: 'conv1' }),
      tfl.layers.reLU({ name: 'relu1' }),
      tfl.layers.conv2d({ filters: 5, kernelSize: 3, strides: 2, padding: 'same', name: 'conv2' }),
      tfl.layers.reLU({ name: 'relu2' }),
      tfl.layers.globalAveragePooling2d({ name: 'gap' }),
      tfl.layers.dense({ units: 2, name: 'logits' }),
    ],
  });
  model.setWeights(model.getWeights().map((w) => init(w.shape)));
  return layersConvNet(model, { id: 'strided', title: 'strided', inputShape: [16, 16, 3] });
}

describe.each(NODE_BACKENDS)('tiled gradients behind strided same convolutions, %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('equal the whole image’s on odd and even sides', async () => {
    const net = stridedNet(7);
    for (const [h, w] of [[37, 30], [40, 41]] as const) {
      const random = seededRandom(h * w);
      const image = tf.tensor4d(Float32Array.from({ length: h * w * 3 }, () => random()), [1, h, w, 3]);
      await expectTiledEqualsWhole(net, 'relu2', image, 24, [1, -1], 4);
      image.dispose();
    }
    net.dispose();
  });
});
