/**
 * What `npm run bench` times in the browser: one entry per technique, each a
 * workload built on the active backend. A chapter that adds a technique adds
 * its case here, so the benchmark follows the book.
 */
import { createProbeNet } from '../core/probe-net';
import { computeReluTables } from '../core/relu-tables';
import { tf } from '../core/tf';
import { foolingImage } from '../core/attribution/adversarial';
import { ATTRIBUTION_METHODS } from '../core/attribution/registry';
import { createColourToyNet } from '../core/attribution/toy-net';
import type { AttributionMethod, Target } from '../core/attribution/types';

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
  ...attributionBenchCases(),
];

/**
 * Gradients and class activation maps: every registered method, and 10 steps
 * of I-FGSM, with their defaults on the colour toy net (64×64×3, conv 8 →
 * pool → conv 16 → GAP → 7 logits) and a seeded image, class 3.
 */
function attributionBenchCases(): BenchCase[] {
  const target: Target = { kind: 'class', index: 3 };
  const onToyNet = (run: (input: { net: ReturnType<typeof createColourToyNet>; image: tf.Tensor4D }) => Promise<unknown>) =>
    async (): Promise<BenchWorkload> => {
      const net = createColourToyNet();
      const image = tf.randomUniform([1, 64, 64, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
      return { run: () => run({ net, image }), dispose: () => (image.dispose(), net.dispose()) };
    };
  const methods: BenchCase[] = Object.values(ATTRIBUTION_METHODS).map((method: AttributionMethod) => ({
    id: `attribution-${method.id}`,
    description: `${method.title} on the colour toy net (64×64×3), default layer and options`,
    setup: onToyNet((input) => method.attribute({ ...input, target })),
  }));
  return [
    ...methods,
    {
      id: 'adversarial-i-fgsm',
      description: 'fooling image on the colour toy net (64×64×3): 10 I-FGSM steps towards class 3',
      setup: onToyNet(({ net, image }) => foolingImage(net, image, { targetClass: 3 })),
    },
  ];
}
