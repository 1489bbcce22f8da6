/**
 * After one visit the book works offline: the service worker (src/service-worker.js, built into
 * dist/coi-worker.js) stores every page, script, network and WASM binary, keeps pages cross-origin isolated,
 * and a new version waits until the reader accepts it. The other specs block service workers.
 */
import { existsSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

test.use({ serviceWorkers: 'allow' });

const MODEL = existsSync('dist/models/scenes-cnn/model.json') ? 'scenes-cnn' : 'fashion-vgg';
const INPUT = `?input=${encodeURIComponent(JSON.stringify({ model: MODEL, sample: 'test:3' }))}`;

/** Opens a chapter and waits until its worker has stored the book and controls the page. */
async function visitUntilStored(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await expect(page.locator('html')).toHaveAttribute('data-offline', 'ready', { timeout: 45_000 });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

/** Waits until the figure `selector` (started when scrolled to) has computed its map. */
async function computes(page: Page, selector: string): Promise<void> {
  const figure = page.locator(selector);
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('.status')).toContainText('computed in', { timeout: 45_000 });
}

test.beforeAll(() => {
  expect(existsSync('dist/coi-worker.js'), 'no service worker in dist: build with npm run build').toBe(true);
});

test('after one visit, chapters and their live figures work offline, cross-origin isolated', async ({ page, context, problems }) => {
  test.setTimeout(120_000);
  await visitUntilStored(page, `/chapters/saliency/${INPUT}`);
  const script = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL);
  expect(new URL(script ?? '').pathname).toBe('/coi-worker.js');

  await context.setOffline(true);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
  await computes(page, 'cnn-attribution#saliency');

  // A chapter not visited before, with URL state in its query: stored page, stored network and WASM.
  await page.goto(`/chapters/class-activation-maps/${INPUT}`);
  expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
  await computes(page, 'cnn-attribution#gradcam');
  await expect(page.locator('header cnn-backend-status')).toHaveAttribute('data-engine', 'ready');
  expect(problems.list).toEqual([]);
});

test('a new version waits, the page offers it, and Reload switches to it', async ({ page, problems }) => {
  test.setTimeout(120_000);
  await visitUntilStored(page, '/chapters/relu-backward/');
  const notice = page.locator('#book-update-notice');
  await expect(notice).toHaveCount(0);
  // A worker at another script URL is a new version of the registration, as a new build's worker is.
  await page.evaluate(() => navigator.serviceWorker.register('/coi-worker.js?version=next', { scope: '/' }));
  await expect(notice).toHaveAttribute('role', 'status');
  await expect(notice).toContainText('A new version of the book is available.');
  // Until the reader accepts, the old worker keeps the page.
  expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).not.toContain('version=next');
  await notice.getByRole('button', { name: 'Reload' }).click();
  await page.waitForFunction(() => navigator.serviceWorker.controller?.scriptURL.includes('version=next') === true);
  await expect(page.locator('html')).toHaveAttribute('data-offline', 'ready');
  await expect(notice).toHaveCount(0);
  expect(problems.list).toEqual([]);
});
