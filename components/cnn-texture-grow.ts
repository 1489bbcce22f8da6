/**
 * `<cnn-texture-grow sample="brick" size="32" neighbourhood="9">`: a texture
 * grown from a sample by non-parametric sampling (src/core/texture/), the
 * growth animated on a canvas. The reader picks the sample (one of the book's
 * textures or their own picture), the neighbourhood, the output size, the
 * method and the seed; runs, pauses, resumes and cancels; sees the progress,
 * the time taken and a text readout; and exports the texture as a PNG that
 * carries its parameters. With an `id`, the settings are kept in the URL.
 * No tensors are held: the figure has nothing to dispose but its run.
 */
import { yieldToEventLoop } from '../src/core/tasks';
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { errorMessage } from '../src/core/errors';
import { withPngText } from '../src/core/png-text';
import { PauseControl } from '../src/core/optvis/render';
import { TEXTURE_METHODS } from '../src/core/texture/registry';
import {
  type GrowProgress,
  type GrowResult,
  type TextureImage,
  MAX_OUTPUT_SIDE,
  SAMPLE_SIDE,
  resizeTexture,
  runGrower,
  textureFromRaster,
  textureToRgba,
} from '../src/core/texture/texture-image';
import { IMAGES_URL } from '../src/browser/gallery';
import { decodeImageBlob, loadImageUrl } from '../src/browser/image-input';
import { intIn, oneOf, readUrlFields, writeUrlState } from '../src/browser/url-state';
import { RunPhases, RunSlot } from './run-slot';
import { baseStyles, controlRowStyles, fieldStyles, runButtonStyles } from './theme';

/** The book's texture images (public/images/gallery.json, kind "texture"). */
export const TEXTURE_SAMPLES = ['brick', 'grass', 'gravel', 'stars', 'wood'] as const;
/** Neighbourhood sides offered (odd, Efros and Leung show 5 to 21). */
const NEIGHBOURHOODS = [3, 5, 7, 9, 11, 13, 15, 17, 19, 21];
const MIN_SIZE = 8;
const SEED_RANGE = [0, 99_999] as const;
const WHAT = 'the texture-growing figure';
/** Where the canvas is drawn, in CSS pixels, whatever the texture's size. */
const SHOWN_SIDE = 256;

/**
 * @summary A texture grown from a sample (Efros–Leung, or Wei–Levoy with TSVQ), animated, with pause, seed and timing.
 */
@customElement('cnn-texture-grow')
export class CnnTextureGrow extends LitElement {
  static override styles = [
    baseStyles,
    controlRowStyles,
    runButtonStyles,
    fieldStyles,
    css`
      :host {
        --_number-width: 6rem;
      }
      /* The method names are long: at phone width a menu shrinks to the column instead of widening the page. */
      .controls label,
      select,
      input[type='file'] {
        max-width: 100%;
        min-width: 0;
      }
      .pictures {
        display: flex;
        flex-wrap: wrap;
        gap: 1rem;
        align-items: start;
      }
      figure {
        margin: 0;
      }
      canvas {
        width: min(${SHOWN_SIDE}px, 100%);
        aspect-ratio: 1;
        image-rendering: pixelated;
        border: 1px solid var(--_border);
        background: repeating-conic-gradient(var(--_panel) 0 25%, var(--_border) 0 50%) 0 0 / 16px 16px;
      }
      canvas.sample {
        width: min(128px, 100%);
      }
      figcaption,
      .readout {
        font-size: 0.8rem;
      }
      .error {
        border-left: 4px solid var(--_warn);
        padding-left: 0.5rem;
      }
    `,
  ];

  /** The book's texture to grow from: brick, grass, gravel, stars or wood. */
  @property() sample = 'brick';
  /** Side of the grown texture, in pixels (8 to the core's maximum). */
  @property({ type: Number }) size = 32;
  /** Side of the square neighbourhood compared, odd. */
  @property({ type: Number }) neighbourhood = 9;
  /** The synthesiser, by id (src/core/texture/registry.ts). */
  @property() method = 'efros-leung';
  /** Seed of the random choices. */
  @property({ type: Number }) seed = 0;

