/**
 * The same attribution maps on every backend, in Chromium (the Node tests
 * compare CPU and WASM; WebGL needs a browser). WebGL runs on SwiftShader
 * here, the same shaders a GPU runs.
 */
import { expect, test } from './fixtures';

type Backend = 'cpu' | 'wasm' | 'webgl';
type Page = import('@playwright/test').Page;

/** The largest difference between `a` and `b`, as a fraction of the largest |value| of `a`. */
function relativeDifference(a: number[], b: number[]): number {
  expect(b).toHaveLength(a.length);
  const scale = Math.max(...a.map(Math.abs));
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]!))) / (scale || 1);
}

async function benchPage(page: Page) {
  await page.goto('/bench/');
  await expect(page.locator('#bench-status')).toHaveText('ready');
}

test('the max-pool gradient routes each tied window to its first maximum on every backend', async ({ page, problems }) => {
  await benchPage(page);
  const grads: Record<string, number[]> = {};
  for (const backend of ['cpu', 'wasm', 'webgl'] as Backend[]) {
    grads[backend] = await page.evaluate(
      (b) => (window as unknown as { maxPoolGradOfTies(b: string): Promise<number[]> }).maxPoolGradOfTies(b),
      backend,
    );
  }
  // By hand: x = relu((i·37 mod 11) − 8) over [1, 8, 8, 4], 2×2 windows, dy of window k is k + 1; each window
  // sends its dy to its first maximum in row-major order.
  const x = Array.from({ length: 8 * 8 * 4 }, (_, i) => Math.max(0, ((i * 37) % 11) - 8));
  const expected = new Array<number>(x.length).fill(0);
  let ties = 0;
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++) {
      for (let d = 0; d < 4; d++) {
        const taps = [0, 1, 2, 3].map((t) => ((2 * r + (t >> 1)) * 8 + 2 * c + (t & 1)) * 4 + d);
        const best = Math.max(...taps.map((i) => x[i]!));
        ties += Number(taps.filter((i) => x[i] === best).length > 1);
        expected[taps.find((i) => x[i] === best)!] += (r * 4 + c) * 4 + d + 1;
      }
    }
  }
  expect(ties).toBeGreaterThan(10);
  expect(grads['cpu']).toEqual(expected);
  expect(grads['wasm']).toEqual(grads['cpu']);
  expect(grads['webgl']).toEqual(grads['cpu']);
  expect(problems.list).toEqual([]);
});

test("each build of the book's SIMD kernels gives the stock kernels' results on the page's shared memory", async ({ page, problems }) => {
  await benchPage(page);
  const runs = await page.evaluate(() =>
    (window as unknown as { simdBuildRuns(): Promise<Record<string, { variant: string | null; outputs: number[][] }>> }).simdBuildRuns());
  // The page is cross-origin isolated: the threaded WASM build, whose heap is a SharedArrayBuffer.
  expect([runs['stock']!.variant, runs['plain']!.variant, runs['relaxed']!.variant]).toEqual([null, 'plainShared', 'relaxedShared']);
  const names = ['3×3 convolution', 'its input gradient', '5×5 convolution onto 3 channels', 'its input gradient', 'max-pool gradient'];
  for (const build of ['plain', 'relaxed']) {
    runs['stock']!.outputs.forEach((stock, i) => {
      expect(relativeDifference(stock, runs[build]!.outputs[i]!), `${names[i]}, ${build} build`).toBeLessThan(1e-5);
    });
  }
  expect(problems.list).toEqual([]);
});

/** Every method of the core's registry (src/core/attribution/registry.ts), SmoothGrad's two included. */
const REGISTERED = [
  'cam', 'deconvnet', 'grad-cam', 'grad-cam-counterfactual', 'grad-cam-plus-plus', 'guided-backprop', 'guided-grad-cam',
  'saliency', 'smooth-grad-guided-backprop', 'smooth-grad-saliency',
];

for (const modelId of ['scenes-cnn', 'fashion-vgg']) {
  test(`every registered map of ${modelId} is the same on CPU, WASM and WebGL`, async ({ page, problems }) => {
    test.setTimeout(180_000);
    await benchPage(page);
    // WASM runs the book's SIMD convolutions (relaxed SIMD: Chromium has it), so they are what is compared.
    const kernels = await page.evaluate(() => (window as unknown as { wasmKernels(): Promise<string | null> }).wasmKernels());
    expect(kernels).toMatch(/^relaxed(Shared)?$/);
    const worst: Partial<Record<Backend, number>> = {};
    for (const index of [0, 1]) {
      const maps: Partial<Record<Backend, Record<string, number[]>>> = {};
      for (const backend of ['cpu', 'wasm', 'webgl'] as Backend[]) {
        maps[backend] = await page.evaluate(
          ([b, m, i]) =>
            (window as unknown as { attributionMaps(b: string, m: string, i: number): Promise<Record<string, number[]>> }).attributionMaps(b!, m!, Number(i)),
          [backend, modelId, String(index)],
        );
      }
      const methods = Object.keys(maps.cpu!);
      expect([...methods].sort()).toEqual(REGISTERED);
      for (const method of methods) {
        for (const backend of ['wasm', 'webgl'] as Backend[]) {
          const difference = relativeDifference(maps.cpu![method]!, maps[backend]![method]!);
          worst[backend] = Math.max(worst[backend] ?? 0, difference);
          expect(difference, `${method} on ${backend}, image ${index}`).toBeLessThan(1e-5);
        }
      }
    }
    test.info().annotations.push({ type: 'largest difference from CPU', description: JSON.stringify(worst) });
    expect(problems.list).toEqual([]);
  });
}
