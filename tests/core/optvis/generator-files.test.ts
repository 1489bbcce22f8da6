/**
 * The generators' files: the committed cards say which classifier each generator serves (read by the
 * figure, not known from names), and a missing, damaged or mismatched file gives a message naming it
 * instead of an error deep in TensorFlow.js.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  GENERATOR_IDS, buildDecoder, generatorForNetwork, loadGenerator, loadGeneratorCards, noGenerator, readGeneratorCard,
} from '../../../src/core/optvis/generator';
import { tf } from '../../../src/core/tf';
import { expectNoLeak, useBackend } from '../backends';
import { fileUrl, memoryFetch, nodeFetch } from '../node-files';

const PUBLIC = join(import.meta.dirname, '..', '..', '..', 'public');

/** A tiny decoder's model.json and weights, as the trainer saves them. */
async function savedTinyDecoder(): Promise<{ json: string; weights: ArrayBuffer }> {
  const model = buildDecoder({ latentSize: 2, hidden: [3], outputShape: [2, 2, 1], seed: 1 });
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  model.dispose();
  const a = saved!;
  const json = JSON.stringify({ modelTopology: a.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }] });
  return { json, weights: a.weightData as ArrayBuffer };
}

describe('the generators’ cards and files, cpu', () => {
  beforeAll(() => useBackend('cpu'));

  it('the committed cards name the classifier each generator serves: fashion-vgg through fashion-vae, scenes-cnn through scenes-vae', async () => {
    const cards = await loadGeneratorCards(`${fileUrl(PUBLIC)}/`, { fetch: nodeFetch });
    expect(cards.map((c) => c.id)).toEqual([...GENERATOR_IDS]);
    expect(generatorForNetwork(cards, 'fashion-vgg')?.id).toBe('fashion-vae');
    expect(generatorForNetwork(cards, 'scenes-cnn')?.id).toBe('scenes-vae');
    expect(generatorForNetwork(cards, 'my-own-net')).toBeUndefined();
    // Each card's shapes are those of its model and of the classifier it serves.
    for (const card of cards) {
      const json = JSON.parse(readFileSync(join(PUBLIC, 'models', card.id, 'card.json'), 'utf8'));
      for (const classifier of card.classifiers) {
        const net = JSON.parse(readFileSync(join(PUBLIC, 'models', classifier, 'card.json'), 'utf8'));
        expect(json.outputShape).toEqual(net.inputShape);
      }
    }
    expect(noGenerator({ title: 'Mine' }, cards)).toBe(
      "The network Mine has no generator trained on its data, and searching a generator's code needs one: choose one of the book's networks that has one, fashion-vgg (through fashion-vae) or scenes-cnn (through scenes-vae).",
    );
  });

  it('a card without its classifiers, or a missing card, is named', async () => {
    expect(() => readGeneratorCard('scenes-vae', { id: 'scenes-vae', title: 'x' })).toThrow('The card of the generator scenes-vae does not say which classifiers it serves');
    expect(() => readGeneratorCard('scenes-vae', { classifiers: [3] })).toThrow(/does not say which classifiers/);
    await expect(loadGeneratorCards('http://x/', { fetch: memoryFetch({}) })).rejects.toThrow('Could not download the card of the generator fashion-vae from http://x/models/fashion-vae/card.json (HTTP 404).');
  });

  it('loads a saved decoder, and names a missing weight file, a model.json that is not JSON or not a model, and truncated weights', async () => {
    const { json, weights } = await savedTinyDecoder();
    const url = 'http://x/models/tiny/model.json';
    const g = await expectNoLeak(async () => {
      const loaded = await loadGenerator(url, 'tiny', { fetch: memoryFetch({ [url]: json, 'http://x/models/tiny/weights.bin': weights }) });
      expect(loaded.outputShape).toEqual([2, 2, 1]);
      loaded.dispose();
      return loaded;
    });
    expect(g.latentSize).toBe(2);
    await expect(loadGenerator(url, 'tiny', { fetch: memoryFetch({ [url]: json }) })).rejects.toThrow('Could not download the generator tiny from http://x/models/tiny/weights.bin (HTTP 404).');
    await expect(loadGenerator(url, 'tiny', { fetch: memoryFetch({ [url]: '<html>Not found</html>' }) })).rejects.toThrow(/^The generator tiny's http:\/\/x\/models\/tiny\/model.json is not valid JSON/);
    await expect(loadGenerator(url, 'tiny', { fetch: memoryFetch({ [url]: '{"format": "graph"}' }) })).rejects.toThrow('holds no model topology: it is not a TensorFlow.js layers model.');
    const truncated = weights.slice(0, weights.byteLength - 8);
    await expect(loadGenerator(url, 'tiny', { fetch: memoryFetch({ [url]: json, 'http://x/models/tiny/weights.bin': truncated }) })).rejects.toThrow(
      `The generator tiny's weight files hold ${weights.byteLength - 8} bytes, but its model.json describes ${weights.byteLength}: a file is truncated or from another model.`,
    );
  });
});
