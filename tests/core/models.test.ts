/**
 * The committed models in public/models, checked against the committed test
 * subsets in public/data: accuracy computed here (not read from card.json),
 * stable predictions, and the architecture rules the book relies on.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import type { io } from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/core/tf';
import { generateScene } from '../../src/core/data/scenes';
import { buildTextureFeatures } from '../../src/core/models/architectures';
import { decodePng } from '../../scripts/lib/png';

const PUBLIC = join(import.meta.dirname, '..', '..', 'public');

/**
 * Accuracy each classifier must reach on its committed test subset: the 91% (fashion-vgg) and 95%
 * (scenes-cnn) the book promises. The committed weights reach 91.4% on Fashion-MNIST's 10,000 test images
 * (92.25% on the subset) and 97.05% on 2,000 test scenes (97.5% on the subset).
 */
const THRESHOLDS = { 'fashion-vgg': 0.91, 'scenes-cnn': 0.95 } as const;
const DATASETS = { 'fashion-vgg': 'fashion-mnist', 'scenes-cnn': 'scenes' } as const;

/** A file-based IOHandler: model.json and the weight files its manifest names. */
function fileHandler(dir: string): io.IOHandler {
  return {
    async load() {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as io.ModelJSON;
      const group = json.weightsManifest[0]!;
      const bytes = Buffer.concat(group.paths.map((p) => readFileSync(join(dir, p))));
      const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      return { modelTopology: json.modelTopology, weightSpecs: group.weights, weightData, format: json.format };
    },
  };
}

const loadModel = (id: string) => tfl.loadLayersModel(fileHandler(join(PUBLIC, 'models', id)));
const readJson = (...path: string[]) => JSON.parse(readFileSync(join(PUBLIC, ...path), 'utf8'));

interface Subset {
  labels: number[];
  seeds?: number[];
  tile: { width: number; height: number; channels: number; columns: number };
  /** Tiles as 0..1 floats, HWC, one after another. */
  images: Float32Array;
}

function readSubset(dataset: string): Subset {
  const meta = readJson('data', dataset, 'labels.json');
  const sheet = decodePng(readFileSync(join(PUBLIC, 'data', dataset, 'images.png')));
  const { width: w, height: h, channels: c, columns } = meta.tile;
  const images = new Float32Array(meta.count * w * h * c);
  for (let i = 0; i < meta.count; i++) {
    const [tx, ty] = [(i % columns) * w, Math.floor(i / columns) * h];
    for (let y = 0; y < h; y++) {
      for (let k = 0; k < w * c; k++) images[((i * h + y) * w) * c + k] = sheet.pixels[((ty + y) * sheet.width + tx) * c + k]! / 255;
    }
  }
  return { labels: meta.labels, seeds: meta.seeds, tile: meta.tile, images };
}

