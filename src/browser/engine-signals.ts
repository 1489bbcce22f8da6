/**
 * What a page knows about the compute engine without loading it: the reader's
 * backend choice in the URL, and whether a figure has started the engine yet.
 * TensorFlow.js and its backends are fetched only when the first live figure
 * needs them, so the page header reads this module, which imports no tfjs.
 */
import { type BackendName, isBackendName } from '../core/backend-names';

/** URL parameter that forces a backend, e.g. `?backend=wasm`. */
export const BACKEND_PARAM = 'backend';
/** Event fired on `window` when the first figure starts the engine. */
export const ENGINE_START_EVENT = 'cnn-engine-start';
/** Event fired on `window` when the active backend changes after start-up. */
export const ENGINE_CHANGE_EVENT = 'cnn-engine-change';

let started = false;

/** Records that the engine is starting and tells the page (once). */
export function announceEngineStart(): void {
  if (started) return;
  started = true;
  window.dispatchEvent(new Event(ENGINE_START_EVENT));
}

/** Whether a figure has started the engine on this page. */
export function engineStarted(): boolean {
  return started;
}

/** The backend named in the page's URL, if any and valid. */
export function requestedBackend(): BackendName | null {
  const value = new URLSearchParams(location.search).get(BACKEND_PARAM);
  return isBackendName(value) ? value : null;
}

/** Whether the URL names a backend at all, valid or not: the reader asked for one, so the engine starts at once. */
export function backendAskedFor(): boolean {
  return new URLSearchParams(location.search).has(BACKEND_PARAM);
}

/** Reloads the page on `name` (or on the automatic choice, for null), keeping the reader's place. */
export function switchBackend(name: BackendName | null): void {
  const url = new URL(location.href);
  if (name) url.searchParams.set(BACKEND_PARAM, name);
  else url.searchParams.delete(BACKEND_PARAM);
  location.assign(url.href);
}
