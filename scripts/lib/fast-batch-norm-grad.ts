/**
 * A cheaper gradient for `FusedBatchNorm` when training on the WASM backend.
 *
 * tfjs-core's gradient tiles 1/√(σ² + ε) to the full [N, H, W, C] shape of the
 * input before multiplying, and the wasm backend's `Tile` is a generic
 * index-computing loop: on scenes-cnn with batch normalisation, one training
 * step of 64 images spent about 0.8 s of 3 s in `Tile`. Multiplication
 * broadcasts a [C] vector over the channels by itself, so this gradient is the
 * same expression without the tile (the other terms are tfjs-core's as they
 * are); tests/core/training-kernels.test.ts checks the two agree.
 * Used by scripts/train.ts only.
 */
import { add, FusedBatchNorm, mul, neg, pow, registerGradient, reshape, rsqrt, scalar, sub, sum } from '@tensorflow/tfjs-core';
import type { NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

/** Replaces tfjs-core's `FusedBatchNorm` gradient with the tile-free one, for every backend. */
export function useFastBatchNormGrad(): void {
  registerGradient({
    kernelName: FusedBatchNorm,
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const g = dy as Tensor;
      const [x, mean, variance, scale] = saved as [Tensor, Tensor, Tensor, Tensor | undefined];
      // Statistics per channel (rank 1) were reduced over every axis but the last.
      const axes = mean.rank === 1 ? x.shape.slice(0, -1).map((_, i) => i) : [];
      const reduce = (t: Tensor) => reshape(axes.length > 0 ? sum(t, axes) : t, mean.shape);
      const s = scale ?? scalar(1);
      const inv = rsqrt(add(variance, attrs['varianceEpsilon'] as number));
      const xMinusMean = sub(x, mean);
      const gScaled = mul(g, s);
      return {
        x: () => mul(g, mul(inv, s)),
        mean: () => reduce(mul(neg(inv), gScaled)),
        variance: () => reduce(mul(mul(mul(pow(inv, 3), -0.5), xMinusMean), gScaled)),
        scale: () => reduce(mul(g, mul(xMinusMean, inv))),
        offset: () => reduce(g),
      };
    },
  });
}
