/**
 * The one render loop of feature visualisation (Lucent's `render_vis`): every
 * technique of the chapter is a choice of its stages, each with a default.
 *
 *   param        what is optimised (default: a Fourier image of the network's input size)
 *   transforms   random transforms before each forward pass (default: none)
 *   objective    what is climbed (required)
 *   gradient     how the step's objective and its gradient reach the update (default: one forward and
 *                backward pass of the whole image, {@link wholeImage}; tiles.ts splits it into tiles)
 *   update       how a step changes the variables (default: Adam, learning rate 0.05)
 *   regularisers operations on the image after a step (default: none)
 *
 * The loop is asynchronous: after every step it reads the objective's value
 * back, reports it to `onStep`, and yields to the event loop, so a page stays
 * responsive. It waits while `pause` is paused and stops when `signal` aborts,
 * returning what it has. Every tensor of a step is released in that step; the
 * parameterisation and the optimiser's state are released at the end, also on
 * abort or error.
 */
import type { ConvNet } from '../convnet';
import { yieldToEventLoop } from '../tasks';
import { mixSeed, mulberry32 } from '../random';
import { tf, type Tensor4D } from '../tf';
import type { Objective, ObjectiveContext } from './objectives';
import { type ImageParam, fourierImage } from './param';
import type { Regulariser } from './regularisers';
import { type Transform, composeTransforms } from './transforms';

type Scalar = ReturnType<typeof tf.scalar>;
type Variable = ReturnType<typeof tf.variable>;

/** How a step changes the variables: it maximises `objective` and returns its value before the step. */
export interface Update {
  step(variables: readonly Variable[], objective: () => Scalar): Scalar;
  dispose(): void;
}

/** Gradient ascent with one of TensorFlow.js's optimisers (which minimise: the objective's negative). */
function optimiserUpdate(optimizer: tf.Optimizer): Update {
  return {
    step(variables, objective) {
      const cost = optimizer.minimize(() => tf.neg(objective()), true, variables as Variable[])!;
      const value = tf.neg(cost);
      cost.dispose();
      return value;
    },
    dispose: () => optimizer.dispose(),
  };
}

/** Adam (Kingma & Ba 2015), Lucent's default optimiser, learning rate 0.05 there. */
export function adam(learningRate = 0.05): Update {
  return optimiserUpdate(tf.train.adam(learningRate));
}

/** Plain gradient ascent, x ← x + η ∇ (Simonyan et al. 2014; Yosinski et al. 2015). */
export function gradientAscent(learningRate: number): Update {
  return optimiserUpdate(tf.train.sgd(learningRate));
}

/**
 * Gradient ascent with the gradient divided by its mean absolute value, x ← x + η ∇ / mean|∇|, so that a
 * step moves pixels by about η whatever the layer (Mordvintsev et al. 2015, the DeepDream code).
 */
export function normalisedAscent(stepSize: number): Update {
  return {
    step(variables, objective) {
      const { value, grads } = tf.variableGrads(objective, variables as Variable[]);
      for (const v of variables) {
        const g = grads[v.name]!;
        const next = tf.tidy(() => tf.add(v, tf.mul(g, tf.div(stepSize, tf.add(tf.mean(tf.abs(g)), 1e-8)))));
        v.assign(next);
        next.dispose();
      }
      tf.dispose(Object.values(grads));
      return value;
    },
    dispose() {},
  };
}

/** What a {@link GradientStage} gets for one step. */
export interface GradientContext {
  net: ConvNet;
  objective: Objective;
  /** The image of the step, from the parameterisation; call inside tf.tidy or a gradient. */
  image(): Tensor4D;
  /** The image's height, width and channels. */
  shape: readonly [number, number, number];
  /** This step's random transforms of an image: every call within a step makes the same random choices. */
  transform(image: Tensor4D): Tensor4D;
  range: readonly [number, number];
  signal?: AbortSignal;
}

/** A step's objective as the update differentiates it, and the release of what the stage keeps for it. */
export interface StepObjective {
  /** The objective at the parameterisation's image (a scalar tensor); called inside the update's gradient. */
  value(): Scalar;
  dispose(): void;
}

/**
 * How a step's objective reaches the update: a closure the update differentiates through the whole
 * network ({@link wholeImage}), or one whose gradient was computed beforehand, possibly over several tasks
 * (tiles.ts). Resolves to null when the signal aborted while it worked.
 */
export type GradientStage = (ctx: GradientContext) => Promise<StepObjective | null>;

/** The objective of the transformed image, through one forward pass of the network. */
export function forwardObjective(ctx: GradientContext, transformed: Tensor4D, image: Tensor4D): Scalar {
  const context: ObjectiveContext = { result: ctx.net.forward(transformed, { capture: ctx.objective.capture }), image, range: ctx.range };
  return ctx.objective.value(context);
}

/** The default stage: the update differentiates one forward and backward pass of the whole image, in one task. */
export function wholeImage(): GradientStage {
  return async (ctx) => ({
    value: () => {
      const image = ctx.image();
      return forwardObjective(ctx, ctx.transform(image), image);
    },
    dispose() {},
  });
}

/** The loop's transforms with one step's random draws kept, so that every call within the step makes the same choices. */
function stepTransform(transform: Transform, random: () => number, range: readonly [number, number]) {
  const draws: number[] = [];
  let at = 0;
  const draw = () => {
    if (at === draws.length) draws.push(random());
    return draws[at++]!;
  };
  return {
    nextStep: () => void (draws.length = 0),
    apply: (image: Tensor4D) => {
      at = 0;
      return transform(image, draw, range);
    },
  };
}

