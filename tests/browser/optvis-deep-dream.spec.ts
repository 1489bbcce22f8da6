import { existsSync } from 'node:fs';
import { expect, test } from './fixtures';

const CHAPTER = '/chapters/images-by-optimisation/';
const INPUT = `input=${encodeURIComponent(JSON.stringify({ model: 'scenes-cnn', sample: 'test:0' }))}`;

test.beforeAll(() => {
  if (!existsSync('dist/models/scenes-cnn/model.json')) throw new Error('No scenes-cnn in dist/models: build the book first.');
});

test('DeepDream at the figure’s largest size computes its steps in tiles and completes them', async ({ page, problems }) => {
  test.setTimeout(120_000);
  const dream = { size: '256', octaves: 1, steps: 2 };
  await page.goto(`${CHAPTER}?${INPUT}&dream=${encodeURIComponent(JSON.stringify(dream))}`);
  const figure = page.locator('cnn-optvis#dream');
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('.status')).toContainText('press Run', { timeout: 45_000 });
  await expect(figure.locator('select[name="size"]')).toHaveValue('256');
  await figure.getByRole('button', { name: 'Run' }).click();
  // relu3_1, the default layer, sees 20 pixels: a 256-pixel image is cut into 3 × 3 tiles.
  await expect(figure.locator('.status')).toContainText(/^Done: 2 steps, objective [^,]+, \d+ ms a step \(256×256 in 9 tiles, halo 19 pixels\)\.$/, { timeout: 90_000 });
  await expect(figure.getByTestId('step')).toHaveText('2');
  await expect(figure.locator('cnn-heatmap[label="DeepDream, step 2"]')).toHaveCount(1);
  expect(problems.list).toEqual([]);
});
