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

/** A figure's map as plain numbers (its `result`), with the class and layer it explains. */
interface Shown {
  width: number;
  height: number;
  data: number[];
  weights: number[];
  classIndex: number;
  layer: string | null;
}
function shownMap(figure: Locator): Promise<Shown> {
  return figure.evaluate((el) => {
    type Result = { map: { width: number; height: number; data: Float32Array; extras?: Record<string, unknown> }; classIndex: number; layer: string | null };
    const r = (el as unknown as { result: Result | null }).result;
    if (!r) throw new Error('the figure shows no map');
    const weights = (r.map.extras?.['weights'] as number[] | undefined) ?? [];
    return { width: r.map.width, height: r.map.height, data: Array.from(r.map.data), weights, classIndex: r.classIndex, layer: r.layer };
  });
}

/** Input size of the model the tests open. */
const INPUT_SIZE = MODEL === 'scenes-cnn' ? 64 : 28;

for (const id of ['cam', 'gradcam', 'guidedgradcam', 'counterfactual', 'gradcampp']) {
  test(`figure #${id} computes a map with a text readout, on the grid its method defines`, async ({ page }) => {
    const figure = await openFigure(page, id);
    await expect(figure.locator('cnn-heatmap').first().locator('.readout')).toContainText('Strongest regions');
    await expect(figure.locator('cnn-heatmap canvas.view').first()).toBeVisible();
    const map = await shownMap(figure);
    expect(map.data.every(Number.isFinite)).toBe(true);
    expect(map.data).toHaveLength(map.width * map.height);
    // Guided Grad-CAM multiplies guided backprop by Grad-CAM: the image's grid. The others: a layer's cells.
    if (id === 'guidedgradcam') expect([map.width, map.height]).toEqual([INPUT_SIZE, INPUT_SIZE]);
    else expect(map.width).toBeLessThan(INPUT_SIZE);
  });
}

/** Opens figure `id` further down the page, at layer `layer` when it has a Layer menu. */
async function computedAt(page: Page, id: string, layer?: string): Promise<Locator> {
  const figure = page.locator(`cnn-attribution#${id}`);
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('.status')).toContainText('computed in', { timeout: 45_000 });
  const menu = figure.getByRole('combobox', { name: 'Layer' });
  if (layer && (await menu.inputValue()) !== layer) {
    await menu.selectOption(layer);
    await expect.poll(async () => (await shownMap(figure)).layer).toBe(layer);
  }
  return figure;
}

test('the maps agree with CAM as the core defines them: Grad-CAM = ReLU(CAM) / (H·W), counterfactual = ReLU(−CAM) / (H·W)', async ({
  page,
}) => {
  // On a network that ends in global average pooling and one dense layer, the gradient of a logit at the
  // pooled maps is w_k / Z at every cell (Z = H·W), so Grad-CAM's α_k = w_k / Z and its map is
  // ReLU(Σ_k w_k A^k) / Z = ReLU(CAM) / Z; the counterfactual negates the gradient. Both of the book's
  // networks end so, and the last layer of the Layer menu is the one the pooling averages.
  const camFigure = await openFigure(page, 'cam');
  const layers = await page.locator('cnn-attribution#gradcam').getByRole('combobox', { name: 'Layer' }).locator('option').allTextContents();
  const last = layers.at(-1)!;
  const cam = await shownMap(camFigure);
  const grad = await shownMap(await computedAt(page, 'gradcam', last));
  const counter = await shownMap(await computedAt(page, 'counterfactual', last));
  expect([grad.layer, counter.layer]).toEqual([last, last]);
  expect([grad.classIndex, counter.classIndex]).toEqual([cam.classIndex, cam.classIndex]);
  expect([grad.width, grad.height]).toEqual([cam.width, cam.height]);
  const z = cam.width * cam.height;
  const scale = Math.max(...cam.data.map(Math.abs));
  expect(scale).toBeGreaterThan(0);
  // Float32 sums over a few hundred channels and cells: 1e-4 of the map's scale is far above their rounding.
  cam.data.forEach((v, i) => {
    expect(Math.abs(grad.data[i]! - Math.max(v, 0) / z)).toBeLessThan((1e-4 * scale) / z);
    expect(Math.abs(counter.data[i]! - Math.max(-v, 0) / z)).toBeLessThan((1e-4 * scale) / z);
  });
  const wScale = Math.max(...cam.weights.map(Math.abs));
  expect(grad.weights).toHaveLength(cam.weights.length);
  grad.weights.forEach((a, k) => expect(Math.abs(a * z - cam.weights[k]!)).toBeLessThan(1e-4 * wScale));
});

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
  // Each table lists 8 distinct entries, largest magnitude first.
  for (const table of await figure.locator('details table').all()) {
    const rows = await table.locator('tr').evaluateAll((trs) => trs.slice(1).map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent!)));
    expect(rows).toHaveLength(8);
    expect(new Set(rows.map(([index]) => index)).size).toBe(8);
    const magnitudes = rows.map(([, value]) => Math.abs(Number(value!.replace('−', '-'))));
    expect(magnitudes).toEqual([...magnitudes].sort((a, b) => b - a));
  }
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
