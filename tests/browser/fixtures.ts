/**
 * Shared browser-test fixtures: every page is watched for console errors and
 * failed requests, and the helpers find the built chapters.
 */
import { existsSync, readdirSync } from 'node:fs';
import { test as base, expect, type Locator, type Page } from '@playwright/test';

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
    // A request still in flight when the page navigates (a reload, a new link) is aborted with its
    // document: that is the navigation, not a failure of the page. Chromium may even start the old
    // document's favicon request after the next navigation has begun, so a request belongs to the
    // document committed when it started, and its abort is the navigation's if one began since.
    let started = 0;
    let committed = 0;
    const documentOf = new WeakMap<object, number>();
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) committed = started;
    });
    page.on('request', (req) => {
      documentOf.set(req, committed);
      if (req.isNavigationRequest() && req.frame() === page.mainFrame()) started++;
    });
    page.on('requestfailed', (req) => {
      const error = req.failure()?.errorText ?? '';
      const document = documentOf.get(req);
      if (error === 'net::ERR_ABORTED' && document !== undefined && started > document) return;
      problems.list.push(`request failed: ${req.url()} ${error}`);
    });
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

/**
 * Waits until the backend status reports an active backend and returns its name. The engine starts with
 * the page's first live figure (or at once when the URL names a backend), so the text's `cnn-*` elements
 * are scrolled into view one by one, each waited for until it is defined and drawn, until one starts it;
 * on a page where none does, the engine stays unloaded and the result is 'none'.
 */
export async function activeBackend(page: Page): Promise<string> {
  const status = page.locator('header cnn-backend-status');
  await expect(status).toHaveAttribute('data-engine', /.+/);
  const started = await page.evaluate(async () => {
    const engine = () => document.querySelector('header cnn-backend-status')?.getAttribute('data-engine');
    const drawn = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    for (const figure of [...document.querySelectorAll('main *')].filter((el) => el.localName.startsWith('cnn-'))) {
      if (engine() !== 'idle') break;
      figure.scrollIntoView();
      await customElements.whenDefined(figure.localName);
      await drawn();
    }
    return engine() !== 'idle';
  });
  if (!started) return 'none';
  await expect(status).toHaveAttribute('data-backend', /.+/, { timeout: 30_000 });
  return (await status.getAttribute('data-backend'))!;
}

/**
 * Records every value that attribute `name` of `element` takes from now on and returns a reader of them, in
 * order with repeats folded: a phase that lasts a frame or two, like 'pausing', is seen though no poll may
 * fall inside it. Each change's old value is kept, so values that follow one another within one task count.
 */
export async function recordAttribute(element: Locator, name: string): Promise<() => Promise<string[]>> {
  const key = `recorded-${name}`;
  await element.evaluate(
    (el, [name, key]) => {
      const seen: (string | null)[] = [];
      new MutationObserver((records) => records.forEach((r) => seen.push(r.oldValue))).observe(el, { attributeFilter: [name], attributeOldValue: true });
      Object.assign(el, { [key]: seen });
    },
    [name, key] as const,
  );
  return async () => {
    const values = await element.evaluate((el, [name, key]) => [...(el as unknown as Record<string, (string | null)[]>)[key]!, el.getAttribute(name)], [name, key] as const);
    return values.map(String).filter((v, i, all) => v !== all[i - 1]);
  };
}

/** Waits until the page has drawn `count` frames: long enough to show that a held run takes no step meanwhile. */
export async function pageFrames(page: Page, count: number): Promise<void> {
  await page.evaluate(
    (count) =>
      new Promise<void>((resolve) => {
        let frames = 0;
        const next = () => (++frames < count ? requestAnimationFrame(next) : resolve());
        requestAnimationFrame(next);
      }),
    count,
  );
}
