import { readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './fixtures';

const CHAPTER = '/chapters/filters-and-activations/';
const MODEL = 'scenes-cnn';
/** Images in the shipped test subset of the scenes. */
const SUBSET = (JSON.parse(readFileSync('dist/data/scenes/labels.json', 'utf8')) as { count: number }).count;
const INPUT = `?input=${encodeURIComponent(JSON.stringify({ model: MODEL, sample: 'test:0' }))}`;

/** The largest |weight| of a layer's kernel, read from the shipped weights file. */
function largestWeight(layer: string): number {
  const json = JSON.parse(readFileSync(`dist/models/${MODEL}/model.json`, 'utf8')) as {
    weightsManifest: { paths: string[]; weights: { name: string; shape: number[] }[] }[];
  };
  const [group] = json.weightsManifest;
  const bytes = readFileSync(`dist/models/${MODEL}/${group!.paths[0]}`);
  const floats = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  let offset = 0;
  for (const w of group!.weights) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (w.name === `${layer}/kernel`) return floats.subarray(offset, offset + size).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    offset += size;
  }
  throw new Error(`no kernel for ${layer}`);
}

async function open(page: Page, tag: string, query = INPUT): Promise<Locator> {
  await page.goto(CHAPTER + query);
  const figure = page.locator(tag);
  await figure.scrollIntoViewIfNeeded();
  return figure;
}

test('filters: the shared scale is the layer’s largest weight, and the untrained copy has the same shape', async ({ page, problems }) => {
  test.setTimeout(90_000);
  const figure = await open(page, 'cnn-filters');
  const trained = figure.locator('figure[data-filters="trained"]');
  await expect(trained).toHaveAttribute('data-count', '16', { timeout: 60_000 });
  await expect(figure.locator('figure[data-filters="untrained"]')).toHaveAttribute('data-count', '16');
  await expect(trained).toContainText('16 filters of 5×5×3, drawn in colour');
  await figure.getByRole('combobox', { name: /^Grey levels/ }).selectOption('shared');
  await expect(trained).toContainText('One scale');
  expect(Number(await trained.getAttribute('data-largest'))).toBeCloseTo(largestWeight('conv1_1'), 6);
  await expect(figure.locator('[data-change]')).toContainText('Mean cosine');
  await figure.getByRole('combobox', { name: /^Layer/ }).selectOption('conv2_1');
  await expect(trained).toContainText('32 filters of 3×3×16, one row per filter');
  expect(Number(await trained.getAttribute('data-largest'))).toBeCloseTo(largestWeight('conv2_1'), 6);
  expect(JSON.parse(new URL(page.url()).searchParams.get('filters')!)).toEqual({ layer: 'conv2_1', scale: 'shared' });
  expect(problems.list).toEqual([]);
});

test('filters of a grey network are drawn in grey, one per filter', async ({ page, problems }) => {
  test.setTimeout(90_000);
  const figure = await open(page, 'cnn-filters', `?input=${encodeURIComponent(JSON.stringify({ model: 'fashion-vgg', sample: 'test:0' }))}`);
  const trained = figure.locator('figure[data-filters="trained"]');
  await expect(trained).toContainText('32 filters of 3×3×1, drawn in grey', { timeout: 60_000 });
  await expect(figure.locator('figure[data-filters="untrained"]')).toHaveAttribute('data-count', '32');
  expect(problems.list).toEqual([]);
});

test('activation maps: every channel of the layer, and a ReLU keeps the sparsity of the convolution before it', async ({ page, problems }) => {
  test.setTimeout(90_000);
  const figure = await open(page, 'cnn-activation-maps', `${INPUT}&activations=${encodeURIComponent(JSON.stringify({ layer: 'relu2_1', scale: 'channel' }))}`);
  const maps = figure.locator('figure[data-maps]');
  await expect(maps).toHaveAttribute('data-layer', 'relu2_1', { timeout: 60_000 });
  await expect(maps).toHaveAttribute('data-channels', '32');
  expect(Number(await maps.getAttribute('data-strongest'))).toBeLessThan(32);
  expect(Number(await maps.getAttribute('data-peak'))).toBeGreaterThan(0);
  const sparsity = async (layer: string) => Number(await figure.locator(`tr[data-layer="${layer}"] td[data-sparsity]`).getAttribute('data-sparsity'));
  for (const block of ['1_1', '2_1', '3_1', '4_1']) {
    // relu(z) ≤ 0 exactly where z ≤ 0.
    expect(await sparsity(`relu${block}`)).toBe(await sparsity(`conv${block}`));
  }
  await expect(figure.locator('tr[data-layer="pool2"] td').first()).toHaveText('16×16×32');
  await expect(figure.locator('tr[data-layer="relu4_1"] td').first()).toHaveText('8×8×128');
  expect(await sparsity('relu3_1')).toBeGreaterThan(0);
  expect(await sparsity('relu3_1')).toBeLessThan(1);
  await expect(figure.getByRole('combobox', { name: /^Scale/ })).toHaveValue('channel');
  expect(problems.list).toEqual([]);
});

