/**
 * Image parameterisations: what the render loop actually optimises, and how it
 * becomes an image in the network's input range (Lucent's `optvis/param`).
 *
 * - `pixelImage`: the pixels themselves, as offsets from the centre of the
 *   range (Simonyan et al. 2014 start from the zero image of a mean-subtracted
 *   network: here the mid-grey image).
 * - `fourierImage`: a spectrum whose frequencies are scaled by 1/f, so that a
 *   gradient step changes all frequencies about equally in the image, and
 *   colours in a decorrelated basis (Olah et al. 2017, "Feature Visualization",
 *   Distill, §Preconditioning; Mordvintsev et al. 2018, "Differentiable Image
 *   Parameterizations"). The inverse DFT is written as real matrix products,
 *   which have gradients on every backend.
 *
 * A parameterisation owns its variables: `dispose()` releases them.
 */
import { mulberry32, mixSeed } from '../random';
import { tf, type Tensor2D, type Tensor4D } from '../tf';

type Variable = ReturnType<typeof tf.variable>;

/** What the render loop optimises. */
export interface ImageParam {
  /** Height, width and channels of the image. */
  readonly shape: readonly [number, number, number];
  /** The tensors the optimiser changes. */
  readonly variables: readonly Variable[];
  /** The image, [1, H, W, C], in the network's input range; call inside tf.tidy or a gradient. */
  image(): Tensor4D;
  /** Sets the variables so that {@link image} gives `image` (as closely as the parameterisation can); never disposes it. */
  assign(image: Tensor4D): void;
  dispose(): void;
}

/** Options shared by the parameterisations. */
export interface ParamOptions {
  /** The network's input range. */
  range: readonly [number, number];
  /** Seed of the random start. */
  seed?: number;
  /**
   * Standard deviation of the random start: of the pixels, as a fraction of the range (0: the mid-grey
   * image), or of the Fourier coefficients.
   */
  sd?: number;
}

/** Normal numbers from a seed (Box–Muller over mulberry32), the same in Node and the browser. */
export function seededNormal(n: number, seed: number, sd: number): Float32Array {
  const random = mulberry32(mixSeed(seed));
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - random())) * sd;
    const t = 2 * Math.PI * random();
    out[i] = r * Math.cos(t);
    if (i + 1 < n) out[i + 1] = r * Math.sin(t);
  }
  return out;
}

/** A variable holding `data`; the tensor it starts from is released (the variable keeps its values). */
function variableOf(data: Float32Array, shape: number[]): Variable {
  const start = tf.tensor(data, shape);
  const v = tf.variable(start);
  start.dispose();
  return v;
}

/** The pixels as the variable: image = centre of the range + offsets. Starts at mid-grey, or from noise with `sd`. */
export function pixelImage(shape: readonly [number, number, number], { range, seed = 0, sd = 0 }: ParamOptions): ImageParam {
  const [h, w, c] = shape;
  const centre = (range[0] + range[1]) / 2;
  const offsets = variableOf(seededNormal(h * w * c, seed, sd * (range[1] - range[0])), [1, h, w, c]);
  return {
    shape,
    variables: [offsets],
    image: () => tf.add(offsets, centre),
    assign: (image) => {
      const next = tf.sub(image, centre);
      offsets.assign(next);
      next.dispose();
    },
    dispose: () => offsets.dispose(),
  };
}

/**
 * The square root of ImageNet's colour covariance, as Lucent ships it
 * (`optvis/param/color.py`, `color_correlation_svd_sqrt`), rows R, G, B; normalised below so that its
 * largest column has norm 1. The book's own networks see other images, but the matrix only preconditions
 * the optimisation: any image can still be reached.
 */
export const COLOUR_CORRELATION_SQRT = [
  [0.26, 0.09, 0.02],
  [0.27, 0.0, -0.05],
  [0.27, -0.09, 0.03],
] as const;

