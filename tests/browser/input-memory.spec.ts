import { expect, test } from './fixtures';

/** The page's input as the workbench wrote it to the URL. */
const urlInput = (url: string) => JSON.parse(new URL(url).searchParams.get('input') ?? 'null') as { model: string; sample: string | null } | null;

test.afterEach(({ problems }) => {
  expect(problems.list).toEqual([]);
});

test('a gallery image chosen in the images chapter is the one the saliency chapter explains', async ({ page }) => {
  await page.goto('/chapters/images/');
  const picker = page.locator('cnn-image-picker');
  await picker.scrollIntoViewIfNeeded();
  await picker.getByRole('radio', { name: 'Cup of coffee' }).click();
  await expect(picker.locator('[role="status"]')).toContainText('Showing Cup of coffee');
  await page.goto('/chapters/saliency/');
  const figure = page.locator('cnn-attribution#saliency');
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('cnn-input-bar')).toContainText('Cup of coffee');
  await expect(figure.locator('.status')).toContainText('computed in', { timeout: 45_000 });
  expect(urlInput(page.url())).toEqual({ model: 'scenes-cnn', sample: 'gallery:coffee' });
});

test("the reader's own picture carries to the next chapter, as a copy of at most 256 pixels a side", async ({ page }) => {
  await page.goto('/chapters/images/');
  const picker = page.locator('cnn-image-picker');
  await picker.scrollIntoViewIfNeeded();
  await picker.locator('input[type="file"]').setInputFiles('public/images/coffee.jpg');
  await expect(picker.locator('[role="status"]')).toContainText('Showing coffee.jpg');
  // The copy is stored once it is shrunk; the tab's storage holds it, nothing else.
  await expect
    .poll(() => page.evaluate(() => JSON.parse(sessionStorage.getItem('inside-the-convnet:input') ?? '{}').own?.title))
    .toBe('coffee.jpg');
  await page.goto('/chapters/class-activation-maps/');
  const figure = page.locator('cnn-attribution#cam');
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('cnn-input-bar')).toContainText('coffee.jpg');
  await expect(figure.locator('.status')).toContainText('computed in', { timeout: 45_000 });
  const stored = await page.evaluate(async () => {
    const png = JSON.parse(sessionStorage.getItem('inside-the-convnet:input')!).own.png as string;
    const bitmap = await createImageBitmap(await (await fetch(png)).blob());
    return [bitmap.width, bitmap.height];
  });
  // coffee.jpg is 512 × 341.
  expect(stored).toEqual([256, 171]);
});

test('a network loaded in the networks chapter, and a test image chosen in a figure, carry to later pages', async ({ page }) => {
  await page.goto('/chapters/networks/');
  const models = page.locator('cnn-model-picker');
  await models.scrollIntoViewIfNeeded();
  await models.getByRole('combobox', { name: 'Model', exact: true }).selectOption('fashion-vgg');
  await models.getByRole('button', { name: 'Load this model' }).click();
  await expect(models.locator('[data-model="fashion-vgg"]')).toBeVisible({ timeout: 30_000 });
  await page.goto('/chapters/saliency/');
  const figure = page.locator('cnn-attribution#saliency');
  await figure.scrollIntoViewIfNeeded();
  const bar = figure.locator('cnn-input-bar');
  await expect(bar.getByRole('combobox', { name: 'Network' })).toHaveValue('fashion-vgg', { timeout: 30_000 });
  await bar.getByRole('button', { name: 'Next test image' }).click();
  await expect(bar).toContainText('test image 1');
  await page.goto('/chapters/fooling-and-sanity/');
  const fooling = page.locator('cnn-adversarial');
  await fooling.scrollIntoViewIfNeeded();
  await expect(fooling.locator('cnn-input-bar')).toContainText('test image 1', { timeout: 30_000 });
  expect(urlInput(page.url())).toEqual({ model: 'fashion-vgg', sample: 'test:1' });
});

test("a link's own input wins over the remembered one", async ({ page }) => {
  await page.goto('/chapters/images/');
  await page.locator('cnn-image-picker').scrollIntoViewIfNeeded();
  await page.locator('cnn-image-picker').getByRole('radio', { name: 'Cup of coffee' }).click();
  await expect(page.locator('cnn-image-picker [role="status"]')).toContainText('Showing Cup of coffee');
  const input = encodeURIComponent(JSON.stringify({ model: 'scenes-cnn', sample: 'test:5' }));
  await page.goto(`/chapters/saliency/?input=${input}`);
  const figure = page.locator('cnn-attribution#saliency');
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('cnn-input-bar')).toContainText('test scene 5');
});
