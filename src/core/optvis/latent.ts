/**
 * Latent-space optimisation through a learned generator: Nguyen, Dosovitskiy, Yosinski, Brox & Clune
 * 2016, "Synthesizing the preferred inputs for neurons in neural networks via deep generator networks",
 * NeurIPS (https://arxiv.org/abs/1605.09304), §2, eq. 2. Instead of the pixels, the code z of a
 * generator G is climbed:
 *
 *   z* = arg max_z  S_c(G(z)) − λ‖z‖²,   z clipped to [−b, b]ᵈ after each step
 *
 * so that every image the search visits is one the generator can draw: a learned prior on images.
 * Nguyen et al. clip their code to the range the encoder's codes take; the book's generator is a VAE
 * decoder (Kingma & Welling 2014) whose codes follow N(0, I), so b = 3 standard deviations.
 */
import type { ConvNet } from '../convnet';
import { tf, type Tensor2D, type Tensor4D } from '../tf';
import { type Unit, unitObjective } from './class-model';
import type { Generator } from './generator';
import { Objective } from './objectives';
import { type ImageParam, seededNormal } from './param';
import { type RenderOptions, type Update, adam } from './render';

type Variable = ReturnType<typeof tf.variable>;

/** An {@link ImageParam} whose variable is a generator's code. */
export interface LatentParam extends ImageParam {
  /** The code z, [1, d]. */
  readonly code: Variable;
}

/**
 * Defaults: the start is a seeded sample of the prior N(0, I) (sd 1), Adam at Lucent's learning rate 0.05
 * (the code's units are standard deviations, as a Fourier image's are), a bound of 3 standard deviations, a
 * λ small enough that the penalty (about λ·d at the start) stays below the logits, and as many steps as the
 * pixel-space class model. Chosen here for the book's networks: Nguyen et al. tune theirs per layer.
 */
export const LATENT_DEFAULTS = { lambda: 0.01, learningRate: 0.05, bound: 3, sd: 1, steps: 100 } as const;

/** Steps of Adam that {@link LatentParam.assign} takes to fit a code to an image. */
const ASSIGN_STEPS = 50;

/** The generator's image scaled into `range`. */
function imageOf(generator: Generator, z: Tensor2D, range: readonly [number, number]): Tensor4D {
  const [glo, ghi] = generator.outputRange;
  const [lo, hi] = range;
  const g = generator.generate(z);
  return glo === lo && ghi === hi ? g : (tf.add(tf.mul(tf.sub(g, glo), (hi - lo) / (ghi - glo)), lo) as Tensor4D);
}

/** Throws a message naming both shapes when the generator's images are not the network's input. */
export function checkGeneratorFits(generator: Generator, net: Pick<ConvNet, 'id' | 'inputShape'>): void {
  const g = generator.outputShape.join('×');
  const n = net.inputShape.join('×');
  if (g !== n) throw new Error(`The generator ${generator.id} draws ${g} images, but the network ${net.id} takes ${n} images.`);
}

/**
 * The code z of `generator` as the variable, image = G(z) in `range`; z starts from a seeded normal of
 * standard deviation `sd`. `assign(image)` fits the code to an image by gradient descent on ‖G(z) − image‖²
 * (a generator cannot in general be inverted exactly). The param does not own the generator.
 */
export function latentImage(generator: Generator, { range, seed = 0, sd = LATENT_DEFAULTS.sd }: { range: readonly [number, number]; seed?: number; sd?: number }): LatentParam {
  const d = generator.latentSize;
  const start = tf.tensor2d(seededNormal(d, seed, sd), [1, d]);
  const code = tf.variable(start);
  start.dispose();
  return {
    shape: generator.outputShape,
    variables: [code],
    code,
    image: () => imageOf(generator, code as Tensor2D, range),
    assign: (image) => {
      const optimizer = tf.train.adam(LATENT_DEFAULTS.learningRate);
      for (let i = 0; i < ASSIGN_STEPS; i++) {
        optimizer.minimize(() => tf.sum(tf.squaredDifference(imageOf(generator, code as Tensor2D, range), image)), false, [code]);
      }
      optimizer.dispose();
    },
    dispose: () => code.dispose(),
  };
}

/** `inner`, then every variable clipped to [−bound, bound] (Nguyen et al. 2016's clipping of the code). */
export function clippedUpdate(inner: Update, bound: number): Update {
  return {
    step(variables, objective) {
      const value = inner.step(variables, objective);
      for (const v of variables) {
        const next = tf.clipByValue(v, -bound, bound);
        v.assign(next);
        next.dispose();
      }
      return value;
    },
    dispose: () => inner.dispose(),
  };
}

/** ‖z‖², the squared norm of a latent param's code (read when the objective is evaluated). */
export function codeL2(param: () => LatentParam): Objective {
  return new Objective([], () => tf.sum(tf.square(param().code)), '‖z‖²');
}

/** Settings of {@link latentClassModel}. */
export interface LatentSettings {
  unit: Unit;
  lambda?: number;
  learningRate?: number;
  bound?: number;
  steps?: number;
  seed?: number;
}

/**
 * The render options of a class (or inner unit) visualisation through `generator`'s code, and the code
 * the run ended with (read when the loop releases the param; empty before).
 */
export function latentClassModel(net: ConvNet, generator: Generator, settings: LatentSettings): RenderOptions & { finalCode(): number[] } {
  checkGeneratorFits(generator, net);
  const { lambda, learningRate, bound, steps } = { ...LATENT_DEFAULTS, ...settings };
  let current: LatentParam | null = null;
  let last: number[] = [];
  const unit = unitObjective(settings.unit);
  const objective = lambda > 0 ? unit.minus(codeL2(() => current!).times(lambda)) : unit;
  return {
    objective,
    steps,
    param: () => {
      const param = latentImage(generator, { range: net.inputRange, seed: settings.seed ?? 0 });
      current = param;
      return {
        ...param,
        dispose: () => {
          last = Array.from(param.code.dataSync());
          param.dispose();
        },
      };
    },
    update: () => clippedUpdate(adam(learningRate), bound),
    finalCode: () => last,
  };
}
