/**
 * Colour-blind-safe colormaps for heatmaps, and the mapping of values to RGBA.
 *
 * Sequential maps (viridis, cividis) rise monotonically in lightness, so the
 * order of values survives any colour-vision deficiency and greyscale printing;
 * cividis was designed for deuteranopia and protanopia (Nuñez et al. 2018).
 * Signed maps use a purple–white–orange diverging map, which stays
 * distinguishable under the common deficiencies (Brewer's PuOr).
 *
 * Each map is defined by a few anchor colours (sampled from the published
 * maps) and interpolated in OKLab, a perceptually uniform space, into a
 * 256-entry table.
 */

/** Names of the available colormaps. */
export const COLORMAPS = ['viridis', 'cividis', 'puor'] as const;
/** One of {@link COLORMAPS}. */
export type ColormapName = (typeof COLORMAPS)[number];

/** Whether a map is meant for signed data (zero in the middle). */
export const DIVERGING: Record<ColormapName, boolean> = { viridis: false, cividis: false, puor: true };

/** Anchor colours at evenly spaced positions from the low to the high end. */
const ANCHORS: Record<ColormapName, string[]> = {
  viridis: ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'],
  cividis: ['#00204d', '#414d6b', '#7c7b78', '#bcaf6f', '#ffea46'],
  puor: ['#542788', '#b2abd2', '#f7f7f7', '#fdb863', '#7f3b08'],
};

/** Table size: one entry per 8-bit level. */
export const LUT_SIZE = 256;

type Vec3 = [number, number, number];

function hexToRgb(hex: string): Vec3 {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const toLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const toSrgb = (c: number) => (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);

/** sRGB (0–255) to OKLab (Ottosson 2020). */
export function rgbToOklab([r, g, b]: Vec3): Vec3 {
  const [lr, lg, lb] = [r, g, b].map((c) => toLinear(c / 255)) as Vec3;
  const l = Math.cbrt(0.4122214708 * lr + 0.5363325363 * lg + 0.0514459929 * lb);
  const m = Math.cbrt(0.2119034982 * lr + 0.6806995451 * lg + 0.1073969566 * lb);
  const s = Math.cbrt(0.0883024619 * lr + 0.2817188376 * lg + 0.6299787005 * lb);
  return [
    0.2104542553 * l + 0.793617785 * m - 0.0040720468 * s,
    1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s,
    0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s,
  ];
}

/** OKLab to sRGB (0–255, clamped). */
export function oklabToRgb([L, a, b]: Vec3): Vec3 {
  const l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s = (L - 0.0894841775 * a - 1.291485548 * b) ** 3;
  const lin: Vec3 = [
    4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
    -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
    -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s,
  ];
  return lin.map((c) => Math.round(Math.min(1, Math.max(0, toSrgb(c))) * 255)) as Vec3;
}

const tables = new Map<ColormapName, Uint8Array>();

/** The colormap as LUT_SIZE RGB triples (cached). */
export function colormapTable(name: ColormapName): Uint8Array {
  let table = tables.get(name);
  if (table) return table;
  const anchors = ANCHORS[name].map((h) => rgbToOklab(hexToRgb(h)));
  table = new Uint8Array(LUT_SIZE * 3);
  for (let i = 0; i < LUT_SIZE; i++) {
    const t = (i / (LUT_SIZE - 1)) * (anchors.length - 1);
    const k = Math.min(Math.floor(t), anchors.length - 2);
    const f = t - k;
    const a = anchors[k]!;
    const b = anchors[k + 1]!;
    table.set(oklabToRgb([a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f]), i * 3);
  }
  tables.set(name, table);
  return table;
}

/** The value range a map is drawn with. */
export interface ColorScale {
  min: number;
  max: number;
}

/**
 * The range to draw `values` with: [min, max] for sequential maps, and a range
 * symmetric about zero for diverging ones, so that white means zero.
 */
export function autoScale(values: ArrayLike<number>, diverging: boolean): ColorScale {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) return { min: 0, max: 1 };
  if (diverging) {
    const m = Math.max(Math.abs(min), Math.abs(max)) || 1;
    return { min: -m, max: m };
  }
  return max > min ? { min, max } : { min, max: min + 1 };
}

/** Colours `values` into RGBA bytes with the given map, scale and alpha (0–255). */
export function applyColormap(
  values: ArrayLike<number>,
  name: ColormapName,
  scale: ColorScale,
  alpha = 255,
): Uint8ClampedArray {
  const table = colormapTable(name);
  const out = new Uint8ClampedArray(values.length * 4);
  const span = scale.max - scale.min || 1;
  for (let i = 0; i < values.length; i++) {
    const t = Math.min(1, Math.max(0, (values[i]! - scale.min) / span));
    const k = Math.round(t * (LUT_SIZE - 1)) * 3;
    out[i * 4] = table[k]!;
    out[i * 4 + 1] = table[k + 1]!;
    out[i * 4 + 2] = table[k + 2]!;
    out[i * 4 + 3] = alpha;
  }
  return out;
}

/**
 * Colours for classes, one per class in order: Paul Tol's "muted" scheme
 * (https://personal.sron.nl/~pault/, Fig. 4), designed to stay distinct under
 * the common colour-vision deficiencies, and its pale grey as a tenth.
 * Classes beyond ten repeat the list.
 */
export const CLASS_COLOURS = ['#CC6677', '#332288', '#DDCC77', '#117733', '#88CCEE', '#882255', '#44AA99', '#999933', '#AA4499', '#DDDDDD'] as const;
