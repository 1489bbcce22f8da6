/**
 * Builds the book's service worker (src/service-worker.js) into `<dist>/coi-worker.js`, after Astro and
 * Pagefind: Workbox's injectManifest lists every file a reader needs offline with its revision, and Workbox's
 * own scripts are copied into the site so the worker loads nothing from elsewhere.
 *
 * Usage: node scripts/build-service-worker.mjs [dist]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { copyWorkboxLibraries, injectManifest } from 'workbox-build';

/** The worker's source. */
export const WORKER_SOURCE = fileURLToPath(new URL('../src/service-worker.js', import.meta.url));

/** The worker's file name in the site: the name the page registers, kept from the isolation-only worker. */
export const WORKER_NAME = 'coi-worker.js';

/**
 * What is stored for offline reading: pages, scripts, styles, networks (model.json, weights.bin, card.json),
 * images and data sprites, the WASM binaries, the search index and fonts (woff2 only: every browser with
 * service workers reads it).
 */
export const PRECACHE_GLOBS = [
  '**/*.{html,js,mjs,css,json,bin,wasm,png,jpg,jpeg,webp,svg,woff2}',
  'pagefind/**/*',
];

/** Not stored: the worker itself and Workbox (the browser keeps a worker's scripts), the hosts' header files. */
export const PRECACHE_IGNORES = [WORKER_NAME, 'workbox-v*/**', '_headers', '**/*.map'];

/** The largest single file stored (the threaded SIMD WASM binary is the largest, under 1 MB). */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Writes the worker into `distDir` and returns what it stores: the number of files, their total size in
 * bytes, the Workbox folder it loads, and Workbox's warnings (a file over MAX_FILE_BYTES, say).
 */
export async function buildServiceWorker(distDir = 'dist') {
  const workboxDir = await copyWorkboxLibraries(distDir);
  const swDest = join(distDir, WORKER_NAME);
  const { count, size, warnings } = await injectManifest({
    swSrc: WORKER_SOURCE,
    swDest,
    globDirectory: distDir,
    globPatterns: PRECACHE_GLOBS,
    globIgnores: PRECACHE_IGNORES,
    maximumFileSizeToCacheInBytes: MAX_FILE_BYTES,
    // Astro's hashed file names are their own revision.
    dontCacheBustURLsMatching: /^_astro\//,
  });
  writeFileSync(swDest, readFileSync(swDest, 'utf8').replaceAll('__WORKBOX_DIR__', workboxDir));
  return { count, size, workboxDir, warnings };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dist = process.argv[2] ?? 'dist';
  const { count, size, warnings } = await buildServiceWorker(dist);
  for (const warning of warnings) console.warn(`service worker: ${warning}`);
  console.log(`service worker: ${join(dist, WORKER_NAME)} stores ${count} files, ${(size / 1024 / 1024).toFixed(1)} MB, for offline reading`);
}
