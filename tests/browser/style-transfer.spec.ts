import { readFileSync } from 'node:fs';
import type { Locator, Page } from '@playwright/test';
import { type PageProblems, expect, test } from './fixtures';

const CHAPTER = '/chapters/style-transfer/';

/** Opens the chapter (with URL state), scrolls to a figure and waits until it can run. */
async function openFigure(page: Page, selector: string, state: Record<string, unknown> = {}): Promise<Locator> {
  const query = Object.entries(state).map(([k, v]) => `${k}=${encodeURIComponent(JSON.stringify(v))}`).join('&');
  await page.goto(`${CHAPTER}${query ? `?${query}` : ''}`);
  const figure = page.locator(selector);
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('.status')).toContainText('press Run', { timeout: 60_000 });
  return figure;
}

const steps = async (figure: Locator) => Number((await figure.locator('.panel[data-steps]').getAttribute('data-steps')) ?? 0);

function expectNoProblems(problems: PageProblems): void {
  expect(problems.list).toEqual([]);
}

/** The first and the latest loss of the figure's readout. */
async function losses(figure: Locator): Promise<[number, number]> {
  return [Number(await figure.getByTestId('first').getAttribute('data-value')), Number(await figure.getByTestId('loss').getAttribute('data-value'))];
}

test('Gram synthesis: a short run lowers the style loss, shows the Gram matrix with a readout, keeps its settings in the URL and exports them', async ({ page, problems }) => {
  const figure = await openFigure(page, 'cnn-gram-texture#gram', { gram: { sample: 'grass', steps: 12, size: 32, seed: 3, weights: [1, 2, 1, 1] } });
  await expect(figure.getByRole('combobox', { name: 'Texture' })).toHaveValue('grass');
  await expect(figure.getByRole('spinbutton', { name: 'w of relu2_1' })).toHaveValue('2');
  // The Gram matrix of the chosen layer: 64 channels of relu2_1, with its text readout.
  const gram = figure.getByTestId('gram');
  await expect(gram.getByRole('img')).toHaveAccessibleName(/Gram matrix .* relu2_1.*64 × 64 matrix/);
  await figure.getByRole('combobox', { name: 'Gram matrix of' }).selectOption('relu3_1');
  await expect(gram.getByRole('img')).toHaveAccessibleName(/128 × 128 matrix/);
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect(figure.locator('.status')).toContainText('Done: 12 steps', { timeout: 90_000 });
  await expect(figure.getByTestId('step')).toHaveText('12');
  const [first, now] = await losses(figure);
  expect(now).toBeLessThan(first);
  // Eq. 4 on the Gram matrix is the other layer term; it lowers its own loss too, and the link keeps the choice.
  await figure.getByRole('combobox', { name: 'Layer term E_l' }).selectOption('gram');
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect(figure.locator('.status')).toContainText('Done: 12 steps', { timeout: 90_000 });
  const [gramFirst, gramNow] = await losses(figure);
  expect(gramNow).toBeLessThan(gramFirst);
  expect(gramFirst).toBeLessThan(first);
  await expect(figure.getByTestId('synthesis')).toBeVisible();
  await expect(figure.locator('cnn-line-chart')).toBeVisible();
  expect(JSON.parse(new URL(page.url()).searchParams.get('gram')!)).toMatchObject({ sample: 'grass', steps: 12, size: 32, seed: 3, show: 'relu3_1', weights: [1, 2, 1, 1], term: 'gram' });
  const download = page.waitForEvent('download');
  await figure.getByRole('button', { name: 'Export PNG' }).click();
  const bytes = readFileSync(await (await download).path());
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  expect(bytes.includes(Buffer.from('"technique":"gram-texture-synthesis"'))).toBe(true);
  expect(bytes.includes(Buffer.from('"sample":"grass"'))).toBe(true);
  expect(bytes.includes(Buffer.from('"seed":3'))).toBe(true);
  expectNoProblems(problems);
});

