/**
 * `<cnn-image-picker>`: the image a chapter's figures run on. The reader picks
 * one from the book's gallery or brings their own: a file chosen or dropped,
 * an image pasted with Ctrl+V, or a camera snapshot. Their images are decoded
 * in the browser and sent nowhere.
 *
 * Public contract (figures listen to it):
 * - fires `cnn-image-change` (bubbling, composed) with
 *   `{ image: {width, height, channels: 4, data: Uint8ClampedArray}, id?, title }`
 *   whenever the image changes, the first one included; `id` is set for gallery images;
 * - attribute `selected`: the gallery id shown first (the first image by default);
 * - attribute `kind`: `photo` or `texture` to show only that part of the gallery;
 * - with an `id`, the chosen gallery image is kept in the URL under that id.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { ImageInputError, type RgbaImage } from '../src/core/image';
import { type DecodedImage, captureVideoFrame, decodeImageBlob, loadImageUrl } from '../src/browser/image-input';
import { readUrlState, writeUrlState } from '../src/browser/url-state';
import { baseStyles } from './theme';
import { errorMessage } from '../src/core/errors';

/** One entry of public/images/gallery.json (written by scripts/images/build-gallery.py). */
export interface GalleryImage {
  id: string;
  file: string;
  title: string;
  kind: 'photo' | 'texture';
  width: number;
  height: number;
  source: string;
  author: string;
  licence: string;
  licenceUrl: string;
}

/** Detail of the `cnn-image-change` event. */
export interface ImageChangeDetail {
  image: RgbaImage;
  /** The gallery id; absent for the reader's own images. */
  id?: string;
  title: string;
}

/** Name of the event fired when the picked image changes. */
export const IMAGE_CHANGE_EVENT = 'cnn-image-change';

const IMAGES_URL = `${import.meta.env.BASE_URL.replace(/\/?$/, '/')}images/`;

let galleryRequest: Promise<GalleryImage[]> | null = null;

/** The gallery manifest, fetched once per page. */
function loadGallery(): Promise<GalleryImage[]> {
  galleryRequest ??= fetch(`${IMAGES_URL}gallery.json`)
    .then((res) => {
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return res.json() as Promise<{ images: GalleryImage[] }>;
    })
    .then((json) => json.images)
    .catch((err: unknown) => {
      galleryRequest = null;
      throw err;
    });
  return galleryRequest;
}

const message = (err: unknown) =>
  err instanceof ImageInputError ? err.message : `The image could not be opened (${errorMessage(err)}).`;

@customElement('cnn-image-picker')
export class CnnImagePicker extends LitElement {
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

  @state() private gallery: GalleryImage[] | null = null;
  /** The gallery id shown, or null when the image is the reader's own. */
  @state() private chosenId: string | null = null;
  @state() private current: (ImageChangeDetail & { image: DecodedImage; own: boolean }) | null = null;
  @state() private pending: string | null = null;
  @state() private error: string | null = null;
  @state() private camera: 'off' | 'starting' | 'on' = 'off';
  @state() private dragging = false;

  @query('input[type="file"]') private fileInput!: HTMLInputElement;
  @query('video') private video?: HTMLVideoElement;
  @query('.preview canvas') private canvas?: HTMLCanvasElement;

  private run = 0;
  private abort: AbortController | null = null;
  private stream: MediaStream | null = null;
  /** The image last drawn into the preview canvas. */
  private drawn: DecodedImage | null = null;

  /** The image shown now, as last announced by `cnn-image-change`; null until the first one is decoded. */
  get image(): ImageChangeDetail | null {
    if (!this.current) return null;
    const { image, id, title } = this.current;
    return id ? { image, id, title } : { image, title };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('dragover', this.onDragOver);
    this.addEventListener('dragleave', this.onDragLeave);
    this.addEventListener('drop', this.onDrop);
    document.addEventListener('paste', this.onPaste);
    void this.start();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('dragover', this.onDragOver);
    this.removeEventListener('dragleave', this.onDragLeave);
    this.removeEventListener('drop', this.onDrop);
    document.removeEventListener('paste', this.onPaste);
    this.abort?.abort();
    this.stopCamera();
  }

