import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ConvNet } from '../../src/core/convnet';
import { layersConvNet } from '../../src/core/layers-convnet';
import { type PixelBox, clipBox, fieldGeometry, receptiveField } from '../../src/core/receptive-field';
import { type Tensor, type Tensor4D, tf } from '../../src/core/tf';
import { NODE_BACKENDS, expectNoLeak, seededRandom, useBackend } from './backends';

type LayerArgs = { conv?: { filters: number; kernelSize: number | [number, number]; strides?: number | [number, number]; padding: 'same' | 'valid'; dilationRate?: number }; pool?: { kind: 'max' | 'avg'; poolSize: number; strides?: number; padding: 'same' | 'valid' } };

/** A layers model of the given convolutions and poolings (each convolution with its ReLU), random weights, a small head. */
function chain(inputShape: [number, number, number], specs: LayerArgs[], seed: number): ConvNet {
  const model = tfl.sequential();
  specs.forEach((s, i) => {
    const first = i === 0 ? { inputShape } : {};
    if (s.conv) {
      model.add(tfl.layers.conv2d({ ...first, ...s.conv, name: `conv${i}`, kernelInitializer: tfl.initializers.heNormal({ seed: seed + i }), biasInitializer: 'zeros' }));
      model.add(tfl.layers.reLU({ name: `relu${i}` }));
    } else if (s.pool) {
      const { kind, ...args } = s.pool;
      model.add(kind === 'max' ? tfl.layers.maxPooling2d({ ...first, ...args, name: `pool${i}` }) : tfl.layers.averagePooling2d({ ...first, ...args, name: `pool${i}` }));
    }
  });
  model.add(tfl.layers.globalAveragePooling2d({ name: 'gap' }));
  model.add(tfl.layers.dense({ units: 2, name: 'logits' }));
  return layersConvNet(model, { id: 'chain', title: 'Chain' });
}

function randomImages(n: number, [h, w, c]: [number, number, number], seed: number): Tensor4D {
  const rand = seededRandom(seed);
  return tf.tensor4d(Float32Array.from({ length: n * h * w * c }, () => rand()), [n, h, w, c]);
}

/** The bounding box of the pixels where `changed(pixel)` holds, or null. */
function boxOf(height: number, width: number, changed: (p: number) => boolean): PixelBox | null {
  let box: PixelBox | null = null;
  for (let p = 0; p < height * width; p++) {
    if (!changed(p)) continue;
    const [y, x] = [Math.floor(p / width), p % width];
    box = box
      ? { top: Math.min(box.top, y), left: Math.min(box.left, x), bottom: Math.max(box.bottom, y), right: Math.max(box.right, x) }
      : { top: y, left: x, bottom: y, right: x };
  }
  return box;
}

/**
 * Brute force, by autodiff: the pixels where ∂(unit at y, x, summed over channels)/∂input is not zero for some
 * of a batch of random images (max pooling routes the gradient through one cell per window, so one image
 * shows only part of the field).
 */
function gradientFootprint(net: ConvNet, layer: string, y: number, x: number, images: Tensor4D): PixelBox | null {
  const g = tf.tidy(() =>
    tf.sum(tf.abs(tf.grad((v: Tensor) => tf.sum(tf.slice(net.forward(v, { capture: [layer] }).activations[layer]!, [0, y, x, 0], [-1, 1, 1, -1])))(images)), [0, 3]),
  );
  const values = g.dataSync();
  g.dispose();
  return boxOf(images.shape[1], images.shape[2], (p) => values[p]! > 0);
}

/**
 * Brute force, by finite differences (tfjs has no gradient of dilated convolutions): the pixels whose change
 * (to ±8, every channel) changes some channel of every cell, for a few random images. Returns one box per cell.
 */
function perturbationFootprints(net: ConvNet, layer: string, images: Tensor4D): (PixelBox | null)[] {
  const [, h, w, c] = images.shape;
  const changed: Set<number>[] = [];
  for (let b = 0; b < images.shape[0]; b++) {
    const base = images.slice([b, 0, 0, 0], [1, h, w, c]);
    const baseValues = base.dataSync();
    const batch = new Float32Array((2 * h * w + 1) * h * w * c);
    batch.set(baseValues, 0);
    for (let p = 0; p < h * w; p++) {
      for (const [k, v] of [[2 * p + 1, 8], [2 * p + 2, -8]] as const) {
        batch.set(baseValues, k * h * w * c);
        for (let ch = 0; ch < c; ch++) batch[k * h * w * c + p * c + ch] = v;
      }
    }
    base.dispose();
    const out = tf.tidy(() => net.forward(tf.tensor4d(batch, [2 * h * w + 1, h, w, c]), { capture: [layer] }).activations[layer]!);
    const [, oh, ow, oc] = out.shape as number[];
    const a = out.dataSync();
    out.dispose();
    const cells = oh! * ow! * oc!;
    for (let cell = 0; cell < oh! * ow!; cell++) {
      changed[cell] ??= new Set();
      for (let p = 0; p < h * w; p++) {
        for (const k of [2 * p + 1, 2 * p + 2]) {
          for (let ch = 0; ch < oc!; ch++) {
            const i = cell * oc! + ch;
            if (Math.abs(a[k * cells + i]! - a[i]!) > 1e-5 * (1 + Math.abs(a[i]!))) changed[cell]!.add(p);
          }
        }
      }
    }
  }
  return changed.map((set) => boxOf(h, w, (p) => set.has(p)));
}

