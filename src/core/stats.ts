/** Small statistics used by calibration and benchmarks. */

/** The median of `values` (the mean of the two middle ones for even lengths). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Times `work` `runs` times after `warmup` untimed runs and returns every
 * duration in milliseconds. `before`, if given, is awaited untimed before each
 * run (the benchmark page starts each run in a task of its own). `now` is
 * injectable so tests need no clock.
 */
export async function timeRuns(
  work: () => Promise<unknown>,
  { warmup, runs, before, now = () => performance.now() }: { warmup: number; runs: number; before?: () => Promise<void>; now?: () => number },
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) {
    await before?.();
    await work();
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await before?.();
    const t0 = now();
    await work();
    times.push(now() - t0);
  }
  return times;
}

/**
 * The benchmark's warm-up floor: untimed runs of a case go on until they have taken this long. A map of
 * 1-3 ms is still on TensorFlow.js's not yet optimised JavaScript after 5 runs (the first case of a
 * benchmark, scenes-cnn's saliency, measured 2.2-2.5 ms a map after 5 warm-up runs and 1.7 ms after 30).
 */
export const WARMUP_FLOOR_MS = 250;

/**
 * Runs `work` untimed `runs` times, and on until the runs have taken `ms` milliseconds; returns how many
 * ran. `before` is awaited ahead of each run, as in {@link timeRuns}; `now` is injectable.
 */
export async function warmUp(
  work: () => Promise<unknown>,
  { runs, ms, before, now = () => performance.now() }: { runs: number; ms: number; before?: () => Promise<void>; now?: () => number },
): Promise<number> {
  const start = now();
  let count = 0;
  for (; count < runs || now() - start < ms; count++) {
    await before?.();
    await work();
  }
  return count;
}
