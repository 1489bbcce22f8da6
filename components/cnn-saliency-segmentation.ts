/**
 * `<cnn-saliency-segmentation>`: Simonyan et al.'s (2014, §3.1) weakly
 * supervised segmentation, live. A saliency map of the page's input seeds
 * GrabCut: the most salient pixels are foreground, the least salient
 * background; the reader moves both quantiles, the smoothness weight λ and the
 * number of iterations, and sees the seeds, the mask and, on the colour scenes,
 * its overlap with the true object.
 *
 * With an `id`, the reader's choices are kept in the URL.
 */
import { LitElement, type PropertyValues, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { describeRegions, topRegions } from '../src/core/attribution/maps';
import { ATTRIBUTION_METHODS } from '../src/core/attribution/registry';
import type { AttributionMap } from '../src/core/attribution/types';
import { type RgbaImage, tensorToImage } from '../src/core/image';
import {
  GRABCUT_ITERATIONS,
  GRABCUT_LAMBDA,
  SEED_BACKGROUND,
  SEED_FOREGROUND,
  SIMONYAN_BACKGROUND_QUANTILE,
  SIMONYAN_FOREGROUND_QUANTILE,
  type SaliencySegmentation,
  maskIoU,
  maskPrecisionRecall,
  seedsFromSaliency,
  segmentFromSaliency,
} from '../src/core/segmentation/grabcut';
import { chosenClass, classScores } from '../src/core/convnet';
import { readUrlState, writeUrlState } from '../src/browser/url-state';
import { sampleTensor } from '../src/browser/workbench';
import { RunSlot } from './run-slot';
import { WorkbenchLink } from './workbench-link';
import './cnn-heatmap';
import './cnn-input-bar';
import { baseStyles } from './theme';
import { errorMessage } from '../src/core/errors';

/** The maps that can seed the segmentation, as registry ids. */
export const SEGMENTATION_MAPS = ['saliency', 'smooth-grad-saliency'] as const;
type MapId = (typeof SEGMENTATION_MAPS)[number];

/** The reader's settings; `target` is a class index, or empty for the predicted class. */
interface Settings {
  method: MapId;
  target: string;
  foreground: number;
  background: number;
  lambda: number;
  iterations: number;
}

const DEFAULTS: Settings = {
  method: 'saliency',
  target: '',
  foreground: SIMONYAN_FOREGROUND_QUANTILE,
  background: SIMONYAN_BACKGROUND_QUANTILE,
  lambda: GRABCUT_LAMBDA,
  iterations: GRABCUT_ITERATIONS,
};

/** Slider ranges: λ up to 4× Rother et al.'s 50, and up to twice the default iterations. */
const RANGES = {
  foreground: { min: 0.5, max: 0.99, step: 0.01 },
  background: { min: 0, max: 0.9, step: 0.01 },
  lambda: { min: 0, max: 200, step: 5 },
  iterations: { min: 1, max: 10, step: 1 },
} as const;

/** Overlay colours (Okabe–Ito blue and orange) and the pattern period in screen pixels. */
const BACKGROUND_INK = [0, 114, 178] as const;
const FOREGROUND_INK = [230, 159, 0] as const;
const PERIOD = 6;

/** Pixels drawn per image pixel so that small inputs (28×28) still show their seeds clearly. */
const scaleFor = (side: number) => Math.max(1, Math.ceil(320 / side));

type Rgb = readonly [number, number, number];

/**
 * Draws `image` enlarged, each output pixel styled by `style` (given the source
 * pixel's index and the output coordinates, so patterns run across pixels).
 */
function paint(canvas: HTMLCanvasElement, image: RgbaImage, style: (i: number, x: number, y: number, rgb: Rgb) => Rgb): void {
  const k = scaleFor(Math.max(image.width, image.height));
  const [w, h] = [image.width * k, image.height * k];
  canvas.width = w;
  canvas.height = h;
  const out = new ImageData(w, h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = Math.floor(y / k) * image.width + Math.floor(x / k);
      const rgb = style(i, x, y, [image.data[i * 4]!, image.data[i * 4 + 1]!, image.data[i * 4 + 2]!]);
      out.data.set([rgb[0], rgb[1], rgb[2], 255], (y * w + x) * 4);
    }
  }
  canvas.getContext('2d')!.putImageData(out, 0, 0);
}

