/**
 * `<cnn-image-picker>`: the image a chapter's figures run on. The reader picks
 * one from the book's gallery or brings their own: a file chosen or dropped,
 * an image pasted with Ctrl+V, or a camera snapshot. Their images are decoded
 * in the browser and sent nowhere. Each source is a reactive controller in
 * components/image-sources/; the picker shows what they open.
 *
 * Public contract (figures listen to it):
 * - fires `cnn-image-change` (bubbling, composed) with
 *   `{ image: {width, height, channels: 4, data: Uint8ClampedArray}, id?, title }`
 *   whenever the image changes, the first one included; `id` is set for gallery images;
 * - attribute `selected`: the gallery id shown first (the first image by default);
 * - attribute `kind`: `photo` or `texture` to show only that part of the gallery;
 * - with an `id`, the chosen gallery image is kept in the URL under that id;
 * - what the reader chooses is remembered for the tab's later pages (src/browser/input-memory.ts),
 *   whose figures study it.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { errorMessage } from '../src/core/errors';
import { ImageInputError, type RgbaImage } from '../src/core/image';
import type { DecodedImage } from '../src/browser/image-input';
import { rememberOwnImage } from '../src/browser/input-memory';
import { CameraSource } from './image-sources/camera-source';
import { FileSource } from './image-sources/file-source';
import { GallerySource } from './image-sources/gallery-source';
import { PasteSource } from './image-sources/paste-source';
import type { ImageSourceHost } from './image-sources/source-host';
import { baseStyles } from './theme';

/** Detail of the `cnn-image-change` event. */
export interface ImageChangeDetail {
  image: RgbaImage;
  /** The gallery id; absent for the reader's own images. */
  id?: string;
  title: string;
}

/** Name of the event fired when the picked image changes. */
export const IMAGE_CHANGE_EVENT = 'cnn-image-change';

const message = (err: unknown) => (err instanceof ImageInputError ? err.message : `The image could not be opened (${errorMessage(err)}).`);

/**
 * @summary The image the figures run on: one of the book's gallery, or the reader's own (file, drop, paste, camera).
 * @fires cnn-image-change - The reader chose an image; `detail` holds the image (RGBA pixels), its title and, for gallery images, its id.
 */
@customElement('cnn-image-picker')
export class CnnImagePicker extends LitElement implements ImageSourceHost {
  static override styles = [
    baseStyles,
    css`
      .gallery {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(5.25rem, 1fr));
        gap: 0.5rem;
        margin: 0.5rem 0 1rem;
      }
      .gallery button {
        display: flex;
        flex-direction: column;
        align-items: stretch;
        gap: 0.25rem;
        padding: 0.25rem;
        font-size: 0.75rem;
        line-height: 1.2;
        text-align: center;
      }
      .gallery button[aria-checked='true'] {
        border: 2px solid var(--_accent);
        box-shadow: 0 0 0 2px var(--_accent);
        font-weight: 600;
      }
      .gallery img {
        width: 100%;
        aspect-ratio: 1;
        object-fit: cover;
        border-radius: 4px;
        background: var(--_border);
      }
      .own {
        border: 2px dashed var(--_border);
        border-radius: 8px;
        padding: 0.75rem;
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        align-items: center;
      }
      .own[data-dragging] {
        border-color: var(--_accent);
        background: color-mix(in srgb, var(--_accent) 10%, transparent);
      }
      .own p {
        margin: 0;
        flex: 1 1 14rem;
      }
      .camera {
        margin-top: 0.75rem;
      }
      video,
      canvas {
        display: block;
        max-width: 100%;
        height: auto;
        border-radius: 4px;
      }
      video {
        max-height: 18rem;
        background: #000;
      }
      .preview {
        margin: 1rem 0 0;
      }
      .preview canvas {
        max-height: 20rem;
      }
      figcaption {
        font-size: 0.875rem;
        margin-top: 0.35rem;
      }
      .actions {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
        margin-top: 0.5rem;
      }
      a {
        color: var(--_accent);
      }
    `,
  ];

