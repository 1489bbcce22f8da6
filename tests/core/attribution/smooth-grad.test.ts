import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/core/tf';
import { streamSeed } from '../../../src/core/random';
import { SMOOTH_GRAD_DEFAULTS, smoothGrad } from '../../../src/core/attribution/smooth-grad';
import { saliency, saliencyMethod } from '../../../src/core/attribution/saliency';
import { gradCamMethod } from '../../../src/core/attribution/grad-cam';
import { guidedBackpropMethod } from '../../../src/core/attribution/guided-backprop';
import type { AttributionMethod, Target } from '../../../src/core/attribution/types';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';
import { randomImage, twoConvNet } from './toys';

const TARGET: Target = { kind: 'class', index: 1 };

describe.each(NODE_BACKENDS)('SmoothGrad on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('with σ = 0 it is the wrapped method, for gradients and for Grad-CAM alike', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    for (const method of [saliencyMethod, guidedBackpropMethod, gradCamMethod]) {
      const input = { net, image, target: TARGET };
      const [plain, smooth] = [await method.attribute(input), await smoothGrad(method, { samples: 3, noise: 0 }).attribute(input)];
      expect(Array.from(smooth.data)).toEqual(Array.from(plain.data));
      expect(smooth.channels?.data && Array.from(smooth.channels.data)).toEqual(plain.channels?.data && Array.from(plain.channels.data));
      expect(smooth.extras).toEqual(plain.extras);
      expect([smooth.width, smooth.height, smooth.signed]).toEqual([plain.width, plain.height, plain.signed]);
    }
    image.dispose();
    net.dispose();
  });

  it('is the mean of the wrapped method over the noisy copies, the same for the same seed', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    const input = { net, image, target: TARGET };
    const method = smoothGrad(saliencyMethod, { samples: 4, noise: 0.2, seed: 9 });
    const [a, b] = [await method.attribute(input), await method.attribute(input)];
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const other = await method.attribute({ ...input, options: { seed: 10 } });
    expect(Array.from(other.data)).not.toEqual(Array.from(a.data));
    // The same noise, drawn by hand: σ = 0.2 of the range [0, 1].
    const sum = new Float64Array(a.data.length);
    for (let i = 0; i < 4; i++) {
      const noisy = tf.tidy(() => tf.add(image, tf.randomNormal(image.shape, 0, 0.2, 'float32', streamSeed(9, i)))) as typeof image;
      (await saliency({ net, image: noisy, target: TARGET })).data.forEach((v, j) => (sum[j] += v));
      noisy.dispose();
    }
    a.data.forEach((v, j) => expect(v).toBeCloseTo(sum[j]! / 4, 6));
    image.dispose();
    net.dispose();
  });

  it('names itself after the method, keeps its needs, and defaults to the paper’s n = 50, σ = 15 %', () => {
    const wrapped: AttributionMethod = smoothGrad(guidedBackpropMethod);
    expect(wrapped.id).toBe('smooth-grad-guided-backprop');
    expect(wrapped.requires).toEqual(['reluRules']);
    expect(wrapped.paper.url).toContain('1706.03825');
    expect(SMOOTH_GRAD_DEFAULTS).toEqual({ samples: 50, noise: 0.15, seed: 0 });
  });

  it('stops when aborted, refuses zero samples, and leaks no tensors', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    await expectNoLeak(() => smoothGrad(gradCamMethod, { samples: 2 }).attribute({ net, image, target: TARGET }));
    await expectNoLeak(() => smoothGrad(saliencyMethod, { samples: 2 }).attribute({ net, image, target: TARGET }));
    const controller = new AbortController();
    controller.abort(new Error('inputs changed'));
    const aborted = smoothGrad(saliencyMethod).attribute({ net, image, target: TARGET, signal: controller.signal });
    await expect(expectNoLeak(() => aborted)).rejects.toThrow(/inputs changed/);
    await expect(smoothGrad(saliencyMethod, { samples: 0 }).attribute({ net, image, target: TARGET })).rejects.toThrow(RangeError);
    image.dispose();
    net.dispose();
  });
});

describe('SmoothGrad noise streams', () => {
  /** The noise of every sample, as the wrapped method sees it: its input minus the clean image. */
  async function drawnNoise(seed: number, samples: number): Promise<Float32Array[]> {
    const net = twoConvNet();
    const image = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
    const seen: Float32Array[] = [];
    const recorder: AttributionMethod = {
      ...saliencyMethod,
      async attribute({ image: noisy }) {
        const data = (await noisy.data()) as Float32Array;
        seen.push(data.slice());
        return { width: 1, height: 1, data: new Float32Array(1), signed: false };
      },
    };
    await smoothGrad(recorder, { samples, noise: 0.2, seed }).attribute({ net, image, target: TARGET });
    image.dispose();
    net.dispose();
    return seen;
  }

  const correlation = (a: Float32Array, b: Float32Array) => {
    let [ab, aa, bb] = [0, 0, 0];
    for (let i = 0; i < a.length; i++) [ab, aa, bb] = [ab + a[i]! * b[i]!, aa + a[i]! * a[i]!, bb + b[i]! * b[i]!];
    return ab / Math.sqrt(aa * bb);
  };

  it('gives neighbouring seeds independent noise: no sample of seed 0 reappears under seed 1', async () => {
    await useBackend('cpu');
    const [zero, one] = [await drawnNoise(0, 50), await drawnNoise(1, 50)];
    // 3,072 values a sample: independent draws correlate by about ±0.02, so 0.1 is far out in the tail.
    let largest = 0;
    for (const a of zero) for (const b of one) largest = Math.max(largest, Math.abs(correlation(a, b)));
    expect(largest).toBeLessThan(0.1);
    for (let i = 0; i < zero.length; i++) {
      for (let j = i + 1; j < zero.length; j++) expect(Math.abs(correlation(zero[i]!, zero[j]!))).toBeLessThan(0.1);
    }
  });
});
