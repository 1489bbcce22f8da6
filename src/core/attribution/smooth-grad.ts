/**
 * SmoothGrad: Smilkov, Thorat, Kim, Viégas & Wattenberg 2017, "SmoothGrad:
 * removing noise by adding noise", https://arxiv.org/abs/1706.03825.
 *
 *   M̂_c(x) = (1/n) Σ_{i=1..n} M_c(x + N(0, σ²))           (§3, eq. 3)
 *
 * A wrapper, as captum's NoiseTunnel: it turns any method into its SmoothGrad
 * version by averaging the method's maps (and its colour channels and numeric
 * extras) over noisy copies of the image. The noise level is σ as a fraction
 * of the network's input range: the paper divides by x_max − x_min of the
 * image (§3.1); the net's range makes one level mean the same noise on every
 * image. The noise is drawn from `seed`, so a figure redraws the same map;
 * each sample has its own stream of that seed, independent of other seeds'.
 */
import { streamSeed } from '../random';
import { taskBudget } from '../tasks';
import { tf } from '../tf';
import type { AttributionInput, AttributionMap, AttributionMethod } from './types';

/** n = 50 and σ at 10–20 % of the range are the paper's recommendations (§3.1, figs. 3–4). */
export const SMOOTH_GRAD_DEFAULTS = { samples: 50, noise: 0.15, seed: 0 } as const;

/**
 * Sample `index`'s noise, N(0, σ²) with σ = `noise` times the width of the
 * network's input range, drawn from sample `index`'s stream of `seed`: what
 * SmoothGrad adds to the image for that sample.
 */
export function smoothGradNoise(
  shape: number[],
  inputRange: readonly [number, number],
  { noise, seed }: { noise: number; seed: number },
  index: number,
): tf.Tensor {
  const [lo, hi] = inputRange;
  return tf.randomNormal(shape, 0, noise * (hi - lo), 'float32', streamSeed(seed, index));
}

/** Averages numbers and equal-length number arrays; other values keep their first occurrence. */
function average(maps: AttributionMap[]): AttributionMap {
  const mean = (xs: ArrayLike<number>[]) => {
    const sum = new Float64Array(xs[0]!.length);
    for (const x of xs) for (let i = 0; i < sum.length; i++) sum[i] += x[i]!;
    return Float32Array.from(sum, (v) => v / xs.length);
  };
  const [first] = maps as [AttributionMap];
  const extras = Object.fromEntries(
    Object.entries(first.extras ?? {}).map(([key, value]) => {
      const all = maps.map((m) => m.extras![key]!);
      return [key, typeof value === 'number' ? mean(all.map((v) => [v as number]))[0]! : mean(all as Float32Array[])];
    }),
  );
  return {
    ...first,
    data: mean(maps.map((m) => m.data)),
    ...(first.channels && { channels: { count: first.channels.count, data: mean(maps.map((m) => m.channels!.data)) } }),
    ...(first.extras && { extras }),
  };
}

/** The SmoothGrad version of `method`; `input.options` (samples, noise, seed) override `config`. */
export function smoothGrad(
  method: AttributionMethod,
  config: { samples?: number; noise?: number; seed?: number } = {},
): AttributionMethod {
  return {
    id: `smooth-grad-${method.id}`,
    title: `SmoothGrad (${method.title})`,
    paper: {
      authors: 'Smilkov, Thorat, Kim, Viégas & Wattenberg',
      year: 2017,
      title: 'SmoothGrad: removing noise by adding noise',
      url: 'https://arxiv.org/abs/1706.03825',
    },
    needsLayer: method.needsLayer,
    ...(method.requires && { requires: method.requires }),
    async attribute(input: AttributionInput): Promise<AttributionMap> {
      const pick = (key: keyof typeof SMOOTH_GRAD_DEFAULTS) =>
        input.options?.[key] ?? config[key] ?? SMOOTH_GRAD_DEFAULTS[key];
      const [samples, noise, seed] = [pick('samples'), pick('noise'), pick('seed')];
      if (!(samples >= 1)) throw new RangeError(`SmoothGrad needs at least one sample, not ${samples}`);
      const maps: AttributionMap[] = [];
      // 50 maps of a few ms each would otherwise be one task that blocks the page (178 ms on scenes-cnn).
      const giveTurn = taskBudget();
      for (let i = 0; i < samples; i++) {
        if (i > 0) await giveTurn();
        input.signal?.throwIfAborted();
        const image = tf.tidy(() =>
          tf.add(input.image, smoothGradNoise(input.image.shape, input.net.inputRange, { noise, seed }, i)),
        );
        try {
          maps.push(await method.attribute({ ...input, image: image as typeof input.image }));
        } finally {
          image.dispose();
        }
      }
      return average(maps);
    },
  };
}
