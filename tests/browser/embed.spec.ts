/**
 * The embeddable bundle on a course site: a plain HTML page served from one
 * origin (localhost) includes dist-embed/cnn-elements.js from another
 * (127.0.0.1), with no build step, and its figures compute there: the ReLU
 * tables on the page's own numbers, a Grad-CAM heatmap on the book's network,
 * and the backend status; and a page whose `cnn-asset-base` meta sends the
 * assets' requests to another host than the module's. Run `npm run
 * build:embed` first (`npm run test:browser` does).
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const BUNDLE_DIR = 'dist-embed';
const TYPES: Record<string, string> = {
  '.js': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.bin': 'application/octet-stream',
};

/** The page's own numbers for the ReLU figure, and what each rule sends back, solved by hand. */
const FORWARD = [
  [1, -1],
  [2, -5],
];
const UPSTREAM = [
  [-2, 3],
  [6, -3],
];
const EXPECTED = {
  backprop: [-2, 0, 6, 0], // R where x > 0
  deconvnet: [0, 3, 6, 0], // R where R > 0
  guided: [0, 0, 6, 0], // R where both are
};

/** The figures of the course page. */
const FIGURES = `<cnn-relu-backward forward="${JSON.stringify(FORWARD)}" upstream="${JSON.stringify(UPSTREAM)}"></cnn-relu-backward>
      <cnn-attribution method="grad-cam"></cnn-attribution>`;

/** The course page: nothing but markup and one module script, with the assets beside it or where a meta names them. */
function coursePage(code: string, assets?: string, figures = FIGURES): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>A course page</title>
    ${assets ? `<meta name="cnn-asset-base" content="${assets}/" />` : ''}
    <script type="module" src="${code}/cnn-elements.js"></script>
  </head>
  <body>
    <main>
      <h1>Week 3: backpropagation through a ReLU</h1>
      <cnn-backend-status></cnn-backend-status>
      ${figures}
    </main>
  </body>
</html>`;
}

/** Listens on a free port of `host` and resolves to the server's origin. */
function listen(server: Server, host: string): Promise<string> {
  return new Promise((resolve) => server.listen(0, host, () => resolve(`http://${host}:${(server.address() as AddressInfo).port}`)));
}

/**
 * A course site's own copy of TensorFlow.js, core and WASM backend, as its UMD scripts: served beside the
 * bundle under /second-copy/ for the test of a page that loads both.
 */
const SECOND_COPY: Record<string, string> = {
  '/second-copy/tf-core.min.js': 'node_modules/@tensorflow/tfjs-core/dist/tf-core.min.js',
  '/second-copy/tf-backend-wasm.min.js': 'node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js',
};

/** A static host for dist-embed/ (or only its module) that lets any origin fetch and embed its files. */
function assetServer(onlyModule = false): Server {
  return createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = SECOND_COPY[path] ?? join(BUNDLE_DIR, path);
    if (!existsSync(file) || !statSync(file).isFile() || (onlyModule && path !== '/cnn-elements.js')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Access-Control-Allow-Origin': '*',
      'Cross-Origin-Resource-Policy': 'cross-origin',
    });
    createReadStream(file).pipe(res);
  });
}

/** The course site: one page, cross-origin isolated or not. */
function pageServer(page: () => string, isolated: boolean): Server {
  return createServer((_req, res) => {
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      ...(isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}),
    });
    res.end(page());
  });
}

let assetOrigin = '';
let moduleOrigin = '';
const servers: Server[] = [];
const pages: Record<'plain' | 'isolated' | 'elsewhere' | 'style' | 'deconvnet', string> = { plain: '', isolated: '', elsewhere: '', style: '', deconvnet: '' };

