import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ATTRIBUTION_METHODS } from '../../src/core/attribution/registry';
import { REFERENCES, cites } from '../../src/references';

const chapters = readdirSync('content/chapters')
  .filter((f) => f.endsWith('.mdx'))
  .map((f) => ({ file: f, body: readFileSync(`content/chapters/${f}`, 'utf8') }));

/** The entries of a chapter's reference list: each "- " item of its "## References" section, lines joined. */
function referenceItems(body: string): string[] {
  const section = body.split(/^## References\s*$/m)[1];
  if (!section) return [];
  return section
    .split(/^## /m)[0]!
    .split(/^- /m)
    .slice(1)
    .map((item) => item.replace(/\s+/g, ' ').trim());
}

describe('the references page data', () => {
  it('lists the paper of every registered attribution method, by the same link', () => {
    const urls = new Set(REFERENCES.map((r) => r.url));
    for (const method of Object.values(ATTRIBUTION_METHODS)) expect(urls, method.id).toContain(method.paper.url);
  });

  it('has an entry, with a link, for every item of every chapter reference list', () => {
    let items = 0;
    for (const { file, body } of chapters) {
      for (const item of referenceItems(body)) {
        items++;
        expect(REFERENCES.filter((r) => cites(item, r)).length, `${file}: ${item}`).toBeGreaterThan(0);
      }
    }
    expect(items).toBeGreaterThan(20);
    for (const r of REFERENCES) expect(r.url).toMatch(/^https:\/\//);
  });

  it('finds a title across line breaks and emphasis, and not a title that is absent', () => {
    expect(cites('*Sanity Checks for\n  Saliency Maps.*', { title: 'Sanity checks for saliency maps' })).toBe(true);
    expect(cites('Sanity checks', { title: 'Sanity checks for saliency maps' })).toBe(false);
  });

  it('lists each paper once', () => {
    expect(new Set(REFERENCES.map((r) => r.url)).size).toBe(REFERENCES.length);
  });
});
