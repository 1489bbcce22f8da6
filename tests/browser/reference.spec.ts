import { readdirSync } from 'node:fs';
import AxeBuilder from '@axe-core/playwright';
import { expect, test } from './fixtures';

/** Every element the book has, from its sources: one file per tag. */
const TAGS = readdirSync('components')
  .filter((f) => /^cnn-.*\.ts$/.test(f))
  .map((f) => f.replace(/\.ts$/, ''));

test('the element reference documents every element, from the manifest the build generates', async ({ page, problems }) => {
  await page.goto('/reference/');
  const sections = page.locator('section[data-element]');
  expect((await sections.evaluateAll((all) => all.map((s) => s.getAttribute('data-element')))).sort()).toEqual(TAGS.sort());
  // Attributes, with the descriptions of their properties' doc comments.
  const relu = page.locator('section[data-element="cnn-relu-backward"] table[data-table="attributes"] tbody tr');
  await expect(relu).toHaveCount(2);
  await expect(relu.filter({ hasText: 'upstream' })).toContainText('same shape as forward');
  // Events by their real names, from @fires tags.
  await expect(page.locator('section[data-element="cnn-image-picker"] table[data-table="events"]')).toContainText('cnn-image-change');
  await expect(page.locator('section[data-element="cnn-model-picker"] table[data-table="events"]')).toContainText('cnn-model-change');
  // An element's own custom property, and the theme's once, with their fallbacks.
  await expect(page.locator('section[data-element="cnn-heatmap"] table[data-table="css-properties"]')).toContainText('--cnn-heatmap-size');
  await expect(page.locator('#theming + p + table')).toContainText('--itc-fg');
  await expect(page.locator('#theming + p + table')).toContainText('#1b1b1f');
  const serious = (await new AxeBuilder({ page }).analyze()).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => v.id)).toEqual([]);
  expect(problems.list).toEqual([]);
});

test('the contents and the about page link the reference', async ({ page }) => {
  await page.goto('/about/');
  await page.locator('article').getByRole('link', { name: 'element reference' }).click();
  await expect(page).toHaveURL(/\/reference\/$/);
  await expect(page.locator('nav[aria-label="Chapters"]').getByRole('link', { name: 'Element reference' })).toHaveAttribute('aria-current', 'page');
});
