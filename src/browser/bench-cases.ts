/**
 * What `npm run bench` times in the browser: one entry per technique, each a
 * workload built on the active backend. A chapter that adds a technique adds
 * its case here, so the benchmark follows the book.
 */
import { createProbeNet } from '../core/probe-net';
import { computeReluTables } from '../core/relu-tables';
import { tf } from '../core/tf';
import { foolingImage } from '../core/attribution/adversarial';
import { ATTRIBUTION_METHODS } from '../core/attribution/registry';
import type { AttributionMethod, Target } from '../core/attribution/types';
import type { ConvNet } from '../core/convnet';
import { loadProjectModel } from '../core/model-loader';
import { generateScene } from '../core/data/scenes';
import { segmentFromSaliency } from '../core/segmentation/grabcut';
import { segmentationQuality } from '../core/segmentation/quality';
import { activationMaps, layerProfile } from '../core/activation-maps';
import { deadFilters } from '../core/features/dead-filters';
import { DEFAULT_BATCH_SIZE } from '../core/features/image-set';
import { topActivations, unitProjection } from '../core/features/top-patches';
import { filterSet } from '../core/filters';
import { untrainedCopy } from '../core/untrained-copy';
import { datasetFor, testImageSet } from './test-set';
import { sampleTensor, testSample } from './workbench';
import { optvisBenchCases } from './optvis-bench-cases';
import { styleBenchCases } from './style-bench-cases';
import { textureBenchCases } from './texture-bench-cases';
import { extractFeatures } from '../core/features/features';
import { occlusionMap } from '../core/features/occlusion';
import { pca } from '../core/features/pca';
import { Tsne } from '../core/features/tsne';
import { assetBase } from './assets';
import { FAST_STYLE_MODELS, loadFastStyle } from '../core/fast-style/stylise';

/** A workload ready to be timed; owns its tensors until disposed. */
export interface BenchWorkload {
  run(): Promise<unknown>;
  dispose(): void;
}

/** A named benchmark case. */
export interface BenchCase {
  id: string;
  /** What one run does, for the results file. */
  description: string;
  setup(): Promise<BenchWorkload>;
}

/** The book's networks the technique cases run on, with the test image they explain. */
export const BENCH_MODELS = ['scenes-cnn', 'fashion-vgg'] as const;

/** Every benchmark case, in the book's order. */
export const BENCH_CASES: BenchCase[] = [
  {
    id: 'probe-forward-input-gradient',
    description: 'probe CNN (64×64×3, three 3×3 conv layers 16/32/64): forward pass and input gradient',
    async setup() {
      return createProbeNet();
    },
  },
  {
    id: 'relu-tables',
    description: 'ReLU chapter tables: forward output and the three backward rules on a 3×3 grid',
    async setup() {
      const x = [[1, -1, 5], [2, -5, -7], [-3, 2, 4]];
      const r = [[-2, 3, -1], [6, -3, 1], [2, -1, 3]];
      return { run: () => computeReluTables(x, r), dispose() {} };
    },
  },
  ...attributionBenchCases(),
  ...saliencySegmentationBenchCases(),
  ...insideTheNetworkBenchCases(),
  ...featureSpaceBenchCases(),
  ...optvisBenchCases(BENCH_MODELS),
  ...styleBenchCases(),
  ...fastStyleBenchCases(),
  ...textureBenchCases(),
];

/**
 * Gradients and class activation maps: every registered method with its
 * defaults, and 10 steps of I-FGSM, on each of the book's trained networks and
 * its test image 0, explaining the predicted class.
 */
function attributionBenchCases(): BenchCase[] {
  const onBookModel =
    (modelId: string, run: (input: { net: ConvNet; image: tf.Tensor4D; target: Target }) => Promise<unknown>) =>
    async (): Promise<BenchWorkload> => {
      const net = await loadProjectModel(modelId, assetBase());
      const image = sampleTensor(net, await testSample(modelId, 0));
      const logits = tf.tidy(() => net.forward(image).logits.argMax(1));
      const target: Target = { kind: 'class', index: (await logits.data())[0]! };
      logits.dispose();
      return { run: () => run({ net, image, target }), dispose: () => (image.dispose(), net.dispose()) };
    };
  return BENCH_MODELS.flatMap((modelId) => [
    ...Object.values(ATTRIBUTION_METHODS).map((method: AttributionMethod) => ({
      id: `${modelId}/${method.id}`,
      description: `${method.title} on ${modelId}, default layer and options`,
      setup: onBookModel(modelId, (input) => method.attribute(input)),
    })),
    {
      id: `${modelId}/adversarial-i-fgsm`,
      description: `fooling image on ${modelId}: 10 I-FGSM steps away from the predicted class`,
      setup: onBookModel(modelId, ({ net, image }) => foolingImage(net, image, { steps: 10 })),
    },
  ]);
}

