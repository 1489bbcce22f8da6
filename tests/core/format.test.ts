import { describe, expect, it } from 'vitest';
import { formatDecimals, formatNumber } from '../../src/core/format';

describe('formatNumber', () => {
  it('writes plain decimals with three significant digits and no trailing zeros', () => {
    expect(formatNumber(1.7104)).toBe('1.71');
    expect(formatNumber(-100)).toBe('-100');
    expect(formatNumber(100.4)).toBe('100');
    expect(formatNumber(0.5)).toBe('0.5');
    expect(formatNumber(0.0042137)).toBe('0.00421');
    expect(formatNumber(123456)).toBe('123000');
    expect(formatNumber(2.5, 1)).toBe('3');
    expect(formatNumber(3.14159265, 6)).toBe('3.14159');
  });

  it('rounds before choosing the form, so 999,999.9 is a power of ten and 0.000099996 a decimal', () => {
    expect(formatNumber(999_999.9)).toBe('1 × 10⁶');
    expect(formatNumber(0.000099996)).toBe('0.0001');
  });

  it('gives a power of ten, as on paper, only outside 0.0001 to a million', () => {
    expect(formatNumber(3.2e-6)).toBe('3.2 × 10⁻⁶');
    expect(formatNumber(-4.567e7)).toBe('-4.57 × 10⁷');
    expect(formatNumber(1e-12)).toBe('1 × 10⁻¹²');
  });

  it('names zero, NaN and the infinities', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(-0)).toBe('0');
    expect(formatNumber(NaN)).toBe('undefined');
    expect(formatNumber(Infinity)).toBe('∞');
    expect(formatNumber(-Infinity)).toBe('-∞');
  });

  it('writes plain numbers that parse back to the rounded value', () => {
    for (const v of [-7.3125, 0.061, 42, 1e-4, 5e5]) expect(Number(formatNumber(v))).toBe(Number(v.toPrecision(3)));
  });
});

describe('formatDecimals', () => {
  it('keeps a fixed number of decimals, so a correlation near zero reads 0.00, not a power of ten', () => {
    expect(formatDecimals(0.123456, 2)).toBe('0.12');
    expect(formatDecimals(1, 2)).toBe('1.00');
    expect(formatDecimals(0.00003, 2)).toBe('0.00');
    expect(formatDecimals(-0.001, 2)).toBe('0.00');
    expect(formatDecimals(-0.456, 2)).toBe('-0.46');
    expect(formatDecimals(NaN, 2)).toBe('undefined');
  });
});
