/**
 * Fooling images by iterative signed-gradient steps (I-FGSM): Kurakin,
 * Goodfellow & Bengio 2016, "Adversarial examples in the physical world",
 * §2.2, https://arxiv.org/abs/1607.02533; after Goodfellow et al. 2015 (FGSM).
 *
 *   X_0 = X,   X_{N+1} = Clip_{X,ε}{ X_N ± α · sign(∇_X y(X_N)) }
 *
 * where y is the target class's logit (ascent, '+') or, with no target, the
 * logit of the class first predicted (descent, '−'), and Clip keeps every
 * pixel within ε of the original and inside the network's input range. The
 * loop yields to the event loop after every step, reports each step to
 * `onStep` (which may return a promise: awaiting it pauses the loop) and
 * stops early when `signal` aborts, returning what it has; a step whose
 * report was still pending when `signal` aborted is dropped, image and all.
 */
import type { ConvNet } from '../convnet';
import { yieldToEventLoop } from '../tasks';
import { tf, type Tensor4D } from '../tf';
import { inputGradient, readTensors } from './pipeline';

/**
 * ε = 8/255 and α = 1/255 of the input range, and N = min(ε + 4, 1.25 ε)
 * steps with ε in 0–255 units, as Kurakin et al. (§2.2) choose them.
 */
export const ADVERSARIAL_DEFAULTS = { epsilon: 8 / 255, stepSize: 1 / 255, steps: Math.round(Math.min(8 + 4, 1.25 * 8)) };

/** Options of {@link foolingImage}; ε and α are fractions of the network's input range. */
export interface AdversarialOptions {
  /** The class to push the image towards; left out, the image is pushed away from the class first predicted. */
  targetClass?: number;
  epsilon?: number;
  stepSize?: number;
  steps?: number;
  signal?: AbortSignal;
  onStep?: (step: AdversarialStep) => void | Promise<void>;
}

/** The network's view of the image after a step (step 0: the original). */
export interface AdversarialStep {
  step: number;
  /** Logit of the class being pushed towards (or away from). */
  classLogit: number;
  /** Every class's logit. */
  logits: number[];
  predicted: number;
  /** Softmax probability of the predicted class. */
  probability: number;
}

/** The final image, the perturbation added to the original (both HWC), and the history. */
export interface AdversarialResult {
  width: number;
  height: number;
  channels: number;
  /** The class pushed towards (targeted) or away from (untargeted). */
  pushedClass: number;
  targeted: boolean;
  image: Float32Array;
  perturbation: Float32Array;
  history: AdversarialStep[];
  aborted: boolean;
}

/** The logits of `x`, its predicted class and that class's softmax probability. */
async function observe(net: ConvNet, x: Tensor4D) {
  const { logits } = await readTensors({ logits: tf.tidy(() => net.forward(x).logits) });
  const max = Math.max(...logits);
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  return { logits, predicted: exps.indexOf(1), probability: 1 / exps.reduce((a, b) => a + b, 0) };
}

/** Runs I-FGSM on `image` (never disposed) and resolves with the fooling image and its history. */
export async function foolingImage(net: ConvNet, image: Tensor4D, options: AdversarialOptions = {}): Promise<AdversarialResult> {
  const { epsilon, stepSize, steps } = { ...ADVERSARIAL_DEFAULTS, ...options };
  const [lo, hi] = net.inputRange;
  const start = await observe(net, image);
  const targeted = options.targetClass !== undefined;
  const pushedClass = options.targetClass ?? start.predicted;
  const history: AdversarialStep[] = [];
  /** Reports a step; false when `signal` aborted while `onStep` held it (a paused run cancelled): the step is dropped. */
  const record = async (step: number, { logits, predicted, probability }: Awaited<ReturnType<typeof observe>>) => {
    history.push({ step, classLogit: logits[pushedClass]!, logits: Array.from(logits), predicted, probability });
    await options.onStep?.(history[history.length - 1]!);
    if (step > 0 && options.signal?.aborted) history.pop();
    return history[history.length - 1]!.step === step;
  };
  await record(0, start);
  const { lower, upper } = tf.tidy(() => ({
    lower: tf.maximum(tf.sub(image, epsilon * (hi - lo)), lo),
    upper: tf.minimum(tf.add(image, epsilon * (hi - lo)), hi),
  }));
  let x = image.clone();
  try {
    for (let step = 1; step <= steps && !options.signal?.aborted; step++) {
      let next = tf.tidy(() => {
        const g = inputGradient(net, x, { kind: 'class', index: pushedClass });
        const stepped = tf.add(x, tf.mul((targeted ? 1 : -1) * stepSize * (hi - lo), tf.sign(g)));
        return tf.minimum<Tensor4D>(tf.maximum(stepped, lower), upper);
      });
      // The result ends on the last step the caller accepted, so a cancelled pause returns what was shown.
      if (await record(step, await observe(net, next))) [x, next] = [next, x];
      next.dispose();
      await yieldToEventLoop();
    }
    const { final, perturbation } = await readTensors(tf.tidy(() => ({ final: x.clone(), perturbation: tf.sub(x, image) })));
    const [, height, width, channels] = image.shape;
    const aborted = options.signal?.aborted ?? false;
    return { width, height, channels, pushedClass, targeted, image: final, perturbation, history, aborted };
  } finally {
    tf.dispose([x, lower, upper]);
  }
}
