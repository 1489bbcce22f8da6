/**
 * The camera, for `<cnn-image-picker>`: a live preview, a snapshot taken as
 * the reader's image, and a stream that stops after the snapshot, when the
 * reader stops it, and when the picker leaves the page.
 */
import { type ReactiveController, html, nothing } from 'lit';
import { errorMessage } from '../../src/core/errors';
import { captureVideoFrame } from '../../src/browser/image-input';
import type { ImageSourceHost } from './source-host';

export class CameraSource implements ReactiveController {
  /** Whether the camera is off, being asked for, or streaming. */
  state: 'off' | 'starting' | 'on' = 'off';
  private stream: MediaStream | null = null;

  constructor(private readonly host: ImageSourceHost) {
    host.addController(this);
  }

  hostDisconnected(): void {
    this.stop();
  }

  private get video(): HTMLVideoElement | null {
    return this.host.renderRoot.querySelector('video');
  }

  private setState(state: CameraSource['state']): void {
    this.state = state;
    this.host.requestUpdate();
  }

  private async start(): Promise<void> {
    if (!navigator.mediaDevices?.getUserMedia) {
      this.host.showError(
        'This browser offers no camera to this page: cameras work only on secure (https) pages, and a browser setting may block them. You can still choose a file.',
      );
      return;
    }
    this.host.showError(null);
    this.setState('starting');
    try {
      const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
      if (!this.host.isConnected || this.state !== 'starting') {
        stream.getTracks().forEach((t) => t.stop());
        return;
      }
      this.stream = stream;
      this.setState('on');
      await this.host.updateComplete;
      this.video!.srcObject = stream;
      await this.video!.play();
    } catch (err) {
      this.stop();
      const name = err instanceof DOMException ? err.name : '';
      this.host.showError(
        name === 'NotAllowedError'
          ? 'The camera was not allowed. Allow it in the browser’s site settings to take a picture, or choose a file.'
          : name === 'NotFoundError'
            ? 'No camera was found on this device.'
            : `The camera could not start (${errorMessage(err)}).`,
      );
    }
  }

  private stop(): void {
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    const video = this.video;
    if (video) video.srcObject = null;
    this.setState('off');
  }

  private snap(): void {
    const video = this.video;
    if (!video) return;
    void this.host.open('Camera snapshot', () => captureVideoFrame(video)).then((shown) => {
      if (shown) this.stop();
    });
  }

  /** The "Use the camera" button, while the camera is off. */
  renderButton() {
    return this.state === 'off' ? html`<button type="button" @click=${() => this.start()}>Use the camera</button>` : nothing;
  }

  /** The preview and its buttons, while the camera is on. */
  renderPreview() {
    if (this.state === 'off') return nothing;
    return html`<div class="camera">
      <video muted playsinline aria-label="Camera preview"></video>
      <div class="actions">
        <button type="button" ?disabled=${this.state !== 'on'} @click=${() => this.snap()}>Take the picture</button>
        <button type="button" @click=${() => this.stop()}>Stop the camera</button>
      </div>
    </div>`;
  }
}
