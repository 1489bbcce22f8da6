import { existsSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';

const CHAPTER = '/chapters/class-activation-maps/';
/** The colour model when it is built, else the Fashion-MNIST one. */
const MODEL = existsSync('dist/models/scenes-cnn/model.json') ? 'scenes-cnn' : 'fashion-vgg';
const INPUT = `?input=${encodeURIComponent(JSON.stringify({ model: MODEL, sample: 'test:3' }))}`;

async function openFigure(page: Page, id: string, query = INPUT): Promise<Locator> {
  await page.goto(CHAPTER + query);
  const figure = page.locator(`cnn-attribution#${id}`);
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('.status')).toContainText('computed in', { timeout: 45_000 });
  return figure;
}

const readout = (figure: Locator) => figure.locator('cnn-heatmap').first().locator('.readout').innerText();

for (const id of ['cam', 'gradcam', 'guidedgradcam', 'counterfactual', 'gradcampp']) {
  test(`figure #${id} computes a map with a text readout`, async ({ page }) => {
    const figure = await openFigure(page, id);
    await expect(figure.locator('cnn-heatmap').first().locator('.readout')).toContainText('Strongest regions');
    await expect(figure.locator('cnn-heatmap canvas.view').first()).toBeVisible();
  });
}

test('choosing another class recomputes the map and keeps the choice in the URL', async ({ page }) => {
  const figure = await openFigure(page, 'gradcam');
  const select = figure.getByRole('combobox', { name: 'Class explained' });
  const options = await select.locator('option').allTextContents();
  // The least likely class: the last option, ranked by logit.
  await select.selectOption({ index: options.length - 1 });
  const least = options[options.length - 1]!.replace(/ \(logit.*$/, '');
  await expect(figure.locator('.status')).toContainText(`for “${least}”`);
  await expect(page).toHaveURL(/gradcam=/);
  const url = page.url();
  const restored = await openFigure(page, 'gradcam', new URL(url).search);
  await expect(restored.locator('.status')).toContainText(`for “${least}”`);
});

test('Grad-CAM explains any convolution layer the reader picks', async ({ page }) => {
  const figure = await openFigure(page, 'gradcam');
  const layer = figure.getByRole('combobox', { name: 'Layer' });
  const layers = await layer.locator('option').allTextContents();
  expect(layers.length).toBeGreaterThan(1);
  const before = await readout(figure);
  await layer.selectOption(layers[0]!);
  await expect(figure.locator('.status')).toContainText('computed in');
  await expect.poll(() => readout(figure)).not.toBe(before);
});

test('the Layer menu lists the ReLU layers and starts on the last; a link naming a convolution shows its ReLU', async ({ page }) => {
  const figure = await openFigure(page, 'gradcam');
  const layer = figure.getByRole('combobox', { name: 'Layer' });
  const layers = await layer.locator('option').allTextContents();
  expect(layers.every((l) => /^relu\d_\d$/.test(l))).toBe(true);
  await expect(layer).toHaveValue(layers.at(-1)!);
  const linked = new URLSearchParams(INPUT.slice(1));
  linked.set('gradcam', JSON.stringify({ target: '', layer: layers[0]!.replace('relu', 'conv') }));
  const restored = await openFigure(page, 'gradcam', `?${linked}`);
  await expect(restored.getByRole('combobox', { name: 'Layer' })).toHaveValue(layers[0]!);
});

test('Grad-CAM++ shows its alphas and channel weights', async ({ page }) => {
  const figure = await openFigure(page, 'gradcampp');
  await figure.getByText('Intermediate quantities').click();
  await expect(figure.locator('details table caption').first()).toBeVisible();
  const captions = await figure.locator('details table caption').allTextContents();
  expect(captions.join(' ')).toMatch(/alpha/i);
  expect(captions.join(' ')).toMatch(/weights/i);
});

test('the counterfactual map differs from Grad-CAM for the same class', async ({ page }) => {
  const figure = await openFigure(page, 'gradcam');
  const grad = await figure.locator('cnn-heatmap canvas.view').first().evaluate((c: HTMLCanvasElement) => c.toDataURL());
  const counter = page.locator('cnn-attribution#counterfactual');
  await counter.scrollIntoViewIfNeeded();
  await expect(counter.locator('.status')).toContainText('computed in', { timeout: 45_000 });
  const other = await counter.locator('cnn-heatmap canvas.view').first().evaluate((c: HTMLCanvasElement) => c.toDataURL());
  expect(other).not.toBe(grad);
});

test('keyboard: the class and layer controls are reachable and work', async ({ page }) => {
  const figure = await openFigure(page, 'gradcam');
  const select = figure.getByRole('combobox', { name: 'Class explained' });
  await select.focus();
  await expect(select).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(figure.locator('.status')).toContainText('computed in');
});
