import { activeBackend, expect, test } from './fixtures';

const json = (v: unknown) => encodeURIComponent(JSON.stringify(v));

/** What a figure shows once it has run from its defaults: a locator and the text it must come to hold. */
type Shown = [selector: string, text: string | RegExp];

/**
 * Nonsense for every parameter of every figure, page by page: values no figure
 * accepts (wrong types, unknown modes, fractions, negative numbers) and values
 * only the loaded network rules out (class 99, layer "nope", channel 9999).
 * `after` is what the URL must hold once the figures have checked them, and
 * `shown` what each figure then shows from its defaults.
 */
const CASES: { page: string; query: string; figures: string[]; after: Record<string, unknown>; shown: Shown[] }[] = [
  {
    page: '/chapters/relu-backward/',
    query: `?relu=nonsense&backend=nonsense`,
    figures: ['cnn-relu-backward'],
    after: { relu: null, backend: null },
    shown: [],
  },
  {
    page: '/chapters/images/',
    query: `?picker=${json('nope')}`,
    figures: ['cnn-image-picker'],
    after: { picker: null },
    shown: [],
  },
  {
    page: '/chapters/saliency/',
    query:
      `?input=${json({ model: 'nope', sample: 'test:-1' })}&saliency=${json({ target: '99', layer: 'nope' })}` +
      `&smoothgrad=${json([1])}&rules=${json({ kind: 'neuron', index: '99', layer: 'nope', channel: '9999' })}` +
      `&segmentation=${json({ method: 'sideways', target: '99', iterations: 2.5, foreground: 0.6, background: 0.9, lambda: -5 })}`,
    figures: ['cnn-attribution#saliency', 'cnn-attribution#smoothgrad', 'cnn-attribution-compare#rules', 'cnn-saliency-segmentation#segmentation'],
    after: {
      input: { model: 'scenes-cnn', sample: 'test:0' },
      saliency: null,
      smoothgrad: null,
      rules: { kind: 'neuron' },
      segmentation: { foreground: 0.6 },
    },
    shown: [
      ['cnn-attribution#saliency .status', /for “.+”.*computed in/],
      ['cnn-attribution-compare#rules .status', /for “channel \d+ of .+”, computed in/],
      ['cnn-saliency-segmentation#segmentation .status', /computed in \d+ ms; segmented in/],
    ],
  },
  {
    page: '/chapters/class-activation-maps/',
    query:
      `?cam=${json({ target: '99', layer: 'nope' })}&gradcam=${json({ target: 'x', layer: 'relu1_1' })}` +
      `&input=${json({ model: 'scenes-cnn', sample: 'test:99999' })}`,
    figures: ['cnn-attribution#cam', 'cnn-attribution#gradcam'],
    after: { cam: null, gradcam: { layer: 'relu1_1' }, input: { model: 'scenes-cnn', sample: 'test:0' } },
    shown: [
      ['cnn-attribution#cam .status', 'computed in'],
      ['cnn-attribution#gradcam .status', 'computed in'],
    ],
  },
  {
    page: '/chapters/fooling-and-sanity/',
    query: `?adversarial=${json({ target: '99', steps: 2.5, epsilon: 'a', stepSize: 2 })}&sanity=${json({ mode: 'sideways' })}`,
    figures: ['cnn-adversarial', 'cnn-sanity-check'],
    after: { adversarial: { stepSize: 2 }, sanity: null },
    shown: [['cnn-adversarial .status', 'Choose a target and press Run.']],
  },
  {
    page: '/chapters/filters-and-activations/',
    query:
      `?filters=${json({ layer: 'nope', scale: 'sideways' })}&activations=${json({ layer: 'nope', scale: 7 })}` +
      `&patches=${json({ layer: 'nope', channel: 9999, k: 2.5, rule: 'sideways' })}`,
    figures: ['cnn-filters#filters', 'cnn-activation-maps#activations', 'cnn-top-patches#patches'],
    after: { filters: null, activations: null, patches: null },
    shown: [
      ['cnn-filters#filters figure[data-filters="trained"]', 'filters of'],
      ['cnn-activation-maps#activations figure[data-maps] figcaption', 'Every channel of'],
      ['cnn-top-patches#patches .status', /Running the test subset|Top \d+ of \d+ test images for channel 0 of/],
    ],
  },
  {
    page: '/chapters/occlusion-and-feature-space/',
    query:
      `?occlusion=${json({ size: 9999, stride: 2.5, fill: 'sideways', measure: 'activation', target: '99', layer: 'nope', channel: 9999 })}` +
      `&neighbours=${json({ k: 0.5, metric: 'manhattan' })}&pca=${json({ space: 'sideways', method: 'pca', perplexity: -3, sprites: 'x' })}`,
    figures: ['cnn-occlusion#occlusion', 'cnn-nearest-neighbours#neighbours', 'cnn-embedding#pca'],
    after: { occlusion: { measure: 'activation' }, neighbours: null, pca: { method: 'pca' } },
    shown: [
      ['cnn-occlusion#occlusion .status', 'occluded images in'],
      ['cnn-nearest-neighbours#neighbours .status', 'Searched'],
    ],
  },
  {
    page: '/chapters/images-by-optimisation/',
    query:
      `?class-model=${json({ class: '99', steps: 2.5, lambda: -1, bogus: 1, seed: -1 })}` +
      `&unit=${json({ layer: 'nope', channel: 9999, scope: 'sideways' })}&circuit=${json({ layer: 'nope', unit: 9999 })}` +
      `&latent=${json({ target: 'sideways', class: '99', bound: 99, steps: 2.5, compare: 'both', bogus: 1 })}`,
    figures: ['cnn-optvis#class-model', 'cnn-optvis#unit', 'cnn-circuit#circuit', 'cnn-optvis#latent'],
    after: { 'class-model': null, unit: null, circuit: null, latent: null },
    shown: [
      ['cnn-optvis#class-model .status', 'press Run'],
      ['cnn-optvis#unit .status', 'press Run'],
      ['cnn-optvis#latent .status', 'press Run'],
      ['cnn-circuit#circuit [data-circuit$=":0"]', /./],
    ],
  },
];

for (const { page: path, query, figures, after, shown } of CASES) {
  test(`${path}: nonsense in the link is reported once per setting and replaced by the defaults`, async ({ page, problems }) => {
    test.setTimeout(150_000);
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
    for (const [selector, text] of shown) await expect(page.locator(selector).first()).toContainText(text, { timeout: 90_000 });
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
