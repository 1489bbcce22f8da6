/**
 * Weight access of graph models (graph-convnet.ts), on the third-party emotion classifier of
 * @vladmandic/human (see model-loader.test.ts): its convolutions' weights are read from the graph's
 * constants, replaced by feeding other tensors in their place, and the sanity checks run on it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { gradCamMethod } from '../../src/core/attribution/grad-cam';
import { parameterRandomization, randomizationOrder } from '../../src/core/attribution/sanity-check';
import { spearman } from '../../src/core/attribution/similarity';
import { type ConvNet, type WeightAccess, hasWeightAccess } from '../../src/core/convnet';
import { loadConvNet } from '../../src/core/model-loader';
import { type Tensor, type Tensor4D, tf } from '../../src/core/tf';
import { NODE_BACKENDS, expectNoLeak, seededRandom, useBackend } from './backends';
import { fileUrl, nodeFetch } from './node-files';

const EMOTION = resolve('node_modules/@vladmandic/human/models/emotion.json');
/** The weight shapes model.json declares, by constant's name: read from the file, not from the loader. */
const DECLARED = new Map<string, number[]>(
  (JSON.parse(readFileSync(EMOTION, 'utf8')) as { weightsManifest: { weights: { name: string; shape: number[] }[] }[] })
    .weightsManifest.flatMap((m) => m.weights)
    .map((w) => [w.name, w.shape]),
);

function image(seed: number): Tensor4D {
  const rand = seededRandom(seed);
  return tf.tensor4d(Float32Array.from({ length: 64 * 64 }, () => rand()), [1, 64, 64, 1]);
}

const logitsOf = (net: ConvNet, x: Tensor) => Array.from(tf.tidy(() => net.forward(x).logits).dataSync());

describe.each(NODE_BACKENDS)('weight access of a graph model (emotion) on %s', (backend) => {
  let net: ConvNet & WeightAccess;
  beforeAll(async () => {
    await useBackend(backend);
    const loaded = await loadConvNet(fileUrl(EMOTION), { fetch: nodeFetch });
    if (!hasWeightAccess(loaded)) throw new Error('the graph model has no weight access');
    net = loaded;
    return () => net.dispose();
  });

  it('reads a convolution’s kernel and bias from the constants feeding it, and nothing for other nodes', () => {
    const first = net.convLayers[0]!;
    const shapes = net.layerWeights(first).map((w) => w.shape);
    expect(shapes).toEqual([DECLARED.get('StatefulPartitionedCall/model_1/conv2d_1/Conv2D_weights'), DECLARED.get('StatefulPartitionedCall/model_1/conv2d_1/Conv2D_bn_offset')]);
    expect(shapes[0]).toHaveLength(4);
    for (const name of net.convLayers) expect(net.layerWeights(name).length, name).toBeGreaterThan(0);
    // The global average's reduction axes are a constant too, but an int32 one of a layer without weights.
    expect(net.layerWeights(net.logitLayer)).toEqual([]);
    expect(net.layerWeights(net.layers[0]!.name)).toEqual([]);
    expect(() => net.layerWeights('nope')).toThrow(/No layer named 'nope'/);
    expect(randomizationOrder(net)).toEqual([...net.convLayers].reverse());
  });

  it('runs on replaced weights: a zero kernel leaves the bias as the logits, a doubled last layer doubles them', () => {
    // The logits are the global average of the last convolution's output (camLayer), linear in its weights.
    const last = net.camLayer!;
    const [kernel, bias] = net.layerWeights(last) as [Tensor, Tensor];
    expect(bias.shape).toEqual([7]);
    const x = image(1);
    const trained = logitsOf(net, x);
    const [zero, b, k2, b2] = [tf.zerosLike(kernel), tf.tensor1d([0, 1, -2, 3, 0.5, -1, 2]), tf.mul(kernel, 2), tf.mul(bias, 2)];
    const constant = net.withLayerWeights({ [last]: [zero, b] });
    logitsOf(constant, x).forEach((v, i) => expect(v).toBeCloseTo([0, 1, -2, 3, 0.5, -1, 2][i]!, 5));
    expect(constant.layerWeights?.(last)[1]).toBe(b);
    const doubled = net.withLayerWeights({ [last]: [k2, b2] });
    logitsOf(doubled, x).forEach((v, i) => expect(v).toBeCloseTo(2 * trained[i]!, 4));
    // Views compose, and leave the original untouched.
    expect(hasWeightAccess(doubled) && logitsOf(doubled.withLayerWeights({ [last]: [zero, b] }), x)[3]).toBeCloseTo(3, 5);
    expect(logitsOf(net, x)).toEqual(trained);
    expect(() => net.withLayerWeights({ [last]: [b, kernel] })).toThrow(/shapes/);
    tf.dispose([x, zero, b, k2, b2]);
  });

  it('takes part in the sanity check: step 0 is the trained map, later steps differ, no leaks', async () => {
    const x = image(2);
    const input = { net, image: x, target: { kind: 'class', index: 3 } as const, layer: net.camLayer! };
    const steps = await expectNoLeak(() => parameterRandomization(input, [gradCamMethod], { mode: 'independent', seed: 1 }));
    expect(steps.map((s) => s.randomized)).toEqual([[], ...[...net.convLayers].reverse().map((l) => [l])]);
    const trained = await gradCamMethod.attribute(input);
    expect(Array.from(steps[0]!.maps['grad-cam']!.data)).toEqual(Array.from(trained.data));
    // Randomising the explained layer itself changes the map.
    expect(spearman(trained.data.map(Math.abs), steps[1]!.maps['grad-cam']!.data.map(Math.abs))).toBeLessThan(0.9);
    x.dispose();
  });
});
