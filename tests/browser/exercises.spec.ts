import type { Locator, Page } from '@playwright/test';
import { builtChapters, expect, test } from './fixtures';

const RELU = '/chapters/relu-backward/';

/** Answers one exercise with `guess` (a choice index or a number) and checks it. */
async function answer(exercise: Locator, guess: string): Promise<void> {
  await exercise.scrollIntoViewIfNeeded();
  // The element loads as it nears the viewport: its form is there once it has rendered.
  await expect(exercise.getByRole('button', { name: /check/i })).toBeVisible();
  const radios = exercise.locator('input[type="radio"]');
  if (await radios.count()) await radios.nth(Number(guess)).check();
  else await exercise.locator('input[type="number"]').fill(guess);
  await exercise.getByRole('button', { name: /check/i }).click();
}

/** A wrong guess for an exercise whose right answer is `right`. */
const wrong = (exercise: Locator, right: string) =>
  exercise.locator('input[type="radio"]').count().then((n) => (n ? String((Number(right) + 1) % n) : String(Number(right) + 1)));

async function resultTable(page: Page, rule: string): Promise<number[]> {
  return (await page.locator(`cnn-relu-backward table[data-rule="${rule}"] td`).allInnerTexts()).map(Number);
}

test('every exercise of every chapter says whether a guess is right and then explains', async ({ page }) => {
  let seen = 0;
  for (const chapter of builtChapters()) {
    await page.goto(chapter);
    const exercises = page.locator('cnn-predict');
    for (let i = 0; i < (await exercises.count()); i++) {
      const exercise = exercises.nth(i);
      const right = (await exercise.getAttribute('answer'))!;
      const feedback = exercise.locator('.feedback');
      await exercise.scrollIntoViewIfNeeded();
      await exercise.getByRole('button', { name: /check/i }).click();
      await expect(feedback).toHaveText(/first/);
      await expect(exercise.locator('.explanation')).toBeHidden();
      await answer(exercise, await wrong(exercise, right));
      await expect(feedback).toHaveAttribute('data-result', 'false');
      await expect(feedback).toContainText('the answer is');
      await expect(exercise.locator('.explanation')).toBeVisible();
      await answer(exercise, right);
      await expect(feedback).toHaveAttribute('data-result', 'true');
      seen++;
    }
    if (await exercises.count()) {
      await expect(page.locator('cnn-quiz .score').first()).toHaveAttribute('data-right', /[1-9]/);
    }
  }
  expect(seen).toBeGreaterThanOrEqual(18);
});

test('the ReLU exercises agree with the live tables, and a button sets the tables to show an answer', async ({ page, problems }) => {
  await page.goto(RELU);
  await page.locator('cnn-relu-backward').scrollIntoViewIfNeeded();
  await expect.poll(() => resultTable(page, 'guided')).toHaveLength(9);
  const guidedCount = (await resultTable(page, 'guided')).filter((v) => v !== 0).length;
  expect(String(guidedCount)).toBe(await page.locator('#ex-relu-guided-count').getAttribute('answer'));
  const deconvnetSum = (await resultTable(page, 'deconvnet')).reduce((a, b) => a + b, 0);
  expect(String(deconvnetSum)).toBe(await page.locator('#ex-relu-deconvnet-sum').getAttribute('answer'));

  const ones = page.locator('#ex-relu-ones');
  await answer(ones, '1');
  await ones.getByRole('button', { name: 'Show it in the figure' }).click();
  await expect.poll(() => resultTable(page, 'deconvnet')).toEqual(Array(9).fill(1));
  expect(await resultTable(page, 'guided')).toEqual(await resultTable(page, 'backprop'));

  const identical = page.locator('#ex-relu-identical');
  await answer(identical, '2');
  await identical.getByRole('button', { name: 'Show it in the figure' }).click();
  await expect.poll(() => resultTable(page, 'deconvnet')).toEqual([2, 0, 1, 6, 0, 0, 0, 1, 3]);
  expect(await resultTable(page, 'backprop')).toEqual(await resultTable(page, 'deconvnet'));
  expect(await resultTable(page, 'guided')).toEqual(await resultTable(page, 'deconvnet'));
  expect(problems.list).toEqual([]);
});

test('an exercise is answered from the keyboard alone, and answering records it in the reader\'s progress', async ({ page }) => {
  await page.goto(RELU);
  const exercise = page.locator('#ex-relu-gradient');
  await exercise.scrollIntoViewIfNeeded();
  await exercise.locator('input[type="radio"]').first().focus();
  await page.keyboard.press('ArrowDown');
  await expect(exercise.locator('input[type="radio"]').nth(1)).toBeChecked();
  await page.keyboard.press('Enter');
  await expect(exercise.locator('.feedback')).toHaveAttribute('data-result', 'true');
  await expect(exercise.getByRole('group')).toBeVisible();
  const stored = await page.evaluate(() => localStorage.getItem('inside-the-convnet:progress'));
  expect(JSON.parse(stored!)[RELU].exercises).toContain('ex-relu-gradient');
});