  @state() private progress: { filled: number; total: number; stage: string } | null = null;
  @state() private elapsed = 0;
  /** Of {@link elapsed}, the time spent preparing the search (Wei–Levoy: the sample's neighbourhoods, and TSVQ's trees). */
  @state() private indexMs = 0;
  @state() private result: GrowResult | null = null;
  @state() private error: string | null = null;
  /** The reader's own picture, when chosen ("own" in the sample menu). */
  @state() private own: { name: string; texture: TextureImage } | null = null;
  @state() private samplePixels: TextureImage | null = null;
  /** Time of each method's last finished run, by sample, size, neighbourhood and seed. */
  @state() private times: Record<string, Record<string, number>> = {};

  @query('canvas.out') private outCanvas?: HTMLCanvasElement;
  @query('canvas.sample') private sampleCanvas?: HTMLCanvasElement;

  private readonly pauseControl = new PauseControl();
  private readonly runs = new RunPhases(this, this.pauseControl);
  private readonly sampleLoads = new RunSlot();
  /** What the last finished run was made with, for the readout and the export. */
  private ranWith: Record<string, unknown> = {};

  override connectedCallback(): void {
    super.connectedCallback();
    this.sanitise();
    if (this.id) {
      const saved = readUrlFields(this.id, WHAT, {
        sample: oneOf(...TEXTURE_SAMPLES),
        size: intIn(MIN_SIZE, MAX_OUTPUT_SIDE),
        neighbourhood: oneOf(...NEIGHBOURHOODS),
        method: oneOf(...Object.keys(TEXTURE_METHODS)),
        seed: intIn(SEED_RANGE[0], SEED_RANGE[1]),
      });
      Object.assign(this, saved);
    }
    void this.loadSample();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.sampleLoads.drop();
  }

  /** Attributes the figure cannot use fall back to their defaults, so the page never shows a blank panel. */
  private sanitise(): void {
    if (!(TEXTURE_SAMPLES as readonly string[]).includes(this.sample)) this.sample = 'brick';
    if (!(Number.isInteger(this.size) && this.size >= MIN_SIZE && this.size <= MAX_OUTPUT_SIDE)) this.size = 32;
    if (!NEIGHBOURHOODS.includes(this.neighbourhood)) this.neighbourhood = 9;
    if (!TEXTURE_METHODS[this.method]) this.method = 'efros-leung';
    if (!(Number.isInteger(this.seed) && this.seed >= SEED_RANGE[0] && this.seed <= SEED_RANGE[1])) this.seed = 0;
  }

  private saveState(): void {
    if (this.id) {
      writeUrlState(this.id, { sample: this.sample === 'own' ? undefined : this.sample, size: this.size, neighbourhood: this.neighbourhood, method: this.method, seed: this.seed });
    }
  }

  private async loadSample(): Promise<void> {
    const signal = this.sampleLoads.start();
    this.samplePixels = null;
    try {
      const texture = this.own && this.sample === 'own' ? this.own.texture : textureFromRaster(await loadImageUrl(`${IMAGES_URL}${this.sample}.png`, signal));
      if (!this.sampleLoads.isCurrent(signal)) return;
      this.samplePixels = resizeTexture(texture, SAMPLE_SIDE);
      this.error = null;
    } catch (err) {
      if (this.sampleLoads.isCurrent(signal)) this.error = `The sample could not be loaded: ${errorMessage(err)}`;
    }
  }

  protected override updated(): void {
    if (this.samplePixels && this.sampleCanvas) draw(this.sampleCanvas, this.samplePixels);
  }

