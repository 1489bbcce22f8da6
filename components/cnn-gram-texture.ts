/**
 * `<cnn-gram-texture id="gram">`: Gram-matrix texture synthesis (Gatys, Ecker & Bethge 2015), live.
 * The reader picks a texture of the book's gallery, the feature network (the random texture-features,
 * or the trained scenes-cnn to compare), the weight of each style layer or one layer alone, the image
 * size and the seed; the figure shows the sample, the Gram matrix of a chosen layer as a heatmap with
 * a text readout, the synthesised image as it changes, the loss curve, the step counter, Pause /
 * Resume / Cancel, and exports the result as a PNG that carries its parameters. With an `id`, the
 * settings are kept in the URL; a value the figure cannot use falls back to its default with a notice.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { errorMessage } from '../src/core/errors';
import { formatNumber } from '../src/core/format';
import { type RgbaImage, toRgba } from '../src/core/image';
import type { RenderedImage } from '../src/core/optvis/render';
import { withPngText } from '../src/core/png-text';
import type { GramTarget } from '../src/core/style/gram';
import { STYLE_SIZE, SYNTHESIS_DEFAULTS, type StyleLossKind } from '../src/core/style/losses';
import { CONVERGED, type JobInputs, type JobStep, STYLE_LAYERS, type StyleNetworkId, converged } from '../src/core/style/style-job';
import { describeBackend } from './cnn-backend-status';
import { loadGallery, loadGalleryImage } from '../src/browser/gallery';
import { type RunnerPlace, StyleRunner } from '../src/browser/style-runner';
import { type FieldCheck, intIn, numberIn, oneOf, readUrlFields, writeUrlState } from '../src/browser/url-state';
import type { ValueMap } from './cnn-heatmap';
import type { LineSeries } from './cnn-line-chart';
import { RunPhases, RunSlot } from './run-slot';
import './cnn-heatmap';
import './cnn-line-chart';
import { baseStyles, controlRowStyles, fieldStyles, runButtonStyles } from './theme';

export { STYLE_LAYERS, SNAPSHOT_EVERY, type StyleNetworkId } from '../src/core/style/style-job';

/** The feature networks a style figure can use: both have the style layers. */
export const STYLE_NETWORKS: readonly { id: StyleNetworkId; label: string }[] = [
  { id: 'texture-features', label: 'texture-features (random filters)' },
  { id: 'scenes-cnn', label: 'scenes-cnn (trained classifier)' },
];

/** The gallery's textures. */
export const TEXTURES = ['brick', 'grass', 'gravel', 'stars', 'wood'] as const;

/** Bounds of the seed, the step count and a layer's weight. */
export const SEED_RANGE = [0, 99_999] as const;
export const STEP_RANGE = [1, 2000] as const;
export const WEIGHT_RANGE = [0, 10] as const;

/** Where a style figure's runs compute, for its label: "in a background worker on WASM · SIMD · 1 thread". */
export function describePlace(place: RunnerPlace | null): string {
  if (!place) return 'Starting the engine…';
  const backend = describeBackend(place.backend);
  return place.worker ? `Runs in a background worker on ${backend}.` : `Runs on the page's thread on ${backend}: ${place.reason}.`;
}

/** A gallery image by id, decoded. */
export async function galleryImage(id: string, signal?: AbortSignal): Promise<RgbaImage> {
  const entry = (await loadGallery()).find((g) => g.id === id);
  if (!entry) throw new Error(`The gallery has no image “${id}”.`);
  return loadGalleryImage(entry, signal);
}

/** A rendered image (floats in the network's input range) as RGBA pixels. */
export function renderedToRgba(image: RenderedImage, [lo, hi]: readonly [number, number]): RgbaImage {
  const { width, height, channels } = image;
  return toRgba({ width, height, channels: channels as 1 | 3, data: image.data.map((v) => ((v - lo) / (hi - lo)) * 255) });
}

