import { existsSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { expect, pageFrames, test } from './fixtures';

const CHAPTER = '/chapters/images-by-optimisation/';
const input = (model: string) => `input=${encodeURIComponent(JSON.stringify({ model, sample: 'test:0' }))}`;

test.beforeAll(() => {
  for (const path of ['dist/models/fashion-vgg/model.json', 'dist/models/fashion-vae/model.json', 'dist/models/scenes-cnn/model.json', 'dist/models/scenes-vae/model.json']) {
    if (!existsSync(path)) throw new Error(`No ${path}: build the book first.`);
  }
});

/** Opens the chapter on `model` with the latent figure's settings, scrolls to it and waits until it can run. */
async function openLatent(page: Page, model: string, settings: Record<string, unknown> = {}): Promise<Locator> {
  await page.goto(`${CHAPTER}?${input(model)}&latent=${encodeURIComponent(JSON.stringify(settings))}`);
  const figure = page.locator('cnn-optvis#latent');
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('.status')).toContainText('press Run', { timeout: 45_000 });
  return figure;
}

const steps = async (figure: Locator) => Number((await figure.locator('.panel').getAttribute('data-steps')) ?? 0);

test('through the generator: both phases count up, the code’s objective rises, both results are shown with what they reached', async ({ page, problems }) => {
  const figure = await openLatent(page, 'fashion-vgg', { steps: 10, class: '1' });
  await expect(figure.getByTestId('formula')).toContainText(/arg max_z\s+S_Trouser\(G\(z\)\) − 0\.01·‖z‖²,\s+z ∈ \[−3, 3\]ᵈ/);
  await expect(figure.getByTestId('no-generator')).toHaveCount(0);
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect(figure.locator('.status')).toContainText('Done: 20 steps', { timeout: 90_000 });
  await expect(figure.getByTestId('step')).toHaveText('20');
  const reached = figure.getByTestId('reached');
  await expect(reached).toHaveCount(2);
  const latent = await reached.nth(0).innerText();
  const [, from, to] = latent.match(/the objective went from (-?[\d.]+) to (-?[\d.]+)/)!;
  expect(Number(to)).toBeGreaterThan(Number(from));
  expect(latent).toMatch(/‖z‖ = [\d.]+ .*of 16 entries at the bound/);
  await expect(reached.nth(1)).toContainText(/^Pixel space \(Simonyan et al\. 2014\): S_Trouser = -?[\d.]+ after 10 steps\.$/);
  // The generator's result and the pixel-space one beside it, each with its label.
  await expect(figure.locator('cnn-heatmap')).toHaveCount(2);
  await expect(figure.getByTestId('gallery').locator('cnn-heatmap')).toHaveAttribute('label', /^Pixel space, after 10 steps: S_Trouser = /);
  expect(JSON.parse(new URL(page.url()).searchParams.get('latent')!)).toMatchObject({ steps: 10, class: '1' });
  expect(problems.list).toEqual([]);
});

test('pause holds the step count, resume continues, cancel stops', async ({ page, problems }) => {
  const figure = await openLatent(page, 'fashion-vgg', { steps: 500, compare: 'none' });
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect.poll(() => steps(figure), { timeout: 60_000 }).toBeGreaterThan(2);
  await figure.getByRole('button', { name: 'Pause' }).click();
  await expect(figure.locator('.panel')).toHaveAttribute('data-phase', 'paused');
  const paused = await steps(figure);
  await expect(figure.locator('.status')).toContainText(`Paused after step ${paused} of`);
  // While the page draws frames and answers the test, no step is taken.
  await pageFrames(page, 20);
  expect(await steps(figure)).toBe(paused);
  await figure.getByRole('button', { name: 'Resume' }).click();
  await expect.poll(() => steps(figure)).toBeGreaterThan(paused);
  await figure.getByRole('button', { name: 'Cancel' }).click();
  await expect(figure.locator('.status')).toContainText(/The run was cancelled after \d+ of 500 steps/);
  expect(problems.list).toEqual([]);
});

test('removed mid-run, the figure frees the generator and every tensor of its run', async ({ page, problems }) => {
  const figure = await openLatent(page, 'fashion-vgg', { steps: 500, compare: 'none' });
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect.poll(() => steps(figure), { timeout: 60_000 }).toBeGreaterThan(2);
  // The circuit figure renders on its own and shares the network: it goes too.
  await page.evaluate(() => document.querySelectorAll('cnn-optvis, cnn-circuit').forEach((e) => e.remove()));
  await expect(page.locator('header cnn-backend-status')).toHaveAttribute('data-tensors', '0', { timeout: 30_000 });
  expect(problems.list).toEqual([]);
});

test('on the scenes network the figure searches scenes-vae’s code, as its card says, and the 32-number code rises its class logit', async ({ page, problems }) => {
  const figure = await openLatent(page, 'scenes-cnn', { steps: 10, class: '4' });
  await expect(figure.getByTestId('generator')).toContainText('Generator: scenes-vae');
  await expect(figure.getByTestId('formula')).toContainText(/arg max_z\s+S_star\(G\(z\)\) − 0\.01·‖z‖²/);
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect(figure.locator('.status')).toContainText('Done: 20 steps', { timeout: 90_000 });
  const reached = figure.getByTestId('reached');
  await expect(reached).toHaveCount(2);
  const latent = await reached.nth(0).innerText();
  const [, from, to] = latent.match(/the objective went from (-?[\d.]+) to (-?[\d.]+)/)!;
  expect(Number(to)).toBeGreaterThan(Number(from));
  expect(latent).toMatch(/^Through the generator: S_star = .*of 32 entries at the bound\.$/);
  await expect(reached.nth(1)).toContainText(/^Pixel space \(Simonyan et al\. 2014\): S_star = -?[\d.]+ after 10 steps\.$/);
  await expect(figure.locator('cnn-heatmap')).toHaveCount(2);
  expect(problems.list).toEqual([]);
});

test('a network no generator’s card names: the figure says so and offers the networks that have one', async ({ page, problems }) => {
  // The figure knows the pairs from the cards alone: a scenes-vae card that names no classifier leaves scenes-cnn without one.
  await page.route('**/models/scenes-vae/card.json', async (route) => {
    const card = await (await route.fetch()).json();
    await route.fulfill({ json: { ...card, classifiers: [] } });
  });
  const figure = await openLatent(page, 'scenes-cnn');
  await expect(figure.getByTestId('no-generator')).toContainText('has no generator trained on its data');
  await expect(figure.getByTestId('no-generator')).toContainText('fashion-vgg (through fashion-vae)');
  await figure.getByRole('button', { name: 'Use Fashion-MNIST VGG-style classifier' }).click();
  await expect(figure.getByTestId('no-generator')).toHaveCount(0, { timeout: 45_000 });
  await expect(figure.getByTestId('generator')).toContainText('Generator: fashion-vae');
  await expect(figure.getByRole('combobox', { name: 'Class' })).toContainText('Trouser');
  expect(problems.list).toEqual([]);
});

test('a damaged generator file is named when the run needs it', async ({ page, problems }) => {
  await page.route('**/models/scenes-vae/model.json', (route) => route.fulfill({ body: '<html>gone</html>', contentType: 'text/html' }));
  const figure = await openLatent(page, 'scenes-cnn', { steps: 3, compare: 'none' });
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect(figure.getByRole('alert')).toContainText("The generator scenes-vae's");
  await expect(figure.getByRole('alert')).toContainText('model.json is not valid JSON');
  expect(problems.list).toEqual([]);
});
