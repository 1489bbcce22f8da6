/**
 * A fixed small CNN used to compare backends: the calibration that picks the
 * engine and the benchmark both time its forward pass plus input gradient, the
 * work every gradient-based chapter does.
 */
import { tf, type Tensor, type Tensor4D } from './tf';
import { lcgUniform } from './random';

/** Shape of the probe's input, NHWC: a 64×64 colour image like the book's colour model. */
export const PROBE_INPUT_SHAPE: [number, number, number, number] = [1, 64, 64, 3];

/** Channels of the probe's three 3×3 convolution layers. */
export const PROBE_CHANNELS = [16, 32, 64] as const;

/** A timed workload that owns its weights until disposed. */
export interface ProbeNet {
  /** One forward pass and the gradient of a logit w.r.t. the input; resolves when the numbers are read back. */
  run(): Promise<number>;
  dispose(): void;
}

/** Builds the probe on the active backend. */
export function createProbeNet(): ProbeNet {
  const weights: Tensor4D[] = [];
  let inC = PROBE_INPUT_SHAPE[3];
  PROBE_CHANNELS.forEach((outC, i) => {
    const n = 9 * inC * outC;
    weights.push(tf.tensor4d(lcgUniform(n, 17 + i, Math.sqrt(6 / (9 * inC))), [3, 3, inC, outC]));
    inC = outC;
  });
  const input = tf.tensor4d(lcgUniform(PROBE_INPUT_SHAPE.reduce((a, b) => a * b), 5, 1), PROBE_INPUT_SHAPE);

  const score = (x: Tensor) => {
    let h = x as Tensor4D;
    weights.forEach((w, i) => {
      h = tf.relu(tf.conv2d(h, w, 1, 'same'));
      if (i < weights.length - 1) h = tf.maxPool(h, 2, 2, 'valid');
    });
    return tf.mean(h);
  };

  return {
    async run() {
      const grad = tf.tidy(() => tf.grad(score)(input));
      try {
        const data = await grad.data();
        return data[0]!;
      } finally {
        grad.dispose();
      }
    },
    dispose() {
      tf.dispose([...weights, input]);
    },
  };
}
