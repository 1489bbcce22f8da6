/**
 * How much of a picture's shapes another picture keeps, whatever its colours: the correlation of their
 * edge maps. Measures the fast style networks (scripts/measure-fast-style.ts, tests/core/fast-style/).
 */

/** An RGB picture in 0..1, row-major. */
export interface RgbImage { width: number; height: number; data: Float32Array }

/** |∇L| of the luminance at each pixel (forward differences, 0 on the last row and column). */
function edges(img: RgbImage): Float64Array {
  const { width: w, height: h, data } = img;
  const lum = (x: number, y: number) => {
    const i = (y * w + x) * 3;
    return 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
  };
  const out = new Float64Array(w * h);
  for (let y = 0; y < h - 1; y++) for (let x = 0; x < w - 1; x++) out[y * w + x] = Math.hypot(lum(x + 1, y) - lum(x, y), lum(x, y + 1) - lum(x, y));
  return out;
}

/**
 * Pearson correlation of two pictures' edge maps (the same size): 1 when one's edges are where the other's
 * are, whatever their colours or contrast; about 0 when they are unrelated; 0 when either has no edges.
 */
export function edgeCorrelation(a: RgbImage, b: RgbImage): number {
  if (a.width !== b.width || a.height !== b.height) throw new Error(`Edge maps of ${a.width}×${a.height} and ${b.width}×${b.height} pictures cannot be compared.`);
  const [p, q] = [edges(a), edges(b)];
  const mean = (v: Float64Array) => v.reduce((s, x) => s + x, 0) / v.length;
  const [mp, mq] = [mean(p), mean(q)];
  let [spq, spp, sqq] = [0, 0, 0];
  for (let i = 0; i < p.length; i++) {
    spq += (p[i]! - mp) * (q[i]! - mq);
    spp += (p[i]! - mp) ** 2;
    sqq += (q[i]! - mq) ** 2;
  }
  return spp > 0 && sqq > 0 ? spq / Math.sqrt(spp * sqq) : 0;
}