const GEOMETRIES: { name: string; input: [number, number, number]; layers: LayerArgs[]; dilated?: boolean }[] = [
  {
    name: "'same' convolutions with stride 2 on an odd-sized input (padding split unevenly)",
    input: [17, 17, 3],
    layers: [
      { conv: { filters: 4, kernelSize: 3, padding: 'same' } },
      { conv: { filters: 4, kernelSize: 3, strides: 2, padding: 'same' } },
      { conv: { filters: 4, kernelSize: 4, strides: 2, padding: 'same' } },
    ],
  },
  {
    name: 'max and average pooling, valid and same',
    input: [20, 20, 3],
    layers: [
      { conv: { filters: 4, kernelSize: 5, padding: 'same' } },
      { pool: { kind: 'max', poolSize: 2, padding: 'valid' } },
      { conv: { filters: 4, kernelSize: 3, padding: 'valid' } },
      { pool: { kind: 'avg', poolSize: 3, strides: 2, padding: 'same' } },
    ],
  },
  {
    name: 'unequal kernels and strides per axis on a non-square input',
    input: [15, 12, 1],
    layers: [
      { conv: { filters: 4, kernelSize: [3, 5], strides: [2, 1], padding: 'same' } },
      { conv: { filters: 4, kernelSize: 3, padding: 'valid' } },
    ],
  },
  {
    name: 'dilated convolutions',
    input: [16, 16, 3],
    dilated: true,
    layers: [
      { conv: { filters: 4, kernelSize: 3, padding: 'valid', dilationRate: 2 } },
      { conv: { filters: 4, kernelSize: 3, padding: 'same', dilationRate: 3 } },
      { pool: { kind: 'max', poolSize: 2, padding: 'valid' } },
    ],
  },
];

describe.each(NODE_BACKENDS)('receptive fields on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it.each(GEOMETRIES)('match the brute-force footprint of every cell: $name', ({ input, layers, dilated }) => {
    const net = chain(input, layers, 7);
    const last = net.layers.filter((l) => l.outputShape.length === 3).at(-1)!;
    const g = fieldGeometry(net, last.name);
    const [oh, ow] = last.outputShape as [number, number];
    expect(g.cells).toEqual([oh, ow]);
    const images = randomImages(dilated ? 3 : 16, input, 11);
    const brute = dilated ? perturbationFootprints(net, last.name, images) : null;
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        const footprint = brute ? brute[y * ow + x] : gradientFootprint(net, last.name, y, x, images);
        expect(footprint, `cell ${y}, ${x}`).toEqual(clipBox(receptiveField(g, y, x), input[0], input[1]));
      }
    }
    images.dispose();
    net.dispose();
  });

  it('follows the arithmetic on a hand-solved chain (3×3 same, 2×2 pool, 3×3 same, 2×2 pool: 3, 4, 8, 10 pixels)', () => {
    const net = chain([16, 16, 1], [
      { conv: { filters: 1, kernelSize: 3, padding: 'same' } },
      { pool: { kind: 'max', poolSize: 2, padding: 'valid' } },
      { conv: { filters: 1, kernelSize: 3, padding: 'same' } },
      { pool: { kind: 'max', poolSize: 2, padding: 'valid' } },
    ], 1);
    const sizes = ['relu0', 'pool1', 'relu2', 'pool3'].map((l) => fieldGeometry(net, l));
    expect(sizes.map((g) => g.size[0])).toEqual([3, 4, 8, 10]);
    expect(sizes.map((g) => g.jump[0])).toEqual([1, 2, 2, 4]);
    expect(sizes.map((g) => g.start[0])).toEqual([-1, -1, -3, -3]);
    expect(receptiveField(sizes[3]!, 1, 2)).toEqual({ top: 1, left: 5, bottom: 10, right: 14 });
    net.dispose();
  });

  it('says why when a layer has no geometry, and holds no tensors', async () => {
    const net = chain([8, 8, 1], [{ conv: { filters: 2, kernelSize: 3, padding: 'same' } }], 1);
    await expectNoLeak(() => fieldGeometry(net, 'relu0'));
    expect(() => fieldGeometry(net, 'logits')).toThrow(/'gap' \(GlobalAveragePooling2D\) is not a convolution, pooling or pointwise layer/);
    expect(() => fieldGeometry({ ...net, format: 'graph', layers: net.layers.map(({ geometry: _, ...l }) => l) }, 'relu0')).toThrow(/graph model/);
    expect(() => fieldGeometry(net, 'nope')).toThrow(/No layer named 'nope'/);
    net.dispose();
  });
});
