/**
 * What the learned prior does, per class: the latent figure's defaults (λ = 0.01, Adam at 0.05 on z,
 * b = 3, 100 steps, seed 0, the pixel-space class model beside it) on a classifier, through the
 * generator whose card names it. Prints, for every class, the logit reached in pixel space and through
 * the generator, ‖z‖ and the entries at the bound, then the means, and the result as JSON (for the
 * generator's card and notes). `--card` records the result in the generator's card.json (as
 * `latentSearch`); `--sheet PATH` writes a PNG of the images, the pixel-space ones in the top row and
 * those through the generator below, one column per class.
 * Run: npx vite-node tests/core/optvis/measure-latent.ts -- <network id> [--steps N] [--card] [--sheet PATH]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { encodePng } from '../../../scripts/lib/png';
import type { RenderedImage } from '../../../src/core/optvis/render';
import { loadProjectModel } from '../../../src/core/model-loader';
import { generatorForNetwork, loadGenerator, loadGeneratorCards } from '../../../src/core/optvis/generator';
import { OPTVIS_TECHNIQUES, defaultSettings } from '../../../src/core/optvis/registry';
import { tf } from '../../../src/core/tf';
import { fileUrl, nodeFetch } from '../node-files';

const argv = process.argv.slice(2).filter((a) => a !== '--');
const flag = (name: string) => (argv.includes(`--${name}`) ? argv[argv.indexOf(`--${name}`) + 1] : undefined);
const netId = argv[0] ?? 'scenes-cnn';
const [stepsArg, sheetPath] = [flag('steps'), flag('sheet')];
const base = fileUrl(resolve('public')) + '/';
const number = (text: string, pattern: RegExp) => Number(text.match(pattern)?.[1]);

/** Rows of equally sized images side by side, from the network's input range to bytes. */
function sheetPng(grid: RenderedImage[][], [lo, hi]: readonly [number, number]): Buffer {
  const { width: w, height: h, channels: c } = grid[0]![0]!;
  const cols = grid[0]!.length;
  const pixels = new Uint8Array(grid.length * h * cols * w * c);
  grid.forEach((row, r) => row.forEach((image, k) => {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w * c; x++) {
        const v = (image.data[y * w * c + x]! - lo) / (hi - lo);
        pixels[((r * h + y) * cols * w + k * w) * c + x] = Math.round(255 * Math.min(1, Math.max(0, v)));
      }
    }
  }));
  return encodePng(cols * w, grid.length * h, c as 1 | 3, pixels);
}

async function main() {
  await tf.setBackend('wasm');
  const net = await loadProjectModel(netId, base, { fetch: nodeFetch });
  const card = generatorForNetwork(await loadGeneratorCards(base, { fetch: nodeFetch }), netId);
  if (!card) throw new Error(`No generator's card names ${netId}.`);
  const generator = await loadGenerator(`${base}models/${card.id}/model.json`, card.id, { fetch: nodeFetch });
  const technique = OPTVIS_TECHNIQUES['latent-class-model']!;
  const defaults = defaultSettings(technique, net);
  const steps = Number(stepsArg ?? defaults['steps']);
  const rows: { class: string; pixelSpace: number; throughGenerator: number; codeNorm: number; atBound: number }[] = [];
  const sheet: RenderedImage[][] = [[], []];
  for (let c = 0; c < net.classNames.length; c++) {
    const settings = { ...defaults, class: String(c), steps };
    const result = await technique.run(net, { settings, seed: 0, generator: async () => generator });
    const [latent, pixels] = result.readout!;
    const row = {
      class: net.classNames[c]!,
      pixelSpace: number(pixels!, /= (-?[\d.]+) after/),
      throughGenerator: number(latent!, /= (-?[\d.]+) after/),
      codeNorm: number(latent!, /‖z‖ = ([\d.]+)/),
      atBound: number(latent!, /(\d+) of \d+ entries at the bound/),
    };
    rows.push(row);
    sheet[0]!.push(result.gallery![0]!.image);
    sheet[1]!.push(result.image);
    console.log(`${row.class.padEnd(10)} pixels ${row.pixelSpace.toFixed(2).padStart(7)}  generator ${row.throughGenerator.toFixed(2).padStart(7)}  ‖z‖ ${row.codeNorm.toFixed(2)}  at bound ${row.atBound}`);
  }
  const mean = (key: 'pixelSpace' | 'throughGenerator') => rows.reduce((s, r) => s + r[key], 0) / rows.length;
  console.log(`mean: pixels ${mean('pixelSpace').toFixed(2)}, generator ${mean('throughGenerator').toFixed(2)}; pixel space higher for ${rows.filter((r) => r.pixelSpace > r.throughGenerator).length} of ${rows.length}`);
  const summary = {
    command: `npx vite-node tests/core/optvis/measure-latent.ts -- ${argv.filter((a, i) => a !== '--sheet' && argv[i - 1] !== '--sheet').join(' ')}`,
    network: netId,
    steps,
    seed: 0,
    settings: { lambda: defaults['lambda'], learningRate: defaults['learningRate'], bound: defaults['bound'] },
    meanPixelSpace: mean('pixelSpace'),
    meanThroughGenerator: mean('throughGenerator'),
    perClass: rows,
  };
  console.log(JSON.stringify(summary));
  if (argv.includes('--card')) {
    const path = resolve('public/models', card.id, 'card.json');
    const json = JSON.parse(readFileSync(path, 'utf8'));
    writeFileSync(path, JSON.stringify({ ...json, latentSearch: summary }, null, 1));
  }
  if (sheetPath) writeFileSync(sheetPath, sheetPng(sheet, net.inputRange));
  generator.dispose();
  net.dispose();
}

await main();
