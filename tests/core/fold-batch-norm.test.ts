/**
 * Folding batch normalisation into the convolutions (src/core/models/architectures.ts):
 * the folded plain network computes what the batch-normalised one computes at inference.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../src/core/tf';
import { buildScenesCnn, foldBatchNorm } from '../../src/core/models/architectures';

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** Gives every BatchNormalization layer non-trivial statistics and affine parameters, seeded. */
function randomiseBatchNorm(model: ReturnType<typeof buildScenesCnn>, seed: number): void {
  model.layers.filter((l) => l.getClassName() === 'BatchNormalization').forEach((layer, i) => {
    const n = layer.getWeights()[0]!.shape[0]!;
    const s = seed + 10 * i;
    const weights = [
      tf.randomUniform([n], 0.5, 2, 'float32', s),
      tf.randomNormal([n], 0, 0.5, 'float32', s + 1),
      tf.randomNormal([n], 0, 0.3, 'float32', s + 2),
      tf.randomUniform([n], 0.2, 3, 'float32', s + 3),
    ];
    layer.setWeights(weights);
    tf.dispose(weights);
  });
}

describe('foldBatchNorm', () => {
  it('gives the plain network the batch-normalised network\'s inference outputs', () => {
    const trained = buildScenesCnn(7, 11, { batchNorm: true });
    randomiseBatchNorm(trained, 5);
    const plain = buildScenesCnn(7, 99);
    const before = tf.memory().numTensors;
    foldBatchNorm(trained, plain);
    expect(tf.memory().numTensors).toBe(before);

    expect(trained.layers.map((l) => l.getClassName())).toContain('BatchNormalization');
    expect(plain.layers.map((l) => l.getClassName())).not.toContain('BatchNormalization');
    const x = tf.randomUniform([3, 64, 64, 3], 0, 1, 'float32', 3);
    const [a, b] = tf.tidy(() => [trained.predict(x) as tf.Tensor, plain.predict(x) as tf.Tensor]);
    const [va, vb] = [a.dataSync(), b.dataSync()];
    const scale = Math.max(...Array.from(va, Math.abs));
    expect(scale).toBeGreaterThan(0.1);
    va.forEach((v, i) => expect(Math.abs(v - vb[i]!)).toBeLessThan(1e-4 * scale + 1e-5));
    // A non-trivial fold: the plain network's first kernel is not the trained one's.
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(trained.getLayer('conv1_1').getWeights()[0]!, plain.getLayer('conv1_1').getWeights()[0]!))).dataSync()[0]!);
    expect(diff).toBeGreaterThan(1e-3);
    tf.dispose([x, a, b]);
    trained.dispose();
    plain.dispose();
  });
});
