import { readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';

const CHAPTER = '/chapters/texture-synthesis/';
const json = (v: unknown) => encodeURIComponent(JSON.stringify(v));

/** The figure, opened with `settings` in its link, scrolled into view and its sample loaded. */
async function open(page: Page, settings?: Record<string, unknown>): Promise<Locator> {
  await page.goto(settings ? `${CHAPTER}?texture-grow=${json(settings)}` : CHAPTER);
  const figure = page.locator('cnn-texture-grow#texture-grow');
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('.status')).toContainText('press Grow', { timeout: 60_000 });
  return figure;
}

const filled = async (figure: Locator) => Number(await figure.locator('.status').getAttribute('data-filled'));

/** Lets the page run `frames` animation frames: long enough for a running figure to take several slices. */
const frames = (page: Page, n: number) =>
  page.evaluate((k) => new Promise<void>((resolve) => {
    let left = k;
    const tick = () => (--left <= 0 ? resolve() : requestAnimationFrame(tick));
    requestAnimationFrame(tick);
  }), n);

test('texture growth: the chapter renders, and Efros–Leung grows a small texture to the end with its readout', async ({ page, problems }) => {
  const figure = await open(page, { sample: 'wood', size: 12, neighbourhood: 5, method: 'efros-leung', seed: 3 });
  await expect(page.getByRole('heading', { name: 'Growing a texture pixel by pixel' })).toBeVisible();
  await expect(page.locator('.katex').first()).toBeVisible();
  await figure.getByRole('button', { name: 'Grow' }).click();
  const status = figure.locator('.status');
  await expect(status).toHaveAttribute('data-phase', 'done', { timeout: 90_000 });
  await expect(status).toHaveAttribute('data-filled', '144');
  await expect(status).toContainText(/Done: 144 of 144 pixels in \d+\.\d\d s/);
  const readout = figure.getByTestId('readout');
  await expect(readout).toContainText('12 × 12 pixels from a 64 × 64 sample (wood), neighbourhood 5 × 5, seed 3');
  expect(Number(await figure.getByTestId('time').textContent())).toBeGreaterThan(0);
  const verbatim = Number(await figure.getByTestId('verbatim').textContent());
  expect(verbatim).toBeGreaterThanOrEqual(0);
  expect(verbatim).toBeLessThanOrEqual(100);
  // The grown canvas is the output's size, every pixel opaque.
  const alpha = await figure.locator('canvas.out').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let opaque = 0;
    for (let i = 3; i < d.length; i += 4) opaque += Number(d[i] === 255);
    return { w: c.width, h: c.height, opaque };
  });
  expect(alpha).toEqual({ w: 12, h: 12, opaque: 144 });
  expect(problems.list).toEqual([]);
});

test('texture growth: Wei–Levoy with TSVQ and with exhaustive search grow the same settings, and the times are compared', async ({ page, problems }) => {
  test.setTimeout(180_000);
  const figure = await open(page, { sample: 'brick', size: 16, neighbourhood: 7, method: 'wei-levoy', seed: 2 });
  const status = figure.locator('.status');
  await figure.getByRole('button', { name: 'Grow' }).click();
  await expect(status).toHaveAttribute('data-phase', 'done', { timeout: 90_000 });
  // Three pyramid levels of 16², 8² and 4² pixels.
  await expect(status).toContainText('Done: 336 of 336 pixels');
  await expect(figure.getByTestId('readout')).toContainText('Wei–Levoy (scanline, pyramid, TSVQ search): 16 × 16 pixels');
  const total = Number(await figure.getByTestId('time').textContent());
  const index = Number(await figure.getByTestId('index-time').textContent());
  expect(index).toBeGreaterThan(0);
  expect(index).toBeLessThanOrEqual(total);
  await figure.locator('select[name="method"]').selectOption('wei-levoy-exhaustive');
  await figure.getByRole('button', { name: 'Grow' }).click();
  await expect(status).toHaveAttribute('data-phase', 'done', { timeout: 90_000 });
  const times = figure.getByTestId('times');
  await expect(times.locator('li')).toHaveCount(2);
  for (const id of ['wei-levoy', 'wei-levoy-exhaustive']) expect(Number(await times.locator(`li[data-method="${id}"]`).getAttribute('data-ms'))).toBeGreaterThan(0);
  await expect(times).toContainText('faster than the slowest');
  const canvas = await figure.locator('canvas.out').evaluate((c: HTMLCanvasElement) => [c.width, c.height]);
  expect(canvas).toEqual([16, 16]);
  expect(problems.list).toEqual([]);
});

