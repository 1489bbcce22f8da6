/**
 * Measures the fast style networks on content they never saw: the held-out astronaut photograph (128 and
 * 256 pixels) and four test scenes of src/core/data/scenes.ts (64 pixels), per style, with the terms of
 * training (scripts/train-fast-style.ts: same feature network, layers and units), the structure term (the
 * content term of mean-free features: about 1 for a flat picture), the correlation of the output's edges
 * with the input's (luminance gradient magnitudes: 1 for the input itself) and the style term as a
 * fraction of the input's own. It prints each style's scale ℓ̄^s on the training crops (src/core/fast-style/style-weights.ts)
 * and writes a sheet of the pictures: one row per image, the input, each style of fast-style-cin, then
 * fast-style-in (wood).
 *
 *   npx vite-node scripts/measure-fast-style.ts -- [--cin DIR] [--png FILE]
 *
 * --cin measures a trial run of fast-style-cin written elsewhere (train's --out).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf, tfl } from './lib/node-tf';
import { fileLoadHandler } from './lib/fs-io';
import { edgeCorrelation } from './lib/edge-correlation';
import { styleScale } from '../src/core/fast-style/style-weights';
import '../src/core/fast-style/instance-norm';
import { FAST_STYLE_RECIPES, HELD_OUT, copyStyleLosses, heldOutImages, losses, prepare, readImage, sampleSheet, structureTerm, stylisedImage, type Photo } from './train-fast-style';

const PUBLIC = join(import.meta.dirname, '..', 'public');
const ONES = [1, 1, 1];

const flag = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

async function main() {
  await tf.setBackend('wasm');
  await tf.ready();
  const recipe = FAST_STYLE_RECIPES['fast-style-cin']!;
  const { photos, net, targets } = await prepare(recipe);
  const scales = copyStyleLosses(net, photos, targets).map(styleScale);
  console.log('style scales ℓ̄^s on the training crops:', Object.fromEntries(recipe.styles.map((s, i) => [s, Number(scales[i]!.toPrecision(4))])));

  const [astronaut, ...scenes] = await heldOutImages();
  const images: Photo[] = [astronaut!, { ...(await readImage(HELD_OUT, 'astronaut.jpg', 256)), id: `${HELD_OUT} 256` }, ...scenes];
  const load = (dir: string) => tfl.loadLayersModel(fileLoadHandler(dir));
  const cin = await load(flag('cin') ?? join(PUBLIC, 'models', 'fast-style-cin'));
  const single = await load(join(PUBLIC, 'models', 'fast-style-in'));
  const columns = [
    ...recipe.styles.map((style, s) => ({ name: `fast-style-cin ${style}`, style: s, apply: (img: Photo) => stylisedImage(cin, 'conditional', 3, s, img) })),
    { name: 'fast-style-in wood', style: 0, apply: (img: Photo) => stylisedImage(single, 'instance', 1, 0, img) },
  ];

  const rows: Photo[][] = [];
  const lines: Record<string, string[]> = {};
  for (const img of images) {
    const row = [img];
    for (const col of columns) {
      const out = col.apply(img);
      const t = tf.tidy(() => {
        const x = tf.tensor4d(img.data, [1, img.height, img.width, 3]);
        const y = tf.tensor4d(out.data, [1, img.height, img.width, 3]);
        const l = losses(net, y, x, [col.style], targets, ONES);
        const copy = losses(net, x, x, [col.style], targets, ONES).style.dataSync()[0]!;
        return { content: l.content.dataSync()[0]!, structure: structureTerm(net, y, x).dataSync()[0]!, style: l.style.dataSync()[0]!, copy };
      });
      row.push(out);
      (lines[col.name] ??= []).push(`  ${img.id.padEnd(14)} content ${t.content.toFixed(3)}  structure ${t.structure.toFixed(3)}  edges ${edgeCorrelation(img, out).toFixed(2)}  style ${t.style.toPrecision(3)} (${((100 * t.style) / t.copy).toPrecision(2)}% of the input's ${t.copy.toPrecision(4)})`);
    }
    rows.push(row);
  }
  for (const [name, list] of Object.entries(lines)) console.log(`${name}\n${list.join('\n')}`);
  const file = flag('png') ?? '/tmp/fast-style-sheet.png';
  writeFileSync(file, sampleSheet(rows));
  console.log(`columns: input, ${columns.map((c) => c.name).join(', ')}; wrote ${file}`);
  net.dispose();
  cin.dispose();
  single.dispose();
}

await main();
