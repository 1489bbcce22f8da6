/**
 * Route data for chapters, computed once here and only read by pages and
 * components: order, slugs, URLs, neighbours.
 */
import { type CollectionEntry, getCollection } from 'astro:content';

/** A chapter entry with the route data derived from it. */
export interface ChapterRoute {
  entry: CollectionEntry<'chapters'>;
  /** URL segment: the file name without its "NN-" order prefix. */
  slug: string;
  /** Site-relative URL, base path included. */
  href: string;
}

/** Prefixes a site path with the configured base path. */
export function withBase(path: string): string {
  const base = import.meta.env.BASE_URL.replace(/\/$/, '');
  return `${base}/${path.replace(/^\//, '')}`;
}

/** All chapters in reading order. */
export async function getChapterRoutes(): Promise<ChapterRoute[]> {
  const entries: CollectionEntry<'chapters'>[] = await getCollection('chapters');
  const orders = new Set<number>();
  for (const e of entries) {
    if (orders.has(e.data.order)) throw new Error(`Two chapters share order ${e.data.order}.`);
    orders.add(e.data.order);
  }
  return entries
    .sort((a, b) => a.data.order - b.data.order)
    .map((entry) => {
      const slug = entry.id.replace(/^\d\d-/, '');
      return { entry, slug, href: withBase(`chapters/${slug}/`) };
    });
}
