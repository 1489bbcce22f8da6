import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/tf';
import { createColourToyNet } from '../../../src/core/attribution/toy-net';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';
import { HAND_IMAGE, handGapNet, randomImage, twoConvNet } from './toys';

describe.each(NODE_BACKENDS)('toy nets on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('compute the hand-solved logits and describe themselves as a ConvNet', () => {
    const net = handGapNet();
    const image = tf.tensor4d(HAND_IMAGE, [1, 4, 4, 1]);
    const logits = tf.tidy(() => net.forward(image).logits).arraySync()[0]!;
    // mean relu(x) = 7.5/16, mean relu(−x) = 6/16.
    expect(logits[0]).toBeCloseTo(2 * (7.5 / 16) - 3 * (6 / 16) + 0.5, 6);
    expect(logits[1]).toBeCloseTo(-(7.5 / 16) + 6 / 16 - 0.5, 6);
    expect(net.layers.map((l) => l.kind)).toEqual(['input', 'conv', 'relu', 'gap', 'dense']);
    expect([net.camLayer, net.logitLayer, net.params, net.capabilities.cam]).toEqual(['relu', 'logits', 2 + 2 + 4 + 2, true]);
    expect(net.convLayers).toEqual(['conv', 'relu']);
    image.dispose();
    net.dispose();
  });

  it('run from an inner layer to the same logits, capturing what is asked', () => {
    const net = twoConvNet();
    const image = randomImage(net);
    tf.tidy(() => {
      const full = net.forward(image, { capture: ['input', 'pool1', 'relu2'] });
      expect(full.activations.input).toBe(image);
      expect(full.activations.pool1!.shape).toEqual([1, 4, 4, 4]);
      const rest = net.forward(full.activations.pool1!, { from: 'pool1', capture: ['pool1', 'relu2'] });
      expect(rest.activations.pool1).toBe(full.activations.pool1);
      expect(Array.from(rest.logits.dataSync())).toEqual(Array.from(full.logits.dataSync()));
      expect(() => net.forward(image, { capture: ['nope'] })).toThrow(/nope/);
    });
    image.dispose();
    net.dispose();
  });

  it('own their weights until disposed; views with replaced weights own nothing', async () => {
    await expectNoLeak(() => {
      const net = createColourToyNet(2);
      const swapped = net.withLayerWeights({ logits: net.layerWeights('logits') });
      swapped.dispose();
      net.dispose();
    });
  });
});
