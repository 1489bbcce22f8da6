import { beforeAll, describe, expect, it } from 'vitest';
import { createToyNet } from '../../../src/core/attribution/toy-net';
import { deadFilters } from '../../../src/core/features/dead-filters';
import { pixelImageSet } from '../../../src/core/features/image-set';
import { tf } from '../../../src/core/tf';
import { NODE_BACKENDS, expectNoLeak, seededRandom, useBackend } from '../backends';

const SIZE = 6;
/**
 * conv 3×3 over RGB, 4 filters: 0 and 1 random, 2 all-zero weights with bias −0.1 (its output is −0.1
 * everywhere), 3 non-positive weights with a negative bias (never positive on images in [0, 1]); then ReLU.
 */
function netWithDeadChannels() {
  const rand = seededRandom(3);
  const kernel = Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => {
    const filter = i % 4;
    return filter === 2 ? 0 : filter === 3 ? -rand() : rand() - 0.3;
  });
  return createToyNet({
    inputShape: [SIZE, SIZE, 3],
    layers: [
      { kind: 'conv', name: 'conv', filters: 4, size: 3, kernel, bias: [0.1, 0, -0.1, -0.05] },
      { kind: 'relu', name: 'relu' },
      { kind: 'gap', name: 'gap' },
      { kind: 'dense', name: 'logits', units: 2 },
    ],
  });
}

function randomSet(count: number) {
  const rand = seededRandom(5);
  const pixels = Uint8Array.from({ length: count * SIZE * SIZE * 3 }, () => Math.floor(rand() * 256));
  return pixelImageSet({ pixels, count, height: SIZE, width: SIZE, channels: 3 }, { height: SIZE, width: SIZE, channels: 3, range: [0, 1] });
}

describe.each(NODE_BACKENDS)('dead filters on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('lists the channels zeroed by construction, with the maxima a full forward pass gives', async () => {
    const net = netWithDeadChannels();
    const set = randomSet(37);
    const progress: number[] = [];
    const report = await expectNoLeak(() => deadFilters(net, set, { batchSize: 8, onProgress: (done) => progress.push(done) }));
    expect(progress).toEqual([8, 16, 24, 32, 37]);
    expect(report.map((r) => [r.layer, r.dead])).toEqual([
      ['conv', [2, 3]],
      ['relu', [2, 3]],
    ]);
    expect(report[0]!.max[2]).toBeCloseTo(-0.1, 6);
    // Brute force: every image at once, the largest value per channel.
    const all = await set.batch(0, 37);
    const brute = tf.tidy(() => tf.max(net.forward(all, { capture: ['conv'] }).activations['conv']!, [0, 1, 2]));
    Array.from(brute.dataSync()).forEach((m, k) => expect(report[0]!.max[k]).toBeCloseTo(m, 5));
    tf.dispose([all, brute]);
    net.dispose();
  });

  it('stops when cancelled, holding no tensors', async () => {
    const net = netWithDeadChannels();
    const controller = new AbortController();
    const run = expectNoLeak(() =>
      deadFilters(net, randomSet(40), { batchSize: 8, signal: controller.signal, onProgress: (done) => done === 16 && controller.abort() }),
    );
    await expect(run).rejects.toThrow();
    net.dispose();
  });
});
