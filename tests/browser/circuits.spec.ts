import { existsSync, readFileSync } from 'node:fs';
import { expect, test } from './fixtures';

const CHAPTER = '/chapters/images-by-optimisation/';
const MODEL = 'scenes-cnn';
const INPUT = `input=${encodeURIComponent(JSON.stringify({ model: MODEL, sample: 'test:0' }))}`;
const LAYER = 'conv3_1';
const UNIT = 5;

/** The slice sums s_i = Σ W[y,x,i,unit] of `layer`, read straight from the committed weights file. */
function sliceSums(layer: string, unit: number): number[] {
  const model = JSON.parse(readFileSync(`dist/models/${MODEL}/model.json`, 'utf8'));
  const bin = readFileSync(`dist/models/${MODEL}/weights.bin`);
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  let offset = 0;
  for (const w of model.weightsManifest[0].weights as { name: string; shape: number[] }[]) {
    const size = w.shape.reduce((a, b) => a * b, 1);
    if (w.name === `${layer}/kernel`) {
      const [h, wd, inC, outC] = w.shape as [number, number, number, number];
      return Array.from({ length: inC }, (_, i) => {
        let s = 0;
        for (let p = 0; p < h * wd; p++) s += all[offset + (p * inC + i) * outC + unit]!;
        return s;
      });
    }
    offset += size;
  }
  throw new Error(`no kernel for ${layer}`);
}

test.beforeAll(() => {
  if (!existsSync(`dist/models/${MODEL}/model.json`)) throw new Error('No trained model in dist/models: build the book first.');
});

test('circuit: the strongest positive and negative channels match the weights, their pictures render, and the state is in the URL', async ({ page, problems }) => {
  await page.goto(`${CHAPTER}?${INPUT}&circuit=${encodeURIComponent(JSON.stringify({ layer: LAYER, unit: UNIT }))}`);
  const figure = page.locator('cnn-circuit#circuit');
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator(`[data-circuit="${LAYER}:${UNIT}"]`)).toBeVisible({ timeout: 60_000 });
  const sums = sliceSums(LAYER, UNIT);
  const order = sums.map((s, i) => [s, i] as const);
  const positive = order.filter(([s]) => s > 0).sort((a, b) => b[0] - a[0]).slice(0, 4);
  const negative = order.filter(([s]) => s < 0).sort((a, b) => a[0] - b[0]).slice(0, 4);
  for (const [list, expected] of [['positive', positive], ['negative', negative]] as const) {
    const cards = figure.locator(`[data-list="${list}"] figure`);
    await expect(cards).toHaveCount(expected.length);
    for (const [k, [s, i]] of expected.entries()) {
      await expect(cards.nth(k)).toHaveAttribute('data-channel', String(i));
      expect(Number(await cards.nth(k).getAttribute('data-strength'))).toBeCloseTo(s, 4);
      await expect(cards.nth(k).getByRole('img', { name: new RegExp(`^Weights W\\[:,:,${i},${UNIT}\\], by row: `) })).toBeVisible();
    }
  }
  // The unit and every shown channel get their feature visualisation, one after another.
  await expect(figure.locator('.status')).toContainText(`All ${1 + positive.length + negative.length} pictures rendered`, { timeout: 120_000 });
  await expect(figure.locator('cnn-heatmap')).toHaveCount(1 + positive.length + negative.length);
  // Choosing another unit redraws its circuit and keeps it in the URL.
  await figure.getByRole('spinbutton', { name: /Unit/ }).fill('6');
  await figure.getByRole('spinbutton', { name: /Unit/ }).press('Tab');
  await expect(figure.locator(`[data-circuit="${LAYER}:6"]`)).toBeVisible();
  expect(JSON.parse(new URL(page.url()).searchParams.get('circuit')!)).toMatchObject({ layer: LAYER, unit: 6 });
  expect(problems.list).toEqual([]);
});

test('circuit: cancel stops the visualisations, and a bad unit in the link falls back with a notice', async ({ page, problems }) => {
  await page.goto(`${CHAPTER}?${INPUT}&circuit=${encodeURIComponent(JSON.stringify({ layer: 'conv4_1', unit: 999 }))}`);
  const figure = page.locator('cnn-circuit#circuit');
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.getByText(/unit '999' cannot be used/)).toBeVisible({ timeout: 60_000 });
  await expect(figure.locator('[data-circuit="conv4_1:0"]')).toBeVisible();
  await expect(figure.locator('.status')).toContainText('Visualising', { timeout: 60_000 });
  await figure.getByRole('button', { name: 'Cancel' }).click();
  await expect(figure.locator('.status')).toContainText(/Cancelled after \d+ of \d+ pictures/);
  await expect(figure.getByRole('button', { name: 'Cancel' })).toBeDisabled();
  expect(problems.list).toEqual([]);
});