/** {@link COLOUR_CORRELATION_SQRT} with its largest column norm scaled to 1. */
export function colourMatrix(): number[][] {
  const m = COLOUR_CORRELATION_SQRT.map((row) => [...row]);
  const norms = [0, 1, 2].map((j) => Math.hypot(m[0]![j]!, m[1]![j]!, m[2]![j]!));
  const max = Math.max(...norms);
  return m.map((row) => row.map((v) => v / max));
}

function inverse3(m: number[][]): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m as [[number, number, number], [number, number, number], [number, number, number]];
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [
    [(e * i - f * h) / det, (c * h - b * i) / det, (b * f - c * e) / det],
    [(f * g - d * i) / det, (a * i - c * g) / det, (c * d - a * f) / det],
    [(d * h - e * g) / det, (b * g - a * h) / det, (a * e - b * d) / det],
  ];
}

/** Options of {@link fourierImage}. */
export interface FourierOptions extends ParamOptions {
  /** Exponent of the 1/f scaling of the spectrum: 1 as in Lucent's `fft_image`. */
  decayPower?: number;
  /** Colour images only: optimise in the decorrelated colour basis. */
  decorrelate?: boolean;
}

/** Defaults of {@link fourierImage}, as in Lucent (`fft_image`: sd 0.01, decay power 1, and its division by 4). */
export const FOURIER_DEFAULTS = { sd: 0.01, decayPower: 1, decorrelate: true, gain: 1 / 4 } as const;

/** cos and sin of 2π·k·n/N for n, k in [0, N): the real and imaginary parts of the DFT basis. */
function dftBasis(n: number): { cos: Tensor2D; sin: Tensor2D } {
  const c = new Float32Array(n * n);
  const s = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const t = (2 * Math.PI * ((i * k) % n)) / n;
      c[i * n + k] = Math.cos(t);
      s[i * n + k] = Math.sin(t);
    }
  }
  return { cos: tf.tensor2d(c, [n, n]), sin: tf.tensor2d(s, [n, n]) };
}

/** 1 / max(f, 1/max(H, W))^p for every frequency (u, v) of the full H×W spectrum, f in cycles per pixel. */
function spectrumScale(h: number, w: number, power: number): Float32Array {
  const out = new Float32Array(h * w);
  const floor = 1 / Math.max(h, w);
  for (let u = 0; u < h; u++) {
    for (let v = 0; v < w; v++) {
      const f = Math.hypot(Math.min(u, h - u) / h, Math.min(v, w - v) / w);
      out[u * w + v] = 1 / Math.max(f, floor) ** power;
    }
  }
  return out;
}

/** [C, H, W] matrices times a [W, W] matrix on the right (transposed: M^T). */
const rightTimes = (x: tf.Tensor, m: Tensor2D) => {
  const [c, h, w] = x.shape as [number, number, number];
  return tf.reshape(tf.matMul(tf.reshape(x, [c * h, w]), m, false, true), [c, h, m.shape[0]]);
};
/** A [H, H] matrix times [C, H, W] matrices on the left. */
const leftTimes = (m: Tensor2D, x: tf.Tensor) => {
  const [c, h, w] = x.shape as [number, number, number];
  const byRow = tf.reshape(tf.transpose(x, [1, 0, 2]), [h, c * w]);
  return tf.transpose(tf.reshape(tf.matMul(m, byRow), [m.shape[0], c, w]), [1, 0, 2]);
};

/**
 * The image as a scaled spectrum: for each channel, X = Re(Σ_{u,v} s(u,v) Z(u,v) e^{2πi(uy/H + vx/W)}) · gain,
 * s = 1/max(f, 1/max(H,W))^p; colour images then mix the channels by the decorrelation matrix, and a
 * sigmoid maps the result into the input range.
 */
