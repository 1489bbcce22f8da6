/**
 * `<cnn-optvis technique="class-model">`: an image made by optimisation, live,
 * on the page's network (and, for the techniques that start from one, its
 * image). The technique is chosen by id from src/core/optvis/registry.ts,
 * which also gives the controls drawn here, so one view serves them all.
 *
 * The reader sets the controls and the seed, runs, pauses, resumes and
 * cancels; the figure shows the step counter, the objective's curve (chart and
 * numbers), the formula with the current values beside the image, and exports
 * the image as a PNG that carries its parameters. With an `id`, the settings
 * and the seed are kept in the URL.
 */
import { LitElement, css, html, nothing, svg } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { ConvNet } from '../src/core/convnet';
import { formatNumber } from '../src/core/format';
import { type RgbaImage, tensorToImage, toModelInput, toRgba } from '../src/core/image';
import { withPngText } from '../src/core/png-text';
import { OPTVIS_TECHNIQUES, type OptvisControl, type OptvisTechnique, type Settings, validSettings } from '../src/core/optvis/registry';
import { datasetFor, testImageSet } from '../src/browser/test-set';
import { assetUrl } from '../src/browser/assets';
import { type Generator, type GeneratorCard, generatorForNetwork, loadGenerator, noGenerator } from '../src/core/optvis/generator';
import { bookGeneratorCards } from '../src/browser/generators';
import { PROJECT_MODELS } from '../src/core/model-loader';
import { PauseControl, type RenderedImage, SNAPSHOT_EVERY } from '../src/core/optvis/render';
import { type FieldCheck, checkUrlFields, intIn, numberIn, oneOf, readUrlState, rejectUrlState, writeUrlState } from '../src/browser/url-state';
import { sampleTensor, workbench } from '../src/browser/workbench';
import { RunPhases } from './run-slot';
import { WorkbenchLink } from './workbench-link';
import './cnn-heatmap';
import './cnn-input-bar';
import { baseStyles, controlRowStyles, fieldStyles, runButtonStyles } from './theme';
import { errorMessage } from '../src/core/errors';

/** Bounds of the seed control. */
const SEED_RANGE = [0, 99_999] as const;
/** The figure, as its notices name it. */
const WHAT = 'the optimised-image figure';

/**
 * @summary An image made by optimisation (class model, inner unit, feature inversion, DeepDream), live, with pause and seed.
 */
@customElement('cnn-optvis')
export class CnnOptvis extends LitElement {
  static override styles = [
    baseStyles,
    controlRowStyles,
    runButtonStyles,
    fieldStyles,
    css`
      :host {
        --_number-width: 6rem;
      }
      .result {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(12rem, 1fr));
        gap: 1rem;
        align-items: start;
        --cnn-heatmap-size: 256px;
      }
      .formula {
        font-family: 'STIX Two Math', 'Cambria Math', serif;
        font-size: 1rem;
        background: var(--itc-bg, #fff);
        border: 1px solid var(--_border);
        border-radius: 6px;
        padding: 0.5rem 0.75rem;
        overflow-wrap: anywhere;
      }
      .generator {
        font-size: 0.875rem;
      }
      svg {
        width: 100%;
        max-width: 26rem;
        height: auto;
        font-size: 11px;
      }
      figure {
        margin: 0;
      }
      figcaption,
      .readout {
        font-size: 0.8rem;
      }
      .readout {
        padding-left: 1.1rem;
      }
    `,
  ];

  /** Which technique of the registry the figure runs. */
  @property() technique = 'class-model';

  @state() private settings: Settings = {};
  @state() private seed = 0;
  @state() private history: number[] = [];
  @state() private result: RgbaImage | null = null;
  /** Further images some techniques leave (the facets' starts and results). */
  @state() private gallery: { label: string; image: RgbaImage }[] = [];
  @state() private source: RgbaImage | null = null;
  @state() private error: string | null = null;
  @state() private msPerStep = 0;
  /** How the steps are computed, where the technique says (DeepDream: the tiles of a large image). */
  @state() private stepNote = '';
  /** What the run reached, in sentences (techniques that compare two results). */
  @state() private reached: string[] = [];
  /** The generators' cards, for a technique that searches a generator's code (null until read). */
  @state() private generatorCards: GeneratorCard[] | null = null;

