/**
 * Loss against wall time of the style figures' jobs (src/core/style/style-job.ts) on texture-features,
 * WASM, one thread: every 5 steps the image is scored at full size, in eq. 4 (the Gram loss) and in the
 * figure's relative mean-and-covariance term, each as a fraction of the starting noise's (synthesis), or
 * in the figure's total loss (transfer); the milliseconds are the job's own, without the scoring.
 * Run: npx vite-node tests/core/style/measure-convergence.ts -- gram|transfer SIZE STEPS [COARSE_SHARE] [RATE] [SAMPLE]
 * (COARSE_SHARE 0: one stage at full size). Prints one JSON line per snapshot and a summary line.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import sharp from 'sharp';
import type { RasterImage } from '../../../src/core/image';
import { toModelInput } from '../../../src/core/image';
import { buildTextureFeatures } from '../../../src/core/models/architectures';
import { TEXTURE_FEATURES_RANGE, featureNet } from '../../../src/core/style/feature-net';
import { gramTargets } from '../../../src/core/style/gram';
import { styleLoss, transferTerms } from '../../../src/core/style/losses';
import { layerCode } from '../../../src/core/optvis/feature-inversion';
import { STYLE_LAYERS, type StyleJob, coarseToFine, runStyleJob } from '../../../src/core/style/style-job';
import { tf } from '../../../src/core/tf';
import type { RenderedImage } from '../../../src/core/optvis/render';

const [kind = 'gram', sizeArg = '128', stepsArg = '300', shareArg, rateArg = '0.02', sample = kind === 'gram' ? 'brick' : 'stars'] = process.argv.slice(2);
const learningRate = Number(rateArg);
const size = Number(sizeArg);
const steps = Number(stepsArg);
const share = shareArg === undefined ? undefined : Number(shareArg);

async function picture(name: string): Promise<RasterImage> {
  const file = JSON.parse(readFileSync('public/images/gallery.json', 'utf8')).images.find((g: { id: string }) => g.id === name).file;
  const { data, info } = await sharp(resolve('public/images', file)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, channels: 3, data: new Uint8ClampedArray(data) };
}

async function main() {
  await tf.setBackend('wasm');
  const net = featureNet(buildTextureFeatures(), { id: 'texture-features', inputShape: [size, size, 3], inputRange: TEXTURE_FEATURES_RANGE });
  const layers = STYLE_LAYERS.map((layer) => ({ layer, weight: 1 }));
  const stages = coarseToFine(size, steps, { minSize: 0, coarseShare: share ?? 0 });
  const style = await picture(sample);
  const job: StyleJob =
    kind === 'gram'
      ? { kind: 'gram', sample: style, layers, term: 'stats', size, steps, seed: 1, stages, learningRate }
      : { kind: 'transfer', content: await picture('boats'), styles: [{ image: style, weight: 1 }], scale: 1, contentLayer: 'relu3_1', contentWeight: 1, styleWeight: 1000, tvWeight: 0.01, size, steps, seed: 0, stages, learningRate };
  // Full-size targets to score every snapshot against.
  const x = toModelInput(style, { height: size, width: size, channels: 3, range: net.inputRange });
  const targets = (await gramTargets(net, x, STYLE_LAYERS)).map((target) => ({ target, weight: 1 }));
  x.dispose();
  const score = (image: RenderedImage) =>
    tf.tidy(() => {
      let t = tf.tensor4d(image.data, [1, image.height, image.width, 3]);
      if (image.width !== size) t = tf.image.resizeBilinear(t, [size, size], false, true);
      const { activations } = net.forward(t, { capture: [...STYLE_LAYERS] });
      return [styleLoss(activations, targets, 'gram').dataSync()[0]!, styleLoss(activations, targets, 'stats').dataSync()[0]!];
    });
  // Style transfer: the figure's total loss α L_content + β L_style + γ L_TV at full size (α 1, β 1000, γ 0.01).
  let total: ((image: RenderedImage) => Promise<number>) | null = null;
  if (job.kind === 'transfer') {
    const c = toModelInput(job.content, { height: size, width: size, channels: 3, range: net.inputRange });
    const code = await layerCode(net, c, 'relu3_1');
    c.dispose();
    total = async (image) => {
      const up = image.width === size ? image : { width: size, height: size, channels: 3, data: tf.tidy(() => tf.image.resizeBilinear(tf.tensor4d(image.data, [1, image.height, image.width, 3]), [size, size], false, true).dataSync() as Float32Array) };
      const t = await transferTerms(net, up, { content: code, layers: targets });
      return t.content + 1000 * t.style + 0.01 * t.tv;
    };
  }
  const noise = tf.tidy(() => tf.add(tf.mul(tf.randomNormal([1, size, size, 3], 0, 1, 'float32', 1), 0.1 * 2), 0));
  const [gram0, stats0] = score({ width: size, height: size, channels: 3, data: noise.dataSync() as Float32Array });
  noise.dispose();
  const snapshots: { step: number; ms: number; image: RenderedImage; loss: number; stage: number }[] = [];
  let ms = 0;
  const result = await runStyleJob(net, job, {
    onStep: (s) => {
      ms += s.ms;
      if (s.image) snapshots.push({ step: s.step, ms, image: s.image, loss: s.loss, stage: s.size });
    },
  });
  for (const s of snapshots) {
    const [gram, stats] = score(s.image);
    const extra = total ? { total: await total(s.image) } : {};
    console.log(JSON.stringify({ step: s.step, size: s.stage, s: +(s.ms / 1000).toFixed(2), loss: s.loss, gramOfNoise: gram! / gram0!, statsOfNoise: stats! / stats0!, ...extra }));
  }
  const png = Buffer.from(Uint8Array.from(result.image!.data, (v) => Math.round(((v + 1) / 2) * 255)));
  const file = `/tmp/style-${kind}-${sample}-${size}-${steps}-${share ?? 'default'}-${learningRate}.png`;
  await sharp(png, { raw: { width: size, height: size, channels: 3 } }).png().toFile(file);
  console.log(JSON.stringify({ summary: true, kind, size, steps, stages, learningRate, seconds: ms / 1000, msPerStep: ms / steps, file }));
  net.dispose();
}
main();
