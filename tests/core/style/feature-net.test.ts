import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/tf';
import { buildTextureFeatures } from '../../../src/core/models/architectures';
import { featureNet } from '../../../src/core/style/feature-net';
import { gramTargets } from '../../../src/core/style/gram';
import { NODE_BACKENDS, expectNoLeak, seededRandom, useBackend } from '../backends';

describe.each(NODE_BACKENDS)('texture-features as a feature net on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('captures the layers the model computes, at any size, without leaking', async () => {
    const net = featureNet(buildTextureFeatures(), { id: 'texture-features', inputShape: [32, 32, 3] });
    const rand = seededRandom(3);
    const image = tf.tensor4d(Float32Array.from({ length: 24 * 20 * 3 }, () => rand()), [1, 24, 20, 3]);
    const [mine, direct] = tf.tidy(() => {
      const a = net.forward(image, { capture: ['relu2_1'] }).activations['relu2_1']!;
      // The same layers applied by hand up to relu2_1.
      const model = buildTextureFeatures();
      let b = image as tf.Tensor;
      for (const l of model.layers) {
        b = l.apply(b) as tf.Tensor;
        if (l.name === 'relu2_1') break;
      }
      model.dispose();
      return [a, b];
    });
    expect(mine!.shape).toEqual(direct!.shape);
    expect(mine!.shape.slice(1, 3)).toEqual([12, 10]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(mine!, direct!))).dataSync()[0])).toBe(0);
    tf.dispose([mine!, direct!]);
    const targets = await expectNoLeak(() => gramTargets(net, image, ['relu1_1', 'relu4_1']));
    expect(targets.map((t) => t.channels)).toEqual([32, 128]);
    expect(() => net.forward(image, { capture: ['nope'] })).toThrow(/no layer "nope"/);
    image.dispose();
    net.dispose();
  });
});
