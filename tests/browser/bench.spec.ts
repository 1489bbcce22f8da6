import { expect, test } from './fixtures';

interface BenchResult {
  backend: string;
  cases: { id: string; medianMs: number; timesMs: number[] }[];
}

test('the benchmark page starts and times a technique case on WASM and CPU', async ({ page, problems }) => {
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
      expect(c.medianMs).toBeGreaterThan(0);
    }
  }
  expect(problems.list).toEqual([]);
});
