import { existsSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';

const CHAPTER = '/chapters/saliency/';
/** The colour model when it is built (its scenes have true object masks), else the Fashion-MNIST one. */
const SCENES = existsSync('dist/models/scenes-cnn/model.json');
const MODEL = SCENES ? 'scenes-cnn' : 'fashion-vgg';
const INPUT = `?input=${encodeURIComponent(JSON.stringify({ model: MODEL, sample: 'test:3' }))}`;

test.beforeAll(() => {
  expect(existsSync(`dist/models/${MODEL}/model.json`), 'no trained model in dist/models: build the book with one').toBe(true);
});

/** Opens the chapter and waits until the figure (which loads when scrolled to) has computed. */
async function openFigure(page: Page, selector: string, query = INPUT): Promise<Locator> {
  await page.goto(CHAPTER + query);
  const figure = page.locator(selector);
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('.status')).toContainText('computed in', { timeout: 45_000 });
  return figure;
}

const canvasData = (canvas: Locator) => canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL());

test('every figure of the chapter computes its map, without console errors', async ({ page, problems }) => {
  await openFigure(page, 'cnn-attribution#saliency');
  for (const selector of ['cnn-attribution#smoothgrad', 'cnn-saliency-segmentation#segmentation', 'cnn-attribution-compare#rules']) {
    const figure = page.locator(selector);
    await figure.scrollIntoViewIfNeeded();
    await expect(figure.locator('.status')).toContainText('computed in', { timeout: 45_000 });
    await expect(figure.locator('cnn-heatmap canvas.view').first()).toBeVisible();
  }
  expect(problems.list).toEqual([]);
});