  private async run(): Promise<void> {
    const sample = this.samplePixels;
    const method = TEXTURE_METHODS[this.method];
    if (!sample || !method || this.runs.busy) return;
    const signal = this.runs.start();
    const settings = { width: this.size, height: this.size, neighbourhood: this.neighbourhood, seed: this.seed };
    Object.assign(this, { result: null, error: null, elapsed: 0, indexMs: 0, progress: { filled: 0, total: this.size ** 2, stage: 'grow' } });
    this.ranWith = { method: this.method, sample: this.sample === 'own' ? this.own?.name : this.sample, sampleSide: SAMPLE_SIDE, ...settings };
    // Time spent computing, without the pauses.
    let busy = 0;
    let sliceStart = performance.now();
    const show = (p: GrowProgress) => {
      const slice = performance.now() - sliceStart;
      busy += slice;
      // A slice that ends while the tree is built counts as building (to within one slice of 12 ms).
      if (p.stage === 'index') this.indexMs += slice;
      this.elapsed = busy;
      this.progress = { filled: p.filled, total: p.total, stage: p.stage };
      if (this.outCanvas) draw(this.outCanvas, p.image, p.mask);
    };
    try {
      const result = await runGrower(method.create(sample, settings), {
        signal,
        onProgress: (p) => this.runs.isCurrent(signal) && show(p),
        pause: async () => {
          await yieldToEventLoop();
          await this.pauseControl.wait(signal);
          sliceStart = performance.now();
        },
      });
      // The final progress report has counted the last slice.
      if (!this.runs.isCurrent(signal)) return;
      this.elapsed = busy;
      this.result = result;
      const key = this.timeKey(this.ranWith);
      this.times = { ...this.times, [key]: { ...this.times[key], [this.method]: busy } };
      this.runs.finish(signal);
      await this.updateComplete;
      if (this.outCanvas) draw(this.outCanvas, result.image);
    } catch (err) {
      if (signal.aborted) this.runs.finish(signal, `Cancelled after ${this.progress?.filled ?? 0} of ${this.progress?.total ?? 0} pixels.`);
      else if (this.runs.fail(signal)) this.error = errorMessage(err);
    }
  }

  private get phase() {
    return this.runs.phase;
  }

  private set(field: 'size' | 'neighbourhood' | 'seed' | 'method' | 'sample', raw: string): void {
    if (field === 'method' || field === 'sample') {
      this[field] = raw;
      if (field === 'sample') void this.loadSample();
    } else {
      const v = Math.round(Number(raw));
      if (raw.trim() === '' || !Number.isFinite(v)) return;
      const [lo, hi] = field === 'size' ? [MIN_SIZE, MAX_OUTPUT_SIDE] : SEED_RANGE;
      this[field] = field === 'neighbourhood' ? v : Math.min(hi, Math.max(lo, v));
    }
    this.saveState();
  }

  private async chooseFile(e: Event): Promise<void> {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return;
    try {
      const decoded = await decodeImageBlob(file, 256);
      this.own = { name: file.name, texture: textureFromRaster(decoded) };
      this.sample = 'own';
      await this.loadSample();
    } catch (err) {
      this.error = `That file could not be used as a sample: ${errorMessage(err)}`;
    }
  }

