/**
 * The element reference: every `cnn-*` element's attributes, events and CSS
 * custom properties, read at build time from custom-elements.json, the
 * manifest @custom-elements-manifest/analyzer writes from the components'
 * sources (`npm run build` runs it first; custom-elements-manifest.config.mjs).
 * Validated here, so a manifest of another shape fails the build with its
 * path rather than rendering an empty page.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'astro/zod';

/** Where the analyzer writes the manifest, relative to the project root. */
export const MANIFEST_PATH = 'custom-elements.json';

const described = { description: z.string().optional() };
const attributeSchema = z.object({ name: z.string(), type: z.object({ text: z.string() }).optional(), default: z.string().optional(), ...described });
const eventSchema = z.object({ name: z.string(), ...described });
const cssPropertySchema = z.object({ name: z.string(), default: z.string().optional(), ...described });
const declarationSchema = z
  .object({
    name: z.string(),
    tagName: z.string().optional(),
    customElement: z.boolean().optional(),
    summary: z.string().optional(),
    attributes: z.array(attributeSchema).optional(),
    events: z.array(eventSchema).optional(),
    cssProperties: z.array(cssPropertySchema).optional(),
    ...described,
  })
  .passthrough();
/** The part of the custom elements manifest schema (version 2) the page reads. */
const manifestSchema = z.object({
  schemaVersion: z.string(),
  modules: z.array(z.object({ path: z.string(), declarations: z.array(declarationSchema).optional() })),
});

/** One element as the reference page shows it. */
export interface ElementDoc {
  tagName: string;
  className: string;
  /** Source file, e.g. components/cnn-heatmap.ts. */
  path: string;
  summary: string;
  description: string;
  attributes: z.infer<typeof attributeSchema>[];
  events: z.infer<typeof eventSchema>[];
  cssProperties: z.infer<typeof cssPropertySchema>[];
}

/** Every custom element of the manifest, by tag name. */
export function readElementDocs(path = MANIFEST_PATH): ElementDoc[] {
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npx cem analyze\` (npm run build does) before building the reference page.`);
  const manifest = manifestSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  return manifest.modules
    .flatMap((mod) =>
      (mod.declarations ?? [])
        .filter((d) => d.customElement && d.tagName)
        .map((d) => ({
          tagName: d.tagName!,
          className: d.name,
          path: mod.path,
          summary: d.summary ?? '',
          description: d.description ?? '',
          attributes: d.attributes ?? [],
          events: d.events ?? [],
          cssProperties: d.cssProperties ?? [],
        })),
    )
    .sort((a, b) => a.tagName.localeCompare(b.tagName));
}

/** A run of text, or of code where the source had `backticks`. */
export interface TextPart {
  code: boolean;
  text: string;
}

/** A paragraph, or a list, of a description. */
export type TextBlock = { kind: 'p'; parts: TextPart[] } | { kind: 'ul'; items: TextPart[][] };

/** Splits a run of text at its `code` spans. */
export function textParts(text: string): TextPart[] {
  return text
    .split(/(`[^`]+`)/)
    .filter(Boolean)
    .map((piece) => (/^`.+`$/.test(piece) ? { code: true, text: piece.slice(1, -1) } : { code: false, text: piece }));
}

/** A doc comment's text as paragraphs and lists: blank lines part paragraphs, lines starting with "- " are list items. */
export function textBlocks(text: string): TextBlock[] {
  const blocks: TextBlock[] = [];
  for (const chunk of text.split(/\n\s*\n/)) {
    const lead: string[] = [];
    const items: string[] = [];
    for (const line of chunk.split('\n').map((l) => l.trim())) {
      if (line.startsWith('- ')) items.push(line.slice(2));
      else if (items.length) items[items.length - 1] += ` ${line}`;
      else if (line) lead.push(line);
    }
    if (lead.length) blocks.push({ kind: 'p', parts: textParts(lead.join(' ')) });
    if (items.length) blocks.push({ kind: 'ul', items: items.map(textParts) });
  }
  return blocks;
}

/** The CSS custom properties every element takes (the theme), and each element's own besides. */
export function splitThemeProperties(elements: readonly ElementDoc[]): { theme: ElementDoc['cssProperties']; own: Map<string, ElementDoc['cssProperties']> } {
  const everywhere = (name: string) => elements.every((e) => e.cssProperties.some((p) => p.name === name));
  const theme = elements[0]?.cssProperties.filter((p) => everywhere(p.name)) ?? [];
  const own = new Map(elements.map((e) => [e.tagName, e.cssProperties.filter((p) => !theme.some((t) => t.name === p.name))]));
  return { theme, own };
}
