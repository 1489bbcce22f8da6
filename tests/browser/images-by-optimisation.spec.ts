import { existsSync, readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { type PageProblems, expect, pageFrames, recordAttribute, test } from './fixtures';

const CHAPTER = '/chapters/images-by-optimisation/';
const MODEL = existsSync('dist/models/scenes-cnn/model.json') ? 'scenes-cnn' : 'fashion-vgg';
const INPUT = `input=${encodeURIComponent(JSON.stringify({ model: MODEL, sample: 'test:0' }))}`;

test.beforeAll(() => {
  if (!existsSync(`dist/models/${MODEL}/model.json`)) throw new Error('No trained model in dist/models: build the book first.');
});

/** Opens the chapter (with extra URL state), scrolls to a figure and waits until it can run. */
async function openFigure(page: Page, id: string, state: Record<string, unknown> = {}): Promise<Locator> {
  const extra = Object.entries(state).map(([k, v]) => `&${k}=${encodeURIComponent(JSON.stringify(v))}`).join('');
  await page.goto(`${CHAPTER}?${INPUT}${extra}`);
  const figure = page.locator(`cnn-optvis#${id}`);
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('.status')).toContainText('press Run', { timeout: 45_000 });
  return figure;
}

const steps = async (figure: Locator) => Number((await figure.locator('.panel').getAttribute('data-steps')) ?? 0);

function expectNoProblems(problems: PageProblems): void {
  expect(problems.list).toEqual([]);
}

test('class model: a short run climbs the logit, shows the formula and the result, and keeps its settings in the URL', async ({ page, problems }) => {
  const figure = await openFigure(page, 'class-model', { 'class-model': { steps: 12, preset: '3', decay: 0.0001, blurSigma: 1, blurEvery: 4, class: '1' } });
  await expect(figure.getByRole('spinbutton', { name: 'Steps', exact: true })).toHaveValue('12');
  await expect(figure.getByRole('spinbutton', { name: 'Blur σ (pixels)' })).toHaveValue('1');
  await expect(figure.getByTestId('formula')).toContainText(/arg maxₓ\s+S_ring\(x\) − 0\.01·‖x‖²/);
  await figure.getByRole('spinbutton', { name: 'Seed', exact: true }).fill('7');
  await figure.getByRole('spinbutton', { name: 'Seed', exact: true }).press('Tab');
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect(figure.locator('.status')).toContainText('Done: 12 steps', { timeout: 60_000 });
  await expect(figure.getByTestId('step')).toHaveText('12');
  const readout = await figure.getByTestId('readout').innerText();
  const [, first, now] = readout.match(/first (-?[\d.]+), now (-?[\d.]+)/)!;
  expect(Number(now)).toBeGreaterThan(Number(first));
  await expect(figure.getByRole('img', { name: 'The objective at each step' })).toBeVisible();
  await expect(figure.locator('cnn-heatmap')).toHaveCount(1);
  const url = new URL(page.url());
  expect(JSON.parse(url.searchParams.get('class-model')!)).toMatchObject({ steps: 12, seed: 7, class: '1', preset: '3' });
  // Export: a PNG that carries the parameters.
  const download = page.waitForEvent('download');
  await figure.getByRole('button', { name: 'Export PNG' }).click();
  const file = await (await download).path();
  const bytes = readFileSync(file);
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  expect(bytes.includes(Buffer.from('"technique":"class-model"'))).toBe(true);
  expect(bytes.includes(Buffer.from('"seed":7'))).toBe(true);
  expectNoProblems(problems);
});

test('a preset sets the regulariser controls', async ({ page, problems }) => {
  const figure = await openFigure(page, 'unit');
  await figure.getByRole('combobox', { name: 'Preset' }).selectOption('4');
  await expect(figure.getByRole('spinbutton', { name: 'Clip small contribution (%)' })).toHaveValue('90');
  await expect(figure.getByRole('spinbutton', { name: 'Blur every (steps)' })).toHaveValue('4');
  expectNoProblems(problems);
});

test('pause holds the step count, resume continues, cancel stops and says so', async ({ page, problems }) => {
  const figure = await openFigure(page, 'inversion', { inversion: { steps: 1000 } });
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect.poll(() => steps(figure), { timeout: 45_000 }).toBeGreaterThan(2);
  const panel = figure.locator('.panel');
  const phases = await recordAttribute(panel, 'data-phase');
  await figure.getByRole('button', { name: 'Pause' }).click();
  // 'pausing' while the step under way ends, then 'paused' once the loop waits: that step is the last one counted.
  await expect(panel).toHaveAttribute('data-phase', 'paused');
  expect(await phases()).toEqual(['running', 'pausing', 'paused']);
  const paused = await steps(figure);
  await expect(figure.locator('.status')).toContainText(`Paused after step ${paused} of 1000`);
  await expect(figure.getByRole('button', { name: 'Resume' })).toBeEnabled();
  await pageFrames(page, 20);
  expect(await steps(figure)).toBe(paused);
  await figure.getByRole('button', { name: 'Resume' }).click();
  await expect.poll(() => steps(figure)).toBeGreaterThan(paused);
  await figure.getByRole('button', { name: 'Cancel' }).click();
  await expect(figure.locator('.status')).toContainText(/The run was cancelled after \d+ of 1000 steps/);
  await expect(panel).toHaveAttribute('data-phase', 'cancelled');
  const cancelled = await steps(figure);
  await pageFrames(page, 10);
  expect(await steps(figure)).toBe(cancelled);
  // The source and the reconstruction so far are shown.
  await expect(figure.locator('cnn-heatmap')).toHaveCount(2);
  expectNoProblems(problems);
});

test('DeepDream runs its octaves on the page image and works from the keyboard', async ({ page, problems }) => {
  const figure = await openFigure(page, 'dream', { dream: { octaves: 2, steps: 3 } });
  await expect(figure.getByTestId('formula')).toContainText('2 octaves × 3 steps');
  const run = figure.getByRole('button', { name: 'Run' });
  await run.focus();
  await page.keyboard.press('Enter');
  await expect(figure.locator('.status')).toContainText('Done: 6 steps', { timeout: 60_000 });
  expectNoProblems(problems);
});

test('a figure removed mid-run frees every tensor of its run', async ({ page, problems }) => {
  const figure = await openFigure(page, 'unit', { unit: { steps: 1000, parameterisation: 'fourier' } });
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect.poll(() => steps(figure), { timeout: 45_000 }).toBeGreaterThan(2);
  await page.evaluate(() => document.querySelectorAll('cnn-optvis').forEach((e) => e.remove()));
  await expect(page.locator('header cnn-backend-status')).toHaveAttribute('data-tensors', '0', { timeout: 30_000 });
  expectNoProblems(problems);
});

test('multifaceted: the test subset gives several starts, each shown with its result', async ({ page, problems }) => {
  const figure = await openFigure(page, 'facets', { facets: { facets: 2, steps: 3, closest: 2 } });
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect(figure.locator('.status')).toContainText('Done: 6 steps', { timeout: 60_000 });
  const gallery = figure.getByTestId('gallery').locator('cnn-heatmap');
  await expect(gallery).toHaveCount(4);
  await expect(gallery.first()).toHaveAttribute('label', /^Facet 1: start \(mean of 2 of \d+ images\)$/);
  expectNoProblems(problems);
});

