/**
 * Axis ticks at round values, for the book's charts: steps of 1, 2 or 5 times
 * a power of ten (the choice of most plotting libraries, e.g. d3's
 * `ticks`), so a reader can interpolate between labels at a glance.
 */

/** Round steps per power of ten, smallest first. */
const STEPS = [1, 2, 5, 10] as const;

/** k times `step`, rounded to the step's decimals so that 3 × 0.1 shows as 0.3, not 0.30000000000000004. */
function multiple(k: number, step: number): number {
  return Number((k * step).toFixed(Math.max(0, -Math.floor(Math.log10(step) + 1e-9))));
}

/** The smallest round step that cuts [lo, hi] into at most `count` intervals. */
function roundStep(lo: number, hi: number, count: number): number {
  const rough = (hi - lo) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(rough));
  return STEPS.map((s) => s * power).find((s) => s >= rough)!;
}

/**
 * Tick values for an axis over [lo, hi]: at most `count` + 1 of them, every
 * one inside [lo, hi], at multiples of the smallest round step that gives no
 * more; with `integer`, the step is a whole number (axes of steps or layers).
 * An empty or reversed range gives the single value `lo`.
 */
export function niceTicks(lo: number, hi: number, { count = 5, integer = false }: { count?: number; integer?: boolean } = {}): number[] {
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return Number.isFinite(lo) ? [lo] : [];
  const step = integer ? Math.max(1, roundStep(lo, hi, count)) : roundStep(lo, hi, count);
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  return Array.from({ length: last - first + 1 }, (_, i) => multiple(first + i, step));
}

/** [lo, hi] widened to the round ticks just outside it, so a chart's data never touches its frame unlabelled. */
export function niceDomain(lo: number, hi: number, count = 5): [number, number] {
  if (!(hi > lo)) return [lo - 1, lo + 1];
  const step = roundStep(lo, hi, count);
  return [multiple(Math.floor(lo / step + 1e-9), step), multiple(Math.ceil(hi / step - 1e-9), step)];
}