/** Saves `image` as a PNG carrying `parameters` (src/core/png-text.ts). */
export async function downloadPng(image: RgbaImage, title: string, comment: string, parameters: unknown, fileName: string): Promise<void> {
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [image.width, image.height];
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) return;
  const png = withPngText(new Uint8Array(await blob.arrayBuffer()), { Title: title, Comment: comment, Parameters: JSON.stringify(parameters) });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([png as BlobPart], { type: 'image/png' }));
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** A uniform picture under a heatmap that shows a matrix alone. */
export function blankImage(width: number, height: number): RgbaImage {
  return { width, height, channels: 4, data: new Uint8ClampedArray(width * height * 4).fill(255) };
}

/** A labelled number input that keeps whole steps whole and clamps to its range before `apply`. */
export function numberField(label: string, name: string, value: number, [min, max]: readonly [number, number], step: number, apply: (v: number) => void, disabled: boolean) {
  return html`<label
    >${label}
    <input
      type="number"
      name=${name}
      min=${min}
      max=${max}
      step=${step}
      .value=${String(value)}
      ?disabled=${disabled}
      @change=${(e: Event) => {
        const input = e.target as HTMLInputElement;
        const v = Number(input.value);
        if (input.value.trim() === '' || !Number.isFinite(v)) return void (input.value = String(value));
        const clamped = Math.min(max, Math.max(min, Number.isInteger(step) ? Math.round(v) : v));
        input.value = String(clamped);
        apply(clamped);
      }}
  /></label>`;
}

/** A labelled select. */
export function selectField(label: string, name: string, value: string, options: readonly { value: string; label: string }[], apply: (v: string) => void, disabled: boolean) {
  return html`<label
    >${label}
    <select name=${name} ?disabled=${disabled} @change=${(e: Event) => apply((e.target as HTMLSelectElement).value)}>
      ${options.map((o) => html`<option value=${o.value} ?selected=${o.value === value}>${o.label}</option>`)}
    </select></label
  >`;
}

type Layer = (typeof STYLE_LAYERS)[number];

interface Settings {
  sample: (typeof TEXTURES)[number];
  network: StyleNetworkId;
  /** w_l of relu1_1 … relu4_1. */
  weights: number[];
  /** One layer alone ('' for the weighted sum). */
  only: '' | Layer;
  /** The layer whose Gram matrix is shown. */
  show: Layer;
  /** The layer term E_l: relative mean and covariance, or eq. 4 on the Gram matrix. */
  term: StyleLossKind;
  size: number;
  steps: number;
  seed: number;
}

const TERMS: readonly { value: StyleLossKind; label: string }[] = [
  { value: 'stats', label: 'mean and covariance, each relative' },
  { value: 'gram', label: 'Gram matrix, eq. 4 (Gatys et al.)' },
];

const DEFAULTS: Settings = { sample: 'brick', network: 'texture-features', weights: [1, 1, 1, 1], only: '', show: 'relu2_1', term: 'stats', size: STYLE_SIZE.default, steps: SYNTHESIS_DEFAULTS.steps, seed: 0 };

const CHECKS: Record<keyof Settings, FieldCheck> = {
  sample: oneOf(...TEXTURES),
  network: oneOf(...STYLE_NETWORKS.map((n) => n.id)),
  weights: (v) => Array.isArray(v) && v.length === STYLE_LAYERS.length && v.every(numberIn(WEIGHT_RANGE[0], WEIGHT_RANGE[1])),
  only: oneOf('', ...STYLE_LAYERS),
  show: oneOf(...STYLE_LAYERS),
  term: oneOf(...TERMS.map((t) => t.value)),
  size: intIn(STYLE_SIZE.min, STYLE_SIZE.max),
  steps: intIn(STEP_RANGE[0], STEP_RANGE[1]),
  seed: intIn(SEED_RANGE[0], SEED_RANGE[1]),
};

