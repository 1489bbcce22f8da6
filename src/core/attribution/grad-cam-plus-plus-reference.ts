/**
 * Grad-CAM++ from explicit higher derivatives: the readable reference beside
 * the closed form of grad-cam-plus-plus.ts, for small layers only.
 *
 * For each element a = A^k_ij it differentiates s(t) = S^c(A + t·e_a) three
 * times at t = 0 by nested `tf.grad`, giving S', S'', S''' along that element,
 * and composes Y = exp(S) by the chain rule (Faà di Bruno), divided by e^S:
 *   Y'/e^S = S',   Y''/e^S = S'² + S'',   Y'''/e^S = S'³ + 3 S' S'' + S'''.
 * With S'' = S''' = 0 (a piecewise-linear net after the layer) this is the
 * closed form exactly; with a smooth net after the layer the two differ.
 *
 * Limitation (tfjs 4.22): kernels that save their outputs for the gradient
 * (exp, sigmoid, tanh, softplus's sigmoid, ...) are not differentiated a
 * second time: their higher derivatives come out as 0. Products, sums,
 * convolutions, matMul, ReLU and means are exact; the tests check this
 * function against finite differences on such a net.
 */
import { tf, type Tensor } from '../tf';
import { plusPlusAlpha, plusPlusWeights } from './grad-cam-plus-plus';
import { explainedLayer, scoreFromLayer, weightedCam } from './pipeline';
import type { AttributionInput, AttributionMap } from './types';

/** Largest layer (in elements) the reference accepts: it runs three nested gradients per element. */
export const REFERENCE_MAX_ELEMENTS = 1024;

type Fn = (t: Tensor) => Tensor;

/** d/dt of a scalar function, kept on the tape even where constant in t (tf.grad refuses a function that ignores its input). */
const derivative = (f: Fn): Fn => (t) => tf.add(tf.grad(f)(t), tf.mul(t, 0));

/** Grad-CAM++ with α from the true second and third derivatives; same extras as the closed form. */
export function gradCamPlusPlusReference(input: AttributionInput): Promise<AttributionMap> {
  const score = scoreFromLayer(input.net, explainedLayer(input), input.target);
  return weightedCam(input, ({ activation, score: s }) => {
    if (activation.size > REFERENCE_MAX_ELEMENTS) {
      throw new Error(`layer too large for the reference (${activation.size} elements)`);
    }
    const zero = tf.scalar(0);
    const rows = Array.from({ length: activation.size }, (_, e) => {
      // Built from data: tfjs-backend-wasm 4.22's OneHot writes int32 bits into a float32 tensor.
      const unit = new Float32Array(activation.size);
      unit[e] = 1;
      const basis = tf.tensor(unit, activation.shape);
      const d1 = derivative((t) => score(tf.add(activation, tf.mul(basis, t))));
      const d2 = derivative(d1);
      return tf.stack([d1(zero), d2(zero), derivative(d2)(zero)]);
    });
    const [s1, s2, s3] = tf.unstack(tf.stack(rows), 1).map((d) => tf.reshape(d, activation.shape));
    const y2 = tf.add(tf.square(s1!), s2!);
    const y3 = tf.add(tf.add(tf.pow(s1!, 3), tf.mul(3, tf.mul(s1!, s2!))), s3!);
    const alpha = plusPlusAlpha(activation, y2, y3);
    return { weights: plusPlusWeights(alpha, s1!), extras: { alpha, score: s } };
  });
}
