/**
 * The image transformation network of fast style transfer (Johnson, Alahi & Fei-Fei 2016, "Perceptual
 * Losses for Real-Time Style Transfer and Super-Resolution", https://arxiv.org/abs/1603.08155, §3.1 and
 * supplementary table 1), made small enough to stylise a 256×256 frame on WASM in real time:
 *
 *   conv 3×3 (f) → down: conv 3×3 stride 2 (c), conv 3×3 stride 2 (c) → residual blocks ×3 (c)
 *   → up: nearest ×2 + conv 3×3 (c/2), nearest ×2 + conv 3×3 (f) → conv 3×3 (3) → sigmoid
 *
 * with a normalisation and a ReLU after every convolution but the last. Johnson et al. use 32-64-128
 * channels, 9×9 outer kernels and fractionally strided convolutions; here c = 24 and f = 8 by default, and upsampling is nearest
 * neighbour followed by a convolution, which avoids the checkerboard of strided transposed
 * convolutions (Odena, Dumoulin & Olah 2016, "Deconvolution and Checkerboard Artifacts", Distill).
 * The network is fully convolutional: trained on small crops, it runs at any size divisible by 4.
 *
 * Normalisation is batch norm (Johnson et al.), instance norm (Ulyanov et al. 2016) or conditional
 * instance norm (Dumoulin et al. 2017); the conditional network has a second input, the style
 * weights [N, S].
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { ConditionalInstanceNorm, InstanceNorm } from './instance-norm';

/** Which normalisation the transformer uses after its convolutions. */
export type NormKind = 'batch' | 'instance' | 'conditional';

/** Options of {@link buildTransformer}. */
export interface TransformerOptions {
  norm: NormKind;
  /** Styles of a conditional network (ignored otherwise). */
  styles?: number;
  /** Channels c of the downsampled stages (c/2 at half resolution on the way up). */
  channels?: number;
  /** Channels of the full-resolution stages, where each channel costs the most. */
  fullResChannels?: number;
  /** Residual blocks (Johnson et al.: 5). */
  residualBlocks?: number;
  seed?: number;
}

/** Defaults: 24 channels (8 at full resolution) and 3 residual blocks, sized so a 256×256 frame takes < 100 ms on WASM (see the model cards). */
export const TRANSFORMER_DEFAULTS = { channels: 24, fullResChannels: 8, residualBlocks: 3, seed: 1234 } as const;

/** Builds the transformer; a conditional one takes [image, style weights], the others take the image. */
export function buildTransformer(options: TransformerOptions): tfl.LayersModel {
  const { channels: c, fullResChannels: f, residualBlocks, seed } = { ...TRANSFORMER_DEFAULTS, ...options };
  const styles = options.styles ?? 1;
  const image = tfl.input({ shape: [null, null, 3], name: 'image' });
  const weights = options.norm === 'conditional' ? tfl.input({ shape: [styles], name: 'style_weights' }) : null;
  let k = 0;
  const norm = (x: tfl.SymbolicTensor, name: string) => {
    if (options.norm === 'batch') return tfl.layers.batchNormalization({ name, axis: -1, momentum: 0.9 }).apply(x) as tfl.SymbolicTensor;
    if (options.norm === 'instance') return new InstanceNorm({ name }).apply(x) as tfl.SymbolicTensor;
    return new ConditionalInstanceNorm({ name, styles }).apply([x, weights!]) as tfl.SymbolicTensor;
  };
  const conv = (x: tfl.SymbolicTensor, name: string, filters: number, strides = 1) =>
    tfl.layers.conv2d({
      name, filters, kernelSize: 3, strides, padding: 'same',
      kernelInitializer: tfl.initializers.heNormal({ seed: seed + k++ }),
    }).apply(x) as tfl.SymbolicTensor;
  const block = (x: tfl.SymbolicTensor, name: string, filters: number, strides = 1) =>
    tfl.layers.reLU({ name: `${name}_relu` }).apply(norm(conv(x, name, filters, strides), `${name}_norm`)) as tfl.SymbolicTensor;

  let x = block(image, 'conv1', f);
  x = block(x, 'down1', c, 2);
  x = block(x, 'down2', c, 2);
  for (let r = 1; r <= residualBlocks; r++) {
    const inner = norm(conv(block(x, `res${r}a`, c), `res${r}b`, c), `res${r}b_norm`);
    x = tfl.layers.add({ name: `res${r}` }).apply([x, inner]) as tfl.SymbolicTensor;
  }
  x = block(tfl.layers.upSampling2d({ name: 'up1_resize', size: [2, 2] }).apply(x) as tfl.SymbolicTensor, 'up1', c / 2);
  x = block(tfl.layers.upSampling2d({ name: 'up2_resize', size: [2, 2] }).apply(x) as tfl.SymbolicTensor, 'up2', f);
  const out = tfl.layers.conv2d({
    name: 'output', filters: 3, kernelSize: 3, padding: 'same', activation: 'sigmoid',
    kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + k++ }),
  }).apply(x) as tfl.SymbolicTensor;
  return tfl.model({ inputs: weights ? [image, weights] : image, outputs: out, name: `fast_style_${options.norm}` });
}
