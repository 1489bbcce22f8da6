import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadLayersModel } from '@tensorflow/tfjs-layers';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ConvNet } from '../../src/core/convnet';
import { type FileLike, ModelLoadError, PROJECT_MODELS, loadConvNet, loadProjectModel, parseClassNames } from '../../src/core/model-loader';
import { type Tensor, tf } from '../../src/core/tf';
import { NODE_BACKENDS, seededRandom, useBackend } from './backends';
import { type SavedModel, diskFiles, fileUrl, memoryFetch, memoryFile, nodeFetch, readArtifacts, saveToMemory } from './node-files';

/**
 * The third-party graph model: the emotion classifier that ships with
 * @vladmandic/human (MIT), a mini-Xception (Arriaga et al. 2017,
 * github.com/oarriaga/face_classification, MIT) on 64×64 grey faces, seven classes, ending in
 * global average pooling and softmax.
 */
const EMOTION = resolve('node_modules/@vladmandic/human/models/emotion.json');
const EMOTIONS = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'];

function randomImage(seed: number, shape: number[]): Tensor {
  const rand = seededRandom(seed);
  return tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand()), shape);
}

/** A tiny layers CNN saved to memory, the way `model.save()` writes it. */
async function tinySaved(): Promise<SavedModel> {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [6, 6, 1], filters: 2, kernelSize: 3, activation: 'relu', name: 'conv' }),
      tfl.layers.globalAveragePooling2d({ name: 'gap' }),
      tfl.layers.dense({ units: 3, activation: 'softmax', name: 'out' }),
    ],
  });
  const saved = await saveToMemory(model);
  model.dispose();
  return saved;
}

/** Saves a model built by `layers` and returns its files. */
async function savedFiles(layers: () => tfl.layers.Layer[]): Promise<FileLike[]> {
  const model = tfl.sequential({ layers: layers() });
  const { modelJson, weights } = await saveToMemory(model);
  model.dispose();
  return [memoryFile('model.json', JSON.stringify(modelJson)), memoryFile('weights.bin', weights)];
}

