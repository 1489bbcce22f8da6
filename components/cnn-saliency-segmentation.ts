/**
 * `<cnn-saliency-segmentation>`: Simonyan et al.'s (2014, §3.1) weakly
 * supervised segmentation, live. A map of the page's input seeds GrabCut: the
 * most salient pixels start the foreground colour model, the least salient the
 * background; the reader picks the map, moves both quantiles, the smoothness
 * weight λ and the number of iterations, makes the seeds hard constraints or
 * not, and sees the seeds, the mask and, on the colour scenes, its overlap
 * with the true object.
 *
 * Below, the quality table: the mean and median IoU of each map's cut over the
 * first N test scenes beside two baselines, recomputed on request under the
 * figure's settings (with progress and cancel), and the scenes where the
 * chosen map's cut fails worst, one click from being shown above.
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
  BACKGROUND_QUANTILE, FOREGROUND_QUANTILE, GRABCUT_ITERATIONS, GRABCUT_LAMBDA, HARD_SEEDS, SEED_FOREGROUND,
  type SaliencySegmentation, maskIoU, maskPrecisionRecall, seedsFromSaliency, segmentFromSaliency,
} from '../src/core/segmentation/grabcut';
import { maskOverlay, seedOverlay } from '../src/core/segmentation/overlay';
import {
  DEFAULT_SEED_MAP, type QualityTable, SEED_MAPS, type SeedMapId, bestRow, seedMap, segmentationQuality,
} from '../src/core/segmentation/quality';
import { chosenClass, classScores } from '../src/core/convnet';
import { errorMessage } from '../src/core/errors';
import { checkUrlFields, indexText, indexTextBelow, intIn, oneOf, readUrlFields, writeUrlState } from '../src/browser/url-state';
import { sampleTensor, testSample, workbench } from '../src/browser/workbench';
import { RunSlot } from './run-slot';
import { WorkbenchLink } from './workbench-link';
import './cnn-heatmap';
import './cnn-input-bar';
import { baseStyles, numberTableStyles } from './theme';

/** The reader's settings; `target` is a class index, or empty for the predicted class. */
interface Settings {
  method: SeedMapId;
  target: string;
  foreground: number;
  background: number;
  lambda: number;
  iterations: number;
  hard: boolean;
}

const DEFAULTS: Settings = {
  method: DEFAULT_SEED_MAP,
  target: '',
  foreground: FOREGROUND_QUANTILE,
  background: BACKGROUND_QUANTILE,
  lambda: GRABCUT_LAMBDA,
  iterations: GRABCUT_ITERATIONS,
  hard: HARD_SEEDS,
};

/** Slider ranges: λ up to 4× Rother et al.'s 50, and up to twice the default iterations. */
const RANGES = {
  foreground: { min: 0.5, max: 0.99, step: 0.01 },
  background: { min: 0, max: 0.9, step: 0.01 },
  lambda: { min: 0, max: 200, step: 5 },
  iterations: { min: 1, max: 10, step: 1 },
} as const;

/** Scenes the table can be recomputed over: one per class up to the measured 210 and the whole committed subset. */
const TABLE_SIZES = [7, 35, 70, 210, 1000] as const;
const DEFAULT_TABLE_SIZE = 35;
/** The worst scenes of the chosen map the table offers to show. */
const FAILURES_SHOWN = 3;

/** The only network whose test scenes carry true object masks. */
const SCENES_MODEL = 'scenes-cnn';

type TablePhase = 'idle' | 'running' | 'done' | 'cancelled' | 'error';

const pct = (n: number, total: number) => `${Math.round((n / total) * 100)}%`;
const fmt = (v: number) => v.toFixed(2);

/** Copies an overlay into a canvas, resizing it to the overlay. */
function show(canvas: HTMLCanvasElement, image: RgbaImage): void {
  canvas.width = image.width;
  canvas.height = image.height;
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
}

/**
 * @summary Weakly supervised segmentation: a saliency map of the page's image seeds GrabCut.
 */
