/**
 * The formulas of every chapter and model card are well formed as text: KaTeX renders a
 * delimiter that lost its partner (`\lVert z` with the `\r` of `\rVert` read as a line break)
 * without an error, so the build cannot catch it. Every opening delimiter has its closing one in
 * the same formula, and no file holds a control character (what `\b`, `\f`, `\v` or `\t` of
 * `\beta`, `\frac`, `\varepsilon` or `\theta` become when a formula passes through an escaping
 * string).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const files = ['content/chapters', 'content/models'].flatMap((dir) =>
  readdirSync(dir).filter((f) => /\.mdx?$/.test(f)).map((f) => join(dir, f)),
);

/** The formulas of a Markdown text: $$…$$ and $…$ spans outside code. */
export function formulas(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\$\$([\s\S]+?)\$\$|\$([^$]+?)\$/g)].map((m) => (m[1] ?? m[2])!);
}

const PAIRS: [RegExp, RegExp][] = [
  [/\\lVert(?![a-zA-Z])/g, /\\rVert(?![a-zA-Z])/g],
  [/\\lvert(?![a-zA-Z])/g, /\\rvert(?![a-zA-Z])/g],
  [/\\langle(?![a-zA-Z])/g, /\\rangle(?![a-zA-Z])/g],
  [/\\left(?![a-zA-Z])/g, /\\right(?![a-zA-Z])/g],
  [/\\begin\{/g, /\\end\{/g],
];

/** What is wrong with one formula's delimiters, or null. */
export function unbalanced(formula: string): string | null {
  for (const [open, close] of PAIRS) {
    const [o, c] = [formula.match(open)?.length ?? 0, formula.match(close)?.length ?? 0];
    if (o !== c) return `${o} × ${open.source.replace(/\\\\/g, '\\').split('(')[0]} against ${c} × ${close.source.replace(/\\\\/g, '\\').split('(')[0]}`;
  }
  const braces = [...formula.replace(/\\[{}]/g, '')].reduce((depth, ch) => (depth < 0 ? depth : depth + (ch === '{' ? 1 : ch === '}' ? -1 : 0)), 0);
  return braces === 0 ? null : 'unbalanced braces';
}

describe('the formulas of the chapters and model cards', () => {
  it('finds formulas to check, and the checks catch a broken one', () => {
    const all = files.flatMap((f) => formulas(readFileSync(f, 'utf8')));
    expect(all.length).toBeGreaterThan(200);
    expect(formulas('a $x$ and `$not$` and\n$$\\frac{a}{b}$$')).toEqual(['x', '\\frac{a}{b}']);
    expect(unbalanced('\\lambda \\lVert z \nVert^2')).toMatch(/lVert/);
    expect(unbalanced('\\left( x \\right)')).toBeNull();
    expect(unbalanced('\\frac{a}{b')).toBe('unbalanced braces');
    expect(unbalanced('\\lVert z \\rVert_2^2 + \\{a\\}')).toBeNull();
  });

  it.each(files)('%s: every delimiter has its partner, and no control character', (file) => {
    const text = readFileSync(file, 'utf8');
    expect(text.match(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g), 'control characters').toBeNull();
    const problems = formulas(text).flatMap((f) => ((p) => (p ? [`${p}: $${f}$`] : []))(unbalanced(f)));
    expect(problems).toEqual([]);
  });
});
