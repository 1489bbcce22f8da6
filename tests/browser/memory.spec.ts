import { readFileSync } from 'node:fs';
import { activeBackend, builtChapters, expect, test } from './fixtures';

/**
 * Every component that holds tensors (a network, images, maps) while it is on the page. The Gram and
 * style-transfer figures hold theirs in a Web Worker, which ends with them (style-transfer.spec.ts checks
 * that it leaves no tensor behind), so they hold none on the page; they are removed with the others.
 */
const HOLDERS = 'cnn-attribution, cnn-attribution-compare, cnn-saliency-segmentation, cnn-adversarial, cnn-sanity-check, cnn-model-picker, cnn-input-bar, cnn-filters, cnn-activation-maps, cnn-dead-filters, cnn-top-patches, cnn-optvis, cnn-occlusion, cnn-nearest-neighbours, cnn-embedding, cnn-circuit, cnn-fast-style';
const REMOVED = `${HOLDERS}, cnn-gram-texture, cnn-style-transfer`;

const tensors = async (page: import('@playwright/test').Page) =>
  Number(await page.locator('header cnn-backend-status').getAttribute('data-tensors'));

/** Chapters whose built page has a component that holds tensors. */
const CHAPTERS = builtChapters().filter((path) =>
  HOLDERS.split(', ').some((tag) => readFileSync(`dist${path}index.html`, 'utf8').includes(`<${tag}`)),
);

test('some chapters have figures that hold tensors', () => {
  expect(CHAPTERS.length).toBeGreaterThan(0);
});

for (const path of CHAPTERS) {
  test(`${path}: the figures free every tensor when they leave the page, even mid-run`, async ({ page, problems }) => {
    await page.goto(path);
    await activeBackend(page);
    // Start every figure, then leave while some may still be computing.
    await page.evaluate(async () => {
      for (let y = 0; y < document.body.scrollHeight; y += 400) {
        window.scrollTo(0, y);
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    // A figure starts when it has come into view: bring each one there once.
    for (const figure of await page.locator(HOLDERS).all()) await figure.scrollIntoViewIfNeeded();
    // A model picker with no model named waits for the reader: load one of the book's.
    for (const picker of await page.locator('cnn-model-picker:not([model])').all()) {
      await picker.getByRole('button', { name: 'Load this model' }).click();
    }
    const status = page.locator('header cnn-backend-status');
    // Remove them all as soon as the first network is in memory: the other figures are then still loading
    // theirs or computing their first results, and each must free what it holds or is about to receive.
    await expect.poll(() => tensors(page), { timeout: 45_000, message: 'a network is loaded' }).toBeGreaterThan(0);
    await page.evaluate((selector) => document.querySelectorAll(selector).forEach((e) => e.remove()), REMOVED);
    await expect(status).toHaveAttribute('data-tensors', '0', { timeout: 30_000 });
    expect(problems.list).toEqual([]);
  });
}
