/**
 * ReLU in the backward pass: backprop, deconvnet and guided backprop.
 *
 * All three pass the forward signal through max(x, 0) unchanged and differ only
 * in which entries of the upstream gradient R they let through:
 *   backprop (Simonyan et al. 2014):      R · [x > 0]
 *   deconvnet (Zeiler & Fergus 2014):     R · [R > 0]
 *   guided (Springenberg et al. 2015):    R · [x > 0] · [R > 0]
 * (Springenberg et al. 2015, "Striving for Simplicity", fig. 1.)
 *
 * The rules are implemented once, as custom-gradient ReLUs, and every chapter
 * that propagates a signal back through a network uses these functions: the
 * numeric tables of the first chapter and the maps on images run the same code.
 */
import type { CustomGradientFunc } from '@tensorflow/tfjs-core/dist/engine';
import { tf, type Tensor } from './tf';

/** Identifiers of the backward rules, in the order the book presents them. */
export const RELU_RULES = ['backprop', 'deconvnet', 'guided'] as const;
/** One of {@link RELU_RULES}. */
export type ReluRule = (typeof RELU_RULES)[number];

/** Whether `value` names a backward rule (for validating URL state and attributes). */
export function isReluRule(value: unknown): value is ReluRule {
  return typeof value === 'string' && (RELU_RULES as readonly string[]).includes(value);
}

/**
 * The signal a rule lets back to the ReLU's input x from the upstream R, in as
 * few kernels as each needs: R·[R > 0] is relu(R), so deconvnet takes one and
 * guided backprop two (a gradient map crosses every ReLU of the network).
 * `x` may also be the ReLU's output: max(x, 0) > 0 exactly where x > 0.
 */
export function ruleGradient(rule: ReluRule, x: Tensor, dy: Tensor): Tensor {
  switch (rule) {
    case 'backprop':
      return tf.mul(dy, tf.step(x));
    case 'deconvnet':
      return tf.relu(dy);
    case 'guided':
      return tf.mul(tf.relu(dy), tf.step(x));
  }
}

function makeRelu(rule: ReluRule): (x: Tensor) => Tensor {
  // customGrad passes the inputs first and the save function last.
  const forward: CustomGradientFunc<Tensor> = (...args) => {
    const [x, save] = args as [Tensor, tf.GradSaveFunc];
    save([x]);
    return {
      value: tf.relu(x),
      gradFunc: (dy: Tensor, saved: Tensor[]) => ruleGradient(rule, saved[0]!, dy),
    };
  };
  return tf.customGrad(forward) as (x: Tensor) => Tensor;
}

const RELUS: Record<ReluRule, (x: Tensor) => Tensor> = {
  backprop: makeRelu('backprop'),
  deconvnet: makeRelu('deconvnet'),
  guided: makeRelu('guided'),
};

/**
 * A ReLU whose forward pass is max(x, 0) and whose gradient follows `rule`.
 * Networks call this in place of `tf.relu` to switch how signals travel back.
 */
export function reluWithRule(rule: ReluRule): (x: Tensor) => Tensor {
  return RELUS[rule];
}

/**
 * The signal that reaches a ReLU's input when `upstream` arrives at its output,
 * under `rule`: the vector-Jacobian product of the rule's ReLU. Returns a new
 * tensor; neither input is disposed.
 */
export function reluBackward(x: Tensor, upstream: Tensor, rule: ReluRule): Tensor {
  return tf.tidy(() => tf.grad(reluWithRule(rule))(x, upstream));
}
