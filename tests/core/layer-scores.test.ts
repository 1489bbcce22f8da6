import { beforeAll, describe, expect, it } from 'vitest';
import { chosenChannel, layerScores } from '../../src/core/layer-scores';
import { tf, type Tensor4D } from '../../src/core/tf';
import { NODE_BACKENDS, expectNoLeak, useBackend } from './backends';
import { HAND_IMAGE, handGapNet, twoConvNet } from './attribution/toys';

describe.each(NODE_BACKENDS)('layerScores on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('reads the hand-solved logits and channel means of the GAP net, leaving no tensors', async () => {
    const net = handGapNet();
    const image = tf.tensor4d(HAND_IMAGE, [1, 4, 4, 1]);
    const scores = await expectNoLeak(() => layerScores(net, image, 'relu'));
    // Positive pixels sum to 7.5 and negative ones to −6, over 16 pixels.
    expect(scores.channelMeans[0]).toBeCloseTo(7.5 / 16, 6);
    expect(scores.channelMeans[1]).toBeCloseTo(6 / 16, 6);
    expect(scores.strongest).toBe(0);
    // logit 0 = 2·0.46875 − 3·0.375 + 0.5, logit 1 = −0.46875 + 0.375 − 0.5.
    expect(scores.logits[0]).toBeCloseTo(0.3125, 6);
    expect(scores.logits[1]).toBeCloseTo(-0.59375, 6);
    expect(scores.predicted).toBe(0);
    image.dispose();
    net.dispose();
  });

  it('reads only the first image of a batch, and releases its tensors when the read-back fails', async () => {
    const net = twoConvNet();
    const one = tf.randomUniform([1, 8, 8, 3], 0, 1, 'float32', 5) as Tensor4D;
    const two = tf.concat([one, tf.zerosLike(one)]) as Tensor4D;
    const [a, b] = [await layerScores(net, one, 'relu2'), await layerScores(net, two, 'relu2')];
    expect(b.channelMeans).toHaveLength(6);
    b.channelMeans.forEach((v, i) => expect(v).toBeCloseTo(a.channelMeans[i]!, 5));
    expect(b.logits).toHaveLength(3);
    const read = tf.Tensor.prototype.data;
    tf.Tensor.prototype.data = () => Promise.reject(new Error('read failed'));
    const before = tf.memory().numTensors;
    try {
      await expect(layerScores(net, one, 'relu2')).rejects.toThrow('read failed');
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      tf.Tensor.prototype.data = read;
    }
    tf.dispose([one, two]);
    net.dispose();
  });
});

describe('chosenChannel', () => {
  it('takes an integer index in range, else the strongest channel', () => {
    const scores = { logits: [0], predicted: 0, channelMeans: [0.1, 0.9, 0.3], strongest: 1 };
    expect(chosenChannel('2', scores)).toBe(2);
    expect(chosenChannel('0', scores)).toBe(0);
    for (const choice of ['', '3', '-1', '1.5', 'x']) expect(chosenChannel(choice, scores), choice).toBe(1);
  });
});
