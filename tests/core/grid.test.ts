import { describe, expect, it } from 'vitest';
import { GridError, MAX_GRID_SIDE, assertSameShape, parseGrid } from '../../src/core/grid';
import { computeReluTables } from '../../src/core/relu-tables';

describe('parseGrid', () => {
  it('accepts JSON strings and arrays', () => {
    expect(parseGrid('[[1,-2],[3,4.5]]')).toEqual([[1, -2], [3, 4.5]]);
    expect(parseGrid([[0]])).toEqual([[0]]);
  });

  it.each([
    ['not json', /not valid JSON/],
    ['[]', /non-empty/],
    ['[1,2]', /array of rows/],
    ['[[]]', /empty first row/],
    ['[[1,2],[3]]', /row 2 has 1 values/],
    ['[[1,"a"]]', /column 2 is not a finite number/],
    ['[[1e999]]', /not a finite number/],
  ])('rejects %s with a message for the reader', (input, message) => {
    expect(() => parseGrid(input)).toThrow(GridError);
    expect(() => parseGrid(input)).toThrow(message);
  });

  it('rejects grids larger than the limit', () => {
    const big = Array.from({ length: MAX_GRID_SIDE + 1 }, () => [1]);
    expect(() => parseGrid(big)).toThrow(/larger than/);
  });

  it('checks that shapes match', async () => {
    expect(() => assertSameShape([[1, 2]], [[1], [2]], ['a', 'b'])).toThrow(/a is 1×2 but b is 2×1/);
    await expect(computeReluTables([[1, 2]], [[1]])).rejects.toThrow(GridError);
  });
});
