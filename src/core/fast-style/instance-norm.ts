/**
 * Instance normalisation (Ulyanov, Vedaldi & Lempitsky 2016, "Instance Normalization: The Missing
 * Ingredient for Fast Stylization", https://arxiv.org/abs/1607.08022, eq. 2) and conditional instance
 * normalisation (Dumoulin, Shlens & Kudlur 2017, "A Learned Representation for Artistic Style",
 * https://arxiv.org/abs/1610.07629, eq. 5), as ops and as tfjs layers that a layers model saves and
 * loads from model.json.
 *
 * For each image n and channel c, with μ_nc and σ²_nc the mean and variance over the H·W positions:
 *
 *   IN(x)_nhwc  = γ_c (x_nhwc − μ_nc) / √(σ²_nc + ε) + β_c
 *   CIN(x, s)   = γ^s_c (x − μ_nc) / √(σ²_nc + ε) + β^s_c
 *
 * Unlike batch normalisation, the statistics are each image's own, at training and at inference alike.
 * CIN keeps one (γ^s, β^s) per style s; a blend of styles with weights w uses γ = Σ_s w_s γ^s and
 * β = Σ_s w_s β^s (Dumoulin et al. §4: convex combinations of the style parameters), so one network
 * renders every style and every mixture.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { tf, type Tensor, type Tensor2D, type Tensor4D } from '../tf';

/** ε of both layers: added to the variance before the square root. */
export const NORM_EPSILON = 1e-5;

/**
 * (x − μ_nc) / √(σ²_nc + ε) over each image's positions. Synchronous. The sums over positions are
 * products with a row of 1/(H·W), [N, 1, HW] × [N, HW, C]: a mean over the middle axes of NHWC would
 * first transpose the whole map on the WASM backend, which made the network a third slower.
 */
export function normalisePerInstance(x: Tensor4D, epsilon = NORM_EPSILON): Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const flat = tf.reshape(x, [n, h * w, c]);
    const average = tf.fill([n, 1, h * w], 1 / (h * w));
    const mean = tf.matMul(average, flat); // [N, 1, C]
    const centred = tf.sub(flat, mean);
    const variance = tf.matMul(average, tf.square(centred));
    return tf.reshape(tf.mul(centred, tf.rsqrt(tf.add(variance, epsilon))), [n, h, w, c]) as Tensor4D;
  });
}

/** IN(x) with per-channel γ, β of shape [C]. Synchronous. */
export function instanceNorm(x: Tensor4D, gamma: Tensor, beta: Tensor, epsilon = NORM_EPSILON): Tensor4D {
  return tf.tidy(() => tf.add(tf.mul(normalisePerInstance(x, epsilon), gamma), beta) as Tensor4D);
}

/**
 * CIN(x, w): `gammas` and `betas` are [S, C] (one row per style), `weights` is [N, S] (one blend per
 * image). γ = w · gammas and β = w · betas, per image. Synchronous.
 */
export function conditionalInstanceNorm(x: Tensor4D, weights: Tensor2D, gammas: Tensor2D, betas: Tensor2D, epsilon = NORM_EPSILON): Tensor4D {
  return tf.tidy(() => {
    const [n, , , c] = x.shape;
    const gamma = tf.reshape(tf.matMul(weights, gammas), [n, 1, 1, c]);
    const beta = tf.reshape(tf.matMul(weights, betas), [n, 1, 1, c]);
    return tf.add(tf.mul(normalisePerInstance(x, epsilon), gamma), beta) as Tensor4D;
  });
}

type Shape = (number | null)[];
type LayerArgs = ConstructorParameters<typeof tfl.layers.Layer>[0] & { epsilon?: number };

/** An IN layer with trainable γ (ones) and β (zeros) per channel. */
export class InstanceNorm extends tfl.layers.Layer {
  static className = 'InstanceNorm';
  private readonly epsilon: number;
  private gamma!: tfl.LayerVariable;
  private beta!: tfl.LayerVariable;

  constructor(args: LayerArgs = {}) {
    super(args);
    this.epsilon = args.epsilon ?? NORM_EPSILON;
  }

  override build(inputShape: Shape | Shape[]): void {
    const c = (inputShape as Shape).at(-1) as number;
    this.gamma = this.addWeight('gamma', [c], 'float32', tfl.initializers.ones());
    this.beta = this.addWeight('beta', [c], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as Tensor4D;
    return instanceNorm(x, this.gamma.read(), this.beta.read(), this.epsilon);
  }

  override getConfig() {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

/**
 * A CIN layer of `styles` styles. Inputs: [x [N, H, W, C], weights [N, S]]. γ^s starts at ones and
 * β^s at zeros for every style.
 */
export class ConditionalInstanceNorm extends tfl.layers.Layer {
  static className = 'ConditionalInstanceNorm';
  private readonly epsilon: number;
  readonly styles: number;
  private gammas!: tfl.LayerVariable;
  private betas!: tfl.LayerVariable;

  constructor(args: LayerArgs & { styles: number }) {
    super(args);
    if (!(Number.isInteger(args.styles) && args.styles > 0)) throw new Error(`A conditional instance norm needs a whole number of styles; got ${args.styles}.`);
    this.styles = args.styles;
    this.epsilon = args.epsilon ?? NORM_EPSILON;
  }

  override build(inputShape: Shape | Shape[]): void {
    const [xShape, wShape] = inputShape as Shape[];
    if (!xShape || !wShape || wShape.at(-1) !== this.styles) throw new Error(`ConditionalInstanceNorm takes [image, weights of ${this.styles} styles].`);
    const c = xShape.at(-1) as number;
    this.gammas = this.addWeight('gammas', [this.styles, c], 'float32', tfl.initializers.ones());
    this.betas = this.addWeight('betas', [this.styles, c], 'float32', tfl.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return (inputShape as Shape[])[0]!;
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    const [x, w] = inputs as [Tensor4D, Tensor2D];
    return conditionalInstanceNorm(x, w, this.gammas.read() as Tensor2D, this.betas.read() as Tensor2D, this.epsilon);
  }

  override getConfig() {
    return { ...super.getConfig(), styles: this.styles, epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(InstanceNorm);
tf.serialization.registerClass(ConditionalInstanceNorm);
