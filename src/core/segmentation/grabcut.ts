/**
 * Object segmentation from a saliency map, after K. Simonyan, A. Vedaldi and
 * A. Zisserman, "Deep inside convolutional networks: visualising image
 * classification models and saliency maps", ICLR workshop 2014, §3.1 "Weakly
 * supervised object localisation": the most salient pixels seed the foreground
 * colour model, the least salient the background, and GrabCut (C. Rother,
 * V. Kolmogorov and A. Blake, "GrabCut: interactive foreground extraction using
 * iterated graph cuts", SIGGRAPH 2004) propagates them along the image.
 *
 * GrabCut minimises E(α, k, θ, z) = U + V (§3.1): U sums each pixel's data term
 * D = −log π_k − log N(z | μ_k, Σ_k) under the colour mixture of its label α
 * (see gmm.ts); V is the contrast-sensitive Potts term (eq. 11, the colour form
 * of eq. 5) γ Σ_{m,n neighbours} [α_m ≠ α_n] dist(m, n)⁻¹ exp(−β ‖z_m − z_n‖²).
 * Each iteration (Fig. 3) assigns components, refits the mixtures and takes a
 * minimum cut; each step minimises E over its own variables, so the energy
 * cannot rise (up to the covariance regularisation of the refit).
 *
 * Simonyan et al. estimate the colour models from the seeds; whether the seeds
 * also bind the cut they leave open. Here they do not by default: a gradient
 * map peaks on both sides of an object's edges and is near zero inside a flat
 * object, so its top 5% lie mostly off the object and its bottom 30% partly on
 * it, and hard seeds force those errors into the mask (measured in
 * scripts/measure-segmentation.ts: see {@link HARD_SEEDS}).
 */
import { bestComponents, fitGmm, gmmFromAssignments, type Gmm } from './gmm';
import { GRID_DIRECTIONS, gridNeighbours, maxFlow, type GridGraph } from './max-flow';
import { yieldToEventLoop } from '../tasks';

export { maskIoU, maskPrecisionRecall } from './mask-metrics';

/** Simonyan et al.'s foreground seeds: pixels at or above the 95% saliency quantile (2014, §3.1). */
export const SIMONYAN_FOREGROUND_QUANTILE = 0.95;

/** Simonyan et al.'s background seeds: pixels at or below the 30% saliency quantile (2014, §3.1). */
export const SIMONYAN_BACKGROUND_QUANTILE = 0.3;

/**
 * The foreground quantile the book uses: the best of the settings measured on
 * the scenes' test subset (bench/results/segmentation.json, written by
 * scripts/measure-segmentation.ts). With soft seeds a smaller, purer set of
 * the most salient pixels gives a cleaner first colour model.
 */
export const FOREGROUND_QUANTILE = 0.97;

/**
 * The background quantile the book uses, measured as {@link FOREGROUND_QUANTILE} is:
 * the least salient half of the image, of which almost nothing lies on the object.
 */
export const BACKGROUND_QUANTILE = 0.5;

/**
 * Whether the seeds are hard constraints of the cut, or only the labelling the
 * first colour models are fitted to (then GrabCut relabels any pixel). Soft by
 * measurement: on the scenes' test subset hard seeds cost saliency more than
 * half its mean IoU (bench/results/segmentation.json).
 */
export const HARD_SEEDS = false;

/** At most this many rounds of assign / refit / cut; Rother et al. iterate to convergence, and the loop stops there too. */
export const GRABCUT_ITERATIONS = 5;

/**
 * Smoothness weight γ = 50 (Rother et al. 2004, §2 beside eq. 5: a versatile setting found on their
 * training images); on the scenes it also measured best, against twice as much.
 */
export const GRABCUT_LAMBDA = 50;

/** GrabCut's neighbourhood: the 8 surrounding pixels, diagonals weighted by 1/√2 (dist(m, n)⁻¹). */
export const GRABCUT_NEIGHBOURHOOD = 8;