const WHAT = 'the texture-synthesis figure';

/**
 * @summary Gram-matrix texture synthesis from noise, live: sample, network, layer weights, Gram heatmap, loss curve, pause and seed.
 * @attr only - Synthesise from this one layer (relu1_1 … relu4_1), or '' for all layers with their weights.
 * @attr show - The layer whose Gram matrix the heatmap shows.
 * @attr term - The layer term: 'stats' (relative mean and covariance, the default) or 'gram' (eq. 4 of Gatys et al.).
 */
@customElement('cnn-gram-texture')
export class CnnGramTexture extends LitElement {
  static override styles = [
    baseStyles,
    controlRowStyles,
    runButtonStyles,
    fieldStyles,
    css`
      .result {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr));
        gap: 1rem;
        align-items: start;
        --cnn-heatmap-size: 256px;
      }
      .readout {
        font-size: 0.8rem;
        padding-left: 1.1rem;
      }
    `,
  ];

  /** Synthesise from this one layer alone ('' for all layers with their weights). */
  @property() only: '' | Layer = '';
  /** The layer whose Gram matrix is shown. */
  @property() show: Layer = DEFAULTS.show;
  /** The layer term E_l ('stats' or 'gram'). */
  @property() term: StyleLossKind = DEFAULTS.term;

  @state() private settings: Settings = { ...DEFAULTS };
  /** Whether the sample and its Gram matrices are being prepared (before the first run can start). */
  @state() private loading = true;
  @state() private history: number[] = [];
  @state() private sampleImage: RgbaImage | null = null;
  @state() private result: RgbaImage | null = null;
  @state() private targets: GramTarget[] = [];
  @state() private error: string | null = null;
  @state() private msPerStep = 0;
  @state() private place: RunnerPlace | null = null;
  /** The step at which the run converged (CONVERGED), and the seconds of computing until then. */
  @state() private convergedAt: { step: number; seconds: number } | null = null;
  /** The network's input range, as the last preparation reported it. */
  private range: readonly [number, number] = [0, 1];

  private readonly runner = new StyleRunner();
  private readonly runs = new RunPhases(this, this.runner, { confirmPause: true });
  private readonly preparing = new RunSlot();
  /** The gallery picture of the sample, as decoded (sent to the job as pixels). */
  private sample: { id: string; image: RgbaImage } | null = null;
  /** The settings the current run was started with, for the export. */
  private ran: Settings | null = null;

  private get busy(): boolean {
    return this.runs.busy;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // The page's attributes, then the link's settings.
    const attributes: Partial<Settings> = {};
    if (CHECKS.only(this.only)) attributes.only = this.only;
    if (CHECKS.show(this.show)) attributes.show = this.show;
    if (CHECKS.term(this.term)) attributes.term = this.term;
    const saved = this.id ? (readUrlFields(this.id, WHAT, CHECKS) as Partial<Settings>) : {};
    this.settings = { ...DEFAULTS, ...attributes, ...saved };
    void this.prepare();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.preparing.drop();
    this.runner.dispose();
  }

  protected override willUpdate(changed: Map<string, unknown>): void {
    // A page (an exercise's "show it") that sets an attribute sets the figure.
    if (changed.has('only') && changed.get('only') !== undefined) this.set({ only: this.only });
    if (changed.has('show') && changed.get('show') !== undefined && STYLE_LAYERS.includes(this.show)) this.set({ show: this.show });
  }

