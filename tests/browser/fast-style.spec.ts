import { existsSync } from 'node:fs';
import { CHROMIUM } from '../../playwright.config';
import { expect, test } from './fixtures';

const CHAPTER = '/chapters/style-transfer/';
// Chromium's fake camera (a moving test pattern), allowed without a prompt, for the live view.
test.use({
  launchOptions: { ...CHROMIUM, args: [...CHROMIUM.args, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] },
  permissions: ['camera'],
});

const state = (v: unknown) => `fast-style=${encodeURIComponent(JSON.stringify(v))}`;

test.beforeAll(() => {
  for (const id of ['fast-style-cin', 'fast-style-in', 'fast-style-bn']) {
    if (!existsSync(`dist/models/${id}/model.json`)) throw new Error(`No ${id} in dist/models: build the book first.`);
  }
});

test('fast style: stylises the default picture, the blend sliders change it and go to the URL, BN and IN render side by side', async ({ page, problems }) => {
  await page.goto(CHAPTER);
  const figure = page.locator('cnn-fast-style#fast-style');
  await figure.scrollIntoViewIfNeeded();
  const result = figure.locator('[data-result="fast-style-cin"]');
  await expect(result).toBeVisible({ timeout: 60_000 });
  await expect(figure.locator('.status')).toContainText(/stylised at 256×256: Conditional instance norm \d+ ms per frame/);
  await expect(result).toHaveAttribute('data-weights', '1.00,0.00,0.00');
  await expect(result.getByRole('img', { name: /Wood grain 100%, .* 256×256 pixels in \d+ ms; mean colour RGB/ })).toBeVisible();
  // The card's per-style loss weights: the dark galaxies' is hundreds of times smaller.
  await expect(figure.locator('.loss-weights')).toHaveText(/weighed by its own scale \(λs\): Wood grain 3\.99, Galaxies \(Hubble\) 0\.0102, Brick wall 5\.49\./);
  const before = await result.getAttribute('data-mean');

  // Half wood, half stars: a new picture, and the blend in the URL.
  await figure.getByRole('slider', { name: /Weight of Galaxies/ }).fill('1');
  await expect(result).toHaveAttribute('data-weights', '0.50,0.50,0.00');
  await expect(result).not.toHaveAttribute('data-mean', before!);
  expect(JSON.parse(new URL(page.url()).searchParams.get('fast-style')!)).toMatchObject({ mode: 'blend', weights: [1, 1, 0] });

  // Every weight at zero is explained, not drawn.
  await figure.getByRole('slider', { name: /Weight of Wood grain/ }).fill('0');
  await figure.getByRole('slider', { name: /Weight of Galaxies/ }).fill('0');
  await expect(figure.getByRole('alert')).toContainText('At least one style weight must be above zero');

  await figure.getByLabel('Mode').selectOption('compare');
  for (const id of ['fast-style-bn', 'fast-style-in']) await expect(figure.locator(`[data-result="${id}"] canvas`)).toBeVisible({ timeout: 60_000 });
  await expect(figure.locator('.status')).toContainText(/Batch norm \d+ ms, Instance norm \d+ ms per frame/);
  expect(await figure.locator('[data-result="fast-style-bn"]').getAttribute('data-mean')).not.toBe(await figure.locator('[data-result="fast-style-in"]').getAttribute('data-mean'));
  expect(problems.list).toEqual([]);
});

test('fast style: the URL restores the mode and the blend, and a bad blend falls back with a notice', async ({ page, problems }) => {
  await page.goto(`${CHAPTER}?${state({ mode: 'blend', weights: [0, 0, 1] })}`);
  const figure = page.locator('cnn-fast-style#fast-style');
  await figure.scrollIntoViewIfNeeded();
  const result = figure.locator('[data-result="fast-style-cin"]');
  await expect(result).toHaveAttribute('data-weights', '0.00,0.00,1.00', { timeout: 60_000 });
  await expect(figure.getByRole('slider', { name: /Weight of Brick wall/ })).toHaveValue('1');

  await page.goto(`${CHAPTER}?${state({ mode: 'compare' })}`);
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('[data-result="fast-style-in"]')).toBeVisible({ timeout: 60_000 });
  await expect(figure.getByLabel('Mode')).toHaveValue('compare');

  // A mode the figure lacks is refused on reading; a blend of the wrong length once the network is known.
  await page.goto(`${CHAPTER}?${state({ mode: 'sideways', weights: [1, 1] })}`);
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('[data-result="fast-style-cin"]')).toHaveAttribute('data-weights', '1.00,0.00,0.00', { timeout: 60_000 });
  await expect(page.locator('cnn-url-notice')).toContainText('mode = "sideways"');
  await expect(page.locator('cnn-url-notice')).toContainText('weights = [1,1]');
  expect(new URL(page.url()).searchParams.get('fast-style')).toBeNull();
  expect(problems.list).toEqual([]);
});

test.describe('with a camera', () => {
  test('fast style: the live camera stylises frame after frame and stops when the figure leaves the screen', async ({ page, problems }) => {
    await page.goto(CHAPTER);
    const figure = page.locator('cnn-fast-style#fast-style');
    await figure.scrollIntoViewIfNeeded();
    await expect(figure.locator('[data-result="fast-style-cin"]')).toBeVisible({ timeout: 60_000 });
    await figure.getByRole('button', { name: 'Live camera' }).click();
    const status = figure.locator('.status');
    await expect(status).toHaveAttribute('data-live', 'true');
    await expect(status).toContainText(/Camera frame stylised at 256×256: Conditional instance norm \d+ ms per frame/);
    await expect.poll(async () => Number(await status.getAttribute('data-frames')), { timeout: 30_000 }).toBeGreaterThan(3);
    // Scrolled out of view, the loop stops and the figure shows the picture again.
    await page.evaluate(() => window.scrollTo(0, 0));
    await expect(status).toHaveAttribute('data-live', 'false');
    await expect(status).toContainText('stylised at 256×256');
    await expect(status).not.toContainText('Camera frame');
    await figure.scrollIntoViewIfNeeded();
    await figure.getByRole('button', { name: 'Live camera' }).click();
    await expect(status).toHaveAttribute('data-live', 'true');
    await figure.getByRole('button', { name: 'Stop the live camera' }).click();
    await expect(status).toHaveAttribute('data-live', 'false');
    expect(problems.list).toEqual([]);
  });
});