/** The error `promise` rejects with, checked to be a ModelLoadError. */
async function loadError(promise: Promise<ConvNet>): Promise<ModelLoadError> {
  const err = await promise.then(
    (net) => {
      net.dispose();
      return null;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelLoadError);
  return err as ModelLoadError;
}

describe('loadConvNet rejects broken models with a message for the reader', () => {
  let saved: SavedModel;
  let json: string;
  beforeAll(async () => {
    await useBackend('cpu');
    saved = await tinySaved();
    json = JSON.stringify(saved.modelJson);
  });

  const files = (modelJson: string, weights?: ArrayBuffer): FileLike[] => [
    memoryFile('model.json', modelJson),
    ...(weights ? [memoryFile('weights.bin', weights)] : []),
  ];

  it('not JSON', async () => {
    const err = await loadError(loadConvNet(files('{"modelTopology": ', saved.weights)));
    expect(err.code).toBe('not-json');
    expect(err.message).toMatch(/model\.json is not valid JSON/);
    const html = await loadError(loadConvNet('https://x.test/m/model.json', { fetch: memoryFetch({ 'https://x.test/m/model.json': '<!doctype html><p>Not found' }) }));
    expect(html.message).toMatch(/is a web page \(HTML\).*check the address/);
  });

  it('JSON that is not a TensorFlow.js model', async () => {
    expect((await loadError(loadConvNet(files('{"name": "resnet"}')))).message).toMatch(/not a TensorFlow\.js model: it has no modelTopology/);
    const manifest = JSON.stringify(saved.modelJson.weightsManifest);
    expect((await loadError(loadConvNet(files(manifest)))).message).toMatch(/weights manifest/);
    const noWeights = JSON.stringify({ ...saved.modelJson, weightsManifest: undefined });
    expect((await loadError(loadConvNet(files(noWeights)))).message).toMatch(/has no weightsManifest/);
    expect((await loadError(loadConvNet([memoryFile('weights.bin', saved.weights)]))).message).toMatch(/Choose the model's model\.json/);
  });

  it('missing weight files, named', async () => {
    const err = await loadError(loadConvNet(files(json)));
    expect(err.code).toBe('missing-weights');
    expect(err.message).toMatch(/you did not choose: weights\.bin/);
    const url = await loadError(loadConvNet('https://x.test/m/model.json', { fetch: memoryFetch({ 'https://x.test/m/model.json': json }) }));
    expect(url.message).toMatch(/not found next to the model\.json: weights\.bin \(HTTP 404\)/);
    const nothing = await loadError(loadConvNet('https://x.test/none/model.json', { fetch: memoryFetch({}) }));
    expect(nothing).toMatchObject({ code: 'fetch', message: expect.stringMatching(/Could not download .*model\.json \(HTTP 404\)/) });
  });

  it('weight files of the wrong size', async () => {
    const err = await loadError(loadConvNet(files(json, saved.weights.slice(0, saved.weights.byteLength - 8))));
    expect(err.code).toBe('weight-size');
    expect(err.message).toBe(
      `The weight file weights.bin holds ${saved.weights.byteLength - 8} bytes, but model.json describes ${saved.weights.byteLength} bytes: they may be incomplete or belong to another model.`,
    );
  });

  it('no convolution layer, with the layers that could stand in', async () => {
    const mlp = await savedFiles(() => [
      tfl.layers.flatten({ inputShape: [4, 4, 1], name: 'flat' }),
      tfl.layers.dense({ units: 2, name: 'out' }),
    ]);
    const err = await loadError(loadConvNet(mlp));
    expect(err.code).toBe('no-conv');
    expect(err.message).toMatch(/No convolution layer was found/);
    // A layer with feature maps can be named instead.
    const withMaps = await savedFiles(() => [
      tfl.layers.batchNormalization({ inputShape: [4, 4, 1], name: 'norm' }),
      tfl.layers.flatten({ name: 'flat' }),
      tfl.layers.dense({ units: 2, name: 'out' }),
    ]);
    const missing = await loadError(loadConvNet(withMaps));
    expect(missing.candidates).toEqual(['norm']);
    const net = await loadConvNet(withMaps, { convLayers: ['norm'] });
    expect(net.convLayers).toEqual(['norm']);
    net.dispose();
  });

  it('an input that is not an image', async () => {
    const vector = await savedFiles(() => [tfl.layers.dense({ inputShape: [10], units: 2 })]);
    const err = await loadError(loadConvNet(vector));
    expect(err).toMatchObject({ code: 'not-image', message: expect.stringMatching(/input has 2 dimensions .*\[batch, height, width, channels\]/) });
  });

  it('layers and ops TensorFlow.js does not have', async () => {
    const custom = json.replace('"GlobalAveragePooling2D"', '"FancyPooling2D"');
    const err = await loadError(loadConvNet(files(custom, saved.weights)));
    expect(err).toMatchObject({ code: 'unsupported', message: expect.stringMatching(/uses a layer TensorFlow\.js does not have: FancyPooling2D\. Custom layers/) });
    const graph = {
      format: 'graph-model',
      modelTopology: {
        versions: { producer: 1800 },
        node: [
          { name: 'image', op: 'Placeholder', attr: { shape: { shape: { dim: [{ size: '-1' }, { size: '4' }, { size: '4' }, { size: '1' }] } }, dtype: { type: 'DT_FLOAT' } } },
          { name: 'warp', op: 'TimeWarp3000', input: ['image'] },
        ],
      },
      weightsManifest: [],
    };
    const graphErr = await loadError(loadConvNet(files(JSON.stringify(graph))));
    expect(graphErr).toMatchObject({ code: 'unsupported', message: 'The model uses an operation TensorFlow.js cannot run here: TimeWarp3000.' });
  });

  it('a class list that does not fit', async () => {
    const err = await loadError(loadConvNet([...files(json, saved.weights), memoryFile('classes.txt', 'cat\ndog\n')]));
    expect(err).toMatchObject({ code: 'classes', message: 'The class list has 2 names but the model gives 3 scores.' });
  });

  it('reads class lists as text, JSON arrays and index objects', () => {
    expect(parseClassNames('cat\r\ndog\n\n')).toEqual(['cat', 'dog']);
    expect(parseClassNames('["cat", "dog"]')).toEqual(['cat', 'dog']);
    expect(parseClassNames('{"0": ["n01", "tench"], "1": ["n02", "goldfish"]}')).toEqual(['tench', 'goldfish']);
    expect(() => parseClassNames('[1, 2')).toThrow(/does not parse/);
  });

  it('loads a good model from files or a URL, with its classes, and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const net = await loadConvNet([...files(json, saved.weights), memoryFile('labels.txt', 'a\nb\nc')]);
    expect(net).toMatchObject({ format: 'layers', id: 'my-model', inputShape: [6, 6, 1], classNames: ['a', 'b', 'c'], logitLayer: 'out', convLayers: ['conv'] });
    expect(net.capabilities).toMatchObject({ reluRules: true, cam: true });
    net.dispose();
    const url = 'https://x.test/models/tiny/model.json?v=2';
    const fromUrl = await loadConvNet(url, {
      fetch: memoryFetch({ [url]: json, 'https://x.test/models/tiny/weights.bin?v=2': saved.weights }),
      inputRange: [-1, 1],
    });
    expect(fromUrl).toMatchObject({ id: 'tiny', inputRange: [-1, 1], classNames: ['class 0', 'class 1', 'class 2'] });
    fromUrl.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe.each(NODE_BACKENDS)('a third-party graph model (@vladmandic/human emotion) on %s', (backend) => {
  let net: ConvNet;
  beforeAll(async () => {
    await useBackend(backend);
    net = await loadConvNet(fileUrl(EMOTION), { fetch: nodeFetch, classNames: EMOTIONS });
    return () => net.dispose();
  });

  it('finds its conv layers, its logits before the softmax, and that CAM applies', () => {
    expect(net.format).toBe('graph');
    expect(net.inputShape).toEqual([64, 64, 1]);
    expect(net.convLayers.length).toBe(13);
    expect(net.logitLayer).toMatch(/global_average_pooling2d_1\/Mean$/);
    expect(net.camLayer).toMatch(/conv2d_5\/BiasAdd$/);
    expect(net.capabilities).toMatchObject({ reluRules: false, cam: true });
    expect(net.capabilities.notes[0]).toMatch(/cannot swap how gradients cross its ReLUs/);
    expect(net.params).toBeGreaterThan(10_000);
  });

  it('gives logits whose softmax is the model output, captures nodes, and runs from an inner node', () => {
    const x = randomImage(1, [2, 64, 64, 1]);
    tf.tidy(() => {
      const last = net.convLayers.at(-1)!;
      const { logits, activations } = net.forward(x, { capture: ['Identity', last] });
      expect(() => net.forward(logits, { from: 'Identity' })).toThrow(/Cannot start from 'Identity'/);
      expect(logits.shape).toEqual([2, 7]);
      const probs = Array.from(tf.softmax(logits).dataSync());
      Array.from(activations['Identity']!.dataSync()).forEach((p, i) => expect(p).toBeCloseTo(probs[i]!, 5));
      const again = net.forward(activations[last]!, { from: last }).logits.dataSync();
      Array.from(logits.dataSync()).forEach((v, i) => expect(again[i]).toBeCloseTo(v, 4));
      expect(() => net.forward(x, { relu: 'guided' })).toThrow(/graph model cannot use the guided rule/);
    });
    x.dispose();
  });

  // From the node add_1 on, the graph still has depthwise and fused convolutions, max pooling, a residual
  // sum and the global average (the full graph's backward pass takes tens of seconds on the CPU backend).
  // It also guards src/core/kernels' MaxPoolGrad for WASM: the stock kernel loses the gradient of windows
  // whose maximum is not positive, which put this check 16% off.
  const ADD_1 = 'StatefulPartitionedCall/model_1/add_1/add';
  it('differentiates through the graph: the gradient of a logit matches a finite difference', () => {
    const x = randomImage(2, [1, 64, 64, 1]);
    const start = tf.tidy(() => net.forward(x, { capture: [ADD_1] }).activations[ADD_1]!);
    const logit = (v: Tensor) => net.forward(v, { from: ADD_1 }).logits.slice([0, 3], [1, 1]).sum();
    const before = tf.memory().numTensors;
    const grad = tf.grad(logit)(start);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(grad.shape).toEqual(start.shape);
    // Along the gradient's own direction the derivative is |∇f|, large enough to stand out of float32
    // noise: (f(x + εu) − f(x − εu)) / 2ε ≈ |∇f| for u = ∇f/|∇f|.
    const norm = tf.tidy(() => grad.norm().dataSync()[0]!);
    expect(norm).toBeGreaterThan(1e-3);
    const eps = 1e-2;
    const numeric = tf.tidy(() => {
      const u = grad.div(norm);
      return (logit(start.add(u.mul(eps))).dataSync()[0]! - logit(start.sub(u.mul(eps))).dataSync()[0]!) / (2 * eps);
    });
    expect(Math.abs(numeric - norm)).toBeLessThan(0.01 * norm);
    tf.dispose([x, start, grad]);
  });

  // The full graph's backward pass takes tens of seconds on the CPU backend: WASM only.
  if (backend === 'wasm') it('takes an input gradient through the whole graph', () => {
    const x = randomImage(2, [1, 64, 64, 1]);
    const grad = tf.grad((v: Tensor) => net.forward(v).logits.slice([0, 3], [1, 1]).sum())(x);
    expect(grad.shape).toEqual([1, 64, 64, 1]);
    expect(tf.tidy(() => grad.abs().max().dataSync()[0]!)).toBeGreaterThan(0);
    expect(tf.tidy(() => grad.isFinite().all().dataSync()[0])).toBe(1);
    tf.dispose([x, grad]);
  });

  it('loads from dropped files too, and leaves no tensor behind once disposed', async () => {
    const before = tf.memory().numTensors;
    const files = await diskFiles([EMOTION, EMOTION.replace(/\.json$/, '.bin')]);
    const dropped = await loadConvNet(files);
    expect(dropped.id).toBe('emotion');
    tf.tidy(() => {
      dropped.forward(tf.zeros([1, 64, 64, 1]), { capture: [dropped.convLayers[0]!] });
    });
    dropped.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

const PUBLIC = resolve('public');
const trained = PROJECT_MODELS.filter((m) => existsSync(resolve(PUBLIC, 'models', m.id, 'model.json')));

describe.each(NODE_BACKENDS)("the book's own models on %s", (backend) => {
  beforeAll(() => useBackend(backend));

  it('the book ships trained classifiers', () => expect(trained.map((m) => m.id)).toEqual(PROJECT_MODELS.map((m) => m.id)));

  it.each(trained.map((m) => m.id))('%s loads with conv layers, CAM and the logits of its predict', async (id) => {
    const before = tf.memory().numTensors;
    const net = await loadProjectModel(id, fileUrl(PUBLIC) + '/', { fetch: nodeFetch });
    const card = JSON.parse(readFileSync(resolve(PUBLIC, 'models', id, 'card.json'), 'utf8')) as Record<string, unknown>;
    expect(net.id).toBe(id);
    expect(net.convLayers.length).toBeGreaterThan(0);
    expect(net.capabilities).toMatchObject({ reluRules: true, cam: true });
    expect(net.classNames).toEqual(card['classes']);
    const model = await loadLayersModel({ load: () => readArtifacts(resolve(PUBLIC, 'models', id, 'model.json')) });
    const x = randomImage(4, [2, ...net.inputShape]);
    tf.tidy(() => {
      const expected = model.predict(x) as Tensor;
      const logits = net.forward(x).logits;
      const softmaxed = net.capabilities.notes.some((n) => n.includes('left out'));
      const ours = (softmaxed ? tf.softmax(logits) : logits).dataSync();
      Array.from(expected.dataSync()).forEach((v, i) => expect(ours[i]).toBeCloseTo(v, 4));
    });
    tf.dispose(x);
    model.dispose();
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
