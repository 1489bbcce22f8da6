/**
 * A run of either style figure as one job with a plain-data interface: pictures in as pixel arrays,
 * settings as numbers and names, and out a report per step (step, loss, milliseconds, the weighted
 * terms and the image every few steps), so that the same function runs in a Web Worker (the worker file
 * only passes messages: src/browser/style-worker.ts) and on the page's thread when no worker can start.
 *
 * A job may run in stages, coarse to fine ({@link coarseToFine}): the image first optimised at half the
 * size, with targets taken from the pictures at that size, then enlarged and optimised at full size (Gatys
 * et al. 2017, "Controlling Perceptual Factors in Neural Style Transfer", §5, reach high resolutions so).
 * The figures run one stage: measured against a larger learning rate (tests/core/style/measure-convergence.ts,
 * README "Texture and style"), coarse to fine converged later for Gram synthesis, whose fine statistics an
 * enlarged image lacks, and for style transfer it lowered the loss but blurred the content's edges.
 */
import type { ConvNet } from '../convnet';
import { type RasterImage, toModelInput } from '../image';
import { loadProjectModel } from '../model-loader';
import { layerCode } from '../optvis/feature-inversion';
import { type PauseControl, type RenderOptions, type RenderedImage, SNAPSHOT_EVERY, render, renderedImage } from '../optvis/render';
import { tf, type Tensor4D } from '../tf';
import { TEXTURE_FEATURES_RANGE, loadFeatureNet } from './feature-net';
import { type GramTarget, blendGrams, gramTargets, scaleImage } from './gram';
import { STYLE_SIZE, type StyleLossKind, type TransferTerms, styleTransfer, textureSynthesis, transferTerms } from './losses';

/** The feature networks a style job can use: both have the style layers of {@link STYLE_LAYERS}. */
export const STYLE_NETWORK_IDS = ['texture-features', 'scenes-cnn'] as const;
export type StyleNetworkId = (typeof STYLE_NETWORK_IDS)[number];

/** The style layers of Gatys et al. (2015), relu1_1 … relu4_1 (their relu5_1 has no counterpart in these small networks). */
export const STYLE_LAYERS = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1'] as const;

export { SNAPSHOT_EVERY };

/** One stage of a job: its image side and its number of steps. */
export interface JobStage {
  size: number;
  steps: number;
}

/**
 * Coarse-to-fine stages of a job of `steps` steps at `size` pixels: at `minSize` pixels or more, `coarseShare`
 * of the steps at half the size, the rest at full size (their steps add up to `steps`); else one stage.
 */
export function coarseToFine(size: number, steps: number, { minSize, coarseShare }: { minSize: number; coarseShare: number }): JobStage[] {
  const coarse = Math.round(steps * coarseShare);
  if (size < minSize || coarse < 1 || coarse >= steps) return [{ size, steps }];
  return [
    { size: Math.round(size / 2), steps: coarse },
    { size, steps: steps - coarse },
  ];
}

/** Gram texture synthesis from noise (Gatys et al. 2015): the sample and the layers' weights. */
export interface GramJob {
  kind: 'gram';
  sample: RasterImage;
  /** w_l of each style layer used (weights above zero). */
  layers: readonly { layer: string; weight: number }[];
  term: StyleLossKind;
  size: number;
  steps: number;
  seed: number;
  /** Adam's starting rate (default SYNTHESIS_DEFAULTS.learningRate). */
  learningRate?: number;
  /** The stages (e.g. {@link coarseToFine}); default one stage of all the steps at full size. */
  stages?: readonly JobStage[];
}

/** Gatys style transfer (2016): the content, one or more styles with their blend weights, α, β, γ. */
export interface TransferJob {
  kind: 'transfer';
  content: RasterImage;
  styles: readonly { image: RasterImage; weight: number }[];
  /** The style scale: each style picture resized by this before its Gram matrices are taken (Gatys et al. 2017). */
  scale: number;
  contentLayer: string;
  contentWeight: number;
  styleWeight: number;
  tvWeight: number;
  size: number;
  steps: number;
  seed: number;
  learningRate?: number;
  stages?: readonly JobStage[];
}

export type StyleJob = GramJob | TransferJob;