  /** Holds the run between steps, and says when the loop actually waits: Pause shows 'pausing' until then. */
  private readonly pauseControl = new PauseControl(() => this.runs.held());
  // Added before the workbench link, so that leaving the page cancels the run (and lets a paused one go) first.
  private readonly runs = new RunPhases(this, this.pauseControl, { confirmPause: true });
  private lastImage: RenderedImage | null = null;
  /** The settings found in the URL, validated against the first network. */
  private saved: unknown;
  /** Whether the link's settings were checked (against the first network). */
  private linkChecked = false;
  /** The network the settings were made for, to tell a new network from a repeated event. */
  private preparedFor: { net: ConvNet | null; sample: unknown } = { net: null, sample: null };
  private readonly workbench = new WorkbenchLink(this, () => void this.prepare());
  /** The generator of the network's data, loaded on the first run that searches its code; the figure owns it. */
  private generator: { net: ConvNet; promise: Promise<Generator | null> } | null = null;
  /** The run under way, so that the generator is released only after it stops. */
  private running: Promise<unknown> = Promise.resolve();

  private get spec(): OptvisTechnique | undefined {
    return OPTVIS_TECHNIQUES[this.technique];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.saved = this.id ? readUrlState(this.id) : undefined;
    if (this.saved !== undefined && (typeof this.saved !== 'object' || this.saved === null || Array.isArray(this.saved))) {
      rejectUrlState(this.id, `The link's settings for ${WHAT} were not understood, so it starts from its defaults.`);
      this.saved = undefined;
    }
    if (this.spec?.needsGenerator) {
      bookGeneratorCards().then(
        (cards) => void (this.generatorCards = cards),
        (err) => void (this.error = errorMessage(err)),
      );
    }
    void this.prepare();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.releaseGenerator();
  }

  /** The generator whose card names `net` (null where the book has none), loaded once per network. */
  private generatorFor(net: ConvNet): Promise<Generator | null> {
    if (this.generator?.net !== net) {
      this.releaseGenerator();
      const promise = bookGeneratorCards().then((cards) => {
        const card = generatorForNetwork(cards, net.id);
        return card ? loadGenerator(assetUrl(`models/${card.id}/model.json`), card.id) : null;
      });
      this.generator = { net, promise };
      // A failed download is tried again on the next run.
      promise.catch(() => {
        if (this.generator?.promise === promise) this.generator = null;
      });
    }
    return this.generator.promise;
  }

  /** Disposes the generator once the run that may be using it has stopped. */
  private releaseGenerator(): void {
    const held = this.generator;
    this.generator = null;
    if (held) void this.running.finally(() => held.promise.then((g) => g?.dispose(), () => undefined));
  }

  private saveState(): void {
    if (this.id) writeUrlState(this.id, { ...this.settings, seed: this.seed });
  }

  /**
   * Checks the link's settings against the technique's controls on the first
   * network: a number out of range, a fraction where the control counts in
   * whole steps, an option the control lacks or a setting it does not have
   * falls back to its default with a notice, rather than being capped.
   */
  private checkLink(spec: OptvisTechnique, net: ConvNet): void {
    this.linkChecked = true;
    const saved = this.saved as Record<string, unknown>;
    const checks: Record<string, FieldCheck> = { seed: intIn(SEED_RANGE[0], SEED_RANGE[1]) };
    const controls = spec.controls(net);
    for (const c of controls) {
      if (c.kind === 'number') checks[c.key] = Number.isInteger(c.step) && Number.isInteger(c.min) ? intIn(c.min, c.max) : numberIn(c.min, c.max);
      else checks[c.key] = oneOf(...c.options.map((o) => o.value));
    }
    // A channel must exist in the layer it belongs to (the one the link names, when the network has it).
    const layerControl = controls.find((c) => c.key === 'layer');
    if (checks['channel'] && layerControl && checks['layer']) {
      const layer = checks['layer'](saved['layer']) ? saved['layer'] : layerControl.value;
      const depth = net.layers.find((l) => l.name === layer)?.outputShape.at(-1) ?? 1;
      const range = checks['channel'];
      checks['channel'] = (v) => range(v) && (v as number) < depth;
    }
    for (const key of Object.keys(saved)) checks[key] ??= () => false;
    const ok = checkUrlFields(this.id, WHAT, saved, checks);
    if (typeof ok['seed'] === 'number') this.seed = ok['seed'];
    this.saved = ok;
  }

