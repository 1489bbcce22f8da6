import type { Page } from '@playwright/test';
import { activeBackend, expect, test } from './fixtures';

const CHAPTER = '/chapters/relu-backward/';
const RULES = ['backprop', 'deconvnet', 'guided'] as const;

/** The rules written independently of the book's code, from their definitions. */
function reference(rule: (typeof RULES)[number], x: number[][], r: number[][]): number[][] {
  return x.map((row, i) =>
    row.map((xv, j) => {
      const rv = r[i]![j]!;
      const pass = rule === 'backprop' ? xv > 0 : rule === 'deconvnet' ? rv > 0 : xv > 0 && rv > 0;
      return pass ? rv : 0;
    }),
  );
}

/** The numbers of one result table, read from its cells' text, row-major. */
async function readTable(page: Page, rule: string, scope = 'cnn-relu-backward'): Promise<number[]> {
  const cells = page.locator(`${scope} table[data-rule="${rule}"] td`);
  return (await cells.allInnerTexts()).map(Number);
}

async function expectTables(page: Page, x: number[][], r: number[][], scope?: string) {
  for (const rule of RULES) {
    const expected = reference(rule, x, r).flat();
    await expect.poll(() => readTable(page, rule, scope)).toEqual(expected.map((v) => v + 0));
  }
}

/** Opens the chapter and scrolls to the component, which loads only when it comes into view. */
async function openChapter(page: Page, query = ''): Promise<void> {
  await page.goto(CHAPTER + query);
  await page.locator('cnn-relu-backward').scrollIntoViewIfNeeded();
}

const EXAMPLE_X = [
  [1, -1, 5],
  [2, -5, -7],
  [-3, 2, 4],
];
const EXAMPLE_R = [
  [-2, 3, -1],
  [6, -3, 1],
  [2, -1, 3],
];

test('shows the textbook example, hand-checked', async ({ page }) => {
  await openChapter(page);
  await expect.poll(() => readTable(page, 'backprop')).toEqual([-2, 0, -1, 6, 0, 0, 0, -1, 3]);
  await expect.poll(() => readTable(page, 'deconvnet')).toEqual([0, 3, 0, 6, 0, 1, 2, 0, 3]);
  await expect.poll(() => readTable(page, 'guided')).toEqual([0, 0, 0, 6, 0, 0, 0, 0, 3]);
  // Cells a rule zeroes are marked with the reason, and listed in text.
  const first = page.locator('cnn-relu-backward table[data-rule="guided"] td').first();
  await expect(first).toHaveAttribute('data-blocked', 'gradient');
  await expect(page.locator('cnn-relu-backward figure:has(table[data-rule="guided"])')).toContainText(
    'row 1, column 1: R = -2 stopped',
  );
});

test('computes random instructor-provided grids of several shapes correctly', async ({ page }) => {
  await openChapter(page);
  await activeBackend(page);
  let seed = 11;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (const [h, w] of [
    [1, 1],
    [2, 5],
    [4, 4],
    [6, 3],
  ] as const) {
    const grid = () =>
      Array.from({ length: h }, () => Array.from({ length: w }, () => Math.round((rand() * 20 - 10) * 4) / 4));
    const x = grid();
    const r = grid();
    x[0]![0] = 0; // the boundary: ReLU'(0) is taken as 0
    await page.evaluate(
      ([fx, fr]) => {
        const el = document.querySelector('cnn-relu-backward')!;
        el.setAttribute('forward', JSON.stringify(fx));
        el.setAttribute('upstream', JSON.stringify(fr));
      },
      [x, r],
    );
    await expectTables(page, x, r);
  }
});

test('editing a cell updates every result, and the URL keeps the state', async ({ page }) => {
  await openChapter(page);
  const cell = page.getByRole('textbox', { name: 'Forward input x, row 3, column 1' });
  await cell.fill('4');
  const x = EXAMPLE_X.map((row) => [...row]);
  x[2]![0] = 4;
  await expectTables(page, x, EXAMPLE_R);
  await expect(page).toHaveURL(/relu=/);
  // A link to this view restores it.
  await openChapter(page, new URL(page.url()).search);
  await expectTables(page, x, EXAMPLE_R);
  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await expectTables(page, EXAMPLE_X, EXAMPLE_R);
  await expect(page).not.toHaveURL(/relu=/);
});

test('a cell that is not a number is flagged and the last valid results stay', async ({ page }) => {
  await openChapter(page);
  const cell = page.getByRole('textbox', { name: 'Upstream gradient R, row 1, column 1' });
  await cell.fill('abc');
  await expect(cell).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('cnn-relu-backward [role="status"]')).toContainText('does not hold a number');
  await expectTables(page, EXAMPLE_X, EXAMPLE_R);
});