/** The job's inputs as the network sees them at a stage's size, reported as each stage begins. */
export interface JobInputs {
  /** The network's input range, in which every image of the job is given. */
  range: readonly [number, number];
  /** The content picture (style transfer) or the sample (synthesis), at the stage's size. */
  picture: RenderedImage;
  /** Each style picture after the style scale (style transfer only). */
  styles: RenderedImage[];
  /** The target Gram matrices at the stage's size (blended, for several styles). */
  targets: GramTarget[];
}

/** What a job reports after each step. */
export interface JobStep {
  step: number;
  steps: number;
  /** Side of the image this step optimised (half the size in a coarse stage). */
  size: number;
  /** The loss before this step: L_style (synthesis) or α L_content + β L_style + γ L_TV (transfer). */
  loss: number;
  /** Milliseconds since the previous report. */
  ms: number;
  /** The image after this step, every {@link SNAPSHOT_EVERY} steps and at each stage's last. */
  image?: RenderedImage;
  /** Style transfer, with each image: α L_content, β L_style and γ L_TV of that image. */
  terms?: TransferTerms;
}

/** The end of a job. */
export interface JobResult {
  /** The last image (null when the job was cancelled before its first step). */
  image: RenderedImage | null;
  /** The loss at every step. */
  history: number[];
  /** Whether the job stopped early because its signal aborted. */
  aborted: boolean;
}

/** How a caller follows and steers a job. */
export interface JobHooks {
  signal?: AbortSignal;
  pause?: PauseControl;
  onInputs?: (inputs: JobInputs) => void;
  onStep?: (step: JobStep) => void;
}

/** Loads a style job's feature network from the book's assets at `baseUrl`; the caller owns and disposes it. */
export async function loadStyleNet(id: StyleNetworkId, baseUrl: string): Promise<ConvNet> {
  if (id === 'scenes-cnn') return loadProjectModel(id, baseUrl);
  const size = STYLE_SIZE.default;
  return loadFeatureNet(new URL('models/texture-features/model.json', baseUrl).href, { id, inputShape: [size, size, 3], inputRange: TEXTURE_FEATURES_RANGE });
}

/**
 * The style networks a runner has loaded, each loaded once from the book's assets at a base URL and
 * shared by its jobs; a load that fails is forgotten, so the next job tries again. `dispose` releases
 * every network loaded.
 */
export class StyleNets {
  private readonly loading = new Map<string, Promise<ConvNet>>();

  get(id: StyleNetworkId, baseUrl: string): Promise<ConvNet> {
    const key = `${baseUrl} ${id}`;
    let net = this.loading.get(key);
    if (!net) {
      net = loadStyleNet(id, baseUrl);
      this.loading.set(key, net);
      net.catch(() => this.loading.delete(key));
    }
    return net;
  }

  dispose(): void {
    const nets = [...this.loading.values()];
    this.loading.clear();
    for (const net of nets) void net.then((n) => n.dispose(), () => undefined);
  }
}

/** What one stage optimises: its render options and how to weigh the terms of a snapshot. */
interface StagePlan {
  options: RenderOptions;
  terms?: (image: RenderedImage) => Promise<TransferTerms>;
  inputs: JobInputs;
}

function input(image: RasterImage, size: number, net: ConvNet): Tensor4D {
  return toModelInput(image, { height: size, width: size, channels: 3, range: net.inputRange });
}

async function gramStage(net: ConvNet, job: GramJob, stage: JobStage, start?: Float32Array): Promise<StagePlan> {
  const x = input(job.sample, stage.size, net);
  try {
    const targets = await gramTargets(net, x, job.layers.map((l) => l.layer));
    const picture = await renderedImage(x);
    const layers = targets.map((target, i) => ({ target, weight: job.layers[i]!.weight }));
    const options = textureSynthesis(net, { layers, size: stage.size, steps: stage.steps, seed: job.seed, loss: job.term, ...(job.learningRate ? { learningRate: job.learningRate } : {}), ...(start ? { start } : {}) });
    return { options, inputs: { range: net.inputRange, picture, styles: [], targets } };
  } finally {
    x.dispose();
  }
}

