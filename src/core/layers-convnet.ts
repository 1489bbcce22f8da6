/**
 * A {@link ConvNet} over a tfjs-layers model (Sequential or functional).
 *
 * The model's graph is replayed node by node, in the order tfjs-layers itself
 * runs it (`nodesByDepth`), so branches and merges (Add, Concatenate) work. On
 * the way, every ReLU is replaced by `reluWithRule(rule)`: ReLU layers,
 * Activation('relu') layers, and the relu fused into a Conv2D or Dense layer
 * (the layer then runs linearly and the ReLU follows). A Conv2D and its ReLU
 * (its own, or a ReLU layer that alone reads it) run as one kernel with the
 * rule's gradient (conv-relu.ts) unless the convolution's own output is
 * captured. A softmax or sigmoid at
 * the output is left out, so the output is the logits. Other activations
 * (ReLU6, ELU, …) run unchanged and are listed in the notes.
 *
 * A model nested inside the model runs as one opaque step: forward, capture and
 * `from` still work, but its ReLUs keep the ordinary gradient, so the
 * adapter reports `reluRules: false`.
 *
 * It implements {@link WeightAccess} for the sanity checks: a layer's weights
 * are its trainable tensors, and `withLayerWeights` gives a view of the same
 * model that runs the named layers on other tensors.
 */
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import {
  type ConvNet,
  type ConvNetMeta,
  type ForwardOptions,
  type ForwardResult,
  type LayerGeometry,
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
import { convRelu } from './conv-relu';
import { type ReluRule, reluWithRule } from './relu-rules';
import { tf, type Tensor, type Tensor2D, type Tensor4D } from './tf';

type Layer = LayersModel['layers'][number];
type LayerNode = Layer['inboundNodes'][number];
type LayerVariable = Layer['trainableWeights'][number];

/** Layer classes by the role the book gives them. */
const KIND_BY_CLASS: Record<string, LayerKind> = {
  InputLayer: 'input',
  Conv1D: 'conv',
  Conv2D: 'conv',
  Conv3D: 'conv',
  DepthwiseConv2D: 'conv',
  SeparableConv2D: 'conv',
  MaxPooling1D: 'pool',
  MaxPooling2D: 'pool',
  AveragePooling1D: 'pool',
  AveragePooling2D: 'pool',
  GlobalMaxPooling2D: 'pool',
  GlobalAveragePooling2D: 'gap',
  Flatten: 'flatten',
  Dense: 'dense',
};

/** Layers that are the identity at inference time. */
const INFERENCE_IDENTITY = new Set(['Dropout', 'SpatialDropout1D', 'GaussianNoise', 'GaussianDropout', 'AlphaDropout']);

/** Activations that squash logits into probabilities; left out at the output. */
const OUTPUT_SQUASH = new Set(['softmax', 'sigmoid']);

/** Stands in for a layer's fused activation while its linear part runs. */
const LINEAR = { getClassName: () => 'linear', apply: (x: Tensor) => x };

/** The name of a layer's own activation (Conv2D, Dense, Activation, …), or null. */
function activationOf(layer: Layer): string | null {
  const act = (layer as unknown as { activation?: { getClassName?: () => string } | null }).activation;
  return typeof act?.getClassName === 'function' ? act.getClassName() : null;
}

/** Runs a layer with its fused activation switched off, restoring it even when the call throws. */
function applyLinear(layer: Layer, x: Tensor): Tensor {
  const target = layer as unknown as { activation: unknown };
  const saved = target.activation;
  target.activation = LINEAR;
  try {
    return layer.apply(x) as Tensor;
  } finally {
    target.activation = saved;
  }
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [Number(v), Number(v)]);

/**
 * A layer's linear part (before its activation). Conv2D and Dense are written with plain ops:
 * tfjs-layers runs them as fused ops, whose custom gradient also computes the weights' gradient,
 * several times the cost of the input gradient every technique needs.
 */
function linearPart(layer: Layer): (x: Tensor) => Tensor {
  const type = layer.getClassName();
  const config = layer.getConfig();
  if (type === 'Conv2D' && config['dataFormat'] !== 'channelsFirst') {
    const strides = pair(config['strides']);
    const dilation = pair(config['dilationRate'] ?? 1);
    const padding = config['padding'] as 'same' | 'valid';
    return (x) => {
      const [kernel, bias] = layer.getWeights();
      const y = tf.conv2d(x as Tensor4D, kernel as Tensor4D, strides, padding, 'NHWC', dilation);
      return bias ? tf.add(y, bias) : y;
    };
  }
  if (type === 'Dense') {
    return (x) => {
      if (x.rank !== 2) return applyLinear(layer, x);
      const [kernel, bias] = layer.getWeights();
      const y = tf.matMul(x as Tensor2D, kernel as Tensor2D);
      return bias ? tf.add(y, bias) : y;
    };
  }
  return (x) => applyLinear(layer, x);
}

/**
 * A Conv2D layer's convolution, bias and a ReLU after it as one kernel (conv-relu.ts), where the
 * layer allows it: channels last, no dilation (tfjs has no gradient of a dilated conv2d).
 */
function convReluPart(layer: Layer): ((x: Tensor, rule: ReluRule) => Tensor) | undefined {
  const config = layer.getConfig();
  if (layer.getClassName() !== 'Conv2D' || config['dataFormat'] === 'channelsFirst') return undefined;
  if (pair(config['dilationRate'] ?? 1).some((d) => d !== 1)) return undefined;
  const geometry = { strides: pair(config['strides']), padding: config['padding'] as 'same' | 'valid' };
  return (x, rule) => {
    const [kernel, bias] = layer.getWeights();
    return convRelu(x, kernel as Tensor4D, bias, geometry, rule);
  };
}

/**
 * Runs `fn` with the variables reading `values` instead of their own values, restoring them even when it
 * throws. Every layer reads its weights through `LayerVariable.read()` (the plain-op Conv2D and Dense above
 * too, through getWeights), so this one swap serves every layer type; the run is synchronous, so nothing
 * else sees the swapped values. Gradients are right: the tape keeps the tensors an op was given.
 */
function withValues<T>(variables: readonly LayerVariable[], values: readonly Tensor[], fn: () => T): T {
  const swapped = variables as unknown as { read?: () => Tensor }[];
  swapped.forEach((v, i) => (v.read = () => values[i]!));
  try {
    return fn();
  } finally {
    for (const v of swapped) delete v.read;
  }
}

/** Layers that act on each cell alone (kernel 1, stride 1), so receptive fields pass through them unchanged. */
const POINTWISE = new Set([
  'ReLU', 'Activation', 'BatchNormalization', 'LeakyReLU', 'ELU', 'PReLU', 'ThresholdedReLU', ...INFERENCE_IDENTITY,
]);

/** The spatial wiring of a 2-D convolution, pooling or pointwise layer (channels last); undefined for any other. */
function geometryOf(layer: Layer): LayerGeometry | undefined {
  const type = layer.getClassName();
  const config = layer.getConfig();
  if (POINTWISE.has(type)) return { kernel: [1, 1], stride: [1, 1], dilation: [1, 1], padding: 'valid' };
  if (config['dataFormat'] === 'channelsFirst') return undefined;
  const padding = config['padding'] === 'same' ? 'same' : 'valid';
  if (type === 'Conv2D' || type === 'DepthwiseConv2D' || type === 'SeparableConv2D') {
    return { kernel: pair(config['kernelSize']), stride: pair(config['strides'] ?? 1), dilation: pair(config['dilationRate'] ?? 1), padding };
  }
  if (type === 'MaxPooling2D' || type === 'AveragePooling2D') {
    const kernel = pair(config['poolSize']);
    return { kernel, stride: config['strides'] == null ? kernel : pair(config['strides']), dilation: [1, 1], padding };
  }
  return undefined;
}

/** Layers that may stand between a convolution and its activation (Conv → BN → ReLU). */
const BEFORE_ACTIVATION = new Set(['BatchNormalization', ...INFERENCE_IDENTITY]);

/** Layers that are a convolution's nonlinearity, so their output is its rectified maps. */
const ACTIVATION_LAYERS = new Set(['ReLU', 'LeakyReLU', 'ELU', 'PReLU', 'ThresholdedReLU']);

/**
 * The layer whose output is `conv`'s rectified maps: the activation layer that alone reads its output,
 * possibly across batch normalisation or dropout, else `conv` itself, whose output is already rectified
 * when the activation is fused (it runs linear + ReLU as one step) and has no activation otherwise.
 */
function rectifiedOutput(conv: Layer, readersOf: (layer: string) => readonly Layer[]): string {
  if (activationOf(conv) !== 'linear') return conv.name;
  let current = conv;
  for (;;) {
    const readers = readersOf(current.name);
    const next = readers.length === 1 ? readers[0]! : undefined;
    if (!next) return conv.name;
    const type = next.getClassName();
    if (ACTIVATION_LAYERS.has(type) || (type === 'Activation' && !['linear', 'softmax', 'sigmoid'].includes(activationOf(next) ?? ''))) {
      return next.name;
    }
    if (!BEFORE_ACTIVATION.has(type)) return conv.name;
    current = next;
  }
}

function isNestedModel(layer: Layer): boolean {
  return Array.isArray((layer as unknown as { layers?: unknown }).layers);
}

/** One node of the replayed graph. */
interface Step {
  name: string;
  /** The layer's trainable variables, in the order of `layerWeights`. */
  variables: readonly LayerVariable[];
  inputs: number[];
  outputs: number[];
  run(xs: Tensor[], rule: ReluRule): Tensor[];
  /**
   * A convolution whose output only a ReLU layer reads: that step, and both run as one kernel. The
   * forward pass uses it unless the convolution's own output is captured.
   */
  fused?: { relu: Step; run(x: Tensor, rule: ReluRule): Tensor };
}

/** How one layer runs and how it is described. */
interface Role {
  kind: LayerKind;
  run(xs: Tensor[], rule: ReluRule): Tensor | Tensor[];
  note?: string;
  /** Its ReLU follows the chosen rule. */
  relu?: boolean;
  /** A linear convolution's run with a ReLU after it, in one kernel, where the layer allows it. */
  convRelu?: (x: Tensor, rule: ReluRule) => Tensor;
}

function roleOf(layer: Layer, isOutput: boolean): Role {
  const type = layer.getClassName();
  const act = activationOf(layer);
  const plain = (xs: Tensor[]) => layer.apply(xs.length === 1 ? xs[0]! : xs) as Tensor | Tensor[];
  const kind = KIND_BY_CLASS[type] ?? 'other';
  const maxValue = (layer as unknown as { maxValue?: number | null }).maxValue;
  if ((type === 'ReLU' && maxValue == null) || (type === 'Activation' && act === 'relu')) {
    return { kind: 'relu', relu: true, run: ([x], rule) => reluWithRule(rule)(x!) };
  }
  if (isOutput && (type === 'Softmax' || (type === 'Activation' && act && OUTPUT_SQUASH.has(act)))) {
    return { kind: 'other', run: ([x]) => x!, note: `The final ${act ?? 'softmax'} ('${layer.name}') is left out, so the output is the logits.` };
  }
  if (type !== 'Activation' && act === 'relu') {
    const linear = linearPart(layer);
    const fused = convReluPart(layer);
    return { kind, relu: true, run: ([x], rule) => (fused ? fused(x!, rule) : reluWithRule(rule)(linear(x!))) };
  }
  if (type !== 'Activation' && isOutput && act && OUTPUT_SQUASH.has(act)) {
    const linear = linearPart(layer);
    return { kind, run: ([x]) => linear(x!), note: `The ${act} of '${layer.name}' is left out, so the output is the logits.` };
  }
  if (type !== 'Activation' && act === 'linear') {
    const linear = linearPart(layer);
    const convRelu = convReluPart(layer);
    return { kind, run: ([x]) => linear(x!), ...(convRelu ? { convRelu } : {}) };
  }
  if (isNestedModel(layer)) {
    return {
      kind,
      run: plain,
      note: `'${layer.name}' is a whole model inside this one: it runs as one block, and its ReLUs keep the ordinary gradient.`,
    };
  }
  const other =
    type === 'ReLU' ? `ReLU with a ceiling of ${maxValue}` : act && act !== 'linear' && act !== 'relu' ? act : ['LeakyReLU', 'ELU', 'PReLU', 'ThresholdedReLU', 'Softmax'].includes(type) ? type : null;
  return {
    kind,
    run: plain,
    ...(other ? { note: `'${layer.name}' (${other}) keeps its ordinary gradient under every backward rule.` } : {}),
  };
}

/** Nodes of the model in execution order, as tfjs-layers orders them. */
function nodesInOrder(model: LayersModel): LayerNode[] {
  const byDepth = model.nodesByDepth as unknown as Record<string, LayerNode[]>;
  return Object.keys(byDepth)
    .map(Number)
    .sort((a, b) => b - a)
    .flatMap((depth) => byDepth[depth]!);
}

/** The layer that produces the model's logits once an output softmax is dropped. */
function producerOf(node: LayerNode): Layer | undefined {
  return node.inboundLayers[0];
}

function shapeOf(t: SymbolicTensor): number[] {
  return t.shape.slice(1).map((d) => d ?? -1);
}

/**
 * Wraps a tfjs-layers model as a {@link ConvNet}. Throws a `ModelLoadError` when the
 * model does not take one image input or its conv and logit layers cannot be found.
 * The ConvNet owns the model: `dispose()` disposes it. Views made by `withLayerWeights`
 * borrow the model and the replacement tensors: their `dispose()` frees nothing, and they
 * must not be used once the original is disposed or the replacements are.
 */
export function layersConvNet(model: LayersModel, meta: ConvNetMeta): ConvNet & WeightAccess {
  if (model.inputs.length !== 1) {
    throw new ModelLoadError('not-image', `The model takes ${model.inputs.length} inputs; the book needs a network that takes one image.`);
  }
  const inputShape = imageInputShape(model.inputs[0]!.shape, meta.inputShape);
  // A Sequential model builds its inner graph lazily, on first use.
  if (!model.built) model.build(model.inputs[0]!.shape);
  const outputIds = new Set(model.outputs.map((t) => t.id));
  const steps: Step[] = [];
  const outputOf = new Map<string, number>([[model.inputLayers[0]!.name, model.inputs[0]!.id]]);
  const layers: LayerSummary[] = [
    { name: model.inputLayers[0]!.name, kind: 'input', type: 'InputLayer', outputShape: [...inputShape], params: 0 },
  ];
  const notes = new Set<string>();
  const convRelus = new Map<Step, NonNullable<Role['convRelu']>>();
  const reluSteps = new Set<Step>();
  let relus = 0;
  let nested = false;
  const sources = new Map<number, { name: string; type: string; node: LayerNode }>();
  const variablesOf = new Map<string, readonly LayerVariable[]>([[model.inputLayers[0]!.name, []]]);
  // Who reads each tensor, and each layer by name, to find the activation after a convolution.
  const readers = new Map<number, Layer[]>();
  const layerOf = new Map<string, Layer>();

  for (const node of nodesInOrder(model)) {
    const layer = node.outboundLayer;
    const type = layer.getClassName();
    if (type === 'InputLayer') continue;
    const isOutput = node.outputTensors.some((t) => outputIds.has(t.id));
    const role = roleOf(layer, isOutput);
    if (role.note) notes.add(role.note);
    if (role.relu) relus++;
    if (isNestedModel(layer)) nested = true;
    variablesOf.set(layer.name, layer.trainableWeights);
    layerOf.set(layer.name, layer);
    for (const t of node.inputTensors) readers.set(t.id, [...(readers.get(t.id) ?? []), layer]);
    const step: Step = {
      name: layer.name,
      variables: layer.trainableWeights,
      inputs: node.inputTensors.map((t) => t.id),
      outputs: node.outputTensors.map((t) => t.id),
      run: (xs, rule) => [role.run(xs, rule)].flat(),
    };
    steps.push(step);
    if (role.convRelu) convRelus.set(step, role.convRelu);
    if (role.kind === 'relu') reluSteps.add(step);
    outputOf.set(layer.name, node.outputTensors[0]!.id);
    for (const t of node.outputTensors) sources.set(t.id, { name: layer.name, type, node });
    const geometry = geometryOf(layer);
    layers.push({
      name: layer.name,
      kind: role.kind,
      type,
      outputShape: shapeOf(node.outputTensors[0]!),
      params: layer.countParams(),
      ...(geometry ? { geometry } : {}),
    });
  }

  // A convolution whose output is read by one ReLU layer alone runs with it as one kernel.
  for (const [conv, run] of convRelus) {
    const [out] = conv.outputs;
    const [reader, ...others] = readers.get(out!) ?? [];
    const relu = steps.filter((s) => s.name === reader?.name);
    if (conv.outputs.length !== 1 || outputIds.has(out!) || others.length > 0 || relu.length !== 1) continue;
    if (reluSteps.has(relu[0]!) && relu[0]!.inputs.length === 1) conv.fused = { relu: relu[0]!, run };
  }

  // The logits: the model's single output, or the input of an output softmax layer.
  let detected: string | null = null;
  if (model.outputs.length === 1) {
    const out = sources.get(model.outputs[0]!.id);
    const squash = out && (out.type === 'Softmax' || (out.type === 'Activation' && OUTPUT_SQUASH.has(activationOf(out.node.outboundLayer) ?? '')));
    detected = squash ? (producerOf(out.node)?.name ?? null) : (out?.name ?? null);
  }
  const readersOf = (name: string) => (outputIds.has(outputOf.get(name)!) ? [] : (readers.get(outputOf.get(name)!) ?? []));
  const roles = resolveRoles(layers, meta, detected, (conv) => rectifiedOutput(layerOf.get(conv)!, readersOf));
  const cam = camLayerOf(roles.logitLayer, layers, (name) => steps.find((s) => s.name === name), sources);

  if (nested) notes.add('Deconvnet and guided backpropagation need every ReLU, and some are inside a nested model.');
  if (relus === 0) notes.add('The network has no ReLU, so the backward rules have nothing to change.');
  if (!cam) notes.add('CAM needs global average pooling followed by at most one dense layer at the end; Grad-CAM works on any conv layer.');

  const logitId = outputOf.get(roles.logitLayer)!;
  // `replaced`: weights used instead of the model's own, by layer name; `owner`: whether dispose() frees the model.
  const view = (replaced: ReadonlyMap<string, readonly Tensor[]>, owner: boolean): ConvNet & WeightAccess => ({
    id: meta.id,
    title: meta.title,
    format: 'layers',
    inputShape,
    inputRange: meta.inputRange ?? DEFAULT_INPUT_RANGE,
    classNames: roles.classNames,
    layers,
    convLayers: roles.convLayers,
    logitLayer: roles.logitLayer,
    camLayer: cam,
    params: model.countParams(),
    capabilities: { reluRules: !nested && relus > 0, cam: cam !== null, notes: [...notes] },
    forward(x: Tensor, options: ForwardOptions = {}): ForwardResult {
      return runSteps(steps, outputOf, x, logitId, options, model.inputs[0]!.id, !nested, replaced);
    },
    layerWeights(name: string): readonly Tensor[] {
      assertKnownLayer(name, variablesOf);
      return replaced.get(name) ?? variablesOf.get(name)!.map((v) => v.read());
    },
    withLayerWeights(replacements: Record<string, readonly Tensor[]>) {
      for (const [name, values] of Object.entries(replacements)) checkReplacement(name, values, variablesOf);
      return view(new Map([...replaced, ...Object.entries(replacements).map(([n, v]) => [n, [...v]] as const)]), false);
    },
    dispose() {
      if (owner) model.dispose();
    },
  });
  return view(new Map(), true);
}

/** Throws unless `values` can stand in for the trainable weights of layer `name`, tensor for tensor. */
function checkReplacement(name: string, values: readonly Tensor[], variablesOf: ReadonlyMap<string, readonly LayerVariable[]>): void {
  assertKnownLayer(name, variablesOf);
  const own = variablesOf.get(name)!;
  const shapes = (ts: readonly { shape: readonly (number | null)[] }[]) => JSON.stringify(ts.map((t) => t.shape));
  if (shapes(values) !== shapes(own)) {
    throw new Error(`'${name}' has weights of shapes ${shapes(own)}; the replacements have ${shapes(values)}.`);
  }
}

/** The layer a final GAP averages, when the logits are GAP → (inference identities) → at most one Dense. */
function camLayerOf(
  logitLayer: string,
  layers: readonly LayerSummary[],
  stepOf: (name: string) => Step | undefined,
  sources: ReadonlyMap<number, { name: string; type: string; node: LayerNode }>,
): string | null {
  // The layer feeding `name`, looking through layers that do nothing at inference (Dropout).
  const producer = (name: string) => {
    let step = stepOf(name);
    let prev = step && step.inputs.length === 1 ? sources.get(step.inputs[0]!) : undefined;
    while (prev && INFERENCE_IDENTITY.has(prev.type)) {
      step = stepOf(prev.name);
      prev = step && step.inputs.length === 1 ? sources.get(step.inputs[0]!) : undefined;
    }
    return prev;
  };
  let current = layers.find((l) => l.name === logitLayer);
  if (current?.kind === 'dense') {
    const prev = producer(current.name);
    current = prev && layers.find((l) => l.name === prev.name);
  }
  if (current?.kind !== 'gap') return null;
  return producer(current.name)?.name ?? null;
}

/** Replays the steps from the image (or from the layer `options.from`) to the logits. */
function runSteps(
  steps: readonly Step[],
  outputOf: ReadonlyMap<string, number>,
  x: Tensor,
  logitId: number,
  options: ForwardOptions,
  inputId: number,
  rulesApply: boolean,
  replaced: ReadonlyMap<string, readonly Tensor[]>,
): ForwardResult {
  const rule = options.relu ?? 'backprop';
  if (rule !== 'backprop' && !rulesApply) {
    throw new Error(`This network cannot use the ${rule} rule: some of its ReLUs cannot be swapped (see its notes).`);
  }
  const capture = options.capture ?? [];
  for (const name of capture) assertKnownLayer(name, outputOf);
  let start = 0;
  const values = new Map<number, Tensor>();
  if (options.from) {
    assertKnownLayer(options.from, outputOf);
    values.set(outputOf.get(options.from)!, x);
    start = steps.findIndex((s) => s.name === options.from) + 1;
  } else {
    values.set(inputId, x);
  }
  const done = new Set<Step>();
  for (const step of steps.slice(start)) {
    if (done.has(step)) continue;
    const xs = step.inputs.map((id) => values.get(id));
    if (xs.every((v) => v === undefined)) continue;
    if (xs.some((v) => v === undefined)) {
      throw new Error(
        `Cannot start from '${options.from}': '${step.name}' also needs a layer on another path around it.`,
      );
    }
    const weights = replaced.get(step.name);
    const fused = step.fused && !capture.includes(step.name) ? step.fused : undefined;
    const run = fused ? () => [fused.run(xs[0]!, rule)] : () => step.run(xs as Tensor[], rule);
    const outputs = fused ? fused.relu.outputs : step.outputs;
    (weights ? withValues(step.variables, weights, run) : run()).forEach((t, i) => values.set(outputs[i]!, t));
    if (fused) done.add(fused.relu);
  }
  const logits = values.get(logitId);
  if (!logits) throw new Error(`The logits cannot be reached from '${options.from}'.`);
  const activations: Record<string, Tensor> = {};
  for (const name of capture) {
    const value = values.get(outputOf.get(name)!);
    if (!value) throw new Error(`'${name}' comes before '${options.from}', so it cannot be captured from there.`);
    activations[name] = value;
  }
  return { logits: toLogits(logits), activations };
}
