/**
 * Loading networks: the book's own models and the ones readers bring.
 *
 * `loadConvNet` takes a URL to a model.json or the files a reader drops
 * (model.json, its .bin weight shards, optionally a class list), checks them
 * at the edge, and returns a {@link ConvNet} over either format TensorFlow.js
 * writes: a layers model (`model.save()`, Keras via tensorflowjs_converter) or a
 * graph model (a converted SavedModel). Every problem a reader can cause is a
 * {@link ModelLoadError} whose message says what is wrong in their files.
 *
 * Reading is done here rather than by `tf.io.http` / `tf.io.browserFiles`, so
 * the same code runs in Node tests (inject `fetch`, or pass file-like objects)
 * and so a missing or truncated shard is named instead of failing later.
 */
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import { type ConvNet, type ConvNetMeta, ModelLoadError } from './convnet';
import { type GraphDefJson, graphConvNet, unsupportedOpMessage } from './graph-convnet';
import { layersConvNet } from './layers-convnet';
import { tf } from './tf';
import { errorMessage } from './errors';

export { ModelLoadError } from './convnet';

/** A file as a reader's browser gives it (`File`), or as a Node test builds it. */
export interface FileLike {
  readonly name: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** The part of a `fetch` response the loader reads. */
export interface FetchResponse {
  readonly ok: boolean;
  readonly status: number;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** A `fetch`-like function; the global `fetch` by default, a file reader in Node tests. */
export type Fetcher = (url: string, init?: { signal?: AbortSignal }) => Promise<FetchResponse>;

/** Options of {@link loadConvNet}. */
export interface LoadOptions {
  /** Identifier of the network; by default from the URL's folder or the file name. */
  id?: string;
  title?: string;
  /** Class names: a list, or the text of a JSON array or of one name per line. */
  classNames?: readonly string[] | string;
  /** Pixel range the network expects; [0, 1] by default. */
  inputRange?: [number, number];
  /** Input size, needed only for models that accept any size. */
  inputShape?: [number, number, number];
  /** Layers to use for CAM-style methods when detection finds none or the wrong ones. */
  convLayers?: readonly string[];
  /** The layer that gives the class scores, when detection fails. */
  logitLayer?: string;
  fetch?: Fetcher;
  signal?: AbortSignal;
}

/**
 * The book's own classifiers, trained by `npm run train` into public/models/<id>/ (titles are
 * replaced by their card's). 'texture-features' is not listed: it gives feature maps, not class
 * scores, so it is no ConvNet.
 */
export const PROJECT_MODELS = [
  { id: 'fashion-vgg', title: 'Fashion-MNIST VGG-style classifier' },
  { id: 'scenes-cnn', title: 'Scenes CNN' },
] as const;

/** Where one model file comes from: a folder URL or a set of dropped files. */
interface ModelSource {
  /** How the reader named it: the URL or the model.json file name. */
  label: string;
  /** Default id. */
  id: string;
  modelJson(): Promise<ArrayBuffer>;
  /** The bytes of each weight file; the names of those that are missing, all at once. */
  weights(paths: string[]): Promise<ArrayBuffer[]>;
  classNames(): Promise<string | null>;
}

const text = (buffer: ArrayBuffer) => new TextDecoder().decode(buffer).replace(/^\uFEFF/, '');
const baseName = (path: string) => path.split(/[\\/]/).pop() ?? path;

function urlSource(url: string, fetcher: Fetcher, signal?: AbortSignal): ModelSource {
  const [path, query = ''] = url.split(/(?=\?)/);
  const folder = path!.slice(0, path!.lastIndexOf('/') + 1);
  const get = async (target: string): Promise<ArrayBuffer | number> => {
    let response: FetchResponse;
    try {
      response = await fetcher(target, signal ? { signal } : {});
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new ModelLoadError('fetch', `Could not download ${target}: ${errorMessage(err)}.`);
    }
    return response.ok ? response.arrayBuffer() : response.status;
  };
  return {
    label: url,
    id: baseName(folder.replace(/\/$/, '')) || 'model',
    async modelJson() {
      const body = await get(url);
      if (typeof body === 'number') throw new ModelLoadError('fetch', `Could not download ${url} (HTTP ${body}).`);
      return body;
    },
    async weights(paths) {
      const bodies = await Promise.all(paths.map((p) => get(/^[a-z]+:/i.test(p) ? p : folder + p + query)));
      const missing = paths.filter((_, i) => typeof bodies[i] === 'number');
      if (missing.length) {
        throw new ModelLoadError(
          'missing-weights',
          `Weight file${missing.length > 1 ? 's' : ''} not found next to the model.json: ${missing.join(', ')} ` +
            `(HTTP ${bodies.find((b) => typeof b === 'number')}).`,
        );
      }
      return bodies as ArrayBuffer[];
    },
    classNames: async () => null,
  };
}

function fileSource(files: readonly FileLike[]): ModelSource {
  const jsons = files.filter((f) => f.name.toLowerCase().endsWith('.json'));
  const model = jsons.find((f) => f.name === 'model.json') ?? (jsons.length === 1 ? jsons[0] : undefined);
  if (!model) {
    throw new ModelLoadError(
      'not-model',
      jsons.length
        ? `Which file is the model? Name it model.json (found ${jsons.map((f) => f.name).join(', ')}).`
        : "Choose the model's model.json file together with its .bin weight files.",
    );
  }
  const classes = files.find((f) => f !== model && /\.(txt|json)$/i.test(f.name));
  const byName = new Map(files.map((f) => [f.name, f]));
  return {
    label: model.name,
    id: model.name === 'model.json' ? 'my-model' : model.name.replace(/\.json$/i, ''),
    modelJson: () => model.arrayBuffer(),
    async weights(paths) {
      const missing = paths.filter((p) => !byName.has(baseName(p)));
      if (missing.length) {
        throw new ModelLoadError(
          'missing-weights',
          `The model needs weight file${missing.length > 1 ? 's' : ''} you did not choose: ${missing.map(baseName).join(', ')}. ` +
            'Choose them together with model.json.',
        );
      }
      return Promise.all(paths.map((p) => byName.get(baseName(p))!.arrayBuffer()));
    },
    classNames: async () => (classes ? text(await classes.arrayBuffer()) : null),
  };
}

type ModelJson = tf.io.ModelJSON;

/** Parses and checks model.json; returns it with its format. */
function parseModelJson(buffer: ArrayBuffer, label: string): { json: ModelJson; format: 'layers' | 'graph' } {
  const body = text(buffer);
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    throw new ModelLoadError(
      'not-json',
      body.trimStart().startsWith('<')
        ? `${label} is a web page (HTML), not a model file: check the address.`
        : `${label} is not valid JSON (${errorMessage(err)}), so it cannot be a TensorFlow.js model.json.`,
    );
  }
  if (Array.isArray(json) && json.every((g) => g && typeof g === 'object' && 'paths' in g)) {
    throw new ModelLoadError(
      'not-model',
      `${label} lists weight files but not the network's layers (a weights manifest, as face-api.js ships). ` +
        'The book needs a model.json with a modelTopology, written by tensorflowjs_converter or model.save().',
    );
  }
  const obj = json as Partial<ModelJson> | null;
  if (!obj || typeof obj !== 'object' || !obj.modelTopology) {
    throw new ModelLoadError(
      'not-model',
      `${label} is JSON but not a TensorFlow.js model: it has no modelTopology. ` +
        'Convert Keras or TensorFlow models with tensorflowjs_converter first.',
    );
  }
  if (!Array.isArray(obj.weightsManifest)) {
    throw new ModelLoadError('not-model', `${label} has no weightsManifest, so its weights cannot be found.`);
  }
  const topology = obj.modelTopology as { node?: unknown; model_config?: unknown; class_name?: unknown };
  if (obj.format === 'graph-model' || Array.isArray(topology.node)) return { json: obj as ModelJson, format: 'graph' };
  if (obj.format === 'layers-model' || topology.model_config || topology.class_name) {
    return { json: obj as ModelJson, format: 'layers' };
  }
  throw new ModelLoadError('not-model', `${label} has a modelTopology that is neither a Keras (layers) model nor a TensorFlow graph.`);
}

/** Bytes per stored value, by dtype or quantized dtype; null where sizes vary (strings). */
const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

function expectedBytes(weights: tf.io.WeightsManifestEntry[]): number | null {
  let total = 0;
  for (const w of weights) {
    const bytes = BYTES[w.quantization?.dtype ?? w.dtype];
    if (bytes === undefined) return null;
    total += w.shape.reduce((a, b) => a * b, 1) * bytes;
  }
  return total;
}

/** Reads every weight group, checking that each group's files hold as many bytes as its weights need. */
async function readWeights(manifest: tf.io.WeightsManifestConfig, source: ModelSource): Promise<ArrayBuffer> {
  const paths = manifest.flatMap((g) => g.paths);
  const buffers = await source.weights(paths);
  let next = 0;
  manifest.forEach((group, i) => {
    const files = buffers.slice(next, next + group.paths.length);
    next += group.paths.length;
    const actual = files.reduce((sum, b) => sum + b.byteLength, 0);
    const expected = expectedBytes(group.weights);
    if (expected !== null && expected !== actual) {
      throw new ModelLoadError(
        'weight-size',
        `The weight file${group.paths.length > 1 ? 's' : ''} ${group.paths.map(baseName).join(', ')} hold${group.paths.length > 1 ? '' : 's'} ` +
          `${actual} bytes, but model.json describes ${expected} bytes${manifest.length > 1 ? ` for group ${i + 1}` : ''}: ` +
          'they may be incomplete or belong to another model.',
      );
    }
  });
  return tf.io.concatenateArrayBuffers(buffers);
}

/** Class names from a list, a JSON array, a JSON index→name object, or one name per line. */
export function parseClassNames(value: readonly string[] | string): string[] {
  if (typeof value !== 'string') return [...value];
  const trimmed = value.trim();
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      throw new ModelLoadError('classes', 'The class list looks like JSON but does not parse.');
    }
    const list = Array.isArray(parsed) ? parsed : Object.values(parsed as object);
    if (!list.every((v) => typeof v === 'string' || (Array.isArray(v) && typeof v.at(-1) === 'string'))) {
      throw new ModelLoadError('classes', 'The class list must be a JSON array of names, or one name per line.');
    }
    // ImageNet's class index is {"0": ["n01440764", "tench"], …}: keep the readable name.
    return list.map((v) => (Array.isArray(v) ? String(v.at(-1)) : String(v)));
  }
  return trimmed.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
}

