import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { pixelImageSet } from '../../../src/core/features/image-set';
import { topActivations, unitProjection } from '../../../src/core/features/top-patches';
import { layersConvNet } from '../../../src/core/layers-convnet';
import { clipBox, fieldGeometry, receptiveField } from '../../../src/core/receptive-field';
import { guidedBackprop } from '../../../src/core/attribution/guided-backprop';
import { tf } from '../../../src/core/tf';
import { NODE_BACKENDS, expectNoLeak, seededRandom, useBackend } from '../backends';

const SIZE = 12;
function net() {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [SIZE, SIZE, 3], filters: 4, kernelSize: 3, padding: 'same', name: 'conv1', kernelInitializer: tfl.initializers.heNormal({ seed: 1 }), biasInitializer: 'zeros' }),
      tfl.layers.reLU({ name: 'relu1' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
      tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', name: 'conv2', kernelInitializer: tfl.initializers.heNormal({ seed: 2 }) }),
      tfl.layers.reLU({ name: 'relu2' }),
      tfl.layers.globalAveragePooling2d({ name: 'gap' }),
      tfl.layers.dense({ units: 3, name: 'logits' }),
    ],
  });
  return layersConvNet(model, { id: 'toy', title: 'Toy' });
}

function randomSet(count: number) {
  const rand = seededRandom(9);
  const pixels = Uint8Array.from({ length: count * SIZE * SIZE * 3 }, () => Math.floor(rand() * 256));
  return pixelImageSet({ pixels, count, height: SIZE, width: SIZE, channels: 3 }, { height: SIZE, width: SIZE, channels: 3, range: [0, 1] });
}

describe.each(NODE_BACKENDS)('maximally activating patches on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('ranks the images as brute force does, each at its peak cell with that cell’s receptive field', async () => {
    const cnn = net();
    const set = randomSet(45);
    const top = await expectNoLeak(() => topActivations(cnn, set, { layer: 'relu2', channel: 3, k: 5 }, { batchSize: 16 }));
    // Brute force: every image's map of channel 3 at once, each image's first largest cell, sorted.
    const all = await set.batch(0, 45);
    const maps = tf.tidy(() => tf.slice(cnn.forward(all, { capture: ['relu2'] }).activations['relu2']!, [0, 0, 0, 3], [-1, -1, -1, 1]));
    const [, h, w] = maps.shape;
    const a = maps.dataSync();
    tf.dispose([all, maps]);
    const field = fieldGeometry(cnn, 'relu2');
    const brute = Array.from({ length: 45 }, (_, index) => {
      const cells = Array.from(a.subarray(index * h * w, (index + 1) * h * w));
      const value = Math.max(...cells);
      const cell = cells.indexOf(value);
      const [y, x] = [Math.floor(cell / w), cell % w];
      return { index, y, x, value, box: clipBox(receptiveField(field, y, x), SIZE, SIZE) };
    }).sort((p, q) => q.value - p.value || p.index - q.index);
    expect(top.map(({ value, ...rest }) => rest)).toEqual(brute.slice(0, 5).map(({ value, ...rest }) => rest));
    top.forEach((t, i) => expect(t.value).toBeCloseTo(brute[i]!.value, 5));
    // Each field is 3 (conv1) + 1 (pool) + 2·2 (conv2 at jump 2) = 8 pixels a side, clipped at the borders.
    expect(field.size).toEqual([8, 8]);
    await expect(topActivations(cnn, set, { layer: 'relu2', channel: 6 })).rejects.toThrow(/channels 0 to 5/);
    cnn.dispose();
  });

  it('projects a unit back to the pixels, cropped to its field, with nothing outside it', async () => {
    const cnn = net();
    const set = randomSet(4);
    const [best] = await topActivations(cnn, set, { layer: 'relu2', channel: 1, k: 1 });
    const image = await set.batch(best!.index, best!.index + 1);
    const unit = { layer: 'relu2', channel: 1, y: best!.y, x: best!.x };
    const patch = await expectNoLeak(() => unitProjection(cnn, image, unit, 'guided-backprop', best!.box));
    const { box } = best!;
    expect([patch.width, patch.height, patch.channels]).toEqual([box.right - box.left + 1, box.bottom - box.top + 1, 3]);
    const full = await guidedBackprop({ net: cnn, image, target: { kind: 'neuron', ...unit } });
    const g = full.channels!.data;
    let inside = 0;
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        for (let c = 0; c < 3; c++) {
          const v = g[(y * SIZE + x) * 3 + c]!;
          if (y < box.top || y > box.bottom || x < box.left || x > box.right) {
            expect(v).toBe(0);
          } else {
            expect(patch.data[((y - box.top) * patch.width + x - box.left) * 3 + c]).toBe(v);
            inside += Math.abs(v);
          }
        }
      }
    }
    expect(inside).toBeGreaterThan(0);
    image.dispose();
    cnn.dispose();
  });
});