test('Gram synthesis: pause holds the step count, resume continues, cancel stops', async ({ page, problems }) => {
  const figure = await openFigure(page, 'cnn-gram-texture#gram', { gram: { steps: 2000, size: 32 } });
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect.poll(() => steps(figure), { timeout: 60_000 }).toBeGreaterThan(2);
  await figure.getByRole('button', { name: 'Pause' }).click();
  await expect(figure.locator('.status')).toContainText('Paused after step');
  const paused = await steps(figure);
  await expect(figure.locator('.status')).toContainText(`Paused after step ${paused} of 2000`);
  // No step may be reported after the pause is: the count holds while other work runs on the page.
  for (let i = 0; i < 5; i++) {
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 100))));
    expect(await steps(figure)).toBe(paused);
  }
  await figure.getByRole('button', { name: 'Resume' }).click();
  await expect.poll(() => steps(figure), { timeout: 60_000 }).toBeGreaterThan(paused);
  await figure.getByRole('button', { name: 'Cancel' }).click();
  await expect(figure.locator('.status')).toContainText(/The run was cancelled after \d+ of 2000 steps/);
  const cancelled = await steps(figure);
  await expect(figure.locator('.panel[data-steps]')).toHaveAttribute('data-phase', 'cancelled');
  for (let i = 0; i < 3; i++) {
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 100))));
    expect(await steps(figure)).toBe(cancelled);
  }
  expectNoProblems(problems);
});

test('Gram synthesis: one layer alone, set by an exercise, and a bad link value falls back with a notice', async ({ page, problems }) => {
  const figure = await openFigure(page, 'cnn-gram-texture#layers', { layers: { size: 999, network: 'vgg', weights: [1, -1], term: 'l1', steps: 10, only: 'relu1_1' } });
  await expect(page.locator('cnn-url-notice')).toContainText(/size = 999.*network = "vgg".*weights = \[1,-1\]/);
  await expect(page.locator('cnn-url-notice')).toContainText('term = "l1"');
  await expect(figure.getByRole('combobox', { name: 'Layer term E_l' })).toHaveValue('stats');
  // The good values stay: ten steps from relu1_1 alone.
  await expect(figure.getByRole('combobox', { name: 'Layers used' })).toHaveValue('relu1_1');
  await expect(figure.getByRole('spinbutton', { name: 'Size (16–128 px)' })).toHaveValue('64');
  expect(JSON.parse(new URL(page.url()).searchParams.get('layers')!)).toEqual({ steps: 10, only: 'relu1_1' });
  await figure.getByRole('combobox', { name: 'Layers used' }).selectOption('relu4_1');
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect(figure.locator('.status')).toContainText('Done: 10 steps', { timeout: 90_000 });
  const [first, now] = await losses(figure);
  expect(now).toBeLessThan(first);
  // The exercise's button sets the figure to relu1_1 alone.
  const exercise = page.locator('cnn-predict#ex-gram-layer');
  await exercise.scrollIntoViewIfNeeded();
  await exercise.getByRole('radio').nth(1).check();
  await exercise.getByRole('button', { name: /check/i }).click();
  await exercise.getByRole('button', { name: 'Show it in the figure' }).click();
  await expect(figure.getByRole('combobox', { name: 'Layers used' })).toHaveValue('relu1_1');
  expectNoProblems(problems);
});

test('Gram synthesis: the figure frees every tensor when removed mid-run', async ({ page, problems }) => {
  const figure = await openFigure(page, 'cnn-gram-texture#gram', { gram: { steps: 2000, size: 32 } });
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect.poll(() => steps(figure), { timeout: 60_000 }).toBeGreaterThan(2);
  await page.evaluate(() => document.querySelectorAll('cnn-gram-texture, cnn-style-transfer').forEach((e) => e.remove()));
  await expect(page.locator('header cnn-backend-status')).toHaveAttribute('data-tensors', '0', { timeout: 30_000 });
  expectNoProblems(problems);
});

