/**
 * The gradient of an image computed tile by tile, each tile in a task of its
 * own, so that a large image never holds the page for one whole forward and
 * backward pass. As in the deepdream notebook's `calc_grad_tiled`
 * (Mordvintsev et al. 2015), but exact: every tile is cut out with a halo,
 * and a tile's pixels take their gradient from the halo'd crop.
 *
 * Why the halo makes it exact. For an objective that is a mean over a
 * layer's cells of a term of each cell (a {@link CellObjective}, such as
 * DeepDream's mean of squared activations), the gradient at pixel p sums over
 * the cells whose receptive field holds p; each of those depends on the
 * pixels of its own field, so on pixels at most `size − 1` from p (`size`:
 * the layer's receptive-field side, receptive-field.ts). A crop reaching
 * `size − 1` pixels past the tile on every side, or to the image's edge where
 * the tile is nearer than that, therefore computes exactly those cells as
 * the whole image does, provided the crop's cells fall on the whole image's:
 * the crop starts on a multiple of the layer's jump (the product of the
 * strides), and every layer pads the crop as it pads the image (a 'same'
 * layer with a stride pads by the parity of its input: the crop is lengthened
 * until the paddings agree). At the image's border the crop is the image's
 * own border, so the tiled gradient equals the whole one there too (tested to
 * 1e-5 of its largest value, the border included). The objective's value is
 * summed the same way: each cell belongs to the tile holding the centre of
 * its receptive field, and the normalisation is the whole image's cell count.
 *
 * The notebook also shifts the image at random before tiling, to hide the
 * seams its tiles leave. Exact tiles leave none; the shift that remains is
 * DeepDream's jitter, which the render loop draws (transforms.ts) before this
 * stage sees the image, the same draw as for an untiled step.
 */
import type { ConvNet, LayerGeometry } from '../convnet';
import { yieldToEventLoop } from '../tasks';
import { fieldGeometry, layerAxis } from '../receptive-field';
import { tf, type Tensor, type Tensor4D } from '../tf';
import type { CellObjective } from './objectives';
import { type GradientStage, wholeImage } from './render';

type Scalar = ReturnType<typeof tf.scalar>;

/**
 * The largest crop, tile and halo together, in pixels a side: the bound on a tile's task. From
 * `npm run bench`'s tile sweep (DeepDream on 256×256 scenes-cnn, WASM, one thread; README, "Images made by
 * optimisation"): the whole image is one task of about 90 ms; crops of up to 144 cut relu3_1 into 3 × 3
 * tiles (at most 127² pixels, about a quarter of the image) and relu4_1 into 4 × 4 (at most 143²), at
 * 2.1× and 4.2× the whole step's time, where 168 would cut relu4_1 into 2 × 2 crops of 167² at 1.8× but
 * tasks of near half the whole step's. A third of the step's pixels leaves room under 100 ms for a machine
 * three times slower, as this shared one can be. At 128 pixels and below the image is one tile.
 */
export const TILE_CROP_SIDE = 144;

/** One axis of a tile: the pixels it answers for, the crop it is computed on, and the layer cells it owns. */
export interface TileSpan {
  /** First pixel the tile answers for, and one past its last. */
  start: number;
  end: number;
  /** The crop: first pixel and one past its last. */
  cropStart: number;
  cropEnd: number;
  /** The layer cells whose term the tile adds to the value, in the crop's cell indices: first and one past the last. */
  cellStart: number;
  cellEnd: number;
}

/** How an image is cut into tiles for one layer. */
export interface TilePlan {
  /** The tiles' spans along the rows and along the columns; the tiles are every pair. */
  rows: TileSpan[];
  columns: TileSpan[];
  /** The layer's cells on the whole image, [rows, columns]: the objective's normalisation. */
  cells: [number, number];
  /** Pixels of halo each side, per axis (the receptive field's side minus one). */
  halo: [number, number];
  /** Why the image is one tile, when the plan could not cut it (a layer without geometry). */
  reason?: string;
}

/** The number of tiles a plan makes. */
export const tileCount = (plan: TilePlan) => plan.rows.length * plan.columns.length;

/** The layers from the input to `layer`, with their geometry. */
function chainGeometry(net: ConvNet, layer: string): LayerGeometry[] {
  const end = net.layers.findIndex((l) => l.name === layer);
  return net.layers.slice(1, end + 1).map((l) => l.geometry!);
}

