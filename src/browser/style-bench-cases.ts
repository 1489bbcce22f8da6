/**
 * Benchmark cases of the texture and style chapter: each run is 5 steps of Gram texture synthesis or of
 * Gatys style transfer on texture-features at the figures' default size (64) and at their largest (128),
 * so milliseconds per step are the median divided by 5. The targets (Gram matrices, content code) are
 * prepared once in setup, as the figures prepare them before a run.
 */
import { toModelInput } from '../core/image';
import { layerCode } from '../core/optvis/feature-inversion';
import { render } from '../core/optvis/render';
import { TEXTURE_FEATURES_RANGE, loadFeatureNet } from '../core/style/feature-net';
import { gramTargets } from '../core/style/gram';
import { styleTransfer, textureSynthesis } from '../core/style/losses';
import type { BenchCase, BenchWorkload } from './bench-cases';
import { assetUrl } from './assets';
import { loadGallery, loadGalleryImage } from './gallery';

/** Steps per timed run. */
const STEPS = 5;
const LAYERS = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1'];

async function galleryInput(id: string, size: number) {
  const entry = (await loadGallery()).find((g) => g.id === id)!;
  return toModelInput(await loadGalleryImage(entry), { height: size, width: size, channels: 3, range: TEXTURE_FEATURES_RANGE });
}

function styleCase(kind: 'gram' | 'transfer', size: number): BenchCase {
  return {
    id: `texture-features/${kind === 'gram' ? 'gram-synthesis' : 'style-transfer'}-${size}`,
    description:
      kind === 'gram'
        ? `Gram texture synthesis of brick at ${size}×${size}, relu1_1…relu4_1: ${STEPS} Adam steps`
        : `Gatys style transfer of boats in the style of stars at ${size}×${size} (α 1, β 1000, γ 0.01, content relu3_1): ${STEPS} Adam steps`,
    async setup(): Promise<BenchWorkload> {
      const net = await loadFeatureNet(assetUrl('models/texture-features/model.json'), { id: 'texture-features', inputShape: [size, size, 3], inputRange: TEXTURE_FEATURES_RANGE });
      const style = await galleryInput(kind === 'gram' ? 'brick' : 'stars', size);
      const layers = (await gramTargets(net, style, LAYERS)).map((target) => ({ target, weight: 1 }));
      style.dispose();
      let options;
      if (kind === 'gram') {
        options = textureSynthesis(net, { layers, size, steps: STEPS, seed: 0 });
      } else {
        const content = await galleryInput('boats', size);
        const code = await layerCode(net, content, 'relu3_1');
        const start = (await content.data()) as Float32Array;
        content.dispose();
        options = styleTransfer(net, { content: code, layers, contentWeight: 1, styleWeight: 1000, tvWeight: 0.01, size, steps: STEPS, seed: 0, start });
      }
      return { run: () => render(net, options), dispose: () => net.dispose() };
    },
  };
}

/** The chapter's cases: Gram synthesis and style transfer at 64 and 128 pixels. */
export function styleBenchCases(): BenchCase[] {
  return [styleCase('gram', 64), styleCase('gram', 128), styleCase('transfer', 64), styleCase('transfer', 128)];
}
