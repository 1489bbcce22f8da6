/**
 * A {@link ConvNet} over a tfjs-converter graph model (a TensorFlow SavedModel
 * or Keras model converted with `tensorflowjs_converter`).
 *
 * The graph runs through `model.execute(feeds, nodeNames)`; its ops are
 * ordinary TensorFlow.js ops, so `tf.grad` differentiates through it. Every
 * computing node can be captured by name, and a run can start at any node
 * that all paths to the logits pass through (the executor accepts an inner
 * node as a feed). What a graph cannot do is change how gradients cross its
 * ReLUs: they are fixed ops, often fused into the convolutions, so only plain
 * backpropagation is available.
 *
 * It implements {@link WeightAccess} for the sanity checks: a convolution's or
 * matrix product's weights are the float constants (Const nodes) feeding it,
 * and `withLayerWeights` runs the graph with other tensors fed in their place
 * (a constant two such nodes share is replaced for both).
 */
import type { GraphModel } from '@tensorflow/tfjs-converter';
import {
  type ConvNet,
  type ConvNetMeta,
  type ForwardOptions,
  type ForwardResult,
  type LayerKind,
  type LayerSummary,
  type WeightAccess,
  DEFAULT_INPUT_RANGE,
  ModelLoadError,
  assertKnownLayer,
  imageInputShape,
  resolveRoles,
  toLogits,
} from './convnet';
import { tf, type Tensor } from './tf';
import { errorMessage } from './errors';

/** A node of a GraphDef as tfjs-converter writes it in model.json's `modelTopology`. */
export interface GraphNodeJson {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, unknown>;
}

/** The `modelTopology` of a graph model.json. */
export interface GraphDefJson {
  node: GraphNodeJson[];
}

/** Ops by the role the book gives them; fused variants appear with and without the leading underscore. */
const KIND_BY_OP: Record<string, LayerKind> = {
  Placeholder: 'input',
  Conv2D: 'conv',
  DepthwiseConv2dNative: 'conv',
  _FusedConv2D: 'conv',
  FusedConv2D: 'conv',
  FusedDepthwiseConv2dNative: 'conv',
  _FusedDepthwiseConv2dNative: 'conv',
  Relu: 'relu',
  MaxPool: 'pool',
  AvgPool: 'pool',
  MatMul: 'dense',
  _FusedMatMul: 'dense',
  FusedMatMul: 'dense',
  Reshape: 'flatten',
};

/** Nodes that compute nothing the reader needs to see. */
const HIDDEN_OPS = new Set(['Const', 'Identity', 'NoOp']);

/** Output activations that turn logits into probabilities; the logits are their input. */
const OUTPUT_SQUASH = new Set(['Softmax', 'Sigmoid']);

/** Ops that carry a convolution's output on to its activation, all their other inputs constants (Conv2D → BiasAdd → Relu). */
const BEFORE_ACTIVATION_OPS = new Set(['BiasAdd', 'Add', 'AddV2', 'FusedBatchNorm', 'FusedBatchNormV3', 'Identity']);

/** Activation ops: their output is a convolution's rectified maps. */
const ACTIVATION_OPS = new Set(['Relu', 'Relu6', 'Elu', 'Selu', 'LeakyRelu']);

/** The node name in an input reference such as 'conv/Relu:0' or '^control'. */
function nodeName(ref: string): string {
  return ref.replace(/^\^/, '').replace(/:\d+$/, '');
}

/** Input shape of a Placeholder node, -1 for unknown sizes. */
function placeholderShape(node: GraphNodeJson): number[] | null {
  const shape = node.attr?.['shape'] as { shape?: { dim?: { size: string }[] }; dim?: { size: string }[] } | undefined;
  const dims = shape?.shape?.dim ?? shape?.dim;
  return dims ? dims.map((d) => Number(d.size)) : null;
}

/**
 * Wraps a graph model as a {@link ConvNet}. `graph` is the model.json's `modelTopology`.
 * Runs the graph once on a blank image to learn every node's output shape, which
 * also surfaces ops this backend cannot run (thrown as a `ModelLoadError`).
 * The ConvNet owns the model: `dispose()` disposes it. Views made by `withLayerWeights`
 * borrow the model and the replacement tensors: their `dispose()` frees nothing.
 */