function logits(model: tfl.LayersModel, subset: Subset, count = subset.labels.length): Float32Array {
  const { width: w, height: h, channels: c } = subset.tile;
  return tf.tidy(() => {
    const x = tf.tensor4d(subset.images.subarray(0, count * w * h * c), [count, h, w, c]);
    return (model.predict(x, { batchSize: 250 }) as tf.Tensor).dataSync() as Float32Array;
  });
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

describe.each(Object.keys(THRESHOLDS) as (keyof typeof THRESHOLDS)[])('%s', (id) => {
  let model: tfl.LayersModel;
  let subset: Subset;
  const card = () => readJson('models', id, 'card.json');
  beforeAll(async () => {
    model = await loadModel(id);
    subset = readSubset(DATASETS[id]);
  });

  it(`reaches ${THRESHOLDS[id] * 100}% on the committed test subset`, () => {
    const classes = card().classes.length;
    const out = logits(model, subset);
    let correct = 0;
    subset.labels.forEach((label, i) => {
      const row = out.subarray(i * classes, (i + 1) * classes);
      if (row.indexOf(Math.max(...row)) === label) correct++;
    });
    expect(correct / subset.labels.length).toBeGreaterThanOrEqual(THRESHOLDS[id]);
  });

  it('predicts the fixed images as recorded at training time', () => {
    const recorded = card().fixedPredictions as { index: number; predicted: number; logits: number[] }[];
    const classes = recorded[0]!.logits.length;
    const out = logits(model, subset, recorded.length);
    for (const r of recorded) {
      const row = Array.from(out.subarray(r.index * classes, (r.index + 1) * classes));
      expect(row.indexOf(Math.max(...row))).toBe(r.predicted);
      row.forEach((v, k) => expect(v).toBeCloseTo(r.logits[k]!, 2));
    }
  });

  it('has a linear convolution before each separate ReLU, and a GAP + single linear dense head', () => {
    const layers = model.layers;
    const types = layers.map((l) => l.getClassName());
    layers.forEach((l, i) => {
      if (types[i] === 'Conv2D') {
        expect(l.getConfig()['activation']).toBe('linear');
        expect(types[i + 1]).toBe('ReLU');
      }
    });
    expect(types.slice(-2)).toEqual(['GlobalAveragePooling2D', 'Dense']);
    expect(types.filter((t) => t === 'Dense')).toHaveLength(1);
    expect(layers.at(-1)!.getConfig()['activation']).toBe('linear');
    expect(types).not.toContain('Softmax');
    expect(types).not.toContain('BatchNormalization');
    expect(types.filter((t) => t === 'Activation')).toHaveLength(0);
    expect(layers.map((l) => l.name)).toContain('gap');
    expect(layers.at(-1)!.name).toBe('logits');
  });
});

/** Fraction of a subset's images whose largest logit is their label. */
function accuracy(out: Float32Array, labels: number[]): number {
  const classes = out.length / labels.length;
  return labels.filter((label, i) => {
    const row = out.subarray(i * classes, (i + 1) * classes);
    return row.indexOf(Math.max(...row)) === label;
  }).length / labels.length;
}

describe('scenes-cnn reads shape, not colour', () => {
  // Every object, stroke and background colour is drawn from the same distribution (tests/core/scenes.test.ts
  // shows colour alone is near chance); these check the trained network does not lean on colour either.
  let model: tfl.LayersModel;
  let subset: Subset;
  beforeAll(async () => {
    model = await loadModel('scenes-cnn');
    subset = readSubset('scenes');
  });
  const recoloured = (f: (r: number, g: number, b: number) => [number, number, number]): Subset => {
    const images = subset.images.slice();
    for (let p = 0; p < images.length; p += 3) images.set(f(images[p]!, images[p + 1]!, images[p + 2]!), p);
    return { ...subset, images };
  };

  it('keeps its accuracy when the colour channels are rotated or every colour is complemented', () => {
    const base = accuracy(logits(model, subset), subset.labels);
    for (const [name, f] of [
      ['rgb → brg', (r: number, g: number, b: number) => [b, r, g]],
      ['rgb → gbr', (r: number, g: number, b: number) => [g, b, r]],
      ['complement', (r: number, g: number, b: number) => [1 - r, 1 - g, 1 - b]],
    ] as const) {
      const acc = accuracy(logits(model, recoloured(f as never)), subset.labels);
      // Measured: 97.5% as is; 97.8% and 97.3% with the channels rotated; 96.6% with complemented colours.
      expect(acc, name).toBeGreaterThan(base - 0.03);
    }
  });
});

describe('scenes test subset', () => {
  it('holds the scenes its seeds name, with their masks', () => {
    const subset = readSubset('scenes');
    const meta = readJson('data', 'scenes', 'labels.json');
    const masks = decodePng(readFileSync(join(PUBLIC, 'data', 'scenes', 'masks.png')));
    for (const i of [0, 1, meta.count - 1]) {
      const scene = generateScene(subset.seeds![i]!, { label: subset.labels[i]! });
      const tile = subset.images.subarray(i * 64 * 64 * 3, (i + 1) * 64 * 64 * 3);
      tile.forEach((v, k) => expect(Math.abs(v - scene.data[k]!)).toBeLessThanOrEqual(0.5 / 255 + 1e-6));
      const [tx, ty] = [(i % meta.tile.columns) * 64, Math.floor(i / meta.tile.columns) * 64];
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) expect(masks.pixels[(ty + y) * masks.width + tx + x]! / 255).toBe(scene.mask[y * 64 + x]);
      }
    }
  });
});

describe('texture-features', () => {
  it('is the random network its seed builds, with linear convolutions and separate ReLUs', async () => {
    const committed = await loadModel('texture-features');
    const rebuilt = buildTextureFeatures();
    const [a, b] = [committed.getWeights(), rebuilt.getWeights()];
    expect(a.map((w) => w.shape)).toEqual(b.map((w) => w.shape));
    a.forEach((w, i) => expect(tf.tidy(() => tf.max(tf.abs(tf.sub(w, b[i]!))).dataSync()[0])).toBe(0));
    committed.layers.forEach((l, i) => {
      if (l.getClassName() === 'Conv2D') expect(committed.layers[i + 1]!.getClassName()).toBe('ReLU');
    });
  });
});
