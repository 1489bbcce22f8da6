/**
 * What every image source of `<cnn-image-picker>` needs from the picker: one
 * way to open an image (so that a newer request wins, errors read the same,
 * and the change is announced once), and a place to say what went wrong.
 * Each source is a Lit reactive controller in its own file.
 */
import type { ReactiveControllerHost } from 'lit';
import type { DecodedImage } from '../../src/browser/image-input';

/** The picker, as its image sources see it. */
export interface ImageSourceHost extends ReactiveControllerHost, HTMLElement {
  /**
   * Decodes one image and shows it, unless a newer request has started meanwhile; `galleryId` for
   * gallery images. Resolves to whether it is shown.
   */
  open(title: string, decode: () => Promise<DecodedImage> | DecodedImage, galleryId?: string): Promise<boolean>;
  /** Shows a message the reader can act on, in the picker's alert; null clears it. */
  showError(message: string | null): void;
  /** The error shown, if any. */
  readonly errorShown: string | null;
  readonly renderRoot: HTMLElement | DocumentFragment;
}
