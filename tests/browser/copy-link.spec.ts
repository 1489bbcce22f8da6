import { expect, test } from './fixtures';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

test('"copy link to this view" copies the figure\'s state and its section, and the link restores that view', async ({ page }) => {
  const state = JSON.stringify({ forward: [[1, -2]], upstream: [[3, 4]] });
  await page.goto(`/chapters/relu-backward/?relu=${encodeURIComponent(state)}&unrelated=1`);
  const copy = page.locator('button[data-for="relu"]');
  await expect(copy).toHaveText('Copy link to this view');
  // Every figure with an id gets one, and no exercise does.
  await page.goto('/chapters/class-activation-maps/');
  const figures = await page.locator('article [id]').evaluateAll((els) =>
    els.filter((e) => e.localName.startsWith('cnn-') && !['cnn-predict', 'cnn-quiz'].includes(e.localName)).map((e) => e.id),
  );
  expect(figures.length).toBeGreaterThanOrEqual(5);
  expect((await page.locator('button[data-for]').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset['for'])))).toEqual(figures);

  await page.goto(`/chapters/relu-backward/?relu=${encodeURIComponent(state)}&unrelated=1`);
  await page.locator('cnn-relu-backward').scrollIntoViewIfNeeded();
  await expect.poll(() => page.locator('cnn-relu-backward table[data-rule="backprop"] td').allInnerTexts()).toEqual(['3', '0']);
  await copy.click();
  await expect(page.locator('#copy-status')).toHaveText('Link copied.');
  const link = new URL(await page.evaluate(() => navigator.clipboard.readText()));
  expect(link.pathname).toBe('/chapters/relu-backward/');
  expect(JSON.parse(link.searchParams.get('relu')!)).toEqual(JSON.parse(state));
  expect(link.searchParams.has('unrelated')).toBe(false);
  expect(link.hash).toBe('#try-it');

  await page.goto('about:blank');
  await page.goto(link.href);
  await page.locator('cnn-relu-backward').scrollIntoViewIfNeeded();
  await expect.poll(() => page.locator('cnn-relu-backward table[data-rule="deconvnet"] td').allInnerTexts()).toEqual(['3', '4']);
});