/** Seed codes in `SaliencySegmentation.seeds`. */
export const SEED_BACKGROUND = 0;
export const SEED_FOREGROUND = 1;
export const SEED_UNKNOWN = 2;

/** An image: RGBA bytes (as from a canvas) or RGB floats in 0..1 (as from a tensor). */
export interface SegmentationImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8ClampedArray | Float32Array;
}

/** Input of `segmentFromSaliency`. */
export interface SaliencySegmentationOptions {
  readonly image: SegmentationImage;
  /** One value ≥ 0 per pixel (width × height), e.g. a saliency or Grad-CAM map upsampled to the image. */
  readonly saliency: Float32Array;
  readonly foregroundQuantile?: number;
  readonly backgroundQuantile?: number;
  readonly iterations?: number;
  /** γ of the smoothness term; 0 labels every unknown pixel by its colour models alone. */
  readonly lambda?: number;
  /** Seeds bind the cut (true) or only initialise the colour models (false); {@link HARD_SEEDS} by default. */
  readonly hardSeeds?: boolean;
  readonly signal?: AbortSignal;
}

/** Output of `segmentFromSaliency`. */
export interface SaliencySegmentation {
  /** 1 where the pixel is foreground (the object), 0 background. */
  readonly mask: Uint8Array;
  /** SEED_BACKGROUND, SEED_FOREGROUND or SEED_UNKNOWN per pixel: the first colour models' pixels, and the cut's constraints when hard. */
  readonly seeds: Uint8Array;
  /** E(α, k, θ, z) after each iteration's cut: non-increasing, up to the covariance regularisation. */
  readonly energy: number[];
  /** Iterations run: fewer than asked when the mask stopped changing. */
  readonly iterationsRun: number;
  /** The colour models of the last cut, for views that show them. */
  readonly foreground: Gmm;
  readonly background: Gmm;
}

/**
 * Segments the object that `saliency` points at (Simonyan et al. 2014, §3.1):
 * seeds from the saliency quantiles, colour models fitted to the seeds, then
 * GrabCut iterations, with the seeds as hard constraints if `hardSeeds`. Yields to the event
 * loop between iterations so that `signal` can stop it (rejecting with its reason).
 */
export async function segmentFromSaliency(options: SaliencySegmentationOptions): Promise<SaliencySegmentation> {
  const {
    image, saliency, foregroundQuantile = FOREGROUND_QUANTILE, backgroundQuantile = BACKGROUND_QUANTILE,
    iterations = GRABCUT_ITERATIONS, lambda = GRABCUT_LAMBDA, hardSeeds = HARD_SEEDS, signal,
  } = options;
  signal?.throwIfAborted();
  const colours = toRgb(image);
  if (saliency.length !== image.width * image.height) {
    throw new RangeError(`saliency has ${saliency.length} values; the image has ${image.width * image.height} pixels.`);
  }
  if (!(Number.isInteger(iterations) && iterations >= 1 && lambda >= 0)) {
    throw new RangeError('iterations must be an integer ≥ 1 and lambda a number ≥ 0.');
  }
  const seeds = seedsFromSaliency(saliency, foregroundQuantile, backgroundQuantile);
  const constraints = hardSeeds ? seeds : new Uint8Array(seeds.length).fill(SEED_UNKNOWN);
  const neighbours = gridNeighbours(image.width, image.height, GRABCUT_NEIGHBOURHOOD);
  const links = smoothnessWeights(colours, neighbours, lambda);
  let foreground = fitGmm(gather(colours, seeds, SEED_FOREGROUND));
  let background = fitGmm(gather(colours, seeds, SEED_BACKGROUND));
  let mask: Uint8Array | undefined;
  let fitFg = bestComponents(foreground, colours), fitBg = bestComponents(background, colours);
  const energy: number[] = [];
  while (energy.length < iterations) {
    await yieldToEventLoop();
    signal?.throwIfAborted();
    if (mask) {
      // Steps 1 and 2: the last cut's best components are this round's assignments.
      foreground = refit(colours, fitFg.component, mask, 1, foreground.size);
      background = refit(colours, fitBg.component, mask, 0, background.size);
      fitFg = bestComponents(foreground, colours);
      fitBg = bestComponents(background, colours);
    }
    const costFg = dataCosts(fitFg.logDensity), costBg = dataCosts(fitBg.logDensity);
    const next = maxFlow(buildGraph(image.width, image.height, links, costFg, costBg, constraints), neighbours).sourceSide;
    energy.push(gibbsEnergy(next, costFg, costBg, links, neighbours));
    const converged = mask !== undefined && next.every((v, i) => v === mask![i]);
    mask = next;
    if (converged) break;
  }
  return { mask: mask!, seeds, energy, iterationsRun: energy.length, foreground, background };
}

