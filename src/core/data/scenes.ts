/**
 * Procedural colour scenes: one labelled shape on a cluttered background.
 *
 * The generator draws each scene from a seed alone (mulberry32 PRNG), so a seed
 * names a scene everywhere: in Node for training, in the browser for a chapter.
 *
 * A scene is built in three layers, all of them rasterised analytically and
 * anti-aliased by supersampling coverage (S×S samples per pixel, no canvas):
 *   1. background: a linear gradient between two random colours, plus smooth
 *      value noise (a coarse random colour grid, bilinearly upsampled; no
 *      per-pixel noise, which would only make the committed PNGs incompressible);
 *   2. distractors: a few thin strokes (line segments and open arcs);
 *   3. the object: one of {@link SCENE_CLASSES} at a random position, scale and
 *      rotation, with a slight shading gradient across it.
 * The object, the background and the strokes all draw their colours from the
 * same distribution (any hue, wide saturation and value), so colour says nothing
 * about the class: only shape does. The object's colour is resampled until it
 * stands out from the background mean, so every object is visible. The
 * ground-truth mask marks the pixels the object covers at least half of; the
 * object lies wholly inside the image.
 */
import { mulberry32 } from '../random';

/** The object classes, in label order. */
export const SCENE_CLASSES = ['disc', 'ring', 'square', 'triangle', 'star', 'cross', 'stripes'] as const;
/** One of {@link SCENE_CLASSES}. */
export type SceneClass = (typeof SCENE_CLASSES)[number];

/**
 * Defaults of {@link generateScene}. 64×64 keeps the network small enough to
 * train on a laptop CPU and run interactively in a browser; 4×4 supersampling
 * gives 17 coverage levels, enough for smooth edges.
 */
export const SCENE_DEFAULTS = {
  size: 64,
  supersample: 4,
  /** Object radius (circumscribed circle) as a fraction of the image side. */
  minRadius: 0.14,
  maxRadius: 0.3,
  minStrokes: 2,
  maxStrokes: 6,
  /** Least RGB distance between object colour and the background's mean colour. */
  minContrast: 0.4,
} as const;

/** Options of {@link generateScene}; every field defaults to {@link SCENE_DEFAULTS}. */
export interface SceneOptions {
  /** Image side in pixels (square images). */
  size?: number;
  /** Samples per pixel side for anti-aliasing. */
  supersample?: number;
  /** Force the class (an index into {@link SCENE_CLASSES}) instead of drawing it from the seed. */
  label?: number;
}

/** One generated scene: an RGB image, its object mask and class label. */
export interface Scene {
  width: number;
  height: number;
  /** HWC, RGB in 0..1. */
  data: Float32Array;
  /** 1 where the object covers at least half of the pixel, else 0 (row-major, width×height). */
  mask: Uint8Array;
  /** Index into {@link SCENE_CLASSES}. */
  label: number;
}

type Rgb = [number, number, number];
type Rng = () => number;
/** Coverage test in the shape's own frame, where the shape fits in the unit circle. */
type Inside = (u: number, v: number) => boolean;

const uniform = (rng: Rng, lo: number, hi: number): number => lo + (hi - lo) * rng();

/** HSV (all in 0..1) to RGB. */
function hsv(h: number, s: number, v: number): Rgb {
  const f = (n: number) => {
    const k = (n + h * 6) % 6;
    return v - v * s * Math.max(0, Math.min(k, 4 - k, 1));
  };
  return [f(5), f(3), f(1)];
}

/** The one colour distribution shared by objects, strokes and backgrounds. */
function randomColour(rng: Rng): Rgb {
  return hsv(rng(), uniform(rng, 0.3, 1), uniform(rng, 0.3, 1));
}

const distance = (a: Rgb, b: Rgb) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Inside a regular n-gon inscribed in the unit circle, one vertex pointing up. */
function regularPolygon(n: number): Inside {
  const apothem = Math.cos(Math.PI / n);
  const normals = Array.from({ length: n }, (_, k) => {
    const a = Math.PI / 2 + (2 * Math.PI * (k + 0.5)) / n;
    return [Math.cos(a), Math.sin(a)] as const;
  });
  return (u, v) => normals.every(([nx, ny]) => u * nx + v * ny <= apothem);
}

/** Inside a five-pointed star (outer radius 1, inner 0.45), by angle sector. */
function star(u: number, v: number): boolean {
  const r = Math.hypot(u, v);
  if (r > 1) return false;
  const sector = (2 * Math.PI) / 5;
  // Fold the angle into one half-spike: 0 at a tip, sector/2 at a notch.
  let a = (Math.atan2(v, u) - Math.PI / 2) % sector;
  if (a < 0) a += sector;
  a = Math.min(a, sector - a);
  // The spike's edge runs from the tip (1, 0) to the notch (0.45, sector/2) in polar terms.
  const [tx, ty] = [1, 0];
  const [nx, ny] = [0.45 * Math.cos(sector / 2), 0.45 * Math.sin(sector / 2)];
  const [px, py] = [r * Math.cos(a), r * Math.sin(a)];
  return (nx - tx) * (py - ty) - (ny - ty) * (px - tx) >= 0;
}

