/**
 * The texture synthesisers by id, for views that let the reader choose one:
 * each entry makes a {@link Grower} from a sample and the shared settings.
 */
import { efrosLeung } from './efros-leung';
import { weiLevoy } from './wei-levoy';
import type { Grower, TextureImage } from './texture-image';

/** What every synthesiser is given. */
export interface GrowSettings {
  width: number;
  height: number;
  neighbourhood: number;
  seed: number;
}

/** One synthesiser. */
export interface TextureMethod {
  id: string;
  /** Name shown to the reader. */
  title: string;
  /** The paper, as the figure cites it. */
  citation: string;
  create(sample: TextureImage, settings: GrowSettings): Grower;
}

/** The synthesisers, in the order a view offers them. */
export const TEXTURE_METHODS: Record<string, TextureMethod> = {
  'efros-leung': {
    id: 'efros-leung',
    title: 'Efros–Leung (pixel by pixel, exhaustive search)',
    citation: 'Efros and Leung 1999',
    create: (sample, s) => efrosLeung(sample, s),
  },
  'wei-levoy': {
    id: 'wei-levoy',
    title: 'Wei–Levoy (scanline, pyramid, TSVQ search)',
    citation: 'Wei and Levoy 2000',
    create: (sample, s) => weiLevoy(sample, { ...s, search: 'tsvq' }),
  },
  'wei-levoy-exhaustive': {
    id: 'wei-levoy-exhaustive',
    title: 'Wei–Levoy with exhaustive search (the reference)',
    citation: 'Wei and Levoy 2000',
    create: (sample, s) => weiLevoy(sample, { ...s, search: 'exhaustive' }),
  },
};
