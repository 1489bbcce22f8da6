import { beforeAll, describe, expect, it } from 'vitest';
import { createColourToyNet, createToyNet } from '../../src/core/attribution/toy-net';
import { filterCosines, filterLayers, filterSet } from '../../src/core/filters';
import { NODE_BACKENDS, expectNoLeak, useBackend } from './backends';

/** conv 2×2 over one grey channel, two filters: f₀ = [1, −2; 0.5, 0], f₁ = [0.25, 0.25; −0.5, 0.1] (HWIO below). */
function handNet() {
  return createToyNet({
    inputShape: [4, 4, 1],
    layers: [
      { kind: 'conv', name: 'conv', filters: 2, size: 2, kernel: [1, 0.25, -2, 0.25, 0.5, -0.5, 0, 0.1] },
      { kind: 'relu', name: 'relu' },
      { kind: 'gap', name: 'gap' },
      { kind: 'dense', name: 'logits', units: 2 },
    ],
  });
}

describe.each(NODE_BACKENDS)('filters on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('scales each filter by its own largest magnitude, zero at mid-grey', async () => {
    const net = handNet();
    const set = await expectNoLeak(() => filterSet(net, 'conv', 'per-filter'));
    expect([set.height, set.width, set.inChannels, set.readsImage]).toEqual([2, 2, 1, true]);
    expect(set.scales).toEqual([2, 0.5]);
    expect(Array.from(set.filters[0]!)).toEqual([0.75, 0, 0.625, 0.5]);
    expect(Array.from(set.filters[1]!).map((v) => +v.toFixed(6))).toEqual([0.75, 0.75, 0, 0.6]);
    expect(set.stats[0]).toEqual({ min: -2, max: 1, norm: Math.sqrt(1 + 4 + 0.25) });
    expect(Array.from(set.weights[1]!)).toEqual([0.25, 0.25, -0.5, 0.1].map(Math.fround));
    net.dispose();
  });

  it('with a shared scale, maps every filter by the layer’s largest magnitude', async () => {
    const net = handNet();
    const set = await filterSet(net, 'conv', 'shared');
    expect(set.scales).toEqual([2, 2]);
    expect(Array.from(set.filters[1]!).map((v) => +v.toFixed(6))).toEqual([0.5625, 0.5625, 0.375, 0.525]);
    net.dispose();
  });

  it('draws the first layer of a colour net in colour and a deeper one as slices per input channel', async () => {
    const net = createColourToyNet();
    expect(filterLayers(net)).toEqual(['conv1', 'conv2']);
    const first = await filterSet(net, 'conv1');
    const deep = await expectNoLeak(() => filterSet(net, 'conv2'));
    expect([first.inChannels, first.readsImage, first.filters.length]).toEqual([3, true, 8]);
    expect([deep.inChannels, deep.readsImage, deep.filters.length, deep.filters[0]!.length]).toEqual([8, false, 16, 3 * 3 * 8]);
    // Every filter reaches 0 or 1 at its largest magnitude, and stays in [0, 1].
    for (const f of deep.filters) {
      expect(Math.min(...f)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...f)).toBeLessThanOrEqual(1);
      expect(Math.max(...f.map((v) => Math.abs(v - 0.5)))).toBeCloseTo(0.5, 6);
    }
    await expect(filterSet(net, 'relu1')).rejects.toThrow(/not a convolution whose filters can be drawn \(these can: conv1, conv2\)/);
    net.dispose();
  });

  it('measures how far each filter moved by the cosine between two versions of the layer', async () => {
    const net = handNet();
    const set = await filterSet(net, 'conv');
    const doubled = { ...set, weights: set.weights.map((w) => w.map((v) => 2 * v)), stats: set.stats.map((s) => ({ ...s, norm: 2 * s.norm })) };
    const flipped = { ...set, weights: [set.weights[0]!.map((v) => -v), set.weights[1]!] };
    filterCosines(set, doubled).forEach((c) => expect(c).toBeCloseTo(1, 6));
    const [c0, c1] = filterCosines(set, flipped);
    expect([c0, c1].map((c) => +c!.toFixed(6))).toEqual([-1, 1]);
    net.dispose();
  });
});
