/**
 * How alike two maps are: the scores of the sanity checks (Adebayo et al.
 * 2018, "Sanity Checks for Saliency Maps", §3, https://arxiv.org/abs/1810.03292),
 * which compare a map before and after randomising a network with the Spearman
 * rank correlation (of absolute values) and SSIM. Plain numbers in, plain out.
 */

/** Constants of SSIM (Wang et al. 2004, eq. 13) and the 7×7 window scikit-image uses by default. */
export const SSIM_DEFAULTS = { k1: 0.01, k2: 0.03, window: 7 } as const;

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s / a.length;
}

function checkLengths(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length || a.length === 0) throw new RangeError(`cannot compare ${a.length} with ${b.length} values`);
}

/**
 * Pearson correlation, or NaN when either input is constant: a constant has no
 * variance, so the correlation is 0/0, undefined even for two identical
 * constants (nothing varies that could vary together).
 */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkLengths(a, b);
  const [ma, mb] = [mean(a), mean(b)];
  let [sab, saa, sbb] = [0, 0, 0];
  for (let i = 0; i < a.length; i++) {
    const [da, db] = [a[i]! - ma, b[i]! - mb];
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/** Whether every value equals the first. */
function isConstant(a: ArrayLike<number>): boolean {
  for (let i = 1; i < a.length; i++) if (a[i] !== a[0]) return false;
  return true;
}

/**
 * Why two maps cannot be scored, or null when they can. A constant map (an
 * all-zero gradient, say) ranks no pixel above another and has no structure:
 * its rank correlation is undefined, and its SSIM with another constant map
 * would read as "alike" (two all-zero maps score 1) although neither explains
 * anything. `names` say which map is which in the reason.
 */
export function incomparableReason(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  names: [string, string] = ['the first map', 'the second map'],
): string | null {
  const flat = [isConstant(a), isConstant(b)];
  const what = (i: number, m: ArrayLike<number>) => `${names[i]} is ${m[0] === 0 ? 'zero everywhere' : 'constant'}`;
  if (flat[0] && flat[1]) return `${what(0, a)} and ${what(1, b)}: there is nothing to compare`;
  if (flat[0]) return `${what(0, a)}, so it ranks no pixel above another`;
  if (flat[1]) return `${what(1, b)}, so it ranks no pixel above another`;
  return null;
}

/** Ranks from 1, ties sharing the mean of their ranks. */
export function ranks(a: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: a.length }, (_, i) => i).sort((i, j) => a[i]! - a[j]!);
  const out = new Float64Array(a.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && a[order[end + 1]!] === a[order[start]!]) end++;
    for (let i = start; i <= end; i++) out[order[i]!] = (start + end) / 2 + 1;
    start = end + 1;
  }
  return out;
}

/** Spearman rank correlation: Pearson of the ranks, ties averaged; NaN when either input is constant. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkLengths(a, b);
  return pearson(ranks(a), ranks(b));
}

/**
 * Mean structural similarity of two width×height images (Wang et al. 2004),
 * computed as scikit-image does by default: a uniform window (7×7, smaller on
 * small maps), sample covariances, averaged over the windows that fit inside.
 */
export function ssim(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  width: number,
  height: number,
  { dataRange = 1, window = SSIM_DEFAULTS.window } = {},
): number {
  checkLengths(a, b);
  if (a.length !== width * height) throw new RangeError(`expected ${width}×${height} values, got ${a.length}`);
  const w = Math.min(window, width, height);
  const n = w * w;
  const c1 = (SSIM_DEFAULTS.k1 * dataRange) ** 2;
  const c2 = (SSIM_DEFAULTS.k2 * dataRange) ** 2;
  let total = 0;
  let count = 0;
  for (let y0 = 0; y0 + w <= height; y0++) {
    for (let x0 = 0; x0 + w <= width; x0++) {
      let [sa, sb, saa, sbb, sab] = [0, 0, 0, 0, 0];
      for (let y = y0; y < y0 + w; y++) {
        for (let x = x0; x < x0 + w; x++) {
          const [va, vb] = [a[y * width + x]!, b[y * width + x]!];
          [sa, sb, saa, sbb, sab] = [sa + va, sb + vb, saa + va * va, sbb + vb * vb, sab + va * vb];
        }
      }
      const [ma, mb] = [sa / n, sb / n];
      // Sample (n − 1) covariances, as scikit-image's default use_sample_covariance.
      const norm = n > 1 ? n / (n - 1) : 1;
      const [va, vb, cov] = [(saa / n - ma * ma) * norm, (sbb / n - mb * mb) * norm, (sab / n - ma * mb) * norm];
      total += ((2 * ma * mb + c1) * (2 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
      count++;
    }
  }
  return total / count;
}
