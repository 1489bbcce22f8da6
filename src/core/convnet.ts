/**
 * The network abstraction every technique runs on.
 *
 * A `ConvNet` hides where a network came from (the book's own layers models, a
 * reader's layers or graph model) behind one synchronous forward pass that
 * returns logits (never softmax), can capture any named layer's activation,
 * can start from an inner layer's activation, and lets the caller choose how
 * gradients cross each ReLU (see relu-rules.ts). Techniques call it inside
 * `tf.tidy` / `tf.grad`; it never disposes its inputs.
 *
 * Adapters: `layers-convnet.ts` (tfjs-layers models) and `graph-convnet.ts`
 * (tfjs-converter graph models); `model-loader.ts` builds either from files.
 */
import type { ReluRule } from './relu-rules';
import { tf, type Tensor, type Tensor2D, type Tensor4D } from './tf';

/** The role a layer plays, as far as the techniques care. */
export type LayerKind = 'input' | 'conv' | 'relu' | 'pool' | 'gap' | 'flatten' | 'dense' | 'other';

/** One layer as the book shows it. */
export interface LayerSummary {
  /** The name that `forward`'s `capture` and `from` options accept. */
  name: string;
  kind: LayerKind;
  /** The layer's class (e.g. 'Conv2D') or, in a graph model, the node's op (e.g. '_FusedConv2D'). */
  type: string;
  /** Output shape without the batch dimension, e.g. [14, 14, 32]. */
  outputShape: number[];
  /** Number of weights the layer holds. */
  params: number;
  /**
   * How each output cell depends on the input's cells, when the layer is a convolution, a pooling or a
   * pointwise layer (ReLU, batch normalisation: kernel 1, stride 1); absent when it is none of these
   * (dense, merge, reshape) or the adapter cannot tell. Receptive fields are computed from it
   * (receptive-field.ts).
   */
  geometry?: LayerGeometry;
}

/** The spatial wiring of a convolution or pooling layer, per axis [rows, columns], as TensorFlow defines it. */
export interface LayerGeometry {
  kernel: [number, number];
  stride: [number, number];
  dilation: [number, number];
  /** 'same' pads so that the output has ⌈n / stride⌉ cells (TensorFlow splits the padding, the extra cell after). */
  padding: 'same' | 'valid';
}

