/**
 * The one pipeline every attribution shares, in small steps: forward, score
 * of the target, backward (to the input under a ReLU rule, or to a captured
 * layer), channel-wise reductions, and reading the result back as plain data.
 * Synchronous steps are meant to run inside `tf.tidy`; `readTensors` is the
 * only asynchronous one and disposes what it reads.
 */
import type { ConvNet, ForwardResult } from '../convnet';
import type { ReluRule } from '../relu-rules';
import { tf, type Tensor, type Tensor1D, type Tensor2D, type Tensor4D } from '../tf';
import type { AttributionInput, AttributionMap, Target } from './types';

type Scalar = ReturnType<typeof tf.scalar>;

/** Layers a forward pass must capture for {@link targetScore} to read the target. */
export function targetCapture(target: Target): string[] {
  return target.kind === 'neuron' ? [target.layer] : [];
}

/**
 * The score of a target summed over the batch (so that the gradient of a batch
 * is the batch of per-image gradients): a class logit, or a neuron's score.
 */
export function targetScore(result: ForwardResult, target: Target): Scalar {
  if (target.kind === 'class') return tf.sum(tf.slice(result.logits, [0, target.index], [-1, 1]));
  const a = result.activations[target.layer];
  if (!a) throw new Error(`the forward pass did not capture layer "${target.layer}"`);
  return neuronScore(a, target);
}

/** A neuron's score read from its layer's activation: the channel's mean, or one unit. */
export function neuronScore(a: Tensor, { channel, y, x }: Extract<Target, { kind: 'neuron' }>): Scalar {
  if (a.rank === 2) return tf.sum(tf.slice(a, [0, channel], [-1, 1]));
  if (y !== undefined && x !== undefined) return tf.sum(tf.slice(a, [0, y, x, channel], [-1, 1, 1, 1]));
  return tf.sum(tf.mean(tf.slice(a, [0, 0, 0, channel], [-1, -1, -1, 1]), [1, 2, 3]));
}

/** The gradient of the target's score w.r.t. the image, with every ReLU crossed under `rule`. */
export function inputGradient(net: ConvNet, image: Tensor4D, target: Target, rule: ReluRule = 'backprop'): Tensor4D {
  const capture = targetCapture(target);
  return tf.grad((x: Tensor) => targetScore(net.forward(x, { capture, relu: rule }), target))(image) as Tensor4D;
}

/**
 * {@link inputGradient}, and `layer`'s activation from the same forward pass (a ReLU rule changes only
 * the backward pass), for a method that needs both: one forward pass instead of two. The activation is
 * kept out of every tidy: the caller disposes it.
 */
export function inputGradientAndActivation(
  net: ConvNet, image: Tensor4D, target: Target, rule: ReluRule, layer: string,
): { gradient: Tensor4D; activation: Tensor } {
  const capture = [...new Set([layer, ...targetCapture(target)])];
  let activation: Tensor | undefined;
  const gradient = tf.grad((x: Tensor) => {
    const result = net.forward(x, { capture, relu: rule });
    activation = tf.keep(result.activations[layer]!);
    return targetScore(result, target);
  })(image) as Tensor4D;
  return { gradient, activation: activation! };
}

/** A layer's activation A, the gradient g = ∂score/∂A of the target there, and the score itself. */
export type LayerGradient = {
  activation: Tensor;
  gradient: Tensor;
  score: Scalar;
};

/**
 * Runs the net once capturing `layer` (unless its `activation` is given), then differentiates the rest of
 * the net from that activation (`from`).
 */
export function layerGradient(
  net: ConvNet, image: Tensor4D, layer: string, target: Target,
  activation: Tensor = net.forward(image, { capture: [layer] }).activations[layer]!,
): LayerGradient {
  const { value, grad } = tf.valueAndGrad(scoreFromLayer(net, layer, target))(activation);
  return { activation, gradient: grad, score: value };
}

/**
 * The target's score as a function of `layer`'s activation: the rest of the
 * net run from there. A neuron target must lie at or after `layer`: an earlier
 * neuron does not depend on it.
 */
export function scoreFromLayer(net: ConvNet, layer: string, target: Target): (a: Tensor) => Scalar {
  if (target.kind === 'neuron' && target.layer === layer) return (a) => neuronScore(a, target);
  if (target.kind === 'neuron' && layerIndex(net, target.layer) < layerIndex(net, layer)) {
    throw new Error(`neuron layer "${target.layer}" comes before the explained layer "${layer}"`);
  }
  return (a) => targetScore(net.forward(a, { from: layer, capture: targetCapture(target) }), target);
}

