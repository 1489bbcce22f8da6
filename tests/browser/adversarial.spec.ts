import { existsSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { type PageProblems, expect, pageFrames, recordAttribute, test } from './fixtures';

const CHAPTER = '/chapters/fooling-and-sanity/';
/** The colour model when it is built, else the Fashion-MNIST one. */
const MODEL = existsSync('dist/models/scenes-cnn/model.json') ? 'scenes-cnn' : 'fashion-vgg';
const INPUT = `?input=${encodeURIComponent(JSON.stringify({ model: MODEL, sample: 'test:0' }))}`;

test.beforeAll(() => {
  if (!existsSync(`dist/models/${MODEL}/model.json`)) throw new Error('No trained model in dist/models: build the book first.');
});

/** Opens the chapter at the figure, waits until it is ready to run and sets its steps, ε and step size. */
async function openFigure(page: Page, settings: { steps: number; epsilon?: number; stepSize?: number }): Promise<Locator> {
  await page.goto(CHAPTER + INPUT);
  const figure = page.locator('cnn-adversarial');
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('.status')).toContainText('press Run', { timeout: 45_000 });
  const set = async (name: string, value: number | undefined) => {
    if (value === undefined) return;
    const input = figure.getByRole('spinbutton', { name });
    await input.fill(String(value));
    await input.press('Tab');
  };
  await set('Steps', settings.steps);
  await set('ε (pixel levels of 255)', settings.epsilon);
  await set('Step size (levels)', settings.stepSize);
  return figure;
}

/** The target logit after each step, read from the text table. */
const logits = async (figure: Locator) => (await figure.locator('td[data-logit]').allInnerTexts()).map(Number);

function expectNoProblems(problems: PageProblems): void {
  expect(problems.list).toEqual([]);
}

