/**
 * DeepDream: Mordvintsev, Olah & Tyka 2015, "Inceptionism: Going Deeper into
 * Neural Networks" (Google Research blog, and its deepdream notebook). Start
 * from the reader's image and amplify whatever a chosen layer sees in it:
 * gradient ascent on the mean of the layer's squared activations (whose
 * gradient at the layer is the activation itself), with steps normalised by
 * the gradient's mean absolute value and a random shift (jitter) each step.
 * Octaves run it on a small copy first and then on larger ones, so that the
 * patterns grow at several scales. The gradient is computed in tiles, each in
 * a task of its own, exactly as on the whole image (tiles.ts), so a large
 * octave does not hold the page.
 */
import type { ConvNet } from '../convnet';
import { tf, type Tensor4D } from '../tf';
import { layerEnergy } from './objectives';
import { pixelImage } from './param';
import { clipToRange } from './regularisers';
import { type RenderOptions, type RenderStep, type RenderedImage, normalisedAscent, render } from './render';
import { type TilingReport, tileCount, tiledGradient } from './tiles';
import { jitter } from './transforms';

/**
 * The deepdream notebook's `make_step` and `deepdream` defaults: step 1.5 pixel levels (of 255), octave
 * scale 1.4, 10 steps per octave; 3 octaves instead of 4 and a jitter of 2 pixels instead of 32, for the
 * book's 64-pixel images.
 */
export const DREAM_DEFAULTS = { octaves: 3, octaveScale: 1.4, steps: 10, stepSize: 1.5 / 255, jitter: 2 } as const;

/** Settings of {@link deepDream}. */
export interface DreamSettings {
  layer: string;
  octaves?: number;
  octaveScale?: number;
  /** Steps per octave. */
  steps?: number;
  /** Mean change of a pixel per step, as a fraction of the input range. */
  stepSize?: number;
  jitter?: number;
  /** The largest side of a tile's crop in pixels (tiles.ts, TILE_CROP_SIDE by default). */
  tileCrop?: number;
}

/** Image sides of each octave, smallest first, ending at [height, width]. */
export function octaveSizes(height: number, width: number, octaves: number, scale: number): [number, number][] {
  return Array.from({ length: octaves }, (_, i) => {
    const f = scale ** (octaves - 1 - i);
    return [Math.max(8, Math.round(height / f)), Math.max(8, Math.round(width / f))] as [number, number];
  });
}

/**
 * The render options of one octave, starting from `image` (not disposed); its gradient stage tells
 * `onPlan` how it cuts the octave into tiles.
 */
export function dreamOctave(net: ConvNet, image: Tensor4D, settings: DreamSettings, onPlan?: (report: TilingReport) => void): RenderOptions {
  const { steps, stepSize, jitter: shift } = { ...DREAM_DEFAULTS, ...settings };
  const [, h, w, c] = image.shape;
  const [lo, hi] = net.inputRange;
  return {
    objective: layerEnergy(settings.layer),
    steps,
    param: () => {
      const p = pixelImage([h, w, c], { range: net.inputRange });
      p.assign(image);
      return p;
    },
    gradient: tiledGradient({ ...(settings.tileCrop ? { cropSide: settings.tileCrop } : {}), ...(onPlan ? { onPlan } : {}) }),
    update: () => normalisedAscent(stepSize * (hi - lo)),
    transforms: shift > 0 ? [jitter(shift)] : [],
    regularisers: [clipToRange()],
  };
}

/** How an octave is cut, in words: "256×256 in 9 tiles, halo 19 pixels"; nothing for one tile, unless a reason forced it. */
function tilingNote({ plan, height, width }: TilingReport): string | undefined {
  if (plan.reason) return `${height}×${width} in one pass: ${plan.reason}`;
  return tileCount(plan) > 1 ? `${height}×${width} in ${tileCount(plan)} tiles, halo ${plan.halo[0]} pixels` : undefined;
}

/** Options of {@link deepDream} beyond the settings: those of the render loop. */
export type DreamRun = Pick<RenderOptions, 'signal' | 'pause' | 'seed' | 'snapshotEvery'> & {
  /** Called after each step with the step counted over all octaves. */
  onStep?: (step: RenderStep & { octave: number }) => void | Promise<void>;
};

/** The dream and the objective at every step of every octave. */
export interface DreamResult {
  image: RenderedImage;
  history: number[];
  aborted: boolean;
}

/**
 * Dreams on `image` ([1, H, W, C] in the input range; not disposed). The network must accept the octaves'
 * sizes: networks that end in global average pooling accept any size.
 */
export async function deepDream(net: ConvNet, image: Tensor4D, settings: DreamSettings, run: DreamRun = {}): Promise<DreamResult> {
  const { octaves, octaveScale, steps } = { ...DREAM_DEFAULTS, ...settings };
  const [, height, width] = image.shape;
  const history: number[] = [];
  let current = tf.clone(image);
  let aborted = false;
  try {
    for (const [octave, [h, w]] of octaveSizes(height, width, octaves, octaveScale).entries()) {
      const start = tf.tidy(() => tf.image.resizeBilinear(current, [h, w], true));
      const offset = history.length;
      let note: string | undefined;
      const result = await render(net, {
        ...dreamOctave(net, start, settings, (report) => (note = tilingNote(report))),
        ...run,
        onStep: (s) => run.onStep?.({ ...s, step: offset + s.step, octave, ...(note ? { note } : {}) }),
      }).finally(() => start.dispose());
      history.push(...result.history);
      current.dispose();
      current = tf.tensor4d(result.image.data, [1, h, w, result.image.channels]);
      if (result.aborted || history.length < offset + steps) {
        aborted = true;
        break;
      }
    }
    // A run stopped in a small octave still answers at the image's own size.
    const final = tf.tidy(() => tf.image.resizeBilinear(current, [height, width], true));
    current.dispose();
    current = final;
    const data = (await current.data()) as Float32Array;
    return { image: { width, height, channels: image.shape[3], data }, history, aborted };
  } finally {
    current.dispose();
  }
}