test('style transfer: two blended styles at a style scale; the loss falls, each term is read out, the URL restores and the export carries the parameters', async ({ page, problems }) => {
  const settings = { steps: 10, size: 32, seed: 2, style: 'wood', style2: 'stars', blend: [0.5, 1], scale: 0.5, beta: 3000 };
  const figure = await openFigure(page, 'cnn-style-transfer#transfer', { transfer: settings });
  await expect(figure.getByRole('combobox', { name: 'Style 1' })).toHaveValue('wood');
  await expect(figure.getByRole('spinbutton', { name: 'Blend weight 1' })).toHaveValue('0.5');
  await expect(figure.getByRole('slider', { name: /Style weight β/ })).toHaveAttribute('aria-valuetext', '3000');
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect(figure.locator('.status')).toContainText('Done: 10 steps', { timeout: 120_000 });
  const [first, now] = await losses(figure);
  expect(now).toBeLessThan(first);
  await expect(figure.getByTestId('terms')).toContainText(/At step 10: α L_content .+, β L_style .+, γ L_TV .+\./);
  // Both styles are shown, each resized by the scale: 32 × 0.5 = 16 pixels.
  await expect(figure.locator('cnn-heatmap[label^="Style: wood, weight 0.5, scale 0.5 (16 px)"]')).toHaveCount(1);
  await expect(figure.locator('cnn-heatmap[label^="Style: stars"]')).toHaveCount(1);
  await expect(figure.locator('cnn-line-chart')).toBeVisible();
  expect(JSON.parse(new URL(page.url()).searchParams.get('transfer')!)).toMatchObject(settings);
  const download = page.waitForEvent('download');
  await figure.getByRole('button', { name: 'Export PNG' }).click();
  const bytes = readFileSync(await (await download).path());
  expect(bytes.subarray(1, 4).toString()).toBe('PNG');
  expect(bytes.includes(Buffer.from('"technique":"style-transfer"'))).toBe(true);
  expect(bytes.includes(Buffer.from('"blend":[0.5,1]'))).toBe(true);
  expectNoProblems(problems);
});

test('style transfer: pause holds, cancel stops, and a bad link value falls back with a notice', async ({ page, problems }) => {
  const figure = await openFigure(page, 'cnn-style-transfer#transfer', { transfer: { steps: 2000, size: 32, scale: 9, blend: [0, 0] } });
  await expect(page.locator('cnn-url-notice')).toContainText(/blend = \[0,0\].*scale = 9|scale = 9.*blend = \[0,0\]/);
  expect(JSON.parse(new URL(page.url()).searchParams.get('transfer')!)).toEqual({ steps: 2000, size: 32 });
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect.poll(() => steps(figure), { timeout: 90_000 }).toBeGreaterThan(2);
  await figure.getByRole('button', { name: 'Pause' }).click();
  await expect(figure.locator('.status')).toContainText('Paused after step');
  const paused = await steps(figure);
  for (let i = 0; i < 5; i++) {
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 100))));
    expect(await steps(figure)).toBe(paused);
  }
  await figure.getByRole('button', { name: 'Cancel' }).click();
  await expect(figure.locator('.status')).toContainText(/The run was cancelled after \d+ of 2000 steps/);
  expect(await steps(figure)).toBe(paused);
  expectNoProblems(problems);
});

/** Records the page's long tasks (over 50 ms) from now on, into `window.__longTasks`. */
async function watchLongTasks(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __longTasks: number[] };
    w.__longTasks = [];
    new PerformanceObserver((list) => list.getEntries().forEach((e) => w.__longTasks.push(e.duration))).observe({ type: 'longtask' });
  });
}

const longestTask = (page: Page) => page.evaluate(() => Math.max(0, ...(window as unknown as { __longTasks: number[] }).__longTasks));

test('Gram synthesis at 128 px runs in a worker: the page answers while it runs, pause, resume and cancel reach the worker, no tensor is left there', async ({ page, problems }) => {
  const figure = await openFigure(page, 'cnn-gram-texture#gram', { gram: { steps: 300, size: 128 } });
  await expect(figure.getByTestId('place')).toContainText('Runs in a background worker on WASM');
  await watchLongTasks(page);
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect.poll(() => steps(figure), { timeout: 90_000 }).toBeGreaterThan(3);
  // A control answers while the run goes on: the heatmap follows the layer chosen.
  await figure.getByRole('combobox', { name: 'Gram matrix of' }).selectOption('relu3_1');
  await expect(figure.getByTestId('gram').getByRole('img')).toHaveAccessibleName(/128 × 128 matrix/);
  await figure.getByRole('button', { name: 'Pause' }).click();
  await expect(figure.locator('.panel[data-steps]')).toHaveAttribute('data-phase', 'paused', { timeout: 30_000 });
  const paused = await steps(figure);
  for (let i = 0; i < 3; i++) {
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 200))));
    expect(await steps(figure)).toBe(paused);
  }
  await figure.getByRole('button', { name: 'Resume' }).click();
  await expect.poll(() => steps(figure), { timeout: 60_000 }).toBeGreaterThan(paused + 2);
  // The page's own tasks stay far shorter than one step, which takes hundreds of milliseconds in the worker.
  const msPerStep = Number((await figure.locator('.status').textContent())!.match(/(\d+) ms a step/)![1]);
  expect(await longestTask(page)).toBeLessThan(msPerStep);
  await figure.getByRole('button', { name: 'Cancel' }).click();
  await expect(figure.locator('.panel[data-steps]')).toHaveAttribute('data-phase', 'cancelled', { timeout: 30_000 });
  await expect(figure.locator('.status')).toContainText(/The run was cancelled after \d+ of 300 steps/);
  // The worker reports what its job left behind: nothing, after a cancel as after a finished run.
  await expect(figure.locator('.panel[data-steps]')).toHaveAttribute('data-leaked', '0');
  await figure.getByRole('spinbutton', { name: 'Steps' }).fill('4');
  await figure.getByRole('spinbutton', { name: 'Steps' }).press('Tab');
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect(figure.locator('.status')).toContainText('Done: 4 steps', { timeout: 60_000 });
  await expect(figure.locator('.panel[data-steps]')).toHaveAttribute('data-leaked', '0');
  expectNoProblems(problems);
});

