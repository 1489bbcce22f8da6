/**
 * `<cnn-fast-style id="fast-style">`: fast style transfer (Johnson et al. 2016) in one forward pass of
 * a trained transformer, on the reader's picture or live on their camera. In "blend" mode one network
 * with conditional instance normalisation (Dumoulin et al. 2017) renders any mixture of its styles,
 * set by one slider per style; in "compare" mode the batch-norm and instance-norm networks trained
 * alike on one style (Ulyanov et al. 2016) stylise the same picture side by side. Shows the time of
 * each frame, exports the result as a PNG, and keeps the mode and the blend in the URL. The camera
 * loop runs one frame per animation frame while the figure is on screen and the tab is visible.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { errorMessage } from '../src/core/errors';
import type { RgbaImage } from '../src/core/image';
import { type FastStyleNet, type Stylised, STYLISE_SIZE, blendWeights, loadFastStyle } from '../src/core/fast-style/stylise';
import { assetBase } from '../src/browser/assets';
import { getEngine } from '../src/browser/engine';
import { captureVideoFrame } from '../src/browser/image-input';
import { checkUrlFields, oneOf, readUrlFields, writeUrlState } from '../src/browser/url-state';
import { paint, savePng } from './canvas';
import type { ImageChangeDetail } from './cnn-image-picker';
import { RunSlot } from './run-slot';
import './cnn-image-picker';
import { baseStyles, controlRowStyles } from './theme';

/** The networks of each mode: one CIN network, or the BN/IN pair trained alike. */
const NETWORKS = { blend: ['fast-style-cin'], compare: ['fast-style-bn', 'fast-style-in'] } as const;
type Mode = keyof typeof NETWORKS;
const LABELS: Record<string, string> = { 'fast-style-cin': 'Conditional instance norm', 'fast-style-bn': 'Batch norm', 'fast-style-in': 'Instance norm' };

interface Settings {
  mode: Mode;
  /** One weight per style of the CIN network, 0 to 1 before they are scaled to sum 1. */
  weights: number[];
}

const DEFAULTS: Settings = { mode: 'blend', weights: [1, 0, 0] };
const isWeightList = (v: unknown) => Array.isArray(v) && v.length > 0 && v.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0 && w <= 1);
const FORMAT = { mode: oneOf('blend', 'compare'), weights: isWeightList };

/** One network's latest picture. */
interface Shown extends Stylised {
  id: string;
}

const meanColour = (image: RgbaImage) => {
  const sum = [0, 0, 0];
  for (let i = 0; i < image.data.length; i += 4) for (let c = 0; c < 3; c++) sum[c]! += image.data[i + c]!;
  return sum.map((s) => Math.round(s / (image.data.length / 4)));
};

/**
 * @summary Fast feed-forward style transfer: a blend of styles by conditional instance norm, batch vs instance norm side by side, live on the camera.
 */
@customElement('cnn-fast-style')
export class CnnFastStyle extends LitElement {
  static override styles = [
    baseStyles,
    controlRowStyles,
    css`
      .results {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(min(100%, 16rem), 1fr));
        gap: 1rem;
        align-items: start;
      }
      figure {
        margin: 0;
      }
      canvas {
        display: block;
        width: 100%;
        max-width: 256px;
        height: auto;
        aspect-ratio: 1;
        border-radius: 4px;
        background: var(--_border);
      }
      .loss-weights {
        font-size: 0.875rem;
        margin: 0.5rem 0 0;
      }
      figcaption {
        font-size: 0.875rem;
        margin-top: 0.35rem;
      }
      input[type='range'] {
        width: min(12rem, 70vw);
      }
      video {
        display: none;
      }
    `,
  ];

  @state() private settings: Settings = DEFAULTS;
  @state() private nets: FastStyleNet[] = [];
  @state() private shown: Shown[] = [];
  @state() private status = 'Loading the style networks…';
  @state() private error: string | null = null;
  @state() private live = false;
  /** Camera frames stylised since the camera started. */
  @state() private frames = 0;