/** Each layer's leading padding for an axis of `n` pixels, and the last layer's cells (0 when one has none). */
function axisChain(chain: readonly LayerGeometry[], a: 0 | 1, n: number): { pads: number[]; cells: number } {
  const pads: number[] = [];
  let cells = n;
  for (const g of chain) {
    const next = layerAxis(g, a, cells);
    pads.push(next.pad);
    cells = Math.max(0, next.cells);
  }
  return { pads, cells };
}

/** The tiles of one axis of `n` pixels, for a layer whose fields are `size` wide and `jump` apart. */
function axisSpans(chain: readonly LayerGeometry[], a: 0 | 1, n: number, size: number, jump: number, cropSide: number): TileSpan[] {
  const halo = size - 1;
  const whole = axisChain(chain, a, n);
  const start0 = -whole.pads.reduce((s, p, i) => s + p * chain.slice(0, i).reduce((j, g) => j * g.stride[a], 1), 0);
  const aligned = (from: number, to: number) => {
    const c = axisChain(chain, a, to - from);
    return c.cells > 0 && c.pads.every((p, i) => p === whole.pads[i]);
  };
  // Each cell belongs to the tile that holds the centre of its field (clamped into the image).
  const anchor = (cell: number) => Math.min(n - 1, Math.max(0, start0 + cell * jump + Math.floor((size - 1) / 2)));
  const spansOf = (count: number): TileSpan[] => {
    const side = Math.ceil(n / count);
    const spans: TileSpan[] = [];
    for (let start = 0; start < n; start += side) {
      const end = Math.min(n, start + side);
      let cropStart = Math.max(0, Math.floor((start - halo) / jump) * jump);
      let cropEnd = Math.min(n, end + halo);
      while (cropEnd < n && !aligned(cropStart, cropEnd)) cropEnd++;
      if (!aligned(cropStart, cropEnd)) [cropStart, cropEnd] = [0, n];
      const offset = cropStart / jump;
      let [cellStart, cellEnd] = [Infinity, -Infinity];
      for (let cell = 0; cell < whole.cells; cell++) {
        const p = anchor(cell);
        if (p >= start && p < end) [cellStart, cellEnd] = [Math.min(cellStart, cell - offset), Math.max(cellEnd, cell - offset + 1)];
      }
      if (cellEnd < cellStart) [cellStart, cellEnd] = [0, 0];
      spans.push({ start, end, cropStart, cropEnd, cellStart, cellEnd });
    }
    return spans;
  };
  // The fewest tiles of one side whose crops all fit in cropSide; at most as many as an inner tile's
  // crop (two halos, and up to jump − 1 pixels for its start) allows.
  const most = Math.ceil(n / Math.max(1, cropSide - 2 * halo - (jump - 1)));
  for (let count = 1; count < most; count++) {
    const spans = spansOf(count);
    if (spans.every((s) => s.cropEnd - s.cropStart <= cropSide)) return spans;
  }
  return spansOf(most);
}

/**
 * How to cut a `height` × `width` image into tiles whose crops are at most about `cropSide` pixels a side,
 * for an objective on `layer` of `net`. Where the layer's receptive field cannot be computed (a graph
 * model, a dense layer on the way), the plan is one tile, the whole image, with the reason.
 */
export function tilePlan(net: ConvNet, layer: string, height: number, width: number, cropSide = TILE_CROP_SIDE): TilePlan {
  const shape = net.layers.find((l) => l.name === layer)?.outputShape;
  if (!shape) throw new Error(`No layer named '${layer}' in this network.`);
  let field;
  try {
    field = fieldGeometry(net, layer);
  } catch (err) {
    // The whole image as one tile: the render loop's own pass computes it (tiledGradient delegates to it).
    const whole = (n: number): TileSpan => ({ start: 0, end: n, cropStart: 0, cropEnd: n, cellStart: 0, cellEnd: shape[0] ?? 0 });
    return { rows: [whole(height)], columns: [whole(width)], cells: [0, 0], halo: [0, 0], reason: (err as Error).message };
  }
  const chain = chainGeometry(net, layer);
  return {
    rows: axisSpans(chain, 0, height, field.size[0], field.jump[0], cropSide),
    columns: axisSpans(chain, 1, width, field.size[1], field.jump[1], cropSide),
    cells: [axisChain(chain, 0, height).cells, axisChain(chain, 1, width).cells],
    halo: [field.size[0] - 1, field.size[1] - 1],
  };
}

