/**
 * Numbers as the book shows them to readers: plain decimals with a few
 * significant digits ("1.71", "-100", "0.0042"), never the "1.71e+0" of
 * JavaScript's exponential format. Only numbers too large or too small for a
 * plain decimal to stay readable get a power of ten, written as on paper
 * ("3.2 × 10⁻⁶"). One helper, so every readout, colour bar and table agrees.
 */

/** Significant digits by default: enough to compare two readouts, few enough to read at a glance. */
export const DEFAULT_SIGNIFICANT_DIGITS = 3;

/** Magnitudes outside [1e-4, 1e6) get a power of ten: beyond them a plain decimal has too many zeros to count. */
const PLAIN_RANGE = [1e-4, 1e6] as const;

const SUPERSCRIPT: Record<string, string> = {
  '-': '⁻',
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
};

/**
 * `value` with `digits` significant digits and no trailing zeros. Zero (and
 * -0) is "0"; NaN is "undefined", which is what it means wherever the book
 * computes one (a correlation of constant maps, say); infinities are "∞" and
 * "-∞". The minus sign is ASCII, so the text parses back with Number().
 */
export function formatNumber(value: number, digits: number = DEFAULT_SIGNIFICANT_DIGITS): string {
  if (Number.isNaN(value)) return 'undefined';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (value === 0) return '0';
  const rounded = Number(value.toPrecision(digits));
  const magnitude = Math.abs(rounded);
  if (magnitude >= PLAIN_RANGE[0] && magnitude < PLAIN_RANGE[1]) return String(rounded);
  const [mantissa, exponent] = rounded.toExponential(digits - 1).split('e') as [string, string];
  const power = String(Number(exponent)).replace(/./g, (c) => SUPERSCRIPT[c]!);
  return `${Number(mantissa)} × 10${power}`;
}

/**
 * `value` with a fixed number of decimals, for quantities on a known scale
 * (a correlation between -1 and 1), where a power of ten would hide that the
 * value is simply near zero. Named values as in {@link formatNumber}; "-0.00"
 * is written "0.00".
 */
export function formatDecimals(value: number, decimals: number): string {
  if (!Number.isFinite(value)) return formatNumber(value);
  const text = value.toFixed(decimals);
  return Number(text) === 0 ? text.replace('-', '') : text;
}
