import { beforeAll, describe, expect, it } from 'vitest';
import { createColourToyNet, createToyNet } from '../../src/core/attribution/toy-net';
import { circuit, circuitLayers, previousConv, sliceStrength } from '../../src/core/circuits';
import { NODE_BACKENDS, expectNoLeak, useBackend } from './backends';

/**
 * conv1 1×1, one grey channel to 3; ReLU; max-pool 2; conv2 2×2, 3 channels to 2. Unit 0 of conv2 reads
 * channel 0 through [1, 1; 1, 1] (sum 4, L2 2), channel 1 through [−½ ×4] (sum −2, L2 1) and channel 2
 * through [2, −1; 2, −1.5] (sum 1.5, L2 √11.25): the two summaries rank the positive channels differently.
 */
const SLICES_UNIT0 = [[1, 1, 1, 1], [-0.5, -0.5, -0.5, -0.5], [2, -1, 2, -1.5]];
const slice1 = (i: number) => [0, 1, 2, 3].map((p) => (i === 1 ? -(10 + p) : i * 10 + p));

function handNet() {
  const kernel: number[] = [];
  // HWIO: index ((y·2 + x)·3 + i)·2 + o.
  for (let p = 0; p < 4; p++) for (let i = 0; i < 3; i++) kernel.push(SLICES_UNIT0[i]![p]!, slice1(i)[p]!);
  return createToyNet({
    inputShape: [4, 4, 1],
    layers: [
      { kind: 'conv', name: 'conv1', filters: 3, size: 1 },
      { kind: 'relu', name: 'relu1' },
      { kind: 'maxpool', name: 'pool1', size: 2 },
      { kind: 'conv', name: 'conv2', filters: 2, size: 2, kernel, bias: [0.25, -1] },
      { kind: 'gap', name: 'gap' },
      { kind: 'dense', name: 'logits', units: 2 },
    ],
  });
}

describe.each(NODE_BACKENDS)('circuits on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('traces back across the ReLU and pooling to the previous convolution', () => {
    const net = handNet();
    expect(circuitLayers(net)).toEqual(['conv2']);
    expect(previousConv(net, 'conv2')).toEqual({ previous: 'conv1', between: ['relu1', 'pool1'] });
    expect(previousConv(net, 'conv1')).toBeNull();
    net.dispose();
  });

  it('ranks the previous channels by the summed slice, with their signs and kernel slices', async () => {
    const net = handNet();
    const c = await expectNoLeak(() => circuit(net, 'conv2', 0, { summary: 'sum', top: 3 }));
    expect([c.previous, c.height, c.width, c.bias]).toEqual(['conv1', 2, 2, 0.25]);
    expect(c.weights.map((w) => Array.from(w.kernel))).toEqual(SLICES_UNIT0);
    expect(c.weights.map((w) => w.strength)).toEqual([4, -2, 1.5]);
    expect(c.positive.map((w) => w.channel)).toEqual([0, 2]);
    expect(c.negative.map((w) => w.channel)).toEqual([1]);
    net.dispose();
  });

  it('with the L2 summary, ranks by the slice’s size carrying the sum’s sign', async () => {
    const net = handNet();
    const c = await circuit(net, 'conv2', 0, { summary: 'l2' });
    expect(c.weights.map((w) => w.strength)).toEqual([2, -1, Math.sqrt(11.25)]);
    expect(c.positive.map((w) => w.channel)).toEqual([2, 0]);
    const other = await circuit(net, 'conv2', 1, { summary: 'sum', top: 1 });
    expect(other.weights.map((w) => Array.from(w.kernel))).toEqual([0, 1, 2].map(slice1));
    expect([other.bias, other.positive.map((w) => w.channel), other.negative.map((w) => w.channel)]).toEqual([-1, [2], [1]]);
    net.dispose();
  });

  it('sums a slice and takes its signed norm by hand', () => {
    expect(sliceStrength([3, -4], 'sum')).toBe(-1);
    expect(sliceStrength([3, -4], 'l2')).toBe(-5);
    expect(sliceStrength([1, -1], 'l2')).toBe(0);
  });

  it('says which layers have circuits, and rejects a unit out of range', async () => {
    const net = handNet();
    await expect(circuit(net, 'conv1', 0)).rejects.toThrow(/no previous convolution.*these do: conv2/);
    await expect(circuit(net, 'conv2', 2)).rejects.toThrow(/not a channel of 'conv2' \(0 to 1\)/);
    net.dispose();
    const colour = createColourToyNet();
    expect(circuitLayers(colour)).toEqual(['conv2']);
    const c = await expectNoLeak(() => circuit(colour, 'conv2', 5));
    expect([c.weights.length, c.height, c.width]).toEqual([8, 3, 3]);
    // Every strength is the sum of its own slice, and the ranked lists are sorted by it.
    for (const w of c.weights) expect(w.strength).toBeCloseTo(w.kernel.reduce((a, b) => a + b, 0), 6);
    for (const [a, b] of c.positive.slice(1).map((w, i) => [c.positive[i]!, w])) expect(a!.strength).toBeGreaterThanOrEqual(b!.strength);
    colour.dispose();
  });
});

