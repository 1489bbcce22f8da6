/**
 * Model cards: the `card.json` that `npm run train` writes beside each of the
 * book's networks, read and validated at build time for the model pages.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { z } from 'astro/zod';

const layerSchema = z.object({
  name: z.string(),
  type: z.string(),
  outputShape: z.array(z.number().nullable()),
  params: z.number(),
});

/** What a card holds; fields a model does not have (an untrained one has no accuracy) are optional. */
export const cardSchema = z.object({
  id: z.string(),
  title: z.string(),
  architecture: z.array(layerSchema),
  totalParams: z.number(),
  inputShape: z.array(z.number().nullable()),
  classes: z.array(z.string()).optional(),
  output: z.string(),
  data: z.object({ description: z.string(), licence: z.string(), source: z.string().optional() }).passthrough(),
  training: z
    .object({
      command: z.string(),
      optimizer: z.string().optional(),
      /** How batch normalisation was used in training, when it was (the shipped network has none). */
      batchNorm: z.string().optional(),
      loss: z.string().optional(),
      epochs: z.number().optional(),
      batchSize: z.number().optional(),
      seed: z.number().optional(),
      backend: z.string().optional(),
      seconds: z.number().optional(),
      curve: z
        .array(z.object({ epoch: z.number(), loss: z.number(), trainAccuracy: z.number(), testAccuracy: z.number() }))
        .optional(),
    })
    .passthrough(),
  testAccuracy: z.number().optional(),
  confusionMatrix: z.array(z.array(z.number())).optional(),
  notes: z.string().optional(),
});

/** A validated model card. */
export type ModelCard = z.infer<typeof cardSchema>;

/** Every model card under public/models/, in folder order. */
export function readModelCards(root = 'public/models'): ModelCard[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(`${root}/${d.name}/card.json`))
    .map((d) => {
      const raw = JSON.parse(readFileSync(`${root}/${d.name}/card.json`, 'utf8')) as unknown;
      const parsed = cardSchema.safeParse(raw);
      if (!parsed.success) throw new Error(`public/models/${d.name}/card.json: ${parsed.error.message}`);
      return parsed.data;
    });
}

/** The Markdown note beside a model, content/models/<id>.md, if there is one. */
export function modelNotePath(id: string): string | null {
  const path = `content/models/${id}.md`;
  return existsSync(path) ? path : null;
}
