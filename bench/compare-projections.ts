/**
 * Compares the book's PCA and t-SNE with the npm packages that do the same,
 * on the same 2,000 last-hidden-layer vectors of fashion-vgg's test subset, in
 * Node on one core: ml-pca (PCA), @keckelt/tsne (a TypeScript port of
 * Karpathy's tsnejs) and tsne-js (both exact O(n²) t-SNE), and umap-js (UMAP,
 * a different method, for scale). The packages are not dependencies of the
 * book: install them anywhere and name their node_modules folder.
 *
 *   npm install --prefix /tmp/projections ml-pca@4.1.1 @keckelt/tsne@1.0.2 tsne-js@1.0.3 umap-js@1.4.0
 *   BENCH_LIBS=/tmp/projections/node_modules npx vite-node bench/compare-projections.ts
 *
 * Writes bench/results/projections-<date>.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import * as tfl from '@tensorflow/tfjs-layers';
import type { io } from '@tensorflow/tfjs-core';
import { decodePng } from '../scripts/lib/png';
import { pca } from '../src/core/features/pca';
import { Tsne } from '../src/core/features/tsne';
import { tf } from '../src/core/tf';

const LIBS = process.env['BENCH_LIBS'];
if (!LIBS) throw new Error('Set BENCH_LIBS to the node_modules folder holding ml-pca, @keckelt/tsne, tsne-js and umap-js.');
const lib = createRequire(join(LIBS, 'x.js'));
const PUBLIC = join(import.meta.dirname, '..', 'public');

/** The gap output of fashion-vgg for every image of its shipped test subset. */
async function fashionFeatures(): Promise<{ count: number; dim: number; data: Float32Array; labels: number[] }> {
  const dir = join(PUBLIC, 'models', 'fashion-vgg');
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as io.ModelJSON;
  const group = json.weightsManifest[0]!;
  const bytes = Buffer.concat(group.paths.map((p) => readFileSync(join(dir, p))));
  const model = await tfl.loadLayersModel({
    load: async () => ({ modelTopology: json.modelTopology, weightSpecs: group.weights, weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer }),
  });
  const meta = JSON.parse(readFileSync(join(PUBLIC, 'data', 'fashion-mnist', 'labels.json'), 'utf8')) as { count: number; labels: number[]; tile: { columns: number } };
  const sheet = decodePng(readFileSync(join(PUBLIC, 'data', 'fashion-mnist', 'images.png')));
  const w = 28;
  const images = new Float32Array(meta.count * w * w);
  let k = 0;
  for (let i = 0; i < meta.count; i++) {
    for (let y = 0; y < w; y++) {
      for (let x = 0; x < w; x++) images[k++] = sheet.pixels[(Math.floor(i / meta.tile.columns) * w + y) * sheet.width + (i % meta.tile.columns) * w + x]! / 255;
    }
  }
  const gap = tfl.model({ inputs: model.inputs, outputs: model.getLayer('gap').output as tfl.SymbolicTensor });
  const input = tf.tensor4d(images, [meta.count, w, w, 1]);
  const out = gap.predict(input, { batchSize: 100 }) as tf.Tensor2D;
  const data = (await out.data()) as Float32Array;
  tf.dispose([input, out]);
  model.dispose();
  return { count: meta.count, dim: out.shape[1], data, labels: meta.labels };
}

/** Share of points whose nearest neighbour in a 2-D map has their class. */
function agreement(points: number[][], labels: number[]): number {
  let same = 0;
  points.forEach((p, i) => {
    let best = -1;
    let bestD = Infinity;
    points.forEach((q, j) => {
      const d = (p[0]! - q[0]!) ** 2 + (p[1]! - q[1]!) ** 2;
      if (j !== i && d < bestD) [best, bestD] = [j, d];
    });
    if (labels[best] === labels[i]) same++;
  });
  return same / points.length;
}

async function timed<T>(f: () => T | Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const out = await f();
  return [performance.now() - t0, out];
}

await tf.setBackend('wasm');
const set = await fashionFeatures();
const { count: n, dim, data, labels } = set;
const rows = Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * dim, (i + 1) * dim)));
const results: Record<string, unknown>[] = [];