/** What a network supports, with the reason when it does not. */
export interface ConvNetCapabilities {
  /** Backward ReLU rules (deconvnet, guided) can be swapped in. */
  reluRules: boolean;
  /** The network ends in global average pooling and at most one dense layer, so CAM applies. */
  cam: boolean;
  /** Reader-facing explanations: why a capability is missing, and what the adapter changed or left alone. */
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

/**
 * Reading and replacing a network's weights, which the sanity checks (parameter randomisation) need.
 * Optional on {@link ConvNet}: an adapter implements both methods where its weights can be read, and
 * {@link hasWeightAccess} tells whether a network does.
 */
export interface WeightAccess {
  /**
   * The tensors of the layer's weights (kernel, bias, ...) that randomising it replaces, borrowed: not to
   * be disposed. Empty for layers without such weights.
   */
  layerWeights(layer: string): readonly Tensor[];
  /**
   * The same network with the named layers' weights replaced, tensor for tensor as `layerWeights` lists
   * them; it borrows all tensors, so its dispose() frees nothing.
   */
  withLayerWeights(replacements: Record<string, readonly Tensor[]>): ConvNet;
}

/** Whether `net` implements {@link WeightAccess}. */
export function hasWeightAccess(net: ConvNet): net is ConvNet & WeightAccess {
  return typeof net.layerWeights === 'function' && typeof net.withLayerWeights === 'function';
}

/** A convolutional network the book can dissect; {@link WeightAccess} where its weights can be read. */
export interface ConvNet extends Partial<WeightAccess> {
  /** Stable identifier, e.g. 'fashion-vgg' or the file name of a reader's model. */
  readonly id: string;
  /** Human-readable name. */
  readonly title: string;
  /** Which adapter runs it: a tfjs-layers model or a converted TensorFlow graph. */
  readonly format: 'layers' | 'graph';
  /** Input height, width and channels. */
  readonly inputShape: [number, number, number];
  /** Range of pixel values the network expects, e.g. [0, 1] or [-1, 1]. */
  readonly inputRange: [number, number];
  /** One name per logit, in order. */
  readonly classNames: readonly string[];
  /** Every layer (graph models: every computing node), input first. */
  readonly layers: readonly LayerSummary[];
  /**
   * Layers that CAM-style methods can explain, first to last: each convolution's rectified feature maps,
   * the A^k of Grad-CAM (eq. 1): the ReLU that follows it (across a batch normalisation or bias), or the
   * convolution itself where its ReLU is fused or it has none. The last one is explained by default.
   */
  readonly convLayers: readonly string[];
  /** The layer whose output is the logits. */
  readonly logitLayer: string;
  /**
   * When `capabilities.cam`: the layer whose maps the global average pooling averages. The logits are then
   * linear in its mean, so CAM for class c is this layer's maps weighted by ∂logit_c/∂(its output) · H·W.
   */
  readonly camLayer: string | null;
  /** Total number of weights. */
  readonly params: number;
  readonly capabilities: ConvNetCapabilities;
  /** Synchronous forward pass; call inside tf.tidy or tf.grad. */
  forward(x: Tensor4D | Tensor, options?: ForwardOptions): ForwardResult;
  /** Releases the weights. */
  dispose(): void;
}

/** Why a model cannot be used, in words meant for the reader who brought it. */
export type ModelLoadErrorCode =
  | 'fetch'
  | 'not-json'
  | 'not-model'
  | 'missing-weights'
  | 'weight-size'
  | 'unsupported'
  | 'not-image'
  | 'input-size'
  | 'no-conv'
  | 'no-logits'
  | 'classes';

/**
 * A model that cannot be loaded or adapted. The message is written for a reader;
 * `code` lets a view react (offer a layer choice for 'no-conv' and 'no-logits'),
 * and `candidates` lists the layers that could fill the missing role.
 */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
  constructor(
    readonly code: ModelLoadErrorCode,
    message: string,
    readonly candidates: readonly string[] = [],
  ) {
    super(message);
  }
}

/** What a caller knows about a network beyond its weights (from a model card or the reader). */
export interface ConvNetMeta {
  id: string;
  title: string;
  /** Pixel range; [0, 1] when unknown. */
  inputRange?: [number, number];
  /** One name per logit; 'class 0', 'class 1', … when absent. */
  classNames?: readonly string[];
  /** Input size, needed only when the model accepts any size. */
  inputShape?: [number, number, number];
  /** Overrides the detected conv layers (names of layers with 4-D outputs). */
  convLayers?: readonly string[];
  /** Overrides the detected logit layer. */
  logitLayer?: string;
}

/** Default pixel range when the model's card does not say. */
export const DEFAULT_INPUT_RANGE: [number, number] = [0, 1];

/** Image input size from a batch shape such as [null, 28, 28, 1], or a reader-facing error. */
export function imageInputShape(
  shape: readonly (number | null)[],
  given: [number, number, number] | undefined,
): [number, number, number] {
  if (shape.length !== 4) {
    throw new ModelLoadError(
      'not-image',
      `The model's input has ${shape.length} dimensions ([${shape.map((d) => d ?? '?').join(', ')}]); ` +
        'the book needs a network that takes images: [batch, height, width, channels].',
    );
  }
  const [, h, w, c] = shape.map((d) => (d == null || d < 0 ? null : d));
  if (c !== 1 && c !== 3) {
    throw new ModelLoadError(
      'not-image',
      `The model expects ${c ?? 'an unknown number of'} channels per pixel; the book works with grey (1) or colour (3) images.`,
    );
  }
  if (h && w) return [h, w, c];
  if (given && given[2] === c) return given;
  throw new ModelLoadError(
    'input-size',
    'The model accepts images of any size: give the height and width it was trained on (the inputShape option).',
  );
}

/** Logits as [batch, classes], accepting [batch, 1, 1, classes] from fully convolutional heads. */
export function toLogits(t: Tensor): Tensor2D {
  if (t.rank === 2) return t as Tensor2D;
  return tf.reshape(t, [t.shape[0]!, t.shape[t.rank - 1]!]);
}

