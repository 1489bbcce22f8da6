/**
 * `<cnn-embedding>`: the test subset laid out in two dimensions, by PCA or
 * t-SNE, from the network's last hidden layer or from the pixels, with each
 * image drawn at its point (or a dot), coloured by class. t-SNE runs live, a
 * few iterations between frames, and can be paused; the map zooms (wheel,
 * buttons, + and −), pans (drag, arrow keys), names the point under the
 * pointer, and a click studies that image in the page's other figures.
 *
 * Attributes: `space` ('features' or 'pixels'), `method` ('tsne' or 'pca').
 * With an `id`, space, method, perplexity and drawing are kept in the URL.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { CLASS_COLOURS } from '../src/core/colormap';
import { type VectorSet, featureLayer } from '../src/core/features/features';
import type { PixelImages } from '../src/core/features/image-set';
import { yieldToEventLoop } from '../src/core/tasks';
import { pca } from '../src/core/features/pca';
import { TSNE_DEFAULTS, Tsne } from '../src/core/features/tsne';
import { testVectors } from '../src/browser/feature-cache';
import { type TestDataset, datasetFor, spriteCanvas, testImages, testSetSample } from '../src/browser/test-set';
import { checkUrlFields, numberIn, oneOf, readUrlFields, writeUrlState } from '../src/browser/url-state';
import { workbench } from '../src/browser/workbench';
import { RunSlot } from './run-slot';
import { WorkbenchLink } from './workbench-link';
import { baseStyles, controlRowStyles } from './theme';
import { errorMessage } from '../src/core/errors';

/** Iterations of a t-SNE run: van der Maaten (2014) ran 1,000. */
export const TSNE_ITERATIONS = 1000;
/** Milliseconds of iterations between two frames: keeps every task well under 100 ms. */
const SLICE_MS = 12;
/** Pixel vectors are averaged down to at most this side, so pixel-space t-SNE and PCA stay quick. */
export const PIXEL_SIDE = 16;
/** Side of the canvas, in CSS pixels. */
const VIEW = 480;

type Space = 'features' | 'pixels';
type Method = 'tsne' | 'pca';

/** The figure, as its notices name it. */
const WHAT = 'the embedding figure';

/**
 * @summary The test subset laid out in two dimensions (PCA or t-SNE), from the last hidden layer or the pixels.
 */
@customElement('cnn-embedding')
export class CnnEmbedding extends LitElement {
  static override styles = [
    baseStyles,
    controlRowStyles,
    css`
      .layout {
        display: grid;
        grid-template-columns: minmax(0, ${VIEW}px) minmax(12rem, 1fr);
        gap: 1rem;
        align-items: start;
      }
      @media (max-width: 720px) {
        .layout {
          grid-template-columns: 1fr;
        }
      }
      canvas {
        width: 100%;
        aspect-ratio: 1;
        border: 1px solid var(--_border);
        border-radius: 4px;
        background: var(--itc-bg, #fff);
        touch-action: none;
        cursor: crosshair;
      }
      .readout {
        font-size: 0.875rem;
        margin: 0;
        padding-left: 1.1rem;
      }
      .legend {
        list-style: none;
        padding: 0;
        font-size: 0.8rem;
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(7rem, 1fr));
        gap: 0.2rem 0.6rem;
      }
      .swatch {
        display: inline-block;
        width: 0.8rem;
        height: 0.8rem;
        margin-right: 0.3rem;
        vertical-align: -0.1rem;
        border: 1px solid var(--_border);
      }
      .status {
        font-size: 0.875rem;
        min-height: 1.3rem;
      }
      input[type='number'] {
        width: 4.5rem;
      }
    `,
  ];

  /** Which vectors are laid out. */
  @property() space: Space = 'features';
  /** Which projection. */
  @property() method: Method = 'tsne';

  @state() private perplexity: number = TSNE_DEFAULTS.perplexity;
  @state() private sprites = true;
  @state() private paused = false;
  @state() private iteration = 0;
  @state() private kl: number | null = null;
  @state() private explained: number[] | null = null;
  @state() private agreement: number | null = null;
  @state() private hover: number | null = null;
  @state() private progress: string | null = null;
  @state() private error: string | null = null;

  private positions: Float64Array | Float32Array | null = null;
  private images: PixelImages | null = null;
  private sheet: HTMLCanvasElement | null = null;
  private subset: TestDataset = 'scenes';
  private tsne: Tsne | null = null;
  private zoom = 1;
  private panX = 0;
  private panY = 0;
  private drag: { x: number; y: number; moved: boolean } | null = null;
  /** The link's fields not yet checked against the network and its test set, until they load. */
  private unchecked: Record<string, unknown> | null = null;
  private readonly runs = new RunSlot();
  private readonly workbench = new WorkbenchLink(this, (s) => s.net !== this.lastNet && void this.compute(), [this.runs]);
  private lastNet: unknown = null;

