import { activeBackend, expect, test } from './fixtures';

const json = (v: unknown) => encodeURIComponent(JSON.stringify(v));

/** Nonsense for every parameter of every figure, page by page, and what the URL must hold after. */
const CASES: { page: string; query: string; figures: string[]; after: Record<string, unknown> }[] = [
  {
    page: '/chapters/relu-backward/',
    query: `?relu=nonsense&backend=nonsense`,
    figures: ['cnn-relu-backward'],
    after: { relu: null, backend: null },
  },
  {
    page: '/chapters/images/',
    query: `?picker=${json('nope')}`,
    figures: ['cnn-image-picker'],
    after: { picker: null },
  },
  {
    page: '/chapters/saliency/',
    query:
      `?input=${json({ model: 'nope', sample: 'test:-1' })}&saliency=${json({ target: '-1', layer: 5 })}` +
      `&smoothgrad=${json([1])}&rules=${json({ kind: 'neuron', index: '1.5', channel: '-1' })}`,
    figures: ['cnn-attribution#saliency', 'cnn-attribution#smoothgrad', 'cnn-attribution-compare#rules'],
    after: { input: { model: 'scenes-cnn', sample: 'test:0' }, saliency: null, smoothgrad: null, rules: { kind: 'neuron' } },
  },
  {
    page: '/chapters/class-activation-maps/',
    query: `?cam=${json({ target: '1.5' })}&gradcam=${json({ target: 'x', layer: 'conv1' })}&input=${json({ model: 'scenes-cnn', sample: 'test:99999' })}`,
    figures: ['cnn-attribution#cam', 'cnn-attribution#gradcam'],
    after: { cam: null, gradcam: { layer: 'conv1' }, input: { model: 'scenes-cnn', sample: 'test:0' } },
  },
  {
    page: '/chapters/fooling-and-sanity/',
    query: `?adversarial=${json({ target: '-1', steps: 1000, epsilon: 'a', stepSize: 2 })}&sanity=${json({ mode: 'sideways' })}`,
    figures: ['cnn-adversarial', 'cnn-sanity-check'],
    after: { adversarial: { stepSize: 2 }, sanity: null },
  },
];

for (const { page: path, query, figures, after } of CASES) {
  test(`${path}: nonsense in the link is reported once per setting and replaced by the defaults`, async ({ page, problems }) => {
    await page.goto(path + query);
    await activeBackend(page);
    for (const selector of figures) await page.locator(selector).scrollIntoViewIfNeeded();
    const notice = page.locator('cnn-url-notice');
    for (const key of Object.keys(after)) await expect(notice.locator(`li[data-key="${key}"]`).first()).toBeVisible({ timeout: 45_000 });
    await expect(notice.getByRole('status')).toContainText('This link asked for something the page could not show');
    for (const [key, value] of Object.entries(after)) {
      await expect
        .poll(() => {
          const raw = new URL(page.url()).searchParams.get(key);
          return raw === null ? null : key === 'backend' ? raw : JSON.parse(raw);
        }, { timeout: 45_000 })
        .toEqual(value);
    }
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await expect(notice.locator('li')).toHaveCount(0);
    expect(problems.list).toEqual([]);
  });
}

test('a link without nonsense shows no notice', async ({ page }) => {
  await page.goto(`/chapters/saliency/?saliency=${json({ target: '2', layer: '' })}`);
  const figure = page.locator('cnn-attribution#saliency');
  await figure.scrollIntoViewIfNeeded();
  await expect(figure.locator('.status')).toContainText('computed in', { timeout: 45_000 });
  await expect(page.locator('cnn-url-notice li')).toHaveCount(0);
});
