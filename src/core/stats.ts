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