/**
 * Hard seeds from a saliency map (Simonyan et al. 2014, §3.1): foreground at or
 * above the `foregroundQuantile` value, background at or below the
 * `backgroundQuantile` value, unknown between. On ties (maps that are flat over
 * large areas) background wins; a map without two distinct levels throws.
 */
export function seedsFromSaliency(saliency: Float32Array, foregroundQuantile: number, backgroundQuantile: number): Uint8Array {
  if (!(backgroundQuantile >= 0 && backgroundQuantile <= foregroundQuantile && foregroundQuantile <= 1)) {
    throw new RangeError('Quantiles must satisfy 0 ≤ background ≤ foreground ≤ 1.');
  }
  for (const v of saliency) if (!(v >= 0 && v < Infinity)) throw new RangeError('saliency must be finite and ≥ 0.');
  const sorted = Float32Array.from(saliency).sort();
  const hi = quantileOfSorted(sorted, foregroundQuantile), lo = quantileOfSorted(sorted, backgroundQuantile);
  const seeds = new Uint8Array(saliency.length);
  let fg = 0;
  for (let i = 0; i < saliency.length; i++) {
    const v = saliency[i]!;
    seeds[i] = v <= lo ? SEED_BACKGROUND : v >= hi ? SEED_FOREGROUND : SEED_UNKNOWN;
    if (seeds[i] === SEED_FOREGROUND) fg++;
  }
  if (fg === 0) throw new RangeError('The saliency map is too flat to seed a foreground: its top and bottom quantiles coincide.');
  return seeds;
}

/** The value at quantile `q` of ascending `sorted` values: the nearest rank, as the seeds and the threshold baseline use it. */
export function quantileOfSorted(sorted: Float32Array, q: number): number {
  return sorted[Math.round(q * (sorted.length - 1))]!;
}

/** The colours as RGB floats in 0..1, validated against the image size. */
function toRgb({ width, height, data }: SegmentationImage): Float32Array {
  const n = width * height;
  if (!(Number.isInteger(width) && Number.isInteger(height) && n > 0)) throw new RangeError('Image sides must be positive integers.');
  if (data instanceof Float32Array) {
    if (data.length !== n * 3) throw new RangeError(`An RGB float image of ${width}×${height} needs ${n * 3} values, not ${data.length}.`);
    return data;
  }
  if (data.length !== n * 4) throw new RangeError(`An RGBA image of ${width}×${height} needs ${n * 4} bytes, not ${data.length}.`);
  const rgb = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) rgb[i * 3 + c] = data[i * 4 + c]! / 255;
  return rgb;
}

/** The colours of the pixels whose `labels` entry equals `label`. */
function gather(colours: Float32Array, labels: Uint8Array, label: number): Float32Array {
  let count = 0;
  for (const v of labels) if (v === label) count++;
  const out = new Float32Array(count * 3);
  for (let i = 0, j = 0; i < labels.length; i++) {
    if (labels[i] !== label) continue;
    out[j++] = colours[i * 3]!;
    out[j++] = colours[i * 3 + 1]!;
    out[j++] = colours[i * 3 + 2]!;
  }
  return out;
}

/** GrabCut step 2 for one label: its mixture refitted to the pixels the mask gives it, keeping their components. */
function refit(colours: Float32Array, component: Uint8Array, mask: Uint8Array, label: number, size: number): Gmm {
  return gmmFromAssignments(gather(colours, mask, label), component.filter((_, i) => mask[i] === label), size);
}

