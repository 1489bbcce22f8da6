/**
 * The numeric tables of the chapter "ReLU in the backward pass": one forward
 * input, one upstream gradient, and what each backward rule sends back.
 */
import { type Grid, assertSameShape, gridToTensor } from './grid';
import { RELU_RULES, type ReluRule, reluBackward } from './relu-rules';
import { tf, type Tensor2D } from './tf';

/** Everything the tables show, as plain numbers. */
export interface ReluTables {
  /** max(x, 0) of the forward input. */
  output: Grid;
  /** The gradient that reaches the ReLU's input under each rule. */
  results: Record<ReluRule, Grid>;
}

/** Why a rule stopped an upstream value, or null where it passed. */
export type BlockReason = 'forward' | 'gradient' | 'both' | null;

/**
 * Computes the forward output and the three backward results through the
 * custom-gradient ReLUs of `relu-rules.ts`. Holds no tensors afterwards.
 */
export async function computeReluTables(forward: Grid, upstream: Grid): Promise<ReluTables> {
  assertSameShape(forward, upstream, ['forward', 'upstream']);
  const tensors = tf.tidy(() => {
    const x = gridToTensor(forward);
    const r = gridToTensor(upstream);
    return [tf.relu(x), ...RELU_RULES.map((rule) => reluBackward(x, r, rule))] as Tensor2D[];
  });
  try {
    const [output, ...results] = (await Promise.all(tensors.map((t) => t.array()))) as Grid[];
    return {
      output: output!,
      results: Object.fromEntries(RELU_RULES.map((rule, i) => [rule, results[i]!])) as Record<ReluRule, Grid>,
    };
  } finally {
    tf.dispose(tensors);
  }
}

/**
 * Which condition of `rule` blocks an upstream value `r` arriving at a unit
 * whose forward input was `x`; the explanation shown beside a zeroed cell.
 */
export function blockReason(rule: ReluRule, x: number, r: number): BlockReason {
  const forwardOff = x <= 0 && rule !== 'deconvnet';
  const gradientOff = r <= 0 && rule !== 'backprop';
  if (forwardOff && gradientOff) return 'both';
  if (forwardOff) return 'forward';
  if (gradientOff) return 'gradient';
  return null;
}
