/**
 * Saves (and reloads) a tfjs layers model on disk: model.json and one weights.bin, the
 * "layers-model" format that `tf.loadLayersModel` and src/core/model-loader.ts
 * read (tfjs-node's `file://` handler is unavailable without its native binary).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { io } from '@tensorflow/tfjs-core';
import { tf } from './node-tf';

/** Name of the single weight file in every model folder. */
export const WEIGHTS_FILE = 'weights.bin';

/** A `tf.io.IOHandler` that saves a model as `dir`/model.json + `dir`/weights.bin. */
export function fileSaveHandler(dir: string): io.IOHandler {
  return {
    async save(artifacts: io.ModelArtifacts): Promise<io.SaveResult> {
      mkdirSync(dir, { recursive: true });
      const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
      const json: io.ModelJSON = {
        format: 'layers-model',
        generatedBy: artifacts.generatedBy ?? 'inside-the-convnet scripts/train.ts',
        convertedBy: null,
        modelTopology: artifacts.modelTopology as object,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      writeFileSync(join(dir, WEIGHTS_FILE), weights);
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

/** A `tf.io.IOHandler` that loads what {@link fileSaveHandler} wrote (for resuming training). */
export function fileLoadHandler(dir: string): io.IOHandler {
  return {
    async load(): Promise<io.ModelArtifacts> {
      const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as io.ModelJSON;
      const [group] = json.weightsManifest;
      if (!group) throw new Error(`${dir}/model.json: no weights manifest`);
      const bytes = Buffer.concat(group.paths.map((p) => readFileSync(join(dir, p))));
      const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      return { modelTopology: json.modelTopology, format: json.format, weightSpecs: group.weights, weightData };
    },
  };
}
