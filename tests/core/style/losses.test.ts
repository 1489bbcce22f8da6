import { beforeAll, describe, expect, it } from 'vitest';
import { tf, type Tensor } from '../../../src/core/tf';
import { gramTargets } from '../../../src/core/style/gram';
import { contentLoss, decayingAdam, layerStatsLoss, layerStyleLoss, styleLoss, styleTransfer, textureSynthesis, transferTerms, type StyleLayer } from '../../../src/core/style/losses';
import { layerCode } from '../../../src/core/optvis/feature-inversion';
import { render, PauseControl } from '../../../src/core/optvis/render';
import { NODE_BACKENDS, expectNoLeak, seededRandom, useBackend } from '../backends';
import { centralDifferences, randomImage, scalarOf, twoConvNet } from '../attribution/toys';

/** Relative agreement of analytic and finite-difference gradients. */
function expectGradientsMatch(g: Float32Array, fd: number[], at: number[]) {
  const scale = Math.max(...fd.map(Math.abs), 1e-8);
  at.forEach((i, k) => expect(Math.abs(g[i]! - fd[k]!) / scale).toBeLessThan(0.03));
}

describe.each(NODE_BACKENDS)('style and content losses on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('layer style loss by hand: E = Σ(G − Â)² / (4N²)', () => {
    // G = [[5, 7], [7, 10]] (gram.test.ts); target identity: differences 4, 7, 7, 9 → 16+49+49+81 = 195; / 16.
    const f = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
    expect(scalarOf(() => layerStyleLoss(f, { layer: 'x', channels: 2, data: Float32Array.from([1, 0, 0, 1]) }))).toBeCloseTo(195 / 16, 4);
    expect(() => tf.tidy(() => layerStyleLoss(f, { layer: 'x', channels: 3, data: new Float32Array(9) }))).toThrow(/3/);
    f.dispose();
  });

  it('relative mean-and-covariance loss by hand: ‖Σ − Σ̂‖²/‖Σ̂‖² + ‖μ − μ̂‖²/‖μ̂‖²', () => {
    // Rows (1, 2), (3, 4): μ = (2, 3), Σ = [[1, 1], [1, 1]], G = Σ + μμᵀ = [[5, 7], [7, 10]].
    // Target Â = I, μ̂ = (0, 1): Σ̂ = I − μ̂μ̂ᵀ = [[1, 0], [0, 0]]; ‖Σ − Σ̂‖² = 3, ‖Σ̂‖² = 1; ‖μ − μ̂‖² = 8, ‖μ̂‖² = 1.
    const f = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
    const target = { layer: 'x', channels: 2, data: Float32Array.from([1, 0, 0, 1]), mean: Float32Array.from([0, 1]) };
    expect(scalarOf(() => layerStatsLoss(f, target))).toBeCloseTo(11, 4);
    // Its own statistics give zero, as G and μ then both match.
    expect(scalarOf(() => layerStatsLoss(f, { layer: 'x', channels: 2, data: Float32Array.from([5, 7, 7, 10]), mean: Float32Array.from([2, 3]) }))).toBeCloseTo(0, 6);
    expect(() => tf.tidy(() => layerStatsLoss(f, { layer: 'x', channels: 2, data: Float32Array.from([1, 0, 0, 1]) }))).toThrow(/no channel means/);
    f.dispose();
  });

  it('relative mean-and-covariance style loss: gradient against central differences, zero at the style image', async () => {
    const net = twoConvNet();
    const style = randomImage(net, 5);
    const image = randomImage(net, 9);
    const layers = (await gramTargets(net, style, ['relu1', 'relu2'])).map((target, i) => ({ target, weight: [0.7, 2][i]! }));
    const f = (x: Tensor) => styleLoss(net.forward(x, { capture: ['relu1', 'relu2'] }).activations, layers, 'stats');
    expect(scalarOf(() => f(image))).toBeGreaterThan(0);
    const at = [0, 13, 40, 77, 101, 150, 191];
    const g = tf.tidy(() => tf.grad(f)(image));
    expectGradientsMatch(g.dataSync() as Float32Array, centralDifferences((x) => scalarOf(() => f(x)), image, at, 1e-2), at);
    g.dispose();
    expect(scalarOf(() => f(style))).toBeCloseTo(0, 6);
    tf.dispose([style, image]);
    net.dispose();
  });

  it('content loss by hand: ½Σ(F − P)² / (N·M)', () => {
    const f = tf.tensor4d([1, 2, 3, 4], [1, 1, 2, 2]);
    const code = { layer: 'x', shape: [1, 2, 2], data: Float32Array.from([0, 2, 5, 4]) };
    expect(scalarOf(() => contentLoss(f, code))).toBeCloseTo((1 + 4) / 2 / 4, 6);
    f.dispose();
  });

  it('style loss over weighted layers and content loss: gradients against central differences', async () => {
    const net = twoConvNet();
    const style = randomImage(net, 5);
    const content = randomImage(net, 6);
    const image = randomImage(net, 9);
    const targets = await gramTargets(net, style, ['relu1', 'relu2']);
    const layers: StyleLayer[] = [
      { target: targets[0]!, weight: 0.7 },
      { target: targets[1]!, weight: 2 },
    ];
    const code = await layerCode(net, content, 'relu2');
    const fs = [
      (x: Tensor) => styleLoss(net.forward(x, { capture: ['relu1', 'relu2'] }).activations, layers),
      (x: Tensor) => contentLoss(net.forward(x, { capture: ['relu2'] }).activations['relu2']!, code),
    ];
    const at = [0, 13, 40, 77, 101, 150, 191];
    for (const f of fs) {
      const value = scalarOf(() => f(image));
      expect(value).toBeGreaterThan(0);
      const g = tf.tidy(() => tf.grad(f)(image));
      const fd = centralDifferences((x) => scalarOf(() => f(x)), image, at, 1e-2);
      expectGradientsMatch(g.dataSync() as Float32Array, fd, at);
      g.dispose();
    }
    // Weights: doubling every layer weight doubles the loss.
    const doubled = layers.map((l) => ({ ...l, weight: 2 * l.weight }));
    const a = scalarOf(() => styleLoss(net.forward(image, { capture: ['relu1', 'relu2'] }).activations, layers));
    const b = scalarOf(() => styleLoss(net.forward(image, { capture: ['relu1', 'relu2'] }).activations, doubled));
    expect(b).toBeCloseTo(2 * a, 4);
    // The loss of the style image against its own targets is zero.
    expect(scalarOf(() => styleLoss(net.forward(style, { capture: ['relu1', 'relu2'] }).activations, layers))).toBeCloseTo(0, 8);
    tf.dispose([style, content, image]);
    net.dispose();
  });

  it('decaying Adam: with a constant gradient each step moves by the rate, which falls geometrically to its final fraction', async () => {
    await expectNoLeak(async () => {
      const zeros = tf.zeros([3]);
      const x = tf.variable(zeros);
      zeros.dispose();
      const update = decayingAdam(0.1, 5, 0.01);
      const moves: number[] = [];
      for (let k = 0; k < 5; k++) {
        const before = x.dataSync()[0]!;
        update.step([x], () => tf.sum(x) as ReturnType<typeof tf.scalar>).dispose();
        moves.push(x.dataSync()[0]! - before);
      }
      update.dispose();
      x.dispose();
      // Adam's step on a constant gradient is the rate itself (m̂ / √v̂ = 1); the rate goes 0.1 → 0.001 in 4 factors.
      const factor = 0.01 ** (1 / 4);
      moves.forEach((m, k) => expect(m).toBeCloseTo(0.1 * factor ** k, 5));
    });
  });

  it('texture synthesis: the style loss falls over a few steps, no leak after a run', async () => {
    const net = twoConvNet();
    const style = randomImage(net, 5);
    const targets = await gramTargets(net, style, ['relu1', 'relu2']);
    const layers = targets.map((target) => ({ target, weight: 1 }));
    const result = await expectNoLeak(() => render(net, textureSynthesis(net, { layers, size: 16, steps: 30, learningRate: 0.05, seed: 2 })));
    expect(result.history).toHaveLength(30);
    // The render loop maximises −L_style.
    expect(-result.history[29]!).toBeLessThan(0.5 * -result.history[0]!);
    expect(result.image.width).toBe(16);
    expect(() => textureSynthesis(net, { layers, size: 500 })).toThrow(/16 to 128/);
    // The relative mean-and-covariance form falls too.
    const stats = await expectNoLeak(() => render(net, textureSynthesis(net, { layers, size: 16, steps: 30, learningRate: 0.05, seed: 2, loss: 'stats' })));
    expect(-stats.history[29]!).toBeLessThan(0.5 * -stats.history[0]!);
    style.dispose();
    net.dispose();
  });

  it('style transfer: the total loss falls, no leak after a run and after cancel', async () => {
    const net = twoConvNet();
    const style = randomImage(net, 5);
    const rand = seededRandom(6);
    const content = tf.tensor4d(Float32Array.from({ length: 16 * 16 * 3 }, () => rand()), [1, 16, 16, 3]);
    const targets = await gramTargets(net, style, ['relu1', 'relu2']);
    const layers = targets.map((target) => ({ target, weight: 1 }));
    const code = await layerCode(net, content, 'relu2');
    const options = styleTransfer(net, { content: code, layers, contentWeight: 1, styleWeight: 10, tvWeight: 0.1, size: 16, steps: 30, learningRate: 0.05, seed: 1, start: content.dataSync() as Float32Array });
    const result = await expectNoLeak(() => render(net, options));
    expect(-result.history[29]!).toBeLessThan(-result.history[0]!);
    const controller = new AbortController();
    const pause = new PauseControl();
    const cancelled = await expectNoLeak(() =>
      render(net, { ...options, steps: 100, signal: controller.signal, pause, onStep: ({ step }) => { if (step === 3) controller.abort(); } }),
    );
    expect(cancelled.aborted).toBe(true);
    expect(cancelled.history.length).toBe(3);
    // The terms read back one by one, weighted, give the loop's first value (its objective at the start image).
    const startParam = options.param!();
    const startImage = tf.tidy(() => startParam.image());
    startParam.dispose();
    const terms = await expectNoLeak(() => transferTerms(net, { width: 16, height: 16, channels: 3, data: startImage.dataSync() as Float32Array }, { content: code, layers }));
    startImage.dispose();
    expect(terms.content).toBeCloseTo(0, 8);
    expect(terms.style).toBeGreaterThan(0);
    expect(terms.tv).toBeGreaterThan(0);
    expect(1 * terms.content + 10 * terms.style + 0.1 * terms.tv).toBeCloseTo(-result.history[0]!, 4);
    expect(() => styleTransfer(net, { content: code, layers, contentWeight: -1, styleWeight: 1, tvWeight: 0, size: 16 })).toThrow(/non-negative/);
    tf.dispose([style, content]);
    net.dispose();
  });
});
