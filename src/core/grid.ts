/**
 * Small 2-D numeric grids: the tables readers edit in the early chapters.
 * Parsed and validated here, at the edge, so the math can trust its inputs.
 */
import { tf, type Tensor2D } from './tf';

/** A rectangular table of finite numbers, row-major. */
export type Grid = number[][];

/** Largest table side accepted from attributes and URLs. */
export const MAX_GRID_SIDE = 16;

/** Raised when a grid cannot be used; the message is meant for the reader. */
export class GridError extends Error {
  override name = 'GridError';
}

/**
 * Checks that `value` is a non-empty rectangular array of finite numbers and
 * returns it typed. Accepts a JSON string too (as HTML attributes carry it).
 */
export function parseGrid(value: unknown, label = 'grid'): Grid {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new GridError(`${label} is not valid JSON: expected something like [[1, -2], [3, 4]].`);
    }
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every(Array.isArray)) {
    throw new GridError(`${label} must be a non-empty array of rows, like [[1, -2], [3, 4]].`);
  }
  const rows = parsed as unknown[][];
  const width = rows[0]!.length;
  if (width === 0) throw new GridError(`${label} has an empty first row.`);
  if (rows.length > MAX_GRID_SIDE || width > MAX_GRID_SIDE) {
    throw new GridError(`${label} is larger than ${MAX_GRID_SIDE}×${MAX_GRID_SIDE}.`);
  }
  rows.forEach((row, i) => {
    if (row.length !== width) {
      throw new GridError(`${label}: row ${i + 1} has ${row.length} values, row 1 has ${width}.`);
    }
    row.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new GridError(`${label}: the value in row ${i + 1}, column ${j + 1} is not a finite number.`);
      }
    });
  });
  return rows as Grid;
}

/** Throws unless `a` and `b` have the same number of rows and columns. */
export function assertSameShape(a: Grid, b: Grid, labels: [string, string]): void {
  if (a.length !== b.length || a[0]!.length !== b[0]!.length) {
    throw new GridError(
      `${labels[0]} is ${a.length}×${a[0]!.length} but ${labels[1]} is ${b.length}×${b[0]!.length}: they must match.`,
    );
  }
}

/** A new 2-D tensor holding `grid`. The caller owns it. */
export function gridToTensor(grid: Grid): Tensor2D {
  return tf.tensor2d(grid, [grid.length, grid[0]!.length], 'float32');
}

/** Reads a 2-D tensor back into a grid (awaits the data; does not dispose). */
export async function tensorToGrid(t: Tensor2D): Promise<Grid> {
  return (await t.array()) as Grid;
}
