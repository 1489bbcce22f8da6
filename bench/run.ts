/**
 * `npm run bench`: opens the built book's benchmark page in Chromium, times
 * every case of src/browser/bench-cases.ts on every backend that starts
 * (median of 20 runs after 5 warm-up runs), and writes the results as JSON to
 * bench/results/. Run after `npm run build` (the npm script does both).
 *
 * Options (environment): CHROMIUM_PATH, BENCH_BACKENDS (comma list),
 * BENCH_CASES (a regular expression over case ids), BENCH_RUNS and
 * BENCH_WARMUP (timed and untimed runs per case), BENCH_CHROMIUM_ARGS (extra
 * flags, e.g. to use a real GPU).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { chromium } from '@playwright/test';
import { CHROMIUM } from '../playwright.config';

const PORT = 4339;
const BACKENDS = (process.env['BENCH_BACKENDS'] ?? 'webgl,wasm,cpu').split(',');
const RUNS = { warmup: Number(process.env['BENCH_WARMUP'] ?? 5), runs: Number(process.env['BENCH_RUNS'] ?? 20) };
const ONLY = process.env['BENCH_CASES'] ?? '';

async function waitForServer(url: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`preview server did not answer at ${url}`);
}

async function main(): Promise<void> {
  const server = spawn('npx', ['astro', 'preview', '--host', '127.0.0.1', '--port', String(PORT)], {
    stdio: 'ignore',
    detached: true,
  });
  const url = `http://127.0.0.1:${PORT}/bench/`;
  try {
    await waitForServer(url);
    const extra = (process.env['BENCH_CHROMIUM_ARGS'] ?? '').split(' ').filter(Boolean);
    const browser = await chromium.launch({ ...CHROMIUM, args: [...CHROMIUM.args, ...extra] });
    const page = await browser.newPage();
    page.setDefaultTimeout(0); // a slow backend may take minutes over all cases
    await page.goto(url);
    await page.waitForFunction(() => document.getElementById('bench-status')?.textContent === 'ready', null, {
      timeout: 60_000,
    });
    const results = [];
    for (const backend of BACKENDS) {
      // A fresh page per backend, so one backend's memory does not slow the next.
      await page.goto(url);
      await page.waitForFunction(() => document.getElementById('bench-status')?.textContent === 'ready');
      const result = await page.evaluate(
        ([b, runs, only]) =>
          (window as unknown as { runBench(b: string, r: unknown, o: string): Promise<unknown> }).runBench(b, runs, only),
        [backend, RUNS, ONLY] as const,
      );
      results.push(result);
      console.log(JSON.stringify(result, (k, v) => (k === 'timesMs' ? undefined : v)));
    }
    const machine = {
      userAgent: await page.evaluate(() => navigator.userAgent),
      hardwareConcurrency: await page.evaluate(() => navigator.hardwareConcurrency),
      crossOriginIsolated: await page.evaluate(() => crossOriginIsolated),
      cpus: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()}`,
      chromiumArgs: [...CHROMIUM.args, ...extra],
    };
    await browser.close();
    mkdirSync('bench/results', { recursive: true });
    const file = `bench/results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine, results }, null, 2));
    console.log(`wrote ${file}`);
  } finally {
    if (server.pid) process.kill(-server.pid);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
