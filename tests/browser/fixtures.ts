/**
 * Shared browser-test fixtures: every page is watched for console errors and
 * failed requests, and the helpers find the built chapters.
 */
import { existsSync, readdirSync } from 'node:fs';
import { test as base, expect, type Page } from '@playwright/test';

/** Site paths of every built chapter, discovered from dist/ so a new chapter is tested without editing tests. */
export function builtChapters(): string[] {
  return readdirSync('dist/chapters', { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `/chapters/${d.name}/`)
    .sort();
}

/** Problems a page reported: console errors, uncaught exceptions and failed or erroring requests. */
export interface PageProblems {
  list: string[];
}

export const test = base.extend<{ problems: PageProblems }>({
  problems: async ({ page }, use) => {
    const problems: PageProblems = { list: [] };
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.list.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (err) => problems.list.push(`exception: ${err.message}`));
    page.on('requestfailed', (req) => problems.list.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
    page.on('response', (res) => {
      if (res.status() >= 400) problems.list.push(`HTTP ${res.status()}: ${res.url()}`);
    });
    await use(problems);
  },
});

/** Site paths of every model card page. */
export function builtModelCards(): string[] {
  return readdirSync('dist/models', { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(`dist/models/${d.name}/index.html`))
    .map((d) => `/models/${d.name}/`)
    .sort();
}

export { expect };

/** Waits until the backend status reports an active backend and returns its name. */
export async function activeBackend(page: Page): Promise<string> {
  const status = page.locator('header cnn-backend-status');
  await expect(status).toHaveAttribute('data-backend', /.+/, { timeout: 30_000 });
  return (await status.getAttribute('data-backend'))!;
}
