/**
 * Page weight and start-up time of every chapter, as a first-time reader gets
 * them: a fresh browser context (empty cache, no stored backend choice) opens
 * the chapter at its first figure, with the backend chosen automatically
 * (WASM on a machine without a GPU). Per chapter it records
 *
 * - the JavaScript fetched before the first figure starts loading (the
 *   `cnn-first-figure` performance mark, src/browser/page-marks.ts): the page's
 *   own weight, which must not include TensorFlow.js;
 * - the JavaScript fetched by the time the figure shows its first result, and
 *   that time, from navigation start.
 *
 * Sizes are of the built files, gzip-compressed as a static host serves them
 * (zlib's default level), external scripts and the page's inline scripts
 * together. Goals: under 250 KB before the first figure, first result under 3 s.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import type { Browser } from '@playwright/test';
import { FIRST_FIGURE_MARK } from '../src/browser/page-marks';

/** The goals the book sets itself (see README). */
export const PAGE_GOALS = { jsBeforeFigureGzipBytes: 250 * 1024, firstResultMs: 3000 } as const;

/**
 * When each chapter's first figure shows its first result: a condition on its shadow root `r` (JavaScript
 * source, run in the page), and for a figure that waits for the reader, what the reader does first.
 */
const FIRST_RESULT: Record<string, { ready: string; act?: string }> = {
  'cnn-relu-backward': { ready: `!!r.querySelector('table[data-rule="guided"] td')` },
  'cnn-model-picker': {
    act: `[...r.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Load this model')`,
    ready: `/ is loaded\\./.test(r.textContent)`,
  },
  'cnn-image-picker': { ready: `/Showing .+ pixels/.test(r.textContent)` },
  'cnn-attribution': { ready: `/computed in/.test(r.querySelector('.status')?.textContent ?? '')` },
  'cnn-adversarial': { ready: `/press Run/.test(r.querySelector('.status')?.textContent ?? '')` },
  'cnn-filters': { ready: `!!r.querySelector('figure[data-filters="trained"][data-count]')` },
  'cnn-occlusion': { ready: `/occluded images in/.test(r.querySelector('.status')?.textContent ?? '')` },
  'cnn-optvis': { ready: `/press Run/.test(r.querySelector('.status')?.textContent ?? '')` },
  'cnn-gram-texture': { ready: `/press Run/.test(r.querySelector('.status')?.textContent ?? '')` },
  'cnn-texture-grow': { ready: `[...r.querySelectorAll('button')].some((b) => b.textContent.trim() === 'Grow' && b.getAttribute('aria-disabled') === 'false')` },
};

/** JavaScript bytes, raw and gzip-compressed. */
export interface JsWeight {
  files: number;
  bytes: number;
  gzipBytes: number;
}

/** One chapter's measurement. */
export interface PageWeight {
  path: string;
  /** Tag of the first figure of the text, if any. */
  firstFigure: string | null;
  jsBeforeFigure: JsWeight;
  jsAtFirstResult: JsWeight | null;
  /** Milliseconds from navigation start to the first figure's first result; null when it has no known result. */
  firstResultMs: number | null;
  /** Backend the engine chose, when the figure started it. */
  backend: string | null;
  meetsGoals: boolean;
}

const gzipSize = (bytes: Buffer | string) => gzipSync(bytes).length;

/** Sums the scripts loaded from `urls` (read from the built site) and the page's inline scripts. */
function weigh(urls: readonly string[], inline: readonly string[], origin: string, dist: string): JsWeight {
  let bytes = 0;
  let gzipBytes = 0;
  for (const url of urls) {
    const file = readFileSync(`${dist}${decodeURIComponent(new URL(url, origin).pathname)}`);
    bytes += file.length;
    gzipBytes += gzipSize(file);
  }
  for (const text of inline) {
    bytes += Buffer.byteLength(text);
    gzipBytes += gzipSize(text);
  }
  return { files: urls.length + inline.length, bytes, gzipBytes };
}

/** Measures each chapter at `origin` (a server of the built site in `dist`). */
export async function measurePageWeights(browser: Browser, origin: string, paths: readonly string[], dist = 'dist'): Promise<PageWeight[]> {
  const results: PageWeight[] = [];
  for (const path of paths) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // The reader opens the chapter at its first figure.
    await context.addInitScript(() => {
      addEventListener('DOMContentLoaded', () => {
        [...document.querySelectorAll('main *')].find((el) => el.localName.startsWith('cnn-'))?.scrollIntoView();
      });
    });
    const page = await context.newPage();
    await page.goto(origin + path, { waitUntil: 'domcontentloaded' });
    const firstFigure = await page.evaluate(
      () => [...document.querySelectorAll('main *')].find((el) => el.localName.startsWith('cnn-'))?.localName ?? null,
    );
    const rule = firstFigure ? FIRST_RESULT[firstFigure] : undefined;
    const inShadow = (body: string) => `(() => { const r = document.querySelector('main ${firstFigure}')?.shadowRoot; return !!r && (${body}); })()`;
    let firstResultMs: number | null = null;
    if (rule) {
      if (rule.act) {
        const act = `(() => { const r = document.querySelector('main ${firstFigure}')?.shadowRoot; const target = r && ${rule.act}; target?.click(); return !!target; })()`;
        await page.waitForFunction(act, null, { timeout: 120_000 });
      }
      const ready = `(() => { const ok = ${inShadow(rule.ready)}; return ok ? performance.now() : false; })()`;
      firstResultMs = (await (await page.waitForFunction(ready, null, { timeout: 120_000, polling: 'raf' })).jsonValue()) as number;
    } else {
      await page.waitForLoadState('networkidle');
    }
    const seen = await page.evaluate((mark) => {
      const figureAt = performance.getEntriesByName(mark)[0]?.startTime ?? Infinity;
      const scripts = performance
        .getEntriesByType('resource')
        .filter((e) => new URL(e.name).pathname.endsWith('.js'))
        .map((e) => ({ url: e.name, start: e.startTime }));
      const inline = [...document.querySelectorAll('script:not([src])')].map((s) => s.textContent ?? '');
      const backend = document.querySelector('header cnn-backend-status')?.getAttribute('data-backend') ?? null;
      return { figureAt, scripts, inline, backend };
    }, FIRST_FIGURE_MARK);
    const before = seen.scripts.filter((s) => s.start < seen.figureAt).map((s) => s.url);
    const jsBeforeFigure = weigh(before, seen.inline, origin, dist);
    const jsAtFirstResult = rule ? weigh(seen.scripts.map((s) => s.url), seen.inline, origin, dist) : null;
    results.push({
      path,
      firstFigure,
      jsBeforeFigure,
      jsAtFirstResult,
      firstResultMs: firstResultMs === null ? null : Math.round(firstResultMs),
      backend: seen.backend,
      meetsGoals:
        jsBeforeFigure.gzipBytes < PAGE_GOALS.jsBeforeFigureGzipBytes && (firstResultMs === null || firstResultMs < PAGE_GOALS.firstResultMs),
    });
    await context.close();
  }
  return results;
}