const mix = (a: Rgb, b: Rgb, t: number): Rgb => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
/** One diagonal (background) or both diagonals (foreground): a difference that survives greyscale and colour blindness. */
const stripe = (x: number, y: number) => (x + y) % PERIOD < 2;
const crossHatch = (x: number, y: number) => stripe(x, y) || (x - y + PERIOD * 10_000) % PERIOD < 2;

/** Whether pixel `i` of a mask is object with a non-object 4-neighbour (or the image edge). */
function onBoundary(mask: ArrayLike<number>, width: number, height: number, i: number): boolean {
  if (!mask[i]) return false;
  const [x, y] = [i % width, Math.floor(i / width)];
  return x === 0 || y === 0 || x === width - 1 || y === height - 1 || !mask[i - 1] || !mask[i + 1] || !mask[i - width] || !mask[i + width];
}

const pct = (n: number, total: number) => `${Math.round((n / total) * 100)}%`;

@customElement('cnn-saliency-segmentation')
export class CnnSaliencySegmentation extends LitElement {
  static override styles = [
    baseStyles,
    css`
      .controls {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr));
        gap: 0.5rem 1rem;
        align-items: end;
        margin-bottom: 0.75rem;
      }
      .controls label {
        min-width: 0;
        display: grid;
        gap: 0.2rem;
        font-size: 0.875rem;
        font-variant-numeric: tabular-nums;
      }
      select {
        width: 100%;
      }
      .result {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr));
        gap: 1rem;
        align-items: start;
        --cnn-heatmap-size: 100%;
      }
      figure {
        margin: 0;
        display: grid;
        gap: 0.5rem;
        min-width: 0;
      }
      figcaption {
        font-weight: 600;
      }
      canvas {
        width: 100%;
        aspect-ratio: 1;
        image-rendering: pixelated;
        border: 1px solid var(--_border);
        border-radius: 4px;
      }
      ul {
        font-size: 0.875rem;
        margin: 0;
        padding: 0;
        list-style: none;
        display: grid;
        gap: 0.25rem;
        font-variant-numeric: tabular-nums;
      }
      ul.readout {
        padding-left: 1.1rem;
        list-style: disc;
      }
      .swatch {
        display: inline-block;
        width: 1.1rem;
        height: 1.1rem;
        vertical-align: middle;
        margin-right: 0.4rem;
        border: 1px solid var(--_border);
      }
      .swatch.fg {
        background:
          repeating-linear-gradient(45deg, rgb(230 159 0) 0 2px, transparent 2px 6px),
          repeating-linear-gradient(-45deg, rgb(230 159 0) 0 2px, transparent 2px 6px),
          rgb(230 159 0 / 0.45);
      }
      .swatch.bg {
        background:
          repeating-linear-gradient(-45deg, rgb(0 114 178) 0 2px, transparent 2px 6px),
          rgb(0 114 178 / 0.45);
      }
      .swatch.unknown {
        background: #fff;
      }
      .status {
        font-size: 0.875rem;
        min-height: 1.3rem;
      }
    `,
  ];

  @state() private settings: Settings = { ...DEFAULTS };
  @state() private input: RgbaImage | null = null;
  @state() private logits: number[] = [];
  @state() private saliency: AttributionMap | null = null;
  @state() private seeds: Uint8Array | null = null;
  @state() private result: SaliencySegmentation | null = null;
  @state() private explained = '';
  @state() private mapping = false;
  @state() private segmenting = false;
  @state() private error: string | null = null;
  @state() private mapTime = 0;
  @state() private segmentTime = 0;

