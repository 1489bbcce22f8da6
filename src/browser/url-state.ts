/**
 * Component state in the page's URL, so an instructor can link to exactly the
 * view they set up. Each component writes one search parameter, named by its
 * element id; values are JSON. Reading validates nothing: the component
 * validates what it reads, as it validates attributes.
 */

/** The JSON value stored under `key` in the current URL, or undefined. */
export function readUrlState(key: string): unknown {
  const raw = new URLSearchParams(location.search).get(key);
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** Replaces (never pushes) the URL so that `key` holds `value`; null removes it. */
export function writeUrlState(key: string, value: unknown): void {
  const url = new URL(location.href);
  if (value === null) url.searchParams.delete(key);
  else url.searchParams.set(key, JSON.stringify(value));
  history.replaceState(history.state, '', url.href);
}
