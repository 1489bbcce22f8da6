import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServiceWorker, WORKER_NAME } from '../../scripts/build-service-worker.mjs';

/** A small built site: each file's contents, by path. */
const SITE: Record<string, string> = {
  'index.html': '<h1>Inside the ConvNet</h1>',
  'chapters/saliency/index.html': '<h1>Saliency</h1>',
  '_astro/page.abc123.js': 'console.log(1)',
  '_astro/book.def456.css': 'body{}',
  'models/scenes-cnn/model.json': '{"format":"layers-model"}',
  'models/scenes-cnn/weights.bin': 'x'.repeat(5000),
  'models/scenes-cnn/card.json': '{}',
  'data/scenes-sprite.png': 'png',
  'wasm/tfjs-backend-wasm-threaded-simd.wasm': 'w'.repeat(3000),
  'pagefind/pagefind.js': '//',
  'pagefind/index/en_1.pf_index': 'i',
  'pagefind/wasm.en.pagefind': 'p',
  '_headers': '/*',
  'coi-worker.js': '// the copy Astro made of an old public/coi-worker.js',
};

let dist = '';
let result: Awaited<ReturnType<typeof buildServiceWorker>>;
let worker = '';
/** The stored URLs, as the worker lists them. */
let stored: { url: string; revision: string | null }[] = [];

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), 'itc-sw-'));
  for (const [path, text] of Object.entries(SITE)) {
    mkdirSync(dirname(join(dist, path)), { recursive: true });
    writeFileSync(join(dist, path), text);
  }
  result = await buildServiceWorker(dist);
  worker = readFileSync(join(dist, WORKER_NAME), 'utf8');
  const manifest = /precacheAndRoute\((\[.*?\])\s*,/s.exec(worker)?.[1];
  stored = JSON.parse(manifest ?? 'null');
});

afterAll(() => rmSync(dist, { recursive: true, force: true }));

describe('buildServiceWorker', () => {
  it('stores the pages, scripts, styles, networks, sprites, WASM binaries and search index, and nothing else', () => {
    const urls = stored.map((entry) => entry.url).sort();
    const expected = Object.keys(SITE).filter((path) => path !== '_headers' && path !== WORKER_NAME).sort();
    expect(urls).toEqual(expected);
  });

  it('reports the count and the total size of what it stores', () => {
    const bytes = Object.entries(SITE)
      .filter(([path]) => path !== '_headers' && path !== WORKER_NAME)
      .reduce((sum, [, text]) => sum + Buffer.byteLength(text), 0);
    expect(result.count).toBe(stored.length);
    expect(result.size).toBe(bytes);
    expect(result.warnings).toEqual([]);
  });

  it('revisions files by content, except the hashed _astro names', () => {
    for (const entry of stored) {
      if (entry.url.startsWith('_astro/')) expect(entry.revision).toBeNull();
      else expect(entry.revision).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it('loads Workbox from the site itself, never from a CDN', () => {
    expect(result.workboxDir).toMatch(/^workbox-v\d+\.\d+\.\d+$/);
    expect(worker).toContain(`importScripts('${result.workboxDir}/workbox-sw.js')`);
    expect(existsSync(join(dist, result.workboxDir, 'workbox-sw.js'))).toBe(true);
    expect(existsSync(join(dist, result.workboxDir, 'workbox-precaching.prod.js'))).toBe(true);
    expect(worker).not.toContain('__WORKBOX_DIR__');
    expect(worker).not.toContain('__WB_MANIFEST');
    expect(worker).not.toMatch(/https?:\/\//);
  });

  it('keeps adding the cross-origin isolation headers', () => {
    expect(worker).toContain("'Cross-Origin-Opener-Policy', 'same-origin'");
    expect(worker).toContain("'Cross-Origin-Embedder-Policy', 'require-corp'");
  });
});