  /** Cancels the saliency map and the segmentation built on it. */
  private readonly mapRuns = new RunSlot();
  /** Cancels the GrabCut run alone, when only its settings change. */
  private readonly segmentRuns = new RunSlot();
  private readonly workbench = new WorkbenchLink(this, () => void this.computeMap(), [this.mapRuns, this.segmentRuns]);

  override connectedCallback(): void {
    super.connectedCallback();
    this.settings = this.readSettings();
    void this.computeMap();
  }

  /** The settings saved in the URL, each checked against its range; defaults for the rest. */
  private readSettings(): Settings {
    const saved = this.id ? readUrlState(this.id) : undefined;
    if (!saved || typeof saved !== 'object') return { ...DEFAULTS };
    const s = saved as Record<string, unknown>;
    const num = (key: keyof typeof RANGES) => {
      const v = s[key];
      const { min, max } = RANGES[key];
      return typeof v === 'number' && v >= min && v <= max ? v : DEFAULTS[key];
    };
    const settings: Settings = {
      method: SEGMENTATION_MAPS.includes(s['method'] as MapId) ? (s['method'] as MapId) : DEFAULTS.method,
      target: typeof s['target'] === 'string' && /^\d*$/.test(s['target']) ? s['target'] : '',
      foreground: num('foreground'),
      background: num('background'),
      lambda: num('lambda'),
      iterations: Math.round(num('iterations')),
    };
    settings.background = Math.min(settings.background, settings.foreground);
    return settings;
  }

  private saveSettings(): void {
    if (this.id) writeUrlState(this.id, this.settings);
  }

  /** The saliency map of the chosen class, then the segmentation. */
  private async computeMap(): Promise<void> {
    const { net, sample } = this.workbench.state;
    this.mapRuns.abort();
    this.segmentRuns.abort();
    if (!net || !sample) return;
    const signal = this.mapRuns.start();
    this.mapping = true;
    this.error = null;
    const image = sampleTensor(net, sample);
    try {
      const scores = await classScores(net, image);
      const { logits } = scores;
      const { target, method } = this.settings;
      const index = chosenClass(target, scores);
      const t0 = performance.now();
      const saliency = await ATTRIBUTION_METHODS[method].attribute({
        net,
        image,
        target: { kind: 'class', index },
        signal,
      });
      const mapTime = performance.now() - t0;
      const input = await tensorToImage(image, { range: net.inputRange });
      if (signal.aborted) return;
      Object.assign(this, { logits, saliency, input, mapTime, explained: net.classNames[index]!, result: null });
      this.mapping = false;
      void this.segment();
    } catch (err) {
      if (!signal.aborted) {
        this.error = errorMessage(err);
        this.mapping = false;
      }
    } finally {
      image.dispose();
    }
  }

  /** Seeds at once (they are cheap, so the sliders answer immediately), then GrabCut, cancelled by the next change. */
  private async segment(): Promise<void> {
    this.segmentRuns.abort();
    const { saliency, input } = this;
    if (!saliency || !input) return;
    const signal = this.segmentRuns.start();
    const { foreground, background, lambda, iterations } = this.settings;
    try {
      this.seeds = seedsFromSaliency(saliency.data, foreground, background);
    } catch (err) {
      Object.assign(this, { seeds: null, result: null, segmenting: false, error: errorMessage(err) });
      return;
    }
    this.error = null;
    this.segmenting = true;
    const t0 = performance.now();
    try {
      const result = await segmentFromSaliency({
        image: input,
        saliency: saliency.data,
        foregroundQuantile: foreground,
        backgroundQuantile: background,
        lambda,
        iterations,
        signal,
      });
      if (signal.aborted) return;
      Object.assign(this, { result, segmentTime: performance.now() - t0, segmenting: false });
    } catch (err) {
      if (!signal.aborted) Object.assign(this, { error: errorMessage(err), segmenting: false });
    }
  }

