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
import type { ConvNet } from '../src/core/convnet';
import { errorMessage } from '../src/core/errors';
import { formatNumber } from '../src/core/format';
import { type RgbaImage, tensorToImage, toModelInput, toRgba } from '../src/core/image';
import { loadProjectModel } from '../src/core/model-loader';
import { PauseControl, type RenderedImage, render } from '../src/core/optvis/render';
import { withPngText } from '../src/core/png-text';
import { TEXTURE_FEATURES_RANGE, loadFeatureNet } from '../src/core/style/feature-net';
import { type GramTarget, gramTargets } from '../src/core/style/gram';
import { STYLE_SIZE, SYNTHESIS_DEFAULTS, type StyleLossKind, textureSynthesis } from '../src/core/style/losses';
import { assetBase, assetUrl } from '../src/browser/assets';
import { getEngine } from '../src/browser/engine';
import { loadGallery, loadGalleryImage } from '../src/browser/gallery';
import { type FieldCheck, intIn, numberIn, oneOf, readUrlFields, writeUrlState } from '../src/browser/url-state';
import type { ValueMap } from './cnn-heatmap';
import type { LineSeries } from './cnn-line-chart';
import { RunSlot } from './run-slot';
import './cnn-heatmap';
import './cnn-line-chart';
import { baseStyles, controlRowStyles, runButtonStyles } from './theme';

/** The feature networks a style figure can use: both have the style layers below. */
export const STYLE_NETWORKS = [
  { id: 'texture-features', label: 'texture-features (random filters)' },
  { id: 'scenes-cnn', label: 'scenes-cnn (trained classifier)' },
] as const;
export type StyleNetworkId = (typeof STYLE_NETWORKS)[number]['id'];

/** The style layers of Gatys et al. (2015), relu1_1 … relu4_1 (their relu5_1 has no counterpart in these small networks). */
export const STYLE_LAYERS = ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1'] as const;

/** The gallery's textures. */
export const TEXTURES = ['brick', 'grass', 'gravel', 'stars', 'wood'] as const;

/** Bounds of the seed, the step count and a layer's weight. */
export const SEED_RANGE = [0, 99_999] as const;
export const STEP_RANGE = [1, 2000] as const;
export const WEIGHT_RANGE = [0, 10] as const;
/** Steps between two images shown while a run goes on. */
export const SNAPSHOT_EVERY = 5;