/**
 * Saliency chapter: GrabCut from a saliency map with the book's defaults (soft
 * seeds, quantiles 97% / 50%, λ = 50, at most 5 iterations) on a 64×64 scene.
 * The map is the object mask blurred by a 9×9 box, a stand-in that needs no
 * network. Then one scene of the chapter's quality table on scenes-cnn: its five
 * seed maps, their cuts and the two baselines.
 */
function saliencySegmentationBenchCases(): BenchCase[] {
  return [
    {
      id: 'saliency-segmentation-64',
      description: 'GrabCut seeded by a saliency map (blurred object mask) on a 64×64 scene, default settings',
      async setup() {
        const scene = generateScene(1);
        const { width, height, mask } = scene;
        const saliency = new Float32Array(width * height);
        for (let y = 0; y < height; y++) {
          for (let x = 0; x < width; x++) {
            let sum = 0;
            for (let dy = -4; dy <= 4; dy++) {
              for (let dx = -4; dx <= 4; dx++) sum += mask[Math.min(height - 1, Math.max(0, y + dy)) * width + Math.min(width - 1, Math.max(0, x + dx))]!;
            }
            saliency[y * width + x] = sum / 81;
          }
        }
        const image = { width, height, data: scene.data };
        return { run: () => segmentFromSaliency({ image, saliency }), dispose() {} };
      },
    },
    {
      id: 'scenes-cnn/segmentation-quality-scene',
      description: 'one test scene of the segmentation quality table on scenes-cnn: five seed maps, five cuts, two baselines',
      async setup() {
        const net = await loadProjectModel('scenes-cnn', assetBase());
        return { run: () => segmentationQuality({ net, count: 1 }), dispose: () => net.dispose() };
      },
    },
  ];
}

/**
 * Filters and activations chapter, on scenes-cnn: the first layer's filters beside the untrained copy's;
 * every map of relu1_1 and the profile across depth for test image 0; dead filters over the whole test
 * subset; and the top 9 patches of channel 0 of the last layer over the subset, with their guided-backprop
 * projections (the chapter's goal: under 5 s).
 */
function insideTheNetworkBenchCases(): BenchCase[] {
  const modelId = 'scenes-cnn';
  const withNet = (run: (input: { net: ConvNet; image: tf.Tensor4D; set: Awaited<ReturnType<typeof testImageSet>> }) => Promise<unknown>) =>
    async (): Promise<BenchWorkload> => {
      const net = await loadProjectModel(modelId, assetBase());
      const image = sampleTensor(net, await testSample(modelId, 0));
      const set = await testImageSet(datasetFor(modelId, net), net);
      return { run: () => run({ net, image, set }), dispose: () => (image.dispose(), net.dispose()) };
    };
  return [
    {
      id: `${modelId}/filters`,
      description: 'conv1_1 filters of scenes-cnn and of an untrained copy (drawn, then freed), per-filter scale',
      setup: withNet(async ({ net }) => {
        const copy = untrainedCopy(net);
        try {
          return [await filterSet(net, 'conv1_1'), await filterSet(copy.net, 'conv1_1')];
        } finally {
          copy.dispose();
        }
      }),
    },
    {
      id: `${modelId}/activation-maps`,
      description: 'every channel of relu1_1 for test image 0, and the sparsity and size of every layer',
      setup: withNet(async ({ net, image }) => [await activationMaps(net, image, 'relu1_1'), await layerProfile(net, image)]),
    },
    {
      id: `${modelId}/dead-filters-subset`,
      description: `dead filters of every layer with feature maps over the whole test subset, batches of ${DEFAULT_BATCH_SIZE}`,
      setup: withNet(({ net, set }) => deadFilters(net, set)),
    },
    {
      id: `${modelId}/top-9-patches-subset`,
      description: 'top 9 patches of relu4_1 channel 0 over the whole test subset, with their guided-backprop projections',
      setup: withNet(async ({ net, set }) => {
        const tops = await topActivations(net, set, { layer: 'relu4_1', channel: 0 });
        for (const top of tops) {
          const image = await set.batch(top.index, top.index + 1);
          await unitProjection(net, image, { layer: 'relu4_1', channel: 0, y: top.y, x: top.x }, 'guided-backprop', top.box);
          image.dispose();
        }
        return tops;
      }),
    },
  ];
}