/** Each pixel's data term D = −max_k log π_k N(z | k), from its best log-density. */
function dataCosts(logDensity: Float64Array): Float64Array {
  const out = new Float64Array(logDensity.length);
  for (let i = 0; i < out.length; i++) out[i] = -logDensity[i]!;
  return out;
}

/**
 * The n-link capacities γ dist⁻¹ exp(−β ‖z_m − z_n‖²) for every pixel and each
 * of the 8 directions (same layout as GridGraph.edges, symmetric), with
 * β = 1 / (2 ⟨‖z_m − z_n‖²⟩) over all neighbouring pairs (Rother et al. 2004, eq. 5):
 * β adapts the contrast scale to the image, so γ means the same on dull and vivid pictures.
 */
function smoothnessWeights(colours: Float32Array, neighbours: Int32Array, lambda: number): Float64Array {
  const D = GRABCUT_NEIGHBOURHOOD;
  const links = new Float64Array(neighbours.length); // ‖z_m − z_n‖² on even directions, then the weights
  let sum = 0, pairs = 0;
  for (let e = 0; e < neighbours.length; e += 2) {
    const p = (e / D) | 0, q = neighbours[e]!;
    if (q < 0) continue;
    const r = colours[p * 3]! - colours[q * 3]!, g = colours[p * 3 + 1]! - colours[q * 3 + 1]!, b = colours[p * 3 + 2]! - colours[q * 3 + 2]!;
    sum += links[e] = r * r + g * g + b * b;
    pairs++;
  }
  const beta = sum > 0 ? pairs / (2 * sum) : 0;
  const scale = GRID_DIRECTIONS.slice(0, D).map(([dx, dy]) => lambda / Math.hypot(dx, dy));
  for (let e = 0; e < neighbours.length; e += 2) {
    const q = neighbours[e]!;
    if (q >= 0) links[e] = links[q * D + ((e % D) ^ 1)] = scale[e % D]! * Math.exp(-beta * links[e]!);
  }
  return links;
}

/**
 * The s–t graph whose cuts cost E(α) up to a constant: a pixel on the source
 * side (foreground) pays its link to the sink (its foreground cost), one on the
 * sink side its link from the source. Subtracting min(costs) keeps capacities
 * ≥ 0; seeds get an infinite link to their own terminal.
 */
function buildGraph(
  width: number, height: number, links: Float64Array, costFg: Float64Array, costBg: Float64Array, seeds: Uint8Array,
): GridGraph {
  const n = seeds.length;
  const graph: GridGraph = {
    width, height, neighbourhood: GRABCUT_NEIGHBOURHOOD, source: new Float64Array(n), sink: new Float64Array(n), edges: links,
  };
  for (let p = 0; p < n; p++) {
    const m = Math.min(costFg[p]!, costBg[p]!);
    graph.source[p] = seeds[p] === SEED_FOREGROUND ? Infinity : seeds[p] === SEED_BACKGROUND ? 0 : costBg[p]! - m;
    graph.sink[p] = seeds[p] === SEED_BACKGROUND ? Infinity : seeds[p] === SEED_FOREGROUND ? 0 : costFg[p]! - m;
  }
  return graph;
}

/** E = Σ_n D(α_n) + Σ_{pairs with α_m ≠ α_n} link weight (each pair counted once). */
function gibbsEnergy(
  mask: Uint8Array, costFg: Float64Array, costBg: Float64Array, links: Float64Array, nbr: Int32Array,
): number {
  const D = GRABCUT_NEIGHBOURHOOD;
  let e = 0;
  for (let p = 0; p < mask.length; p++) {
    e += mask[p] ? costFg[p]! : costBg[p]!;
    // Even directions (E, S, SE, SW) meet every undirected pair exactly once.
    for (let d = 0; d < D; d += 2) {
      const q = nbr[p * D + d]!;
      if (q >= 0 && mask[p] !== mask[q]) e += links[p * D + d]!;
    }
  }
  return e;
}
