/**
 * Random transforms applied to the image before each forward pass, so that
 * the optimised image must work under small shifts, zooms and turns
 * (transformation robustness: Mordvintsev et al. 2015's jitter; Olah et al.
 * 2017, Distill, §Transformation robustness; Lucent's `optvis/transform`).
 * Each keeps the image's size, fills what enters from outside with the centre
 * of the input range, and is differentiable (resample.ts). They compose from a
 * list: `composeTransforms([jitter(2), randomScale(...), randomRotate(...)])`.
 */
import { tf, type Tensor4D } from '../tf';
import { alongHeight, alongWidth, alongWidthPerRow, interpolationRows, swapAxes } from './resample';

/** A random transform: the image (not disposed) → a new image of the same size. Runs inside a gradient. */
export type Transform = (image: Tensor4D, random: () => number, range: readonly [number, number]) => Tensor4D;

const pick = <T>(values: readonly T[], random: () => number): T => values[Math.floor(random() * values.length)]!;

/** Runs `move` on the image measured from the fill value, so that what enters from outside is the fill. */
function aroundFill(image: Tensor4D, range: readonly [number, number], move: (x: Tensor4D) => Tensor4D): Tensor4D {
  const fill = (range[0] + range[1]) / 2;
  return tf.add(move(tf.sub(image, fill)), fill);
}

const matrix = (n: number, source: (i: number) => number) => tf.tensor2d(interpolationRows(n, source), [n, n]);

/**
 * Shifts by whole pixels with a pad and a slice, what enters being zero: the same numbers as the
 * interpolation matrices (each of whose rows holds one 1), in time linear in the pixels where a matrix
 * product takes the pixels times the side (at 256×256, most of a DeepDream step's update).
 */
function shiftWhole(x: Tensor4D, dy: number, dx: number): Tensor4D {
  const [, h, w] = x.shape;
  if (Math.abs(dy) >= h || Math.abs(dx) >= w) return tf.zerosLike(x);
  const padded = tf.pad(x, [[0, 0], [Math.max(dy, 0), Math.max(-dy, 0)], [Math.max(dx, 0), Math.max(-dx, 0)], [0, 0]]);
  return tf.slice(padded, [0, Math.max(-dy, 0), Math.max(-dx, 0), 0], [-1, h, w, -1]);
}

/** Shifts the image by (dy, dx) pixels, not necessarily whole ones. */
export function translate(image: Tensor4D, dy: number, dx: number, range: readonly [number, number]): Tensor4D {
  const [, h, w] = image.shape;
  if (Number.isInteger(dy) && Number.isInteger(dx)) return aroundFill(image, range, (x) => shiftWhole(x, dy, dx));
  return aroundFill(image, range, (x) => alongWidth(alongHeight(x, matrix(h, (i) => i - dy)), matrix(w, (i) => i - dx)));
}

/** Zooms the image by `s` about its centre. */
export function scaleImage(image: Tensor4D, s: number, range: readonly [number, number]): Tensor4D {
  const [, h, w] = image.shape;
  const about = (n: number) => (i: number) => (n - 1) / 2 + (i - (n - 1) / 2) / s;
  return aroundFill(image, range, (x) => alongWidth(alongHeight(x, matrix(h, about(h))), matrix(w, about(w))));
}

/** Shifts row y of the image by `shift(y)` pixels along the width. */
function shearRows(x: Tensor4D, shift: (y: number) => number): Tensor4D {
  const [, h, w] = x.shape;
  const m = new Float32Array(h * w * w);
  for (let y = 0; y < h; y++) m.set(interpolationRows(w, (i) => i - shift(y)), y * w * w);
  return alongWidthPerRow(x, tf.tensor3d(m, [h, w, w]));
}

/**
 * Turns the image by `degrees` about its centre, clockwise as displayed (rows run downwards): the content
 * at (x, y) moves to R(θ)(x, y). Done as three shears (Paeth 1986, R(θ) = X(−tan θ/2) Y(sin θ) X(−tan θ/2)).
 */
export function rotateImage(image: Tensor4D, degrees: number, range: readonly [number, number]): Tensor4D {
  if (degrees === 0) return tf.clone(image);
  const [, h, w] = image.shape;
  const t = (degrees * Math.PI) / 180;
  const [cy, cx] = [(h - 1) / 2, (w - 1) / 2];
  const a = -Math.tan(t / 2);
  const b = Math.sin(t);
  // X: row y moves along x by a·(y − cy); Y: column x moves along y by b·(x − cx).
  const alongX = (x: Tensor4D) => shearRows(x, (y) => a * (y - cy));
  const alongY = (x: Tensor4D) => swapAxes(shearRows(swapAxes(x), (col) => b * (col - cx)));
  return aroundFill(image, range, (x) => alongX(alongY(alongX(x))));
}

/** A random whole-pixel shift of up to `d` pixels in each direction (Lucent's `jitter`, without the crop). */
export function jitter(d: number): Transform {
  return (image, random, range) => {
    const dy = Math.floor(random() * (2 * d + 1)) - d;
    const dx = Math.floor(random() * (2 * d + 1)) - d;
    return dy === 0 && dx === 0 ? tf.clone(image) : translate(image, dy, dx, range);
  };
}

/** A zoom by a factor drawn from `scales`. */
export function randomScale(scales: readonly number[]): Transform {
  return (image, random, range) => {
    const s = pick(scales, random);
    return s === 1 ? tf.clone(image) : scaleImage(image, s, range);
  };
}

/** A turn by an angle in degrees drawn from `angles`. */
export function randomRotate(angles: readonly number[]): Transform {
  return (image, random, range) => rotateImage(image, pick(angles, random), range);
}

/** The transforms applied one after the other, in list order. */
export function composeTransforms(transforms: readonly Transform[]): Transform {
  return (image, random, range) => transforms.reduce((x, t) => t(x, random, range), image);
}

/**
 * Lucent's `standard_transforms` (jitter 8, scales 1 ± 0.1 in steps of 0.02, rotations of −10…10°
 * with 0 weighted more, jitter 4) for 224-pixel images, with the shifts scaled to a `size`-pixel image.
 */
export function standardTransforms(size: number): Transform[] {
  const px = (p: number) => Math.max(1, Math.round((p * size) / 224));
  return [
    jitter(px(8)),
    randomScale(Array.from({ length: 11 }, (_, i) => 1 + (i - 5) / 50)),
    randomRotate([...Array.from({ length: 21 }, (_, i) => i - 10), 0, 0, 0, 0, 0]),
    jitter(px(4)),
  ];
}
