import { expect, test } from './fixtures';

interface BenchResult {
  backend: string;
  cases: { id: string; medianMs: number; timesMs: number[]; warmupRuns: number; longestTaskMs: number | null; tasksOver50Ms: number; tasksOver100Ms: number }[];
}

test('the benchmark page starts, times a technique case on WASM and CPU, and records its long tasks', async ({ page, problems }) => {
  test.setTimeout(120_000);
  await page.goto('/bench/');
  await expect(page.locator('#bench-status')).toHaveText('ready');
  for (const backend of ['wasm', 'cpu']) {
    const result = (await page.evaluate(
      ([b]) =>
        (window as unknown as { runBench(b: string, r: unknown, o: string): Promise<unknown> }).runBench(
          b!,
          { warmup: 1, runs: 2 },
          '^(relu-tables|scenes-cnn/grad-cam)$',
        ),
      [backend],
    )) as BenchResult;
    expect(result.backend).toBe(backend);
    expect(result.cases.map((c) => c.id)).toEqual(['relu-tables', 'scenes-cnn/grad-cam']);
    for (const c of result.cases) {
      expect(c.timesMs).toHaveLength(2);
      expect(c.warmupRuns).toBeGreaterThanOrEqual(1);
      expect(c.medianMs).toBeGreaterThan(0);
      // The browser reports tasks over 50 ms only: a longest task is over 50 ms or absent.
      expect(c.tasksOver100Ms).toBeLessThanOrEqual(c.tasksOver50Ms);
      if (c.longestTaskMs === null) expect(c.tasksOver50Ms).toBe(0);
      else expect(c.longestTaskMs).toBeGreaterThan(50);
    }
  }
  expect(problems.list).toEqual([]);
});

test('the long-task recorder reports a task that holds the main thread for 150 ms, and none when it is idle', async ({ page, problems }) => {
  await page.goto('/bench/');
  await expect(page.locator('#bench-status')).toHaveText('ready');
  const [busy, idle] = await page.evaluate(async () => {
    type Recorder = { stop(): Promise<{ longestTaskMs: number | null; tasksOver50Ms: number; tasksOver100Ms: number }> };
    const record = (window as unknown as { recordLongTasks(): Recorder }).recordLongTasks;
    const during = record();
    await new Promise<void>((resolve) =>
      setTimeout(() => {
        const end = performance.now() + 150;
        while (performance.now() < end);
        resolve();
      }, 0),
    );
    const busy = await during.stop();
    const after = record();
    await new Promise((resolve) => setTimeout(resolve, 200));
    return [busy, await after.stop()];
  });
  expect(busy.tasksOver100Ms).toBe(1);
  expect(busy.longestTaskMs).toBeGreaterThanOrEqual(150);
  expect(idle).toEqual({ longestTaskMs: null, tasksOver50Ms: 0, tasksOver100Ms: 0 });
  expect(problems.list).toEqual([]);
});
