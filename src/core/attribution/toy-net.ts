/**
 * Small ConvNets built from raw TensorFlow.js ops with known (given or seeded)
 * weights: the hand-solvable networks of the attribution tests and the
 * workloads of the benchmark. They implement {@link ConvNet} in full, and
 * {@link WeightAccess} so the sanity checks can randomise their layers.
 */
import type { ConvNet, ForwardOptions, ForwardResult, LayerKind, LayerSummary, WeightAccess } from '../convnet';
import { reluWithRule } from '../relu-rules';
import { lcgUniform } from '../random';
import { tf, type Tensor, type Tensor2D, type Tensor4D } from '../tf';

/** One layer of a toy net. Weights left out are drawn from the net's seed (He-uniform, biases in ±0.1). */
export type ToyLayer =
  | { kind: 'conv'; name: string; filters: number; size: number; kernel?: ArrayLike<number>; bias?: ArrayLike<number> }
  | { kind: 'dense'; name: string; units: number; kernel?: ArrayLike<number>; bias?: ArrayLike<number> }
  | { kind: 'maxpool'; name: string; size: number }
  /** relu: max(x, 0); cubic: x + x³, a smooth activation whose higher derivatives are not zero. */
  | { kind: 'relu' | 'cubic' | 'gap' | 'flatten'; name: string };

/** A toy net's architecture; `kernel`s are HWIO (conv) or [in, out] (dense), flattened row-major. */
export interface ToyNetSpec {
  id?: string;
  inputShape: [number, number, number];
  inputRange?: [number, number];
  layers: ToyLayer[];
  seed?: number;
}

/** A toy ConvNet whose weights the sanity checks can read and replace. */
export type ToyNet = ConvNet & WeightAccess;

const KIND: Record<ToyLayer['kind'], [LayerKind, string]> = {
  conv: ['conv', 'Conv2D'], dense: ['dense', 'Dense'], maxpool: ['pool', 'MaxPooling2D'], relu: ['relu', 'ReLU'],
  cubic: ['other', 'Cubic'], gap: ['gap', 'GlobalAveragePooling2D'], flatten: ['flatten', 'Flatten'],
};

/** Output shape (no batch) and the weight shapes of each layer. */
function shapes(spec: ToyNetSpec): { out: number[]; weights: number[][] }[] {
  let s: number[] = [...spec.inputShape];
  return spec.layers.map((l) => {
    const inC = s[s.length - 1]!;
    let weights: number[][] = [];
    if (l.kind === 'conv') [s, weights] = [[s[0]!, s[1]!, l.filters], [[l.size, l.size, inC, l.filters], [l.filters]]];
    else if (l.kind === 'dense') [s, weights] = [[l.units], [[inC, l.units], [l.units]]];
    else if (l.kind === 'maxpool') s = [Math.floor(s[0]! / l.size), Math.floor(s[1]! / l.size), inC];
    else if (l.kind === 'gap') s = [inC];
    else if (l.kind === 'flatten') s = [s.reduce((a, b) => a * b, 1)];
    return { out: s, weights };
  });
}

/** Builds a toy net on the active backend; it owns its weights until disposed. */
export function createToyNet(spec: ToyNetSpec): ToyNet {
  const seed = spec.seed ?? 1;
  const weights = new Map<string, Tensor[]>();
  shapes(spec).forEach(({ weights: ws }, i) => {
    const l = spec.layers[i]!;
    if (ws.length === 0 || (l.kind !== 'conv' && l.kind !== 'dense')) return;
    const [kShape, bShape] = ws as [number[], number[]];
    const fanIn = kShape.slice(0, -1).reduce((a, b) => a * b, 1);
    const kernel = l.kernel ?? lcgUniform(kShape.reduce((a, b) => a * b, 1), seed * 7919 + 2 * i, Math.sqrt(6 / fanIn));
    const bias = l.bias ?? lcgUniform(bShape[0]!, seed * 7919 + 2 * i + 1, 0.1);
    weights.set(l.name, [tf.tensor(Float32Array.from(kernel), kShape), tf.tensor(Float32Array.from(bias), bShape)]);
  });
  return assemble(spec, weights, () => tf.dispose([...weights.values()].flat()));
}