  /**
   * The sample at the chosen size and its Gram matrices in the chosen network, computed where the runs are
   * (a job of no steps reports its inputs); a new input cancels a run.
   */
  private async prepare(): Promise<void> {
    const signal = this.preparing.start();
    if (this.busy) this.runs.cancel('The run was cancelled: the input changed.');
    const { sample, network, size, term } = this.settings;
    Object.assign(this, { loading: true, error: null });
    try {
      const [place, image] = await Promise.all([this.runner.where(), this.sample?.id === sample ? this.sample.image : galleryImage(sample, signal)]);
      if (signal.aborted) return;
      this.place = place;
      this.sample = { id: sample, image };
      const layers = STYLE_LAYERS.map((layer) => ({ layer, weight: 1 }));
      let inputs: JobInputs | null = null;
      await this.runner.run({ kind: 'gram', sample: image, layers, term, size, steps: 0, seed: 0 }, network, { signal, onInputs: (i) => (inputs = i) });
      if (signal.aborted || !inputs) return;
      const { picture, targets, range } = inputs as JobInputs;
      Object.assign(this, { sampleImage: renderedToRgba(picture, range), targets, range, loading: false });
    } catch (err) {
      if (!signal.aborted) Object.assign(this, { error: `The figure could not prepare the sample: ${errorMessage(err)}`, loading: false });
    }
  }

  private set(patch: Partial<Settings>): void {
    const before = this.settings;
    this.settings = { ...before, ...patch };
    if (this.id) writeUrlState(this.id, this.settings);
    if (patch.sample !== undefined && patch.sample !== before.sample) void this.prepare();
    else if (patch.network !== undefined && patch.network !== before.network) void this.prepare();
    else if (patch.size !== undefined && patch.size !== before.size) void this.prepare();
  }

  /** The style layers of a run: the weights, or one layer alone. */
  private layers() {
    const { only, weights } = this.settings;
    return this.targets
      .map((target, i) => ({ target, weight: only ? (target.layer === only ? 1 : 0) : weights[i]! }))
      .filter((l) => l.weight > 0);
  }

  private async run(): Promise<void> {
    if (this.busy || this.loading || !this.sample) return;
    const layers = this.layers().map(({ target, weight }) => ({ layer: target.layer, weight }));
    if (layers.length === 0) {
      this.error = 'Give at least one layer a weight above zero: with no layer there is nothing to match.';
      return;
    }
    const settings = { ...this.settings };
    const range = this.range;
    const signal = this.runs.start();
    Object.assign(this, { history: [], result: null, error: null, msPerStep: 0, convergedAt: null, ran: settings });
    let busyMs = 0;
    try {
      const job = { kind: 'gram' as const, sample: this.sample.image, layers, term: settings.term, size: settings.size, steps: settings.steps, seed: settings.seed };
      const result = await this.runner.run(job, settings.network, {
        signal,
        onHeld: () => this.runs.held(),
        onStep: (s: JobStep) => {
          if (!this.runs.isCurrent(signal)) return;
          busyMs += s.ms;
          this.history = [...this.history, s.loss];
          this.msPerStep = busyMs / this.history.length;
          if (!this.convergedAt && converged('gram', this.history)) this.convergedAt = { step: s.step, seconds: busyMs / 1000 };
          if (s.image) this.result = renderedToRgba(s.image, range);
        },
      });
      if (!this.runs.isCurrent(signal)) return;
      if (result.image) this.result = renderedToRgba(result.image, range);
      this.runs.finish(signal, `The run was cancelled after ${this.history.length} of ${settings.steps} steps.`);
    } catch (err) {
      if (this.runs.fail(signal)) this.error = errorMessage(err);
    }
  }

  private async exportPng(): Promise<void> {
    const s = this.ran;
    if (!this.result || !s) return;
    const layers = s.only ? `${s.only} alone` : STYLE_LAYERS.map((l, i) => `${s.weights[i]}·E(${l})`).join(' + ');
    const parameters = { technique: 'gram-texture-synthesis', ...s, stepsRun: this.history.length, loss: this.history.at(-1) };
    await downloadPng(this.result, `Gram texture synthesis of ${s.sample} in ${s.network}`, `min L_style = ${layers}`, parameters, `gram-texture-${s.sample}-${s.network}-seed${s.seed}.png`);
  }