/**
 * Occlusion and feature-space chapter, with its goals: the last-hidden-layer features of the whole scenes
 * subset (under 3 s), a full occlusion map of a 64×64 scene at stride 4 (under 1 s), and PCA (under 200 ms)
 * and t-SNE (perplexity 30: a stable layout in under 10 s) of the 2,000 feature vectors of fashion-vgg's
 * test subset. The t-SNE run is split into its parts: neighbours and calibration, one late iteration (the
 * longest piece of work between two frames of the figure), and the whole run of 1,000 iterations.
 */
function featureSpaceBenchCases(): BenchCase[] {
  const withSubset = <T>(modelId: string, make: (net: ConvNet, set: Awaited<ReturnType<typeof testImageSet>>) => Promise<T>, run: (net: ConvNet, made: T) => Promise<unknown>) =>
    async (): Promise<BenchWorkload> => {
      const net = await loadProjectModel(modelId, assetBase());
      const made = await make(net, await testImageSet(datasetFor(modelId, net), net));
      return { run: () => run(net, made), dispose: () => net.dispose() };
    };
  const fashionFeatures = (net: ConvNet, set: Awaited<ReturnType<typeof testImageSet>>) => extractFeatures(net, set);
  return [
    {
      id: 'scenes-cnn/features-subset',
      description: `last-hidden-layer (gap) features of the 1,000-scene test subset, batches of ${DEFAULT_BATCH_SIZE}`,
      setup: withSubset('scenes-cnn', async (_, set) => set, (net, set) => extractFeatures(net, set)),
    },
    {
      id: 'scenes-cnn/occlusion-stride-4',
      description: 'occlusion map of test scene 0 (64×64): 12-pixel grey patch at stride 4, 256 images, probability of the predicted class',
      setup: withSubset(
        'scenes-cnn',
        async (net) => sampleTensor(net, await testSample('scenes-cnn', 0)),
        async (net, image) => {
          const logits = tf.tidy(() => net.forward(image).logits.argMax(1));
          const classIndex = (await logits.data())[0]!;
          logits.dispose();
          return occlusionMap(net, image, { size: 12, stride: 4, fill: 'grey', measure: { kind: 'probability', classIndex } });
        },
      ),
    },
    {
      id: 'fashion-vgg/pca-2000',
      description: 'PCA (two components) of the 2,000 last-hidden-layer vectors (128 numbers) of the Fashion-MNIST subset',
      setup: withSubset('fashion-vgg', fashionFeatures, (_, features) => pca(features, 2)),
    },
    {
      id: 'fashion-vgg/tsne-2000-prepare',
      description: 't-SNE of the 2,000 fashion-vgg feature vectors, perplexity 30: nearest neighbours and perplexity calibration',
      setup: withSubset('fashion-vgg', fashionFeatures, (_, features) => new Tsne(features).prepare()),
    },
    {
      id: 'fashion-vgg/tsne-2000-iteration',
      description: 'one Barnes–Hut t-SNE iteration (θ = 0.5) on the 2,000 fashion-vgg feature vectors, after 300 iterations',
      setup: withSubset(
        'fashion-vgg',
        async (net, set) => {
          const tsne = new Tsne(await fashionFeatures(net, set));
          await tsne.prepare();
          for (let i = 0; i < 300; i++) tsne.step();
          return tsne;
        },
        async (_, tsne) => tsne.step(),
      ),
    },
    {
      id: 'fashion-vgg/tsne-2000-1000-iterations',
      description: 't-SNE of the 2,000 fashion-vgg feature vectors, perplexity 30: preparation and 1,000 iterations',
      setup: withSubset('fashion-vgg', fashionFeatures, async (_, features) => {
        const tsne = new Tsne(features);
        await tsne.prepare();
        for (let i = 0; i < 1000; i++) tsne.step();
        return tsne.klDivergence();
      }),
    },
  ];
}

/**
 * Fast style transfer: one 256×256 frame through each shipped transformer, from RGBA pixels to RGBA
 * pixels (the camera view is live below 100 ms a frame).
 */
function fastStyleBenchCases(): BenchCase[] {
  return FAST_STYLE_MODELS.map((id) => ({
    id: `${id}/stylise-256`,
    description: `fast style transfer: one 256×256 frame through ${id}, pixels in and out`,
    async setup() {
      const net = await loadFastStyle(id, assetBase());
      const scene = generateScene(1, { size: 256 });
      const image = { width: 256, height: 256, channels: 3 as const, data: Float32Array.from(scene.data, (v) => v * 255) };
      const weights = net.styles.map((_, i) => (i === 0 ? 0.5 : 0.5 / (net.styles.length - 1)));
      return { run: () => net.stylise(image, weights, 256), dispose: () => net.dispose() };
    },
  }));
}
