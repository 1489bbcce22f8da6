/**
 * Component state in the page's URL, so an instructor can link to exactly the
 * view they set up. Each component writes one search parameter, named by its
 * element id; values are JSON. The component validates what it reads, as it
 * validates attributes; what it cannot use is reported to the reader through
 * one notice (`<cnn-url-notice>`) and replaced in the address bar by the
 * default, so a bad link neither fails silently nor stays to be shared.
 */

/** A value of the URL that a page could not use, and what it did instead. */
export interface UrlNotice {
  /** The search parameter. */
  key: string;
  /** One sentence for the reader. */
  message: string;
}

/** Event fired on `window` with a {@link UrlNotice} as its detail. */
export const URL_NOTICE_EVENT = 'cnn-url-notice';

const notices: UrlNotice[] = [];

/** The notices of this page so far, for a notice element that starts after some were given. */
export function urlNotices(): readonly UrlNotice[] {
  return notices;
}

/** Replaces (never pushes) the URL so that parameter `key` holds `raw`; null removes it. */
function replaceParam(key: string, raw: string | null): void {
  const url = new URL(location.href);
  if (raw === null) url.searchParams.delete(key);
  else url.searchParams.set(key, raw);
  history.replaceState(history.state, '', url.href);
}

/**
 * Tells the reader that the link's `key` held something the page cannot use
 * and puts `replacement` there instead (JSON, as {@link writeUrlState}
 * writes; null removes the parameter, so the defaults apply). `raw` writes
 * the replacement as plain text, for parameters that are not JSON.
 */
export function rejectUrlState(key: string, message: string, replacement: unknown = null, { raw = false } = {}): void {
  if (replacement === null) replaceParam(key, null);
  else replaceParam(key, raw ? String(replacement) : JSON.stringify(replacement));
  const notice = { key, message };
  notices.push(notice);
  window.dispatchEvent(new CustomEvent<UrlNotice>(URL_NOTICE_EVENT, { detail: notice }));
}

/** The JSON value stored under `key` in the current URL, or undefined; text that is not JSON is rejected. */
export function readUrlState(key: string): unknown {
  const raw = new URLSearchParams(location.search).get(key);
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    rejectUrlState(key, `The link's setting “${key}” could not be read, so that figure starts from its defaults.`);
    return undefined;
  }
}

/** Replaces (never pushes) the URL so that `key` holds `value`; null removes it. */
export function writeUrlState(key: string, value: unknown): void {
  replaceParam(key, value === null ? null : JSON.stringify(value));
}

/** A check of one field of a figure's state: whether a value read from the URL may be used. */
export type FieldCheck = (value: unknown) => boolean;

/** A field that must be one of `values`. */
export const oneOf =
  (...values: readonly unknown[]): FieldCheck =>
  (v) =>
    values.includes(v);

/** A field holding an index as text ("3"), or "" for the figure's default. */
export const indexText: FieldCheck = (v) => typeof v === 'string' && /^\d*$/.test(v);

/** A field holding any text (checked later against the network, as a layer name is). */
export const anyText: FieldCheck = (v) => typeof v === 'string';

/**
 * The fields of figure state `key` that pass their checks. Fields the figure
 * does not know are dropped; a field that fails its check, or a value that is
 * not an object, is reported and removed from the URL, so the figure's default
 * takes its place there too. `what` names the figure in the notice.
 */
export function readUrlFields(key: string, what: string, checks: Record<string, FieldCheck>): Record<string, unknown> {
  const saved = readUrlState(key);
  if (saved === undefined) return {};
  if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) {
    rejectUrlState(key, `The link's settings for ${what} were not understood, so it starts from its defaults.`);
    return {};
  }
  const entries = Object.entries(saved as Record<string, unknown>);
  const valid = entries.filter(([field, v]) => checks[field]?.(v));
  const bad = entries.filter(([field]) => !valid.some(([f]) => f === field));
  if (bad.length) {
    const list = bad.map(([field, v]) => `${field} = ${JSON.stringify(v)}`).join(', ');
    const [is, it] = bad.length > 1 ? ['are not settings', 'defaults'] : ['is not a setting', 'default'];
    rejectUrlState(key, `The link's ${list} ${is} ${what} accepts, so it uses the ${it}.`, valid.length ? Object.fromEntries(valid) : null);
  }
  return Object.fromEntries(valid);
}

/** A whole number from `min` to `max` (a fraction or a number past the range is rejected, never rounded or capped). */
export const intIn =
  (min: number, max: number): FieldCheck =>
  (v) =>
    Number.isInteger(v) && (v as number) >= min && (v as number) <= max;

/** A finite number from `min` to `max` (a number past the range is rejected, never capped). */
export const numberIn =
  (min: number, max: number): FieldCheck =>
  (v) =>
    typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;

/** An index as text ("3") below `count`, or "" for the figure's default. */
export const indexTextBelow =
  (count: number): FieldCheck =>
  (v) =>
    v === '' || (indexText(v) && Number(v) < count);

/** The fields of `fields` that fail their check in `checks`, as [field, value]; fields without a check pass. */
export function badFields(fields: Record<string, unknown>, checks: Record<string, FieldCheck>): [string, unknown][] {
  return Object.entries(fields).filter(([field, v]) => field in checks && v !== undefined && !checks[field]!(v));
}

/**
 * Checks the fields a figure read from its link against what is known only
 * once its network has loaded (a class below the class count, a layer the
 * figure offers, a channel below that layer's width, a number in range).
 * Each field that fails falls back to the figure's default: it is left out of
 * the result, named in one notice, and removed from the URL, which keeps the
 * fields that passed. Fields without a check pass unchanged. `what` names the
 * figure in the notice.
 */
export function checkUrlFields(
  key: string,
  what: string,
  fields: Record<string, unknown>,
  checks: Record<string, FieldCheck>,
): Record<string, unknown> {
  const bad = badFields(fields, checks);
  if (!bad.length) return fields;
  const kept = Object.fromEntries(Object.entries(fields).filter(([f, v]) => v !== undefined && !bad.some(([b]) => b === f)));
  const list = bad.map(([field, v]) => `${field} = ${JSON.stringify(v)}`).join(', ');
  const [does, it] = bad.length > 1 ? ['do', 'defaults'] : ['does', 'default'];
  rejectUrlState(key, `The link's ${list} ${does} not fit ${what} with this network, so it uses the ${it}.`, Object.keys(kept).length ? kept : null);
  return kept;
}