test('dead filters: a ReLU layer has exactly the dead channels of its convolution', async ({ page, problems }) => {
  test.setTimeout(120_000);
  const figure = await open(page, 'cnn-dead-filters');
  const summary = figure.locator('[data-summary]');
  await expect(summary).toContainText('test images', { timeout: 100_000 });
  await expect(summary).toContainText(`on the ${SUBSET} test images`);
  expect(Number(await summary.getAttribute('data-channels'))).toBe(2 * (16 + 32 + 64 + 128) + 16 + 32 + 64);
  for (const block of ['1_1', '2_1', '3_1', '4_1']) {
    const dead = (layer: string) => figure.locator(`tr[data-layer="${layer}"]`).getAttribute('data-dead');
    expect(await dead(`relu${block}`)).toBe(await dead(`conv${block}`));
  }
  expect(problems.list).toEqual([]);
});

test('top patches: nine images in falling order, each boxed to its receptive field; cancel and the URL work', async ({ page, problems }) => {
  test.setTimeout(180_000);
  const state = { layer: 'relu4_1', channel: 5, k: 9, rule: 'guided-backprop' };
  const figure = await open(page, 'cnn-top-patches', `${INPUT}&patches=${encodeURIComponent(JSON.stringify(state))}`);
  const status = figure.locator('.status');
  await expect(status).toContainText(`Top 9 of ${SUBSET} test images for channel 5 of relu4_1`, { timeout: 150_000 });
  const tops = figure.locator('figure[data-top]:not([data-top="own"])');
  await expect(tops).toHaveCount(9);
  const values: number[] = [];
  for (const top of await tops.all()) {
    values.push(Number(await top.getAttribute('data-value')));
    // relu4_1 of scenes-cnn: fields of 40 pixels, 8 apart, the first starting at −16 (see the chapter's formula).
    const [y, x] = [Number(await top.getAttribute('data-y')), Number(await top.getAttribute('data-x'))];
    const box = JSON.parse((await top.getAttribute('data-box'))!);
    expect(box).toEqual({ top: Math.max(0, 8 * y - 16), left: Math.max(0, 8 * x - 16), bottom: Math.min(63, 8 * y + 23), right: Math.min(63, 8 * x + 23) });
    await expect(top.locator('canvas')).toHaveCount(3);
  }
  expect(values).toEqual([...values].sort((a, b) => b - a));
  expect(new Set(await tops.evaluateAll((els) => els.map((e) => e.getAttribute('data-index')))).size).toBe(9);
  // The page's image (test image 0) for the same unit: among the nine, or below the ninth.
  const own = figure.locator('figure[data-top="own"]');
  await expect(own.locator('canvas')).toHaveCount(3);
  const indices = await tops.evaluateAll((els) => els.map((e) => e.getAttribute('data-index')));
  if (!indices.includes('0')) expect(Number(await own.getAttribute('data-value'))).toBeLessThanOrEqual(values[8]! * (1 + 1e-5));
  await expect(figure.getByRole('spinbutton', { name: /^Channel/ })).toHaveValue('5');
  await figure.getByRole('button', { name: 'Run the test subset again' }).click();
  await figure.getByRole('button', { name: 'Cancel' }).click();
  await expect(status).toContainText('Cancelled after');
  await figure.getByRole('spinbutton', { name: /^Channel/ }).fill('7');
  await figure.getByRole('spinbutton', { name: /^Channel/ }).press('Enter');
  await expect(status).toContainText(`Top 9 of ${SUBSET} test images for channel 7`, { timeout: 150_000 });
  expect(JSON.parse(new URL(page.url()).searchParams.get('patches')!)).toEqual({ ...state, channel: 7 });
  expect(problems.list).toEqual([]);
});
