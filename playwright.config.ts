import { defineConfig, devices } from '@playwright/test';

/** Port of the preview server the browser tests run against (the built site, as readers get it);
 * `PREVIEW_PORT` in the environment moves it, so two checkouts can run their suites side by side. */
export const PREVIEW_PORT = Number(process.env['PREVIEW_PORT'] ?? 4329);

/** Debian's Chromium, launched with everything that would reach the network switched off. */
export const CHROMIUM = {
  executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    // Software WebGL, so the tests can force the WebGL backend on machines without a GPU.
    '--use-angle=swiftshader',
    '--enable-unsafe-swiftshader',
  ],
};

export default defineConfig({
  testDir: 'tests/browser',
  timeout: 60_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  workers: process.env['CI'] ? 1 : 2,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PREVIEW_PORT}`,
    browserName: 'chromium',
    launchOptions: CHROMIUM,
    trace: 'off',
    // The book's service worker would serve later tests from its store; tests/browser/offline.spec.ts allows it.
    serviceWorkers: 'block',
  },
  projects: [
    { name: 'desktop', use: { ...devices['Desktop Chrome'], launchOptions: CHROMIUM } },
  ],
  webServer: {
    command: `npx astro preview --host 127.0.0.1 --port ${PREVIEW_PORT}`,
    url: `http://127.0.0.1:${PREVIEW_PORT}/`,
    reuseExistingServer: !process.env['CI'],
    timeout: 60_000,
  },
});
