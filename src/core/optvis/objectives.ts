/**
 * Objectives of feature visualisation: scalar functions of one forward pass
 * (and of the image itself, for the priors) that the render loop climbs. As in
 * Lucent (greentfrapp/lucent, `optvis/objectives.py`) they are small values
 * that combine: `classLogit(3).minus(imageL2().times(0.01))`. TypeScript has no
 * operator overloading, so `.plus()`, `.minus()` and `.times()` chain instead.
 *
 * Every objective is summed over the batch and is evaluated inside `tf.tidy`
 * (or a gradient), so it creates tensors freely and holds none.
 */
import type { ForwardResult } from '../convnet';
import { formatNumber } from '../format';
import { tf, type Tensor, type Tensor4D } from '../tf';

type Scalar = ReturnType<typeof tf.scalar>;

/** What an objective reads: the forward pass of the transformed image, and the image before the transforms. */
export interface ObjectiveContext {
  result: ForwardResult;
  /** The image being optimised, [batch, H, W, C], in the network's input range. */
  image: Tensor4D;
  /** The network's input range: the priors measure pixels from its centre. */
  range: readonly [number, number];
}

/**
 * An objective that is the mean, over the cells (y, x) of one layer's feature map, of a term of that cell's
 * activation alone, summed over the batch. Such an objective can be computed tile by tile, each tile of
 * the image answering for its own cells (tiles.ts).
 */
export interface CellObjective {
  layer: string;
  /** The term of every cell: [batch, h, w, channels] activations → [batch, h, w]. */
  terms(activation: Tensor): Tensor;
}

/** A scalar to maximise, with the layers its forward pass must capture and a short formula for the reader. */
export class Objective {
  constructor(
    /** Layers whose activations {@link value} reads. */
    readonly capture: readonly string[],
    /** The objective's value (a scalar tensor). */
    readonly value: (ctx: ObjectiveContext) => Scalar,
    /** The formula in plain text, e.g. "logit[3] − 0.01·‖x‖²". */
    readonly formula: string,
    /** The same objective as a mean over a layer's cells, where it is one (combinations are not). */
    readonly cells?: CellObjective,
  ) {}

  /** This objective plus another. */
  plus(other: Objective): Objective {
    return new Objective(union(this.capture, other.capture), (ctx) => tf.add(this.value(ctx), other.value(ctx)), `${this.formula} + ${other.formula}`);
  }

  /** This objective minus another (a penalty: the other is minimised). */
  minus(other: Objective): Objective {
    return new Objective(union(this.capture, other.capture), (ctx) => tf.sub(this.value(ctx), other.value(ctx)), `${this.formula} − ${other.formula}`);
  }

  /** This objective scaled by k. */
  times(k: number): Objective {
    return new Objective(this.capture, (ctx) => tf.mul(this.value(ctx), k), `${formatNumber(k)}·${this.formula}`);
  }
}

const union = (a: readonly string[], b: readonly string[]) => [...new Set([...a, ...b])];

function captured(ctx: ObjectiveContext, layer: string): Tensor {
  const a = ctx.result.activations[layer];
  if (!a) throw new Error(`The forward pass did not capture layer "${layer}".`);
  return a;
}

/** The logit S_c of class c (before softmax: Simonyan et al. 2014, §2, explain why not the probability). */
export function classLogit(index: number): Objective {
  return new Objective([], (ctx) => tf.sum(tf.slice(ctx.result.logits, [0, index], [-1, 1])), `S_${index}(x)`);
}

/** One unit of a layer: channel c at cell (y, x) of a feature map, or unit c of a flat layer. */
export function neuron(layer: string, channel: number, y: number, x: number): Objective {
  return new Objective(
    [layer],
    (ctx) => {
      const a = captured(ctx, layer);
      return a.rank === 2 ? tf.sum(tf.slice(a, [0, channel], [-1, 1])) : tf.sum(tf.slice(a, [0, y, x, channel], [-1, 1, 1, 1]));
    },
    `${layer}[${y},${x},${channel}]`,
  );
}