  private visibleGallery(): GalleryImage[] {
    const kind = this.kind === 'photo' || this.kind === 'texture' ? this.kind : null;
    return (this.gallery ?? []).filter((g) => !kind || g.kind === kind);
  }

  private async start(): Promise<void> {
    try {
      this.gallery = await loadGallery();
    } catch (err) {
      this.error = `The book's gallery could not be loaded (${errorMessage(err)}); you can still open your own image.`;
      return;
    }
    if (this.current || this.pending) return; // the reader was quicker
    const items = this.visibleGallery();
    const fromUrl = this.id ? readUrlState(this.id) : undefined;
    const pick = [fromUrl, this.selected].find((id) => items.some((g) => g.id === id)) as string | undefined;
    if (this.noInitial && !pick) return;
    const first = pick ?? items[0]?.id;
    if (first) void this.choose(first, false);
  }

  /** Shows gallery image `id`; `remember` writes the choice to the URL. */
  private async choose(id: string, remember: boolean): Promise<void> {
    const entry = this.gallery?.find((g) => g.id === id);
    if (!entry) return;
    this.chosenId = id;
    if (remember && this.id) writeUrlState(this.id, id);
    this.abort?.abort();
    const abort = (this.abort = new AbortController());
    await this.open(entry.title, () => loadImageUrl(IMAGES_URL + entry.file, abort.signal), id);
  }

  /** Decodes one image and shows it, unless a newer request has started meanwhile. */
  private async open(title: string, decode: () => Promise<DecodedImage> | DecodedImage, id?: string): Promise<void> {
    const run = ++this.run;
    this.pending = title;
    this.error = null;
    try {
      const image = await decode();
      if (run !== this.run) return;
      this.current = id ? { image, id, title, own: false } : { image, title, own: true };
      if (!id) {
        this.chosenId = null;
        if (this.id) writeUrlState(this.id, null);
      }
      this.dispatchEvent(new CustomEvent<ImageChangeDetail>(IMAGE_CHANGE_EVENT, { detail: this.image!, bubbles: true, composed: true }));
    } catch (err) {
      if (run !== this.run || (err instanceof DOMException && err.name === 'AbortError')) return;
      this.error = message(err);
      if (id) this.chosenId = this.current?.id ?? null;
    } finally {
      if (run === this.run) this.pending = null;
    }
  }

  private openFile(file: Blob): void {
    const title = file instanceof File && file.name ? file.name : 'Your image';
    void this.open(title, () => decodeImageBlob(file));
  }