export function graphConvNet(model: GraphModel, graph: GraphDefJson, meta: ConvNetMeta): ConvNet & WeightAccess {
  const nodes = new Map(graph.node.map((n) => [n.name, n]));
  const placeholders = graph.node.filter((n) => n.op === 'Placeholder');
  if (placeholders.length !== 1) {
    throw new ModelLoadError('not-image', `The model takes ${placeholders.length} inputs; the book needs a network that takes one image.`);
  }
  const input = placeholders[0]!;
  const inputShape = imageInputShape(placeholderShape(input) ?? [], meta.inputShape);
  const inputs = (n: GraphNodeJson) => (n.input ?? []).filter((r) => !r.startsWith('^')).map(nodeName);
  const weights = model.weights;
  const visible = graph.node.filter((n) => !HIDDEN_OPS.has(n.op) && n.op !== 'Placeholder');
  const shapes = probeShapes(model, input.name, inputShape, visible.map((n) => n.name));

  const kindOf = (n: GraphNodeJson): LayerKind => {
    if (n.op === 'Mean' && shapes.get(n.name)?.length === 1) return 'gap';
    return KIND_BY_OP[n.op] ?? 'other';
  };
  const paramsOf = (n: GraphNodeJson) =>
    inputs(n).reduce((sum, name) => sum + (weights[name]?.reduce((s, t) => s + t.size, 0) ?? 0), 0);
  const layers: LayerSummary[] = [
    { name: input.name, kind: 'input', type: 'Placeholder', outputShape: [...inputShape], params: 0 },
    ...visible.map((n) => ({ name: n.name, kind: kindOf(n), type: n.op, outputShape: shapes.get(n.name) ?? [], params: paramsOf(n) })),
  ];
  const byName = new Map(layers.map((l) => [l.name, l]));

  // Walks back through pass-through nodes (Identity) to the node that computes a value.
  const source = (name: string): GraphNodeJson | undefined => {
    let node = nodes.get(name);
    while (node && node.op === 'Identity' && inputs(node).length === 1) node = nodes.get(inputs(node)[0]!);
    return node;
  };
  let detected: string | null = null;
  const notes: string[] = [
    'This is a graph model: its operations were fixed when it was converted, so the book cannot swap how gradients cross its ReLUs. Only plain gradients (backpropagation) are available.',
  ];
  if (model.outputNodes.length === 1) {
    const out = source(nodeName(model.outputNodes[0]!));
    if (out && OUTPUT_SQUASH.has(out.op)) {
      detected = source(inputs(out)[0]!)?.name ?? null;
      notes.push(`The final ${out.op} is left out, so the output is the logits.`);
    } else {
      detected = out?.name ?? null;
    }
  }
  // A convolution's rectified maps: the activation node that alone reads it, across its bias or batch norm;
  // else the convolution itself (a _FusedConv2D with a fused Relu is already rectified).
  const readers = new Map<string, GraphNodeJson[]>();
  for (const n of graph.node) for (const ref of inputs(n)) readers.set(ref, [...(readers.get(ref) ?? []), n]);
  const rectified = (conv: string): string => {
    for (let current = conv; ;) {
      const [next, ...more] = readers.get(current) ?? [];
      if (!next || more.length > 0) return conv;
      if (ACTIVATION_OPS.has(next.op)) return next.name;
      const constants = inputs(next).filter((ref) => ref !== current).every((ref) => source(ref)?.op === 'Const');
      if (!BEFORE_ACTIVATION_OPS.has(next.op) || !constants) return conv;
      current = next.name;
    }
  };
  const roles = resolveRoles(layers, meta, detected, rectified);

  // CAM: the logits are a global average (Mean over height and width), or one dense layer on it.
  let camNode: GraphNodeJson | undefined = source(roles.logitLayer);
  if (camNode && byName.get(camNode.name)?.kind === 'dense') camNode = source(inputs(camNode)[0] ?? '');
  const camLayer = camNode && kindOf(camNode) === 'gap' ? (source(inputs(camNode)[0]!)?.name ?? null) : null;
  if (!camLayer) notes.push('CAM needs global average pooling followed by at most one dense layer at the end; Grad-CAM works on any conv layer.');

  // The Const nodes holding a conv or dense node's float weights, in input order.
  const weightNodes = new Map(
    layers
      .filter((l) => l.kind === 'conv' || l.kind === 'dense')
      .map((l) => [
        l.name,
        inputs(nodes.get(l.name)!)
          .map((ref) => source(ref))
          .filter((n): n is GraphNodeJson => n?.op === 'Const' && weights[n.name]?.[0]?.dtype === 'float32')
          .map((n) => n.name),
      ]),
  );
  const weightsOf = (layer: string): string[] => {
    assertKnownLayer(layer, byName);
    return weightNodes.get(layer) ?? [];
  };

  const known = new Set(nodes.keys());
  // `replaced`: tensors fed in place of Const nodes, by node name; `owner`: whether dispose() frees the model.
  const view = (replaced: ReadonlyMap<string, Tensor>, owner: boolean): ConvNet & WeightAccess => ({
    id: meta.id,
    title: meta.title,
    format: 'graph',
    inputShape,
    inputRange: meta.inputRange ?? DEFAULT_INPUT_RANGE,
    classNames: roles.classNames,
    layers,
    convLayers: roles.convLayers,
    logitLayer: roles.logitLayer,
    camLayer,
    params: Object.values(weights).reduce((sum, ts) => sum + ts.reduce((s, t) => s + t.size, 0), 0),
    capabilities: { reluRules: false, cam: camLayer !== null, notes },
    forward(x: Tensor, options: ForwardOptions = {}): ForwardResult {
      const rule = options.relu ?? 'backprop';
      if (rule !== 'backprop') throw new Error(`A graph model cannot use the ${rule} rule: its ReLUs cannot be swapped.`);
      const capture = [...new Set(options.capture ?? [])];
      for (const name of capture) assertKnownLayer(name, known);
      if (options.from) assertKnownLayer(options.from, known);
      const feed = { ...Object.fromEntries(replaced), [options.from ?? input.name]: x };
      const wanted = [roles.logitLayer, ...capture.filter((c) => c !== roles.logitLayer)];
      let outs: Tensor[];
      try {
        outs = [model.execute(feed, wanted)].flat();
      } catch (err) {
        if (options.from && /Missing the following inputs/.test(String(err))) {
          throw new Error(`Cannot start from '${options.from}': the logits also need nodes on another path around it, or come before it.`);
        }
        throw err;
      }
      const value = new Map(wanted.map((name, i) => [name, outs[i]!]));
      const activations: Record<string, Tensor> = {};
      for (const name of capture) activations[name] = value.get(name)!;
      return { logits: toLogits(value.get(roles.logitLayer)!), activations };
    },
    layerWeights(layer: string): readonly Tensor[] {
      return weightsOf(layer).map((name) => replaced.get(name) ?? weights[name]![0]!);
    },
    withLayerWeights(replacements: Record<string, readonly Tensor[]>) {
      const fed = new Map(replaced);
      for (const [layer, values] of Object.entries(replacements)) {
        const names = weightsOf(layer);
        const shapes = (ts: readonly Tensor[]) => JSON.stringify(ts.map((t) => t.shape));
        const own = names.map((name) => weights[name]![0]!);
        if (shapes(values) !== shapes(own)) {
          throw new Error(`'${layer}' has weights of shapes ${shapes(own)}; the replacements have ${shapes(values)}.`);
        }
        names.forEach((name, i) => fed.set(name, values[i]!));
      }
      return view(fed, false);
    },
    dispose() {
      if (owner) model.dispose();
    },
  });
  return view(new Map(), true);
}

/** A reader-facing sentence for tfjs-converter's errors about ops it cannot run, or null. */
export function unsupportedOpMessage(message: string): string | null {
  const op = /(?:Op is not supported|Unknown op|Custom op|dynamic op)\W*([\w.-]*\w)/.exec(message);
  return op ? `The model uses an operation TensorFlow.js cannot run here: ${op[1]}.` : null;
}

/** Output shapes (without batch) of the named nodes, from one run on a blank image. */
function probeShapes(
  model: GraphModel,
  inputName: string,
  inputShape: [number, number, number],
  names: string[],
): Map<string, number[]> {
  const blank = tf.zeros([1, ...inputShape]);
  try {
    const outs = [model.execute({ [inputName]: blank }, names)].flat();
    const shapes = new Map(names.map((name, i) => [name, outs[i]!.shape.slice(1)]));
    tf.dispose(outs);
    return shapes;
  } catch (err) {
    const message = errorMessage(err);
    throw new ModelLoadError(
      'unsupported',
      unsupportedOpMessage(message) ?? `TensorFlow.js cannot run this graph on the ${tf.getBackend()} backend: ${message}`,
    );
  } finally {
    blank.dispose();
  }
}
