import AxeBuilder from '@axe-core/playwright';
import { expect, test } from './fixtures';

test('the references list every cited paper with a link, the chapters citing it, and filter as the reader types', async ({ page, problems }) => {
  await page.goto('/');
  await page.locator('#toc').getByRole('link', { name: 'References' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'References' })).toBeVisible();
  const items = page.locator('#references > li');
  expect(await items.count()).toBeGreaterThanOrEqual(25);
  for (const href of await items.locator('cite').evaluateAll((cites) => cites.map((c) => c.parentElement!.getAttribute('href')))) {
    expect(href).toMatch(/^https:\/\//);
  }
  const gradCam = items.filter({ hasText: 'Grad-CAM: Visual Explanations' });
  await expect(gradCam.locator('.cited-in')).toContainText('Class activation maps');
  // Every chapter with a references section is credited for at least one paper.
  await expect(items.locator('.cited-in').filter({ hasText: 'ReLU in the backward pass' }).first()).toBeVisible();

  await page.getByLabel(/Filter by author/).fill('adebayo sanity');
  await expect(page.locator('[data-filter-count="references"]')).toHaveAttribute('data-shown', '1');
  await expect(items.filter({ visible: true })).toHaveCount(1);
  await expect(items.filter({ visible: true })).toContainText('Sanity Checks for Saliency Maps');
  expect(problems.list).toEqual([]);
});

test('the glossary defines each term with a link to its chapter and filters as the reader types', async ({ page, problems }) => {
  await page.goto('/glossary/');
  const items = page.locator('#glossary > li');
  expect(await items.count()).toBeGreaterThanOrEqual(20);
  await expect(items.locator('a')).toHaveCount(await items.count());
  await page.getByLabel('Filter the terms').fill('grad-cam');
  await expect(page.locator('[data-filter-count="glossary"]')).toHaveText(/of \d+ shown/);
  for (const text of await items.filter({ visible: true }).allInnerTexts()) expect(text.toLowerCase()).toContain('grad-cam');
  await page.getByLabel('Filter the terms').fill('zzzz');
  await expect(page.locator('[data-filter-count="glossary"]')).toHaveText(/^0 of/);
  expect(problems.list).toEqual([]);
});

for (const path of ['/glossary/', '/references/']) {
  test(`${path} has no serious accessibility violations`, async ({ page }) => {
    await page.goto(path);
    const serious = (await new AxeBuilder({ page }).analyze()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual([]);
  });
}
