import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachBatch, meanPixel, pixelImageSet, type ImageSet } from '../../../src/core/features/image-set';
import { tf } from '../../../src/core/tf';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';

/** Five 2×2 grey images; image i holds the values 10i … 10i + 3. */
const images = {
  pixels: Uint8Array.from({ length: 20 }, (_, k) => 10 * Math.floor(k / 4) + (k % 4)),
  count: 5,
  height: 2,
  width: 2,
  channels: 1 as const,
  labels: [0, 1, 0, 1, 0],
};

describe.each(NODE_BACKENDS)('image set on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterAll(() => tf.setBackend('cpu'));

  it('maps bytes to the network range, image by image', async () => {
    const set = pixelImageSet(images, { height: 2, width: 2, channels: 1, range: [-1, 1] });
    const batch = set.batch(1, 3) as tf.Tensor4D;
    expect(batch.shape).toEqual([2, 2, 2, 1]);
    const values = Array.from(await batch.data());
    batch.dispose();
    const expected = [10, 11, 12, 13, 20, 21, 22, 23].map((v) => (v / 255) * 2 - 1);
    values.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    expect(set.labels).toEqual(images.labels);
  });

  it('repeats grey to RGB and resizes to the network input', async () => {
    const set = pixelImageSet(images, { height: 4, width: 4, channels: 3, range: [0, 1] });
    const batch = set.batch(0, 1) as tf.Tensor4D;
    expect(batch.shape).toEqual([1, 4, 4, 3]);
    const v = await batch.data();
    batch.dispose();
    // The top-left output pixel's centre falls outside the first input pixel's, so it keeps that pixel's value.
    expect([v[0], v[1], v[2]]).toEqual([0, 0, 0]);
    expect(v[v.length - 1]).toBeCloseTo(3 / 255, 6);
  });

  it('converts colour to grey with the luma weights', async () => {
    const rgb = { pixels: Uint8Array.from([255, 0, 0, 0, 255, 0]), count: 2, height: 1, width: 1, channels: 3 as const };
    const batch = pixelImageSet(rgb, { height: 1, width: 1, channels: 1, range: [0, 1] }).batch(0, 2) as tf.Tensor4D;
    const v = Array.from(await batch.data());
    batch.dispose();
    expect(v[0]).toBeCloseTo(0.299, 5);
    expect(v[1]).toBeCloseTo(0.587, 5);
  });

  it('averages the pixels per channel, in the network range', () => {
    // The grey images hold 0…3, 10…13, …, 40…43: mean 21.5.
    expect(meanPixel(images, { height: 2, width: 2, channels: 3, range: [0, 255] })).toEqual([21.5, 21.5, 21.5]);
    const rgb = { pixels: Uint8Array.from([255, 0, 0, 255, 0, 255]), count: 1, height: 1, width: 2, channels: 3 as const };
    expect(meanPixel(rgb, { height: 1, width: 2, channels: 3, range: [-1, 1] })).toEqual([1, -1, 0]);
    expect(meanPixel(rgb, { height: 1, width: 2, channels: 1, range: [0, 1] })[0]).toBeCloseTo(0.299 + 0.114 / 2, 6);
  });

  it('refuses ranges outside the set and too few bytes', () => {
    const set = pixelImageSet(images, { height: 2, width: 2, channels: 1, range: [0, 1] });
    expect(() => set.batch(4, 6)).toThrow(/outside the set of 5/);
    expect(() => pixelImageSet({ ...images, count: 6 }, { height: 2, width: 2, channels: 1, range: [0, 1] })).toThrow(/need 24 bytes/);
  });

  it('walks every image once, in batches, reporting progress, without leaks', async () => {
    const set = pixelImageSet(images, { height: 2, width: 2, channels: 1, range: [0, 255] });
    const firsts: number[] = [];
    const progress: [number, number][] = [];
    await expectNoLeak(() =>
      forEachBatch(
        set,
        async (batch, start, end) => {
          expect(batch.shape[0]).toBe(end - start);
          firsts.push((await batch.data())[0]!);
        },
        { batchSize: 2, onProgress: (done, total) => progress.push([done, total]) },
      ),
    );
    expect(firsts).toEqual([0, 20, 40]);
    expect(progress).toEqual([[2, 5], [4, 5], [5, 5]]);
  });

  it('yields between batches and stops when aborted, disposing the batch in hand', async () => {
    const set = pixelImageSet(images, { height: 2, width: 2, channels: 1, range: [0, 1] });
    const controller = new AbortController();
    let seen = 0;
    let timerRan = false;
    setTimeout(() => (timerRan = true), 0);
    const before = tf.memory().numTensors;
    const run = forEachBatch(
      set,
      () => {
        seen++;
        if (seen === 2) {
          expect(timerRan).toBe(true);
          controller.abort(new Error('cancelled'));
        }
      },
      { batchSize: 1, signal: controller.signal },
    );
    await expect(run).rejects.toThrow('cancelled');
    expect(seen).toBe(2);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('disposes the batch when the callback throws, and accepts sets that load asynchronously', async () => {
    const inner = pixelImageSet(images, { height: 2, width: 2, channels: 1, range: [0, 1] });
    const slow: ImageSet = { size: inner.size, batch: async (s, e) => inner.batch(s, e) };
    await expectNoLeak(() => expect(forEachBatch(slow, () => Promise.reject(new Error('bad batch')))).rejects.toThrow('bad batch'));
    await expect(forEachBatch(inner, () => {}, { batchSize: 0 })).rejects.toThrow(/positive integer/);
  });
});