describe('circuits of the scenes network', () => {
  beforeAll(() => useBackend('cpu'));

  it('traces each later convolution to the one before, and sums the stored kernel slices', async () => {
    const { loadTrained } = await import('./trained');
    const net = await loadTrained('scenes-cnn');
    const layers = circuitLayers(net);
    expect(layers.length).toBeGreaterThan(0);
    const layer = layers.at(-1)!;
    const c = await expectNoLeak(() => circuit(net, layer, 3));
    const kernel = net.layerWeights!(layer)[0]!;
    const [h, w, inC, outC] = kernel.shape as number[];
    const raw = await kernel.data();
    expect(c.weights.length).toBe(inC);
    for (const x of c.weights) {
      let sum = 0;
      for (let p = 0; p < h! * w!; p++) sum += raw[(p * inC! + x.channel) * outC! + 3]!;
      expect(x.strength).toBeCloseTo(sum, 5);
    }
    const prev = net.layers.find((l) => l.name === c.previous)!;
    expect(prev.kind).toBe('conv');
    expect(prev.outputShape.at(-1)).toBe(inC);
    net.dispose();
  });
});

describe('the optimisation chapter’s circuit exercises, on the scenes network', () => {
  beforeAll(() => useBackend('cpu'));

  it('conv4_1, the figure’s default layer, reads the 64 channels of conv3_1 across a ReLU and a pooling, through 9 weights each', async () => {
    const { loadTrained } = await import('./trained');
    const net = await loadTrained('scenes-cnn');
    expect(circuitLayers(net).at(-1)).toBe('conv4_1');
    const c = await expectNoLeak(() => circuit(net, 'conv4_1', 0));
    expect(c.previous).toBe('conv3_1');
    expect(c.between.map((name) => net.layers.find((l) => l.name === name)!.kind).sort()).toEqual(['pool', 'relu']);
    expect(c.weights).toHaveLength(64);
    expect(net.layers.find((l) => l.name === 'conv3_1')!.outputShape.at(-1)).toBe(64);
    expect(c.weights.every((w) => w.kernel.length === 9)).toBe(true);
    net.dispose();
  });

  it('an exact edge detector has strength 0 under both measures, and √6 is its size', () => {
    const edge = [-1, 0, 1, -1, 0, 1, -1, 0, 1];
    expect(sliceStrength(edge, 'sum')).toBe(0);
    expect(sliceStrength(edge, 'l2')).toBe(0);
    expect(Math.sqrt(edge.reduce((a, w) => a + w * w, 0))).toBeCloseTo(Math.sqrt(6), 12);
    // Tilted by a little, the sum stays small while the signed norm takes the slice's whole size.
    const tilted = edge.map((w, i) => (i === 2 ? w + 0.01 : w));
    expect(sliceStrength(tilted, 'sum')).toBeCloseTo(0.01, 6);
    expect(sliceStrength(tilted, 'l2')).toBeCloseTo(Math.sqrt(5 + 1.01 ** 2), 6);
  });

  it('the signed L2 norm ranks the stored kernels of conv3_1 unit 5 and conv4_1 unit 0 differently from the sum, each strength computed by hand', async () => {
    const { loadTrained } = await import('./trained');
    const net = await loadTrained('scenes-cnn');
    const bySum = await circuit(net, 'conv3_1', 5, { summary: 'sum' });
    const byNorm = await expectNoLeak(() => circuit(net, 'conv3_1', 5, { summary: 'l2' }));
    expect(byNorm.summary).toBe('l2');
    for (const [s, n] of bySum.weights.map((w, i) => [w, byNorm.weights[i]!] as const)) {
      expect(Array.from(n.kernel)).toEqual(Array.from(s.kernel));
      expect(n.strength).toBeCloseTo(Math.sign(s.strength) * Math.hypot(...s.kernel), 5);
    }
    const ranking = (c: typeof bySum) => [...c.positive, ...c.negative].map((w) => w.channel);
    expect(ranking(byNorm)).not.toEqual(ranking(bySum));
    // The unit the chapter's figure opens on, where the edge exercise switches the measure, changes too.
    const opening = async (summary: 'sum' | 'l2') => ranking(await circuit(net, 'conv4_1', 0, { summary }));
    expect(await opening('l2')).not.toEqual(await opening('sum'));
    net.dispose();
  });
});
