/** Helpers for running a core test on each backend available in Node. */
import { vi } from 'vitest';
import { tf } from '../../src/core/tf';
import { mulberry32 } from '../../src/core/random';

/** Backends every core test runs on in Node (WebGL needs a browser). */
export const NODE_BACKENDS = ['cpu', 'wasm'] as const;

/** Activates `name`, failing loudly if it cannot start. */
export async function useBackend(name: (typeof NODE_BACKENDS)[number]): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} did not start`);
}

/**
 * Loads a second copy of the WASM backend into this process, as a script importing both of its builds
 * does: whichever build the core resolved to, the other one is the copy, and it registers every stock
 * kernel again. Each copy warns once per kernel that it is already registered; those warnings are muted.
 */
export async function loadSecondWasmBackend(): Promise<void> {
  const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
  try {
    await import('@tensorflow/tfjs-backend-wasm/dist/index.js' as string);
    await import('@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js' as string);
  } finally {
    warn.mockRestore();
  }
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
