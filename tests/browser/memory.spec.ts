import { activeBackend, builtChapters, expect, test } from './fixtures';

/** Every component that holds tensors (a network, images, maps) while it is on the page. */
const HOLDERS = 'cnn-attribution, cnn-attribution-compare, cnn-saliency-segmentation, cnn-adversarial, cnn-sanity-check, cnn-model-picker, cnn-input-bar';

const tensors = async (page: import('@playwright/test').Page) =>
  Number(await page.locator('header cnn-backend-status').getAttribute('data-tensors'));

for (const path of builtChapters()) {
  test(`${path}: the figures free every tensor when they leave the page, even mid-run`, async ({ page, problems }) => {
    await page.goto(path);
    await activeBackend(page);
    const holders = await page.locator(HOLDERS).count();
    test.skip(holders === 0, 'no figure on this chapter holds tensors');
    // Start every figure, then leave while some may still be computing.
    await page.evaluate(async () => {
      for (let y = 0; y < document.body.scrollHeight; y += 400) {
        window.scrollTo(0, y);
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    // A model picker with no model named waits for the reader: load one of the book's.
    for (const picker of await page.locator('cnn-model-picker:not([model])').all()) {
      await picker.getByRole('button', { name: 'Load this model' }).click();
    }
    const status = page.locator('header cnn-backend-status');
    await expect.poll(() => tensors(page), { timeout: 45_000, message: 'a network is loaded' }).toBeGreaterThan(0);
    await page.waitForTimeout(1500);
    await page.evaluate((selector) => document.querySelectorAll(selector).forEach((e) => e.remove()), HOLDERS);
    await expect(status).toHaveAttribute('data-tensors', '0', { timeout: 30_000 });
    expect(problems.list).toEqual([]);
  });
}
