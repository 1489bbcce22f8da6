/**
 * What `npm run bench` times in the browser: one entry per technique, each a
 * workload built on the active backend. A chapter that adds a technique adds
 * its case here, so the benchmark follows the book.
 */
import { createProbeNet } from '../core/probe-net';
import { computeReluTables } from '../core/relu-tables';

/** A workload ready to be timed; owns its tensors until disposed. */
export interface BenchWorkload {
  run(): Promise<unknown>;
  dispose(): void;
}

/** A named benchmark case. */
export interface BenchCase {
  id: string;
  /** What one run does, for the results file. */
  description: string;
  setup(): Promise<BenchWorkload>;
}

/** Every benchmark case, in the book's order. */
export const BENCH_CASES: BenchCase[] = [
  {
    id: 'probe-forward-input-gradient',
    description: 'probe CNN (64×64×3, three 3×3 conv layers 16/32/64): forward pass and input gradient',
    async setup() {
      return createProbeNet();
    },
  },
  {
    id: 'relu-tables',
    description: 'ReLU chapter tables: forward output and the three backward rules on a 3×3 grid',
    async setup() {
      const x = [[1, -1, 5], [2, -5, -7], [-3, 2, 4]];
      const r = [[-2, 3, -1], [6, -3, 1], [2, -1, 3]];
      return { run: () => computeReluTables(x, r), dispose() {} };
    },
  },
];
