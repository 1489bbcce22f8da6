/**
 * Model-parameter randomisation tests: Adebayo, Gilmer, Muelly, Goodfellow,
 * Hardt & Kim 2018, "Sanity Checks for Saliency Maps", §3.1,
 * https://arxiv.org/abs/1810.03292.
 *
 * Cascading: re-initialise the network's weights layer by layer from the top
 * (logits first), keeping the layers randomised so far. Independent: re-
 * initialise one layer at a time, every other layer trained, which tells which
 * single layer a method depends on. After every step, recompute each method's
 * map and compare it with
 * the map of the trained network: Spearman rank correlation of absolute
 * values and SSIM of the maps scaled to [0, 1] by their largest magnitude.
 * A method whose maps stay alike while the network is destroyed does not
 * explain the network. Each re-initialised tensor is drawn from N(0, s²), s the
 * standard deviation of the tensor it replaces (so the scale of the
 * activations is kept; a zero bias stays zero).
 *
 * The check needs the network's optional {@link WeightAccess} (convnet.ts):
 * the toy nets, layers models and graph models implement it.
 */
import { type ConvNet, type WeightAccess, hasWeightAccess } from '../convnet';
import { tf, type Tensor } from '../tf';
import { incomparableReason, spearman, ssim } from './similarity';
import type { AttributionInput, AttributionMap, AttributionMethod } from './types';

/** `net` with `layers` re-initialised from `seed` (the same layer gets the same weights in every call); dispose() frees them. */
export function withRandomizedLayers(
  net: ConvNet & WeightAccess,
  layers: readonly string[],
  seed: number,
): { net: ConvNet; dispose(): void } {
  const replacements = tf.tidy(() =>
    Object.fromEntries(
      layers.map((name) => {
        const position = net.layers.findIndex((l) => l.name === name);
        const fresh = net.layerWeights(name).map((w, i) =>
          tf.mul(tf.randomNormal(w.shape, 0, 1, 'float32', seed * 10007 + position * 101 + i), tf.sqrt(tf.moments(w).variance)),
        );
        return [name, fresh];
      }),
    ),
  ) as Record<string, Tensor[]>;
  return { net: net.withLayerWeights(replacements), dispose: () => tf.dispose(Object.values(replacements).flat()) };
}

/** The layers the test randomises, top (logits) first: those with weights to replace. */
export function randomizationOrder(net: ConvNet & WeightAccess): string[] {
  return net.layers.filter((l) => net.layerWeights(l.name).length > 0).map((l) => l.name).reverse();
}

/** How the layers are randomised: top-down, keeping earlier steps' layers random, or one layer at a time. */
export type RandomizationMode = 'cascading' | 'independent';

/** One step of the test: which layers are random, the maps, and their similarity to the trained network's. */
export interface SanityStep {
  randomized: string[];
  maps: Record<string, AttributionMap>;
  /** By method id; NaN where {@link SanityStep.unscored} gives the reason. */
  spearman: Record<string, number>;
  /** By method id; NaN where {@link SanityStep.unscored} gives the reason. */
  ssim: Record<string, number>;
  /** Why a method's scores are undefined at this step (one of the two maps is constant), by method id; only those. */
  unscored: Record<string, string>;
}

async function mapsOf(methods: readonly AttributionMethod[], input: AttributionInput): Promise<Record<string, AttributionMap>> {
  const maps: Record<string, AttributionMap> = {};
  for (const m of methods) maps[m.id] = await m.attribute(input);
  return maps;
}

const magnitude = (m: AttributionMap) => m.data.map(Math.abs);
/** How the reasons for undefined scores name the two maps. */
const UNSCORED_NAMES: [string, string] = ["the trained network's map", 'the map after this step'];
function scaled(m: AttributionMap): Float32Array {
  const a = magnitude(m);
  const max = a.reduce((x, y) => Math.max(x, y), 0);
  return max > 0 ? a.map((v) => v / max) : a;
}

/**
 * Runs the test over every layer with weights, top first. Step 0 randomises
 * nothing (its scores are exactly 1, unless the trained map is constant: then
 * every score of that method is undefined, NaN, with the reason); step i randomises the top i layers
 * (cascading) or the i-th layer from the top alone (independent). The target
 * and the explained layer stay as in `input`.
 */
export async function parameterRandomization(
  input: AttributionInput,
  methods: readonly AttributionMethod[],
  { mode = 'cascading', seed = 0, signal }: { mode?: RandomizationMode; seed?: number; signal?: AbortSignal } = {},
): Promise<SanityStep[]> {
  const { net } = input;
  if (!hasWeightAccess(net)) throw new Error(`${net.title} does not expose its weights, so it cannot be randomised`);
  const order = randomizationOrder(net);
  signal?.throwIfAborted();
  const reference = await mapsOf(methods, input);
  const steps: SanityStep[] = [];
  for (let i = 0; i <= order.length; i++) {
    signal?.throwIfAborted();
    const randomized = mode === 'cascading' ? order.slice(0, i) : order.slice(Math.max(0, i - 1), i);
    const random = withRandomizedLayers(net, randomized, seed);
    try {
      const maps = await mapsOf(methods, { ...input, net: random.net });
      const unscored = Object.fromEntries(
        methods.flatMap((m) => {
          const why = incomparableReason(magnitude(reference[m.id]!), magnitude(maps[m.id]!), UNSCORED_NAMES);
          return why ? [[m.id, why]] : [];
        }),
      );
      const score = (f: (a: AttributionMap, b: AttributionMap) => number) =>
        Object.fromEntries(methods.map((m) => [m.id, unscored[m.id] ? NaN : f(reference[m.id]!, maps[m.id]!)]));
      steps.push({
        randomized,
        maps,
        spearman: score((a, b) => spearman(magnitude(a), magnitude(b))),
        ssim: score((a, b) => ssim(scaled(a), scaled(b), a.width, a.height)),
        unscored,
      });
    } finally {
      random.dispose();
    }
  }
  return steps;
}

/** {@link parameterRandomization} in cascading mode. */
export function cascadingRandomization(
  input: AttributionInput,
  methods: readonly AttributionMethod[],
  options: { seed?: number; signal?: AbortSignal } = {},
): Promise<SanityStep[]> {
  return parameterRandomization(input, methods, { ...options, mode: 'cascading' });
}
