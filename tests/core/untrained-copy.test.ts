import { beforeAll, describe, expect, it } from 'vitest';
import { createColourToyNet } from '../../src/core/attribution/toy-net';
import type { ConvNet } from '../../src/core/convnet';
import { layersConvNet } from '../../src/core/layers-convnet';
import { DEFAULT_SEED, buildFashionVgg } from '../../src/core/models/architectures';
import { tf } from '../../src/core/tf';
import { untrainedCopy } from '../../src/core/untrained-copy';
import { NODE_BACKENDS, expectNoLeak, useBackend } from './backends';

const weightsOf = (net: ConvNet, layer: string) => net.layerWeights!(layer).map((t) => Array.from(t.dataSync()));

describe.each(NODE_BACKENDS)('untrained copy on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('of a book network is the network as its builder first draws it (where training starts)', () => {
    const built = layersConvNet(buildFashionVgg(DEFAULT_SEED), { id: 'fashion-vgg', title: 'fashion-vgg' });
    // Another seed stands in for training: every weight differs from the first draw.
    const trained = layersConvNet(buildFashionVgg(99), { id: 'fashion-vgg', title: 'fashion-vgg' });
    const copy = untrainedCopy(trained);
    for (const layer of ['conv1_1', 'conv2_2', 'conv3_1', 'logits']) {
      expect(weightsOf(copy.net, layer)).toEqual(weightsOf(built, layer));
      expect(weightsOf(trained, layer)[0]).not.toEqual(weightsOf(built, layer)[0]);
    }
    expect(weightsOf(copy.net, 'conv1_1')[1]!.every((b) => b === 0)).toBe(true);
    copy.dispose();
    built.dispose();
    trained.dispose();
  });

  it('runs the same architecture, and frees exactly the weights it drew', async () => {
    const net = createColourToyNet(3);
    const before = tf.memory().numTensors;
    const copy = untrainedCopy(net, 5);
    // conv1, conv2, logits: a kernel and a bias each.
    expect(tf.memory().numTensors - before).toBe(6);
    const x = tf.randomUniform([2, ...net.inputShape]);
    const [a, b] = [net, copy.net].map((n) => tf.tidy(() => n.forward(x).logits));
    expect(a!.shape).toEqual(b!.shape);
    expect(Array.from(a!.dataSync())).not.toEqual(Array.from(b!.dataSync()));
    tf.dispose([x, a!, b!]);
    copy.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expectNoLeak(() => untrainedCopy(net).dispose());
    net.dispose();
  });
});