test('without workers the style figures run on the page, as before, and say so', async ({ page, problems }) => {
  await page.addInitScript(() => {
    // The style worker cannot start, as on an embedding page that loads the figures from another origin
    // (a worker's script must be same-origin); TensorFlow.js's own WASM threads still start.
    const Original = window.Worker;
    window.Worker = class extends Original {
      constructor(url: string | URL, options?: WorkerOptions) {
        if (options?.name === 'style-jobs') throw new DOMException('Script at a cross-origin URL cannot be accessed', 'SecurityError');
        super(url, options);
      }
    };
  });
  const figure = await openFigure(page, 'cnn-gram-texture#gram', { gram: { steps: 6, size: 32 } });
  await expect(figure.getByTestId('place')).toContainText("Runs on the page's thread on WASM");
  await expect(figure.getByTestId('place')).toContainText('no worker could start');
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect(figure.locator('.status')).toContainText('Done: 6 steps', { timeout: 90_000 });
  const [first, now] = await losses(figure);
  expect(now).toBeLessThan(first);
  const transfer = page.locator('cnn-style-transfer#transfer');
  await transfer.scrollIntoViewIfNeeded();
  await expect(transfer.getByTestId('place')).toContainText("Runs on the page's thread");
  expectNoProblems(problems);
});

test('Gram synthesis: a worker that fails or falls silent mid-run ends that run with a message, and the next run starts a fresh worker', async ({ page, problems }) => {
  const figure = await openFigure(page, 'cnn-gram-texture#gram', { gram: { steps: 2000, size: 32 } });
  await expect(figure.getByTestId('place')).toContainText('Runs in a background worker');
  type Runner = { worker: Worker | null; silenceMs: number };
  const running = async () => {
    await figure.getByRole('button', { name: 'Run' }).click();
    // The phase and the step count change in one render, so the count read next is the new run's.
    await expect(figure.locator('.panel[data-steps]')).toHaveAttribute('data-phase', 'running');
    await expect.poll(() => steps(figure), { timeout: 60_000 }).toBeGreaterThan(2);
  };
  const stopped = async (reason: RegExp) => {
    await expect(figure.getByRole('alert')).toContainText(reason, { timeout: 30_000 });
    await expect(figure.locator('.panel[data-steps]')).toHaveAttribute('data-phase', 'idle');
    await expect(figure.getByRole('button', { name: 'Run' })).toBeEnabled();
  };

  // An uncaught error in the worker, as the browser reports one.
  await running();
  await figure.evaluate((f) => {
    const { worker } = (f as unknown as { runner: Runner }).runner;
    worker!.dispatchEvent(new ErrorEvent('error', { message: 'a simulated crash', cancelable: true }));
  });
  await stopped(/The background worker stopped: a simulated crash/);

  // The next run starts a fresh worker and runs on.
  await running();

  // A worker ended without an error event (as the browser ends one out of memory) sends nothing more.
  await figure.evaluate((f) => {
    const runner = (f as unknown as { runner: Runner }).runner;
    runner.silenceMs = 300;
    runner.worker?.terminate();
  });
  await stopped(/The background worker stopped: it sent nothing for \d+ s/);
  await figure.evaluate((f) => void ((f as unknown as { runner: Runner }).runner.silenceMs = 60_000));
  await running();
  await figure.getByRole('button', { name: 'Cancel' }).click();
  await expect(figure.locator('.panel[data-steps]')).toHaveAttribute('data-phase', 'cancelled');
  expectNoProblems(problems);
});
