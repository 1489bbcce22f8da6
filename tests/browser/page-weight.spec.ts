/**
 * A page without live figures stays light: TensorFlow.js, its WASM binaries and the networks are fetched only
 * when a figure needs them, and until then the header says so. (Bytes are checked here; times are the
 * benchmark's, bench/page-weight.ts.)
 */
import { gzipSync } from 'node:zlib';
import { expect, test } from './fixtures';

/** The book's goal for the JavaScript a page fetches before its first live figure (gzip). */
const GOAL_GZIP_BYTES = 250 * 1024;

for (const path of ['/', '/about/', '/reference/']) {
  test(`${path} loads no TensorFlow.js, WASM or network, and its JavaScript is under 250 KB gzip`, async ({ page, problems }) => {
    const scripts: Promise<number>[] = [];
    const fetched: string[] = [];
    page.on('response', (res) => {
      fetched.push(new URL(res.url()).pathname);
      if (/\.m?js$/.test(new URL(res.url()).pathname)) scripts.push(res.body().then((b) => gzipSync(b).length));
    });
    await page.goto(path);
    const status = page.locator('header cnn-backend-status');
    await expect(status).toHaveAttribute('data-engine', 'idle');
    await expect(status.getByTestId('backend-name')).toHaveText('starts with the first figure');
    await page.waitForLoadState('networkidle');
    expect(fetched.filter((p) => /\/(wasm|models|data)\//.test(p))).toEqual([]);
    const gzipBytes = (await Promise.all(scripts)).reduce((a, b) => a + b, 0);
    expect(gzipBytes).toBeGreaterThan(0);
    expect(gzipBytes).toBeLessThan(GOAL_GZIP_BYTES);
    // TensorFlow.js alone is over 150 KB gzip: a page under a third of that has not fetched it.
    expect(gzipBytes).toBeLessThan(50 * 1024);
    expect(problems.list).toEqual([]);
  });
}

test('the header shows the backend once the first figure starts the engine, and the choice control works before', async ({ page }) => {
  await page.goto('/chapters/relu-backward/');
  const status = page.locator('header cnn-backend-status');
  await page.locator('cnn-relu-backward').scrollIntoViewIfNeeded();
  await expect(status).toHaveAttribute('data-engine', 'ready', { timeout: 30_000 });
  await expect(status.getByTestId('backend-name')).not.toHaveText('starts with the first figure');
  await page.goto('/about/');
  await expect(status).toHaveAttribute('data-engine', 'idle');
  await page.locator('header').getByRole('combobox', { name: 'Compute backend' }).selectOption('cpu');
  await expect(page).toHaveURL(/backend=cpu/);
  // A backend named in the URL is the reader's request: the engine starts at once, with no figure on the page.
  await expect(status).toHaveAttribute('data-backend', 'cpu', { timeout: 30_000 });
});
