import { activeBackend, expect, test } from './fixtures';

test('the dark-mode button is a toggle: its name stays, aria-pressed and the visible mark say whether it is on', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  const button = page.getByRole('button', { name: 'Dark mode', exact: true });
  await expect(button).toHaveAttribute('aria-pressed', 'false');
  await expect(button).toHaveText('Dark mode: off');
  await button.click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(button).toHaveAttribute('aria-pressed', 'true');
  await expect(button).toHaveText('Dark mode: on');
  // The choice is kept for the next page.
  await page.goto('/about/');
  await expect(page.getByRole('button', { name: 'Dark mode', exact: true })).toHaveAttribute('aria-pressed', 'true');
});

test('software WebGL is named plainly, on one line, with the renderer and its cost in the details', async ({ page }) => {
  await page.goto('/?backend=webgl');
  expect(await activeBackend(page)).toBe('webgl');
  const name = page.locator('header').getByTestId('backend-name');
  // The test browser draws WebGL with SwiftShader, a software rasterizer.
  await expect(name).toHaveText('WebGL, software');
  await expect(name).toHaveAttribute('title', /SwiftShader/i);
  const lineHeight = await name.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight));
  expect((await name.boundingBox())!.height).toBeLessThan(lineHeight * 1.5);
  await page.locator('header cnn-backend-status summary').click();
  await expect(page.locator('header').getByTestId('backend-details')).toContainText('software rasterizer');
  await expect(page.locator('header').getByTestId('backend-details')).toContainText('slower than WASM');
});

test('on a 390 px phone no formula is cut off: wide ones scroll inside their box and show it, the page does not', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ['/chapters/saliency/', '/chapters/class-activation-maps/', '/chapters/fooling-and-sanity/']) {
    await page.goto(path);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const formulas = await page.locator('.katex').evaluateAll((nodes) =>
      nodes.map((el) => {
        const right = el.getBoundingClientRect().right;
        // The nearest box that scrolls sideways, if any.
        let box: HTMLElement | null = el.parentElement;
        while (box && !/(auto|scroll)/.test(getComputedStyle(box).overflowX)) box = box.parentElement;
        const scroller = box && box !== document.documentElement && box !== document.body ? box : null;
        const style = scroller ? getComputedStyle(scroller) : null;
        return {
          text: el.textContent!.slice(0, 40),
          fits: right <= window.innerWidth + 0.5,
          scrolls: !!scroller && scroller.getBoundingClientRect().right <= window.innerWidth + 0.5,
          cue: !!style && style.backgroundImage.includes('gradient') && style.scrollbarWidth === 'thin',
        };
      }),
    );
    expect(formulas.length).toBeGreaterThan(0);
    for (const f of formulas) {
      expect(f.fits || f.scrolls, `${path}: "${f.text}" is cut off`).toBe(true);
      if (!f.fits) expect(f.cue, `${path}: "${f.text}" scrolls with no sign of it`).toBe(true);
    }
  }
});