  private async exportPng(): Promise<void> {
    const result = this.result;
    if (!result) return;
    const canvas = document.createElement('canvas');
    draw(canvas, result.image);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) return;
    const method = TEXTURE_METHODS[String(this.ranWith['method'])];
    const png = withPngText(new Uint8Array(await blob.arrayBuffer()), {
      Title: `Texture grown from ${String(this.ranWith['sample'])} by ${method?.citation ?? ''}`,
      Parameters: JSON.stringify({ ...this.ranWith, ms: Math.round(this.elapsed) }),
    });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([png as BlobPart], { type: 'image/png' }));
    a.download = `texture-${String(this.ranWith['method'])}-${String(this.ranWith['sample'])}-n${String(this.ranWith['neighbourhood'])}-seed${String(this.ranWith['seed'])}.png`.replace(/[^A-Za-z0-9.-]+/g, '-');
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  private renderControls() {
    const busy = this.runs.busy;
    const number = (field: 'size' | 'seed', label: string, min: number, max: number) =>
      html`<label
        >${label}
        <input type="number" name=${field} min=${min} max=${max} step="1" .value=${String(this[field])} ?disabled=${busy}
          @change=${(e: Event) => this.set(field, (e.target as HTMLInputElement).value)}
      /></label>`;
    return html`<div class="controls">
        <label
          >Sample
          <select name="sample" ?disabled=${busy} @change=${(e: Event) => this.set('sample', (e.target as HTMLSelectElement).value)}>
            ${TEXTURE_SAMPLES.map((s) => html`<option value=${s} ?selected=${s === this.sample}>${s}</option>`)}
            ${this.own ? html`<option value="own" ?selected=${this.sample === 'own'}>your picture (${this.own.name})</option>` : nothing}
          </select>
        </label>
        <label
          >Your own sample (its centred square is used)
          <input type="file" name="file" accept="image/*" ?disabled=${busy} @change=${(e: Event) => void this.chooseFile(e)} />
        </label>
        <label
          >Neighbourhood (pixels a side)
          <select name="neighbourhood" ?disabled=${busy} @change=${(e: Event) => this.set('neighbourhood', (e.target as HTMLSelectElement).value)}>
            ${NEIGHBOURHOODS.map((n) => html`<option value=${n} ?selected=${n === this.neighbourhood}>${n} × ${n}</option>`)}
          </select>
        </label>
        ${number('size', `Output side (${MIN_SIZE} to ${MAX_OUTPUT_SIDE} pixels)`, MIN_SIZE, MAX_OUTPUT_SIDE)}
        <label
          >Method
          <select name="method" ?disabled=${busy} @change=${(e: Event) => this.set('method', (e.target as HTMLSelectElement).value)}>
            ${Object.values(TEXTURE_METHODS).map((m) => html`<option value=${m.id} ?selected=${m.id === this.method}>${m.title}</option>`)}
          </select>
        </label>
        ${number('seed', 'Seed', SEED_RANGE[0], SEED_RANGE[1])}
      </div>
      <div class="buttons">
        <button type="button" aria-disabled=${busy || !this.samplePixels} @click=${() => void this.run()}>Grow</button>
        <button type="button" aria-disabled=${!busy} @click=${() => this.runs.togglePause()}>${this.runs.pauseLabel}</button>
        <button type="button" aria-disabled=${!busy} @click=${() => this.runs.cancel()}>Cancel</button>
        <button type="button" aria-disabled=${!this.result} @click=${() => void this.exportPng()}>Export PNG</button>
      </div>`;
  }

  private renderStatus() {
    const p = this.progress;
    const counts = p ? `${p.filled} of ${p.total} pixels` : '';
    const time = `${(this.elapsed / 1000).toFixed(2)} s`;
    let text = 'Choose the settings and press Grow.';
    if (!this.samplePixels && !this.error) text = 'Loading the sample…';
    else if (this.phase === 'running') text = p?.stage === 'index' ? `Building the search tree… ${time}` : `Growing: ${counts}, ${time}.`;
    else if (this.phase === 'paused') text = `Paused at ${counts}, ${time} so far.`;
    else if (this.phase === 'cancelled') text = this.runs.message || 'Cancelled.';
    else if (this.phase === 'done') text = `Done: ${counts} in ${time}.`;
    return html`<p class="status" role="status" aria-live="polite" data-phase=${this.phase} data-filled=${p?.filled ?? 0}>${text}</p>`;
  }

  private renderReadout() {
    const r = this.result;
    if (!r) return nothing;
    const w = r.image.width;
    // Share of side-by-side output pixels copied from side-by-side sample pixels: near 1 means whole patches were copied verbatim.
    let runs = 0;
    let pairs = 0;
    for (let y = 0; y < r.image.height; y++) {
      for (let x = 0; x + 1 < w; x++, pairs++) runs += Number(r.source[y * w + x + 1]! - r.source[y * w + x]! === 1);
    }
    const sources = new Set(r.source).size;
    return html`<ul class="readout" aria-label="The grown texture in numbers" data-testid="readout">
      <li>${TEXTURE_METHODS[String(this.ranWith['method'])]?.title ?? ''}: ${r.image.width} × ${r.image.height} pixels from a ${SAMPLE_SIDE} × ${SAMPLE_SIDE} sample (${String(this.ranWith['sample'])}), neighbourhood ${String(this.ranWith['neighbourhood'])} × ${String(this.ranWith['neighbourhood'])}, seed ${String(this.ranWith['seed'])}: <span data-testid="time">${(this.elapsed / 1000).toFixed(2)}</span> s${this.indexMs > 0 ? html`, of which about <span data-testid="index-time">${(this.indexMs / 1000).toFixed(2)}</span> s preparing the sample's neighbourhoods${this.ranWith['method'] === 'wei-levoy' ? ' and search trees' : ''} and ${((this.elapsed - this.indexMs) / 1000).toFixed(2)} s synthesising` : nothing}.</li>
      <li>${sources} distinct sample pixels used for ${r.image.width * r.image.height} output pixels.</li>
      <li>Verbatim copying: <span data-testid="verbatim">${((100 * runs) / Math.max(1, pairs)).toFixed(0)}</span>% of side-by-side output pixels come from side-by-side sample pixels.</li>
    </ul>
    ${this.renderTimes()}`;
  }

  /** The time of each method on the settings of the last run, so the methods' speeds can be compared. */
  private renderTimes() {
    const key = this.timeKey(this.ranWith);
    const rows = Object.entries(this.times[key] ?? {});
    if (rows.length < 2) return html`<p class="readout">Grow the same settings with another method to compare their times.</p>`;
    const slowest = Math.max(...rows.map(([, ms]) => ms));
    return html`<ul class="readout" aria-label="Times of the methods on these settings" data-testid="times">
      ${rows.map(
        ([id, ms]) =>
          html`<li data-method=${id} data-ms=${Math.round(ms)}>${TEXTURE_METHODS[id]?.title}: ${(ms / 1000).toFixed(2)} s${ms < slowest ? ` (${(slowest / ms).toFixed(1)}× faster than the slowest)` : ''}</li>`,
      )}
    </ul>`;
  }

  private timeKey(r: Record<string, unknown>): string {
    return [r['sample'], r['width'], r['neighbourhood'], r['seed']].join('|');
  }

  override render() {
    return html`<div class="panel">
      ${this.renderControls()} ${this.renderStatus()}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <div class="pictures">
        <figure>
          <canvas class="sample" role="img" aria-label=${`The sample, ${this.sample}: its centred square, resized to ${SAMPLE_SIDE} × ${SAMPLE_SIDE} pixels`}></canvas>
          <figcaption>Sample (${SAMPLE_SIDE} × ${SAMPLE_SIDE}, drawn ${formatScale(128 / SAMPLE_SIDE)})</figcaption>
        </figure>
        <figure>
          <canvas class="out" role="img" aria-label="The texture being grown; unfilled pixels are transparent"></canvas>
          <figcaption>Grown texture (${this.size} × ${this.size}, drawn ${formatScale(SHOWN_SIDE / this.size)}, so its pixels look larger than the sample's); the chequered background shows through unfilled pixels</figcaption>
        </figure>
      </div>
      ${this.renderReadout()}
    </div>`;
  }
}

/** A magnification as the captions write it: "2×", "6.4×". */
function formatScale(k: number): string {
  return `${Number(k.toFixed(1))}×`;
}

/** Paints `img` on `canvas` at its own size (CSS enlarges it, pixelated); `mask` leaves unfilled pixels transparent. */
function draw(canvas: HTMLCanvasElement, img: TextureImage, mask?: Uint8Array): void {
  canvas.width = img.width;
  canvas.height = img.height;
  canvas.getContext('2d')!.putImageData(new ImageData(textureToRgba(img, mask), img.width, img.height), 0, 0);
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-texture-grow': CnnTextureGrow;
  }
}