const OCCLUSION = '/chapters/occlusion-and-feature-space/';
const OPTIMISATION = '/chapters/images-by-optimisation/';
const SCENE = `?input=${encodeURIComponent(JSON.stringify({ model: 'scenes-cnn', sample: 'test:3' }))}`;
const numbersIn = (text: string) => [...text.matchAll(/-?\d+(?:\.\d+)?/g)].map((m) => Number(m[0]));

async function recorded(page: Page, chapter: string): Promise<string[]> {
  const stored = await page.evaluate(() => localStorage.getItem('inside-the-convnet:progress'));
  return stored ? ((JSON.parse(stored) as Record<string, { exercises?: string[] }>)[chapter]?.exercises ?? []) : [];
}

test('the occlusion and feature-space exercises agree with the live figures, and answering records them', async ({ page, problems }) => {
  await page.goto(OCCLUSION + SCENE);
  const occlusion = page.locator('cnn-occlusion#occlusion');
  await occlusion.scrollIntoViewIfNeeded();
  const status = occlusion.locator('.status');
  await expect(status).toContainText(/\d+ occluded images in \d+ batched passes/, { timeout: 60_000 });
  const [images, passes] = numbersIn((await status.innerText()).match(/\d+ occluded images in \d+ batched passes/)![0]);
  expect(String(passes)).toBe(await page.locator('#ex-occlusion-passes').getAttribute('answer'));
  expect(passes).toBe(Math.ceil(images! / 64));

  await occlusion.getByRole('spinbutton', { name: 'Stride (pixels)' }).fill('8');
  await occlusion.getByRole('spinbutton', { name: 'Stride (pixels)' }).dispatchEvent('change');
  // The map at the new stride is done once the status reports a count other than the first one.
  await expect(status).toContainText(new RegExp(`\\b(?!${images}\\b)\\d+ occluded images in \\d+ batched passes`));
  const strideImages = numbersIn((await status.innerText()).match(/\d+ occluded images/)![0])[0];
  expect(String(strideImages)).toBe(await page.locator('#ex-occlusion-stride').getAttribute('answer'));

  const neighbours = page.locator('cnn-nearest-neighbours#neighbours');
  await neighbours.scrollIntoViewIfNeeded();
  await expect(neighbours.locator('.status')).toContainText('Searched', { timeout: 60_000 });
  const rows = neighbours.locator('section.row');
  await expect(rows).toHaveCount(3);
  const shares = await Promise.all([0, 1, 2].map(async (i) => numbersIn(await rows.nth(i).locator('.readout').innerText())[0]!));
  const best = shares.indexOf(Math.max(...shares));
  expect(shares.filter((s) => s === shares[best])).toHaveLength(1);
  expect(String(best)).toBe(await page.locator('#ex-neighbours-space').getAttribute('answer'));

  for (const id of ['ex-occlusion-passes', 'ex-neighbours-space', 'ex-pca-third']) {
    const exercise = page.locator(`#${id}`);
    await answer(exercise, (await exercise.getAttribute('answer'))!);
    await expect(exercise.locator('.feedback')).toHaveAttribute('data-result', 'true');
    await expect(exercise.locator('.explanation')).toBeVisible();
  }
  await expect(page.locator('cnn-quiz .score').first()).toHaveAttribute('data-right', '3');
  await expect.poll(() => recorded(page, OCCLUSION)).toEqual(expect.arrayContaining(['ex-occlusion-passes', 'ex-neighbours-space', 'ex-pca-third']));
  expect(problems.list).toEqual([]);
});

test('the optimisation exercises agree with the live circuit figure, and answering records them', async ({ page, problems }) => {
  await page.goto(OPTIMISATION + SCENE);
  const figure = page.locator('cnn-circuit#circuit');
  await figure.scrollIntoViewIfNeeded();
  const description = figure.locator('[data-circuit^="conv4_1:"]');
  await expect(description).toBeVisible({ timeout: 60_000 });
  const channels = numbersIn((await description.innerText()).match(/reads the (\d+) output channels/)![1]!)[0];
  expect(String(channels)).toBe(await page.locator('#ex-circuit-channels').getAttribute('answer'));
  const squares = await figure.locator('[data-list="positive"] figure').first().locator('.grid span').count();
  expect(String(squares)).toBe(await page.locator('#ex-circuit-slice').getAttribute('answer'));

  for (const id of ['ex-circuit-channels', 'ex-circuit-edge', 'ex-class-logit']) {
    const exercise = page.locator(`#${id}`);
    await answer(exercise, (await exercise.getAttribute('answer'))!);
    await expect(exercise.locator('.feedback')).toHaveAttribute('data-result', 'true');
    await expect(exercise.locator('.explanation')).toBeVisible();
  }
  const wrongOne = page.locator('#ex-dream-objective');
  await answer(wrongOne, '2');
  await expect(wrongOne.locator('.feedback')).toHaveAttribute('data-result', 'false');
  await expect(wrongOne.locator('.explanation')).toBeVisible();
  await expect(page.locator('cnn-quiz .score').last()).toHaveAttribute('data-right', '3');
  await expect.poll(() => recorded(page, OPTIMISATION)).toEqual(expect.arrayContaining(['ex-circuit-channels', 'ex-circuit-edge', 'ex-class-logit', 'ex-dream-objective']));
  expect(problems.list).toEqual([]);
});
