import { beforeAll, describe, expect, it, vi } from 'vitest';
import { tf } from '../../../src/core/tf';
import { SMOOTH_GRAD_DEFAULTS, smoothGrad, smoothGradNoise } from '../../../src/core/attribution/smooth-grad';
import { saliency, saliencyMethod } from '../../../src/core/attribution/saliency';
import { gradCamMethod } from '../../../src/core/attribution/grad-cam';
import { guidedBackpropMethod } from '../../../src/core/attribution/guided-backprop';
import type { AttributionMethod, Target } from '../../../src/core/attribution/types';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';
import { linearNet, randomImage, twoConvNet } from './toys';

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

  it('draws the same map for the same seed and another for another seed', async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    const input = { net, image, target: TARGET };
    const method = smoothGrad(saliencyMethod, { samples: 4, noise: 0.2, seed: 9 });
    const [a, b] = [await method.attribute(input), await method.attribute(input)];
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const other = await method.attribute({ ...input, options: { seed: 10 } });
    expect(Array.from(other.data)).not.toEqual(Array.from(a.data));
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

/**
 * What SmoothGrad feeds the wrapped method, seen through a method whose map is its input image: the noisy
 * images of every sample, and SmoothGrad's result (their mean). The clean image is zero, so the inputs
 * are the noise itself; the net (three channels) only sets the input range.
 */
async function noisyInputs(
  options: { seed: number; samples: number; noise: number },
  inputRange: [number, number] = [0, 1],
  shape: [number, number, number, number] = [1, 32, 32, 3],
): Promise<{ seen: Float32Array[]; mean: Float32Array }> {
  const net = twoConvNet(3, inputRange);
  const image = tf.zeros(shape) as tf.Tensor4D;
  const seen: Float32Array[] = [];
  const recorder: AttributionMethod = {
    ...saliencyMethod,
    async attribute({ image: noisy }) {
      const data = Float32Array.from(await noisy.data());
      seen.push(data);
      return { width: data.length, height: 1, data, signed: true };
    },
  };
  const { data: mean } = await smoothGrad(recorder, options).attribute({ net, image, target: TARGET });
  image.dispose();
  net.dispose();
  return { seen, mean };
}

describe('SmoothGrad noise streams', () => {
  const drawnNoise = async (seed: number, samples: number) => (await noisyInputs({ seed, samples, noise: 0.2 })).seen;

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

describe.each(NODE_BACKENDS)('SmoothGrad against properties of its definition, on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  const meanOf = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;
  const rms = (xs: ArrayLike<number>) => Math.sqrt(meanOf(Array.from(xs, (v) => v * v)));

  it('adds zero-mean noise whose spread is σ times the network’s input range', async () => {
    // 3,072 draws a sample: the sample deviation is within ±1.3% of the true one (one standard error), so
    // 5% is a four-sigma bound; the mean is within ±sd/√3072 ≈ 0.018 sd, so 0.08 sd is as far out.
    for (const [range, noise] of [[[0, 1], 0.15], [[-1, 1], 0.15], [[0, 255], 0.1]] as [[number, number], number][]) {
      const sd = noise * (range[1] - range[0]);
      const { seen } = await noisyInputs({ seed: 4, samples: 2, noise }, range);
      for (const drawn of seen) {
        expect(Math.abs(meanOf(drawn)), `mean, range ${range}`).toBeLessThan(0.08 * sd);
        expect(rms(drawn) / sd, `spread, range ${range}`).toBeGreaterThan(0.95);
        expect(rms(drawn) / sd, `spread, range ${range}`).toBeLessThan(1.05);
      }
    }
  });

  it('averages its samples: the mean of n independent draws is off by σ·range/√n, not by σ·range', async () => {
    // The result is the mean of the maps, here of the noisy inputs; with independent samples its RMS
    // distance from the clean (zero) image is sd/√n, known to ±1.3% from 3,072 entries.
    const { seen, mean } = await noisyInputs({ seed: 5, samples: 16, noise: 0.2 }, [-1, 1]);
    expect(seen).toHaveLength(16);
    mean.forEach((v, i) => expect(v).toBeCloseTo(meanOf(seen.map((s) => s[i]!)), 5));
    expect(rms(mean) / (0.4 / Math.sqrt(16))).toBeGreaterThan(0.93);
    expect(rms(mean) / (0.4 / Math.sqrt(16))).toBeLessThan(1.07);
  });

  it("adds each sample's own noise, σ times the input range, the same for the same seed and sample", async () => {
    const net = twoConvNet();
    const image = randomImage(net);
    const [lo, hi] = net.inputRange;
    const shape = [1, 64, 64, 3];
    const settings = { noise: 0.2, seed: 5 };
    const draw = (s: typeof settings, i: number) => expectNoLeak(() => tf.tidy(() => Array.from(smoothGradNoise(shape, net.inputRange, s, i).dataSync())));
    const [a, again, next, otherSeed] = [await draw(settings, 3), await draw(settings, 3), await draw(settings, 4), await draw({ ...settings, seed: 6 }, 3)];
    expect(again).toEqual(a);
    expect(next).not.toEqual(a);
    expect(otherSeed).not.toEqual(a);
    // 12,288 draws of N(0, σ²), σ = 0.2 (hi − lo): the sample mean within 4 standard errors of 0, the deviation within 3%.
    const sigma = 0.2 * (hi - lo);
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / (a.length - 1));
    expect(Math.abs(mean)).toBeLessThan((4 * sigma) / Math.sqrt(a.length));
    expect(sd / sigma).toBeGreaterThan(0.97);
    expect(sd / sigma).toBeLessThan(1.03);
    // What the wrapper adds for sample i is this noise: one sample of SmoothGrad is the map of image + noise 0.
    const one = await smoothGrad(saliencyMethod, { samples: 1, ...settings }).attribute({ net, image, target: TARGET });
    const noisy = tf.tidy(() => tf.add(image, smoothGradNoise(image.shape, net.inputRange, settings, 0))) as typeof image;
    const direct = await saliency({ net, image: noisy, target: TARGET });
    expect(Array.from(one.data)).toEqual(Array.from(direct.data));
    noisy.dispose();
    image.dispose();
    net.dispose();
  });

  it('is the plain gradient on a linear network, where every noisy gradient is the same', async () => {
    const net = linearNet();
    const image = randomImage(net);
    const input = { net, image, target: TARGET, options: { signed: true } };
    const [plain, smooth] = [await saliency(input), await smoothGrad(saliencyMethod, { samples: 8, noise: 0.5 }).attribute(input)];
    smooth.data.forEach((v, i) => expect(v).toBeCloseTo(plain.data[i]!, 5));
    smooth.channels!.data.forEach((v, i) => expect(v).toBeCloseTo(plain.channels!.data[i]!, 5));
    // The gradient of logit 1 is column 1 of the kernel, summed over the three channels of each pixel.
    [-0.45, 2.9, -2.1, -0.5].forEach((v, i) => expect(smooth.data[i]).toBeCloseTo(v, 5));
    image.dispose();
    net.dispose();
  });
});

describe('SmoothGrad on a slow machine', () => {
  it('gives the event loop a turn between samples once 40 ms of work have passed', async () => {
    await useBackend('cpu');
    const net = twoConvNet();
    const image = randomImage(net);
    // A clock that moves only when a sample is computed, 25 ms a sample: 10 samples yield after the 2nd, 4th, 6th and 8th.
    let now = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => now);
    const slow: AttributionMethod = { ...saliencyMethod, attribute: (input) => ((now += 25), saliencyMethod.attribute(input)) };
    let turns = 0;
    let timer: ReturnType<typeof setTimeout>;
    const tick = () => {
      turns++;
      timer = setTimeout(tick, 0);
    };
    timer = setTimeout(tick, 0);
    try {
      await smoothGrad(slow, { samples: 10, noise: 0.1 }).attribute({ net, image, target: TARGET });
    } finally {
      clearTimeout(timer);
      vi.restoreAllMocks();
      image.dispose();
      net.dispose();
    }
    expect(turns).toBe(4);
  });
});