test.beforeAll(async () => {
  expect(existsSync(join(BUNDLE_DIR, 'cnn-elements.js')), 'no embed bundle: run `npm run build:embed`').toBe(true);
  const assets = assetServer();
  const moduleOnly = assetServer(true);
  const plain = pageServer(() => coursePage(assetOrigin), false);
  const isolated = pageServer(() => coursePage(assetOrigin), true);
  const elsewhere = pageServer(() => coursePage(moduleOrigin, assetOrigin), false);
  const style = pageServer(() => coursePage(assetOrigin, undefined, '<cnn-gram-texture></cnn-gram-texture>'), true);
  const deconvnet = pageServer(() => coursePage(assetOrigin, undefined, '<cnn-attribution method="deconvnet"></cnn-attribution>'), false);
  servers.push(assets, moduleOnly, plain, isolated, elsewhere, style, deconvnet);
  assetOrigin = await listen(assets, '127.0.0.1');
  moduleOrigin = await listen(moduleOnly, '127.0.0.1');
  pages.plain = await listen(plain, 'localhost');
  pages.isolated = await listen(isolated, 'localhost');
  pages.elsewhere = await listen(elsewhere, 'localhost');
  pages.style = await listen(style, 'localhost');
  pages.deconvnet = await listen(deconvnet, 'localhost');
});

test.afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** The numbers of one ReLU result table, row-major. */
async function reluTable(page: Page, rule: string): Promise<number[]> {
  return (await page.locator(`cnn-relu-backward table[data-rule="${rule}"] td`).allInnerTexts()).map(Number);
}

/** The values of a Grad-CAM figure's map, once it has computed. */
async function gradCamMap(page: Page, selector: string): Promise<number[]> {
  const figure = page.locator(selector);
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('.status')).toContainText('computed in', { timeout: 60_000 });
  return figure.locator('cnn-heatmap').first().evaluate((el) => Array.from((el as unknown as { map: { data: Float32Array } }).map.data));
}

for (const mode of ['plain', 'isolated'] as const) {
  test(`${mode === 'plain' ? 'a plain' : 'a cross-origin isolated'} page on another origin runs the figures from the bundle, on WASM`, async ({ page, problems }) => {
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`${pages[mode]}/?backend=wasm`);
    expect(new URL(page.url()).origin).not.toBe(assetOrigin);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(mode === 'isolated');

    const status = page.locator('cnn-backend-status');
    await expect(status).toHaveAttribute('data-backend', 'wasm', { timeout: 30_000 });
    await expect(status.getByTestId('backend-name')).toContainText('SIMD');

    for (const [rule, values] of Object.entries(EXPECTED)) await expect.poll(() => reluTable(page, rule)).toEqual(values);

    const map = await gradCamMap(page, 'cnn-attribution');
    expect(map.length).toBeGreaterThan(1);
    expect(Math.min(...map)).toBeGreaterThanOrEqual(0); // Grad-CAM is rectified
    expect(Math.max(...map)).toBeGreaterThan(Math.min(...map));

    // Code, model and WASM binary all came from the asset server.
    for (const path of ['/cnn-elements.js', '/models/scenes-cnn/model.json', '/wasm/tfjs-backend-wasm']) {
      expect(requests.some((url) => url.startsWith(assetOrigin + path)), `${path} from ${assetOrigin}`).toBe(true);
    }
    expect(problems.list).toEqual([]);
  });
}

test('an embedded Grad-CAM map equals the book chapter’s, number for number', async ({ page, problems }) => {
  await page.goto(`${pages.plain}/?backend=wasm`);
  const embedded = await gradCamMap(page, 'cnn-attribution');
  const input = encodeURIComponent(JSON.stringify({ model: 'scenes-cnn', sample: 'test:0' }));
  await page.goto(`/chapters/class-activation-maps/?backend=wasm&input=${input}`);
  const book = await gradCamMap(page, 'cnn-attribution#gradcam');
  expect(embedded.length).toBe(book.length);
  embedded.forEach((v, i) => expect(v).toBeCloseTo(book[i]!, 5));
  expect(problems.list).toEqual([]);
});