const SHAPES: Record<SceneClass, Inside> = {
  disc: (u, v) => u * u + v * v <= 0.85 * 0.85,
  ring: (u, v) => {
    const r2 = u * u + v * v;
    return r2 <= 0.95 * 0.95 && r2 >= 0.55 * 0.55;
  },
  square: regularPolygon(4),
  triangle: regularPolygon(3),
  star,
  cross: (u, v) => (Math.abs(u) <= 0.28 && Math.abs(v) <= 0.95) || (Math.abs(v) <= 0.28 && Math.abs(u) <= 0.95),
  // Four parallel bars clipped to a disc: a texture-like class.
  stripes: (u, v) => u * u + v * v <= 0.95 * 0.95 && (((u + 1) * 2.1) % 1) < 0.5,
};

/**
 * Fraction of pixel (x, y) that `inside` covers, from S×S sample points, where
 * `inside` takes image coordinates.
 */
function coverage(inside: (px: number, py: number) => boolean, x: number, y: number, s: number): number {
  let hits = 0;
  for (let j = 0; j < s; j++) {
    for (let i = 0; i < s; i++) {
      if (inside(x + (i + 0.5) / s, y + (j + 0.5) / s)) hits++;
    }
  }
  return hits / (s * s);
}

/** Blends `colour` over the image wherever `inside` covers, within a bounding box; returns per-pixel coverage. */
function paint(
  img: Float32Array, size: number, s: number, box: [number, number, number, number],
  inside: (px: number, py: number) => boolean, colourAt: (px: number, py: number) => Rgb,
  near: (px: number, py: number) => boolean = () => true,
): Float32Array {
  const cov = new Float32Array(size * size);
  const [x0, y0, x1, y1] = box.map((b, i) => Math.max(0, Math.min(size - 1, i < 2 ? Math.floor(b) : Math.ceil(b))));
  for (let y = y0!; y <= y1!; y++) {
    for (let x = x0!; x <= x1!; x++) {
      if (!near(x + 0.5, y + 0.5)) continue;
      const c = coverage(inside, x, y, s);
      if (c === 0) continue;
      const col = colourAt(x + 0.5, y + 0.5);
      const p = (y * size + x) * 3;
      for (let k = 0; k < 3; k++) img[p + k] = img[p + k]! * (1 - c) + col[k]! * c;
      cov[y * size + x] = c;
    }
  }
  return cov;
}

/** Gradient between two colours plus smooth value noise. */
function background(rng: Rng, size: number, c1: Rgb, c2: Rgb): Float32Array {
  const img = new Float32Array(size * size * 3);
  const angle = uniform(rng, 0, 2 * Math.PI);
  const [dx, dy] = [Math.cos(angle), Math.sin(angle)];
  const grid = 5; // a 5×5 noise lattice: blotches about a quarter of the image wide
  const noise = Float32Array.from({ length: grid * grid * 3 }, () => uniform(rng, -0.12, 0.12));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const t = Math.min(1, Math.max(0, 0.5 + ((x / size - 0.5) * dx + (y / size - 0.5) * dy)));
      const gx = (x / size) * (grid - 1);
      const gy = (y / size) * (grid - 1);
      const [ix, iy] = [Math.floor(gx), Math.floor(gy)];
      const [fx, fy] = [gx - ix, gy - iy];
      for (let k = 0; k < 3; k++) {
        const n = (i: number, j: number) => noise[((Math.min(j, grid - 1) * grid) + Math.min(i, grid - 1)) * 3 + k]!;
        const smooth = (n(ix, iy) * (1 - fx) + n(ix + 1, iy) * fx) * (1 - fy) + (n(ix, iy + 1) * (1 - fx) + n(ix + 1, iy + 1) * fx) * fy;
        const v = c1[k]! * (1 - t) + c2[k]! * t + smooth;
        img[(y * size + x) * 3 + k] = Math.min(1, Math.max(0, v));
      }
    }
  }
  return img;
}

/** Half a pixel's diagonal: a pixel whose centre is farther than this from a stroke's edge cannot touch it. */
const NEAR = Math.SQRT1_2;

