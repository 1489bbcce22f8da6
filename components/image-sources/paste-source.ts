/**
 * Pasted images, for `<cnn-image-picker>`: Ctrl+V (⌘V) anywhere on the page
 * opens the clipboard's image, unless the reader is pasting into a text field.
 */
import type { ReactiveController } from 'lit';
import type { FileSource } from './file-source';
import type { ImageSourceHost } from './source-host';

export class PasteSource implements ReactiveController {
  constructor(
    private readonly host: ImageSourceHost,
    private readonly files: FileSource,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    document.addEventListener('paste', this.onPaste);
  }

  hostDisconnected(): void {
    document.removeEventListener('paste', this.onPaste);
  }

  private readonly onPaste = (e: ClipboardEvent) => {
    const inside = e.composedPath().includes(this.host);
    const target = e.composedPath()[0] as HTMLElement | undefined;
    if (!inside && target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    const files = [...(e.clipboardData?.files ?? [])];
    const file = files.find((f) => f.type.startsWith('image/')) ?? files[0];
    if (file) {
      e.preventDefault();
      this.files.openFile(file);
    } else if (inside) {
      this.host.showError('The clipboard holds no image. Copy a picture (not its address) and paste again.');
    }
  };
}
