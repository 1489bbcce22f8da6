import { defineCollection, z } from 'astro:content';
import { glob } from 'astro/loaders';

/** Chapter frontmatter: validated once, at build time. */
const chapters = defineCollection({
  loader: glob({ pattern: '**/[0-9][0-9]-*.mdx', base: './content/chapters' }),
  schema: z.object({
    /** The chapter's title, as shown in the table of contents. */
    title: z.string().min(3),
    /** Position in the book; chapters are read in this order. */
    order: z.number().int().positive(),
    /** One or two sentences for the landing page and search results. */
    summary: z.string().min(10),
    /** Technique ids (from the core registry) that the chapter runs live. */
    techniques: z.array(z.string()).default([]),
    /** Slugs of chapters the reader should have read first. */
    prerequisites: z.array(z.string()).default([]),
  }),
});

export const collections = { chapters };