/** One image's class scores, read back from the network. */
export interface ClassScores {
  /** The logits, one per class. */
  logits: number[];
  /** The class with the largest logit (the first, on a tie). */
  predicted: number;
}

/** The logits of the first image of `image` as numbers, and the predicted class; holds no tensors after. */
export async function classScores(net: ConvNet, image: Tensor4D): Promise<ClassScores> {
  const t = tf.tidy(() => net.forward(image).logits);
  try {
    const logits = Array.from((await t.data()).subarray(0, t.shape[1]));
    return { logits, predicted: logits.indexOf(Math.max(...logits)) };
  } finally {
    t.dispose();
  }
}

/** The class a control names (a class index as text), or the predicted class when it names none or one out of range. */
export function chosenClass(choice: string, { logits, predicted }: ClassScores): number {
  const index = choice.trim() === '' ? NaN : Number(choice);
  return Number.isInteger(index) && index >= 0 && index < logits.length ? index : predicted;
}

/** Whether a logits shape (without batch) is one score per class. */
export function isLogitShape(shape: readonly (number | null)[]): boolean {
  return shape.length >= 1 && shape.slice(0, -1).every((d) => d === 1);
}

/**
 * Checks the overrides and detected roles of a network; throws for the reader when the roles are missing.
 * `rectified` names the layer holding a convolution's rectified maps (see {@link ConvNet.convLayers}); the
 * adapter works it out from the graph's wiring.
 */
export function resolveRoles(
  layers: readonly LayerSummary[],
  meta: ConvNetMeta,
  detectedLogit: string | null,
  rectified: (conv: string) => string = (conv) => conv,
): { convLayers: string[]; logitLayer: string; classNames: string[] } {
  const byName = new Map(layers.map((l) => [l.name, l]));
  const spatial = layers.filter((l) => l.outputShape.length === 3 && l.kind !== 'input').map((l) => l.name);
  const convLayers = meta.convLayers
    ? [...meta.convLayers]
    : [...new Set(layers.filter((l) => l.kind === 'conv').map((l) => rectified(l.name)))];
  for (const name of convLayers) {
    if (!spatial.includes(name)) {
      throw new ModelLoadError('no-conv', `'${name}' is not a layer with feature maps (height × width × channels).`, spatial);
    }
  }
  if (convLayers.length === 0) {
    throw new ModelLoadError(
      'no-conv',
      'No convolution layer was found, and the book explains networks through their feature maps. ' +
        'Pick the layer whose maps the methods should use.',
      spatial,
    );
  }
  const logitLayer = meta.logitLayer ?? detectedLogit;
  const logitShape = logitLayer ? byName.get(logitLayer)?.outputShape : undefined;
  if (!logitLayer || !logitShape || !isLogitShape(logitShape)) {
    const candidates = layers.filter((l) => l.kind !== 'input' && isLogitShape(l.outputShape)).map((l) => l.name);
    throw new ModelLoadError(
      'no-logits',
      logitLayer && !logitShape
        ? `There is no layer named '${logitLayer}'.`
        : 'The book needs one score per class from the model (an output of shape [batch, classes]). Pick the layer that gives the class scores.',
      candidates,
    );
  }
  const classes = logitShape[logitShape.length - 1]!;
  const classNames = meta.classNames ? [...meta.classNames] : Array.from({ length: classes }, (_, i) => `class ${i}`);
  if (classNames.length !== classes) {
    throw new ModelLoadError(
      'classes',
      `The class list has ${classNames.length} names but the model gives ${classes} scores.`,
    );
  }
  return { convLayers, logitLayer, classNames };
}

/** Throws for a layer name `forward` does not know, listing a few it does. */
export function assertKnownLayer(name: string, known: ReadonlySet<string> | ReadonlyMap<string, unknown>): void {
  if (known.has(name)) return;
  const some = [...known.keys()].slice(0, 8).join(', ');
  throw new Error(`No layer named '${name}' in this network (some of its layers: ${some}).`);
}
