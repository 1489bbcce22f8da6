/**
 * `<cnn-style-transfer id="transfer">`: Gatys style transfer, live (Gatys, Ecker & Bethge 2016). The
 * content is a photograph of the book's gallery or the reader's own (the image picker); the style is one
 * or two images of the gallery, blended by the weights of their Gram matrices; α, β and γ of
 * α L_content + β L_style + γ L_TV are sliders, and so is the style scale (the style image resized before
 * its Gram matrices are taken, Gatys et al. 2017). The figure shows the content, the styles and the result
 * as it changes, charts each weighted term separately so the reader sees each one's role, and has the step
 * counter, Pause / Resume / Cancel, the seed, the image size and a PNG export with the parameters. With an
 * `id`, the settings (and a gallery content image) are kept in the URL.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { errorMessage } from '../src/core/errors';
import { formatNumber } from '../src/core/format';
import type { RgbaImage } from '../src/core/image';
import { STYLE_SIZE, TRANSFER_DEFAULTS, type TransferTerms } from '../src/core/style/losses';
import { CONVERGED, type JobInputs, type JobStep, converged } from '../src/core/style/style-job';
import { type RunnerPlace, StyleRunner } from '../src/browser/style-runner';
import { type FieldCheck, intIn, numberIn, oneOf, readUrlFields, writeUrlState } from '../src/browser/url-state';
import type { ImageChangeDetail } from './cnn-image-picker';
import type { LineSeries } from './cnn-line-chart';
import {
  SEED_RANGE,
  SNAPSHOT_EVERY,
  STEP_RANGE,
  STYLE_NETWORKS,
  type StyleNetworkId,
  describePlace,
  downloadPng,
  galleryImage,
  numberField,
  renderedToRgba,
  selectField,
} from './cnn-gram-texture';
import { RunPhases } from './run-slot';
import './cnn-heatmap';
import './cnn-image-picker';
import './cnn-line-chart';
import { baseStyles, controlRowStyles, fieldStyles, runButtonStyles } from './theme';

/** The gallery images a style can come from (textures and photographs alike). */
const STYLE_IMAGES = ['stars', 'wood', 'grass', 'gravel', 'brick', 'alps', 'allium', 'coffee', 'rocket'] as const;
/** Layers the content code may come from. */
const CONTENT_LAYERS = ['relu2_1', 'relu3_1', 'relu4_1'] as const;

/** A weight slider over powers of ten (α, β) or linear (γ, which may be zero). */
interface WeightSlider {
  key: 'alpha' | 'beta' | 'gamma';
  label: string;
  range: readonly [number, number];
  log: boolean;
}
const SLIDERS: readonly WeightSlider[] = [
  { key: 'alpha', label: 'Content weight α', range: [0.01, 100], log: true },
  { key: 'beta', label: 'Style weight β', range: [1, 100_000], log: true },
  { key: 'gamma', label: 'TV weight γ', range: [0, 1], log: false },
];
const SCALE_RANGE = [0.25, 2] as const;
const BLEND_RANGE = [0, 1] as const;

interface Settings {
  network: StyleNetworkId;
  style: (typeof STYLE_IMAGES)[number];
  style2: (typeof STYLE_IMAGES)[number];
  /** Blend weights of the two styles. */
  blend: number[];
  alpha: number;
  beta: number;
  gamma: number;
  scale: number;
  contentLayer: (typeof CONTENT_LAYERS)[number];
  size: number;
  steps: number;
  seed: number;
}

/** Defaults: α/β and γ chosen by measurement on texture-features (see the chapter). */
const DEFAULTS: Settings = {
  network: 'texture-features',
  style: 'stars',
  style2: 'wood',
  blend: [1, 0],
  alpha: 1,
  beta: 1000,
  gamma: 0.01,
  scale: 1,
  contentLayer: 'relu3_1',
  size: STYLE_SIZE.default,
  steps: TRANSFER_DEFAULTS.steps,
  seed: 0,
};

const CHECKS: Record<keyof Settings, FieldCheck> = {
  network: oneOf(...STYLE_NETWORKS.map((n) => n.id)),
  style: oneOf(...STYLE_IMAGES),
  style2: oneOf(...STYLE_IMAGES),
  blend: (v) => Array.isArray(v) && v.length === 2 && v.every(numberIn(BLEND_RANGE[0], BLEND_RANGE[1])) && (v as number[]).some((w) => w > 0),
  alpha: numberIn(...SLIDERS[0]!.range),
  beta: numberIn(...SLIDERS[1]!.range),
  gamma: numberIn(...SLIDERS[2]!.range),
  scale: numberIn(SCALE_RANGE[0], SCALE_RANGE[1]),
  contentLayer: oneOf(...CONTENT_LAYERS),
  size: intIn(STYLE_SIZE.min, STYLE_SIZE.max),
  steps: intIn(STEP_RANGE[0], STEP_RANGE[1]),
  seed: intIn(SEED_RANGE[0], SEED_RANGE[1]),
};

