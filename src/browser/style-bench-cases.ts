/**
 * Benchmark cases of the texture and style chapter, on texture-features:
 * - per step: 5 steps of Gram texture synthesis or of Gatys style transfer at the figures' default size (64)
 *   and at their largest (128), so milliseconds per step are the median divided by 5; the targets (Gram
 *   matrices, content code) are prepared once in setup, as a job prepares them before its steps;
 * - to converge: the figure's whole job (src/core/style/style-job.ts, its default steps and rate)
 *   from the gallery's pictures, stopped at the step where it has converged by the measure of
 *   {@link converged}, so the median is the time a reader waits for the result;
 * - in the worker: 10 steps at 128 pixels run by the figure's runner in its Web Worker, so the long tasks
 *   the harness records are the page's own while a run goes on.
 */
import type { RasterImage } from '../core/image';
import { toModelInput } from '../core/image';
import { layerCode } from '../core/optvis/feature-inversion';
import { PauseControl, SNAPSHOT_EVERY, render } from '../core/optvis/render';
import { TEXTURE_FEATURES_RANGE, loadFeatureNet } from '../core/style/feature-net';
import { gramTargets } from '../core/style/gram';
import { SYNTHESIS_DEFAULTS, TRANSFER_DEFAULTS, styleTransfer, textureSynthesis } from '../core/style/losses';
import { type StyleJob, STYLE_LAYERS, converged, runStyleJob } from '../core/style/style-job';
import type { BenchCase, BenchWorkload } from './bench-cases';
import { assetUrl } from './assets';
import { loadGallery, loadGalleryImage } from './gallery';
import { StyleRunner } from './style-runner';

/** Steps per timed run of the per-step cases. */
const STEPS = 5;
const LAYERS = [...STYLE_LAYERS];

async function picture(id: string): Promise<RasterImage> {
  const entry = (await loadGallery()).find((g) => g.id === id)!;
  return loadGalleryImage(entry);
}

const loadNet = (size: number) => loadFeatureNet(assetUrl('models/texture-features/model.json'), { id: 'texture-features', inputShape: [size, size, 3], inputRange: TEXTURE_FEATURES_RANGE });

/** The loop options a figure gives a run. */
const figureLoop = () => ({ snapshotEvery: SNAPSHOT_EVERY, pause: new PauseControl(), signal: new AbortController().signal });

function stepCase(kind: 'gram' | 'transfer', size: number): BenchCase {
  return {
    id: `texture-features/${kind === 'gram' ? 'gram-synthesis' : 'style-transfer'}-${size}`,
    description:
      kind === 'gram'
        ? `Gram texture synthesis of brick at ${size}×${size}, relu1_1…relu4_1: ${STEPS} Adam steps`
        : `Gatys style transfer of boats in the style of stars at ${size}×${size} (α 1, β 1000, γ 0.01, content relu3_1): ${STEPS} Adam steps`,
    async setup(): Promise<BenchWorkload> {
      const net = await loadNet(size);
      const input = async (id: string) => toModelInput(await picture(id), { height: size, width: size, channels: 3, range: TEXTURE_FEATURES_RANGE });
      const style = await input(kind === 'gram' ? 'brick' : 'stars');
      const layers = (await gramTargets(net, style, LAYERS)).map((target) => ({ target, weight: 1 }));
      style.dispose();
      let options;
      if (kind === 'gram') {
        options = textureSynthesis(net, { layers, size, steps: STEPS, seed: 0, loss: 'stats' });
      } else {
        const content = await input('boats');
        const code = await layerCode(net, content, 'relu3_1');
        const start = (await content.data()) as Float32Array;
        content.dispose();
        options = styleTransfer(net, { content: code, layers, contentWeight: 1, styleWeight: 1000, tvWeight: 0.01, size, steps: STEPS, seed: 0, start });
      }
      return { run: () => render(net, { ...options, ...figureLoop() }), dispose: () => net.dispose() };
    },
  };
}

/** The figures' default jobs at `size` pixels: brick synthesised (300 steps), boats in the style of stars (200 steps). */
async function figureJob(kind: 'gram' | 'transfer', size: number, steps: number): Promise<StyleJob> {
  if (kind === 'gram') return { kind, sample: await picture('brick'), layers: LAYERS.map((layer) => ({ layer, weight: 1 })), term: 'stats', size, steps, seed: 0 };
  return { kind, content: await picture('boats'), styles: [{ image: await picture('stars'), weight: 1 }], scale: 1, contentLayer: 'relu3_1', contentWeight: 1, styleWeight: 1000, tvWeight: 0.01, size, steps, seed: 0 };
}

const FIGURE_STEPS = { gram: SYNTHESIS_DEFAULTS.steps, transfer: TRANSFER_DEFAULTS.steps } as const;

function convergeCase(kind: 'gram' | 'transfer', size: number): BenchCase {
  const steps = FIGURE_STEPS[kind];
  return {
    id: `texture-features/${kind === 'gram' ? 'gram-synthesis' : 'style-transfer'}-${size}-to-converge`,
    description: `the ${kind === 'gram' ? 'Gram synthesis' : 'style-transfer'} figure's default job at ${size}×${size} (${steps} steps planned), stopped at the step where it has converged (style-job.ts, converged)`,
    async setup(): Promise<BenchWorkload> {
      const net = await loadNet(size);
      const job = await figureJob(kind, size, steps);
      return {
        run: async () => {
          const controller = new AbortController();
          const losses: number[] = [];
          await runStyleJob(net, job, {
            signal: controller.signal,
            pause: new PauseControl(),
            onStep: (s) => {
              losses.push(s.loss);
              if (converged(kind, losses)) controller.abort();
            },
          });
          return losses.length;
        },
        dispose: () => net.dispose(),
      };
    },
  };
}

function workerCase(size: number): BenchCase {
  const steps = 10;
  return {
    id: `texture-features/gram-synthesis-${size}-in-worker`,
    description: `Gram texture synthesis of brick at ${size}×${size} in the figure's Web Worker (style-runner.ts, on the page's backend): ${steps} steps; the long tasks are the page's while it runs`,
    async setup(): Promise<BenchWorkload> {
      const runner = new StyleRunner();
      const place = await runner.where();
      if (!place.worker) throw new Error(`The style worker did not start: ${place.reason}.`);
      const job = await figureJob('gram', size, steps);
      return {
        run: () => runner.run(job, 'texture-features', { signal: new AbortController().signal }),
        dispose: () => runner.dispose(),
      };
    },
  };
}

/** The chapter's cases. */
export function styleBenchCases(): BenchCase[] {
  return [
    stepCase('gram', 64),
    stepCase('gram', 128),
    stepCase('transfer', 64),
    stepCase('transfer', 128),
    convergeCase('gram', 64),
    convergeCase('gram', 128),
    convergeCase('transfer', 128),
    workerCase(128),
  ];
}
