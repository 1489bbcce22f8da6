/**
 * Where the time of each gradient map goes, in Chromium on WASM: per map and
 * network, the median wall time of RUNS runs, then the same map run under
 * `tf.profile`, its kernels' time summed by kernel name (median over the
 * profiled runs), and what is left of the wall time outside the kernels (op
 * dispatch, the gradient tape, tidy, reading back, the JS between kernels).
 *
 *   BENCH_PORT=4339 node --import tsx bench/profile-maps.ts [method-regexp] [model-regexp]
 *
 * It bundles bench/profile-maps-page.ts with esbuild (no build of the book
 * needed) and serves it with the book's assets on a cross-origin isolated
 * page; WASM_THREADS=2 starts the backend with two threads, PROFILE_CALLS=1
 * adds every kernel call with its shapes, PROFILE_SIMD=stock|plain|relaxed picks
 * the build of the SIMD kernels (simd-module.ts; relaxed by default), PROFILE_JS=1
 * samples the page's JavaScript and prints the functions with the most self time
 * to stderr. Prints JSON.
 */
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize } from 'node:path';
import { chromium } from '@playwright/test';
import { build } from 'esbuild';
import { CHROMIUM } from '../playwright.config';
import { ISOLATION_HEADERS } from '../astro.config.mjs';

const PORT = Number(process.env['BENCH_PORT'] ?? 4339);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 20);
const THREADS = Number(process.env['WASM_THREADS'] ?? 0);
const JS_PROFILE = process.env['PROFILE_JS'] === '1';
const [methods = '.', models = '.'] = process.argv.slice(2);

const ROOT = join(import.meta.dirname, '..');
const WASM_DIST = join(dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.json': 'application/json', '.wasm': 'application/wasm', '.png': 'image/png', '.html': 'text/html', '.bin': 'application/octet-stream' };

/** The in-page module as one bundle, and a server for it, the book's assets and the WASM binaries, cross-origin isolated. */
async function serve(folder: string) {
  await build({
    entryPoints: [join(ROOT, 'bench/profile-maps-page.ts')],
    bundle: true,
    format: 'esm',
    outfile: join(folder, 'profile.js'),
    define: { 'import.meta.env.BASE_URL': '"/"' },
    logLevel: 'error',
  });
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = path === '/' ? null : path === '/profile.js' ? join(folder, 'profile.js') : path.startsWith('/wasm/') ? join(WASM_DIST, path.slice(6)) : join(ROOT, 'public', path);
    res.writeHead(file === null || (existsSync(file) && statSync(file).isFile()) ? 200 : 404, {
      ...ISOLATION_HEADERS,
      'Content-Type': file === null ? 'text/html' : (TYPES[extname(file)] ?? 'application/octet-stream'),
    });
    if (file === null) res.end('<!doctype html><title>profile</title>');
    else if (res.statusCode === 200) createReadStream(file).pipe(res);
    else res.end();
  });
  await new Promise<void>((resolve) => server.listen(PORT, '127.0.0.1', resolve));
  return server;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  samples: number[];
  timeDeltas: number[];
}

/** The `count` functions with the most self time in a sampled profile, as text lines: ms, share, function, file:line. */
function topSelfTime(profile: CpuProfile, count: number): string {
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byNode.get(id)!.callFrame;
    const key = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}:${frame.lineNumber + 1}`;
    const us = profile.timeDeltas[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + us);
    total += us;
  });
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, count)
    .map(([key, us]) => `${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)}%  ${key}`).join('\n');
}

const folder = mkdtempSync(join(tmpdir(), 'profile-maps-'));
const server = await serve(folder);
try {
  const browser = await chromium.launch(CHROMIUM);
  const page = await browser.newPage();
  page.setDefaultTimeout(0);
  page.on('pageerror', (e) => console.error(e));
  // The threaded WASM module starts min(4, hardwareConcurrency / 2) workers when it loads and cannot add
  // any later, so on a 2-core machine a second thread needs a page that reports at least 4 cores.
  if (THREADS > 1) await page.addInitScript(`Object.defineProperty(navigator, 'hardwareConcurrency', { get: () => ${2 * THREADS} })`);
  await page.goto(`http://127.0.0.1:${PORT}/`);
  const cdp = JS_PROFILE ? await page.context().newCDPSession(page) : null;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
    await cdp.send('Profiler.start');
  }
  const result = await page.evaluate(
    async (options) => {
      const url = '/profile.js';
      const page: typeof import('./profile-maps-page') = await import(/* @vite-ignore */ url);
      return page.profileMaps(options);
    },
    { methods, models, runs: RUNS, threads: THREADS, detail: process.env['PROFILE_CALLS'] === '1', conv: (process.env['PROFILE_SIMD'] ?? 'relaxed') as 'relaxed' | 'plain' | 'stock' },
  );
  if (cdp) console.error(topSelfTime((await cdp.send('Profiler.stop')).profile as CpuProfile, 40));
  console.log(JSON.stringify(result, null, 1));
  await browser.close();
} finally {
  server.close();
  rmSync(folder, { recursive: true, force: true });
}
