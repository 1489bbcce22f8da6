/**
 * Fast style transfer as an image-to-image network: `stylise(image, weights)` runs a trained
 * transformer (transformer.ts) once and returns the picture as plain data. A conditional network
 * takes a blend of its styles; the others have one style and ignore the weights.
 *
 * `loadFastStyle` reads public/models/<id>/ (model.json, weights, card.json) with the custom
 * normalisation layers registered (importing instance-norm.ts does that), in Node and the browser.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import type { Fetcher } from '../model-loader';
import { type RasterImage, type RgbaImage, tensorToImage, toModelInput } from '../image';
import { tf, type Tensor4D } from '../tf';
import './instance-norm';
import type { NormKind } from './transformer';

/** The shipped networks (trained by `npm run train -- <id>`). */
export const FAST_STYLE_MODELS = ['fast-style-cin', 'fast-style-in', 'fast-style-bn'] as const;
export type FastStyleModelId = (typeof FAST_STYLE_MODELS)[number];

/** Side of the square the networks stylise by default: the 256×256 frame. */
export const STYLISE_SIZE = { default: 256, min: 32, max: 512 } as const;

/** What a card tells the view. */
export interface FastStyleMeta {
  id: string;
  title: string;
  norm: NormKind;
  /**
   * Style ids and titles, in the order of the style weights; for a network trained with per-style weights
   * (style-weights.ts), `lossWeight` is the weight λ^s its style term had in training (card `loss.perStyle`).
   */
  styles: readonly { id: string; title: string; lossWeight?: number }[];
}

/** One stylised picture and what it took. */
export interface Stylised {
  image: RgbaImage;
  /** The convex weights used (sum 1), one per style. */
  weights: number[];
  /** Wall time of the forward pass and the read-back, in ms. */
  ms: number;
}

/** A loaded transformer; owns its model. */
export interface FastStyleNet extends FastStyleMeta {
  stylise(image: RasterImage, weights?: readonly number[], size?: number): Promise<Stylised>;
  dispose(): void;
}

/** Weights of a blend, checked and scaled to sum to 1 (a convex combination, Dumoulin et al. §4). */
export function blendWeights(weights: readonly number[], styles: number): number[] {
  if (weights.length !== styles) throw new Error(`A blend of ${styles} styles needs ${styles} weights; got ${weights.length}.`);
  if (weights.some((w) => !Number.isFinite(w) || w < 0)) throw new Error('Style weights must be non-negative numbers.');
  const total = weights.reduce((s, w) => s + w, 0);
  if (total <= 0) throw new Error('At least one style weight must be above zero.');
  return weights.map((w) => w / total);
}

/** Checks a square size: a whole multiple of 4 (two stride-2 stages) within the limits. */
export function checkStyliseSize(size: number): number {
  if (!Number.isInteger(size) || size % 4 !== 0 || size < STYLISE_SIZE.min || size > STYLISE_SIZE.max) {
    throw new Error(`The size must be a multiple of 4 from ${STYLISE_SIZE.min} to ${STYLISE_SIZE.max} pixels; got ${size}.`);
  }
  return size;
}

/** The transformer applied to a [N, H, W, 3] batch in 0..1 with weights [N, S]. Synchronous. */
export function applyTransformer(model: tfl.LayersModel, norm: NormKind, x: Tensor4D, weights: number[][]): Tensor4D {
  return tf.tidy(() => {
    const input = norm === 'conditional' ? [x, tf.tensor2d(weights)] : x;
    return model.predict(input) as Tensor4D;
  });
}

/** Wraps a loaded (or freshly built) transformer. The result owns `model`. */
export function fastStyleNet(model: tfl.LayersModel, meta: FastStyleMeta): FastStyleNet {
  const count = meta.styles.length;
  return {
    ...meta,
    async stylise(image, weights = [1, ...new Array<number>(count - 1).fill(0)], size = STYLISE_SIZE.default) {
      const w = blendWeights(weights, count);
      const side = checkStyliseSize(size);
      const t0 = performance.now();
      const x = toModelInput(image, { height: side, width: side, channels: 3, range: [0, 1] });
      const y = applyTransformer(model, meta.norm, x, [w]);
      x.dispose();
      try {
        const out = await tensorToImage(y, { range: [0, 1] });
        return { image: out, weights: w, ms: performance.now() - t0 };
      } finally {
        y.dispose();
      }
    },
    dispose: () => model.dispose(),
  };
}

const text = (buffer: ArrayBuffer) => new TextDecoder().decode(buffer);

/** Loads `models/<id>/` under `baseUrl`: the weights and the card's title, norm and styles. */
export async function loadFastStyle(id: string, baseUrl: string, options: { fetch?: Fetcher; signal?: AbortSignal } = {}): Promise<FastStyleNet> {
  const folder = `${baseUrl.replace(/\/*$/, '/')}models/${id}/`;
  const fetcher: Fetcher = options.fetch ?? ((url, init) => fetch(url, init));
  const get = async (name: string) => {
    const response = await fetcher(folder + name, options.signal ? { signal: options.signal } : {});
    if (!response.ok) throw new Error(`Could not download ${folder}${name} (HTTP ${response.status}).`);
    return response.arrayBuffer();
  };
  const [json, card] = await Promise.all([get('model.json'), get('card.json')]).then(([a, b]) => [JSON.parse(text(a)), JSON.parse(text(b))]);
  const group = json.weightsManifest?.[0];
  if (!group || !Array.isArray(card.styles) || !['batch', 'instance', 'conditional'].includes(card.norm)) throw new Error(`${folder} is not a fast style-transfer network.`);
  const buffers = await Promise.all((group.paths as string[]).map(get));
  const weightData = tf.io.CompositeArrayBuffer.join(buffers);
  const model = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: group.weights, weightData }));
  const lossWeights = new Map<string, unknown>((card.loss?.perStyle?.styles ?? []).map((p: { style: string; weight: unknown }) => [p.style, p.weight]));
  const styles = card.styles.map((s: { id: string; title?: string }) => {
    const w = lossWeights.get(s.id);
    return { id: s.id, title: s.title ?? s.id, ...(typeof w === 'number' && Number.isFinite(w) && w > 0 ? { lossWeight: w } : {}) };
  });
  return fastStyleNet(model, { id, title: String(card.title ?? id), norm: card.norm, styles });
}