  private set(patch: Partial<Settings>, recompute: 'map' | 'segment'): void {
    const next = { ...this.settings, ...patch };
    // Keep 0 ≤ background ≤ foreground ≤ 1: the slider moved last wins.
    if ('background' in patch) next.foreground = Math.max(next.foreground, next.background);
    else next.background = Math.min(next.background, next.foreground);
    this.settings = next;
    this.saveSettings();
    void (recompute === 'map' ? this.computeMap() : this.segment());
  }

  protected override updated(changed: PropertyValues): void {
    const seedCanvas = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.seeds');
    const maskCanvas = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.mask');
    const { input, seeds, result } = this;
    if (!input) return;
    const fresh = changed.has('input') || changed.has('wb');
    if (seedCanvas && seeds && (fresh || changed.has('seeds'))) {
      paint(seedCanvas, input, (i, x, y, rgb) =>
        seeds[i] === SEED_FOREGROUND
          ? crossHatch(x, y) ? FOREGROUND_INK : mix(rgb, FOREGROUND_INK, 0.45)
          : seeds[i] === SEED_BACKGROUND
            ? stripe(x, y) ? BACKGROUND_INK : mix(rgb, BACKGROUND_INK, 0.45)
            : rgb,
      );
    }
    if (maskCanvas && result && (fresh || changed.has('result'))) {
      const truth = this.truthMask();
      const { width, height } = input;
      const checker = (x: number, y: number) => ((x >> 1) + (y >> 1)) % 2 === 0;
      paint(maskCanvas, input, (i, x, y, rgb) =>
        truth && onBoundary(truth, width, height, i)
          ? checker(x, y) ? [0, 0, 0] : [255, 255, 255]
          : result.mask[i] ? rgb : stripe(x, y) ? BACKGROUND_INK : mix(rgb, [0, 0, 0], 0.6),
      );
    }
  }

  /** The sample's object mask when it matches the network's input size (the colour scenes). */
  private truthMask(): Uint8Array | null {
    const mask = this.workbench.state.sample?.mask;
    if (!mask || !this.input || mask.width !== this.input.width || mask.height !== this.input.height) return null;
    return Uint8Array.from(mask.data, (v) => (v ? 1 : 0));
  }

  private slider(key: keyof typeof RANGES, label: string) {
    const { min, max, step } = RANGES[key];
    const value = this.settings[key];
    return html`<label
      >${label}
      <input
        type="range"
        name=${key}
        min=${min}
        max=${max}
        step=${step}
        .value=${String(value)}
        @input=${(e: Event) => this.set({ [key]: Number((e.target as HTMLInputElement).value) }, 'segment')}
    /></label>`;
  }

  private renderControls() {
    const net = this.workbench.state.net;
    if (!net || !this.logits.length) return nothing;
    const { method, target, foreground, background, lambda, iterations } = this.settings;
    const predicted = this.logits.indexOf(Math.max(...this.logits));
    const order = this.logits.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
    return html`<div class="controls">
      <label
        >Map
        <select @change=${(e: Event) => this.set({ method: (e.target as HTMLSelectElement).value as MapId }, 'map')}>
          ${SEGMENTATION_MAPS.map((id) => html`<option value=${id} ?selected=${id === method}>${ATTRIBUTION_METHODS[id].title}</option>`)}
        </select>
      </label>
      <label
        >Class explained
        <select @change=${(e: Event) => this.set({ target: (e.target as HTMLSelectElement).value }, 'map')}>
          <option value="" ?selected=${target === ''}>predicted (${net.classNames[predicted]})</option>
          ${order.map(([v, i]) => html`<option value=${i} ?selected=${target === String(i)}>${net.classNames[i]} (logit ${v.toFixed(2)})</option>`)}
        </select>
      </label>
      ${this.slider('foreground', `Foreground quantile ${foreground.toFixed(2)}`)}
      ${this.slider('background', `Background quantile ${background.toFixed(2)}`)}
      ${this.slider('lambda', `Smoothness λ = ${lambda}`)}
      ${this.slider('iterations', `At most ${iterations} iteration${iterations === 1 ? '' : 's'}`)}
    </div>`;
  }

