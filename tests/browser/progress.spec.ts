import { expect, test } from './fixtures';

const RELU = '/chapters/relu-backward/';

test('sections scrolled through and exercises answered show in the contents, survive a reload, and reset', async ({ page, problems }) => {
  await page.goto(RELU);
  const entry = page.locator(`#toc li[data-chapter="${RELU}"]`);
  const sections = Number(await entry.getAttribute('data-sections'));
  expect(sections).toBe(await page.locator('#content article h2[id]').count());
  await expect(entry.locator('.toc-progress')).toHaveText('');

  await page.locator('#content article h2[id]').nth(1).scrollIntoViewIfNeeded();
  await expect(entry.locator('.toc-progress')).toContainText(/\d+ of \d+ sections read/);

  const exercise = page.locator('#ex-relu-guided-count');
  await exercise.scrollIntoViewIfNeeded();
  await exercise.locator('input[type="number"]').fill('2');
  await exercise.getByRole('button', { name: /check/i }).click();
  await expect(entry.locator('.toc-progress')).toContainText(/1 of \d+ exercises done/);

  await page.goto('/chapters/networks/');
  await expect(page.locator(`#toc li[data-chapter="${RELU}"] .toc-progress`)).toContainText('1 of 5 exercises done');
  await page.getByRole('button', { name: 'Reset my progress' }).click();
  await expect(page.locator('#progress-status')).toHaveText('Progress reset.');
  await expect(page.locator(`#toc li[data-chapter="${RELU}"] .toc-progress`)).toHaveText('');
  expect(await page.evaluate(() => localStorage.getItem('inside-the-convnet:progress'))).toBeNull();
  expect(problems.list).toEqual([]);
});

test('a chapter read to the end and all its exercises answered is marked complete', async ({ page }) => {
  await page.goto('/chapters/images/');
  const entry = page.locator('#toc li[data-chapter="/chapters/images/"]');
  for (const exercise of await page.locator('cnn-predict').all()) {
    await exercise.scrollIntoViewIfNeeded();
    const right = (await exercise.getAttribute('answer'))!;
    const radios = exercise.locator('input[type="radio"]');
    await expect(exercise.getByRole('button', { name: /check/i })).toBeVisible();
    if (await radios.count()) await radios.nth(Number(right)).check();
    else await exercise.locator('input[type="number"]').fill(right);
    await exercise.getByRole('button', { name: /check/i }).click();
  }
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await expect(entry).toHaveAttribute('data-complete', '');
});
