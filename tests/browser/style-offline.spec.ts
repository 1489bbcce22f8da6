/**
 * The style figures' Web Worker (src/browser/style-worker.ts) is a script chunk of its own: after one visit
 * the service worker has stored it with the rest of the book, so offline the figures still run in it.
 */
import { expect, test } from './fixtures';

test.use({ serviceWorkers: 'allow' });

test('offline after one visit, the Gram figure starts its worker from the store and runs in it', async ({ page, context, problems }) => {
  test.setTimeout(180_000);
  await page.goto('/chapters/style-transfer/?gram=' + encodeURIComponent(JSON.stringify({ steps: 3, size: 32 })));
  await expect(page.locator('html')).toHaveAttribute('data-offline', 'ready', { timeout: 60_000 });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);

  await context.setOffline(true);
  await page.reload();
  const figure = page.locator('cnn-gram-texture#gram');
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('.status')).toContainText('press Run', { timeout: 60_000 });
  await expect(figure.getByTestId('place')).toContainText('Runs in a background worker on WASM');
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect(figure.locator('.status')).toContainText('Done: 3 steps', { timeout: 60_000 });
  expect(problems.list).toEqual([]);
});