  private readonly onDragOver = (e: DragEvent) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    this.dragging = true;
  };

  private readonly onDragLeave = (e: DragEvent) => {
    // Inside the shadow root relatedTarget is retargeted to this element, which contains itself.
    const to = e.relatedTarget as Node | null;
    if (!to || !this.contains(to)) this.dragging = false;
  };

  private readonly onDrop = (e: DragEvent) => {
    e.preventDefault();
    this.dragging = false;
    const file = e.dataTransfer?.files[0];
    if (file) this.openFile(file);
    else this.error = 'Drop an image file from your computer; pictures dragged from other web pages cannot be read.';
  };

  /** Ctrl+V anywhere on the page, unless the reader is pasting into a text field. */
  private readonly onPaste = (e: ClipboardEvent) => {
    const inside = e.composedPath().includes(this);
    const target = e.composedPath()[0] as HTMLElement | undefined;
    if (!inside && target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    const files = [...(e.clipboardData?.files ?? [])];
    const file = files.find((f) => f.type.startsWith('image/')) ?? files[0];
    if (file) {
      e.preventDefault();
      this.openFile(file);
    } else if (inside) {
      this.error = 'The clipboard holds no image. Copy a picture (not its address) and paste again.';
    }
  };

  private onFileChange(): void {
    const file = this.fileInput.files?.[0];
    if (file) this.openFile(file);
    this.fileInput.value = ''; // so choosing the same file again is noticed
  }

  /** Radio-group keys: arrows move the choice, Home and End jump to the ends. */
  private onGalleryKey(e: KeyboardEvent): void {
    const items = this.visibleGallery();
    const at = items.findIndex((g) => g.id === this.chosenId);
    const steps: Record<string, number> = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    let next: number;
    if (e.key in steps) next = (Math.max(at, 0) + steps[e.key]! + items.length) % items.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = items.length - 1;
    else return;
    e.preventDefault();
    void this.choose(items[next]!.id, true);
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLButtonElement>(`[data-id="${items[next]!.id}"]`)?.focus(),
    );
  }

  private async startCamera(): Promise<void> {
    if (!navigator.mediaDevices?.getUserMedia) {
      this.error =
        'This browser offers no camera to this page: cameras work only on secure (https) pages, and a browser setting may block them. You can still choose a file.';
      return;
    }
    this.error = null;
    this.camera = 'starting';
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
      if (!this.isConnected || this.camera !== 'starting') {
        stream.getTracks().forEach((t) => t.stop());
        return;
      }
      this.stream = stream;
      this.camera = 'on';
      await this.updateComplete;
      this.video!.srcObject = stream;
      await this.video!.play();
    } catch (err) {
      this.stopCamera();
      const name = err instanceof DOMException ? err.name : '';
      this.error =
        name === 'NotAllowedError'
          ? 'The camera was not allowed. Allow it in the browser’s site settings to take a picture, or choose a file.'
          : name === 'NotFoundError'
            ? 'No camera was found on this device.'
            : `The camera could not start (${errorMessage(err)}).`;
    }
  }

  private stopCamera(): void {
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    if (this.video) this.video.srcObject = null;
    this.camera = 'off';
  }

  private snap(): void {
    const video = this.video;
    if (!video) return;
    void this.open('Camera snapshot', () => captureVideoFrame(video)).then(() => {
      if (!this.error) this.stopCamera();
    });
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

  private renderGallery() {
    const items = this.visibleGallery();
    if (!items.length) return nothing;
    const focusable = items.some((g) => g.id === this.chosenId) ? this.chosenId : items[0]!.id;
    return html`<div class="gallery" role="radiogroup" aria-label="The book's images" @keydown=${this.onGalleryKey}>
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

  private renderCaption() {
    const cur = this.current!;
    const { image } = cur;
    const size = `${image.width} × ${image.height} pixels`;
    const shrunk =
      image.originalWidth !== image.width ? `, shrunk from ${image.originalWidth} × ${image.originalHeight}` : '';
    const entry = cur.id ? this.gallery?.find((g) => g.id === cur.id) : undefined;
    return html`<figcaption>
      <b>${cur.title}</b> (${size}${shrunk})${entry
        ? html`: <a href=${entry.source}>${entry.author}</a>, <a href=${entry.licenceUrl}>${entry.licence}</a>`
        : html`: your image, kept in this tab only.`}
    </figcaption>`;
  }

  override render() {
    return html`<div class="panel">
      ${this.renderGallery()}
      <div class="own" ?data-dragging=${this.dragging}>
        <p>Or use your own picture: drop it here, paste it with Ctrl+V (⌘V on a Mac), or</p>
        <button type="button" @click=${() => this.fileInput.click()}>Choose a file…</button>
        <input type="file" accept="image/*" hidden aria-label="Choose an image file" @change=${this.onFileChange} />
        ${this.camera === 'off'
          ? html`<button type="button" @click=${this.startCamera}>Use the camera</button>`
          : nothing}
      </div>
      <p class="muted">Your pictures never leave your machine: the browser opens them here and the book sends them nowhere.</p>
      ${this.camera !== 'off'
        ? html`<div class="camera">
            <video muted playsinline aria-label="Camera preview"></video>
            <div class="actions">
              <button type="button" ?disabled=${this.camera !== 'on'} @click=${this.snap}>Take the picture</button>
              <button type="button" @click=${this.stopCamera}>Stop the camera</button>
            </div>
          </div>`
        : nothing}
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
