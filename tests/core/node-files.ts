/**
 * Model files for Node tests: Node cannot `fetch` from disk, so the loader's
 * injectable `fetch` is given one that reads `file://` URLs, and dropped files
 * are stood in for by objects with a name and an `arrayBuffer()`.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Fetcher, FileLike } from '../../src/core/model-loader';
import { tf } from '../../src/core/tf';

const copy = (bytes: Uint8Array): ArrayBuffer => bytes.slice().buffer as ArrayBuffer;

/** A `fetch` over `file://` URLs: a missing file answers 404, like a web server. */
export const nodeFetch: Fetcher = async (url) => {
  try {
    const bytes = await readFile(fileURLToPath(url));
    return { ok: true, status: 200, arrayBuffer: async () => copy(bytes) };
  } catch {
    return { ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0) };
  }
};

/** The `file://` URL of a path, for `loadConvNet(url, { fetch: nodeFetch })`. */
export function fileUrl(path: string): string {
  return pathToFileURL(path).href;
}

/** A `fetch` over an in-memory folder: URL → bytes or text. */
export function memoryFetch(files: Record<string, ArrayBuffer | string>): Fetcher {
  return async (url) => {
    const body = files[url];
    if (body === undefined) return { ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0) };
    return { ok: true, status: 200, arrayBuffer: async () => (typeof body === 'string' ? copy(new TextEncoder().encode(body)) : body) };
  };
}

/** A dropped file, from bytes or text. */
export function memoryFile(name: string, body: ArrayBuffer | string): FileLike {
  return { name, arrayBuffer: async () => (typeof body === 'string' ? copy(new TextEncoder().encode(body)) : body) };
}

/** Files read from disk, as a reader would drop them (the name without its folder). */
export async function diskFiles(paths: readonly string[]): Promise<FileLike[]> {
  return Promise.all(paths.map(async (p) => memoryFile(basename(p), copy(await readFile(p)))));
}

/** A model.json and its single weight file, as `model.save()` would write them. */
export interface SavedModel {
  modelJson: tf.io.ModelJSON;
  weights: ArrayBuffer;
}

/** Saves a model (anything with tfjs's `save`) to memory as model.json + weights.bin. */
export async function saveToMemory(model: { save(handler: tf.io.IOHandler): Promise<unknown> }): Promise<SavedModel> {
  let saved: SavedModel | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = tf.io.concatenateArrayBuffers(artifacts.weightData as ArrayBuffer);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology!,
        format: artifacts.format!,
        generatedBy: artifacts.generatedBy!,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs! }],
      };
      saved = { modelJson, weights };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved!;
}

/** The weights of a model.json on disk, in one buffer, for loading it with tfjs directly. */
export async function readArtifacts(modelJsonPath: string): Promise<tf.io.ModelArtifacts> {
  const json = JSON.parse(await readFile(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
  const folder = modelJsonPath.slice(0, modelJsonPath.lastIndexOf('/') + 1);
  return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const buffers = await Promise.all(manifest.flatMap((g) => g.paths).map(async (p) => copy(await readFile(folder + p))));
    return [tf.io.getWeightSpecs(manifest), tf.io.concatenateArrayBuffers(buffers)];
  });
}
