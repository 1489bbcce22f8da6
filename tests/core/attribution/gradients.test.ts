import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor, type Tensor4D } from '../../../src/core/tf';
import { reluBackward } from '../../../src/core/relu-rules';
import { saliency } from '../../../src/core/attribution/saliency';
import { guidedBackprop } from '../../../src/core/attribution/guided-backprop';
import { deconvnet } from '../../../src/core/attribution/deconvnet';
import { gradientMap } from '../../../src/core/attribution/gradient';
import {
  channelMean, inputGradient, layerGradient, predictedClass, readTensors, scoreFromLayer, targetScore, weightedCam, weightedChannelSum,
} from '../../../src/core/attribution/pipeline';
import type { Target } from '../../../src/core/attribution/types';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';
import { LINEAR_KERNEL, centralDifferences, linearNet, randomImage, scalarOf, twoConvNet } from './toys';

const CLASS_1: Target = { kind: 'class', index: 1 };
const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) =>
  Array.from(a).forEach((v, i) => expect(Math.abs(v - b[i]!), `entry ${i}: ${v} vs ${b[i]}`).toBeLessThanOrEqual(tol));

describe.each(NODE_BACKENDS)('input gradients on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('saliency of a linear net is max_c |w| per pixel; signed, the channel sum; colour, the weights', async () => {
    const net = linearNet();
    const image = randomImage(net);
    const column = LINEAR_KERNEL.map((row) => row[0]!);
    const map = await saliency({ net, image, target: { kind: 'class', index: 0 } });
    expect([map.width, map.height, map.signed]).toEqual([2, 2, false]);
    close(map.data, [2, 1, 0.6, 1.5], 1e-6);
    close(map.channels!.data, column, 1e-6);
    const signed = await saliency({ net, image, target: { kind: 'class', index: 0 }, options: { signed: true } });
    close(signed.data, [-1.4, 0.7, -0.2, 0.7], 1e-6);
    expect(signed.signed).toBe(true);
    image.dispose();
    net.dispose();
  });

  it('the input gradient agrees with central differences, for a class and for a neuron', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    const at = [0, 17, 50, 95, 130, 191];
    for (const target of [CLASS_1, { kind: 'neuron', layer: 'relu2', channel: 2 } as Target, { kind: 'neuron', layer: 'conv1', channel: 1, y: 3, x: 4 } as Target]) {
      const map = await saliency({ net, image, target });
      const f = (x: Tensor) => scalarOf(() => targetScore(net.forward(x, { capture: target.kind === 'neuron' ? [target.layer] : [] }), target));
      close(at.map((i) => map.channels!.data[i]!), centralDifferences(f, image, at, 1e-3), 3e-3);
    }
    image.dispose();
    net.dispose();
  });

  it('the gradient at a layer agrees with central differences of the rest of the net', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    for (const layer of ['relu1', 'pool1', 'relu2']) {
      const { activation, gradient } = tf.tidy(() => layerGradient(net, image, layer, CLASS_1));
      const rest = scoreFromLayer(net, layer, CLASS_1);
      // Away from kinks: a zero entry of a ReLU output ties inside its max-pool window, where the slope is one-sided.
      const values = activation.dataSync();
      const at = [0, 0.3, 0.6, 0.9].map((q) => values.findIndex((v, i) => i >= q * values.length && v > 0.05));
      const fd = centralDifferences((a) => scalarOf(() => rest(a)), activation, at, 1e-3);
      close(at.map((i) => gradient.dataSync()[i]!), fd, 3e-3);
      tf.dispose([activation, gradient]);
    }
    image.dispose();
    net.dispose();
  });

  it('guided backprop equals the ReLU rule applied layer by layer through the net', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    const [w1, , w2] = [...net.layerWeights('conv1'), ...net.layerWeights('conv2')] as Tensor4D[];
    const [wd] = net.layerWeights('logits');
    for (const rule of ['guided', 'deconvnet'] as const) {
      const chained = tf.tidy(() => {
        const a = net.forward(image, { capture: ['conv1', 'relu1', 'conv2'] }).activations;
        // Back from the logit: dense, then GAP spreads the signal evenly over the 4×4 positions.
        let r: Tensor = tf.div(tf.reshape(tf.slice(wd!, [0, 1], [-1, 1]), [1, 1, 1, -1]), 16);
        r = tf.mul(tf.onesLike(a.conv2!), r);
        r = reluBackward(a.conv2!, r, rule);
        const vjp = (f: (x: Tensor) => Tensor, x: Tensor, dy: Tensor) => tf.grad((v: Tensor) => tf.sum(tf.mul(f(v), dy)))(x);
        r = vjp((p) => tf.conv2d(p as Tensor4D, w2!, 1, 'same'), tf.maxPool(a.relu1 as Tensor4D, 2, 2, 'valid'), r);
        r = vjp((v) => tf.maxPool(v as Tensor4D, 2, 2, 'valid'), a.relu1!, r);
        r = reluBackward(a.conv1!, r, rule);
        return vjp((x) => tf.conv2d(x as Tensor4D, w1!, 1, 'same'), image, r);
      });
      const map = await (rule === 'guided' ? guidedBackprop : deconvnet)({ net, image, target: CLASS_1 });
      close(map.channels!.data, chained.dataSync(), 1e-5);
      chained.dispose();
    }
    image.dispose();
    net.dispose();
  });

  it('guided backprop passes only positive signals: its map differs from the gradient', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    const [plain, guided] = [await saliency({ net, image, target: CLASS_1 }), await guidedBackprop({ net, image, target: CLASS_1 })];
    expect(Array.from(plain.channels!.data)).not.toEqual(Array.from(guided.channels!.data));
    image.dispose();
    net.dispose();
  });

  it('refuses ReLU rules on a net that cannot swap them', async () => {
    const net = linearNet();
    const image = randomImage(net);
    const locked = { ...net, capabilities: { ...net.capabilities, reluRules: false, notes: ['fused'] } };
    await expect(gradientMap({ net: locked, image, target: CLASS_1 }, 'guided')).rejects.toThrow(/fused/);
    image.dispose();
    net.dispose();
  });

  it('predictedClass is the argmax of the logits', async () => {
    const net = linearNet();
    const image = tf.tensor4d([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [1, 2, 2, 3]);
    // Logits: 0.5 + 0.1 = 0.6 and −1 − 0.2 = −1.2.
    expect(await predictedClass(net, image)).toEqual({ kind: 'class', index: 0 });
    image.dispose();
    net.dispose();
  });

  it('leaks no tensors', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    const input = { net, image, target: CLASS_1 };
    await expectNoLeak(() => saliency(input));
    await expectNoLeak(() => saliency({ ...input, options: { signed: true } }));
    await expectNoLeak(() => guidedBackprop(input));
    await expectNoLeak(() => deconvnet({ ...input, target: { kind: 'neuron', layer: 'relu2', channel: 0 } }));
    await expectNoLeak(() => predictedClass(net, image));
    await expectNoLeak(() => tf.tidy(() => inputGradient(net, image, CLASS_1)).dispose());
    await expectNoLeak(() => readTensors({ a: tf.zeros([2]) }));
    await expectNoLeak(() => weightedCam({ ...input, layer: 'relu1' }, ({ gradient }) => ({ weights: channelMean(gradient), extras: { s: tf.scalar(1) } })));
    await expectNoLeak(() =>
      tf.tidy(() => {
        const at = layerGradient(net, image, 'pool1', CLASS_1);
        weightedChannelSum(at.activation, channelMean(at.gradient));
        scoreFromLayer(net, 'relu2', { kind: 'neuron', layer: 'relu2', channel: 1 })(at.activation);
      }),
    );
    image.dispose();
    net.dispose();
  });
});