/** Loads a style figure's feature network; the caller owns and disposes it. */
export async function loadStyleNetwork(id: StyleNetworkId, size: number): Promise<ConvNet> {
  await getEngine();
  if (id === 'scenes-cnn') return loadProjectModel(id, assetBase());
  return loadFeatureNet(assetUrl('models/texture-features/model.json'), { id, inputShape: [size, size, 3], inputRange: TEXTURE_FEATURES_RANGE });
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

type Phase = 'loading' | 'idle' | 'running' | 'pausing' | 'paused' | 'done' | 'cancelled';
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
    css`
      input[type='number'] {
        width: 5.5rem;
        padding: 0.3rem;
        border: 1px solid var(--_border);
        border-radius: 6px;
        background: var(--itc-bg, #fff);
      }
      fieldset {
        border: 1px solid var(--_border);
        border-radius: 6px;
        margin: 0 0 0.75rem;
      }
      legend,
      .note {
        font-size: 0.875rem;
      }
      .result {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr));
        gap: 1rem;
        align-items: start;
        --cnn-heatmap-size: 256px;
      }
      .status {
        font-size: 0.875rem;
        min-height: 1.3rem;
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
  @state() private phase: Phase = 'loading';
  @state() private history: number[] = [];
  @state() private sampleImage: RgbaImage | null = null;
  @state() private result: RgbaImage | null = null;
  @state() private targets: GramTarget[] = [];
  @state() private error: string | null = null;
  @state() private message = '';
  @state() private msPerStep = 0;

  private readonly runs = new RunSlot();
  private readonly preparing = new RunSlot();
  private readonly pauseControl = new PauseControl(() => {
    if (this.phase === 'pausing') this.phase = 'paused';
  });
  private nets = new Map<StyleNetworkId, Promise<ConvNet>>();
  /** The settings the current run was started with, for the export. */
  private ran: Settings | null = null;

  private get busy(): boolean {
    return this.phase === 'running' || this.phase === 'pausing' || this.phase === 'paused';
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
    this.cancel('The run was cancelled: the figure left the page.');
    this.preparing.drop();
    const nets = [...this.nets.values()];
    this.nets = new Map();
    for (const net of nets) void net.then((n) => n.dispose(), () => undefined);
    super.disconnectedCallback();
  }

  protected override willUpdate(changed: Map<string, unknown>): void {
    // A page (an exercise's "show it") that sets an attribute sets the figure.
    if (changed.has('only') && changed.get('only') !== undefined) this.set({ only: this.only });
    if (changed.has('show') && changed.get('show') !== undefined && STYLE_LAYERS.includes(this.show)) this.set({ show: this.show });
  }

  private net(id: StyleNetworkId): Promise<ConvNet> {
    let net = this.nets.get(id);
    if (!net) {
      net = loadStyleNetwork(id, this.settings.size);
      this.nets.set(id, net);
      net.catch(() => this.nets.delete(id));
    }
    return net;
  }

  /** The sample at the chosen size and its Gram matrices in the chosen network; a new input cancels a run. */
  private async prepare(): Promise<void> {
    const signal = this.preparing.start();
    if (this.busy) this.cancel('The run was cancelled: the input changed.');
    const { sample, network, size } = this.settings;
    this.phase = 'loading';
    this.error = null;
    try {
      const [net, image] = await Promise.all([this.net(network), galleryImage(sample, signal)]);
      if (signal.aborted) return;
      const x = toModelInput(image, { height: size, width: size, channels: 3, range: net.inputRange });
      try {
        const [shown, targets] = await Promise.all([tensorToImage(x, { range: net.inputRange }), gramTargets(net, x, STYLE_LAYERS)]);
        if (signal.aborted) return;
        Object.assign(this, { sampleImage: shown, targets, phase: 'idle' });
      } finally {
        x.dispose();
      }
    } catch (err) {
      if (!signal.aborted) Object.assign(this, { error: `The figure could not prepare the sample: ${errorMessage(err)}`, phase: 'idle' });
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
    if (this.phase !== 'idle' && this.phase !== 'done' && this.phase !== 'cancelled') return;
    const layers = this.layers();
    if (layers.length === 0) {
      this.error = 'Give at least one layer a weight above zero: with no layer there is nothing to match.';
      return;
    }
    const settings = { ...this.settings };
    const signal = this.runs.start();
    this.pauseControl.resume();
    Object.assign(this, { phase: 'running', history: [], result: null, error: null, message: '', msPerStep: 0, ran: settings });
    try {
      const net = await this.net(settings.network);
      const t0 = performance.now();
      const options = textureSynthesis(net, { layers, size: settings.size, steps: settings.steps, seed: settings.seed, loss: settings.term });
      const result = await render(net, {
        ...options,
        signal,
        pause: this.pauseControl,
        snapshotEvery: SNAPSHOT_EVERY,
        onStep: (s) => {
          if (!this.runs.isCurrent(signal)) return;
          this.history = [...this.history, -s.objective];
          this.msPerStep = (performance.now() - t0) / this.history.length;
          if (s.image) this.result = renderedToRgba(s.image, net.inputRange);
        },
      });
      if (!this.runs.isCurrent(signal)) return;
      this.result = renderedToRgba(result.image, net.inputRange);
      this.phase = result.aborted ? 'cancelled' : 'done';
      if (result.aborted) this.message ||= `The run was cancelled after ${this.history.length} of ${settings.steps} steps.`;
    } catch (err) {
      if (this.runs.isCurrent(signal)) Object.assign(this, { error: errorMessage(err), phase: 'idle' });
    }
  }

  private pause(): void {
    if (this.phase !== 'running') return;
    this.pauseControl.pause();
    this.phase = 'pausing';
  }

  private resume(): void {
    if (this.phase !== 'paused' && this.phase !== 'pausing') return;
    this.phase = 'running';
    this.pauseControl.resume();
  }

  private cancel(message = ''): void {
    if (!this.busy) return;
    this.message = message;
    this.runs.abort();
    this.pauseControl.resume();
    if (message) {
      this.runs.drop();
      this.phase = 'cancelled';
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
      <p class="note muted">A step at ${STYLE_SIZE.max} px costs about four times one at ${STYLE_SIZE.default} px.</p>
      <div class="buttons">
        <button type="button" aria-disabled=${busy || this.phase === 'loading'} @click=${() => void this.run()}>Run</button>
        <button type="button" aria-disabled=${!busy} @click=${this.phase === 'running' ? this.pause : this.resume}>${this.phase === 'running' || !busy ? 'Pause' : 'Resume'}</button>
        <button type="button" aria-disabled=${!busy} @click=${() => this.cancel()}>Cancel</button>
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
      cancelled: this.message || 'The run was cancelled.',
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
            </ul>
          </div>`
        : nothing}
    </div>`;
  }

  override render() {
    const busy = this.busy;
    return html`<div class="panel" aria-busy=${busy ? 'true' : 'false'} data-phase=${this.phase} data-steps=${this.history.length}>
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
