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