export function fourierImage(shape: readonly [number, number, number], options: FourierOptions): ImageParam {
  const [h, w, c] = shape;
  const { range, seed = 0, sd = FOURIER_DEFAULTS.sd, decayPower = FOURIER_DEFAULTS.decayPower } = options;
  const decorrelate = (options.decorrelate ?? FOURIER_DEFAULTS.decorrelate) && c === 3;
  const gain = FOURIER_DEFAULTS.gain;
  const n = c * h * w;
  const re = variableOf(seededNormal(n, seed, sd), [c, h, w]);
  const im = variableOf(seededNormal(n, seed + 1, sd), [c, h, w]);
  const rows = dftBasis(h);
  const cols = w === h ? rows : dftBasis(w);
  const scale = tf.tensor2d(spectrumScale(h, w, decayPower), [h, w]);
  const colour = decorrelate ? colourMatrix() : null;
  const mix = colour ? tf.tensor2d(colour.flat(), [3, 3]) : null;
  const unmix = colour ? tf.tensor2d(inverse3(colour).flat(), [3, 3]) : null;
  const [lo, hi] = range;

  /** Channels-first [C, H, W] real image before the colour mix and the sigmoid. */
  const synthesise = () => {
    const a = tf.mul(re, scale) as tf.Tensor3D;
    const b = tf.mul(im, scale) as tf.Tensor3D;
    // (A + iB)(C_W + iS_W)ᵀ = P + iQ, then Re((C_H + iS_H)(P + iQ)) = C_H P − S_H Q.
    const p = tf.sub(rightTimes(a, cols.cos), rightTimes(b, cols.sin));
    const q = tf.add(rightTimes(a, cols.sin), rightTimes(b, cols.cos));
    return tf.mul(tf.sub(leftTimes(rows.cos, p), leftTimes(rows.sin, q)), gain);
  };
  const toHwc = (x: tf.Tensor) => tf.reshape(tf.transpose(x, [1, 2, 0]), [1, h, w, c]) as Tensor4D;

  return {
    shape,
    variables: [re, im],
    image: () => {
      let x = toHwc(synthesise());
      if (mix) x = tf.reshape(tf.matMul(tf.reshape(x, [h * w, 3]), mix, false, true), [1, h, w, 3]);
      return tf.add(tf.mul(tf.sigmoid(x), hi - lo), lo);
    },
    assign: (image) => {
      const [nextRe, nextIm] = tf.tidy(() => {
        // Undo the sigmoid (clamped, so that pixels at the range's ends stay finite), the mix and the gain.
        const y = tf.clipByValue(tf.div(tf.sub(image, lo), hi - lo), 1e-4, 1 - 1e-4);
        let x: tf.Tensor = tf.sub(tf.log(y), tf.log(tf.sub(1, y)));
        if (unmix) x = tf.matMul(tf.reshape(x, [h * w, 3]), unmix, false, true);
        const planes = tf.div(tf.transpose(tf.reshape(x, [h, w, c]), [2, 0, 1]), gain) as tf.Tensor3D;
        // The forward DFT F = Σ X e^{−iθ}, divided by H·W so that the synthesis above inverts it.
        const fr = tf.sub(leftTimes(rows.cos, rightTimes(planes, cols.cos)), leftTimes(rows.sin, rightTimes(planes, cols.sin)));
        const fi = tf.neg(tf.add(leftTimes(rows.sin, rightTimes(planes, cols.cos)), leftTimes(rows.cos, rightTimes(planes, cols.sin))));
        const denominator = tf.mul(scale, h * w);
        return [tf.div(fr, denominator), tf.div(fi, denominator)];
      });
      re.assign(nextRe as tf.Tensor3D);
      im.assign(nextIm as tf.Tensor3D);
      tf.dispose([nextRe, nextIm]);
    },
    dispose: () => tf.dispose([...new Set([re, im, rows.cos, rows.sin, cols.cos, cols.sin, scale, ...(mix ? [mix, unmix!] : [])])]),
  };
}
