import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToyNet } from '../../../src/core/attribution/toy-net';
import { occlusionMap, patchStart } from '../../../src/core/features/occlusion';
import { tf } from '../../../src/core/tf';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** logits = (m, −m) for the image mean m, so p₀ = σ(2m); a 1×1 identity convolution 'c' keeps the image as a feature map. */
const toy = () =>
  createToyNet({
    inputShape: [4, 4, 1],
    layers: [
      { kind: 'conv', name: 'c', filters: 1, size: 1, kernel: [1], bias: [0] },
      { kind: 'gap', name: 'gap' },
      { kind: 'dense', name: 'logits', units: 2, kernel: [1, -1], bias: [0, 0] },
    ],
  });

/** Zero but for a bright 2×2 block at the top left: m = 4/16. */
const blockImage = () => tf.tensor4d([1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 4, 4, 1]);

describe.each(NODE_BACKENDS)('occlusion on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => tf.setBackend('cpu'));

  it('centres the patch on its cell and keeps it inside the image', () => {
    expect([0, 1, 2, 3].map((i) => patchStart(i, 1, 3, 4))).toEqual([0, 0, 1, 1]);
    expect([0, 1].map((i) => patchStart(i, 2, 2, 4))).toEqual([0, 2]);
    expect(patchStart(2, 4, 8, 12)).toBe(4);
  });

  it('matches the hand-computed probabilities of a grey 2×2 patch', async () => {
    const net = toy();
    const image = blockImage();
    const map = await expectNoLeak(() =>
      occlusionMap(net, image, { size: 2, stride: 2, fill: 'grey', measure: { kind: 'probability', classIndex: 0 }, batchSize: 3 }),
    );
    // Unoccluded: m = 0.25. Grey (0.5) over the block: m = 2/16. Grey over zeros: m = 0.25 + 2/16.
    expect(map.base).toBeCloseTo(sigmoid(0.5), 6);
    expect([map.width, map.height]).toEqual([2, 2]);
    const expected = [sigmoid(0.25), sigmoid(0.75), sigmoid(0.75), sigmoid(0.75)];
    Array.from(map.data).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    image.dispose();
    net.dispose();
  });

  it('records a channel’s mean activation, with the data set’s mean as the fill', async () => {
    const net = toy();
    const image = blockImage();
    const map = await occlusionMap(net, image, {
      size: 2, stride: 2, fill: 'mean', meanPixel: [0.2], measure: { kind: 'activation', layer: 'c', channel: 0 },
    });
    expect(map.base).toBeCloseTo(0.25, 6);
    const expected = [(4 * 0.2) / 16, 0.25 + (4 * 0.2) / 16, 0.25 + 0.05, 0.25 + 0.05];
    Array.from(map.data).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    image.dispose();
    net.dispose();
  });

  it('changes nothing when a blurred patch covers a flat image, and covers every cell at stride 1', async () => {
    const net = toy();
    const image = tf.fill([1, 4, 4, 1], 0.3) as tf.Tensor4D;
    const map = await expectNoLeak(() =>
      occlusionMap(net, image, { size: 3, stride: 1, fill: 'blur', measure: { kind: 'probability', classIndex: 1 } }),
    );
    expect(map.data.length).toBe(16);
    for (const v of map.data) expect(v).toBeCloseTo(sigmoid(-0.6), 5);
    image.dispose();
    net.dispose();
  });

  it('stops when aborted, reports progress, and explains bad options', async () => {
    const net = toy();
    const image = blockImage();
    const controller = new AbortController();
    const seen: number[] = [];
    const measure = { kind: 'probability', classIndex: 0 } as const;
    await expectNoLeak(() =>
      expect(
        occlusionMap(net, image, {
          size: 1, stride: 1, fill: 'grey', measure, batchSize: 4, signal: controller.signal,
          onProgress: (done) => (seen.push(done), done === 8 && controller.abort(new Error('stopped'))),
        }),
      ).rejects.toThrow('stopped'),
    );
    expect(seen).toEqual([4, 8]);
    await expect(occlusionMap(net, image, { size: 5, stride: 1, fill: 'grey', measure })).rejects.toThrow(/1 to 4 pixels wide/);
    await expect(occlusionMap(net, image, { size: 2, stride: 1, fill: 'grey', measure: { kind: 'probability', classIndex: 2 } })).rejects.toThrow(/no class 2/);
    image.dispose();
    net.dispose();
  });
});
