/**
 * The book's gallery, for `<cnn-image-picker>`: a radio group of thumbnails
 * (arrow keys move the choice, Home and End jump to the ends), the image shown
 * first (from the link, the `selected` attribute, or the tab's memory), and
 * the reader's choice kept in the URL under the picker's id.
 */
import { type ReactiveController, html, nothing } from 'lit';
import { errorMessage } from '../../src/core/errors';
import { type GalleryImage, IMAGES_URL, loadGallery, loadGalleryImage } from '../../src/browser/gallery';
import { recallInput, rememberInput } from '../../src/browser/input-memory';
import { readUrlState, rejectUrlState, writeUrlState } from '../../src/browser/url-state';
import type { ImageSourceHost } from './source-host';

/** What the gallery needs to know of the picker's attributes. */
export interface GalleryOptions {
  /** Gallery id shown when neither the link nor the reader has chosen one. */
  selected: string;
  /** Show only photos or only textures. */
  kind: '' | 'photo' | 'texture';
  /** Show nothing until the reader chooses. */
  noInitial: boolean;
}

export class GallerySource implements ReactiveController {
  /** The manifest, once loaded. */
  entries: GalleryImage[] | null = null;
  /** The gallery id shown, or null when the image is the reader's own. */
  chosenId: string | null = null;
  private abort: AbortController | null = null;

  constructor(
    private readonly host: ImageSourceHost,
    private readonly options: () => GalleryOptions,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    void this.start();
  }

  hostDisconnected(): void {
    this.abort?.abort();
  }

  /** The entries of the kind shown. */
  visible(): GalleryImage[] {
    const { kind } = this.options();
    return (this.entries ?? []).filter((g) => !(kind === 'photo' || kind === 'texture') || g.kind === kind);
  }

  /** The manifest entry of gallery image `id`. */
  entry(id: string): GalleryImage | undefined {
    return this.entries?.find((g) => g.id === id);
  }

  /** Forgets the gallery choice: the reader opened an image of their own. */
  clearChoice(): void {
    this.chosenId = null;
    this.abort?.abort();
    if (this.host.id) writeUrlState(this.host.id, null);
  }

  private async start(): Promise<void> {
    try {
      this.entries = await loadGallery();
    } catch (err) {
      this.host.showError(`The book's gallery could not be loaded (${errorMessage(err)}); you can still open your own image.`);
      return;
    }
    this.host.requestUpdate();
    const items = this.visible();
    const known = (id: unknown): id is string => items.some((g) => g.id === id);
    const fromUrl = this.host.id ? readUrlState(this.host.id) : undefined;
    if (fromUrl !== undefined && !known(fromUrl)) {
      rejectUrlState(this.host.id, `The link asks for the gallery image ${JSON.stringify(fromUrl)}, which the book does not have, so the picker shows another.`);
    }
    const remembered = recallInput().sample?.replace(/^gallery:/, '');
    const { selected, noInitial } = this.options();
    // A picker that waits for the reader (beside a figure, which already shows the remembered image) does not reopen it.
    const pick = [fromUrl, selected, noInitial ? undefined : remembered].find(known);
    if (noInitial && !pick) return;
    const first = pick ?? items[0]?.id;
    if (first) void this.choose(first, false);
  }

  /** Shows gallery image `id`; `byReader` keeps the choice in the URL and, once shown, for the tab's later pages. */
  async choose(id: string, byReader: boolean): Promise<void> {
    const entry = this.entry(id);
    if (!entry) return;
    const before = this.chosenId;
    this.chosenId = id;
    this.host.requestUpdate();
    if (byReader && this.host.id) writeUrlState(this.host.id, id);
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    const shown = await this.host.open(entry.title, () => loadGalleryImage(entry, abort.signal), id);
    if (shown && byReader) rememberInput({ sample: `gallery:${id}` });
    if (!shown && this.host.errorShown && this.chosenId === id) {
      this.chosenId = before;
      this.host.requestUpdate();
    }
  }

  private onKey(e: KeyboardEvent): void {
    const items = this.visible();
    const at = items.findIndex((g) => g.id === this.chosenId);
    const steps: Record<string, number> = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    let next: number;
    if (e.key in steps) next = (Math.max(at, 0) + steps[e.key]! + items.length) % items.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = items.length - 1;
    else return;
    e.preventDefault();
    const id = items[next]!.id;
    void this.choose(id, true);
    void this.host.updateComplete.then(() => this.host.renderRoot.querySelector<HTMLButtonElement>(`[data-id="${id}"]`)?.focus());
  }

  /** The thumbnails, one tab stop for the group. */
  render() {
    const items = this.visible();
    if (!items.length) return nothing;
    const focusable = items.some((g) => g.id === this.chosenId) ? this.chosenId : items[0]!.id;
    return html`<div class="gallery" role="radiogroup" aria-label="The book's images" @keydown=${(e: KeyboardEvent) => this.onKey(e)}>
      ${items.map(
        (g) => html`<button
          type="button"
          role="radio"
          data-id=${g.id}
          aria-checked=${g.id === this.chosenId ? 'true' : 'false'}
          tabindex=${g.id === focusable ? 0 : -1}
          @click=${() => this.choose(g.id, true)}
        >
          <img src=${IMAGES_URL + g.file} alt="" width="84" height="84" loading="lazy" decoding="async" />
          <span>${g.title}</span>
        </button>`,
      )}
    </div>`;
  }
}