async function transferStage(net: ConvNet, job: TransferJob, stage: JobStage, start?: Float32Array): Promise<StagePlan> {
  const x = input(job.content, stage.size, net);
  let code, picture;
  try {
    [code, picture] = await Promise.all([layerCode(net, x, job.contentLayer), renderedImage(x)]);
  } finally {
    x.dispose();
  }
  const grams: GramTarget[][] = [];
  const styles: RenderedImage[] = [];
  for (const style of job.styles) {
    const full = input(style.image, stage.size, net);
    const scaled = scaleImage(full, job.scale);
    full.dispose();
    try {
      grams.push(await gramTargets(net, scaled, STYLE_LAYERS));
      styles.push(await renderedImage(scaled));
    } finally {
      scaled.dispose();
    }
  }
  const targets = blendGrams(grams, job.styles.map((s) => s.weight));
  const layers = targets.map((target) => ({ target, weight: 1 }));
  const { contentWeight: alpha, styleWeight: beta, tvWeight: gamma } = job;
  const options = styleTransfer(net, { content: code, layers, contentWeight: alpha, styleWeight: beta, tvWeight: gamma, size: stage.size, steps: stage.steps, seed: job.seed, start: start ?? picture.data, ...(job.learningRate ? { learningRate: job.learningRate } : {}) });
  const terms = async (image: RenderedImage) => {
    const t = await transferTerms(net, image, { content: code, layers });
    return { content: alpha * t.content, style: beta * t.style, tv: gamma * t.tv };
  };
  return { options, terms, inputs: { range: net.inputRange, picture, styles, targets } };
}

/** `image` resized to `size` pixels a side (bilinear), as the next stage's start. */
function upsample(image: RenderedImage, size: number): Float32Array {
  return tf.tidy(() => {
    const t = tf.tensor4d(image.data, [1, image.height, image.width, image.channels]);
    return tf.image.resizeBilinear(t, [size, size], false, true).dataSync() as Float32Array;
  });
}

/**
 * Runs `job` on `net`: its stages one after another, each through the optvis render loop (which yields
 * after every step, waits while `hooks.pause` holds and stops when `hooks.signal` aborts, releasing
 * every tensor). Reports the inputs once and every step; returns the last image and the loss history.
 */
export async function runStyleJob(net: ConvNet, job: StyleJob, hooks: JobHooks = {}): Promise<JobResult> {
  if (job.kind === 'transfer' && job.styles.every((s) => !(s.weight > 0))) throw new Error('Give at least one style a blend weight above zero.');
  if (job.kind === 'gram' && job.layers.length === 0) throw new Error('Give at least one layer a weight above zero: with no layer there is nothing to match.');
  const stages = job.stages ?? [{ size: job.size, steps: job.steps }];
  const history: number[] = [];
  let image: RenderedImage | undefined;
  let last = performance.now();
  for (const stage of stages) {
    const start = image ? upsample(image, stage.size) : undefined;
    const plan = job.kind === 'gram' ? await gramStage(net, job, stage, start) : await transferStage(net, job, stage, start);
    hooks.onInputs?.(plan.inputs);
    if (hooks.signal?.aborted) break;
    const result = await render(net, {
      ...plan.options,
      signal: hooks.signal,
      pause: hooks.pause,
      snapshotEvery: SNAPSHOT_EVERY,
      onStep: async (s) => {
        const now = performance.now();
        const terms = s.image && plan.terms ? await plan.terms(s.image) : undefined;
        history.push(-s.objective);
        hooks.onStep?.({ step: history.length, steps: job.steps, size: stage.size, loss: -s.objective, ms: now - last, ...(s.image ? { image: s.image } : {}), ...(terms ? { terms } : {}) });
        last = performance.now();
      },
    });
    image = result.image;
    if (result.aborted) break;
  }
  return { image: image ?? null, history, aborted: hooks.signal?.aborted ?? false };
}

/**
 * When a run counts as visibly converged: its loss at full size down to this fraction of its first, which
 * is the starting noise's (synthesis) or the content picture's (style transfer). Synthesis: 0.65%, 1.5 times
 * where the figure's default run (300 steps at 64 pixels, brick) ended with the earlier rate of 0.02; from
 * there the texture's layout no longer changes, only fine noise settles. Style transfer: 2%, where the
 * strokes of the style cover the picture and the total loss falls by a few per cent per 20 steps.
 * Measured with tests/core/style/measure-convergence.ts (README, "Texture and style").
 */
export const CONVERGED = { gram: 0.0065, transfer: 0.02 } as const;

/** Whether a run of `kind` whose losses so far are `losses` (the last one at full size) has converged by {@link CONVERGED}. */
export function converged(kind: StyleJob['kind'], losses: readonly number[]): boolean {
  const last = losses.at(-1);
  return last !== undefined && last <= CONVERGED[kind] * losses[0]!;
}