/** The mean activation of channel c over its feature map (Olah et al. 2017's "channel" objective). */
export function channel(layer: string, index: number): Objective {
  return new Objective(
    [layer],
    (ctx) => {
      const a = captured(ctx, layer);
      if (a.rank === 2) return tf.sum(tf.slice(a, [0, index], [-1, 1]));
      return tf.sum(tf.mean(tf.slice(a, [0, 0, 0, index], [-1, -1, -1, 1]), [1, 2, 3]));
    },
    `mean ${layer}[:,:,${index}]`,
  );
}

/**
 * Mean of the squared activations of a layer: DeepDream's objective (Mordvintsev et al. 2015), whose
 * gradient with respect to the activation is the activation itself (up to the constant 2/N).
 */
export function layerEnergy(layer: string): Objective {
  const cells: CellObjective = { layer, terms: (a) => tf.mean(tf.square(a), 3) };
  return new Objective(
    [layer],
    (ctx) => {
      const a = captured(ctx, layer);
      if (a.rank === 4) return tf.sum(tf.mean(cells.terms(a), [1, 2]));
      return tf.sum(tf.mean(tf.square(a), Array.from({ length: a.rank - 1 }, (_, i) => i + 1)));
    },
    `mean ${layer}²`,
    cells,
  );
}

/** A layer's code, read back from a forward pass: the target of {@link featureMatch}. */
export interface LayerCode {
  layer: string;
  shape: number[];
  data: Float32Array;
}

/**
 * Minus the normalised distance of a layer's code to a target code,
 * −‖Φ(x) − Φ₀‖² / ‖Φ₀‖² (Mahendran & Vedaldi 2015, eq. 1 with their
 * normalisation, §3): maximising it reconstructs an image that the network
 * codes like the target. The target is uploaded in each evaluation, so the
 * objective owns no tensor.
 */
export function featureMatch(code: LayerCode): Objective {
  const norm = code.data.reduce((s, v) => s + v * v, 0) || 1;
  return new Objective(
    [code.layer],
    (ctx) => {
      const a = captured(ctx, code.layer);
      const target = tf.tensor(code.data, [1, ...code.shape]);
      return tf.div(tf.neg(tf.sum(tf.squaredDifference(a, target))), norm);
    },
    `−‖Φ(x) − Φ₀‖²/‖Φ₀‖²`,
  );
}

/** ‖x − m‖², the squared L2 norm of the image measured from the centre m of the input range (Simonyan et al. 2014, eq. 1). */
export function imageL2(): Objective {
  return new Objective([], (ctx) => tf.sum(tf.square(tf.sub(ctx.image, (ctx.range[0] + ctx.range[1]) / 2))), '‖x‖²');
}

/** Keeps the total variation differentiable where neighbouring pixels are equal and β < 2. */
const TV_EPSILON = 1e-8;

/**
 * Total variation of order β (Mahendran & Vedaldi 2015, eq. 5):
 *   R_V^β(x) = Σ_{i,j,c} ((x_{i,j+1,c} − x_{i,j,c})² + (x_{i+1,j,c} − x_{i,j,c})²)^{β/2},
 * summed over the pixels that have both neighbours, in units of the input range.
 */
export function totalVariationOf(image: Tensor4D, beta: number, range: readonly [number, number]): Scalar {
  const [, h, w] = image.shape;
  const x = tf.div(image, range[1] - range[0]);
  const core = tf.slice(x, [0, 0, 0, 0], [-1, h - 1, w - 1, -1]);
  const dx = tf.sub(tf.slice(x, [0, 0, 1, 0], [-1, h - 1, w - 1, -1]), core);
  const dy = tf.sub(tf.slice(x, [0, 1, 0, 0], [-1, h - 1, w - 1, -1]), core);
  const squared = tf.add(tf.square(dx), tf.square(dy));
  return tf.sum(beta === 2 ? squared : tf.pow(tf.add(squared, TV_EPSILON), beta / 2));
}

/** The total-variation prior as an objective term (to subtract), normalised by the number of pixels. */
export function totalVariation(beta: number): Objective {
  return new Objective(
    [],
    (ctx) => {
      const [b, h, w] = ctx.image.shape;
      return tf.div(totalVariationOf(ctx.image, beta, ctx.range), b * h * w);
    },
    `R_V^${formatNumber(beta)}(x)`,
  );
}