  private renderSeeds() {
    const seeds = this.seeds;
    if (!seeds) return nothing;
    const counts = [0, 0, 0];
    for (const s of seeds) counts[s]!++;
    const [bg, fg, unknown] = counts as [number, number, number];
    const n = seeds.length;
    return html`<figure>
      <figcaption>Seeds from the map</figcaption>
      <canvas class="seeds" role="img" aria-label="Seeds: ${fg} foreground, ${bg} background and ${unknown} unknown pixels"></canvas>
      <ul class="legend" aria-label="Seed counts">
        <li data-seed="foreground"><span class="swatch fg" aria-hidden="true"></span>Foreground (cross-hatched): ${fg} pixels (${pct(fg, n)})</li>
        <li data-seed="background"><span class="swatch bg" aria-hidden="true"></span>Background (striped): ${bg} pixels (${pct(bg, n)})</li>
        <li data-seed="unknown"><span class="swatch unknown" aria-hidden="true"></span>Unknown (plain): ${unknown} pixels (${pct(unknown, n)})</li>
      </ul>
    </figure>`;
  }

  private renderMask() {
    const { result, input } = this;
    if (!result || !input) return nothing;
    const n = result.mask.length;
    const size = result.mask.reduce((s, v) => s + v, 0);
    const lines = [
      `Mask: ${size} pixels (${pct(size, n)} of the image) after ${result.iterationsRun} iteration${result.iterationsRun === 1 ? '' : 's'}.`,
    ];
    const truth = this.truthMask();
    if (truth) {
      const fmt = (v: number) => v.toFixed(2);
      const { precision, recall } = maskPrecisionRecall(result.mask, truth);
      const seedsOnly = Uint8Array.from(result.seeds, (s) => (s === SEED_FOREGROUND ? 1 : 0));
      lines.push(
        `Against the true object: IoU ${fmt(maskIoU(result.mask, truth))}, precision ${fmt(precision)}, recall ${fmt(recall)}.`,
        `The foreground seeds alone: IoU ${fmt(maskIoU(seedsOnly, truth))}.`,
      );
    }
    return html`<figure>
      <figcaption>GrabCut mask</figcaption>
      <canvas class="mask" role="img" aria-label=${`GrabCut mask. ${lines.join(' ')}`}></canvas>
      <ul class="readout mask-readout" aria-label="Text readout of the mask">
        ${lines.map((l) => html`<li>${l}</li>`)}
        <li class="muted">Striped and dimmed: background; plain: the object.${truth ? ' Black-and-white checks: the true object’s outline.' : ''}</li>
      </ul>
    </figure>`;
  }

  override render() {
    const { saliency, input } = this;
    const title = ATTRIBUTION_METHODS[this.settings.method].title;
    const status = this.workbench.state.loading || this.mapping || (!saliency && !this.error)
      ? 'Computing…'
      : this.segmenting
        ? 'Segmenting…'
        : this.result
          ? `${title} for “${this.explained}” computed in ${this.mapTime.toFixed(0)} ms; segmented in ${this.segmentTime.toFixed(0)} ms.`
          : '';
    return html`<div class="panel" aria-busy=${this.mapping || this.segmenting ? 'true' : 'false'}>
      <cnn-input-bar></cnn-input-bar>
      ${this.workbench.state.error ? html`<p class="error" role="alert">${this.workbench.state.error}</p>` : nothing}
      ${this.renderControls()}
      <p class="status" role="status" aria-live="polite">${status}</p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${saliency && input
        ? html`<div class="result">
            <cnn-heatmap
              .image=${input}
              .map=${saliency}
              .readout=${[`Strongest regions: ${describeRegions(topRegions(saliency))}.`]}
              label="${title}: ${this.explained}"
              no-controls
            ></cnn-heatmap>
            ${this.renderSeeds()} ${this.renderMask()}
          </div>`
        : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-saliency-segmentation': CnnSaliencySegmentation;
  }
}
