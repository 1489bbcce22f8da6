import { existsSync, readFileSync } from 'node:fs';
import type { Locator } from '@playwright/test';
import { expect, pageFrames, recordAttribute, test } from './fixtures';

const CHAPTER = '/chapters/images-by-optimisation/';
const MODEL = 'scenes-cnn';
const INPUT = `input=${encodeURIComponent(JSON.stringify({ model: MODEL, sample: 'test:0' }))}`;
const LAYER = 'conv3_1';
const UNIT = 5;

/** The strengths of every slice W[:,:,i,unit] of `layer` under `measure`, read straight from the committed weights file. */
function sliceStrengths(layer: string, unit: number, measure: 'sum' | 'l2' = 'sum'): number[] {
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
        let squares = 0;
        for (let p = 0; p < h * wd; p++) {
          const v = all[offset + (p * inC + i) * outC + unit]!;
          s += v;
          squares += v * v;
        }
        return measure === 'sum' ? s : Math.sign(s) * Math.sqrt(squares);
      });
    }
    offset += size;
  }
  throw new Error(`no kernel for ${layer}`);
}
const sliceSums = (layer: string, unit: number) => sliceStrengths(layer, unit, 'sum');

/** The `top` strongest channels of each sign, strongest first, as [strength, channel]. */
function ranked(strengths: number[], top = 4) {
  const order = strengths.map((s, i) => [s, i] as const);
  return {
    positive: order.filter(([s]) => s > 0).sort((a, b) => b[0] - a[0]).slice(0, top),
    negative: order.filter(([s]) => s < 0).sort((a, b) => a[0] - b[0]).slice(0, top),
  };
}

/** Checks that the figure's cards list `expected`'s channels in order, each with its strength. */
async function expectCards(figure: Locator, expected: ReturnType<typeof ranked>): Promise<void> {
  for (const list of ['positive', 'negative'] as const) {
    const cards = figure.locator(`[data-list="${list}"] figure`);
    await expect(cards).toHaveCount(expected[list].length);
    for (const [k, [s, i]] of expected[list].entries()) {
      await expect(cards.nth(k)).toHaveAttribute('data-channel', String(i));
      expect(Number(await cards.nth(k).getAttribute('data-strength'))).toBeCloseTo(s, 4);
    }
  }
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

test('circuit: Pause holds the renders between two steps, and Resume goes on from the next one', async ({ page, problems }) => {
  await page.goto(`${CHAPTER}?${INPUT}&circuit=${encodeURIComponent(JSON.stringify({ layer: LAYER, unit: UNIT }))}`);
  const figure = page.locator('cnn-circuit#circuit');
  await figure.scrollIntoViewIfNeeded();
  const status = figure.locator('.status');
  await expect(status).toContainText('Visualising', { timeout: 60_000 });
  await expect(figure).toHaveAttribute('data-state', 'running');
  const states = await recordAttribute(figure, 'data-state');
  await figure.getByRole('button', { name: 'Pause' }).click();
  // 'pausing' while the step under way ends, then 'paused' once the loop waits: that step is the last one recorded.
  await expect(figure).toHaveAttribute('data-state', 'paused');
  expect(await states()).toEqual(['running', 'pausing', 'paused']);
  const held = (await status.innerText()).match(/Paused after step (\d+) of (\d+) of .* \(picture (\d+) of \d+\)/);
  expect(held).not.toBeNull();
  const [, step, per, picture] = held!.map(Number);
  const steps = Number(await figure.getAttribute('data-steps'));
  expect(steps).toBe((picture! - 1) * per! + step!);
  // While the page draws frames and answers the test, no step is taken.
  await pageFrames(page, 20);
  await expect(figure.getByRole('button', { name: 'Resume' })).toBeEnabled();
  await expect(figure.getByRole('button', { name: 'Cancel' })).toBeEnabled();
  expect(Number(await figure.getAttribute('data-steps'))).toBe(steps);
  await expect(status).toContainText(`Paused after step ${step} of ${per}`);

  await figure.getByRole('button', { name: 'Resume' }).click();
  await expect.poll(async () => Number(await figure.getAttribute('data-steps'))).toBeGreaterThan(steps);
  await expect(figure.getByRole('button', { name: 'Pause' })).toBeVisible();
  // Cancel works on a paused run too.
  await figure.getByRole('button', { name: 'Pause' }).click();
  await expect(figure).toHaveAttribute('data-state', 'paused');
  await figure.getByRole('button', { name: 'Cancel' }).click();
  await expect(figure).toHaveAttribute('data-state', 'cancelled');
  await expect(status).toContainText(/Cancelled after \d+ of \d+ pictures/);
  expect(problems.list).toEqual([]);
});

test('circuit: the strength measure ranks by the sum or by the signed L2 norm, as computed from the weights, and is kept in the URL', async ({ page, problems }) => {
  await page.goto(`${CHAPTER}?${INPUT}&circuit=${encodeURIComponent(JSON.stringify({ layer: LAYER, unit: UNIT }))}`);
  const figure = page.locator('cnn-circuit#circuit');
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator(`[data-circuit="${LAYER}:${UNIT}"]`)).toBeVisible({ timeout: 60_000 });
  const bySum = ranked(sliceSums(LAYER, UNIT));
  const byNorm = ranked(sliceStrengths(LAYER, UNIT, 'l2'));
  // The two measures disagree on this unit, so the test sees the ranking change.
  expect(byNorm.positive.map(([, i]) => i)).not.toEqual(bySum.positive.map(([, i]) => i));
  await expectCards(figure, bySum);

  const strength = figure.getByRole('combobox', { name: 'Strength' });
  await strength.selectOption({ label: 'signed L2 norm' });
  await expect(figure.locator(`[data-circuit="${LAYER}:${UNIT}"]`)).toContainText('its signed L2 norm');
  await expectCards(figure, byNorm);
  expect(JSON.parse(new URL(page.url()).searchParams.get('circuit')!)).toEqual({ layer: LAYER, unit: UNIT, strength: 'l2' });

  // The link brings the measure back; a measure the figure does not know falls back to the sum with a notice.
  await page.goto(page.url());
  await figure.scrollIntoViewIfNeeded();
  await expect(strength).toHaveValue('l2', { timeout: 60_000 });
  await expectCards(figure, byNorm);
  await page.goto(`${CHAPTER}?${INPUT}&circuit=${encodeURIComponent(JSON.stringify({ layer: LAYER, unit: UNIT, strength: 'loud' }))}`);
  await figure.scrollIntoViewIfNeeded();
  await expect(page.getByText(/strength = "loud" is not a setting the circuit figure accepts/)).toBeVisible({ timeout: 60_000 });
  await expect(strength).toHaveValue('sum');
  await expectCards(figure, bySum);
  expect(problems.list).toEqual([]);
});
