/**
 * A 2-D convolution, its bias and the ReLU after it as one forward kernel, with
 * the ReLU's gradient under a backward rule (relu-rules.ts).
 *
 * Run as three ops, conv2d, add and relu each cost a kernel, a pass over the
 * feature map and the engine's bookkeeping of every tensor they save for the
 * gradient. TensorFlow.js's FusedConv2D kernel does all three in one pass (on
 * WASM, the book's SIMD convolution with the bias and the clamp to [0, ∞) in
 * its output stage: kernels/simd-conv.ts), but `tf.fused.conv2d` does not fuse while a gradient is
 * being recorded, and its gradient computes the filter's and the bias's as
 * well. Here the kernel runs directly, and the gradient reaches the input
 * only: the rule's mask is read from the rectified output (y > 0 exactly where
 * the pre-activation is), so the pre-activation is never kept, and dx is the
 * same Conv2DBackpropInput kernel that conv2d's own gradient runs. The weights
 * get no gradient: nothing differentiates a ConvNet with respect to them.
 */
import { FusedConv2D } from '@tensorflow/tfjs-core';
import { type ReluRule, ruleGradient } from './relu-rules';
import { tf, type Tensor, type Tensor4D } from './tf';

/** Stride and padding of a convolution that the fused path runs (channels last, no dilation). */
export interface ConvGeometry2D {
  strides: [number, number];
  padding: 'same' | 'valid';
}

/** relu(conv2d(x, kernel) + bias), the gradient to x crossing the ReLU under `rule`. */
export function convRelu(x: Tensor, kernel: Tensor4D, bias: Tensor | undefined, { strides, padding }: ConvGeometry2D, rule: ReluRule): Tensor4D {
  const attrs = { strides, pad: padding, dataFormat: 'NHWC', dilations: 1, activation: 'relu' };
  const op = tf.customGrad((...args) => {
    const [input, save] = args as [Tensor4D, tf.GradSaveFunc];
    const inputs: tf.NamedTensorMap = bias ? { x: input, filter: kernel, bias } : { x: input, filter: kernel };
    const y = tf.engine().runKernel(FusedConv2D, inputs, attrs as never) as Tensor4D;
    save([y]);
    return {
      value: y,
      gradFunc: (dy: Tensor, [saved]: Tensor[]) =>
        tf.conv2dTranspose(ruleGradient(rule, saved!, dy) as Tensor4D, kernel, input.shape, strides, padding),
    };
  });
  return op(x) as Tensor4D;
}