/** A thin line segment or an open arc (under half a circle, so it never reads as a ring). */
function stroke(rng: Rng, img: Float32Array, size: number, s: number): void {
  const colour = randomColour(rng);
  const half = uniform(rng, 0.5, 1.3);
  if (rng() < 0.5) {
    const [ax, ay, bx, by] = [rng() * size, rng() * size, rng() * size, rng() * size];
    const [ex, ey] = [bx - ax, by - ay];
    const len2 = ex * ex + ey * ey || 1;
    const dist = (px: number, py: number) => {
      const t = Math.min(1, Math.max(0, ((px - ax) * ex + (py - ay) * ey) / len2));
      return Math.hypot(px - ax - t * ex, py - ay - t * ey);
    };
    const box: [number, number, number, number] = [Math.min(ax, bx) - 2, Math.min(ay, by) - 2, Math.max(ax, bx) + 2, Math.max(ay, by) + 2];
    paint(img, size, s, box, (px, py) => dist(px, py) <= half, () => colour, (px, py) => dist(px, py) <= half + NEAR);
  } else {
    const [cx, cy, r] = [rng() * size, rng() * size, uniform(rng, 0.1, 0.4) * size];
    const start = uniform(rng, 0, 2 * Math.PI);
    const span = uniform(rng, 0.3, 0.9) * Math.PI;
    const inside = (px: number, py: number) => {
      if (Math.abs(Math.hypot(px - cx, py - cy) - r) > half) return false;
      let a = Math.atan2(py - cy, px - cx) - start;
      a = ((a % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI);
      return a <= span;
    };
    const near = (px: number, py: number) => Math.abs(Math.hypot(px - cx, py - cy) - r) <= half + NEAR;
    paint(img, size, s, [cx - r - 2, cy - r - 2, cx + r + 2, cy + r + 2], inside, () => colour, near);
  }
}

/**
 * Draws the scene named by `seed` (any 32-bit integer). Same seed and options,
 * same scene, bit for bit, in every JavaScript engine.
 */
export function generateScene(seed: number, opts: SceneOptions = {}): Scene {
  const size = opts.size ?? SCENE_DEFAULTS.size;
  const s = opts.supersample ?? SCENE_DEFAULTS.supersample;
  const rng = mulberry32(seed);
  const drawn = Math.floor(rng() * SCENE_CLASSES.length);
  const label = opts.label ?? drawn;
  const [c1, c2] = [randomColour(rng), randomColour(rng)];
  const img = background(rng, size, c1, c2);
  const strokes = SCENE_DEFAULTS.minStrokes + Math.floor(rng() * (SCENE_DEFAULTS.maxStrokes - SCENE_DEFAULTS.minStrokes + 1));
  for (let i = 0; i < strokes; i++) stroke(rng, img, size, s);

  const bgMean: Rgb = [0, 1, 2].map((k) => (c1[k]! + c2[k]!) / 2) as Rgb;
  let colour = randomColour(rng);
  for (let tries = 0; tries < 50 && distance(colour, bgMean) < SCENE_DEFAULTS.minContrast; tries++) colour = randomColour(rng);

  const radius = uniform(rng, SCENE_DEFAULTS.minRadius, SCENE_DEFAULTS.maxRadius) * size;
  const cx = uniform(rng, radius + 1, size - radius - 1);
  const cy = uniform(rng, radius + 1, size - radius - 1);
  const theta = uniform(rng, 0, 2 * Math.PI);
  const [cos, sin] = [Math.cos(theta), Math.sin(theta)];
  const shade = uniform(rng, -0.15, 0.15);
  const shape = SHAPES[SCENE_CLASSES[label]!];
  // Image y grows downwards; v = -dy keeps "up" meaning up in the shape's frame.
  const toLocal = (px: number, py: number): [number, number] => {
    const [dx, dy] = [(px - cx) / radius, (py - cy) / radius];
    return [dx * cos + dy * sin, -(-dx * sin + dy * cos)];
  };
  const cov = paint(
    img, size, s, [cx - radius, cy - radius, cx + radius, cy + radius],
    (px, py) => shape(...toLocal(px, py)),
    (px, py) => {
      const f = 1 + shade * toLocal(px, py)[1];
      return colour.map((c) => Math.min(1, Math.max(0, c * f))) as Rgb;
    },
  );
  const mask = Uint8Array.from(cov, (c) => (c >= 0.5 ? 1 : 0));
  return { width: size, height: size, data: img, mask, label };
}

/**
 * First seed of the test scenes (scripts/lib/datasets.ts draws them from here):
 * the training scenes take seeds 0, 1, 2, …, so the test scenes are never trained on.
 */
export const SCENE_TEST_SEED_OFFSET = 1_000_000;

/** Test scene `index` of the book's scenes-cnn: seed {@link SCENE_TEST_SEED_OFFSET} + index, classes in turn. */
export function testScene(index: number, opts: Omit<SceneOptions, 'label'> = {}): Scene {
  return generateScene(SCENE_TEST_SEED_OFFSET + index, { ...opts, label: index % SCENE_CLASSES.length });
}