test('a malformed attribute gives a clear message, not a blank panel', async ({ page }) => {
  await openChapter(page);
  await page.evaluate(() => document.querySelector('cnn-relu-backward')!.setAttribute('upstream', '[[1,2],[3]]'));
  await expect(page.locator('cnn-relu-backward [role="alert"]')).toContainText('row 2 has 1 values');
  await page.evaluate(() => document.querySelector('cnn-relu-backward')!.setAttribute('upstream', '[[1]]'));
  await expect(page.locator('cnn-relu-backward [role="alert"]')).toContainText('must match');
});

test('attributes set one after the other show a message until their shapes agree, and never throw', async ({ page, problems }) => {
  await openChapter(page);
  await expectTables(page, EXAMPLE_X, EXAMPLE_R);
  const x = [
    [1, -2],
    [3, 4],
  ];
  const r = [
    [-1, 2],
    [5, -3],
  ];
  const set = (name: string, grid: number[][]) =>
    page.evaluate(([n, g]) => document.querySelector('cnn-relu-backward')!.setAttribute(n as string, JSON.stringify(g)), [name, grid] as const);
  // Both in one task, as an embedding page's script sets them: the 3×3 tables must not be drawn over 2×2 inputs.
  await page.evaluate(
    ([fx, fr]) => {
      const el = document.querySelector('cnn-relu-backward')!;
      el.setAttribute('forward', JSON.stringify(fx));
      el.setAttribute('upstream', JSON.stringify(fr));
    },
    [x, r],
  );
  await expectTables(page, x, r);
  // One at a time: a message while they disagree, then the tables.
  await set('forward', EXAMPLE_X);
  await expect(page.locator('cnn-relu-backward [role="alert"]')).toContainText('forward is 3×3 but upstream is 2×2');
  await set('upstream', EXAMPLE_R);
  await expectTables(page, EXAMPLE_X, EXAMPLE_R);
  expect(problems.list).toEqual([]);
});

test('numbers in a link that cannot be used are reported, dropped from the URL, and the defaults shown', async ({ page }) => {
  for (const bad of ['nonsense', '{"forward":[[1]],"upstream":[[1,2]]}', '[1,2]', '{"forward":"x"}']) {
    await openChapter(page, `?relu=${encodeURIComponent(bad)}`);
    await expectTables(page, EXAMPLE_X, EXAMPLE_R);
    await expect(page.locator('cnn-url-notice li[data-key="relu"]')).toContainText(/ReLU tables|could not be read/);
    await expect(page).not.toHaveURL(/relu=/);
  }
});

test('works with the keyboard alone', async ({ page }) => {
  await openChapter(page);
  const first = page.getByRole('textbox', { name: 'Forward input x, row 1, column 1' });
  await first.scrollIntoViewIfNeeded();
  await expectTables(page, EXAMPLE_X, EXAMPLE_R);
  // Tab into the component from the element before it.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await first.focus();
  await page.keyboard.press('ArrowDown'); // row 2, column 1
  await page.keyboard.press('Control+A');
  await page.keyboard.type('-2');
  const x = EXAMPLE_X.map((row) => [...row]);
  x[1]![0] = -2;
  await expectTables(page, x, EXAMPLE_R);
  await page.keyboard.press('Enter'); // down to row 3
  await expect(page.getByRole('textbox', { name: 'Forward input x, row 3, column 1' })).toBeFocused();
  // The buttons are reachable with Tab and work with Enter.
  const reset = page.getByRole('button', { name: 'Reset', exact: true });
  await reset.focus();
  await page.keyboard.press('Enter');
  await expectTables(page, EXAMPLE_X, EXAMPLE_R);
});

for (const backend of ['wasm', 'cpu', 'webgl'] as const) {
  test(`forcing the ${backend} backend computes the same tables`, async ({ page }) => {
    await openChapter(page, `?backend=${backend}`);
    expect(await activeBackend(page)).toBe(backend);
    await expect(page.getByTestId('backend-name')).toContainText(backend === 'webgl' ? 'WebGL' : backend.toUpperCase());
    await expectTables(page, EXAMPLE_X, EXAMPLE_R);
  });
}

test('the automatic choice skips software WebGL and says why', async ({ page }) => {
  await openChapter(page);
  const name = await activeBackend(page);
  expect(['wasm', 'webgl']).toContain(name);
  await page.getByText(/^Why /).click();
  await expect(page.locator('header cnn-backend-status details')).toContainText(/calibration|measured|started/);
  if (name === 'wasm') await expect(page.getByTestId('backend-name')).toContainText('SIMD');
});

test('the backend control switches backends', async ({ page }) => {
  await page.goto(CHAPTER);
  await activeBackend(page);
  await page.locator('header').getByRole('combobox', { name: 'Compute backend' }).selectOption('cpu');
  await expect(page).toHaveURL(/backend=cpu/);
  expect(await activeBackend(page)).toBe('cpu');
});