/** Builds the ConvNet over deserialized artifacts, translating TensorFlow.js errors for the reader. */
async function adapt(
  format: 'layers' | 'graph',
  artifacts: tf.io.ModelArtifacts,
  meta: ConvNetMeta,
): Promise<ConvNet> {
  const handler = { load: async () => artifacts };
  let model: { dispose(): unknown };
  let build: () => ConvNet;
  try {
    if (format === 'layers') {
      const layers = await loadLayersModel(handler);
      [model, build] = [layers, () => layersConvNet(layers, meta)];
    } else {
      const graph = await loadGraphModel(handler);
      [model, build] = [graph, () => graphConvNet(graph, artifacts.modelTopology as GraphDefJson, meta)];
    }
  } catch (err) {
    throw new ModelLoadError('unsupported', unsupportedMessage(err, 'TensorFlow.js could not build the model'));
  }
  try {
    const net = build();
    probe(net);
    return net;
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** A reader-facing reason for a model TensorFlow.js cannot build or run. */
function unsupportedMessage(err: unknown, context: string): string {
  const message = errorMessage(err);
  const layer = /Unknown (layer|activation|initializer|regularizer|constraint): ([\w.-]*\w)/.exec(message);
  if (layer) {
    return `The model uses a ${layer[1]} TensorFlow.js does not have: ${layer[2]}. Custom ${layer[1]}s must be registered in code, so the book cannot run it.`;
  }
  return unsupportedOpMessage(message) ?? `${context}: ${message}`;
}

/** One forward pass on a blank image, so a model that cannot run here fails at load, not in a figure. */
function probe(net: ConvNet): void {
  try {
    tf.tidy(() => {
      net.forward(tf.zeros([1, ...net.inputShape]));
    });
  } catch (err) {
    throw new ModelLoadError('unsupported', unsupportedMessage(err, `TensorFlow.js cannot run this model on the ${tf.getBackend()} backend`));
  }
}

/**
 * Loads a network from the URL of its model.json, or from the files a reader chose
 * (model.json, every .bin shard it lists, and optionally a class list as .txt or .json).
 * Throws a {@link ModelLoadError} for anything wrong with the files.
 */
export async function loadConvNet(source: string | readonly FileLike[], options: LoadOptions = {}): Promise<ConvNet> {
  const fetcher: Fetcher = options.fetch ?? ((url, init) => fetch(url, init));
  const from = typeof source === 'string' ? urlSource(source, fetcher, options.signal) : fileSource(source);
  const { json, format } = parseModelJson(await from.modelJson(), from.label);
  const weightData = await readWeights(json.weightsManifest, from);
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => [
    tf.io.getWeightSpecs(manifest),
    weightData,
  ]);
  const classText = options.classNames ?? (await from.classNames());
  const id = options.id ?? from.id;
  const meta: ConvNetMeta = {
    id,
    title: options.title ?? id,
    ...(classText != null ? { classNames: parseClassNames(classText) } : {}),
    ...(options.inputRange ? { inputRange: options.inputRange } : {}),
    ...(options.inputShape ? { inputShape: options.inputShape } : {}),
    ...(options.convLayers ? { convLayers: options.convLayers } : {}),
    ...(options.logitLayer ? { logitLayer: options.logitLayer } : {}),
  };
  options.signal?.throwIfAborted();
  return adapt(format, artifacts, meta);
}

/** What the loader reads from a model's card.json (written by scripts/train.ts); every field is optional. */
interface ModelCard {
  title?: string;
  classNames?: string[];
  inputRange?: [number, number];
  inputShape?: [number, number, number];
}

function readCard(value: unknown): ModelCard {
  const card = (value && typeof value === 'object' ? value : {}) as Record<string, unknown>;
  const names = card['classNames'] ?? card['classes'] ?? card['labels'];
  const range = card['inputRange'];
  const shape = card['inputShape'];
  return {
    ...(Array.isArray(shape) && shape.length === 3 && shape.every(Number.isInteger) ? { inputShape: shape as [number, number, number] } : {}),
    ...(typeof card['title'] === 'string' ? { title: card['title'] } : {}),
    ...(Array.isArray(names) && names.every((n) => typeof n === 'string') ? { classNames: names as string[] } : {}),
    ...(Array.isArray(range) && range.length === 2 && range.every(Number.isFinite) ? { inputRange: range as [number, number] } : {}),
  };
}

/**
 * Loads one of the book's own networks from `<baseUrl>models/<id>/`, with its title,
 * class names and input range from the card.json beside it.
 */
export async function loadProjectModel(
  id: string,
  baseUrl: string,
  options: Pick<LoadOptions, 'fetch' | 'signal'> = {},
): Promise<ConvNet> {
  const folder = `${baseUrl.replace(/\/*$/, '/')}models/${id}/`;
  const fetcher: Fetcher = options.fetch ?? ((url, init) => fetch(url, init));
  let card: ModelCard = {};
  try {
    const response = await fetcher(`${folder}card.json`, options.signal ? { signal: options.signal } : {});
    if (response.ok) card = readCard(JSON.parse(text(await response.arrayBuffer())));
  } catch {
    // The card is optional: without it the model loads with default names and range.
  }
  const title = card.title ?? PROJECT_MODELS.find((m) => m.id === id)?.title ?? id;
  return loadConvNet(`${folder}model.json`, { ...options, ...card, id, title, fetch: fetcher });
}