test('choosing another class changes the saliency map', async ({ page, problems }) => {
  const figure = await openFigure(page, 'cnn-attribution#saliency');
  const view = figure.locator('cnn-heatmap canvas.view').first();
  const before = await canvasData(view);
  const select = figure.getByRole('combobox', { name: 'Class explained' });
  const options = await select.locator('option').allTextContents();
  await select.selectOption({ index: options.length - 1 });
  const least = options[options.length - 1]!.replace(/ \(logit.*$/, '');
  await expect(figure.locator('.status')).toContainText(`for “${least}”`);
  await expect.poll(() => canvasData(view)).not.toBe(before);
  expect(problems.list).toEqual([]);
});

/** The compare figure's numbers, read from the element: the maps and colour gradients of its three panels. */
async function comparePanels(figure: Locator) {
  return figure.evaluate((el) => {
    type Panel = { id: string; map: { data: Float32Array; channels: { count: number; data: Float32Array } } };
    return (el as unknown as { panels: Panel[] }).panels.map((p) => ({
      id: p.id,
      map: Array.from(p.map.data),
      count: p.map.channels.count,
      channels: Array.from(p.map.channels.data),
    }));
  });
}

test('the compare figure shows backprop, deconvnet and guided backprop, each a max |g| map of its colour gradient', async ({
  page,
  problems,
}) => {
  const figure = await openFigure(page, 'cnn-attribution-compare#rules');
  const sections = figure.locator('section.method');
  await expect(sections).toHaveCount(3);
  expect(await sections.evaluateAll((els) => els.map((e) => e.getAttribute('data-method')))).toEqual([
    'saliency',
    'deconvnet',
    'guided-backprop',
  ]);
  const panels = await comparePanels(figure);
  for (const { id, map, count, channels } of panels) {
    // The map is max over colours of |g|: non-negative, not all zero, and equal to the channels' largest magnitude.
    expect(Math.max(...map), id).toBeGreaterThan(0);
    expect(map.every((v) => v >= 0), id).toBe(true);
    for (let p = 0; p < map.length; p += 7) {
      const g = channels.slice(p * count, (p + 1) * count).map(Math.abs);
      expect(map[p]!, `${id} pixel ${p}`).toBeCloseTo(Math.max(...g), 6);
    }
  }
  // The three rules give three different signals.
  expect(panels[0]!.channels).not.toEqual(panels[1]!.channels);
  expect(panels[0]!.channels).not.toEqual(panels[2]!.channels);
  // The colour picture is the signed gradient scaled by its largest magnitude around mid-grey.
  const { count, channels } = panels[0]!;
  const maxAbs = Math.max(...channels.map(Math.abs));
  // Numbers read as plain decimals with three significant digits, in the readout and on the colour bars.
  const readout = await sections.first().locator('cnn-heatmap.colours .readout').innerText();
  const largest = readout.match(/Largest \|g\| = ([-\d.]+);/)![1]!;
  expect(Number(largest)).toBe(Number(maxAbs.toPrecision(3)));
  for (const text of await figure.locator('cnn-heatmap .scale span').allInnerTexts()) expect(text).toMatch(/^-?\d+(\.\d+)?( × 10[⁻¹²³⁴⁵⁶⁷⁸⁹⁰]+)?$/);
  const pixels = await sections
    .first()
    .locator('cnn-heatmap.colours canvas.view')
    .evaluate((c: HTMLCanvasElement) => Array.from(c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data));
  for (let p = 0; p < pixels.length / 4; p++) {
    for (let c = 0; c < 3; c++) {
      const expected = 127.5 + (channels[p * count + Math.min(c, count - 1)]! / maxAbs) * 127.5;
      expect(Math.abs(pixels[p * 4 + c]! - expected)).toBeLessThanOrEqual(1);
    }
  }
  expect(problems.list).toEqual([]);
});

test('the compare figure explains an inner neuron, and a link restores it', async ({ page, problems }) => {
  const figure = await openFigure(page, 'cnn-attribution-compare#rules');
  const before = await canvasData(figure.locator('cnn-heatmap.map canvas.view').first());
  await figure.getByRole('radio', { name: 'a neuron' }).check();
  await expect(figure.locator('.status')).toContainText(/for “channel \d+ of .+”, computed in/);
  const layer = figure.getByRole('combobox', { name: 'Layer' });
  const layers = await layer.locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
  expect(layers.length).toBeGreaterThan(1);
  await layer.selectOption(layers[0]!);
  await expect(figure.locator('.status')).toContainText(`of ${layers[0]}”, computed in`);
  const channel = figure.getByRole('combobox', { name: 'Channel' });
  await channel.selectOption({ index: 2 });
  const chosen = await channel.inputValue();
  const status = `for “channel ${chosen} of ${layers[0]}”, computed in`;
  await expect(figure.locator('.status')).toContainText(status);
  await expect(figure.locator('section.method')).toHaveCount(3);
  await expect.poll(() => canvasData(figure.locator('cnn-heatmap.map canvas.view').first())).not.toBe(before);
  await expect(page).toHaveURL(/rules=/);
  const restored = await openFigure(page, 'cnn-attribution-compare#rules', new URL(page.url()).search);
  await expect(restored.locator('.status')).toContainText(status);
  expect(problems.list).toEqual([]);
});

/** The number in the seed legend line of one kind ("Foreground (cross-hatched): 40 pixels"). */
async function seedCount(figure: Locator, kind: 'foreground' | 'background' | 'unknown'): Promise<number> {
  const text = await figure.locator(`.legend li[data-seed="${kind}"]`).innerText();
  return Number(/: (\d+) pixels/.exec(text)![1]);
}

test('the segmentation figure reports its mask, answers the sliders and keeps them in the URL', async ({ page, problems }) => {
  const figure = await openFigure(page, 'cnn-saliency-segmentation#segmentation');
  const readout = figure.locator('.mask-readout');
  await expect(readout).toContainText(/Mask: \d+ pixels/);
  if (SCENES) await expect(readout).toContainText(/IoU \d\.\d\d, precision \d\.\d\d, recall \d\.\d\d/);
  const fg = await seedCount(figure, 'foreground');
  const bg = await seedCount(figure, 'background');
  const unknown = await seedCount(figure, 'unknown');
  expect(fg).toBeGreaterThan(0);
  expect(fg + bg + unknown).toBe(SCENES ? 64 * 64 : 28 * 28);

  // Keyboard: a higher foreground quantile seeds fewer foreground pixels.
  const slider = figure.getByRole('slider', { name: /Foreground quantile/ });
  const raised = (Number(await slider.inputValue()) + 0.02).toFixed(2);
  await slider.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  await expect(slider).toHaveValue(raised);
  await expect.poll(() => seedCount(figure, 'foreground')).toBeLessThan(fg);
  await expect(figure.locator('.status')).toContainText('computed in');
  const after = await seedCount(figure, 'foreground');
  const mask = await readout.innerText();

  await expect(page).toHaveURL(/segmentation=/);
  const restored = await openFigure(page, 'cnn-saliency-segmentation#segmentation', new URL(page.url()).search);
  await expect(restored.getByRole('slider', { name: /Foreground quantile/ })).toHaveValue(raised);
  expect(await seedCount(restored, 'foreground')).toBe(after);
  await expect.poll(() => restored.locator('.mask-readout').innerText()).toBe(mask);
  expect(problems.list).toEqual([]);
});

test('the segmentation follows the class explained', async ({ page, problems }) => {
  const figure = await openFigure(page, 'cnn-saliency-segmentation#segmentation');
  const seeds = await canvasData(figure.locator('canvas.seeds'));
  const select = figure.getByRole('combobox', { name: 'Class explained' });
  const options = await select.locator('option').allTextContents();
  await select.selectOption({ index: options.length - 1 });
  const least = options[options.length - 1]!.replace(/ \(logit.*$/, '');
  await expect(figure.locator('.status')).toContainText(`for “${least}” computed in`);
  await expect.poll(() => canvasData(figure.locator('canvas.seeds'))).not.toBe(seeds);
  expect(problems.list).toEqual([]);
});

test('the segmentation quality table recomputes live, cancels, and shows a failure case', async ({ page, problems }) => {
  const figure = await openFigure(page, 'cnn-saliency-segmentation#segmentation');
  const status = figure.locator('.table-status');
  const size = figure.getByRole('combobox', { name: 'Test scenes' });
  const recompute = figure.getByRole('button', { name: /Recompute the table/ });

  // Cancel: start a long run, wait until it has measured a scene, cancel, and see it stop there.
  await size.selectOption('210');
  await recompute.click();
  await expect(status).toHaveAttribute('data-phase', 'running');
  await expect(status).toContainText(/Measuring: [1-9]\d* of 210 scenes done/, { timeout: 60_000 });
  await expect(figure.getByRole('progressbar', { name: 'Scenes measured' })).toBeVisible();
  await figure.getByRole('button', { name: 'Cancel' }).click();
  await expect(status).toHaveAttribute('data-phase', 'cancelled');
  await expect(status).toContainText(/Cancelled after \d+ of 210 scenes/);
  await expect(figure.getByRole('progressbar')).toHaveCount(0);
  await expect(figure.locator('table')).toHaveCount(0);

  // A short run to the end: one row per map and baseline; the figure's map and the best row beat both baselines.
  await size.selectOption('7');
  await recompute.click();
  await expect(status).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  await expect(status).toHaveText('Measured over 7 test scenes.');
  await expect(figure.locator('tbody tr')).toHaveCount(7);
  const mean = async (id: string) => Number(await figure.locator(`tr[data-row="${id}"] td`).first().innerText());
  const best = figure.locator('tr.best');
  await expect(best).toHaveCount(1);
  const chosen = await figure.getByRole('combobox', { name: 'Map' }).inputValue();
  for (const id of [(await best.getAttribute('data-row'))!, chosen]) {
    expect(await mean(id)).toBeGreaterThan(await mean('centred-box'));
    expect(await mean(id)).toBeGreaterThan(await mean('saliency-threshold'));
  }

  // The worst cut of the chosen map, shown above: the page's input becomes that scene.
  const failure = figure.locator('.failures button').first();
  const scene = (await failure.getAttribute('data-scene'))!;
  await failure.click();
  await expect(figure.locator('cnn-input-bar')).toContainText(`test scene ${scene}`);
  await expect(figure.locator('.status')).toContainText('computed in', { timeout: 45_000 });
  await expect(figure.locator('.mask-readout')).toContainText(/IoU \d\.\d\d/);

  // Leaving the page mid-run frees every tensor of the table's run.
  await size.selectOption('210');
  await recompute.click();
  await expect(status).toContainText(/Measuring: [1-9]\d* of 210 scenes done/, { timeout: 60_000 });
  await page.evaluate(() => document.querySelectorAll('main *').forEach((e) => e.tagName.startsWith('CNN-') && e.remove()));
  await expect(page.locator('header cnn-backend-status')).toHaveAttribute('data-tensors', '0', { timeout: 30_000 });
  expect(problems.list).toEqual([]);
});
