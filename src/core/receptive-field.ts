/**
 * Receptive fields by arithmetic: which input pixels a unit of an inner layer
 * can see, from the layers' geometry alone (kernel, stride, padding, dilation,
 * pooling). Araujo, Norris & Sim 2019, "Computing Receptive Fields of
 * Convolutional Neural Networks", Distill, https://distill.pub/2019/computing-receptive-fields/,
 * eqs. 1–3 in their recursive form. Per axis, cell u of a layer sees input
 * pixels start + u·jump … start + u·jump + size − 1, and a layer with
 * effective kernel k' = d(k − 1) + 1, stride s and leading padding p maps
 * (size, jump, start) to (size + (k' − 1)·jump, jump·s, start − p·jump).
 *
 * The recursion holds for a chain of layers; a layer without geometry (dense,
 * merge, reshape, or any node of a graph model, whose adapter fills none)
 * ends it with a message.
 */
import type { ConvNet, LayerGeometry } from './convnet';

/** Where the fields of a layer's cells lie on the input, per axis [rows, columns]. */
export interface FieldGeometry {
  /** Side of every cell's field, in input pixels (padding included). */
  size: [number, number];
  /** Input pixels between the fields of neighbouring cells: the product of the strides. */
  jump: [number, number];
  /** First input pixel of cell 0's field; negative when it starts in the padding. */
  start: [number, number];
  /** The layer's spatial size, as the recursion computes it. */
  cells: [number, number];
}

/** A rectangle of input pixels, bounds inclusive; it may reach past the image into the padding. */
export interface PixelBox {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

/**
 * One axis of a layer: output cells for `n` input cells, the padding before the first cell, and the
 * effective kernel. Exported for tiling (optvis/tiles.ts), which compares the paddings of a crop with the
 * whole image's.
 */
export function layerAxis(g: LayerGeometry, a: 0 | 1, n: number): { cells: number; pad: number; kernel: number } {
  const kernel = g.dilation[a] * (g.kernel[a] - 1) + 1;
  const s = g.stride[a];
  if (g.padding === 'valid') return { cells: Math.floor((n - kernel) / s) + 1, pad: 0, kernel };
  const cells = Math.ceil(n / s);
  return { cells, pad: Math.floor(Math.max((cells - 1) * s + kernel - n, 0) / 2), kernel };
}

/**
 * The field geometry of `layer` in `net`, walking its layers from the input. Throws, with a message for the
 * reader, when a layer on the way has no geometry or the sizes disagree with the network's own shapes.
 */
export function fieldGeometry(net: Pick<ConvNet, 'layers' | 'inputShape' | 'format'>, layer: string): FieldGeometry {
  const end = net.layers.findIndex((l) => l.name === layer);
  if (end < 0) throw new Error(`No layer named '${layer}' in this network.`);
  const field: FieldGeometry = { size: [1, 1], jump: [1, 1], start: [0, 0], cells: [net.inputShape[0], net.inputShape[1]] };
  for (const l of net.layers.slice(1, end + 1)) {
    if (!l.geometry) {
      throw new Error(
        net.format === 'graph'
          ? `Receptive fields are computed from the layer configurations of a layers model; a graph model's nodes are not read that way ('${l.name}' is a ${l.type} node).`
          : `The receptive field of '${layer}' cannot be computed: '${l.name}' (${l.type}) is not a convolution, pooling or pointwise layer.`,
      );
    }
    for (const a of [0, 1] as const) {
      const { cells, pad, kernel } = layerAxis(l.geometry, a, field.cells[a]);
      field.start[a] -= pad * field.jump[a];
      field.size[a] += (kernel - 1) * field.jump[a];
      field.jump[a] *= l.geometry.stride[a];
      field.cells[a] = cells;
    }
    const [h, w] = l.outputShape;
    if ((h! > 0 && h !== field.cells[0]) || (w! > 0 && w !== field.cells[1])) {
      throw new Error(`The layers before '${layer}' do not form a chain ('${l.name}' is ${h}×${w}, not ${field.cells.join('×')}).`);
    }
  }
  return field;
}

/** The input pixels cell (y, x) of a layer with geometry `g` sees, padding included. */
export function receptiveField(g: FieldGeometry, y: number, x: number): PixelBox {
  const top = g.start[0] + y * g.jump[0];
  const left = g.start[1] + x * g.jump[1];
  return { top, left, bottom: top + g.size[0] - 1, right: left + g.size[1] - 1 };
}

/** The part of `box` inside an image of `height` × `width` pixels. */
export function clipBox(box: PixelBox, height: number, width: number): PixelBox {
  return {
    top: Math.max(0, box.top),
    left: Math.max(0, box.left),
    bottom: Math.min(height - 1, box.bottom),
    right: Math.min(width - 1, box.right),
  };
}

/** The pixels of `box` cut out of an HWC image `width` pixels wide with `channels` values per pixel. */
export function cropHwc(data: ArrayLike<number>, width: number, channels: number, box: PixelBox): { width: number; height: number; data: Float32Array } {
  const w = box.right - box.left + 1;
  const h = box.bottom - box.top + 1;
  const out = new Float32Array(w * h * channels);
  for (let y = 0; y < h; y++) {
    for (let i = 0; i < w * channels; i++) out[y * w * channels + i] = data[((box.top + y) * width + box.left) * channels + i]!;
  }
  return { width: w, height: h, data: out };
}