  /** Settings for a new network (from the URL the first time); a new input cancels a run on the old one. */
  private async prepare(): Promise<void> {
    const { net, sample } = this.workbench.state;
    const spec = this.spec;
    if (!net || !spec || (this.preparedFor.net === net && this.preparedFor.sample === sample)) return;
    const newNet = this.preparedFor.net !== net;
    this.preparedFor = { net, sample };
    if (this.runs.busy) this.runs.cancel('The run was cancelled: the input changed.');
    if (newNet) {
      this.releaseGenerator();
      if (this.saved && !this.linkChecked) this.checkLink(spec, net);
      this.settings = validSettings(spec, net, Object.keys(this.settings).length > 0 ? this.settings : this.saved);
      Object.assign(this, { history: [], result: null, error: null, lastImage: null });
    }
    this.source = null;
    if (spec.needsImage && sample) {
      const image = sampleTensor(net, sample);
      try {
        const shown = await tensorToImage(image, { range: net.inputRange });
        if (this.preparedFor.sample === sample) this.source = shown;
      } finally {
        image.dispose();
      }
    }
  }

  private display(image: RenderedImage, net: ConvNet): RgbaImage {
    const [lo, hi] = net.inputRange;
    const { width, height, channels } = image;
    return toRgba({ width, height, channels: channels as 1 | 3, data: image.data.map((v) => ((v - lo) / (hi - lo)) * 255) });
  }

  private async run(): Promise<void> {
    const { net, sample } = this.workbench.state;
    const spec = this.spec;
    if (!net || !spec || this.runs.busy) return;
    if (spec.needsImage && !sample) return;
    const signal = this.runs.start();
    Object.assign(this, { history: [], result: null, gallery: [], reached: [], error: null, msPerStep: 0, stepNote: '' });
    const [, , channels] = net.inputShape;
    const image = (height: number, width: number) =>
      toModelInput(sample!.image, { height, width, channels: channels === 1 ? 1 : 3, range: net.inputRange });
    const t0 = performance.now();
    try {
      const task = spec.run(net, {
        settings: this.settings,
        seed: this.seed,
        signal,
        pause: this.pauseControl,
        snapshotEvery: SNAPSHOT_EVERY,
        ...(spec.needsImage ? { image } : {}),
        imageSet: () => testImageSet(datasetFor(net.id, net), net),
        ...(spec.needsGenerator ? { generator: () => this.generatorFor(net) } : {}),
        onStep: (s) => {
          if (!this.runs.isCurrent(signal)) return;
          this.history = [...this.history, s.objective];
          this.msPerStep = (performance.now() - t0) / this.history.length;
          this.stepNote = s.note ?? '';
          if (s.image) {
            this.lastImage = s.image;
            this.result = this.display(s.image, net);
          }
        },
      });
      this.running = task.catch(() => undefined);
      const result = await task;
      if (!this.runs.isCurrent(signal)) return;
      this.reached = result.readout ?? [];
      this.lastImage = result.image;
      this.result = this.display(result.image, net);
      this.gallery = (result.gallery ?? []).map(({ label, image }) => ({ label, image: this.display(image, net) }));
      this.runs.finish(signal, `The run was cancelled after ${this.history.length} of ${spec.totalSteps(this.settings)} steps.`);
    } catch (err) {
      if (this.runs.fail(signal)) this.error = errorMessage(err);
    }
  }

