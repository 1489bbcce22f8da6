import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';

const CHAPTER = '/chapters/occlusion-and-feature-space/';
const INPUT = `?input=${encodeURIComponent(JSON.stringify({ model: 'scenes-cnn', sample: 'test:3' }))}`;

async function open(page: Page, selector: string, query = INPUT): Promise<Locator> {
  await page.goto(CHAPTER + query);
  const figure = page.locator(selector);
  await figure.scrollIntoViewIfNeeded();
  return figure;
}

const numbers = (text: string) => [...text.matchAll(/-?\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));

test('occlusion maps the class probability in a few batched passes, and keeps its settings in the URL', async ({ page }) => {
  const figure = await open(page, 'cnn-occlusion#occlusion');
  // 64×64 at stride 4: 256 positions in batches of 64.
  await expect(figure.locator('.status')).toContainText('256 occluded images in 4 batched passes', { timeout: 60_000 });
  const readout = figure.locator('cnn-heatmap').first().locator('.readout');
  await expect(readout).toContainText('Without a patch, p(');
  const [base, lowest, mean] = (await readout.locator('li').allInnerTexts()).map((line) => numbers(line.split('=').pop()!.split(':').pop()!)[0]!);
  for (const p of [base!, lowest!, mean!]) expect(p).toBeGreaterThanOrEqual(0), expect(p).toBeLessThanOrEqual(1);
  expect(lowest!).toBeLessThanOrEqual(base! + 1e-6);
  expect(lowest!).toBeLessThanOrEqual(mean!);

  await figure.getByRole('spinbutton', { name: 'Stride (pixels)' }).fill('8');
  await figure.getByRole('spinbutton', { name: 'Stride (pixels)' }).dispatchEvent('change');
  await expect(figure.locator('.status')).toContainText('64 occluded images in 1 batched passes');
  await figure.getByRole('combobox', { name: 'Fill' }).selectOption('mean');
  await expect(page).toHaveURL(/occlusion=.*%22fill%22%3A%22mean%22|occlusion=.*"fill":"mean"/);
  await expect(figure.locator('.status')).toContainText('64 occluded images');

  await figure.getByRole('combobox', { name: 'Measure' }).selectOption('activation');
  await expect(figure.locator('cnn-heatmap').first()).toHaveAttribute('label', /Drop of the channel/);
  await expect(figure.locator('cnn-heatmap').first().locator('.readout')).toContainText('mean activation of', { timeout: 30_000 });

  const restored = await open(page, 'cnn-occlusion#occlusion', new URL(page.url()).search);
  await expect(restored.getByRole('spinbutton', { name: 'Stride (pixels)' })).toHaveValue('8');
  await expect(restored.getByRole('combobox', { name: 'Fill' })).toHaveValue('mean');
});

test('neighbours in feature space share the class more often than neighbours in pixel space', async ({ page }) => {
  const figure = await open(page, 'cnn-nearest-neighbours#neighbours');
  await expect(figure.locator('.status')).toContainText('Searched 1000 test images', { timeout: 60_000 });
  const rows = figure.locator('section.row');
  await expect(rows).toHaveCount(3);
  const shares = await Promise.all([0, 1, 2].map(async (i) => numbers(await rows.nth(i).locator('.readout').innerText())[0]!));
  expect(shares[0]!).toBeGreaterThanOrEqual(6);
  expect(shares[0]!).toBeGreaterThanOrEqual(Math.max(shares[1]!, shares[2]!));
  // The query, test scene 3, is left out of its own neighbours.
  await expect(rows.first().locator('img[alt^="test image 3,"]')).toHaveCount(0);
  // Distances are sorted, nearest first.
  const distances = (await rows.first().locator('li').allInnerTexts()).map((t) => numbers(t.split('d =').pop()!)[0]!);
  expect([...distances].sort((a, b) => a - b)).toEqual(distances);

  const first = rows.first().locator('li button').first();
  const alt = await first.locator('img').getAttribute('alt');
  await first.click();
  const index = numbers(alt!)[0]!;
  await expect(page).toHaveURL(new RegExp(`test%3A${index}|test:${index}`));
  await expect(figure.locator('.status')).toContainText('Searched 1000 test images');
});

test('PCA of the last hidden layer states the variance its two components explain', async ({ page }) => {
  const figure = await open(page, 'cnn-embedding#pca');
  await expect(figure).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  const text = await figure.getByTestId('readout').innerText();
  const [first, second] = numbers(text.match(/explain ([\d.]+)% and ([\d.]+)%/)!.slice(1).join(' '));
  expect(first!).toBeGreaterThanOrEqual(second!);
  expect(first! + second!).toBeLessThanOrEqual(100);
  expect(text).toMatch(/% of the images have a nearest map neighbour of their own class/);
});

test('t-SNE runs live, pauses and resumes, lowers its KL divergence and separates the classes', async ({ page }) => {
  // A thousand iterations take about a minute on two busy cores: the test waits for states, with room for that.
  test.setTimeout(300_000);
  const figure = await open(page, 'cnn-embedding#tsne');
  await expect.poll(async () => Number(await figure.getAttribute('data-iteration')), { timeout: 90_000 }).toBeGreaterThanOrEqual(300);
  const pause = figure.getByRole('button', { name: 'Pause' });
  await pause.click();
  await expect(figure).toHaveAttribute('data-state', 'paused');
  const kl = (text: string) => Number(text.match(/KL\(P‖Q\) = (\d+\.\d+)/)![1]);
  const early = kl(await figure.getByTestId('readout').innerText());
  const at = Number(await figure.getAttribute('data-iteration'));
  await expect.poll(async () => Number(await figure.getAttribute('data-iteration'))).toBe(at);
  await figure.getByRole('button', { name: 'Resume' }).click();
  await expect(figure).toHaveAttribute('data-state', 'done', { timeout: 240_000 });
  const text = await figure.getByTestId('readout').innerText();
  expect(text).toContain('Iteration 1000 of 1000');
  expect(kl(text)).toBeLessThan(early);
  expect(Number(text.match(/([\d.]+)% of the images have a nearest map neighbour/)![1])).toBeGreaterThan(85);

  // Zoom keeps working from the keyboard, and a click on an image studies it.
  const canvas = figure.locator('canvas');
  await canvas.focus();
  await page.keyboard.press('+');
  await page.keyboard.press('0');
  const box = (await canvas.boundingBox())!;
  await expect(figure.getByTestId('readout')).not.toContainText('Under the pointer');
  for (let step = 0; step < 40; step++) {
    await page.mouse.move(box.x + box.width * (0.3 + (step % 8) * 0.05), box.y + box.height * (0.3 + Math.floor(step / 8) * 0.1));
    if ((await figure.getByTestId('readout').innerText()).includes('Under the pointer')) break;
  }
  const hovered = await figure.getByTestId('readout').innerText();
  const index = Number(hovered.match(/Under the pointer: test image (\d+)/)![1]);
  await page.mouse.down();
  await page.mouse.up();
  await expect(page).toHaveURL(new RegExp(`test%3A${index}\\b|test:${index}\\b`));
});