  private renderControls() {
    const busy = this.busy;
    const s = this.settings;
    const select = (label: string, name: string, value: string, options: readonly { value: string; label: string }[], apply: (v: string) => void) => selectField(label, name, value, options, apply, busy);
    return html`<div class="controls">
        ${select('Texture', 'sample', s.sample, TEXTURES.map((t) => ({ value: t, label: t })), (v) => this.set({ sample: v as Settings['sample'] }))}
        ${select('Network', 'network', s.network, STYLE_NETWORKS.map((n) => ({ value: n.id, label: n.label })), (v) => this.set({ network: v as StyleNetworkId }))}
        ${numberField(`Size (${STYLE_SIZE.min}–${STYLE_SIZE.max} px)`, 'size', s.size, [STYLE_SIZE.min, STYLE_SIZE.max], 1, (size) => this.set({ size }), busy)}
        ${numberField('Steps', 'steps', s.steps, STEP_RANGE, 1, (steps) => this.set({ steps }), busy)}
        ${numberField('Seed', 'seed', s.seed, SEED_RANGE, 1, (seed) => this.set({ seed }), busy)}
      </div>
      <fieldset>
        <legend>Style layers: L_style = Σ_l w_l E_l</legend>
        <div class="controls">
          ${select('Layer term E_l', 'term', s.term, TERMS, (v) => this.set({ term: v as StyleLossKind }))}
          ${select('Layers used', 'only', s.only, [{ value: '', label: 'all, with their weights' }, ...STYLE_LAYERS.map((l) => ({ value: l, label: `${l} alone` }))], (v) => this.set({ only: v as Settings['only'] }))}
          ${STYLE_LAYERS.map((l, i) =>
            numberField(`w of ${l}`, `w-${l}`, s.weights[i]!, WEIGHT_RANGE, 0.1, (w) => this.set({ weights: s.weights.map((x, j) => (j === i ? w : x)) }), busy || s.only !== ''),
          )}
        </div>
      </fieldset>
      <p class="note muted">
        A step at ${STYLE_SIZE.max} px costs about four times one at ${STYLE_SIZE.default} px.
        <span data-testid="place">${describePlace(this.place)}</span>
      </p>
      <div class="buttons">
        <button type="button" aria-disabled=${busy || this.loading} @click=${() => void this.run()}>Run</button>
        <button type="button" aria-disabled=${!busy} @click=${() => this.runs.togglePause()}>${this.runs.pauseLabel}</button>
        <button type="button" aria-disabled=${!busy} @click=${() => this.runs.cancel()}>Cancel</button>
        <button type="button" aria-disabled=${!this.result} @click=${() => void this.exportPng()}>Export PNG</button>
      </div>`;
  }

  private renderStatus() {
    const total = (this.ran ?? this.settings).steps;
    const step = this.history.length;
    const last = this.history[step - 1];
    const value = last === undefined ? '' : `, L_style ${formatNumber(last)}`;
    const speed = this.msPerStep ? `, ${this.msPerStep.toFixed(0)} ms a step` : '';
    const text = {
      loading: 'Loading the network and the sample…',
      idle: 'Set the controls and press Run.',
      running: `Running: step ${step} of ${total}${value}${speed}.`,
      pausing: `Pausing after step ${step + 1}…`,
      paused: `Paused after step ${step} of ${total}${value}.`,
      done: `Done: ${step} steps${value}${speed}.`,
      cancelled: this.runs.message || 'The run was cancelled.',
    }[this.phase];
    return html`<p class="status" role="status" aria-live="polite">${text}</p>`;
  }

