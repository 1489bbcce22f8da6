import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const CHAPTER = '/chapters/networks/';
/** A third-party graph model from node_modules (@vladmandic/human, MIT), served to the page by the test. */
const EMOTION = resolve('node_modules/@vladmandic/human/models');
const MODEL_URL = '/test-models/emotion/model.json';

/** Serves the emotion model under /test-models/emotion/, and a corrupt model.json under /test-models/broken/. */
async function serveModels(page: Page): Promise<void> {
  await page.route('**/test-models/emotion/model.json', (route) =>
    route.fulfill({ body: readFileSync(resolve(EMOTION, 'emotion.json')), contentType: 'application/json' }),
  );
  await page.route('**/test-models/emotion/emotion.bin', (route) =>
    route.fulfill({ body: readFileSync(resolve(EMOTION, 'emotion.bin')), contentType: 'application/octet-stream' }),
  );
  await page.route('**/test-models/broken/model.json', (route) =>
    route.fulfill({ body: '{"modelTopology": {"node": [', contentType: 'application/json' }),
  );
}

async function openPicker(page: Page): Promise<void> {
  await serveModels(page);
  await page.goto(CHAPTER);
  await page.locator('cnn-model-picker').scrollIntoViewIfNeeded();
  await expect(page.getByRole('button', { name: 'Load from address' })).toBeVisible();
}

async function loadByAddress(page: Page, url: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Address of its model.json' }).fill(url);
  await page.getByRole('button', { name: 'Load from address' }).click();
}

test('loads a graph model by address, shows what it found, and announces it', async ({ page, problems }) => {
  await openPicker(page);
  await page.evaluate(() => {
    document.addEventListener('cnn-model-change', (e) => {
      const net = (e as CustomEvent).detail.net;
      (window as unknown as Record<string, unknown>)['loaded'] = { conv: net.convLayers.length, classes: net.classNames.length };
    });
  });
  await loadByAddress(page, MODEL_URL);
  const summary = page.locator('cnn-model-picker section[aria-label="Loaded model"]');
  await expect(summary.locator('[data-field="conv"]')).toContainText(/^13: /);
  await expect(summary.locator('[data-field="logits"]')).toContainText('global_average_pooling2d_1/Mean');
  await expect(summary.locator('[data-field="classes"]')).toContainText(/^7: /);
  await expect(summary.locator('[data-field="relu-rules"]')).toHaveText('no');
  await expect(summary.locator('[data-field="cam"]')).toContainText('yes');
  await expect(summary).toContainText('cannot swap how gradients cross its ReLUs');
  expect(await page.evaluate(() => (window as unknown as Record<string, unknown>)['loaded'])).toEqual({ conv: 13, classes: 7 });
  expect(problems.list).toEqual([]);
});

test('loads dropped files chosen with the file control', async ({ page }) => {
  await openPicker(page);
  await page.getByLabel(/Choose or drop model\.json/).setInputFiles([resolve(EMOTION, 'emotion.json'), resolve(EMOTION, 'emotion.bin')]);
  await expect(page.locator('cnn-model-picker [data-field="conv"]')).toContainText(/^13: /);
  await expect(page.locator('cnn-model-picker section[aria-label="Loaded model"] h3')).toHaveText('emotion');
});

test("a corrupt model.json or missing weights give the loader's message", async ({ page }) => {
  await openPicker(page);
  await loadByAddress(page, '/test-models/broken/model.json');
  const alert = page.locator('cnn-model-picker [role="alert"]');
  await expect(alert).toContainText('is not valid JSON');
  await page.getByLabel(/Choose or drop model\.json/).setInputFiles([resolve(EMOTION, 'emotion.json')]);
  await expect(alert).toContainText('you did not choose: emotion.bin');
});

test("loads one of the book's models with its card's class names", async ({ page, problems }) => {
  await openPicker(page);
  await page.getByRole('combobox', { name: 'Model', exact: true }).selectOption('fashion-vgg');
  await page.getByRole('button', { name: 'Load this model' }).click();
  const summary = page.locator('cnn-model-picker section[aria-label="Loaded model"]');
  await expect(summary.locator('[data-field="classes"]')).toContainText('10: T-shirt/top, Trouser');
  await expect(summary.locator('[data-field="relu-rules"]')).toHaveText('yes');
  await expect(summary.locator('[data-field="cam"]')).toContainText('yes, on relu3_1');
  expect(problems.list).toEqual([]);
});

test('the three ways to load a model fill their rows, leaving no empty cell, at any width', async ({ page }) => {
  for (const width of [1280, 900, 600, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await openPicker(page);
    const rows = await page.locator('cnn-model-picker').evaluate((picker) => {
      const sources = picker.shadowRoot!.querySelector('.sources')!;
      const box = sources.getBoundingClientRect();
      const byRow = new Map<number, number>();
      for (const f of sources.querySelectorAll(':scope > fieldset')) {
        const r = f.getBoundingClientRect();
        byRow.set(Math.round(r.top), Math.max(byRow.get(Math.round(r.top)) ?? 0, r.right));
      }
      return [...byRow.values()].map((right) => box.right - right);
    });
    // Every row ends at the container's right edge.
    rows.forEach((gap) => expect(gap, `at ${width} px`).toBeLessThan(2));
  }
});
