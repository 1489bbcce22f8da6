/** The toy networks and numeric helpers the attribution tests share. */
import { tf, type Tensor, type Tensor4D } from '../../../src/core/tf';
import type { ConvNet } from '../../../src/core/convnet';
import { createToyNet, type ToyNet } from '../../../src/core/attribution/toy-net';
import { seededRandom } from '../backends';

/** The 4×4 grey image of the hand-solved GAP net: both signs, so both ReLU branches fire. */
export const HAND_IMAGE = [0.5, -1, 2, 0, -0.25, 1, -2, 0.75, 1.5, -0.5, 0.25, -1.5, 0, 1, -0.75, 0.5];

/**
 * conv 1×1 with kernel [1, −1] (so the two maps are relu(x) and relu(−x)),
 * ReLU, global average pooling, dense with W = [[2, −1], [−3, 1]] (rows: the
 * two maps; columns: the two classes), biases 0.5 and −0.5.
 * Logit 0 = 2·mean relu(x) − 3·mean relu(−x) + 0.5.
 */
export function handGapNet(): ToyNet {
  return createToyNet({
    id: 'hand-gap',
    inputShape: [4, 4, 1],
    inputRange: [-2, 2],
    layers: [
      { kind: 'conv', name: 'conv', filters: 2, size: 1, kernel: [1, -1], bias: [0, 0] },
      { kind: 'relu', name: 'relu' },
      { kind: 'gap', name: 'gap' },
      { kind: 'dense', name: 'logits', units: 2, kernel: [2, -1, -3, 1], bias: [0.5, -0.5] },
    ],
  });
}

/** A linear net: flatten then dense, 2×2×3 input, 2 classes, known weights. */
export const LINEAR_KERNEL = [
  [0.5, -1], [-2, 0.25], [0.1, 0.3], // pixel (0,0): channels r, g, b; columns: classes
  [1, 1], [-0.5, 2], [0.2, -0.1],
  [0, -3], [0.4, 0.4], [-0.6, 0.5],
  [1.5, 0], [-1.5, 0.2], [0.7, -0.7],
];
export function linearNet(): ToyNet {
  return createToyNet({
    id: 'linear',
    inputShape: [2, 2, 3],
    layers: [
      { kind: 'flatten', name: 'flatten' },
      { kind: 'dense', name: 'logits', units: 2, kernel: LINEAR_KERNEL.flat(), bias: [0.1, -0.2] },
    ],
  });
}

/** Two 3×3 conv layers with max-pooling between, then GAP and dense: 8×8×3 input, 3 classes, seeded weights. */
export function twoConvNet(seed = 3, inputRange: [number, number] = [0, 1]): ToyNet {
  return createToyNet({
    id: 'two-conv',
    inputShape: [8, 8, 3],
    inputRange,
    seed,
    layers: [
      { kind: 'conv', name: 'conv1', filters: 4, size: 3 },
      { kind: 'relu', name: 'relu1' },
      { kind: 'maxpool', name: 'pool1', size: 2 },
      { kind: 'conv', name: 'conv2', filters: 6, size: 3 },
      { kind: 'relu', name: 'relu2' },
      { kind: 'gap', name: 'gap' },
      { kind: 'dense', name: 'logits', units: 3 },
    ],
  });
}

/**
 * A net whose score beyond the explained layer `relu1` is `after`:
 * 'relu' (piecewise linear: the Grad-CAM++ closed form is exact) or 'cubic'
 * (smooth: it is not). 4×4×2 input, so the layer has 32 elements.
 */
export function plusPlusNet(after: 'relu' | 'cubic', seed = 5): ToyNet {
  return createToyNet({
    id: `plus-plus-${after}`,
    inputShape: [4, 4, 2],
    seed,
    layers: [
      { kind: 'conv', name: 'conv1', filters: 2, size: 3 },
      { kind: 'relu', name: 'relu1' },
      { kind: 'conv', name: 'conv2', filters: 3, size: 3 },
      { kind: after, name: 'act2' },
      { kind: 'gap', name: 'gap' },
      { kind: 'dense', name: 'logits', units: 2 },
    ],
  });
}

/** A seeded image in `range`, [1, h, w, c]. */
export function randomImage(net: ConvNet, seed = 11): Tensor4D {
  const [h, w, c] = net.inputShape;
  const [lo, hi] = net.inputRange;
  const rand = seededRandom(seed);
  return tf.tensor4d(Float32Array.from({ length: h * w * c }, () => lo + (hi - lo) * rand()), [1, h, w, c]);
}

/**
 * Central differences of `f` (a scalar function of a tensor) at `x` along the
 * flat entries `at`, all perturbed copies evaluated in one go.
 */
export function centralDifferences(f: (x: Tensor) => number, x: Tensor, at: number[], h: number): number[] {
  const base = x.dataSync();
  return at.map((i) => {
    const shifted = (d: number) => {
      const v = Float32Array.from(base);
      v[i]! += d;
      const t = tf.tensor(v, x.shape);
      try {
        return f(t);
      } finally {
        t.dispose();
      }
    };
    return (shifted(h) - shifted(-h)) / (2 * h);
  });
}

/** A scalar read synchronously from a tidy computation (tests only). */
export function scalarOf(fn: () => Tensor): number {
  const t = tf.tidy(fn);
  try {
    return t.dataSync()[0]!;
  } finally {
    t.dispose();
  }
}
