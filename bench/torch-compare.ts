/**
 * The PyTorch comparison of `npm run bench`: the book's gradient maps on
 * TensorFlow.js (WASM, in Node) against bench/torch-reference.py, an
 * independent PyTorch implementation run on one CPU thread, on the same
 * weights and the same input (test image 0 of each network's committed test
 * subset, explaining the predicted class).
 *
 * Node computes the logits and every map with the core, passes them with the
 * input to the Python script, which rebuilds each network from its model.json
 * and weights.bin, checks that its logits and maps equal these, and times its
 * own. Runs only where a Python with `torch` is found (Debian's
 * `python3-torch`; BENCH_PYTHON names another interpreter); otherwise it says
 * so and returns null.
 *
 *   node --import tsx bench/torch-compare.ts    # prints the comparison as JSON
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decodePng } from '../scripts/lib/png';

const PUBLIC = join(import.meta.dirname, '..', 'public');
const SCRIPT = join(import.meta.dirname, 'torch-reference.py');

/** The book's networks, each with the committed test subset its input comes from. */
const MODELS = [
  { id: 'scenes-cnn', dataset: 'scenes' },
  { id: 'fashion-vgg', dataset: 'fashion-mnist' },
] as const;

/** The maps compared: ids of the core's attribution registry, each timed by the reference too. */
export const COMPARED_METHODS = [
  'saliency', 'deconvnet', 'guided-backprop', 'cam', 'grad-cam', 'grad-cam-counterfactual', 'grad-cam-plus-plus', 'guided-grad-cam',
  'smooth-grad-saliency', 'smooth-grad-guided-backprop',
] as const;

/** One map on one network: PyTorch's median, the core's in Node, and how far PyTorch's map is from the core's. */
export interface ComparedMap {
  torchMs: number;
  nodeWasmMs: number;
  /** The core's median on WASM in Chromium and its ratio to PyTorch's, where the browser run timed this case. */
  chromiumWasmMs?: number;
  chromiumWasmOverTorch?: number;
  /** max |torch − tfjs| / max |tfjs| over the map. */
  maxDifference: number;
}

/** What the Python script is asked, per network. */
interface ReferenceRequest {
  id: string;
  modelDir: string;
  input: { shape: number[]; data: number[] };
  classIndex: number;
  logitLayer: string;
  camLayer: string | null;
  gradCamLayer: string;
  logits: number[];
  maps: Record<string, number[]>;
  /**
   * SmoothGrad's settings (the core's defaults) and the noise the core drew for
   * each sample: the reference checks its map with this noise and times its
   * own, drawn by torch.randn as the core's is drawn by tf.randomNormal.
   */
  smoothGrad: { samples: number; sigma: number; noise: number[][] };
}

/** What {@link torchComparison} returns: per network, the logits' agreement and every compared map. */
export interface TorchComparison {
  python: string;
  torch: string;
  /** The BLAS library PyTorch loaded: its convolutions run on it, so a reference BLAS makes PyTorch slow. */
  blas: string;
  threads: number;
  warmup: number;
  runs: number;
  models: { id: string; classIndex: number; explainedLayer: string; logitsMaxDifference: number; maps: Record<string, ComparedMap> }[];
}