@customElement('cnn-saliency-segmentation')
export class CnnSaliencySegmentation extends LitElement {
  static override styles = [
    baseStyles,
    numberTableStyles,
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
      .controls label.check {
        display: flex;
        gap: 0.4rem;
        align-items: center;
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
      .quality {
        margin-top: 1.25rem;
        display: grid;
        gap: 0.5rem;
      }
      .quality h3 {
        margin: 0;
        font-size: 1rem;
      }
      .quality .row {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem 1rem;
        align-items: end;
      }
      .quality label {
        display: grid;
        gap: 0.2rem;
        font-size: 0.875rem;
      }
      .quality select {
        width: auto;
      }
      .table-wrap {
        overflow-x: auto;
      }
      table th[scope='row'],
      table th[scope='col']:first-child {
        text-align: left;
        font-weight: normal;
      }
      .note {
        font-size: 0.875rem;
        margin: 0;
      }
      tr.best th,
      tr.best td {
        font-weight: 700;
      }
      tr.baseline th {
        font-style: italic;
      }
      progress {
        width: min(20rem, 100%);
      }
      .failures {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
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

  @state() private tableSize: number = DEFAULT_TABLE_SIZE;
  /** The last table computed, or null; kept in a public field so tests can compare it with the core. */
  @state() table: QualityTable | null = null;
  @state() private tablePhase: TablePhase = 'idle';
  @state() private tableDone = 0;
  @state() private tableMessage = '';
  /** The network the running table uses. */
  private tableNet: unknown = null;

  /** Cancels the map and the segmentation built on it. */
  /** The link's settings, until the class is checked against the network's class count. */
  private unchecked: Record<string, unknown> | null = null;
  private readonly mapRuns = new RunSlot();
  /** Cancels the GrabCut run alone, when only its settings change. */
  private readonly segmentRuns = new RunSlot();
  /** Cancels the quality table. */
  private readonly tableRuns = new RunSlot();
  private readonly workbench = new WorkbenchLink(this, () => this.inputChanged(), [this.mapRuns, this.segmentRuns, this.tableRuns]);

  override connectedCallback(): void {
    super.connectedCallback();
    this.settings = this.readSettings();
    void this.computeMap();
  }

  /** The settings saved in the URL, each checked against its range; defaults for the rest. */
  private readSettings(): Settings {
    if (!this.id) return { ...DEFAULTS };
    const inRange = (key: keyof typeof RANGES) =>
      key === 'iterations'
        ? intIn(RANGES.iterations.min, RANGES.iterations.max)
        : (v: unknown) => typeof v === 'number' && v >= RANGES[key].min && v <= RANGES[key].max;
    const saved = readUrlFields(this.id, 'the segmentation figure', {
      method: oneOf(...SEED_MAPS),
      target: indexText,
      hard: oneOf(true, false),
      ...Object.fromEntries((Object.keys(RANGES) as (keyof typeof RANGES)[]).map((key) => [key, inRange(key)])),
    });
    // The background seeds lie below the foreground's quantile: a link with them above it keeps its foreground.
    const foreground = (saved['foreground'] as number | undefined) ?? DEFAULTS.foreground;
    const kept = checkUrlFields(this.id, 'the segmentation figure', saved, { background: (v) => (v as number) <= foreground });
    this.unchecked = kept['target'] ? kept : null;
    return { ...DEFAULTS, ...kept } as Settings;
  }

  private saveSettings(): void {
    if (this.id) writeUrlState(this.id, this.settings);
  }

  /** A new network stops a table computed on the old one (which the workbench may dispose); any change recomputes the map. */
  private inputChanged(): void {
    if (this.workbench.state.net !== this.tableNet) this.cancelTable('The table was cancelled: the network changed.');
    void this.computeMap();
  }

  /** The chosen map of the chosen class, then the segmentation. */
  private async computeMap(): Promise<void> {
    const { net, sample } = this.workbench.state;
    this.mapRuns.abort();
    this.segmentRuns.abort();
    if (!net || !sample) return;
    if (this.unchecked && this.id) {
      const ok = checkUrlFields(this.id, 'the segmentation figure', this.unchecked, { target: indexTextBelow(net.classNames.length) });
      if (ok['target'] === undefined) this.settings = { ...this.settings, target: '' };
      this.unchecked = null;
    }
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
      const saliency = await seedMap(net, image, method, index, signal);
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
    const { foreground, background, lambda, iterations, hard } = this.settings;
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
        hardSeeds: hard,
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

  /** The quality table over the first `tableSize` test scenes, under the figure's cut settings. */
  private async computeTable(): Promise<void> {
    const net = this.workbench.state.net;
    if (this.tablePhase === 'running' || net?.id !== SCENES_MODEL) return;
    const signal = this.tableRuns.start();
    this.tableNet = net;
    const count = this.tableSize;
    Object.assign(this, { tablePhase: 'running', tableDone: 0, tableMessage: '' });
    const { foreground, background, lambda, iterations, hard } = this.settings;
    try {
      const table = await segmentationQuality({
        net,
        count,
        settings: { foregroundQuantile: foreground, backgroundQuantile: background, lambda, iterations, hardSeeds: hard },
        signal,
        onProgress: (done) => {
          if (this.tableRuns.isCurrent(signal)) this.tableDone = done;
        },
      });
      if (!this.tableRuns.isCurrent(signal) || signal.aborted) return;
      Object.assign(this, { table, tablePhase: 'done' });
    } catch (err) {
      if (!this.tableRuns.isCurrent(signal)) return;
      if (signal.aborted) this.tablePhase = 'cancelled';
      else Object.assign(this, { tablePhase: 'error', tableMessage: errorMessage(err) });
    }
  }

  private cancelTable(message = ''): void {
    if (this.tablePhase !== 'running') return;
    this.tableRuns.abort();
    Object.assign(this, { tablePhase: 'cancelled', tableMessage: message });
  }

  /** Shows test scene `index` in every figure of the page (the workbench's sample). */
  private async showScene(index: number): Promise<void> {
    workbench.useSample(await testSample(SCENES_MODEL, index));
  }

  protected override updated(changed: PropertyValues): void {
    const seedCanvas = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.seeds');
    const maskCanvas = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.mask');
    const { input, seeds, result } = this;
    if (!input) return;
    const fresh = changed.has('input');
    if (seedCanvas && seeds && (fresh || changed.has('seeds'))) show(seedCanvas, seedOverlay(input, seeds));
    if (maskCanvas && result && (fresh || changed.has('result'))) show(maskCanvas, maskOverlay(input, result.mask, this.truthMask()));
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
    const { method, target, foreground, background, lambda, iterations, hard } = this.settings;
    const predicted = this.logits.indexOf(Math.max(...this.logits));
    const order = this.logits.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
    return html`<div class="controls">
      <label
        >Map
        <select @change=${(e: Event) => this.set({ method: (e.target as HTMLSelectElement).value as SeedMapId }, 'map')}>
          ${SEED_MAPS.map((id) => html`<option value=${id} ?selected=${id === method}>${ATTRIBUTION_METHODS[id].title}</option>`)}
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
      <label class="check"
        ><input type="checkbox" .checked=${hard} @change=${(e: Event) => this.set({ hard: (e.target as HTMLInputElement).checked }, 'segment')} />
        Seeds are hard constraints</label
      >
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
      <p class="muted note">${this.settings.hard
        ? 'The cut keeps every seed as it is.'
        : 'The seeds start the colour models; the cut may relabel any pixel.'}</p>
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

  private renderQuality() {
    const net = this.workbench.state.net;
    const running = this.tablePhase === 'running';
    const heading = html`<h3 id="quality-heading">Quality over the test scenes</h3>`;
    if (net && net.id !== SCENES_MODEL) {
      return html`<section class="quality" aria-labelledby="quality-heading">
        ${heading}
        <p class="muted">The table needs the scenes network: only its test scenes come with true object masks. Choose “${SCENES_MODEL}” above.</p>
      </section>`;
    }
    const { foreground, background, lambda, iterations, hard } = this.settings;
    const status =
      running ? `Measuring: ${this.tableDone} of ${this.tableSize} scenes done.`
      : this.tablePhase === 'cancelled'
        ? `${this.tableMessage || `Cancelled after ${this.tableDone} of ${this.tableSize} scenes.`}${this.table ? ' The table below is from the last finished run.' : ''}`
      : this.tablePhase === 'error' ? ''
      : this.table ? `Measured over ${this.table.scenes.length} test scenes.`
      : `Measures every map's cut on the first test scenes under the settings above (SmoothGrad, 50 gradients a scene, takes most of the time).`;
    return html`<section class="quality" aria-labelledby="quality-heading">
      ${heading}
      <div class="row">
        <label
          >Test scenes
          <select ?disabled=${running} @change=${(e: Event) => (this.tableSize = Number((e.target as HTMLSelectElement).value))}>
            ${TABLE_SIZES.map((n) => html`<option value=${n} ?selected=${n === this.tableSize}>${n}</option>`)}
          </select>
        </label>
        <button type="button" class="recompute" aria-disabled=${running || !net} @click=${() => void this.computeTable()}>
          Recompute the table (λ = ${lambda}, quantiles ${foreground.toFixed(2)} / ${background.toFixed(2)}, ${iterations} it., ${hard ? 'hard' : 'soft'} seeds)
        </button>
        <button type="button" class="cancel" aria-disabled=${!running} @click=${() => this.cancelTable()}>Cancel</button>
      </div>
      ${running ? html`<progress max=${this.tableSize} .value=${this.tableDone} aria-label="Scenes measured"></progress>` : nothing}
      <p class="table-status" role="status" aria-live="polite" data-phase=${this.tablePhase}>${status}</p>
      ${this.tablePhase === 'error' ? html`<p class="error" role="alert">${this.tableMessage}</p>` : nothing}
      ${this.table ? this.renderTable(this.table) : nothing}
    </section>`;
  }

  private renderTable(table: QualityTable) {
    const best = bestRow(table).id;
    const s = table.settings;
    const chosen = table.rows.find((r) => r.id === this.settings.method)!;
    const worst = table.scenes.map((scene, i) => ({ scene, iou: chosen.ious[i]! })).sort((a, b) => a.iou - b.iou).slice(0, FAILURES_SHOWN);
    return html`<div class="table-wrap">
        <table>
          <caption class="muted">
            IoU with the true object over test scenes 0–${table.scenes.at(-1)}, quantiles ${fmt(s.foregroundQuantile)} / ${fmt(s.backgroundQuantile)},
            λ = ${s.lambda}, at most ${s.iterations} iterations, ${s.hardSeeds ? 'hard' : 'soft'} seeds. Bold: the best map.
          </caption>
          <thead>
            <tr><th scope="col">Seeds from</th><th scope="col">Mean IoU</th><th scope="col">Median IoU</th></tr>
          </thead>
          <tbody>
            ${table.rows.map(
              (r) => html`<tr data-row=${r.id} class=${r.baseline ? 'baseline' : r.id === best ? 'best' : ''}>
                <th scope="row">${r.title}</th><td>${fmt(r.mean)}</td><td>${fmt(r.median)}</td>
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <p>Worst cuts from ${chosen.title} in this table:</p>
      <div class="failures">
        ${worst.map(
          (w) => html`<button type="button" data-scene=${w.scene} @click=${() => void this.showScene(w.scene)}>
            Show test scene ${w.scene} (IoU ${fmt(w.iou)})
          </button>`,
        )}
      </div>`;
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
      ${this.renderQuality()}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-saliency-segmentation': CnnSaliencySegmentation;
  }
}