  private renderGram() {
    const target = this.targets.find((t) => t.layer === this.settings.show);
    if (!target) return nothing;
    const n = target.channels;
    const map: ValueMap = { width: n, height: n, data: target.data };
    let [diagMin, diagMax, off, top, at] = [Infinity, -Infinity, 0, -Infinity, [0, 0]];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const v = target.data[i * n + j]!;
        if (i === j) [diagMin, diagMax] = [Math.min(diagMin, v), Math.max(diagMax, v)];
        else {
          off += v;
          if (v > top) [top, at] = [v, [i, j]];
        }
      }
    }
    const readout = [
      `${n} × ${n} matrix: one row and one column per channel of ${target.layer}.`,
      `Diagonal (mean squared activation of each channel): ${formatNumber(diagMin)} to ${formatNumber(diagMax)}.`,
      `Off-diagonal mean ${formatNumber(off / (n * n - n))}; largest ${formatNumber(top)}, channels ${at[0]} and ${at[1]}.`,
    ];
    return html`<div>
      <label
        >Gram matrix of
        <select name="show" @change=${(e: Event) => this.set({ show: (e.target as HTMLSelectElement).value as Layer })}>
          ${STYLE_LAYERS.map((l) => html`<option value=${l} ?selected=${l === this.settings.show}>${l}</option>`)}
        </select></label
      >
      <cnn-heatmap data-testid="gram" .image=${blankImage(n, n)} .map=${map} .opacity=${1} colormap="viridis" label=${`Gram matrix G = F Fᵀ / M of ${target.layer} (sample)`} .readout=${readout}></cnn-heatmap>
    </div>`;
  }

  private renderResult() {
    const h = this.history;
    const total = (this.ran ?? this.settings).steps;
    const series: LineSeries[] = h.length ? [{ label: 'log₁₀ L_style', colour: 'var(--_accent)', points: h.map((v, i) => ({ x: i + 1, y: Math.log10(Math.max(v, 1e-12)) })) }] : [];
    return html`<div class="result">
      ${this.sampleImage ? html`<cnn-heatmap .image=${this.sampleImage} .map=${null} label=${`Sample: ${this.settings.sample}, ${this.settings.size} px`} no-controls></cnn-heatmap>` : nothing}
      ${this.result ? html`<cnn-heatmap data-testid="synthesis" .image=${this.result} .map=${null} label=${`Synthesis, step ${h.length}`} no-controls></cnn-heatmap>` : nothing}
      ${this.renderGram()}
      ${h.length
        ? html`<div>
            <cnn-line-chart label="Style loss at each step" x-title="step" y-title="log₁₀ L_style" .series=${series} .xDomain=${[1, Math.max(total, h.length)] as const}></cnn-line-chart>
            <ul class="readout" aria-label="Run in numbers" data-testid="readout">
              <li>Step <span data-testid="step">${h.length}</span> of ${total}.</li>
              <li>L_style: first <span data-testid="first" data-value=${h[0]!}>${formatNumber(h[0]!)}</span>, now <span data-testid="loss" data-value=${h[h.length - 1]!}>${formatNumber(h[h.length - 1]!)}</span>, ${formatNumber(h[h.length - 1]! / h[0]!)} of the first.</li>
              <li data-testid="converged">
                ${this.convergedAt
                  ? `Converged at step ${this.convergedAt.step}, after ${this.convergedAt.seconds.toFixed(1)} s of computing: L_style was down to ${CONVERGED.gram * 100}% of the noise's.`
                  : `Not yet converged (L_style at ${CONVERGED.gram * 100}% of the noise's).`}
              </li>
            </ul>
          </div>`
        : nothing}
    </div>`;
  }

  /** The run's phase, or 'loading' while the sample is prepared between runs. */
  private get phase() {
    return this.loading && !this.busy ? 'loading' : this.runs.phase;
  }

  override render() {
    const busy = this.busy;
    return html`<div class="panel" aria-busy=${busy ? 'true' : 'false'} data-phase=${this.phase} data-steps=${this.history.length} data-leaked=${this.runner.lastLeaked}>
      ${this.renderControls()} ${this.renderStatus()}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing} ${this.renderResult()}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-gram-texture': CnnGramTexture;
  }
}
