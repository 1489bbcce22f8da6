/**
 * Benchmark cases of the chapter on images made by optimisation: each run is
 * 10 steps of one technique with its defaults on one of the book's networks,
 * so milliseconds per step are the median divided by 10 (multifaceted: the
 * search of the test subset for its starts, then 4 facets of 10 steps; the latent technique: 10 steps
 * through the code of the generator trained on the network's data). DeepDream also runs
 * one octave on a 256×256 copy of the scene (the chapter's goal: under 10 s),
 * and, at that size, two steps with each of several tile sizes.
 * Each run goes as the figure's does: it reads an image back every
 * SNAPSHOT_EVERY steps and yields to the page between steps, with a pause
 * control and a signal, so that its long tasks are the ones a reader meets.
 */
import { circuit, circuitLayers } from '../core/circuits';
import { loadProjectModel } from '../core/model-loader';
import { deepDream } from '../core/optvis/deep-dream';
import { generatorForNetwork, loadGenerator } from '../core/optvis/generator';
import { bookGeneratorCards } from './generators';
import { OPTVIS_TECHNIQUES, type Settings, defaultSettings } from '../core/optvis/registry';
import { PauseControl, SNAPSHOT_EVERY } from '../core/optvis/render';
import { tf, type Tensor4D } from '../core/tf';
import type { BenchCase, BenchWorkload } from './bench-cases';
import { datasetFor, testImageSet } from './test-set';
import { sampleTensor, testSample } from './workbench';
import { assetBase, assetUrl } from './assets';

/** Steps per timed run. */
const STEPS = 10;

/** The loop options the figure gives a run (a view's onStep only draws, so none is given). */
const figureLoop = () => ({ snapshotEvery: SNAPSHOT_EVERY, pause: new PauseControl(), signal: new AbortController().signal });

function optvisCase(modelId: string, techniqueId: string, label: string, overrides: Settings): BenchCase {
  const technique = OPTVIS_TECHNIQUES[techniqueId]!;
  return {
    id: `${modelId}/optvis-${label}`,
    description: `${technique.title} on ${modelId}, test image 0: defaults with ${JSON.stringify(overrides)}`,
    async setup(): Promise<BenchWorkload> {
      const net = await loadProjectModel(modelId, assetBase());
      const source = sampleTensor(net, await testSample(modelId, 0));
      const settings = { ...defaultSettings(technique, net), ...overrides };
      const image = (h: number, w: number) => tf.tidy(() => tf.image.resizeBilinear(source, [h, w], true) as Tensor4D);
      return {
        run: () => technique.run(net, { settings, seed: 0, image, imageSet: () => testImageSet(datasetFor(modelId, net), net), ...figureLoop() }),
        dispose: () => (source.dispose(), net.dispose()),
      };
    },
  };
}

/** 10 steps through the code of the generator whose card names the network (Nguyen et al. 2016), with nothing beside them. */
function latentCase(modelId: string): BenchCase {
  const technique = OPTVIS_TECHNIQUES['latent-class-model']!;
  return {
    id: `${modelId}/optvis-latent-class-model`,
    description: `${technique.title} (the generator of ${modelId}'s data) on ${modelId}: defaults with {"steps":${STEPS},"compare":"none"}`,
    async setup(): Promise<BenchWorkload> {
      const card = generatorForNetwork(await bookGeneratorCards(), modelId);
      if (!card) throw new Error(`No generator's card names ${modelId}.`);
      const net = await loadProjectModel(modelId, assetBase());
      const generator = await loadGenerator(assetUrl(`models/${card.id}/model.json`), card.id);
      const settings = { ...defaultSettings(technique, net), steps: STEPS, compare: 'none' };
      return {
        run: () => technique.run(net, { settings, seed: 0, generator: async () => generator, ...figureLoop() }),
        dispose: () => (generator.dispose(), net.dispose()),
      };
    },
  };
}

/** The circuit of unit 0 of the network's last convolution that has one: reading its weights and ranking them. */
function circuitCase(modelId: string): BenchCase {
  return {
    id: `${modelId}/circuit`,
    description: `Circuit (Olah et al. 2020) of unit 0 of the last convolution of ${modelId} with a previous one: kernel slices, sums, ranking`,
    async setup(): Promise<BenchWorkload> {
      const net = await loadProjectModel(modelId, assetBase());
      const layer = circuitLayers(net).at(-1)!;
      return { run: () => circuit(net, layer, 0), dispose: () => net.dispose() };
    },
  };
}

/** Steps per timed run of the tile sweep: enough for a step's time and its longest task. */
const SWEEP_STEPS = 2;

/**
 * DeepDream on a 256×256 copy of scene 0, one octave of 2 steps at `layer` with the tiles' crops at most
 * `crop` pixels a side (1000: one tile, the whole image in one task): the measurement behind
 * TILE_CROP_SIDE (tiles.ts), each crop's cost per step beside its longest task.
 */
function dreamTileCase(layer: string, crop: number): BenchCase {
  return {
    id: `scenes-cnn/deep-dream-256-${layer}-crop-${crop}`,
    description: `DeepDream on scenes-cnn, test image 0 at 256×256, ${layer}, one octave of ${SWEEP_STEPS} steps, tiles' crops at most ${crop} pixels a side`,
    async setup(): Promise<BenchWorkload> {
      const net = await loadProjectModel('scenes-cnn', assetBase());
      const source = sampleTensor(net, await testSample('scenes-cnn', 0));
      const image = tf.tidy(() => tf.image.resizeBilinear(source, [256, 256], true) as Tensor4D);
      source.dispose();
      return {
        run: () => deepDream(net, image, { layer, octaves: 1, steps: SWEEP_STEPS, tileCrop: crop }, figureLoop()),
        dispose: () => (image.dispose(), net.dispose()),
      };
    },
  };
}

/** Every optimisation technique on each network, and DeepDream at 256×256 on the scenes. */
export function optvisBenchCases(models: readonly string[]): BenchCase[] {
  const dreamOctave = { octaves: 1, steps: STEPS };
  return [
    ...models.flatMap((m) => [
      optvisCase(m, 'class-model', 'class-model', { steps: STEPS }),
      optvisCase(m, 'class-model', 'class-model-fourier', { steps: STEPS, parameterisation: 'fourier' }),
      optvisCase(m, 'class-model', 'class-model-yosinski-3', { steps: STEPS, preset: '3', decay: 0.0001, blurSigma: 1, blurEvery: 4 }),
      optvisCase(m, 'unit', 'channel', { steps: STEPS }),
      optvisCase(m, 'inversion', 'inversion', { steps: STEPS }),
      optvisCase(m, 'deep-dream', 'deep-dream', dreamOctave),
      optvisCase(m, 'multifaceted', 'multifaceted', { facets: 4, steps: STEPS }),
      circuitCase(m),
      latentCase(m),
    ]),
    optvisCase('scenes-cnn', 'deep-dream', 'deep-dream-256', { ...dreamOctave, size: '256' }),
    // The smallest crops that cut each axis into 4, 3, 2 and 1 tiles at relu3_1, and into 5, 4, 2 and 1 at relu4_1.
    ...[104, 128, 160, 1000].map((crop) => dreamTileCase('relu3_1', crop)),
    ...[136, 144, 168, 1000].map((crop) => dreamTileCase('relu4_1', crop)),
  ];
}
