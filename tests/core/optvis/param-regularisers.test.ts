import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor4D } from '../../../src/core/tf';
import { colourMatrix, fourierImage, pixelImage, seededNormal } from '../../../src/core/optvis/param';
import {
  type Regulariser,
  YOSINSKI_PRESETS,
  blurEvery,
  clipSmallContribution,
  clipSmallNorm,
  clipToRange,
  l2Decay,
  yosinskiRegularisers,
} from '../../../src/core/optvis/regularisers';
import { NODE_BACKENDS, expectNoLeak, useBackend } from '../backends';

const maxAbsDiff = (a: tf.Tensor, b: tf.Tensor) => {
  const t = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const v = t.dataSync()[0]!;
  t.dispose();
  return v;
};

const apply = (r: Regulariser, image: Tensor4D, extra: Partial<Parameters<Regulariser>[0]> = {}) =>
  tf.tidy(() => r({ image, step: 1, range: [0, 1], gradient: () => tf.zerosLike(image), ...extra }) ?? undefined) as Tensor4D | undefined;

describe.each(NODE_BACKENDS)('parameterisations and regularisers on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('seeded normal numbers: repeatable, mean 0 and the given spread', () => {
    const a = seededNormal(20000, 7, 2);
    expect(Array.from(seededNormal(5, 7, 2))).toEqual(Array.from(a.subarray(0, 5)));
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(sd).toBeCloseTo(2, 1);
  });

  it('pixels start at mid-grey and give back what they are assigned', async () => {
    const param = pixelImage([4, 5, 3], { range: [-1, 3] });
    const start = tf.tidy(() => param.image());
    expect(start.shape).toEqual([1, 4, 5, 3]);
    start.dataSync().forEach((v) => expect(v).toBe(1));
    const target = tf.randomUniform([1, 4, 5, 3], -1, 3) as Tensor4D;
    await expectNoLeak(() => param.assign(target));
    const back = tf.tidy(() => param.image());
    expect(maxAbsDiff(back, target)).toBeLessThan(1e-6);
    tf.dispose([start, target, back]);
    param.dispose();
  });

  it('the Fourier image: shape, inside the range, and a round trip through assign', async () => {
    for (const [shape, range] of [
      [[8, 8, 3], [0, 1]],
      [[6, 10, 1], [-1, 1]],
      [[64, 64, 3], [0, 1]],
    ] as const) {
      const param = fourierImage(shape, { range, seed: 3 });
      const start = tf.tidy(() => param.image());
      expect(start.shape).toEqual([1, ...shape]);
      const values = start.dataSync();
      values.forEach((v) => expect(v > range[0] && v < range[1]).toBe(true));
      // A smooth random image strictly inside the range, reproduced by the spectrum assign computes.
      const [lo, hi] = range;
      const target = tf.tidy(() => tf.add(tf.mul(tf.randomUniform([1, ...shape], 0.05, 0.95, 'float32', 5), hi - lo), lo)) as Tensor4D;
      await expectNoLeak(() => param.assign(target));
      const back = tf.tidy(() => param.image());
      expect(maxAbsDiff(back, target)).toBeLessThan(2e-3);
      tf.dispose([start, target, back]);
      param.dispose();
    }
  });

  it('the colour matrix is the normalised square root: its largest column has norm 1', () => {
    const m = colourMatrix();
    const norms = [0, 1, 2].map((j) => Math.hypot(m[0]![j]!, m[1]![j]!, m[2]![j]!));
    expect(Math.max(...norms)).toBeCloseTo(1, 10);
  });

  it('a Fourier image disposes every tensor it made', async () => {
    await expectNoLeak(() => {
      const param = fourierImage([8, 12, 3], { range: [0, 1] });
      const { value, grads } = tf.variableGrads(() => tf.sum(param.image()) as tf.Scalar, [...param.variables]);
      expect(Object.keys(grads)).toHaveLength(2);
      tf.dispose([value, ...Object.values(grads)]);
      param.dispose();
    });
  });

  it('L2 decay and clipping into the range, by hand', () => {
    const image = tf.tensor4d([0.9, 0.1, 1.5, -0.2], [1, 2, 2, 1]);
    // (1 − θ)(x − ½) + ½ with θ = 0.5.
    expect(Array.from(apply(l2Decay(0.5), image)!.dataSync()).map((v) => Number(v.toFixed(6)))).toEqual([0.7, 0.3, 1, 0.15]);
    expect(Array.from(apply(clipToRange(), image)!.dataSync()).map((v) => Number(v.toFixed(6)))).toEqual([0.9, 0.1, 1, 0]);
    expect(apply(l2Decay(0), image)).toBeUndefined();
    image.dispose();
  });

  it('blur acts only every N-th step', () => {
    const image = tf.tensor4d(Float32Array.from({ length: 25 }, (_, k) => (k === 12 ? 1 : 0)), [1, 5, 5, 1]);
    expect(apply(blurEvery(4, 1), image, { step: 3 })).toBeUndefined();
    const blurred = apply(blurEvery(4, 1), image, { step: 8 })!;
    expect(blurred.dataSync()[12]).toBeLessThan(0.5);
    expect(blurred.dataSync()[13]).toBeGreaterThan(0);
    tf.dispose([image, blurred]);
  });

  it('clipping pixels of small norm: the given share of pixels, the smallest, goes to the centre', () => {
    // Pixel norms from the centre ½: 0.5, 0.1, 0.3, 0.2 (colour pixels: the norm is over the channels).
    const image = tf.tensor4d([1, 0.5, 0.5, 0.6, 0.5, 0.5, 0.5, 0.2, 0.5, 0.5, 0.5, 0.7], [1, 2, 2, 3]);
    const out = Array.from(apply(clipSmallNorm(50), image)!.dataSync()).map((v) => Number(v.toFixed(6)));
    expect(out).toEqual([1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.2, 0.5, 0.5, 0.5, 0.5]);
    const three = Array.from(apply(clipSmallNorm(75), image)!.dataSync()).map((v) => Number(v.toFixed(6)));
    expect(three).toEqual([1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    image.dispose();
  });

  it('clipping pixels of small contribution: |Σ_c (x − ½)·∂f/∂x| ranks the pixels', () => {
    const image = tf.tensor4d([1, 0, 0.6, 0.1], [1, 2, 2, 1]);
    // Contributions: 0.5·1 = 0.5, |−0.5·0.1| = 0.05, 0.1·(−4) → 0.4, |−0.4·0.5| = 0.2.
    const gradient = tf.tensor4d([1, 0.1, -4, 0.5], [1, 2, 2, 1]);
    const out = Array.from(apply(clipSmallContribution(50), image, { gradient: () => tf.clone(gradient) })!.dataSync()).map((v) => Number(v.toFixed(6)));
    expect(out).toEqual([1, 0.5, 0.6, 0.5]);
    tf.dispose([image, gradient]);
  });

  it('the published presets give the four regularisers, which leak nothing', async () => {
    expect(YOSINSKI_PRESETS).toHaveLength(4);
    const image = tf.randomUniform([1, 6, 6, 3]) as Tensor4D;
    for (const preset of YOSINSKI_PRESETS) {
      const list = yosinskiRegularisers(preset);
      expect(list).toHaveLength(4);
      await expectNoLeak(() => {
        for (const r of list) apply(r, image, { step: 4 })?.dispose();
      });
    }
    image.dispose();
  });
});