test('the page’s cnn-asset-base meta sends every asset request to the host it names, not the module’s', async ({ page, problems }) => {
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`${pages.elsewhere}/?backend=wasm`);
  await expect(page.locator('cnn-backend-status')).toHaveAttribute('data-backend', 'wasm', { timeout: 30_000 });
  for (const [rule, values] of Object.entries(EXPECTED)) await expect.poll(() => reluTable(page, rule)).toEqual(values);
  expect((await gradCamMap(page, 'cnn-attribution')).length).toBeGreaterThan(1);
  expect(requests.filter((url) => url.startsWith(moduleOrigin)).map((url) => new URL(url).pathname)).toEqual(['/cnn-elements.js']);
  for (const path of ['/models/scenes-cnn/model.json', '/wasm/tfjs-backend-wasm']) {
    expect(requests.some((url) => url.startsWith(assetOrigin + path)), `${path} from ${assetOrigin}`).toBe(true);
  }
  expect(problems.list).toEqual([]);
});

test('an embedded Gram figure runs on the page: the bundle\'s worker script is on another origin, so no worker can start', async ({ page, problems }) => {
  await page.goto(`${pages.style}/?backend=wasm`);
  const figure = page.locator('cnn-gram-texture');
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('.status')).toContainText('press Run', { timeout: 60_000 });
  await expect(figure.getByTestId('place')).toContainText("Runs on the page's thread on WASM");
  await expect(figure.getByTestId('place')).toContainText('no worker could start');
  await figure.getByRole('button', { name: 'Run' }).click();
  await expect.poll(async () => Number(await figure.locator('.panel').getAttribute('data-steps')), { timeout: 60_000 }).toBeGreaterThan(3);
  await figure.getByRole('button', { name: 'Cancel' }).click();
  await expect(figure.locator('.panel')).toHaveAttribute('data-phase', 'cancelled', { timeout: 30_000 });
  await expect(page.locator('cnn-backend-status')).toHaveAttribute('data-backend', 'wasm');
  expect(problems.list).toEqual([]);
});

test("a course page that loads its own TensorFlow.js after the figures started keeps them working, and the book's kernels", async ({ page, problems }) => {
  const warnings: string[] = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await page.goto(`${pages.deconvnet}/?backend=wasm`);
  await expect(page.locator('cnn-backend-status')).toHaveAttribute('data-backend', 'wasm', { timeout: 30_000 });
  const before = await gradCamMap(page, 'cnn-attribution');
  // The course's own copy: its core joins the running engine and its WASM backend registers every stock
  // kernel again, the max-pool gradient that the deconvnet map needs among them; nothing sets the backend again.
  for (const path of Object.keys(SECOND_COPY)) await page.addScriptTag({ url: `${assetOrigin}${path}` });
  expect(await page.evaluate(() => typeof (window as unknown as { tf?: { getKernel?: unknown } }).tf?.getKernel)).toBe('function');
  expect(warnings.some((w) => /kernel 'MaxPoolGrad' for backend 'wasm' is already registered/.test(w)), 'the copy registered its kernels').toBe(true);
  // A new figure computes the same map on the same engine.
  await page.evaluate(() => {
    document.querySelector('cnn-attribution')!.remove();
    const figure = document.createElement('cnn-attribution');
    figure.setAttribute('method', 'deconvnet');
    document.querySelector('main')!.append(figure);
  });
  const after = await gradCamMap(page, 'cnn-attribution');
  expect(after).toHaveLength(before.length);
  const scale = Math.max(...before.map(Math.abs));
  expect(Math.max(...after.map((v, i) => Math.abs(v - before[i]!))) / scale).toBeLessThan(1e-5);
  await expect(page.locator('cnn-backend-status')).toHaveAttribute('data-backend', 'wasm');
  expect(problems.list).toEqual([]);
});