/** The first interpreter that can import torch, or null. */
function findPython(): string | null {
  const candidates = [process.env['BENCH_PYTHON'], 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  return candidates.find((p) => spawnSync(p, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0) ?? null;
}

/** Test image 0 of a committed subset, as the raster the core turns into a network input. */
function firstTestImage(dataset: string) {
  const meta = JSON.parse(readFileSync(join(PUBLIC, 'data', dataset, 'labels.json'), 'utf8'));
  const { width, height, channels } = meta.tile as { width: number; height: number; channels: 1 | 3 };
  const sheet = decodePng(readFileSync(join(PUBLIC, 'data', dataset, 'images.png')));
  const data = new Uint8ClampedArray(width * height * channels);
  for (let y = 0; y < height; y++) data.set(sheet.pixels.subarray(y * sheet.width * channels, (y * sheet.width + width) * channels), y * width * channels);
  return { width, height, channels, data };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

/**
 * Times every compared map on the WASM backend in Node, then runs the PyTorch
 * reference on the same inputs. Null, with a message, when no PyTorch is found.
 */
export async function torchComparison({ warmup, runs }: { warmup: number; runs: number }): Promise<TorchComparison | null> {
  const python = findPython();
  if (!python) {
    console.log('PyTorch comparison skipped: no python3 with torch found (apt-get install -y python3-torch, or set BENCH_PYTHON).');
    return null;
  }
  // Loaded here, so the benchmark runner pays for TensorFlow.js in Node only when it compares.
  const { tf } = await import('../scripts/lib/node-tf');
  const { loadProjectModel } = await import('../src/core/model-loader');
  const { ATTRIBUTION_METHODS } = await import('../src/core/attribution/registry');
  const { explainedLayer, predictedClass } = await import('../src/core/attribution/pipeline');
  const { toModelInput } = await import('../src/core/image');
  const { SMOOTH_GRAD_DEFAULTS, smoothGradNoise } = await import('../src/core/attribution/smooth-grad');
  const { WARMUP_FLOOR_MS, warmUp } = await import('../src/core/stats');
  const { nodeFetch, fileUrl } = await import('../tests/core/node-files');
  await tf.setBackend('wasm');

  const requests: ReferenceRequest[] = [];
  const nodeMs: Record<string, Record<string, number>> = {};
  for (const { id, dataset } of MODELS) {
    const net = await loadProjectModel(id, fileUrl(`${PUBLIC}/`), { fetch: nodeFetch });
    const [height, width, channels] = net.inputShape;
    const image = toModelInput(firstTestImage(dataset), { height, width, channels: channels === 1 ? 1 : 3, range: net.inputRange });
    try {
      const target = (await predictedClass(net, image)) as { kind: 'class'; index: number };
      const input = { net, image, target };
      const logits = tf.tidy(() => net.forward(image).logits);
      const { samples, noise: level } = SMOOTH_GRAD_DEFAULTS;
      const noise = Array.from({ length: samples }, (_, i) =>
        tf.tidy(() => Array.from(smoothGradNoise(image.shape, net.inputRange, SMOOTH_GRAD_DEFAULTS, i).dataSync())));
      const maps: Record<string, number[]> = {};
      nodeMs[id] = {};
      for (const method of COMPARED_METHODS) {
        const attribute = ATTRIBUTION_METHODS[method].attribute;
        maps[method] = Array.from((await attribute(input)).data);
        await warmUp(() => attribute(input), { runs: warmup, ms: WARMUP_FLOOR_MS });
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
          const start = performance.now();
          await attribute(input);
          times.push(performance.now() - start);
        }
        nodeMs[id][method] = median(times);
      }
      requests.push({
        id,
        modelDir: join(PUBLIC, 'models', id),
        input: { shape: image.shape, data: Array.from(await image.data()) },
        classIndex: target.index,
        logitLayer: net.logitLayer,
        camLayer: net.camLayer,
        gradCamLayer: explainedLayer(input),
        logits: Array.from(await logits.data()),
        maps,
        smoothGrad: { samples, sigma: level * (net.inputRange[1] - net.inputRange[0]), noise },
      });
      logits.dispose();
    } finally {
      image.dispose();
      net.dispose();
    }
  }

  const folder = mkdtempSync(join(tmpdir(), 'torch-bench-'));
  try {
    const requestFile = join(folder, 'request.json');
    writeFileSync(requestFile, JSON.stringify({ warmup, warmupFloorMs: WARMUP_FLOOR_MS, runs, models: requests }));
    // One thread for every pool PyTorch may use: its own, OpenMP's and OpenBLAS's.
    const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
    const run = spawnSync(python, [SCRIPT, requestFile], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, env });
    if (run.status !== 0) throw new Error(`bench/torch-reference.py failed:\n${run.stderr}`);
    const reference = JSON.parse(run.stdout) as {
      torch: string; blas: string; threads: number; models: { id: string; logitsMaxDifference: number; maps: Record<string, { medianMs: number; maxDifference: number }> }[];
    };
    return {
      python,
      torch: reference.torch,
      blas: reference.blas,
      threads: reference.threads,
      warmup,
      runs,
      models: reference.models.map((m, i) => ({
        id: m.id,
        classIndex: requests[i]!.classIndex,
        explainedLayer: requests[i]!.gradCamLayer,
        logitsMaxDifference: m.logitsMaxDifference,
        maps: Object.fromEntries(Object.entries(m.maps).map(([method, r]) => [method, {
          torchMs: r.medianMs,
          nodeWasmMs: +nodeMs[m.id]![method]!.toFixed(3),
          maxDifference: r.maxDifference,
        }])),
      })),
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const runs = { warmup: Number(process.env['BENCH_WARMUP'] ?? 5), runs: Number(process.env['BENCH_RUNS'] ?? 20) };
  console.log(JSON.stringify(await torchComparison(runs), null, 2));
}
