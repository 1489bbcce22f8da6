import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ConvNet, chosenClass, classScores } from '../../src/core/convnet';
import { layersConvNet } from '../../src/core/layers-convnet';
import { RELU_RULES } from '../../src/core/relu-rules';
import { type Tensor, tf } from '../../src/core/tf';
import { NODE_BACKENDS, expectNoLeak, seededRandom, useBackend } from './backends';

const close = (a: Tensor | number[], b: Tensor | number[], digits = 5) => {
  const va = Array.isArray(a) ? a : Array.from(a.dataSync());
  const vb = Array.isArray(b) ? b : Array.from(b.dataSync());
  expect(va.length).toBe(vb.length);
  va.forEach((v, i) => expect(v).toBeCloseTo(vb[i]!, digits));
};

/**
 * The toy net solved by hand: a 2×2 grey image, a 1×1 conv with two filters
 * (weights 1 and −2, so the channels are x and −2x), ReLU, global average
 * pooling and a dense layer giving logit₀ = g₀ − g₁ and logit₁ = g₁.
 */
const TOY_X = [1, -2, 3, 0.5];
function toyNet(variant: 'separate' | 'fused', softmax: 'dense' | 'layer' | 'activation'): ConvNet {
  const layers: tfl.layers.Layer[] = [
    tfl.layers.conv2d({ inputShape: [2, 2, 1], filters: 2, kernelSize: 1, activation: variant === 'fused' ? 'relu' : 'linear', name: 'conv' }),
  ];
  if (variant === 'separate') layers.push(tfl.layers.reLU({ name: 'relu' }));
  layers.push(tfl.layers.globalAveragePooling2d({ name: 'gap' }));
  layers.push(tfl.layers.dense({ units: 2, activation: softmax === 'dense' ? 'softmax' : 'linear', name: 'logits' }));
  if (softmax === 'layer') layers.push(tfl.layers.softmax({ name: 'probs' }));
  if (softmax === 'activation') layers.push(tfl.layers.activation({ activation: 'softmax', name: 'probs' }));
  const model = tfl.sequential({ layers });
  model.getLayer('conv').setWeights([tf.tensor4d([1, -2], [1, 1, 1, 2]), tf.tensor1d([0, 0])]);
  model.getLayer('logits').setWeights([tf.tensor2d([[1, 0], [-1, 1]]), tf.tensor1d([0, 0])]);
  return layersConvNet(model, { id: 'toy', title: 'Toy' });
}

/** ∂logit₀/∂x under each rule, worked out from the rules (see relu-rules.ts) by hand:
 * the signal at the ReLU outputs is +1/4 on channel 0 and −1/4 on channel 1. */
const TOY_GRADIENTS = {
  // channel 0 passes where x > 0; channel 1 (−2x > 0) passes at x = −2: −2 · −1/4 = 1/2.
  backprop: [0.25, 0.5, 0.25, 0.25],
  // the deconvnet passes channel 0's positive signal everywhere and blocks channel 1's negative one.
  deconvnet: [0.25, 0.25, 0.25, 0.25],
  // guided: channel 0 where x > 0; channel 1's signal is negative, so it is blocked.
  guided: [0.25, 0, 0.25, 0.25],
};

/** A small random net with every kind of layer the adapter handles. */
function randomModel(seed: number, output: 'softmax' | 'linear' = 'softmax'): tfl.LayersModel {
  const init = (s: number) => tfl.initializers.glorotUniform({ seed: seed + s });
  return tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1), biasInitializer: 'ones', name: 'c1' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'p1' }),
      tfl.layers.conv2d({ filters: 6, kernelSize: 3, kernelInitializer: init(2), biasInitializer: tfl.initializers.randomUniform({ minval: -0.1, maxval: 0.3, seed }), name: 'c2' }),
      tfl.layers.reLU({ name: 'r2' }),
      tfl.layers.dropout({ rate: 0.5, name: 'drop' }),
      tfl.layers.globalAveragePooling2d({ name: 'gap' }),
      tfl.layers.dense({ units: 3, activation: output, kernelInitializer: init(3), name: 'out' }),
    ],
  });
}

function randomImage(seed: number, shape: number[] = [1, 8, 8, 3]): Tensor {
  const rand = seededRandom(seed);
  return tf.tensor(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand()), shape);
}