function layerIndex(net: ConvNet, name: string): number {
  const i = net.layers.findIndex((l) => l.name === name);
  if (i < 0) throw new Error(`${net.title} has no layer "${name}"`);
  return i;
}

/**
 * The layer a CAM-family method explains: the one asked for, else the last of `net.convLayers`, the
 * rectified maps of the last convolution (the A^k of Grad-CAM, eq. 1; the maps CAM's pooling averages).
 */
export function explainedLayer(input: AttributionInput): string {
  const { net, layer } = input;
  const name = layer ?? net.convLayers[net.convLayers.length - 1];
  if (name === undefined || !net.convLayers.includes(name)) {
    throw new Error(`${net.title}: "${name}" is not a layer CAM methods can explain (${net.convLayers.join(', ')})`);
  }
  return name;
}

/**
 * The layer of `net.convLayers` that `name` stands for: itself when listed; for a layer whose block
 * lists a later one of the same shape (a convolution whose ReLU is a layer of its own), that one; else
 * undefined. A link or a figure attribute naming a block's convolution thus keeps showing that block.
 */
export function explainableLayer(net: ConvNet, name: string): string | undefined {
  const start = net.layers.findIndex((l) => l.name === name);
  if (start < 0) return undefined;
  const shape = JSON.stringify(net.layers[start]!.outputShape);
  for (const layer of net.layers.slice(start)) {
    if (JSON.stringify(layer.outputShape) !== shape) return undefined;
    if (net.convLayers.includes(layer.name)) return layer.name;
  }
  return undefined;
}

/** Mean over the spatial positions of [1, H, W, C]: one number per channel. */
export function channelMean(t: Tensor): Tensor1D {
  return tf.mean(t, [0, 1, 2]) as Tensor1D;
}

/** Σ_k w_k A^k: the channels of a [1, H, W, C] activation weighted and summed, as [H, W]. */
export function weightedChannelSum(activation: Tensor, weights: Tensor1D): Tensor2D {
  return tf.sum(tf.mul(activation, weights), [0, 3]) as Tensor2D;
}

/** Reads every tensor back (in parallel) and disposes them all, also when reading fails. */
export async function readTensors<K extends string>(tensors: Record<K, Tensor>): Promise<Record<K, Float32Array>> {
  const keys = Object.keys(tensors) as K[];
  try {
    const values = await Promise.all(keys.map((k) => tensors[k].data() as Promise<Float32Array>));
    return Object.fromEntries(keys.map((k, i) => [k, values[i]])) as Record<K, Float32Array>;
  } finally {
    tf.dispose(keys.map((k) => tensors[k]));
  }
}

/** The class the network predicts for `image` (argmax of the logits), as a target. */
export async function predictedClass(net: ConvNet, image: Tensor4D): Promise<Target> {
  const { index } = await readTensors({ index: tf.tidy(() => tf.cast(tf.argMax(net.forward(image).logits, 1), 'float32')) });
  return { kind: 'class', index: index[0]! };
}

/** What a CAM-family method derives from the gradient at its layer: channel weights, and intermediates to show. */
export type ChannelWeighting = (at: LayerGradient) => { weights: Tensor1D; extras?: Record<string, Tensor> };

/**
 * The CAM-family pipeline (Grad-CAM eq. 2 and its descendants): the target's
 * gradient at the explained layer (`layer`, else the input's), channel weights
 * w_k from it, then L = ReLU(Σ_k w_k A^k) at the layer's resolution (no ReLU,
 * and a signed map, with `relu: false`). The weights, and every extra the
 * method returns, come back in `extras` (scalars as numbers). `activation`,
 * the layer's activation when the caller has it already, saves the forward
 * pass to the layer; it is not disposed.
 */
export async function weightedCam(
  input: AttributionInput,
  weigh: ChannelWeighting,
  { layer = explainedLayer(input), relu = true, activation }: { layer?: string; relu?: boolean; activation?: Tensor } = {},
): Promise<AttributionMap> {
  let shape: number[] = [];
  const scalars = new Set<string>();
  const { map, ...rest } = await readTensors(
    tf.tidy(() => {
      const at = layerGradient(input.net, input.image, layer, input.target, activation);
      shape = at.activation.shape;
      const { weights, extras = {} } = weigh(at);
      Object.entries(extras).forEach(([k, t]) => t.rank === 0 && scalars.add(k));
      const sum = weightedChannelSum(at.activation, weights);
      return { ...extras, weights, map: relu ? tf.relu(sum) : sum };
    }),
  );
  const extras = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, scalars.has(k) ? v[0]! : (v as Float32Array)]));
  return { width: shape[2]!, height: shape[1]!, data: map, signed: !relu, extras };
}
