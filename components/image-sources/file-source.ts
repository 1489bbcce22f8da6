/**
 * The reader's files, for `<cnn-image-picker>`: the file chooser, and a file
 * dropped anywhere on the picker (dragging shows where to drop).
 */
import { type ReactiveController, html } from 'lit';
import { decodeImageBlob } from '../../src/browser/image-input';
import type { ImageSourceHost } from './source-host';

export class FileSource implements ReactiveController {
  /** Whether a file is being dragged over the picker. */
  dragging = false;

  constructor(private readonly host: ImageSourceHost) {
    host.addController(this);
  }

  hostConnected(): void {
    this.host.addEventListener('dragover', this.onDragOver);
    this.host.addEventListener('dragleave', this.onDragLeave);
    this.host.addEventListener('drop', this.onDrop);
  }

  hostDisconnected(): void {
    this.host.removeEventListener('dragover', this.onDragOver);
    this.host.removeEventListener('dragleave', this.onDragLeave);
    this.host.removeEventListener('drop', this.onDrop);
  }

  /** Opens a file or blob the reader handed over (chosen, dropped or pasted). */
  openFile(file: Blob): void {
    const title = file instanceof File && file.name ? file.name : 'Your image';
    void this.host.open(title, () => decodeImageBlob(file));
  }

  private setDragging(value: boolean): void {
    this.dragging = value;
    this.host.requestUpdate();
  }

  private readonly onDragOver = (e: DragEvent) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    this.setDragging(true);
  };

  private readonly onDragLeave = (e: DragEvent) => {
    // Inside the shadow root relatedTarget is retargeted to the picker, which contains itself.
    const to = e.relatedTarget as Node | null;
    if (!to || !this.host.contains(to)) this.setDragging(false);
  };

  private readonly onDrop = (e: DragEvent) => {
    e.preventDefault();
    this.setDragging(false);
    const file = e.dataTransfer?.files[0];
    if (file) this.openFile(file);
    else this.host.showError('Drop an image file from your computer; pictures dragged from other web pages cannot be read.');
  };

  private onChange(input: HTMLInputElement): void {
    const file = input.files?.[0];
    if (file) this.openFile(file);
    input.value = ''; // so choosing the same file again is noticed
  }

  /** The "Choose a file…" button and its hidden input. */
  render() {
    return html`<button
        type="button"
        @click=${() => this.host.renderRoot.querySelector<HTMLInputElement>('input[type="file"]')?.click()}
      >
        Choose a file…
      </button>
      <input
        type="file"
        accept="image/*"
        hidden
        aria-label="Choose an image file"
        @change=${(e: Event) => this.onChange(e.target as HTMLInputElement)}
      />`;
  }
}