describe.each(NODE_BACKENDS)('layers ConvNet on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('solves the hand-built toy net: logits, and the input gradient under each rule', () => {
    for (const variant of ['separate', 'fused'] as const) {
      const net = toyNet(variant, 'dense');
      const x = tf.tensor4d(TOY_X, [1, 2, 2, 1]);
      // g₀ = (1 + 0 + 3 + 0.5)/4 = 1.125, g₁ = 4/4 = 1.
      close(tf.tidy(() => net.forward(x).logits), [0.125, 1]);
      for (const rule of RELU_RULES) {
        const g = tf.grad((v) => net.forward(v, { relu: rule }).logits.slice([0, 0], [1, 1]).sum())(x);
        close(g, TOY_GRADIENTS[rule]);
        g.dispose();
      }
      // The rectified maps: the ReLU layer's output, or the conv's own when its ReLU is fused.
      expect(net.convLayers).toEqual([variant === 'separate' ? 'relu' : 'conv']);
      expect(net.logitLayer).toBe('logits');
      expect(net.capabilities).toMatchObject({ reluRules: true, cam: true });
      expect(net.camLayer).toBe(variant === 'separate' ? 'relu' : 'conv');
      x.dispose();
      net.dispose();
    }
  });

  it('strips a final softmax, fused into Dense or as its own layer', () => {
    const x = tf.tensor4d(TOY_X, [1, 2, 2, 1]);
    for (const softmax of ['dense', 'layer', 'activation'] as const) {
      const net = toyNet('separate', softmax);
      expect(net.logitLayer).toBe('logits');
      close(tf.tidy(() => net.forward(x).logits), [0.125, 1]);
      expect(net.capabilities.notes.join(' ')).toMatch(/left out/);
      net.dispose();
    }
    x.dispose();
  });

  it('gives the logits of the model (its predict before softmax) and captures what tf.model would output', () => {
    const model = randomModel(5);
    const net = layersConvNet(model, { id: 'r', title: 'R' });
    const x = randomImage(1, [2, 8, 8, 3]);
    const names = net.layers.filter((l) => l.kind !== 'input').map((l) => l.name);
    tf.tidy(() => {
      const { logits, activations } = net.forward(x, { capture: names });
      close(tf.softmax(logits), model.predict(x) as Tensor);
      // Independent logits: the dense layer's weights applied to tfjs's own GAP output.
      const gap = tfl.model({ inputs: model.inputs, outputs: model.getLayer('gap').output as tfl.SymbolicTensor }).predict(x) as Tensor;
      const [kernel, bias] = model.getLayer('out').getWeights();
      close(logits, tf.add(tf.matMul(gap as tf.Tensor2D, kernel as tf.Tensor2D), bias!), 4);
      for (const name of names.slice(0, -1)) {
        const sub = tfl.model({ inputs: model.inputs, outputs: model.getLayer(name).output as tfl.SymbolicTensor });
        close(activations[name]!, sub.predict(x) as Tensor, 4);
      }
    });
    expect(net.convLayers).toEqual(['c1', 'r2']);
    expect(net.camLayer).toBe('r2');
    expect(net.params).toBe(model.countParams());
    x.dispose();
    net.dispose();
  });

  it('lists each convolution by its rectified maps: the activation after it, across batch norm, else itself', () => {
    const input = tfl.input({ shape: [6, 6, 1] });
    const conv = (name: string, activation: 'linear' | 'relu' = 'linear') =>
      tfl.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation, name });
    const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor) => layer.apply(x) as tfl.SymbolicTensor;
    // c1 → BN → ReLU; c2 → Activation('relu'); c3 (fused relu); c4 → LeakyReLU; c5 → pool (no activation);
    // c6 read by two layers (an activation and an add), so no single activation is its own.
    let x = apply(tfl.layers.reLU({ name: 'r1' }), apply(tfl.layers.batchNormalization({ name: 'bn1' }), apply(conv('c1'), input)));
    x = apply(tfl.layers.activation({ activation: 'relu', name: 'a2' }), apply(conv('c2'), x));
    x = apply(tfl.layers.leakyReLU({ name: 'l4' }), apply(conv('c4'), apply(conv('c3', 'relu'), x)));
    x = apply(tfl.layers.maxPooling2d({ poolSize: 2, name: 'p5' }), apply(conv('c5'), x));
    const c6 = apply(conv('c6'), x);
    x = tfl.layers.add({ name: 'sum' }).apply([apply(tfl.layers.reLU({ name: 'r6' }), c6), c6]) as tfl.SymbolicTensor;
    const out = apply(tfl.layers.dense({ units: 2, name: 'out' }), apply(tfl.layers.globalAveragePooling2d({ name: 'gap' }), x));
    const net = layersConvNet(tfl.model({ inputs: input, outputs: out }), { id: 'b', title: 'B' });
    expect(net.convLayers).toEqual(['r1', 'a2', 'c3', 'l4', 'c5', 'c6']);
    net.dispose();
  });

  it('running from an inner layer gives the same logits as the full pass', () => {
    const net = layersConvNet(randomModel(6), { id: 'r', title: 'R' });
    const x = randomImage(2);
    tf.tidy(() => {
      const inner = ['c1', 'p1', 'c2', 'r2', 'gap'];
      const full = net.forward(x, { capture: inner });
      for (const name of inner) close(net.forward(full.activations[name]!, { from: name }).logits, full.logits, 4);
      expect(() => net.forward(full.activations['r2']!, { from: 'r2', capture: ['c1'] })).toThrow(/comes before/);
      expect(() => net.forward(x, { capture: ['nope'] })).toThrow(/No layer named 'nope'/);
    });
    x.dispose();
    net.dispose();
  });

  it('the input gradient of a logit matches autodiff of the model itself and finite differences', () => {
    const model = randomModel(7, 'linear');
    const net = layersConvNet(model, { id: 'r', title: 'R' });
    const x = randomImage(3);
    const logit = (v: Tensor) => net.forward(v).logits.slice([0, 1], [1, 1]).sum();
    const grad = tf.grad(logit)(x);
    const own = tf.grad((v: Tensor) => (model.apply(v) as Tensor).slice([0, 1], [1, 1]).sum())(x);
    close(grad, own, 6);
    const rand = seededRandom(9);
    // Small enough not to cross a ReLU or max-pool switch, large enough for float32.
    const eps = 1e-3;
    for (let trial = 0; trial < 3; trial++) {
      // Directional derivative along a random direction: (f(x + εd) − f(x − εd)) / 2ε ≈ ⟨∇f, d⟩.
      const d = tf.tensor(Array.from({ length: x.size }, () => rand() - 0.5), x.shape);
      const numeric = tf.tidy(() => (logit(x.add(d.mul(eps))).dataSync()[0]! - logit(x.sub(d.mul(eps))).dataSync()[0]!) / (2 * eps));
      const analytic = tf.tidy(() => grad.mul(d).sum().dataSync()[0]!);
      expect(Math.abs(numeric - analytic)).toBeLessThan(5e-4 + 2e-2 * Math.abs(analytic));
      d.dispose();
    }
    tf.dispose([x, grad, own]);
    net.dispose();
  });

  it('an input gradient computes no weight gradient (the costly Conv2DBackpropFilter)', async () => {
    const net = layersConvNet(randomModel(9), { id: 'r', title: 'R' });
    const x = randomImage(8);
    const profile = await tf.profile(() => {
      tf.grad((v: Tensor) => net.forward(v).logits.sum())(x).dispose();
    });
    expect(profile.kernels.map((k) => k.name)).not.toContain('Conv2DBackpropFilter');
    x.dispose();
    net.dispose();
  });

  it('runs branching functional models with the rules, and says what it cannot swap', () => {
    const input = tfl.input({ shape: [6, 6, 3] });
    const a = tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', name: 'a', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tfl.SymbolicTensor;
    const b = tfl.layers.conv2d({ filters: 3, kernelSize: 1, name: 'b', kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }).apply(input) as tfl.SymbolicTensor;
    const sum = tfl.layers.add({ name: 'sum' }).apply([a, b]) as tfl.SymbolicTensor;
    const r6 = tfl.layers.reLU({ maxValue: 6, name: 'relu6' }).apply(sum) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 2, name: 'out' }).apply(tfl.layers.flatten({ name: 'flat' }).apply(r6)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const net = layersConvNet(model, { id: 'f', title: 'F' });
    const x = randomImage(4, [1, 6, 6, 3]);
    tf.tidy(() => {
      close(net.forward(x).logits, model.predict(x) as Tensor, 4);
      expect(net.forward(x, { relu: 'guided' }).logits.shape).toEqual([1, 2]);
      expect(() => net.forward(tf.zeros([1, 6, 6, 3]), { from: 'a' })).toThrow(/another path/);
    });
    expect(net.capabilities).toMatchObject({ reluRules: true, cam: false });
    expect(net.capabilities.notes.join(' ')).toMatch(/relu6.*keeps its ordinary gradient/);
    x.dispose();
    net.dispose();
  });

  it('flattens a Sequential nested as the first layer, so its ReLUs follow the rules too', () => {
    const inner = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3, activation: 'relu', name: 'inner_conv' })] });
    const model = tfl.sequential({ layers: [inner, tfl.layers.globalAveragePooling2d({ name: 'gap' }), tfl.layers.dense({ units: 2, name: 'out' })] });
    const net = layersConvNet(model, { id: 'n', title: 'N' });
    expect(net.convLayers).toEqual(['inner_conv']);
    expect(net.capabilities.reluRules).toBe(true);
    net.dispose();
  });

  it('a model applied inside a functional model runs as one block and turns the rules off, with the reason', () => {
    const inner = tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3, activation: 'relu', name: 'inner_conv' })] });
    const input = tfl.input({ shape: [4, 4, 1] });
    const features = inner.apply(input) as tfl.SymbolicTensor;
    const top = tfl.layers.conv2d({ filters: 2, kernelSize: 1, name: 'top_conv' }).apply(features) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 2 }).apply(tfl.layers.globalAveragePooling2d({}).apply(top)) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    const net = layersConvNet(model, { id: 'n', title: 'N' });
    const x = randomImage(5, [1, 4, 4, 1]);
    tf.tidy(() => {
      const { logits, activations } = net.forward(x, { capture: [inner.name] });
      close(logits, model.predict(x) as Tensor, 4);
      expect(activations[inner.name]!.shape).toEqual([1, 2, 2, 2]);
    });
    expect(net.convLayers).toEqual(['top_conv']);
    expect(net.capabilities.reluRules).toBe(false);
    expect(net.capabilities.notes.join(' ')).toMatch(/whole model inside/);
    expect(() => tf.tidy(() => net.forward(x, { relu: 'guided' }).logits)).toThrow(/cannot use the guided rule/);
    x.dispose();
    net.dispose();
  });

  it('leaks no tensors in forward, in gradients, or after dispose', async () => {
    const before = tf.memory().numTensors;
    const net = layersConvNet(randomModel(8), { id: 'r', title: 'R' });
    const x = randomImage(6);
    await expectNoLeak(() => {
      tf.tidy(() => {
        net.forward(x, { capture: ['c1', 'r2'] });
      });
      for (const rule of RELU_RULES) tf.grad((v) => net.forward(v, { relu: rule }).logits.sum())(x).dispose();
    });
    x.dispose();
    net.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('classScores reads back the first image\'s logits and their argmax, leaving no tensors', async () => {
    const net = toyNet('separate', 'dense');
    // g₀ = mean relu(x) = 1.125, g₁ = mean relu(−2x) = 1: logits 0.125 and 1. The second image is ignored.
    const x = tf.tensor4d([...TOY_X, ...TOY_X.map((v) => -v)], [2, 2, 2, 1]);
    const scores = await expectNoLeak(() => classScores(net, x));
    expect(scores.logits).toHaveLength(2);
    expect(scores.logits[0]).toBeCloseTo(0.125, 6);
    expect(scores.logits[1]).toBeCloseTo(1, 6);
    expect(scores.predicted).toBe(1);
    x.dispose();
    net.dispose();
  });
});

describe('chosenClass', () => {
  const scores = { logits: [0.1, 2, -1], predicted: 1 };
  it('takes a class index in range, else the predicted class', () => {
    expect(chosenClass('0', scores)).toBe(0);
    expect(chosenClass('2', scores)).toBe(2);
    for (const choice of ['', ' ', '3', '-1', '1.5', 'cat']) expect(chosenClass(choice, scores), choice).toBe(1);
  });
});