  override connectedCallback(): void {
    super.connectedCallback();
    const saved = this.id
      ? readUrlFields(this.id, WHAT, {
          space: oneOf('features', 'pixels'),
          method: oneOf('tsne', 'pca'),
          perplexity: numberIn(2, 100),
          sprites: oneOf(true, false),
        })
      : {};
    if (saved['space'] !== undefined) this.space = saved['space'] as Space;
    if (saved['method'] !== undefined) this.method = saved['method'] as Method;
    if (saved['perplexity'] !== undefined) this.perplexity = saved['perplexity'] as number;
    if (saved['sprites'] !== undefined) this.sprites = saved['sprites'] as boolean;
    this.unchecked = saved['space'] !== undefined || saved['perplexity'] !== undefined ? saved : null;
    void this.compute();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.tsne = null;
    this.positions = null;
  }

  private saveState(): void {
    if (this.id) writeUrlState(this.id, { space: this.space, method: this.method, perplexity: this.perplexity, sprites: this.sprites });
  }

  private change(patch: Partial<{ space: Space; method: Method; perplexity: number }>): void {
    Object.assign(this, patch);
    this.saveState();
    void this.compute();
  }

  private setRunState(value: 'preparing' | 'running' | 'paused' | 'done'): void {
    this.setAttribute('data-state', value);
  }

  private async compute(): Promise<void> {
    const { net, modelId } = this.workbench.state;
    this.runs.abort();
    if (!net) return;
    this.lastNet = net;
    const signal = this.runs.start();
    Object.assign(this, { error: null, kl: null, explained: null, agreement: null, iteration: 0, paused: false, tsne: null, positions: null });
    this.setRunState('preparing');
    try {
      const layer = featureLayer(net);
      if (this.unchecked && this.id && !layer) {
        this.unchecked = checkUrlFields(this.id, WHAT, this.unchecked, { space: oneOf('pixels') });
        if (this.unchecked['space'] === undefined) this.space = 'pixels';
      }
      if (this.space === 'features' && !layer) throw new Error(`${net.title} has no hidden layer with one vector per image before its class scores; try the pixel space.`);
      const dataset = datasetFor(modelId, net);
      this.progress = 'Reading the test subset…';
      const onProgress = (done: number, total: number) => this.runs.isCurrent(signal) && (this.progress = `Reading the test subset: ${done} of ${total} images…`);
      const [images, vectors] = await Promise.all([
        testImages(dataset),
        testVectors(net, dataset, this.space === 'features' ? { space: 'features', layer: layer! } : { space: 'pixels', side: PIXEL_SIDE }, { signal, onProgress }),
      ]);
      signal.throwIfAborted();
      if (dataset !== this.subset || !this.sheet) this.sheet = spriteCanvas(images);
      this.subset = dataset;
      this.images = images;
      if (this.unchecked && this.id) {
        // t-SNE needs three neighbours per unit of perplexity among the other images.
        const ok = checkUrlFields(this.id, WHAT, this.unchecked, { perplexity: numberIn(2, Math.floor((vectors.count - 1) / 3)) });
        if (ok['perplexity'] === undefined) this.perplexity = TSNE_DEFAULTS.perplexity;
        this.unchecked = null;
      }
      if (this.method === 'pca') await this.runPca(vectors, signal);
      else await this.runTsne(vectors, signal);
    } catch (err) {
      if (!signal.aborted) {
        this.error = errorMessage(err);
        this.progress = null;
      }
    }
  }

  private async runPca(vectors: VectorSet, signal: AbortSignal): Promise<void> {
    this.progress = 'Computing the principal components…';
    const result = await pca(vectors, 2);
    signal.throwIfAborted();
    this.positions = result.projections;
    this.explained = result.variances.map((v) => v / result.totalVariance);
    this.progress = null;
    this.finish();
  }

  private async runTsne(vectors: VectorSet, signal: AbortSignal): Promise<void> {
    const perplexity = Math.min(this.perplexity, Math.floor((vectors.count - 1) / 3));
    const tsne = new Tsne(vectors, { perplexity });
    this.progress = 'Finding each image’s neighbours and calibrating the perplexity…';
    await tsne.prepare({ signal, onProgress: (done, total) => this.runs.isCurrent(signal) && (this.progress = `Calibrating the perplexity: ${done} of ${total} images…`) });
    this.tsne = tsne;
    this.positions = tsne.positions;
    this.progress = null;
    await this.iterate(signal);
  }

