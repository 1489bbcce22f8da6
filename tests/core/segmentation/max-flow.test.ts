import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/core/random';
import {
  createGridGraph, cutValue, gridNeighbours, maxFlow, type GridGraph, type Neighbourhood,
} from '../../../src/core/segmentation/max-flow';

/** A random graph: integer capacities with many zeros, asymmetric edges, a few infinite terminal links. */
function randomGraph(width: number, height: number, neighbourhood: Neighbourhood, seed: number): GridGraph {
  const random = mulberry32(seed);
  const cap = () => (random() < 0.3 ? 0 : Math.floor(random() * 6));
  const g = createGridGraph(width, height, neighbourhood);
  const nbr = gridNeighbours(width, height, neighbourhood);
  for (let p = 0; p < width * height; p++) {
    g.source[p] = cap();
    g.sink[p] = cap();
    if (random() < 0.1) [g.source[p], g.sink[p]] = random() < 0.5 ? [Infinity, 0] : [0, Infinity];
  }
  nbr.forEach((q, e) => { if (q >= 0) g.edges[e] = cap(); });
  return g;
}

/** The minimum cut by enumerating every partition of the nodes. */
function bruteForceMinCut(g: GridGraph): number {
  const n = g.width * g.height;
  const side = new Uint8Array(n);
  let best = Infinity;
  for (let bits = 0; bits < 1 << n; bits++) {
    for (let p = 0; p < n; p++) side[p] = (bits >> p) & 1;
    best = Math.min(best, cutValue(g, side));
  }
  return best;
}

describe('maxFlow', () => {
  it('solves a two-node graph by hand', () => {
    // s→a 5, a→t 1, a→b 2, b→t 4: the cheapest cut severs a→t and a→b (3).
    const g = createGridGraph(2, 1, 4);
    g.source.set([5, 0]);
    g.sink.set([1, 4]);
    g.edges[0] = 2; // a → east neighbour b
    const { flow, sourceSide } = maxFlow(g);
    expect(flow).toBe(3);
    expect([...sourceSide]).toEqual([1, 0]);
  });

  it.each([
    [3, 4, 4], [4, 3, 8], [2, 6, 8], [1, 12, 4], [3, 3, 8], [12, 1, 8],
  ] as const)('matches brute force on random %i×%i graphs (%i-neighbourhood)', (width, height, neighbourhood) => {
    for (let seed = 1; seed <= 6; seed++) {
      const g = randomGraph(width, height, neighbourhood, seed * 100 + width);
      const { flow, sourceSide } = maxFlow(g);
      expect(flow).toBe(bruteForceMinCut(g));
      expect(cutValue(g, sourceSide)).toBe(flow);
    }
  });

  it('returns a cut whose value equals the flow on a larger graph, leaving the input untouched', () => {
    const g = randomGraph(40, 30, 8, 7);
    const before = Float64Array.from(g.edges);
    const { flow, sourceSide } = maxFlow(g);
    expect(cutValue(g, sourceSide)).toBe(flow);
    expect(g.edges).toEqual(before);
  });

  it('handles real-valued capacities', () => {
    const random = mulberry32(3);
    const g = createGridGraph(4, 3, 8);
    g.source.forEach((_, p) => { g.source[p] = random(); g.sink[p] = random(); });
    gridNeighbours(4, 3, 8).forEach((q, e) => { if (q >= 0) g.edges[e] = random() * 0.5; });
    const { flow, sourceSide } = maxFlow(g);
    expect(flow).toBeCloseTo(bruteForceMinCut(g), 10);
    expect(cutValue(g, sourceSide)).toBeCloseTo(flow, 10);
  });
});
