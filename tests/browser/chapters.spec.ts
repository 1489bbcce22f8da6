import { readFileSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { activeBackend, builtChapters, builtModelCards, expect, test } from './fixtures';

const PAGES = ['/', '/about/', '/search/', ...builtChapters(), ...builtModelCards()];

test('the book has chapters', () => {
  expect(builtChapters().length).toBeGreaterThan(0);
});

for (const path of PAGES) {
  test.describe(`page ${path}`, () => {
    test('renders with no console errors and no failed requests', async ({ page, problems }) => {
      await page.goto(path);
      await expect(page.locator('h1')).toBeVisible();
      await activeBackend(page);
      // Scroll through the page so every lazily loaded component starts.
      await page.evaluate(async () => {
        for (let y = 0; y < document.body.scrollHeight; y += 400) {
          window.scrollTo(0, y);
          await new Promise((r) => setTimeout(r, 50));
        }
      });
      await page.waitForLoadState('networkidle');
      expect(problems.list).toEqual([]);
    });

    test('has no serious accessibility violations', async ({ page }) => {
      await page.goto(path);
      await activeBackend(page);
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.waitForLoadState('networkidle');
      const results = await new AxeBuilder({ page }).analyze();
      const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
    });
  });
}

for (const path of builtChapters()) {
  test(`${path} renders its formulas with KaTeX at build time`, async ({ request }) => {
    const html = await (await request.get(path)).text();
    expect(html).toContain('class="katex"');
    expect(html).not.toContain('katex-error');
    expect(html).not.toMatch(/\$\$/); // no formula left as TeX source
  });
}

test('pages are cross-origin isolated, so WASM can use threads', async ({ page }) => {
  await page.goto('/');
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
});

test('section headings have stable anchors and a copy-link button', async ({ page }) => {
  const chapter = builtChapters()[0]!;
  await page.goto(chapter);
  const heading = page.locator('article h2[id]').first();
  const id = await heading.getAttribute('id');
  expect(id).toMatch(/^[a-z0-9-]+$/);
  await expect(heading.locator(`a[href="#${id}"]`)).toHaveCount(1);
  await heading.getByRole('button', { name: /copy a link/i }).click();
  await expect(page.locator('#copy-status')).toHaveText(/Link copied|address bar/);
});

test('every trained network has a model card with its accuracy and the command that reproduces it', async ({ page }) => {
  const cards = builtModelCards();
  expect(cards).toEqual(expect.arrayContaining(['/models/fashion-vgg/', '/models/scenes-cnn/', '/models/texture-features/']));
  for (const path of cards) {
    await page.goto(path);
    await expect(page.locator('svg.architecture')).toBeVisible();
    await expect(page.locator('pre code')).toContainText('npm run train -- ');
    // Classifiers have an accuracy and a confusion matrix; feature networks and image-to-image networks have none.
    const card = JSON.parse(readFileSync(`dist${path}card.json`, 'utf8')) as { classes?: string[] };
    if (card.classes) {
      await expect(page.locator('[data-test-accuracy]')).toContainText('%');
      await expect(page.locator('table.confusion tbody tr')).toHaveCount(await page.locator('table.confusion thead th').count() - 1);
    }
  }
});

test('previous/next and the contents link every chapter', async ({ page }) => {
  await page.goto('/');
  const links = page.locator('nav[aria-label="Chapters"] ol a');
  await expect(links).toHaveCount(builtChapters().length);
});

test('dark mode toggles and persists', async ({ page }) => {
  await page.goto('/');
  const html = page.locator('html');
  const before = await html.getAttribute('data-theme');
  await page.getByRole('button', { name: 'Dark mode' }).click();
  const after = await html.getAttribute('data-theme');
  expect(after).not.toBe(before);
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', after!);
});

test('full-text search finds a chapter', async ({ page }) => {
  await page.goto('/search/?q=deconvnet');
  const results = page.locator('.pagefind-ui__result-link');
  await expect(results.first()).toBeVisible();
  const hrefs = await results.evaluateAll((links) => links.map((a) => a.getAttribute('href')));
  expect(hrefs.some((h) => /relu-backward/.test(h ?? ''))).toBe(true);
});

test('readable on a phone: no horizontal scrolling of the page', async ({ browser }) => {
  const context = await browser.newContext({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  for (const path of ['/', ...builtChapters()]) {
    await page.goto(path);
    await activeBackend(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, path).toBeLessThanOrEqual(0);
  }
  await context.close();
});
