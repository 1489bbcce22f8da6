/**
 * Loads the core's TensorFlow.js entry (`src/core/tf.ts`) from a Node script.
 *
 * Registers {@link ./esm-resolve-hook.mjs} first, because Node's ESM loader
 * cannot resolve the extensionless imports of tfjs-core's ES-module build that
 * `src/core/tf.ts` pulls in for the gradients.
 */
import { register } from 'node:module';

register('./esm-resolve-hook.mjs', import.meta.url);
const { tf } = await import('../../src/core/tf');
const tfl = await import('@tensorflow/tfjs-layers');

export { tf, tfl };
