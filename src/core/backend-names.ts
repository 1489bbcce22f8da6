/**
 * The backends' names and the facts about them that need no TensorFlow.js:
 * the page header shows and validates them before any figure has loaded the
 * library, so this module must stay free of tfjs imports.
 */

/** Backends the book knows, fastest first when all are healthy. */
export const BACKENDS = ['webgl', 'wasm', 'cpu'] as const;
/** One of {@link BACKENDS}. */
export type BackendName = (typeof BACKENDS)[number];

/** Whether `value` names a backend (for validating URL state). */
export function isBackendName(value: unknown): value is BackendName {
  return typeof value === 'string' && (BACKENDS as readonly string[]).includes(value);
}

/** Renderer strings of software WebGL implementations. */
const SOFTWARE_RENDERERS = /swiftshader|llvmpipe|softpipe|software|basic render|mesa offscreen/i;

/** Whether a WebGL renderer string names a software rasterizer rather than a GPU. */
export function isSoftwareRenderer(renderer: string): boolean {
  return SOFTWARE_RENDERERS.test(renderer);
}
