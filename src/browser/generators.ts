/**
 * The cards of the book's generators (public/models/<id>/card.json), fetched once per page: a figure
 * that searches a generator's code reads from them which generator draws a network's input.
 */
import { type GeneratorCard, loadGeneratorCards } from '../core/optvis/generator';
import { assetBase } from './assets';

let cards: Promise<GeneratorCard[]> | null = null;

/** The generators' cards; a failed download is tried again on the next call. */
export function bookGeneratorCards(): Promise<GeneratorCard[]> {
  if (!cards) {
    const pending = loadGeneratorCards(assetBase());
    cards = pending;
    pending.catch(() => {
      if (cards === pending) cards = null;
    });
  }
  return cards;
}
