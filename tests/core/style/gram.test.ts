import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/tf';
import { blendGrams, gramMatrix, gramTargets, scaleImage, type GramTarget } from '../../../src/core/style/gram';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';
import { randomImage, twoConvNet } from '../attribution/toys';

describe.each(NODE_BACKENDS)('Gram matrices on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('G = F Fᵀ / M by hand: a 1×2 map with 2 channels', () => {
    // Positions (1, 2) and (3, 4): F = [[1, 3], [2, 4]] (channels × positions), M = 2.
    // F Fᵀ = [[1+9, 2+12], [2+12, 4+16]] = [[10, 14], [14, 20]]; divided by 2.
    const f = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
    const g = tf.tidy(() => gramMatrix(f));
    expect(g.shape).toEqual([2, 2]);
    expect(Array.from(g.dataSync())).toEqual([5, 7, 7, 10]);
    tf.dispose([f, g]);
  });

  it('does not depend on the image size for a tiled map (the normalisation by M)', () => {
    const f = tf.tensor4d([1, -2, 0.5, 3, 2, 1, -1, 0], [1, 2, 2, 2]);
    const tiled = tf.tile(f, [1, 3, 2, 1]);
    const [a, b] = tf.tidy(() => [gramMatrix(f), gramMatrix(tiled)]);
    const da = a!.dataSync();
    Array.from(b!.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(da[i]!, 5));
    tf.dispose([f, tiled, a!, b!]);
  });

  it('rejects a batch and a flat layer with a message', () => {
    const batch = tf.zeros([2, 2, 2, 3]);
    const flat = tf.zeros([1, 5]);
    expect(() => gramMatrix(batch)).toThrow(/one image/);
    expect(() => gramMatrix(flat)).toThrow(/feature map/);
    tf.dispose([batch, flat]);
  });

  it('gramTargets reads plain data without leaking, symmetric and matching gramMatrix', async () => {
    const net = twoConvNet();
    const image = randomImage(net, 4);
    const targets = await expectNoLeak(() => gramTargets(net, image, ['relu1', 'relu2']));
    expect(targets.map((t) => [t.layer, t.channels])).toEqual([['relu1', 4], ['relu2', 6]]);
    const t2 = targets[1]!;
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) expect(t2.data[i * 6 + j]).toBeCloseTo(t2.data[j * 6 + i]!, 6);
    const direct = tf.tidy(() => gramMatrix(net.forward(image, { capture: ['relu2'] }).activations['relu2']!));
    Array.from(direct.dataSync()).forEach((v, i) => expect(t2.data[i]).toBeCloseTo(v, 5));
    // μ beside G: the channel means over positions, and G − μμᵀ is a covariance (non-negative diagonal).
    const a = tf.tidy(() => net.forward(image, { capture: ['relu2'] }).activations['relu2']!.mean([0, 1, 2]));
    Array.from(a.dataSync()).forEach((v, i) => expect(t2.mean![i]).toBeCloseTo(v, 5));
    for (let i = 0; i < 6; i++) expect(t2.data[i * 6 + i]! - t2.mean![i]! ** 2).toBeGreaterThanOrEqual(-1e-6);
    a.dispose();
    await expect(gramTargets(net, image, ['nope'])).rejects.toThrow(/no layer "nope"/);
    tf.dispose([image, direct]);
    net.dispose();
  });

  it('blended target equals the weighted mean of the targets', () => {
    const t = (v: number[]): GramTarget[] => [{ layer: 'a', channels: 2, data: Float32Array.from(v) }];
    const blended = blendGrams([t([1, 2, 2, 4]), t([3, 0, 0, 1]), t([0, 8, 8, 0])], [1, 2, 1]);
    // (1·[1,2,2,4] + 2·[3,0,0,1] + 1·[0,8,8,0]) / 4
    const expected = [7 / 4, 10 / 4, 10 / 4, 6 / 4];
    Array.from(blended[0]!.data).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    // Channel means, where every style has them, blend with the same weights.
    const m = (v: number[], mean: number[]): GramTarget[] => [{ layer: 'a', channels: 2, data: Float32Array.from(v), mean: Float32Array.from(mean) }];
    const withMeans = blendGrams([m([1, 2, 2, 4], [1, 0]), m([3, 0, 0, 1], [0, 2])], [3, 1]);
    Array.from(withMeans[0]!.mean!).forEach((v, i) => expect(v).toBeCloseTo([3 / 4, 2 / 4][i]!, 6));
    expect(blended[0]!.mean).toBeUndefined();
    expect(() => blendGrams([t([1, 0, 0, 1])], [0])).toThrow(/above zero/);
    expect(() => blendGrams([t([1, 0, 0, 1]), t([1, 0, 0, 1])], [1])).toThrow(/2 weights/);
  });

  it('style scale resizes the image and leaves only its result', () => {
    const image = tf.tensor4d(Float32Array.from({ length: 8 * 6 * 3 }, (_, i) => i % 7), [1, 8, 6, 3]);
    const before = tf.memory().numTensors;
    const half = scaleImage(image, 0.5);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(half.shape).toEqual([1, 4, 3, 3]);
    expect(() => scaleImage(image, 0)).toThrow(/positive/);
    tf.dispose([image, half]);
  });
});