  /** Gallery id shown when neither the URL nor the reader has chosen one; the first image by default. */
  @property() selected = '';
  /** Show nothing until the reader chooses (when the image comes from elsewhere at first). */
  @property({ type: Boolean, attribute: 'no-initial' }) noInitial = false;
  /** Show only photos or only textures; the whole gallery by default. */
  @property() kind: '' | 'photo' | 'texture' = '';

  @state() private current: (ImageChangeDetail & { image: DecodedImage }) | null = null;
  @state() private pending: string | null = null;
  @state() private error: string | null = null;

  @query('.preview canvas') private canvas?: HTMLCanvasElement;

  private readonly gallery = new GallerySource(this, () => ({ selected: this.selected, kind: this.kind, noInitial: this.noInitial }));
  private readonly files = new FileSource(this);
  private readonly camera = new CameraSource(this);

  private run = 0;
  /** The image last drawn into the preview canvas. */
  private drawn: DecodedImage | null = null;

  constructor() {
    super();
    // Pastes are heard on the whole page while the picker is on it; nothing of them is rendered.
    new PasteSource(this, this.files);
  }

  /** The image shown now, as last announced by `cnn-image-change`; null until the first one is decoded. */
  get image(): ImageChangeDetail | null {
    if (!this.current) return null;
    const { image, id, title } = this.current;
    return id ? { image, id, title } : { image, title };
  }

  get errorShown(): string | null {
    return this.error;
  }

  showError(text: string | null): void {
    this.error = text;
  }

  async open(title: string, decode: () => Promise<DecodedImage> | DecodedImage, galleryId?: string): Promise<boolean> {
    const run = ++this.run;
    this.pending = title;
    this.error = null;
    try {
      const image = await decode();
      if (run !== this.run) return false;
      this.current = galleryId ? { image, id: galleryId, title } : { image, title };
      if (!galleryId) {
        this.gallery.clearChoice();
        void rememberOwnImage(title, image);
      }
      this.dispatchEvent(new CustomEvent<ImageChangeDetail>(IMAGE_CHANGE_EVENT, { detail: this.image!, bubbles: true, composed: true }));
      return true;
    } catch (err) {
      if (run === this.run && !(err instanceof DOMException && err.name === 'AbortError')) this.error = message(err);
      return false;
    } finally {
      if (run === this.run) this.pending = null;
    }
  }

  protected override updated(): void {
    const canvas = this.canvas;
    const image = this.current?.image;
    if (!canvas || !image || this.drawn === image) return;
    canvas.width = image.width;
    canvas.height = image.height;
    canvas.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
    this.drawn = image;
  }

  private renderCaption() {
    const cur = this.current!;
    const { image } = cur;
    const size = `${image.width} × ${image.height} pixels`;
    const shrunk =
      image.originalWidth !== image.width ? `, shrunk from ${image.originalWidth} × ${image.originalHeight}` : '';
    const entry = cur.id ? this.gallery.entry(cur.id) : undefined;
    return html`<figcaption>
      <b>${cur.title}</b> (${size}${shrunk})${entry
        ? html`: <a href=${entry.source}>${entry.author}</a>, <a href=${entry.licenceUrl}>${entry.licence}</a>`
        : html`: your image, kept in this tab only.`}
    </figcaption>`;
  }

  override render() {
    return html`<div class="panel">
      ${this.gallery.render()}
      <div class="own" ?data-dragging=${this.files.dragging}>
        <p>Or use your own picture: drop it here, paste it with Ctrl+V (⌘V on a Mac), or</p>
        ${this.files.render()} ${this.camera.renderButton()}
      </div>
      <p class="muted">Your pictures never leave your machine: the browser opens them here and the book sends them nowhere.</p>
      ${this.camera.renderPreview()}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <p role="status" class="muted">
        ${this.pending
          ? `Opening ${this.pending}…`
          : this.current
            ? `Showing ${this.current.title}, ${this.current.image.width} × ${this.current.image.height} pixels.`
            : 'Loading the gallery…'}
      </p>
      ${this.current
        ? html`<figure class="preview">
            <canvas role="img" aria-label=${this.current.title}></canvas>
            ${this.renderCaption()}
          </figure>`
        : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-image-picker': CnnImagePicker;
  }
  interface HTMLElementEventMap {
    'cnn-image-change': CustomEvent<ImageChangeDetail>;
  }
}