function assemble(spec: ToyNetSpec, weights: Map<string, Tensor[]>, dispose: () => void): ToyNet {
  const dims = shapes(spec);
  const names = spec.layers.map((l) => l.name);
  const layers: LayerSummary[] = [
    { name: 'input', kind: 'input', type: 'InputLayer', outputShape: [...spec.inputShape], params: 0 },
    ...spec.layers.map((l, i) => ({
      name: l.name,
      kind: KIND[l.kind][0],
      type: KIND[l.kind][1],
      outputShape: dims[i]!.out,
      params: dims[i]!.weights.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0),
    })),
  ];
  const kinds = spec.layers.map((l) => l.kind).join(',');
  const cam = /gap,dense$/.test(kinds) && spec.layers.length >= 3;
  // 'input' is the image itself, so `from: 'input'` runs the whole net and capturing it returns the image.
  const indexOf = (name: string) => {
    if (name === 'input') return -1;
    const i = names.indexOf(name);
    if (i < 0) throw new Error(`toy net has no layer "${name}"`);
    return i;
  };

  function apply(l: ToyLayer, h: Tensor, relu: (x: Tensor) => Tensor): Tensor {
    const [w, b] = weights.get(l.name) ?? [];
    switch (l.kind) {
      case 'conv': return tf.add(tf.conv2d(h as Tensor4D, w as Tensor4D, 1, 'same'), b!);
      case 'dense': return tf.add(tf.matMul(h as Tensor2D, w as Tensor2D), b!);
      case 'maxpool': return tf.maxPool(h as Tensor4D, l.size, l.size, 'valid');
      case 'relu': return relu(h);
      // Products only: tfjs cannot differentiate twice through ops that save their outputs (exp, tanh, ...).
      case 'cubic': return tf.add(h, tf.mul(tf.mul(h, h), h));
      case 'gap': return tf.mean(h, [1, 2]);
      case 'flatten': return tf.reshape(h, [h.shape[0]!, -1]);
    }
  }

  return {
    id: spec.id ?? 'toy',
    title: `Toy net (${kinds})`,
    // Neither adapter runs it; it follows the layers adapter's conventions (one summary per layer, input first).
    format: 'layers',
    inputShape: spec.inputShape,
    inputRange: spec.inputRange ?? [0, 1],
    classNames: Array.from({ length: dims[dims.length - 1]!.out[0]! }, (_, i) => `class ${i}`),
    layers,
    convLayers: spec.layers.filter((_, i) => dims[i]!.out.length === 3).map((l) => l.name),
    logitLayer: names[names.length - 1]!,
    camLayer: cam ? names[names.length - 3]! : null,
    params: layers.reduce((n, l) => n + l.params, 0),
    capabilities: { reluRules: true, cam, notes: cam ? [] : ['CAM needs global average pooling then one dense layer.'] },
    forward(x: Tensor, options: ForwardOptions = {}): ForwardResult {
      const capture = new Set(options.capture ?? []);
      capture.forEach(indexOf);
      // The true gradient uses tf.relu itself, so that higher derivatives can pass through it.
      const relu = options.relu && options.relu !== 'backprop' ? reluWithRule(options.relu) : tf.relu;
      const from = options.from ?? 'input';
      const start = indexOf(from) + 1;
      const activations: Record<string, Tensor> = {};
      if (capture.has(from)) activations[from] = x;
      let h = x;
      for (let i = start; i < spec.layers.length; i++) {
        h = apply(spec.layers[i]!, h, relu);
        if (capture.has(names[i]!)) activations[names[i]!] = h;
      }
      return { logits: h as Tensor2D, activations };
    },
    layerWeights: (layer: string) => (indexOf(layer) >= 0 ? weights.get(layer) ?? [] : []),
    withLayerWeights(replacements: Record<string, readonly Tensor[]>): ToyNet {
      const merged = new Map(weights);
      for (const [name, ws] of Object.entries(replacements)) if (indexOf(name) >= 0) merged.set(name, [...ws]);
      return assemble(spec, merged, () => {});
    },
    dispose,
  };
}

/** Input side, channels and classes of the colour toy net: the book's colour scenes are 64×64 RGB, 7 classes. */
export const COLOUR_TOY_SHAPE = { size: 64, channels: 3, classes: 7 } as const;

/**
 * A toy net of the colour model's input size: conv 3×3×8, ReLU, max-pool 2,
 * conv 3×3×16, ReLU, global average pooling, dense to 7 logits (so CAM applies).
 */
export function createColourToyNet(seed = 1): ToyNet {
  const { size, channels, classes } = COLOUR_TOY_SHAPE;
  return createToyNet({
    id: 'colour-toy',
    inputShape: [size, size, channels],
    seed,
    layers: [
      { kind: 'conv', name: 'conv1', filters: 8, size: 3 },
      { kind: 'relu', name: 'relu1' },
      { kind: 'maxpool', name: 'pool1', size: 2 },
      { kind: 'conv', name: 'conv2', filters: 16, size: 3 },
      { kind: 'relu', name: 'relu2' },
      { kind: 'gap', name: 'gap' },
      { kind: 'dense', name: 'logits', units: classes },
    ],
  });
}
