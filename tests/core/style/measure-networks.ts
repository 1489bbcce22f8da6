/**
 * Which feature network serves Gram texture synthesis better: the random texture-features or the
 * trained scenes-cnn. Each synthesises each texture (64×64, from noise, Adam with a decaying rate, in its own input range) in its own features;
 * each result is then scored in both networks' features by its style loss relative to the starting
 * noise's (lower is better), so neither network judges only itself.
 * Run: npx vite-node tests/core/style/measure-networks.ts -- [steps]
 * With `terms` after the steps, texture-features synthesises with each layer term instead (eq. 4 on G,
 * and the relative mean-and-covariance form), scored the same way, in eq. 4 of both networks.
 */
import { resolve } from 'node:path';
import sharp from 'sharp';
import type { ConvNet } from '../../../src/core/convnet';
import { loadProjectModel } from '../../../src/core/model-loader';
import { buildTextureFeatures } from '../../../src/core/models/architectures';
import { render } from '../../../src/core/optvis/render';
import { TEXTURE_FEATURES_RANGE, featureNet } from '../../../src/core/style/feature-net';
import { gramTargets } from '../../../src/core/style/gram';
import { styleLoss, textureSynthesis } from '../../../src/core/style/losses';
import { tf, type Tensor4D } from '../../../src/core/tf';
import { fileUrl, nodeFetch } from '../node-files';

const SIZE = 64;
const LAYERS = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1'];
const steps = Number(process.argv[2] ?? 150);
const compareTerms = process.argv[3] === 'terms';

async function texture(name: string, range: readonly [number, number]): Promise<Tensor4D> {
  const { data } = await sharp(resolve('public/images', `${name}.png`)).removeAlpha().resize(SIZE, SIZE).raw().toBuffer({ resolveWithObject: true });
  return tf.tensor4d(Float32Array.from(data, (v) => range[0] + ((range[1] - range[0]) * v) / 255), [1, SIZE, SIZE, 3]);
}

async function main() {
  await tf.setBackend('wasm');
  const nets: Record<string, ConvNet> = {
    'texture-features': featureNet(buildTextureFeatures(), { id: 'texture-features', inputShape: [SIZE, SIZE, 3], inputRange: TEXTURE_FEATURES_RANGE }),
    'scenes-cnn': await loadProjectModel('scenes-cnn', fileUrl(resolve('public')) + '/', { fetch: nodeFetch }),
  };
  const ids = Object.keys(nets);
  for (const name of ['brick', 'grass', 'gravel']) {
    // Each network sees the sample, and scores images, in its own input range.
    const samples = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await texture(name, nets[id]!.inputRange)] as const)));
    const targets = Object.fromEntries(await Promise.all(ids.map(async (id) => [id, (await gramTargets(nets[id]!, samples[id]!, LAYERS)).map((target) => ({ target, weight: 1 }))] as const)));
    const inRange = (image: Tensor4D, from: readonly [number, number], to: readonly [number, number]) =>
      tf.tidy(() => tf.add(tf.mul(tf.sub(image, from[0]), (to[1] - to[0]) / (from[1] - from[0])), to[0]) as Tensor4D);
    const score = (id: string, image: Tensor4D, from: readonly [number, number]) =>
      tf.tidy(() => styleLoss(nets[id]!.forward(inRange(image, from, nets[id]!.inputRange), { capture: LAYERS }).activations, targets[id]!).dataSync()[0]!);
    const runs = compareTerms ? (['gram', 'stats'] as const).map((loss) => ({ by: 'texture-features', loss })) : ids.map((by) => ({ by, loss: 'gram' as const }));
    for (const { by, loss } of runs) {
      const t0 = performance.now();
      const options = textureSynthesis(nets[by]!, { layers: targets[by]!, size: SIZE, steps, seed: 1, loss });
      const start = tf.tidy(() => options.param!().image());
      const result = await render(nets[by]!, options);
      const image = tf.tensor4d(result.image.data, [1, SIZE, SIZE, 3]);
      const from = nets[by]!.inputRange;
      const ratios = ids.map((id) => `${id}: ${(score(id, image, from) / score(id, start, from)).toExponential(2)}`);
      console.log(`${name} synthesised by ${by}, term ${loss} (${steps} steps, ${((performance.now() - t0) / 1000).toFixed(1)} s): loss/noise loss in ${ratios.join(', ')}`);
      tf.dispose([image, start]);
    }
    tf.dispose(Object.values(samples));
  }
}
main();