test('a short run raises the target logit at every step, within the budget ε', async ({ page, problems }) => {
  const figure = await openFigure(page, { steps: 5 });
  const target = (await figure.getByRole('combobox', { name: 'Target class' }).locator('option:checked').innerText()).replace(/ \(logit.*$/, '');
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect(figure.locator('.status')).toContainText('Done: 5 steps', { timeout: 45_000 });
  const values = await logits(figure);
  expect(values).toHaveLength(6);
  values.slice(1).forEach((v, i) => expect(v).toBeGreaterThan(values[i]!));
  await expect(figure.locator('.readout')).toContainText(`Logit of the target “${target}”`);
  const scale = await figure.getByTestId('perturbation-scale').innerText();
  const [, gain, delta] = scale.match(/^×(\d+) amplification, max \|δ\| = ([\d.]+)\/255$/)!;
  expect(Number(delta)).toBeGreaterThan(0);
  expect(Number(delta)).toBeLessThanOrEqual(8 + 0.005);
  expect(Number(gain) * Number(delta)).toBeLessThanOrEqual(127.5 + 0.5);
  await expect(figure.getByRole('img', { name: /Target logit and original class's logit over the steps/ })).toBeVisible();
  const chart = figure.locator('cnn-line-chart');
  await expect(chart.locator('.y-title')).toHaveText('logit');
  expect(await chart.locator('.x-tick').allTextContents()).toEqual(['0', '1', '2', '3', '4', '5']);
  expectNoProblems(problems);
});

test('pause stops the progress, resume continues it, cancel stops the run and says so', async ({ page, problems }) => {
  const figure = await openFigure(page, { steps: 100, epsilon: 32, stepSize: 0.25 });
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect.poll(async () => (await logits(figure)).length).toBeGreaterThan(2);
  const panel = figure.locator('.panel');
  const phases = await recordAttribute(panel, 'data-phase');
  await figure.getByRole('button', { name: 'Pause' }).click();
  // 'pausing' while the step under way ends, then 'paused' once its report is held.
  await expect(panel).toHaveAttribute('data-phase', 'paused');
  expect(await phases()).toEqual(['running', 'pausing', 'paused']);
  const step = Number((await figure.locator('.status').innerText()).match(/Paused after step (\d+)/)![1]);
  // The table shows steps 0 to the step paused at, and a step that was computing at the click is held back.
  const paused = (await logits(figure)).length;
  expect(paused).toBe(step + 1);
  await expect(panel).toHaveAttribute('aria-busy', 'true');
  await expect(figure.getByRole('button', { name: 'Resume' })).toHaveAttribute('aria-disabled', 'false');
  await expect(figure.getByRole('button', { name: 'Run' })).toHaveAttribute('aria-disabled', 'true');
  await pageFrames(page, 20);
  expect((await logits(figure)).length).toBe(paused);
  await expect(figure.locator('.status')).toContainText(`Paused after step ${step} of 100`);
  await figure.getByRole('button', { name: 'Resume' }).click();
  await expect.poll(async () => (await logits(figure)).length).toBeGreaterThan(paused);
  await figure.getByRole('button', { name: 'Cancel' }).click();
  await expect(figure.locator('.status')).toContainText(/The run was cancelled after \d+ of 100 steps/);
  await expect(panel).toHaveAttribute('data-phase', 'cancelled');
  await expect(figure.getByRole('button', { name: 'Cancel' })).toHaveAttribute('aria-disabled', 'true');
  const cancelled = (await logits(figure)).length;
  expect(cancelled).toBeLessThan(101);
  await pageFrames(page, 10);
  expect((await logits(figure)).length).toBe(cancelled);
  // What was computed before the cancel is still shown, within the budget.
  const delta = Number((await figure.getByTestId('perturbation-scale').innerText()).match(/= ([\d.]+)\/255/)![1]);
  expect(delta).toBeLessThanOrEqual(32 + 0.005);
  expectNoProblems(problems);
});

test('changing the input cancels a run', async ({ page, problems }) => {
  const figure = await openFigure(page, { steps: 100, stepSize: 0.25 });
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect.poll(async () => (await logits(figure)).length).toBeGreaterThan(1);
  await figure.getByRole('button', { name: 'Next test image' }).click();
  await expect(figure.locator('.status')).toContainText('The run was cancelled: the input changed.');
  await expect(figure.locator('td[data-logit]')).toHaveCount(0);
  expectNoProblems(problems);
});

test('removed while paused, the figure lets its run go and frees every tensor', async ({ page, problems }) => {
  const figure = await openFigure(page, { steps: 100, stepSize: 0.25 });
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect.poll(async () => (await logits(figure)).length).toBeGreaterThan(1);
  await figure.getByRole('button', { name: 'Pause' }).click();
  await expect(figure.locator('.panel')).toHaveAttribute('data-phase', 'paused');
  // The other figures share the network: they go too, so that the last one out disposes it.
  await page.evaluate(() => document.querySelectorAll('cnn-adversarial, cnn-sanity-check, cnn-predict').forEach((e) => e.remove()));
  await expect(page.locator('header cnn-backend-status')).toHaveAttribute('data-tensors', '0', { timeout: 30_000 });
  expectNoProblems(problems);
});

test('works with the keyboard alone', async ({ page, problems }) => {
  const figure = await openFigure(page, { steps: 100, stepSize: 0.25 });
  const run = figure.getByRole('button', { name: 'Run' });
  await run.focus();
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await logits(figure)).length).toBeGreaterThan(1);
  // Tab to Pause, then Space; the same button becomes Resume and keeps the focus.
  await page.keyboard.press('Tab');
  await expect(figure.getByRole('button', { name: 'Pause' })).toBeFocused();
  await page.keyboard.press('Space');
  await expect(figure.locator('.status')).toContainText('Paused after step');
  await expect(figure.getByRole('button', { name: 'Resume' })).toBeFocused();
  const paused = (await logits(figure)).length;
  await page.keyboard.press('Enter');
  await expect.poll(async () => (await logits(figure)).length).toBeGreaterThan(paused);
  await page.keyboard.press('Tab');
  await expect(figure.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(figure.locator('.status')).toContainText('cancelled after');
  expectNoProblems(problems);
});
