/**
 * `npm run bench`: opens the built book's benchmark page in Chromium, times
 * every case of src/browser/bench-cases.ts on every backend that starts
 * (median of 20 runs after 5 warm-up runs), and writes the results as JSON to
 * bench/results/. Run after `npm run build` (the npm script does both).
 * Each case's JSON also has the main thread's long tasks during its timed
 * runs (src/browser/long-tasks.ts): `longestTaskMs` (null when no task passed
 * 50 ms, below which the browser reports none), `tasksOver50Ms` and
 * `tasksOver100Ms`; a case with a task over 100 ms is named in the log.
 *
 * Then, where Python with PyTorch is installed, the gradient maps are timed
 * against an independent PyTorch implementation on one thread
 * (bench/torch-compare.ts); the JSON gets a `torch` section with, per network
 * and map, PyTorch's time, the core's in Node and in Chromium on WASM, and
 * their ratio. Without PyTorch that step is skipped with a message.
 *
 * Last, every chapter is opened as a first-time reader opens it
 * (bench/page-weight.ts): the JSON's `pageWeight` section has, per chapter,
 * the JavaScript fetched before the first figure starts (gzip), and the time
 * to the first figure's first result from a cold cache.
 *
 * Options (environment): CHROMIUM_PATH, BENCH_BACKENDS (comma list; empty
 * for none, to measure only the pages),
 * BENCH_CASES (a regular expression over case ids), BENCH_RUNS and
 * BENCH_WARMUP (timed and untimed runs per case; the untimed ones go on until
 * they have taken 250 ms, on the page and in the PyTorch comparison alike),
 * BENCH_CHROMIUM_ARGS (extra
 * flags, e.g. to use a real GPU), BENCH_TORCH=0 (skip the PyTorch
 * comparison), BENCH_PYTHON (the interpreter that has torch),
 * BENCH_PAGE_WEIGHT=0 (skip the chapters' page weight), BENCH_PORT (the preview
 * server's port, 4339 by default, so two checkouts can benchmark side by side).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { chromium } from '@playwright/test';
import { CHROMIUM } from '../playwright.config';
import { PAGE_GOALS, type PageWeight, measurePageWeights } from './page-weight';
import { type TorchComparison, torchComparison } from './torch-compare';

const PORT = Number(process.env['BENCH_PORT'] ?? 4339);
const BACKENDS = (process.env['BENCH_BACKENDS'] ?? 'webgl,wasm,cpu').split(',').filter(Boolean);
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

/** What the bench page returns for one backend (the fields read here). */
interface BrowserResult {
  backend: string;
  cases: { id: string; medianMs: number; longestTaskMs?: number | null; tasksOver100Ms?: number }[];
}

/** Names the cases whose runs held the main thread over 100 ms at a time. */
function reportLongTasks(result: BrowserResult): void {
  for (const c of result.cases ?? []) {
    if (c.tasksOver100Ms) console.log(`${result.backend} ${c.id}: ${c.tasksOver100Ms} tasks over 100 ms, the longest ${c.longestTaskMs} ms`);
  }
}

/** Puts the browser's WASM median of each compared map beside PyTorch's, with their ratio. */
function addChromiumRatios(torch: TorchComparison, results: readonly BrowserResult[]): void {
  const wasm = results.find((r) => r.backend === 'wasm');
  for (const model of torch.models) {
    for (const [method, map] of Object.entries(model.maps)) {
      const ms = wasm?.cases.find((c) => c.id === `${model.id}/${method}`)?.medianMs;
      if (ms === undefined) continue;
      map.chromiumWasmMs = ms;
      map.chromiumWasmOverTorch = +(ms / map.torchMs).toFixed(2);
      console.log(`${model.id}/${method}: WASM in Chromium ${ms.toFixed(2)} ms, PyTorch ${map.torchMs.toFixed(2)} ms, ${map.chromiumWasmOverTorch}×`);
    }
  }
}

/** Measures every built chapter's page weight and start-up, and prints one line per chapter against the goals. */
async function chapterWeights(browser: import('@playwright/test').Browser): Promise<PageWeight[]> {
  const chapters = readdirSync('dist/chapters', { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `/chapters/${d.name}/`)
    .sort();
  const weights = await measurePageWeights(browser, `http://127.0.0.1:${PORT}`, chapters);
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
  for (const w of weights) {
    console.log(
      `${w.path}: ${kb(w.jsBeforeFigure.gzipBytes)} JS (gzip) before ${w.firstFigure ?? 'any figure'}` +
        (w.jsAtFirstResult ? `, ${kb(w.jsAtFirstResult.gzipBytes)} by its first result` : '') +
        (w.firstResultMs !== null ? ` at ${w.firstResultMs} ms on ${w.backend ?? 'no backend'}` : '') +
        (w.meetsGoals ? '' : ` — misses the goals (${kb(PAGE_GOALS.jsBeforeFigureGzipBytes)}, ${PAGE_GOALS.firstResultMs} ms)`),
    );
  }
  return weights;
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
      reportLongTasks(result as BrowserResult);
    }
    const pageWeight = process.env['BENCH_PAGE_WEIGHT'] === '0' ? null : await chapterWeights(browser);
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
    const torch = process.env['BENCH_TORCH'] === '0' ? null : await torchComparison(RUNS);
    if (torch) addChromiumRatios(torch, results as BrowserResult[]);
    mkdirSync('bench/results', { recursive: true });
    const file = `bench/results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), machine, results, ...(torch ? { torch } : {}), ...(pageWeight ? { pageWeight } : {}) }, null, 2));
    console.log(`wrote ${file}`);
  } finally {
    if (server.pid) process.kill(-server.pid);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