test('texture growth: progress rises, Pause holds it, Resume continues, Cancel stops it', async ({ page, problems }) => {
  test.setTimeout(180_000);
  const figure = await open(page, { sample: 'brick', size: 48, neighbourhood: 11, seed: 1 });
  const status = figure.locator('.status');
  await figure.getByRole('button', { name: 'Grow' }).click();
  await expect(status).toHaveAttribute('data-phase', 'running');
  await expect.poll(() => filled(figure), { timeout: 60_000 }).toBeGreaterThan(20);
  const before = await filled(figure);
  await expect.poll(() => filled(figure), { timeout: 60_000 }).toBeGreaterThan(before);
  await figure.getByRole('button', { name: 'Pause' }).click();
  await expect(status).toHaveAttribute('data-phase', 'paused');
  const held = await filled(figure);
  await frames(page, 30);
  expect(await filled(figure)).toBe(held);
  await expect(status).toContainText(`Paused at ${held} of 2304 pixels`);
  await figure.getByRole('button', { name: 'Resume' }).click();
  await expect(status).toHaveAttribute('data-phase', 'running');
  await expect.poll(() => filled(figure), { timeout: 60_000 }).toBeGreaterThan(held);
  await figure.getByRole('button', { name: 'Cancel' }).click();
  await expect(status).toHaveAttribute('data-phase', 'cancelled');
  const stopped = await filled(figure);
  expect(stopped).toBeLessThan(2304);
  await expect(status).toContainText(/Cancelled after \d+ of 2304 pixels/);
  await frames(page, 30);
  expect(await filled(figure)).toBe(stopped);
  expect(problems.list).toEqual([]);
});

test('texture growth: the settings go to the URL and a link restores them; nonsense falls back with a notice', async ({ page, problems }) => {
  const settings = { sample: 'stars', size: 20, neighbourhood: 7, method: 'efros-leung', seed: 42 };
  let figure = await open(page, settings);
  await expect(figure.locator('select[name="sample"]')).toHaveValue('stars');
  await expect(figure.locator('select[name="neighbourhood"]')).toHaveValue('7');
  await expect(figure.locator('input[name="size"]')).toHaveValue('20');
  await expect(figure.locator('input[name="seed"]')).toHaveValue('42');
  await figure.locator('select[name="neighbourhood"]').selectOption('13');
  await figure.locator('input[name="seed"]').fill('5');
  await figure.locator('input[name="seed"]').press('Enter');
  await expect.poll(() => JSON.parse(new URL(page.url()).searchParams.get('texture-grow') ?? 'null')).toMatchObject({ neighbourhood: 13, seed: 5, sample: 'stars' });
  await page.reload();
  figure = page.locator('cnn-texture-grow#texture-grow');
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('select[name="neighbourhood"]')).toHaveValue('13');
  await expect(figure.locator('input[name="seed"]')).toHaveValue('5');

  figure = await open(page, { sample: 'nope', size: 9999, neighbourhood: 4, method: 'sideways', seed: 2.5 });
  const notice = page.locator('cnn-url-notice');
  await expect(notice.locator('li[data-key="texture-grow"]')).toBeVisible();
  await expect(figure.locator('select[name="sample"]')).toHaveValue('brick');
  await expect(figure.locator('input[name="size"]')).toHaveValue('32');
  expect(new URL(page.url()).searchParams.get('texture-grow')).toBeNull();
  expect(problems.list).toEqual([]);
});

test('texture growth: Export PNG saves the texture with its parameters in a text chunk', async ({ page, problems }) => {
  const figure = await open(page, { sample: 'gravel', size: 10, neighbourhood: 5, seed: 9 });
  await figure.getByRole('button', { name: 'Grow' }).click();
  await expect(figure.locator('.status')).toHaveAttribute('data-phase', 'done', { timeout: 90_000 });
  const [download] = await Promise.all([page.waitForEvent('download'), figure.getByRole('button', { name: 'Export PNG' }).click()]);
  expect(download.suggestedFilename()).toBe('texture-efros-leung-gravel-n5-seed9.png');
  const bytes = readFileSync((await download.path())!);
  expect([...bytes.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  expect(bytes.readUInt32BE(16)).toBe(10);
  const text = bytes.toString('latin1');
  const at = text.indexOf('iTXtParameters');
  expect(at).toBeGreaterThan(0);
  const params = JSON.parse(text.slice(at + 'iTXtParameters'.length + 5, text.indexOf('}', at) + 1));
  expect(params).toMatchObject({ method: 'efros-leung', sample: 'gravel', width: 10, height: 10, neighbourhood: 5, seed: 9, sampleSide: 64 });
  expect(problems.list).toEqual([]);
});

test('texture growth: at 390 pixels wide the figure fits, controls labelled, and it grows from the keyboard', async ({ page, problems }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const figure = await open(page, { sample: 'grass', size: 10, neighbourhood: 3, seed: 1 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  const box = (await figure.boundingBox())!;
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  for (const name of [/^Sample/, /^Your own sample/, /^Neighbourhood \(pixels a side\)/, /^Output side/, /^Method/, /^Seed/]) {
    await expect(figure.getByLabel(name)).toBeVisible();
  }
  await figure.getByRole('button', { name: 'Grow' }).focus();
  await page.keyboard.press('Enter');
  await expect(figure.locator('.status')).toHaveAttribute('data-phase', 'done', { timeout: 90_000 });
  await expect(figure.getByRole('img', { name: /texture being grown/ })).toBeVisible();
  expect(problems.list).toEqual([]);
});