  /** Runs iterations in short slices, drawing between them, until done, paused or aborted. */
  private async iterate(signal: AbortSignal): Promise<void> {
    const tsne = this.tsne;
    if (!tsne) return;
    this.setRunState('running');
    while (!signal.aborted && !this.paused && tsne.iteration < TSNE_ITERATIONS) {
      const start = performance.now();
      while (performance.now() - start < SLICE_MS && tsne.iteration < TSNE_ITERATIONS) {
        tsne.step();
        if (tsne.iteration % 50 === 0) this.kl = tsne.klDivergence();
      }
      this.iteration = tsne.iteration;
      this.setAttribute('data-iteration', String(tsne.iteration));
      this.draw();
      await yieldToEventLoop();
    }
    if (signal.aborted) return;
    if (tsne.iteration >= TSNE_ITERATIONS) this.finish();
    else {
      this.agreement = this.mapAgreement();
      this.setRunState('paused');
    }
  }

  private finish(): void {
    this.agreement = this.mapAgreement();
    this.draw();
    this.setRunState('done');
  }

  private togglePause(): void {
    this.paused = !this.paused;
    if (!this.paused) {
      const signal = this.runs.start();
      void this.iterate(signal);
    }
  }

  /** Share of points whose nearest point in the 2-D map has the same class: how well the map separates the classes. */
  private mapAgreement(): number | null {
    const y = this.positions;
    const labels = this.images?.labels;
    if (!y || !labels) return null;
    const n = y.length / 2;
    let same = 0;
    for (let i = 0; i < n; i++) {
      let best = -1;
      let bestD = Infinity;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        const d = (y[2 * i]! - y[2 * j]!) ** 2 + (y[2 * i + 1]! - y[2 * j + 1]!) ** 2;
        if (d < bestD) [best, bestD] = [j, d];
      }
      if (labels[best] === labels[i]) same++;
    }
    return same / n;
  }

  /** Canvas pixel of each point: the layout fitted to the view, then the reader's zoom and pan. */
  private transform(): ((x: number, y: number) => [number, number]) | null {
    const y = this.positions;
    if (!y) return null;
    let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
    for (let i = 0; i < y.length; i += 2) {
      minX = Math.min(minX, y[i]!); maxX = Math.max(maxX, y[i]!);
      minY = Math.min(minY, y[i + 1]!); maxY = Math.max(maxY, y[i + 1]!);
    }
    const scale = ((VIEW - 40) / Math.max(maxX - minX, maxY - minY, 1e-12)) * this.zoom;
    const cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
    return (x, v) => [VIEW / 2 + (x - cx) * scale + this.panX, VIEW / 2 - (v - cy) * scale + this.panY];
  }

  private draw(): void {
    const canvas = this.renderRoot.querySelector('canvas');
    const y = this.positions;
    const at = this.transform();
    if (!canvas || !y || !at || !this.images) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = VIEW * dpr;
    canvas.height = VIEW * dpr;
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = getComputedStyle(canvas).backgroundColor || '#fff';
    ctx.fillRect(0, 0, VIEW, VIEW);
    const { labels, width: tw, height: th } = this.images;
    const size = Math.min(32, 14 * Math.sqrt(this.zoom));
    ctx.imageSmoothingEnabled = true;
    for (let i = 0; i < y.length / 2; i++) {
      const [px, py] = at(y[2 * i]!, y[2 * i + 1]!);
      if (px < -size || py < -size || px > VIEW + size || py > VIEW + size) continue;
      const colour = CLASS_COLOURS[(labels?.[i] ?? 0) % CLASS_COLOURS.length]!;
      if (this.sprites && this.sheet) {
        ctx.drawImage(this.sheet, (i % 50) * tw, Math.floor(i / 50) * th, tw, th, px - size / 2, py - size / 2, size, size);
        ctx.strokeStyle = colour;
        ctx.lineWidth = 2;
        ctx.strokeRect(px - size / 2, py - size / 2, size, size);
      } else {
        ctx.fillStyle = colour;
        ctx.beginPath();
        ctx.arc(px, py, 3, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    const studied = this.studied();
    if (studied !== null) {
      const [px, py] = at(y[2 * studied]!, y[2 * studied + 1]!);
      ctx.strokeStyle = getComputedStyle(this).getPropertyValue('--_accent').trim() || '#0b62c4';
      ctx.lineWidth = 3;
      ctx.beginPath();
      ctx.arc(px, py, size, 0, 2 * Math.PI);
      ctx.stroke();
    }
    if (this.hover !== null) {
      const [px, py] = at(y[2 * this.hover]!, y[2 * this.hover + 1]!);
      ctx.strokeStyle = '#000';
      ctx.lineWidth = 2;
      ctx.strokeRect(px - size / 2 - 3, py - size / 2 - 3, size + 6, size + 6);
    }
  }

  /** The test image the page's figures study, when it is one of the points. */
  private studied(): number | null {
    const ref = this.workbench.state.sample?.ref ?? '';
    const index = /^test:\d+$/.test(ref) ? Number(ref.slice(5)) : -1;
    return this.positions && index >= 0 && index < this.positions.length / 2 ? index : null;
  }

  protected override updated(): void {
    this.draw();
  }

  /** The point nearest a canvas position, within a thumbnail's reach. */
  private pick(event: PointerEvent | MouseEvent): number | null {
    const canvas = event.currentTarget as HTMLCanvasElement;
    const rect = canvas.getBoundingClientRect();
    const mx = ((event.clientX - rect.left) / rect.width) * VIEW;
    const my = ((event.clientY - rect.top) / rect.height) * VIEW;
    const y = this.positions;
    const at = this.transform();
    if (!y || !at) return null;
    let best: number | null = null;
    let bestD = 12 ** 2;
    for (let i = 0; i < y.length / 2; i++) {
      const [px, py] = at(y[2 * i]!, y[2 * i + 1]!);
      const d = (px - mx) ** 2 + (py - my) ** 2;
      if (d < bestD) [best, bestD] = [i, d];
    }
    return best;
  }

  private zoomBy(factor: number): void {
    this.zoom = Math.min(50, Math.max(0.5, this.zoom * factor));
    this.panX *= factor;
    this.panY *= factor;
    this.draw();
  }

  private onKey(e: KeyboardEvent): void {
    const step = 40;
    const moves: Record<string, () => void> = {
      '+': () => this.zoomBy(1.25), '=': () => this.zoomBy(1.25), '-': () => this.zoomBy(0.8),
      '0': () => ((this.zoom = 1), (this.panX = this.panY = 0), this.draw()),
      ArrowLeft: () => ((this.panX += step), this.draw()), ArrowRight: () => ((this.panX -= step), this.draw()),
      ArrowUp: () => ((this.panY += step), this.draw()), ArrowDown: () => ((this.panY -= step), this.draw()),
    };
    const move = moves[e.key];
    if (move) {
      e.preventDefault();
      move();
    }
  }

  private async use(index: number): Promise<void> {
    workbench.useSample(await testSetSample(this.subset, this.workbench.state.modelId, index));
  }

  private exportPng(): void {
    this.renderRoot.querySelector('canvas')?.toBlob((blob) => {
      if (!blob) return;
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `${this.method}-${this.space}.png`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    }, 'image/png');
  }

  private renderReadout() {
    const names = this.workbench.state.net?.classNames ?? [];
    const labels = this.images?.labels;
    const lines: string[] = [];
    if (this.method === 'tsne') {
      lines.push(`Iteration ${this.iteration} of ${TSNE_ITERATIONS}${this.iteration < TSNE_DEFAULTS.exaggerationIterations && this.iteration > 0 ? ' (early exaggeration)' : ''}.`);
      if (this.kl !== null) lines.push(`KL divergence KL(P‖Q) = ${this.kl.toFixed(4)}.`);
    }
    if (this.explained) lines.push(`The two components explain ${(this.explained[0]! * 100).toFixed(1)}% and ${(this.explained[1]! * 100).toFixed(1)}% of the variance.`);
    if (this.agreement !== null) lines.push(`${(this.agreement * 100).toFixed(1)}% of the images have a nearest map neighbour of their own class.`);
    const studied = this.studied();
    if (studied !== null && labels) lines.push(`Ringed: the image the figures study, test image ${studied}, ${names[labels[studied]!] ?? labels[studied]}.`);
    if (this.hover !== null && labels) lines.push(`Under the pointer: test image ${this.hover}, ${names[labels[this.hover]!] ?? labels[this.hover]}.`);
    const counts = new Map<number, number>();
    labels?.forEach((l) => counts.set(l, (counts.get(l) ?? 0) + 1));
    return html`<div>
      <ul class="readout" aria-label="Text readout of the map" data-testid="readout">
        ${lines.map((l) => html`<li>${l}</li>`)}
      </ul>
      <ul class="legend" aria-label="Colours of the classes">
        ${[...counts.keys()].sort((a, b) => a - b).map(
          (c) => html`<li><span class="swatch" style="background:${CLASS_COLOURS[c % CLASS_COLOURS.length]}"></span>${names[c] ?? `class ${c}`} (${counts.get(c)})</li>`,
        )}
      </ul>
    </div>`;
  }

  override render() {
    const { error: netError } = this.workbench.state;
    const title = `${this.method === 'tsne' ? 't-SNE' : 'PCA'} of the ${this.space === 'features' ? 'last hidden layer' : 'pixels'}`;
    return html`<div class="panel">
      ${netError ? html`<p class="error" role="alert">${netError}</p>` : nothing}
      <div class="controls">
        <label
          >Space
          <select @change=${(e: Event) => this.change({ space: (e.target as HTMLSelectElement).value as Space })}>
            <option value="features" ?selected=${this.space === 'features'}>last hidden layer</option>
            <option value="pixels" ?selected=${this.space === 'pixels'}>pixels (≤ ${PIXEL_SIDE}×${PIXEL_SIDE})</option>
          </select></label
        >
        <label
          >Method
          <select @change=${(e: Event) => this.change({ method: (e.target as HTMLSelectElement).value as Method })}>
            <option value="tsne" ?selected=${this.method === 'tsne'}>t-SNE</option>
            <option value="pca" ?selected=${this.method === 'pca'}>PCA</option>
          </select></label
        >
        ${this.method === 'tsne'
          ? html`<label
                >Perplexity
                <input type="number" min="2" max="100" .value=${String(this.perplexity)}
                  @change=${(e: Event) => {
                    const v = Number((e.target as HTMLInputElement).value);
                    if (Number.isFinite(v)) this.change({ perplexity: Math.max(2, Math.min(100, v)) });
                  }}
              /></label>
              <button type="button" ?disabled=${!this.tsne || this.iteration >= TSNE_ITERATIONS} @click=${this.togglePause}>${this.paused ? 'Resume' : 'Pause'}</button>
              <button type="button" @click=${() => void this.compute()}>Restart</button>`
          : nothing}
        <label
          ><span>Draw</span>
          <select @change=${(e: Event) => ((this.sprites = (e.target as HTMLSelectElement).value === 'images'), this.saveState(), this.draw())}>
            <option value="images" ?selected=${this.sprites}>images</option>
            <option value="dots" ?selected=${!this.sprites}>dots</option>
          </select></label
        >
        <button type="button" aria-label="Zoom in" @click=${() => this.zoomBy(1.25)}>+</button>
        <button type="button" aria-label="Zoom out" @click=${() => this.zoomBy(0.8)}>−</button>
        <button type="button" @click=${() => ((this.zoom = 1), (this.panX = this.panY = 0), this.draw())}>Reset view</button>
        <button type="button" ?disabled=${!this.positions} @click=${this.exportPng}>Save PNG</button>
      </div>
      <p class="status" role="status" aria-live="polite">${this.progress ?? ''}</p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <div class="layout">
        <canvas
          tabindex="0"
          role="img"
          aria-label="${title}: ${this.images?.count ?? 0} test images coloured by class. Arrow keys pan, + and − zoom, 0 resets."
          @wheel=${(e: WheelEvent) => (e.preventDefault(), this.zoomBy(e.deltaY < 0 ? 1.15 : 1 / 1.15))}
          @pointerdown=${(e: PointerEvent) => (this.drag = { x: e.clientX, y: e.clientY, moved: false })}
          @pointermove=${(e: PointerEvent) => {
            if (this.drag && (e.buttons & 1)) {
              const rect = (e.currentTarget as HTMLCanvasElement).getBoundingClientRect();
              const dx = ((e.clientX - this.drag.x) / rect.width) * VIEW, dy = ((e.clientY - this.drag.y) / rect.height) * VIEW;
              if (Math.abs(dx) + Math.abs(dy) > 2) this.drag.moved = true;
              this.panX += dx;
              this.panY += dy;
              this.drag.x = e.clientX;
              this.drag.y = e.clientY;
              this.draw();
            } else this.hover = this.pick(e);
          }}
          @pointerup=${(e: PointerEvent) => {
            const clicked = this.drag && !this.drag.moved ? this.pick(e) : null;
            this.drag = null;
            if (clicked !== null) void this.use(clicked);
          }}
          @pointerleave=${() => ((this.drag = null), (this.hover = null))}
          @keydown=${this.onKey}
        ></canvas>
        ${this.renderReadout()}
      </div>
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-embedding': CnnEmbedding;
  }
}
