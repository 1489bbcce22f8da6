import { existsSync, readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';

const CHAPTER = '/chapters/fooling-and-sanity/';
const MODEL = 'scenes-cnn';
const INPUT = `?input=${encodeURIComponent(JSON.stringify({ model: MODEL, sample: 'test:0' }))}`;

/** The layers that hold weights, from the model's weight manifest ('conv1/kernel' belongs to 'conv1'). */
function layersWithWeights(): string[] {
  const file = `dist/models/${MODEL}/model.json`;
  if (!existsSync(file)) throw new Error('No trained model in dist/models: build the book first.');
  const manifest = (JSON.parse(readFileSync(file, 'utf8')) as { weightsManifest: { weights: { name: string }[] }[] }).weightsManifest;
  return [...new Set(manifest.flatMap((group) => group.weights.map((w) => w.name.slice(0, w.name.lastIndexOf('/')))))];
}

async function openFigure(page: Page): Promise<Locator> {
  await page.goto(CHAPTER + INPUT);
  const figure = page.locator('cnn-sanity-check');
  await figure.scrollIntoViewIfNeeded();
  return figure;
}

const done = (figure: Locator) => expect(figure.locator('.status')).toContainText('Done:', { timeout: 90_000 });

test('the cascade scores 1.00 before any randomisation, with one column per randomised layer', async ({ page, problems }) => {
  test.setTimeout(120_000);
  const figure = await openFigure(page);
  await done(figure);
  const layers = layersWithWeights();
  const table = figure.getByTestId('spearman');
  const headers = await table.locator('thead th').allInnerTexts();
  expect(headers.slice(0, 2)).toEqual(['method', 'trained']);
  expect(new Set(headers.slice(2))).toEqual(new Set(layers));
  expect(headers).toHaveLength(2 + layers.length);
  const rows = table.locator('tbody tr');
  const methods = await rows.locator('th').allInnerTexts();
  expect(methods.length).toBeGreaterThanOrEqual(2);
  for (let r = 0; r < methods.length; r++) {
    const cells = (await rows.nth(r).locator('td').allInnerTexts()).map(Number);
    expect(cells).toHaveLength(1 + layers.length);
    expect(cells[0]).toBe(1);
    // “undefined” (NaN here) where a map is constant; the figure's note is checked below.
    cells.forEach((v) => expect(Number.isNaN(v) || Math.abs(v) <= 1).toBe(true));
  }
  // One small map per method and step, a chart, and the sentence that says what to look for.
  await expect(figure.locator('canvas[data-step]')).toHaveCount(methods.length * (1 + layers.length));
  // Thumbnails large enough to compare, and a table caption that is a whole phrase.
  expect((await figure.locator('canvas[data-step]').first().boundingBox())!.width).toBeGreaterThanOrEqual(72);
  await expect(table.locator('caption')).toContainText("with the trained network's map, per method and step");
  // A score that cannot be computed reads "undefined", and the figure says why.
  const undefinedCells = await table.locator('td', { hasText: 'undefined' }).count();
  if (undefinedCells) await expect(figure.getByTestId('unscored')).toContainText('is not a sign that the map stayed alike');
  else await expect(figure.getByTestId('unscored')).toHaveCount(0);
  await expect(figure.getByRole('img', { name: /Spearman rank correlation/ })).toBeVisible();
  // The chart names its y axis, and labels the x axis at every step here (one per layer, and "trained").
  const chart = figure.locator('cnn-line-chart');
  await expect(chart.locator('.y-title')).toHaveText('Spearman ρ');
  await expect(chart.locator('.x-title')).toHaveText('layers randomised, from the top');
  expect(await chart.locator('.x-tick').allTextContents()).toEqual(['trained', ...layers.map((_, i) => String(i + 1))]);
  await expect(figure.locator('figcaption')).toContainText('should lose its resemblance');
  expect(problems.list).toEqual([]);
});

test('a run can be cancelled, with the keyboard, and run again', async ({ page, problems }) => {
  test.setTimeout(180_000);
  const figure = await openFigure(page);
  await done(figure);
  // A slower processor, so that the run lasts long enough to be cancelled on any machine.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 8 });
  const again = figure.getByRole('button', { name: 'Run again' });
  await again.focus();
  await page.keyboard.press('Enter');
  await expect(figure.locator('.status')).toContainText(/Computing|Randomised/);
  await page.keyboard.press('Tab');
  await expect(figure.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(figure.locator('.status')).toContainText('Cancelled');
  await expect(figure.getByTestId('spearman')).toHaveCount(0);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await again.click();
  await done(figure);
  expect(problems.list).toEqual([]);
});

test('independent randomisation: one layer per step, the choice kept in the URL', async ({ page, problems }) => {
  test.setTimeout(180_000);
  const figure = await openFigure(page);
  await done(figure);
  await figure.getByRole('radio', { name: /independent/ }).check();
  await expect(figure.locator('.status')).toContainText('one at a time', { timeout: 90_000 });
  expect(new URL(page.url()).searchParams.get('sanity')).toBe(JSON.stringify({ mode: 'independent' }));
  const table = figure.getByTestId('spearman');
  const headers = await table.locator('thead th').allInnerTexts();
  expect(new Set(headers.slice(2))).toEqual(new Set(layersWithWeights()));
  const first = (await table.locator('tbody tr').first().locator('td').allInnerTexts()).map(Number);
  expect(first[0]).toBe(1);
  await expect(figure.locator('figcaption')).toContainText('keeps every other layer trained');
  await expect(figure.locator('canvas[data-step="1"]').first()).toHaveAttribute('aria-label', /only .* randomised/);
  // The link opens the same view.
  await page.reload();
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.getByRole('radio', { name: /independent/ })).toBeChecked();
  await expect(figure.locator('.status')).toContainText('one at a time', { timeout: 90_000 });
  expect(problems.list).toEqual([]);
});
