/** Helpers for running a core test on each backend available in Node. */
import { tf } from '../../src/core/tf';
import { mulberry32 } from '../../src/core/random';

/** Backends every core test runs on in Node (WebGL needs a browser). */
export const NODE_BACKENDS = ['cpu', 'wasm'] as const;

/** Activates `name`, failing loudly if it cannot start. */
export async function useBackend(name: (typeof NODE_BACKENDS)[number]): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} did not start`);
}

/** Runs `fn` and checks that it leaves no tensor behind. */
export async function expectNoLeak<T>(fn: () => Promise<T> | T): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`leaked ${after - before} tensor(s)`);
  return out;
}

/** A seeded generator of uniform numbers in [0, 1), for reproducible random cases. */
export const seededRandom = mulberry32;