  private image: RgbaImage | null = null;
  /** The picture each canvas shows, so that a frame is drawn once. */
  private readonly drawn = new WeakMap<HTMLCanvasElement, RgbaImage>();
  private imageTitle = '';
  private unchecked: Record<string, unknown> | null = null;
  private readonly loads = new RunSlot();
  private readonly runs = new RunSlot();
  private stream: MediaStream | null = null;
  private frame = 0;
  private busy = false;
  private visible = true;
  private observer: IntersectionObserver | null = null;
  private readonly onVisibility = () => document.hidden && this.stopCamera();

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.id) {
      const saved = readUrlFields(this.id, 'the fast style figure', FORMAT);
      this.settings = { ...DEFAULTS, ...saved } as Settings;
      this.unchecked = Object.keys(saved).length ? saved : null;
    }
    document.addEventListener('visibilitychange', this.onVisibility);
    this.observer = new IntersectionObserver(([entry]) => {
      this.visible = entry?.isIntersecting ?? true;
      if (!this.visible) this.stopCamera();
    });
    this.observer.observe(this);
    void this.load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.observer?.disconnect();
    this.stopCamera();
    this.loads.drop();
    this.runs.drop();
    this.nets.forEach((n) => n.dispose());
    this.nets = [];
    this.shown = [];
  }

  /** Loads the networks of the current mode, disposing the others. */
  private async load(): Promise<void> {
    const signal = this.loads.start();
    const wanted: readonly string[] = NETWORKS[this.settings.mode];
    this.status = 'Loading the style networks…';
    try {
      await getEngine();
      const nets = await Promise.all(wanted.map((id) => this.nets.find((n) => n.id === id) ?? loadFastStyle(id, assetBase(), { signal })));
      if (signal.aborted || !this.isConnected) {
        nets.filter((n) => !this.nets.includes(n)).forEach((n) => n.dispose());
        return;
      }
      this.nets.filter((n) => !nets.includes(n)).forEach((n) => n.dispose());
      this.nets = nets;
      this.checkLink();
      void this.stylise();
    } catch (err) {
      if (!signal.aborted) this.error = `The style networks could not load (${errorMessage(err)}).`;
    }
  }

  /** The link's blend must have one weight per style of the loaded CIN network, not all zero. */
  private checkLink(): void {
    const cin = this.nets.find((n) => n.norm === 'conditional');
    if (!this.unchecked || !this.id || !cin) return;
    const count = cin.styles.length;
    const ok = checkUrlFields(this.id, 'the fast style figure', this.unchecked, {
      weights: (v) => isWeightList(v) && (v as number[]).length === count && (v as number[]).some((w) => w > 0),
    });
    this.settings = { ...DEFAULTS, ...ok } as Settings;
    this.unchecked = null;
  }

  private change(patch: Partial<Settings>): void {
    const modeChanged = patch.mode !== undefined && patch.mode !== this.settings.mode;
    this.settings = { ...this.settings, ...patch };
    if (this.id) writeUrlState(this.id, this.settings);
    if (modeChanged) {
      this.shown = [];
      void this.load();
    } else void this.stylise();
  }

  private onImage(event: CustomEvent<ImageChangeDetail>): void {
    this.image = event.detail.image;
    this.imageTitle = event.detail.title;
    if (!this.live) void this.stylise();
  }

  /** Stylises the current picture (or `frame`) with every network of the mode. */
  private async stylise(frame?: RgbaImage): Promise<void> {
    const image = frame ?? this.image;
    if (!image || !this.nets.length) return;
    const signal = this.runs.start();
    this.error = null;
    try {
      const shown: Shown[] = [];
      for (const net of this.nets) {
        const weights = net.norm === 'conditional' ? this.settings.weights : [1];
        if (net.norm === 'conditional') blendWeights(weights, net.styles.length);
        shown.push({ id: net.id, ...(await net.stylise(image, weights, STYLISE_SIZE.default)) });
        if (signal.aborted) return;
      }
      this.shown = shown;
      const ms = shown.map((s) => `${LABELS[s.id]} ${s.ms.toFixed(0)} ms`).join(', ');
      this.status = `${this.live ? 'Camera frame' : `“${this.imageTitle}”`} stylised at ${STYLISE_SIZE.default}×${STYLISE_SIZE.default}: ${ms} per frame.`;
    } catch (err) {
      if (!signal.aborted) this.error = errorMessage(err);
    }
  }

  protected override updated(): void {
    for (const s of this.shown) {
      const canvas = this.renderRoot.querySelector<HTMLCanvasElement>(`canvas[data-net="${s.id}"]`);
      if (canvas && this.drawn.get(canvas) !== s.image) {
        paint(canvas, s.image);
        this.drawn.set(canvas, s.image);
      }
    }
  }

  private async startCamera(): Promise<void> {
    if (!navigator.mediaDevices?.getUserMedia) {
      this.error = 'This browser offers no camera to this page (cameras work only on secure, https pages). Choose a picture instead.';
      return;
    }
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio: false });
      if (!this.isConnected || !this.visible) {
        this.stopCamera();
        return;
      }
      this.live = true;
      this.frames = 0;
      await this.updateComplete;
      const video = this.renderRoot.querySelector('video')!;
      video.srcObject = this.stream;
      await video.play();
      this.frame = requestAnimationFrame(() => this.tick());
    } catch (err) {
      this.stopCamera();
      const name = err instanceof DOMException ? err.name : '';
      this.error = name === 'NotAllowedError' ? 'The camera was not allowed; allow it in the site settings, or choose a picture.' : `The camera could not start (${errorMessage(err)}).`;
    }
  }

  /** One camera frame, skipped while the previous one is still being stylised. */
  private tick(): void {
    if (!this.live || !this.visible) return;
    const video = this.renderRoot.querySelector('video');
    if (video && !this.busy && video.videoWidth) {
      this.busy = true;
      void this.stylise(captureVideoFrame(video, 320))
        .then(() => this.live && this.frames++)
        .finally(() => (this.busy = false));
    }
    this.frame = requestAnimationFrame(() => this.tick());
  }

  private stopCamera(): void {
    cancelAnimationFrame(this.frame);
    this.stream?.getTracks().forEach((t) => t.stop());
    this.stream = null;
    if (this.live) {
      this.live = false;
      void this.stylise();
    }
  }

  private exportPng(id: string): void {
    const canvas = this.renderRoot.querySelector<HTMLCanvasElement>(`canvas[data-net="${id}"]`);
    if (canvas) savePng(canvas, `${id}-${this.imageTitle || 'camera'}`);
  }

  private renderSliders() {
    const cin = this.nets.find((n) => n.norm === 'conditional');
    if (this.settings.mode !== 'blend' || !cin) return nothing;
    return cin.styles.map((style, i) => {
      const w = this.settings.weights[i] ?? 0;
      return html`<label>
        Weight of ${style.title} (${w.toFixed(2)})
        <input type="range" min="0" max="1" step="0.05" .value=${String(w)} data-style=${style.id}
          @input=${(e: Event) => {
            const weights = cin.styles.map((_, j) => (j === i ? Number((e.target as HTMLInputElement).value) : this.settings.weights[j] ?? 0));
            this.change({ weights });
          }} />
      </label>`;
    });
  }

  /** The weight each style's loss had in training, where the card gives them: why a dark style keeps the photograph. */
  private renderLossWeights() {
    const cin = this.nets.find((n) => n.norm === 'conditional');
    if (this.settings.mode !== 'blend' || !cin || !cin.styles.every((st) => st.lossWeight)) return nothing;
    const weights = cin.styles.map((st) => `${st.title} ${st.lossWeight!.toPrecision(3)}`).join(', ');
    return html`<p class="loss-weights">Trained with each style's loss weighed by its own scale (λ<sup>s</sup>): ${weights}.</p>`;
  }

  private caption(s: Shown) {
    const net = this.nets.find((n) => n.id === s.id);
    const styles = net?.norm === 'conditional'
      ? net.styles.map((st, i) => `${st.title} ${(s.weights[i]! * 100).toFixed(0)}%`).join(', ')
      : net?.styles.map((st) => st.title).join(', ') ?? '';
    const [r, g, b] = meanColour(s.image);
    return `${LABELS[s.id]}: ${styles}. ${s.image.width}×${s.image.height} pixels in ${s.ms.toFixed(0)} ms; mean colour RGB(${r}, ${g}, ${b}).`;
  }

  override render() {
    const s = this.settings;
    return html`<div class="panel">
      <cnn-image-picker kind="photo" @cnn-image-change=${this.onImage}></cnn-image-picker>
      <div class="controls">
        <label>
          Mode
          <select .value=${s.mode} @change=${(e: Event) => this.change({ mode: (e.target as HTMLSelectElement).value as Mode })}>
            <option value="blend" ?selected=${s.mode === 'blend'}>Blend styles (conditional instance norm)</option>
            <option value="compare" ?selected=${s.mode === 'compare'}>Batch norm vs instance norm</option>
          </select>
        </label>
        ${this.renderSliders()}
        ${this.live
          ? html`<button type="button" @click=${() => this.stopCamera()}>Stop the live camera</button>`
          : html`<button type="button" @click=${() => this.startCamera()}>Live camera</button>`}
      </div>
      ${this.renderLossWeights()}
      <video muted playsinline aria-hidden="true"></video>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <p class="status" role="status" data-state=${this.shown.length ? 'done' : 'pending'} data-live=${String(this.live)} data-frames=${this.frames}>${this.status}</p>
      <div class="results">
        ${this.shown.map(
          (r) => html`<figure data-result=${r.id} data-mean=${meanColour(r.image).join(',')} data-weights=${r.weights.map((w) => w.toFixed(2)).join(',')}>
            <canvas data-net=${r.id} role="img" aria-label=${this.caption(r)}></canvas>
            <figcaption>${this.caption(r)}</figcaption>
            <button type="button" @click=${() => this.exportPng(r.id)}>Save ${LABELS[r.id]?.toLowerCase()} as PNG</button>
          </figure>`,
        )}
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-fast-style': CnnFastStyle;
  }
}