// PCA: the third of three runs (the first ones warm up the backend and the JIT).
const { PCA } = lib('ml-pca');
for (let rep = 0; rep < 3; rep++) {
  const [book, mine] = await timed(() => pca(set, 2));
  const [other, model] = await timed(() => {
    const m = new PCA(rows);
    m.predict(rows, { nComponents: 2 });
    return m;
  });
  if (rep < 2) continue;
  const first: number[] = model.getEigenvectors().getColumn(0);
  results.push(
    { id: 'pca/book (covariance on WASM, subspace iteration)', ms: book, explained: mine.variances.map((v) => v / mine.totalVariance) },
    {
      id: 'pca/ml-pca@4.1.1 (SVD)', ms: other, explained: model.getExplainedVariance().slice(0, 2),
      firstComponentCosine: Math.abs(first.reduce((s, v, j) => s + v * mine.components[j]!, 0)),
    },
  );
}

// The book's Barnes–Hut t-SNE: preparation, then 1,000 iterations with the KL divergence every 25.
{
  const tsne = new Tsne(set);
  const [prepareMs] = await timed(() => tsne.prepare());
  const trace: [number, number, number][] = [];
  const t0 = performance.now();
  for (let i = 1; i <= 1000; i++) {
    tsne.step();
    if (i % 25 === 0) trace.push([i, performance.now() - t0, tsne.klDivergence()]);
  }
  const kl1000 = trace.at(-1)![2];
  const stable = trace.find(([, , kl]) => kl <= 1.02 * kl1000)!;
  const points = Array.from({ length: n }, (_, i) => [tsne.positions[2 * i]!, tsne.positions[2 * i + 1]!]);
  results.push({
    id: 'tsne/book (Barnes–Hut, θ = 0.5)', prepareMs, iterationsMs: trace.at(-1)![1], kl1000,
    stableIteration: stable[0], stableMs: prepareMs + stable[1], nearestNeighbourClassAgreement: agreement(points, labels),
    note: 'iteration times include the KL evaluations; stable = KL within 2% of its value at 1,000 iterations',
  });
}

// Exact t-SNE packages: a few iterations timed, 1,000 extrapolated (each is O(n²)).
{
  const { TSNE } = lib('@keckelt/tsne');
  const model = new TSNE({ perplexity: 30, dim: 2, epsilon: 10 });
  const [prepareMs] = await timed(() => model.initDataRaw(rows));
  model.initSolution();
  const steps = 20;
  const [ms] = await timed(() => { for (let i = 0; i < steps; i++) model.step(); });
  results.push({ id: 'tsne/@keckelt/tsne@1.0.2 (exact)', prepareMs, perIterationMs: ms / steps, projected1000Ms: prepareMs + (ms / steps) * 1000, note: `${steps} iterations timed` });
}
{
  const TsneJs = lib('tsne-js');
  const steps = 10;
  const model = new TsneJs({ dim: 2, perplexity: 30, earlyExaggeration: 4, learningRate: 100, nIter: steps, metric: 'euclidean' });
  const [initMs] = await timed(() => model.init({ data: rows, type: 'dense' }));
  const [ms] = await timed(() => model.run());
  results.push({ id: 'tsne/tsne-js@1.0.3 (exact)', initMs, runMs: ms, iterations: steps, note: 'run() computes its affinities, then iterates; 1,000 iterations would take about 100 times as long' });
}
{
  const { UMAP } = lib('umap-js');
  let seed = 1;
  const umap = new UMAP({ nComponents: 2, nNeighbors: 15, random: () => (seed = (seed * 16807) % 2147483647) / 2147483647 });
  const [ms, embedding] = await timed(() => umap.fit(rows) as number[][]);
  results.push({ id: 'umap/umap-js@1.4.0 (UMAP, default epochs)', ms, nearestNeighbourClassAgreement: agreement(embedding, labels) });
}

const out = { date: new Date().toISOString(), machine: `Node ${process.version}, one core; the book's matrix products on tfjs WASM`, data: `${n} fashion-vgg gap vectors of ${dim} numbers`, results };
mkdirSync('bench/results', { recursive: true });
const file = `bench/results/projections-${out.date.replace(/[:.]/g, '-')}.json`;
writeFileSync(file, JSON.stringify(out, null, 2));
console.log(JSON.stringify(out, null, 2));
console.log(`written to ${file}`);
