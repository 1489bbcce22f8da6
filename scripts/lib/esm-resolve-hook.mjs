/**
 * Node resolve hook for tfjs's ES-module build (`dist/*.js`), whose imports omit
 * file extensions ('./gradients', './ops/add'). Bundlers (Vite, vitest, Astro)
 * accept that; Node's ESM loader does not, so `src/core/tf.ts`'s deep import
 * of `register_all_gradients` fails under `node --import tsx`. The hook retries
 * such a specifier with '.js' and then '/index.js'.
 */
export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context);
  } catch (error) {
    const relative = specifier.startsWith('./') || specifier.startsWith('../');
    if (!relative || !context.parentURL?.includes('/node_modules/@tensorflow/')) throw error;
    for (const suffix of ['.js', '/index.js']) {
      try {
        return await nextResolve(specifier + suffix, context);
      } catch {
        // try the next suffix
      }
    }
    throw error;
  }
}