  private setSetting(control: OptvisControl, raw: string): void {
    if (control.kind === 'number') {
      const v = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(v)) return;
      // Whole steps stay whole, so the URL holds what a link can restore.
      const w = Number.isInteger(control.step) ? Math.round(v) : v;
      this.settings = { ...this.settings, [control.key]: Math.min(control.max, Math.max(control.min, w)) };
    } else if (control.kind === 'preset') {
      const option = control.options.find((o) => o.value === raw);
      if (option) this.settings = { ...this.settings, ...option.sets, [control.key]: raw };
    } else {
      this.settings = { ...this.settings, [control.key]: raw };
    }
    this.saveState();
  }

  private setSeed(raw: string): void {
    const v = Math.round(Number(raw));
    if (raw.trim() === '' || !Number.isFinite(v)) return;
    this.seed = Math.min(SEED_RANGE[1], Math.max(SEED_RANGE[0], v));
    this.saveState();
  }

  private async exportPng(): Promise<void> {
    const net = this.workbench.state.net;
    const spec = this.spec;
    const image = this.result;
    if (!net || !spec || !image) return;
    const canvas = document.createElement('canvas');
    [canvas.width, canvas.height] = [image.width, image.height];
    canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) return;
    const parameters = { technique: spec.id, network: net.id, settings: this.settings, seed: this.seed, steps: this.history.length, objective: this.history[this.history.length - 1] };
    const png = withPngText(new Uint8Array(await blob.arrayBuffer()), {
      Title: `${spec.title} on ${net.title}`,
      Comment: spec.formula(net, this.settings),
      Parameters: JSON.stringify(parameters),
    });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([png as BlobPart], { type: 'image/png' }));
    a.download = `${spec.id}-${net.id}-seed${this.seed}.png`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }

  private renderControl(control: OptvisControl, busy: boolean) {
    const value = this.settings[control.key];
    if (control.kind === 'number') {
      return html`<label
        >${control.label}
        <input
          type="number"
          name=${control.key}
          min=${control.min}
          max=${control.max}
          step=${control.step}
          .value=${String(value)}
          ?disabled=${busy}
          @change=${(e: Event) => this.setSetting(control, (e.target as HTMLInputElement).value)}
      /></label>`;
    }
    return html`<label
      >${control.label}
      <select name=${control.key} ?disabled=${busy} @change=${(e: Event) => this.setSetting(control, (e.target as HTMLSelectElement).value)}>
        ${control.options.map((o) => html`<option value=${o.value} ?selected=${o.value === value}>${o.label}</option>`)}
      </select>
    </label>`;
  }

  private renderControls(net: ConvNet, spec: OptvisTechnique) {
    const busy = this.runs.busy;
    const controls = spec.controls(net);
    const presetAt = controls.findIndex((c) => c.kind === 'preset');
    const main = presetAt < 0 ? controls : controls.slice(0, presetAt);
    const regularisers = presetAt < 0 ? [] : controls.slice(presetAt);
    return html`<div class="controls">
        ${main.map((c) => this.renderControl(c, busy))}
        <label
          >Seed
          <input
            type="number"
            name="seed"
            min=${SEED_RANGE[0]}
            max=${SEED_RANGE[1]}
            step="1"
            .value=${String(this.seed)}
            ?disabled=${busy}
            @change=${(e: Event) => this.setSeed((e.target as HTMLInputElement).value)}
        /></label>
      </div>
      ${regularisers.length
        ? html`<fieldset>
            <legend>Regularisers between steps (Yosinski et al. 2015)</legend>
            <div class="controls">${regularisers.map((c) => this.renderControl(c, busy))}</div>
          </fieldset>`
        : nothing}
      <div class="buttons">
        <button type="button" aria-disabled=${busy} @click=${() => void this.run()}>Run</button>
        <button type="button" aria-disabled=${!busy} @click=${() => this.runs.togglePause()}>${this.runs.pauseLabel}</button>
        <button type="button" aria-disabled=${!busy} @click=${() => this.runs.cancel()}>Cancel</button>
        <button type="button" aria-disabled=${!this.result} @click=${() => void this.exportPng()}>Export PNG</button>
      </div>`;
  }

  private renderStatus(spec: OptvisTechnique | undefined) {
    const total = spec ? spec.totalSteps(this.settings) : 0;
    const step = this.history.length;
    const last = this.history[step - 1];
    const value = last === undefined ? '' : `, objective ${formatNumber(last)}`;
    const speed = (this.msPerStep ? `, ${this.msPerStep.toFixed(0)} ms a step` : '') + (this.stepNote ? ` (${this.stepNote})` : '');
    let text = '';
    if (!spec) text = `There is no technique called “${this.technique}”.`;
    else if (this.workbench.state.loading || !this.workbench.state.net) text = 'Loading the network…';
    else {
      text = {
        idle: 'Set the controls and press Run.',
        running: `Running: step ${step} of ${total}${value}${speed}.`,
        // Not "after step N + 1": between two octaves or two starts the loop holds before the next step.
        pausing: `Pausing after the step under way (${step} of ${total} done)…`,
        paused: `Paused after step ${step} of ${total}${value}.`,
        done: `Done: ${step} steps${value}${speed}.`,
        cancelled: this.runs.message || 'The run was cancelled.',
      }[this.runs.phase];
    }
    return html`<p class="status" role="status" aria-live="polite">${text}</p>`;
  }

  /** The objective at every step, as a line. */
  private renderCurve() {
    const h = this.history;
    if (h.length === 0) return nothing;
    const [W, H, left, bottom, top, right] = [360, 160, 48, 22, 10, 10];
    let [lo, hi] = [Math.min(...h), Math.max(...h)];
    if (hi - lo < 1e-9) [lo, hi] = [lo - 1, hi + 1];
    const n = Math.max(this.spec?.totalSteps(this.settings) ?? h.length, h.length);
    const x = (i: number) => left + ((W - left - right) * (i + 1)) / n;
    const y = (v: number) => top + ((H - top - bottom) * (hi - v)) / (hi - lo);
    const path = h.map((v, i) => `${i ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join('');
    return html`<figure>
      <svg viewBox="0 0 ${W} ${H}" role="img" aria-label="The objective at each step">
        ${[lo, hi].map(
          (t) => svg`<line x1=${left} x2=${W - right} y1=${y(t)} y2=${y(t)} stroke="var(--_border)" stroke-width="0.5" />
            <text x=${left - 4} y=${y(t) + 4} text-anchor="end" fill="currentColor">${formatNumber(t)}</text>`,
        )}
        <text x=${left} y=${H - 6} fill="currentColor">step 1</text>
        <text x=${W - right} y=${H - 6} text-anchor="end" fill="currentColor">step ${n}</text>
        <path d=${path} fill="none" stroke="var(--_accent)" stroke-width="2" />
      </svg>
      <figcaption class="muted">The objective after each step (the line climbs while the image improves).</figcaption>
    </figure>`;
  }

  private renderResult(net: ConvNet, spec: OptvisTechnique) {
    const h = this.history;
    const best = h.length ? Math.max(...h) : 0;
    const stats = this.lastImage ? imageStats(this.lastImage, net.inputRange) : null;
    return html`<div class="result">
      ${spec.needsImage && this.source
        ? html`<cnn-heatmap .image=${this.source} .map=${null} label="Source image" no-controls></cnn-heatmap>`
        : nothing}
      <div>
        ${this.result
          ? html`<cnn-heatmap .image=${this.result} .map=${null} label=${`${spec.title}, step ${h.length}`} no-controls></cnn-heatmap>`
          : nothing}
        <p class="formula" data-testid="formula" aria-label="Objective">${spec.formula(net, this.settings)}</p>
        ${h.length
          ? html`<ul class="readout" aria-label="Run in numbers" data-testid="readout">
              <li>Step <span data-testid="step">${h.length}</span> of ${spec.totalSteps(this.settings)}.</li>
              <li>Objective: first ${formatNumber(h[0]!)}, now <span data-testid="objective">${formatNumber(h[h.length - 1]!)}</span>, best ${formatNumber(best)}.</li>
              ${this.reached.map((r) => html`<li data-testid="reached">${r}</li>`)}
              ${stats ? html`<li>Image: pixels from ${formatNumber(stats.min)} to ${formatNumber(stats.max)} (fractions of the input range), mean ${formatNumber(stats.mean)}.</li>` : nothing}
            </ul>`
          : nothing}
      </div>
      ${this.renderCurve()}
    </div>
    ${this.gallery.length
      ? html`<div class="result" data-testid="gallery">
          ${this.gallery.map(({ label, image }) => html`<cnn-heatmap .image=${image} .map=${null} label=${label} no-controls></cnn-heatmap>`)}
        </div>`
      : nothing}`;
  }

  /** Which generator the code belongs to, from its card; or, for a network none serves, those that have one. */
  private renderGenerator(net: ConvNet) {
    const cards = this.generatorCards;
    if (!cards) return nothing;
    const card = generatorForNetwork(cards, net.id);
    if (card) return html`<p class="generator" data-testid="generator">Generator: ${card.id}, ${card.title}.</p>`;
    const title = (id: string) => PROJECT_MODELS.find((m) => m.id === id)?.title ?? id;
    return html`<p data-testid="no-generator">
      ${noGenerator(net, cards)}
      ${cards.flatMap((c) => c.classifiers).map((id) => html`<button type="button" @click=${() => void workbench.selectModel(id)}>Use ${title(id)}</button> `)}
    </p>`;
  }

  override render() {
    const { net, error: loadError } = this.workbench.state;
    const spec = this.spec;
    return html`<div class="panel" aria-busy=${this.runs.busy ? 'true' : 'false'} data-phase=${this.runs.phase} data-steps=${this.history.length}>
      <cnn-input-bar></cnn-input-bar>
      ${loadError ? html`<p class="error" role="alert">${loadError}</p>` : nothing}
      ${net && spec && Object.keys(this.settings).length ? this.renderControls(net, spec) : nothing} ${this.renderStatus(spec)}
      ${net && spec?.needsGenerator ? this.renderGenerator(net) : nothing}
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${net && spec && Object.keys(this.settings).length ? this.renderResult(net, spec) : nothing}
    </div>`;
  }
}

/** Smallest, largest and mean pixel as fractions of the input range. */
function imageStats(image: RenderedImage, [lo, hi]: readonly [number, number]) {
  let [min, max, sum] = [Infinity, -Infinity, 0];
  for (const v of image.data) {
    const f = (v - lo) / (hi - lo);
    min = Math.min(min, f);
    max = Math.max(max, f);
    sum += f;
  }
  return { min, max, mean: sum / image.data.length };
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-optvis': CnnOptvis;
  }
}