const WHAT = 'the style-transfer figure';

/** The terms of one snapshot, weighted as the loss weighs them. */
interface TermPoint extends TransferTerms {
  step: number;
}

/**
 * @summary Gatys style transfer, live: content (gallery or your own), one or two blended styles, α/β/γ and style-scale sliders, each loss term charted.
 */
@customElement('cnn-style-transfer')
export class CnnStyleTransfer extends LitElement {
  static override styles = [
    baseStyles,
    controlRowStyles,
    runButtonStyles,
    fieldStyles,
    css`
      input[type='range'] {
        width: 10rem;
        max-width: 100%;
      }
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

  @state() private settings: Settings = { ...DEFAULTS };
  @state() private history: number[] = [];
  @state() private terms: TermPoint[] = [];
  @state() private content: { image: RgbaImage; title: string } | null = null;
  @state() private shown: { content?: RgbaImage; styles: { label: string; image: RgbaImage }[] } = { styles: [] };
  @state() private result: RgbaImage | null = null;
  @state() private error: string | null = null;
  @state() private msPerStep = 0;
  @state() private place: RunnerPlace | null = null;
  @state() private convergedAt: { step: number; seconds: number } | null = null;

  private readonly runner = new StyleRunner();
  private readonly runs = new RunPhases(this, this.runner, { confirmPause: true });
  private ran: (Settings & { content: string }) | null = null;

  private get busy(): boolean {
    return this.runs.busy;
  }

  private get phase() {
    return this.runs.phase;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const saved = this.id ? (readUrlFields(this.id, WHAT, CHECKS) as Partial<Settings>) : {};
    this.settings = { ...DEFAULTS, ...saved };
    // Start the engine and the worker while the reader looks.
    void this.runner.where().then(
      (place) => (this.place = place),
      (err: unknown) => (this.error = `The engine could not start: ${errorMessage(err)}`),
    );
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.runner.dispose();
  }

  private set(patch: Partial<Settings>): void {
    this.settings = { ...this.settings, ...patch };
    if (this.id) writeUrlState(this.id, this.settings);
  }

  private onContent = (e: Event): void => {
    const detail = (e as CustomEvent<ImageChangeDetail>).detail;
    this.content = { image: detail.image, title: detail.title };
    if (this.busy) this.runs.cancel('The run was cancelled: the content image changed.');
  };

  private async run(): Promise<void> {
    if (this.busy) return;
    const content = this.content;
    if (!content) {
      this.error = 'Choose a content image first (above).';
      return;
    }
    const s = { ...this.settings };
    const chosen = [s.style, s.style2].map((id, i) => ({ id, weight: s.blend[i]! })).filter((st) => st.weight > 0);
    if (chosen.length === 0) {
      this.error = 'Give at least one style a blend weight above zero.';
      return;
    }
    const signal = this.runs.start();
    Object.assign(this, { history: [], terms: [], result: null, error: null, msPerStep: 0, convergedAt: null, ran: { ...s, content: content.title } });
    let range: readonly [number, number] = [0, 1];
    let busyMs = 0;
    try {
      const styles = await Promise.all(chosen.map(async (st) => ({ image: await galleryImage(st.id, signal), weight: st.weight })));
      if (!this.runs.isCurrent(signal)) return;
      const job = {
        kind: 'transfer' as const,
        content: content.image,
        styles,
        scale: s.scale,
        contentLayer: s.contentLayer,
        contentWeight: s.alpha,
        styleWeight: s.beta,
        tvWeight: s.gamma,
        size: s.size,
        steps: s.steps,
        seed: s.seed,
      };
      const result = await this.runner.run(job, s.network, {
        signal,
        onHeld: () => this.runs.held(),
        onInputs: (inputs: JobInputs) => {
          if (!this.runs.isCurrent(signal)) return;
          range = inputs.range;
          this.shown = {
            content: renderedToRgba(inputs.picture, range),
            styles: inputs.styles.map((image, i) => ({ label: `Style: ${chosen[i]!.id}, weight ${formatNumber(chosen[i]!.weight)}, scale ${formatNumber(s.scale)} (${image.width} px)`, image: renderedToRgba(image, range) })),
          };
        },
        onStep: (st: JobStep) => {
          if (!this.runs.isCurrent(signal)) return;
          busyMs += st.ms;
          this.history = [...this.history, st.loss];
          this.msPerStep = busyMs / this.history.length;
          if (!this.convergedAt && converged('transfer', this.history)) this.convergedAt = { step: st.step, seconds: busyMs / 1000 };
          if (st.image) this.result = renderedToRgba(st.image, range);
          if (st.terms) this.terms = [...this.terms, { step: st.step, ...st.terms }];
        },
      });
      if (!this.runs.isCurrent(signal)) return;
      if (result.image) this.result = renderedToRgba(result.image, range);
      this.runs.finish(signal, `The run was cancelled after ${this.history.length} of ${s.steps} steps.`);
    } catch (err) {
      if (this.runs.fail(signal)) this.error = errorMessage(err);
    }
  }

  private async exportPng(): Promise<void> {
    const s = this.ran;
    if (!this.result || !s) return;
    const parameters = { technique: 'style-transfer', ...s, stepsRun: this.history.length, loss: this.history.at(-1) };
    await downloadPng(this.result, `Style transfer of ${s.content} in ${s.network}`, `min ${s.alpha}·L_content + ${s.beta}·L_style + ${s.gamma}·L_TV`, parameters, `style-transfer-${s.style}-${s.network}-seed${s.seed}.png`);
  }

  private slider({ key, label, range, log }: WeightSlider, disabled: boolean) {
    const value = this.settings[key];
    const [lo, hi] = log ? range.map(Math.log10) : range;
    const position = log ? Math.log10(value) : value;
    return html`<label
      >${label}: <span>${formatNumber(value)}</span>
      <input
        type="range"
        name=${key}
        min=${lo}
        max=${hi}
        step=${log ? 0.25 : 0.005}
        .value=${String(position)}
        ?disabled=${disabled}
        aria-valuetext=${formatNumber(value)}
        @change=${(e: Event) => {
          const v = Number((e.target as HTMLInputElement).value);
          this.set({ [key]: log ? Number((10 ** v).toPrecision(3)) : v });
        }}
    /></label>`;
  }

  private renderControls() {
    const busy = this.busy;
    const s = this.settings;
    const images = STYLE_IMAGES.map((id) => ({ value: id, label: id }));
    return html`<cnn-image-picker kind="photo" selected="boats" id=${this.id ? `${this.id}-content` : nothing} @cnn-image-change=${this.onContent}></cnn-image-picker>
      <fieldset>
        <legend>Styles, blended: Â = Σ_s w_s Â_s / Σ_s w_s</legend>
        <div class="controls">
          ${selectField('Style 1', 'style', s.style, images, (v) => this.set({ style: v as Settings['style'] }), busy)}
          ${numberField('Blend weight 1', 'blend-1', s.blend[0]!, BLEND_RANGE, 0.1, (w) => this.set({ blend: [w, s.blend[1]!] }), busy)}
          ${selectField('Style 2', 'style2', s.style2, images, (v) => this.set({ style2: v as Settings['style2'] }), busy)}
          ${numberField('Blend weight 2', 'blend-2', s.blend[1]!, BLEND_RANGE, 0.1, (w) => this.set({ blend: [s.blend[0]!, w] }), busy)}
          ${numberField(`Style scale (${SCALE_RANGE[0]}–${SCALE_RANGE[1]})`, 'scale', s.scale, SCALE_RANGE, 0.25, (scale) => this.set({ scale }), busy)}
        </div>
      </fieldset>
      <fieldset>
        <legend>Loss: α L_content + β L_style + γ L_TV</legend>
        <div class="controls">${SLIDERS.map((sl) => this.slider(sl, busy))}</div>
      </fieldset>
      <div class="controls">
        ${selectField('Network', 'network', s.network, STYLE_NETWORKS.map((n) => ({ value: n.id, label: n.label })), (v) => this.set({ network: v as StyleNetworkId }), busy)}
        ${selectField('Content layer', 'contentLayer', s.contentLayer, CONTENT_LAYERS.map((l) => ({ value: l, label: l })), (v) => this.set({ contentLayer: v as Settings['contentLayer'] }), busy)}
        ${numberField(`Size (${STYLE_SIZE.min}–${STYLE_SIZE.max} px)`, 'size', s.size, [STYLE_SIZE.min, STYLE_SIZE.max], 1, (size) => this.set({ size }), busy)}
        ${numberField('Steps', 'steps', s.steps, STEP_RANGE, 1, (steps) => this.set({ steps }), busy)}
        ${numberField('Seed', 'seed', s.seed, SEED_RANGE, 1, (seed) => this.set({ seed }), busy)}
      </div>
      <p class="note muted" data-testid="place">${describePlace(this.place)}</p>
      <div class="buttons">
        <button type="button" aria-disabled=${busy || !this.content} @click=${() => void this.run()}>Run</button>
        <button type="button" aria-disabled=${!busy} @click=${() => this.runs.togglePause()}>${this.runs.pauseLabel}</button>
        <button type="button" aria-disabled=${!busy} @click=${() => this.runs.cancel()}>Cancel</button>
        <button type="button" aria-disabled=${!this.result} @click=${() => void this.exportPng()}>Export PNG</button>
      </div>`;
  }

  private renderStatus() {
    const total = (this.ran ?? this.settings).steps;
    const step = this.history.length;
    const last = this.history[step - 1];
    const value = last === undefined ? '' : `, loss ${formatNumber(last)}`;
    const speed = this.msPerStep ? `, ${this.msPerStep.toFixed(0)} ms a step` : '';
    const text = {
      idle: this.content ? 'Set the controls and press Run.' : 'Loading the content image…',
      running: `Running: step ${step} of ${total}${value}${speed}.`,
      pausing: `Pausing after step ${step + 1}…`,
      paused: `Paused after step ${step} of ${total}${value}.`,
      done: `Done: ${step} steps${value}${speed}.`,
      cancelled: this.runs.message || 'The run was cancelled.',
    }[this.phase];
    return html`<p class="status" role="status" aria-live="polite">${text}</p>`;
  }

  private renderResult() {
    const h = this.history;
    const t = this.terms;
    const total = (this.ran ?? this.settings).steps;
    const log = (v: number) => (v > 0 ? Math.log10(v) : NaN);
    const series: LineSeries[] = t.length
      ? [
          { label: 'α L_content', colour: 'var(--_accent)', marker: 'circle', points: t.map((p) => ({ x: p.step, y: log(p.content) })) },
          { label: 'β L_style', colour: 'var(--itc-fg, #1b1b1f)', dash: '6 3', marker: 'square', points: t.map((p) => ({ x: p.step, y: log(p.style) })) },
          { label: 'γ L_TV', colour: 'var(--_warn)', dash: '2 3', points: t.map((p) => ({ x: p.step, y: log(p.tv) })) },
        ]
      : [];
    const last = t.at(-1);
    return html`<div class="result">
      ${this.shown.content ? html`<cnn-heatmap .image=${this.shown.content} .map=${null} label="Content" no-controls></cnn-heatmap>` : nothing}
      ${this.shown.styles.map((st) => html`<cnn-heatmap .image=${st.image} .map=${null} label=${st.label} no-controls></cnn-heatmap>`)}
      ${this.result ? html`<cnn-heatmap data-testid="transfer" .image=${this.result} .map=${null} label=${`Result, step ${h.length}`} no-controls></cnn-heatmap>` : nothing}
      ${h.length
        ? html`<div>
            ${t.length ? html`<cnn-line-chart label="Each weighted term, every ${SNAPSHOT_EVERY} steps" x-title="step" y-title="log₁₀ of the term" .series=${series} .xDomain=${[1, Math.max(total, h.length)] as const}></cnn-line-chart>` : nothing}
            <ul class="readout" aria-label="Run in numbers" data-testid="readout">
              <li>Step <span data-testid="step">${h.length}</span> of ${total}.</li>
              <li>Total loss: first <span data-testid="first" data-value=${h[0]!}>${formatNumber(h[0]!)}</span>, now <span data-testid="loss" data-value=${h[h.length - 1]!}>${formatNumber(h[h.length - 1]!)}</span>.</li>
              <li data-testid="converged">
                ${this.convergedAt
                  ? `Converged at step ${this.convergedAt.step}, after ${this.convergedAt.seconds.toFixed(1)} s of computing: the loss was down to ${CONVERGED.transfer * 100}% of the content picture's.`
                  : `Not yet converged (the loss at ${CONVERGED.transfer * 100}% of the content picture's).`}
              </li>
              ${last ? html`<li data-testid="terms">At step ${last.step}: α L_content ${formatNumber(last.content)}, β L_style ${formatNumber(last.style)}, γ L_TV ${formatNumber(last.tv)}.</li>` : nothing}
            </ul>
          </div>`
        : nothing}
    </div>`;
  }

  override render() {
    return html`<div class="panel" aria-busy=${this.busy ? 'true' : 'false'} data-phase=${this.phase} data-steps=${this.history.length} data-leaked=${this.runner.lastLeaked}>
      ${this.renderControls()} ${this.renderStatus()}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing} ${this.renderResult()}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-style-transfer': CnnStyleTransfer;
  }
}
