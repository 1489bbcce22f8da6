/**
 * The network abstraction every technique runs on.
 *
 * A `ConvNet` hides where a network came from (the book's own layers models, a
 * reader's layers or graph model) behind one synchronous forward pass that
 * returns logits (never softmax), can capture any named layer's activation,
 * can start from an inner layer's activation, and lets the caller choose how
 * gradients cross each ReLU (see relu-rules.ts). Techniques call it inside
 * `tf.tidy` / `tf.grad`; it never disposes its inputs.
 */
import type { ReluRule } from './relu-rules';
import type { Tensor, Tensor2D, Tensor4D } from './tf';

/** The role a layer plays, as far as the techniques care. */
export type LayerKind = 'input' | 'conv' | 'relu' | 'pool' | 'gap' | 'flatten' | 'dense' | 'other';

/** One layer as the book shows it. */
export interface LayerSummary {
  name: string;
  kind: LayerKind;
  /** Output shape without the batch dimension, e.g. [14, 14, 32]. */
  outputShape: number[];
  /** Number of trainable weights. */
  params: number;
}

/** What a network supports, with the reason when it does not. */
export interface ConvNetCapabilities {
  /** Backward ReLU rules (deconvnet, guided) can be swapped in. */
  reluRules: boolean;
  /** The network ends in global average pooling and one dense layer, so CAM applies. */
  cam: boolean;
  /** Reader-facing explanations of what is unsupported. */
  notes: string[];
}

/** Options of {@link ConvNet.forward}. */
export interface ForwardOptions {
  /** Names of layers whose outputs to return. */
  capture?: readonly string[];
  /** How gradients cross every ReLU; 'backprop' (the true gradient) by default. */
  relu?: ReluRule;
  /** Run from this layer onward: the input is then that layer's output, not an image. */
  from?: string;
}

/** The result of a forward pass. */
export interface ForwardResult {
  /** Pre-softmax class scores, [batch, classes]. */
  logits: Tensor2D;
  /** The captured layer outputs, by layer name. */
  activations: Record<string, Tensor>;
}

/** A convolutional network the book can dissect. */
export interface ConvNet {
  readonly id: string;
  readonly title: string;
  /** Input height, width and channels. */
  readonly inputShape: [number, number, number];
  /** Range of pixel values the network expects, e.g. [0, 1] or [-1, 1]. */
  readonly inputRange: [number, number];
  readonly classNames: readonly string[];
  readonly layers: readonly LayerSummary[];
  /** Layers that CAM-style methods can explain, first to last. */
  readonly convLayers: readonly string[];
  /** The layer whose output is the logits. */
  readonly logitLayer: string;
  readonly capabilities: ConvNetCapabilities;
  /** Synchronous forward pass; call inside tf.tidy or tf.grad. */
  forward(x: Tensor4D | Tensor, options?: ForwardOptions): ForwardResult;
  /** Releases the weights. */
  dispose(): void;
}