/**
 * Lets a view hold a run between steps: the loop waits in {@link wait} while paused. `onHeld`, if given,
 * is called each time the loop actually starts waiting, so a view can say "paused" only once the step
 * that was under way when the reader pressed Pause has been reported.
 */
export class PauseControl {
  private waiting: (() => void) | null = null;
  private held = false;

  constructor(private readonly onHeld?: () => void) {}

  get paused(): boolean {
    return this.held;
  }

  pause(): void {
    this.held = true;
  }

  resume(): void {
    this.held = false;
    this.waiting?.();
    this.waiting = null;
  }

  /** Resolves at once when not paused, else when resumed or when `signal` aborts. */
  wait(signal?: AbortSignal): Promise<void> {
    if (!this.held || signal?.aborted) return Promise.resolve();
    this.onHeld?.();
    return new Promise((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.waiting = done;
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

/**
 * Steps between two images a view reads back while a run goes on: often enough to watch, rarely enough to
 * stay fast. The chapter's figure uses it, and so does the benchmark, so that its runs are the figure's.
 */
export const SNAPSHOT_EVERY = 5;

/** The image as plain data: [H, W, C] floats in the network's input range. */
export interface RenderedImage {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}

/** What `onStep` receives after each step. */
export interface RenderStep {
  step: number;
  /** The objective's value at the image before this step (with this step's transforms). */
  objective: number;
  /** The image after this step, every `snapshotEvery` steps and at the last one. */
  image?: RenderedImage;
  /** How the step was computed, for a view's progress, where a technique says (DeepDream: its tiles). */
  note?: string;
}

/** Options of {@link render}. */
export interface RenderOptions {
  objective: Objective;
  steps: number;
  /** Builds the parameterisation (the loop disposes it); default a Fourier image of the network's input size. */
  param?: () => ImageParam;
  transforms?: readonly Transform[];
  /** How the step's objective and its gradient are computed; default {@link wholeImage}. */
  gradient?: GradientStage;
  /** Builds the step rule (the loop disposes it); default {@link adam}. */
  update?: () => Update;
  regularisers?: readonly Regulariser[];
  /** Seed of the transforms' random choices (and of the default parameterisation's start). */
  seed?: number;
  signal?: AbortSignal;
  pause?: PauseControl;
  onStep?: (step: RenderStep) => void | Promise<void>;
  /** Read the image back for `onStep` every this many steps (0: only after the last). */
  snapshotEvery?: number;
}

/** The result of a run. */
export interface RenderResult {
  image: RenderedImage;
  /** The objective at every step. */
  history: number[];
  /** Whether the run stopped early because its signal aborted. */
  aborted: boolean;
}

/** A [1, H, W, C] image tensor read back as plain data (the tensor is not disposed). */
export async function renderedImage(t: Tensor4D): Promise<RenderedImage> {
  const [, height, width, channels] = t.shape;
  return { width, height, channels, data: (await t.data()) as Float32Array };
}

async function readImage(param: ImageParam): Promise<RenderedImage> {
  const t = tf.tidy(() => param.image());
  try {
    return await renderedImage(t);
  } finally {
    t.dispose();
  }
}

/** Optimises an image for `objective` on `net`; see the module comment for the stages. */
export async function render(net: ConvNet, options: RenderOptions): Promise<RenderResult> {
  const { objective, steps, seed = 0, signal, pause, onStep, snapshotEvery = 0 } = options;
  const range = net.inputRange;
  const random = mulberry32(mixSeed(seed));
  const transform = stepTransform(composeTransforms(options.transforms ?? []), random, range);
  const gradient = options.gradient ?? wholeImage();
  const param = options.param ? options.param() : fourierImage(net.inputShape, { range, seed });
  let update: Update | null = null;
  const history: number[] = [];
  try {
    update = options.update ? options.update() : adam();
    const context: GradientContext = { net, objective, image: () => param.image(), shape: param.shape, transform: transform.apply, range, ...(signal ? { signal } : {}) };
    for (let step = 1; step <= steps; step++) {
      await pause?.wait(signal);
      if (signal?.aborted) break;
      transform.nextStep();
      const stepObjective = await gradient(context);
      if (!stepObjective) break;
      let score: Scalar;
      try {
        score = update.step(param.variables, stepObjective.value);
      } finally {
        stepObjective.dispose();
      }
      for (const regularise of options.regularisers ?? []) {
        const next = tf.tidy(() => {
          const image = param.image();
          const gradient = () => tf.grad((x) => forwardObjective(context, x as Tensor4D, x as Tensor4D))(image) as Tensor4D;
          return regularise({ image, gradient, step, range }) ?? undefined;
        }) as Tensor4D | undefined;
        if (next) {
          param.assign(next);
          next.dispose();
        }
      }
      const objectiveValue = (await score.data())[0]!;
      score.dispose();
      history.push(objectiveValue);
      const snapshot = step === steps || (snapshotEvery > 0 && step % snapshotEvery === 0);
      await onStep?.({ step, objective: objectiveValue, ...(snapshot ? { image: await readImage(param) } : {}) });
      await yieldToEventLoop();
    }
    return { image: await readImage(param), history, aborted: signal?.aborted ?? false };
  } finally {
    update?.dispose();
    param.dispose();
  }
}