/** The gradient of one tile's crop, cut to the tile's own pixels, and the value of the cells it owns. */
function tileGradient(net: ConvNet, cells: CellObjective, image: Tensor4D, plan: TilePlan, row: TileSpan, column: TileSpan): { gradient: Tensor4D; value: Scalar } {
  return tf.tidy(() => {
    const c = image.shape[3];
    const crop = tf.slice(image, [0, row.cropStart, column.cropStart, 0], [1, row.cropEnd - row.cropStart, column.cropEnd - column.cropStart, c]);
    let owned: Scalar | null = null;
    const full = (x: Tensor): Scalar => {
      const terms = cells.terms(net.forward(x as Tensor4D, { capture: [cells.layer] }).activations[cells.layer]!);
      const count = plan.cells[0] * plan.cells[1];
      const mine = tf.slice(terms, [0, row.cellStart, column.cellStart], [1, row.cellEnd - row.cellStart, column.cellEnd - column.cellStart]);
      owned = tf.keep(tf.div(tf.sum(mine), count) as Scalar);
      return tf.div(tf.sum(terms), count) as Scalar;
    };
    try {
      const g = tf.grad(full)(crop);
      const gradient = tf.slice(g, [0, row.start - row.cropStart, column.start - column.cropStart, 0], [1, row.end - row.start, column.end - column.start, c]) as Tensor4D;
      return { gradient, value: tf.clone(owned!) };
    } finally {
      (owned as Scalar | null)?.dispose();
    }
  });
}

/** What {@link tiledGradient} tells after cutting an image. */
export interface TilingReport {
  plan: TilePlan;
  height: number;
  width: number;
}

/**
 * A gradient stage of the render loop (render.ts) that computes the step's gradient tile by tile, yielding
 * to the page between tiles and before the update, for objectives that are means over a layer's cells
 * ({@link CellObjective}). The update then sees the objective's exact value and gradient: it
 * differentiates a function whose value is the tiles' sum and whose gradient is the tiled one, through
 * the step's transforms and the parameterisation. `onPlan` hears of each new plan (a new image size).
 */
export function tiledGradient({ cropSide = TILE_CROP_SIDE, onPlan }: { cropSide?: number; onPlan?: (report: TilingReport) => void } = {}): GradientStage {
  let last: TilingReport | null = null;
  return async (ctx) => {
    const cells = ctx.objective.cells;
    if (!cells) throw new Error(`The objective ${ctx.objective.formula} is not a mean over one layer's cells, so it cannot be computed in tiles.`);
    const [height, width, channels] = ctx.shape;
    if (!last || last.height !== height || last.width !== width) {
      last = { plan: tilePlan(ctx.net, cells.layer, height, width, cropSide), height, width };
      onPlan?.(last);
    }
    const { plan } = last;
    // One tile is the whole image: the loop's own pass computes the same, without the copies.
    if (tileCount(plan) === 1) return wholeImage()(ctx);
    const image = tf.tidy(() => ctx.transform(ctx.image()));
    let gradient: Float32Array | null = new Float32Array(height * width * channels);
    let value = 0;
    try {
      for (const [i, row] of plan.rows.entries()) {
        for (const [j, column] of plan.columns.entries()) {
          if (i + j > 0) await yieldToEventLoop();
          if (ctx.signal?.aborted) return null;
          const tile = tileGradient(ctx.net, cells, image, plan, row, column);
          const [g, v] = await Promise.all([tile.gradient.data(), tile.value.data()]).finally(() => tf.dispose([tile.gradient, tile.value]));
          value += v[0]!;
          const w = column.end - column.start;
          for (let y = row.start; y < row.end; y++) {
            gradient.set(g.subarray((y - row.start) * w * channels, (y - row.start + 1) * w * channels), (y * width + column.start) * channels);
          }
        }
      }
      await yieldToEventLoop();
      if (ctx.signal?.aborted) return null;
    } finally {
      image.dispose();
    }
    const g = tf.tensor4d(gradient, [1, height, width, channels]);
    gradient = null;
    // Its value is the tiles' sum and its gradient the tiled one, whatever the image it is given.
    const linear = tf.customGrad(() => ({ value: tf.scalar(value), gradFunc: (dy: Tensor) => tf.mul(dy, g) })) as (x: Tensor) => Scalar;
    return { value: () => linear(ctx.transform(ctx.image())), dispose: () => g.dispose() };
  };
}
