import { beforeAll, describe, expect, it } from 'vitest';
import { RELU_RULES, isReluRule, reluBackward, reluWithRule } from '../../src/core/relu-rules';
import { blockReason, computeReluTables } from '../../src/core/relu-tables';
import { tf } from '../../src/core/tf';
import { NODE_BACKENDS, expectNoLeak, seededRandom, useBackend } from './backends';

const FORWARD = [
  [1, -1, 5],
  [2, -5, -7],
  [-3, 2, 4],
];
const UPSTREAM = [
  [-2, 3, -1],
  [6, -3, 1],
  [2, -1, 3],
];

/** Solved by hand from the three rules (Springenberg et al. 2015, fig. 1). */
const EXPECTED = {
  backprop: [
    [-2, 0, -1],
    [6, 0, 0],
    [0, -1, 3],
  ],
  deconvnet: [
    [0, 3, 0],
    [6, 0, 1],
    [2, 0, 3],
  ],
  guided: [
    [0, 0, 0],
    [6, 0, 0],
    [0, 0, 3],
  ],
};

/** An independent element-wise reference, written from the definitions. */
function reference(rule: string, x: number, r: number): number {
  if (rule === 'backprop') return x > 0 ? r : 0;
  if (rule === 'deconvnet') return r > 0 ? r : 0;
  return x > 0 && r > 0 ? r : 0;
}

describe.each(NODE_BACKENDS)('ReLU backward rules on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  it('reproduces the hand-solved textbook example', async () => {
    const tables = await computeReluTables(FORWARD, UPSTREAM);
    expect(tables.output).toEqual(FORWARD.map((row) => row.map((v) => Math.max(v, 0))));
    for (const rule of RELU_RULES) {
      expect(tables.results[rule].map((row) => row.map((v) => v + 0))).toEqual(EXPECTED[rule]);
    }
  });

  it('agrees with an element-wise reference on random grids, zeros and fractions included', async () => {
    const rand = seededRandom(7);
    for (let trial = 0; trial < 20; trial++) {
      const h = 1 + Math.floor(rand() * 6);
      const w = 1 + Math.floor(rand() * 6);
      const cell = () => (rand() < 0.15 ? 0 : Math.round((rand() * 20 - 10) * 100) / 100);
      const x = Array.from({ length: h }, () => Array.from({ length: w }, cell));
      const r = Array.from({ length: h }, () => Array.from({ length: w }, cell));
      const tables = await computeReluTables(x, r);
      for (const rule of RELU_RULES) {
        tables.results[rule].forEach((row, i) =>
          row.forEach((v, j) => expect(v).toBeCloseTo(reference(rule, x[i]![j]!, r[i]![j]!), 5)),
        );
      }
    }
  });

  it('backprop through the custom ReLU equals autodiff of tf.relu', () => {
    const rand = seededRandom(3);
    const x = tf.tensor4d(Array.from({ length: 2 * 5 * 5 * 3 }, () => rand() * 2 - 1), [2, 5, 5, 3]);
    const dy = tf.tensor4d(Array.from({ length: 2 * 5 * 5 * 3 }, () => rand() * 2 - 1), [2, 5, 5, 3]);
    const ours = reluBackward(x, dy, 'backprop');
    const autodiff = tf.grad((t) => tf.relu(t))(x, dy);
    expect(Array.from(ours.dataSync())).toEqual(Array.from(autodiff.dataSync()));
    tf.dispose([x, dy, ours, autodiff]);
  });

  it('the forward pass is max(x, 0) for every rule', () => {
    const x = tf.tensor1d([-2, -0.5, 0, 0.5, 2]);
    for (const rule of RELU_RULES) {
      const y = reluWithRule(rule)(x);
      expect(Array.from(y.dataSync())).toEqual([0, 0, 0, 0.5, 2]);
      y.dispose();
    }
    x.dispose();
  });

  it('composes inside a network: guided gradient of a two-layer net matches the chained rule', () => {
    // y = relu(W2 · relu(W1 · x)); the guided signal at x is W1ᵀ(mask1 ⊙ W2ᵀ(mask2 ⊙ 1)), masks from the rule.
    const W1 = tf.tensor2d([[1, -2], [3, 1], [-1, 1]]); // 3×2
    const W2 = tf.tensor2d([[2, -1, 1], [-1, 1, 1]]); // 2×3
    const x = tf.tensor2d([[1], [2]]);
    const relu = reluWithRule('guided');
    const g = tf.grad((v) => relu(tf.matMul(W2, relu(tf.matMul(W1, v)))).sum())(x);
    // Forward: h1 = W1 x = [-3, 5, 1] → relu [0, 5, 1]; h2 = W2 relu(h1) = [-4, 6] → active [0, 1].
    // Back: R2 = [1, 1], guided at layer 2: x>0 only for unit 2 → [0, 1]; W2ᵀ[0,1] = [-1, 1, 1];
    // guided at layer 1: unit 1 inactive, units 2, 3 active and positive → [0, 1, 1]; W1ᵀ[0,1,1] = [2, 2].
    expect(Array.from(g.dataSync())).toEqual([2, 2]);
    tf.dispose([W1, W2, x, g]);
  });

  it('leaks no tensors', async () => {
    await expectNoLeak(() => computeReluTables(FORWARD, UPSTREAM));
    const x = tf.tensor1d([1, -1]);
    const r = tf.tensor1d([1, 1]);
    await expectNoLeak(() => reluBackward(x, r, 'guided').dispose());
    tf.dispose([x, r]);
  });
});

describe('blockReason', () => {
  it('names the condition each rule checks', () => {
    expect(blockReason('backprop', -1, 3)).toBe('forward');
    expect(blockReason('backprop', 1, -3)).toBeNull();
    expect(blockReason('deconvnet', -1, 3)).toBeNull();
    expect(blockReason('deconvnet', 1, -3)).toBe('gradient');
    expect(blockReason('guided', -1, -3)).toBe('both');
    expect(blockReason('guided', 1, 3)).toBeNull();
  });

  it('validates rule names', () => {
    expect(isReluRule('guided')).toBe(true);
    expect(isReluRule('relu')).toBe(false);
  });
});
