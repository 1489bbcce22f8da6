/**
 * `<cnn-circuit>`: how a unit is built from the previous convolution (Olah et al. 2020, "Zoom In"). For the
 * chosen layer and unit, the previous channels with the strongest positive and negative weights into it
 * (each kernel slice summarised by its sum or by its signed L2 norm, see src/core/circuits.ts), each with its
 * 3×3 (or other) weights as a diverging grid and numbers, and each drawn by its own feature visualisation
 * beside the unit's. The visualisations render one after another, yielding between steps, with progress,
 * pause and cancel. With an `id`, the layer, unit and strength measure are kept in the URL; a value the
 * network cannot use falls back with a notice.
 */
import { LitElement, type PropertyValues, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { anyText, checkUrlFields, intIn, oneOf, readUrlFields, writeUrlState } from '../src/browser/url-state';
import { CIRCUIT_SUMMARIES, type Circuit, type CircuitSummary, type CircuitWeight, circuit, circuitLayers } from '../src/core/circuits';
import { applyColormap, autoScale } from '../src/core/colormap';
import type { ConvNet } from '../src/core/convnet';
import { errorMessage } from '../src/core/errors';
import { formatNumber } from '../src/core/format';
import { type RgbaImage, toRgba } from '../src/core/image';
import { channel } from '../src/core/optvis/objectives';
import { PauseControl, type RenderedImage, render as renderFeature } from '../src/core/optvis/render';
import { layerSelect } from './layer-select';
import { RunPhases } from './run-slot';
import { WorkbenchLink } from './workbench-link';
import './cnn-heatmap';
import './cnn-input-bar';
import { baseStyles, controlRowStyles, runButtonStyles } from './theme';

/** Steps of each short feature visualisation: enough for a channel's pattern to form on the book's networks. */
export const CIRCUIT_RENDER_STEPS = 48;

function display(image: RenderedImage, net: ConvNet): RgbaImage {
  const [lo, hi] = net.inputRange;
  const { width, height, channels } = image;
  return toRgba({ width, height, channels: channels as 1 | 3, data: image.data.map((v) => ((v - lo) / (hi - lo)) * 255) });
}

/** One diverging scale for every weight into the unit, so slices can be compared by colour. */
function weightScale(c: Circuit) {
  return autoScale(
    c.weights.flatMap((x) => Array.from(x.kernel)),
    true,
  );
}

/** A kernel slice's weights, row by row, as text. */
function kernelText(w: CircuitWeight, width: number): string {
  const rows: string[] = [];
  for (let y = 0; y < w.kernel.length / width; y++) rows.push(Array.from(w.kernel.slice(y * width, (y + 1) * width), (v) => formatNumber(v)).join(', '));
  return rows.join('; ');
}

/** The figure, as its notices name it. */
const WHAT = 'the circuit figure';

/** The strength measures as the reader picks them, in the order of {@link CIRCUIT_SUMMARIES}. */
const SUMMARY_LABELS: Record<CircuitSummary, string> = { sum: 'sum of the kernel slice', l2: 'signed L2 norm' };

/**
 * @summary How a unit is built: its strongest positive and negative weights from the previous layer's channels, each with its feature visualisation.
 */
@customElement('cnn-circuit')
export class CnnCircuit extends LitElement {
  static override styles = [
    baseStyles,
    controlRowStyles,
    runButtonStyles,
    css`
      .cards {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr));
        gap: 0.75rem;
        --cnn-heatmap-size: 128px;
      }
      figure {
        margin: 0;
        font-size: 0.875rem;
      }
      .grid {
        display: inline-grid;
        gap: 1px;
        margin: 0.3rem 0;
      }
      .grid span {
        width: 0.9rem;
        height: 0.9rem;
      }
      input[type='number'] {
        width: 5rem;
      }
      .status {
        font-size: 0.875rem;
        min-height: 1.3rem;
      }
    `,
  ];

  /**
   * The strength measure set from the page, 'sum' or 'l2' (an exercise's "Show it in the figure" sets it);
   * once set, it applies as if the reader had chosen it.
   */
  @property() strength = '';

  @state() private layer = '';
  @state() private unit = 0;
  @state() private summary: CircuitSummary = 'sum';
  @state() private result: Circuit | null = null;
  /** Feature visualisations by key ('unit' or the previous channel's index). */
  @state() private pictures: Record<string, RgbaImage> = {};
  @state() private error: string | null = null;
  @state() private notice: string | null = null;

  private saved: Record<string, unknown> | undefined;
  /** The step last reported, and of which picture, for the status line. */
  @state() private at = { step: 0, picture: 0, pictures: 0, label: '' };
  /** Holds the renders between steps, and says when the loop actually waits: Pause shows 'pausing' until then. */
  private readonly pauseControl = new PauseControl(() => this.runs.held());
  // Added before the workbench link, so that leaving the page cancels the renders (and lets paused ones go) first.
  private readonly runs = new RunPhases(this, this.pauseControl, { confirmPause: true });
  private readonly workbench = new WorkbenchLink(this, () => void this.compute());

  override connectedCallback(): void {
    super.connectedCallback();
    const saved = this.id ? readUrlFields(this.id, WHAT, { layer: anyText, unit: intIn(0, Number.MAX_SAFE_INTEGER), strength: oneOf(...CIRCUIT_SUMMARIES) }) : {};
    this.saved = Object.keys(saved).length ? saved : undefined;
    void this.compute();
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('strength') || !this.strength) return;
    const measure = this.strength as CircuitSummary;
    if (!CIRCUIT_SUMMARIES.includes(measure)) this.notice = `The figure has no strength measure '${this.strength}' (it has ${CIRCUIT_SUMMARIES.join(', ')}).`;
    else if (measure !== this.summary) this.choose({ summary: measure });
  }

  override updated(): void {
    // The state and the steps taken, for scripts and tests: which phase the renders are in, and how far they got.
    this.setAttribute('data-state', this.runs.phase);
  }

  private get layers(): string[] {
    const net = this.workbench.state.net;
    return net ? circuitLayers(net) : [];
  }

  /** Applies the URL's layer and unit once the network is known, falling back with a notice. */
  private applySaved(net: ConvNet): void {
    const saved = this.saved;
    if (!saved) return;
    this.saved = undefined;
    const layers = circuitLayers(net);
    if (!layers.length) return;
    const layerCheck = oneOf(...layers);
    const layer = layerCheck(saved['layer']) ? (saved['layer'] as string) : layers[layers.length - 1]!;
    const count = net.layerWeights!(layer)[0]!.shape[3]!;
    const checks = { layer: layerCheck, unit: intIn(0, count - 1), strength: oneOf(...CIRCUIT_SUMMARIES) };
    const ok = this.id ? checkUrlFields(this.id, WHAT, saved, checks) : saved;
    if (typeof ok['layer'] === 'string') this.layer = ok['layer'];
    if (typeof ok['unit'] === 'number') this.unit = ok['unit'];
    if (typeof ok['strength'] === 'string') this.summary = ok['strength'] as CircuitSummary;
    const bad = Object.keys(saved).filter((k) => !(k in ok)).map((k) => `${k} '${String(saved[k])}'`);
    if (bad.length) this.notice = `The link's ${bad.join(' and ')} cannot be used on ${net.title}; the default is shown.`;
  }

  /** The circuit of the chosen unit and its pictures: a new input cancels the renders under way and starts again. */
  private async compute(): Promise<void> {
    const net = this.workbench.state.net;
    this.runs.cancel('The run was cancelled: the input changed.');
    if (!net) return;
    this.applySaved(net);
    const layers = this.layers;
    if (!layers.length) {
      Object.assign(this, { result: null, error: `${net.title} has no convolution after another whose weights can be read, so it has no circuits.` });
      return;
    }
    if (!layers.includes(this.layer)) this.layer = layers[layers.length - 1]!;
    const signal = this.runs.start();
    this.at = { step: 0, picture: 0, pictures: 0, label: '' };
    try {
      const result = await circuit(net, this.layer, this.unit, { summary: this.summary });
      if (signal.aborted) return this.runs.finish(signal);
      Object.assign(this, { result, pictures: {}, error: null });
      await this.visualise(net, result, signal);
    } catch (err) {
      if (signal.aborted) this.runs.finish(signal);
      else if (this.runs.fail(signal)) this.error = errorMessage(err);
    }
  }

  /** The unit's and each shown channel's feature visualisation, one after another. */
  private async visualise(net: ConvNet, c: Circuit, signal: AbortSignal): Promise<void> {
    const jobs: [string, string, number, string][] = [
      ['unit', c.layer, c.unit, `unit ${c.unit} of ${c.layer}`],
      ...[...c.positive, ...c.negative].map((w): [string, string, number, string] => [String(w.channel), c.previous, w.channel, `channel ${w.channel} of ${c.previous}`]),
    ];
    this.at = { step: 0, picture: 1, pictures: jobs.length, label: jobs[0]![3] };
    let steps = 0;
    let drawn = 0;
    this.setAttribute('data-steps', '0');
    for (const [i, [key, layer, index, label]] of jobs.entries()) {
      const out = await renderFeature(net, {
        objective: channel(layer, index),
        steps: CIRCUIT_RENDER_STEPS,
        seed: 1,
        signal,
        pause: this.pauseControl,
        onStep: ({ step }) => {
          if (!this.runs.isCurrent(signal)) return;
          this.at = { step, picture: i + 1, pictures: jobs.length, label };
          this.setAttribute('data-steps', String(++steps));
        },
      });
      if (out.aborted || !this.runs.isCurrent(signal)) break;
      this.pictures = { ...this.pictures, [key]: display(out.image, net) };
      drawn++;
    }
    this.runs.finish(signal, `Cancelled after ${drawn} of ${jobs.length} pictures.`);
  }

  /** The status line: where the renders stand, or why they stopped. */
  private status(): string {
    const { step, picture, pictures, label } = this.at;
    return {
      idle: '',
      // Nothing to say while the weights are read; 'paused' and 'done' come only once the pictures have begun.
      running: !label ? '' : `Visualising ${label}: step ${step} of ${CIRCUIT_RENDER_STEPS} (picture ${picture} of ${pictures}).`,
      // Not "after step N + 1": after a picture's last step the loop holds before the next picture's first.
      pausing: 'Pausing after the step under way…',
      paused: `Paused after step ${step} of ${CIRCUIT_RENDER_STEPS} of ${label} (picture ${picture} of ${pictures}).`,
      done: `All ${pictures} pictures rendered (${CIRCUIT_RENDER_STEPS} steps each).`,
      cancelled: this.runs.message || 'The run was cancelled.',
    }[this.runs.phase];
  }

  private choose(patch: { layer?: string; unit?: number; summary?: CircuitSummary }): void {
    Object.assign(this, patch, { notice: null });
    // The page's setting follows the reader's, so setting it again from the page applies again.
    if (patch.summary && this.strength) this.strength = patch.summary;
    if (this.id) writeUrlState(this.id, { layer: this.layer, unit: this.unit, strength: this.summary });
    void this.compute();
  }

  private units(): number {
    const net = this.workbench.state.net;
    return net && this.layer && this.layers.includes(this.layer) ? net.layerWeights!(this.layer)[0]!.shape[3]! : 0;
  }

  private card(c: Circuit, w: CircuitWeight, sign: string) {
    const colours = applyColormap(w.kernel, 'puor', weightScale(c));
    const pic = this.pictures[String(w.channel)];
    return html`<figure data-channel=${w.channel} data-strength=${w.strength} data-sign=${sign}>
      ${pic
        ? html`<cnn-heatmap .image=${pic} .map=${null} label=${`Channel ${w.channel} of ${c.previous}`} no-controls></cnn-heatmap>`
        : html`<p>Channel ${w.channel}: waiting to be drawn.</p>`}
      <figcaption>
        Channel ${w.channel}: s = ${formatNumber(w.strength)}
        <div
          class="grid"
          role="img"
          aria-label=${`Weights W[:,:,${w.channel},${c.unit}], by row: ${kernelText(w, c.width)}`}
          style=${`grid-template-columns: repeat(${c.width}, 0.9rem)`}
        >
          ${Array.from(w.kernel, (_, p) => html`<span style=${`background: rgb(${colours[p * 4]}, ${colours[p * 4 + 1]}, ${colours[p * 4 + 2]})`}></span>`)}
        </div>
        <div data-kernel>${kernelText(w, c.width)}</div>
      </figcaption>
    </figure>`;
  }

  override render() {
    const { net, loading, error } = this.workbench.state;
    const c = this.result;
    const count = this.units();
    const busy = this.runs.busy;
    return html`<div class="panel" aria-busy=${busy ? 'true' : 'false'}>
      <cnn-input-bar></cnn-input-bar>
      ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
      ${this.notice ? html`<p class="notice" role="status">${this.notice}</p>` : nothing}
      ${net && this.layers.length
        ? html`<div class="controls">
            ${layerSelect(this.layers, this.layer, (l) => this.choose({ layer: l, unit: 0 }))}
            <label
              >Unit (0–${count - 1})
              <input
                type="number"
                min="0"
                max=${count - 1}
                .value=${String(this.unit)}
                @change=${(e: Event) => {
                  const v = Number((e.target as HTMLInputElement).value);
                  if (Number.isInteger(v) && v >= 0 && v < count) this.choose({ unit: v });
                  else this.error = `Unit ${(e.target as HTMLInputElement).value} is not a channel of ${this.layer} (0 to ${count - 1}).`;
                }}
            /></label>
            <label
              >Strength
              <select @change=${(e: Event) => this.choose({ summary: (e.target as HTMLSelectElement).value as CircuitSummary })}>
                ${CIRCUIT_SUMMARIES.map((m) => html`<option value=${m} ?selected=${m === this.summary}>${SUMMARY_LABELS[m]}</option>`)}
              </select></label
            >
            <button type="button" aria-disabled=${!busy} @click=${() => this.runs.togglePause()}>${this.runs.pauseLabel}</button>
            <button type="button" aria-disabled=${!busy} @click=${() => this.runs.cancel()}>Cancel</button>
          </div>`
        : nothing}
      <p class="status" role="status" aria-live="polite">${loading ? 'Loading the network…' : this.status()}</p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${c
        ? html`<p data-circuit=${`${c.layer}:${c.unit}`}>
              Unit ${c.unit} of ${c.layer} reads the ${c.weights.length} output channels of ${c.previous}${c.between.length ? html` (across ${c.between.join(', ')}, which act on each channel alone)` : nothing}
              through ${c.height}×${c.width} kernel slices W[:,:,i,${c.unit}]; each is summarised by
              ${c.summary === 'sum'
                ? html`its sum, s<sub>i</sub> = Σ<sub>y,x</sub> W[y,x,i,${c.unit}]`
                : html`its signed L2 norm, s<sub>i</sub> = sign(Σ<sub>y,x</sub> W[y,x,i,${c.unit}]) · √(Σ<sub>y,x</sub> W[y,x,i,${c.unit}]²)`}.
              ${c.bias !== null ? html`Bias ${formatNumber(c.bias)}.` : nothing} Weight colours: purple negative, white zero, orange positive, one scale for all of the unit's weights (±${formatNumber(weightScale(c).max)}).
            </p>
            <div class="cards">
              <figure data-unit>
                ${this.pictures['unit']
                  ? html`<cnn-heatmap .image=${this.pictures['unit']} .map=${null} label=${`Unit ${c.unit} of ${c.layer}`} no-controls></cnn-heatmap>`
                  : html`<p>The unit: waiting to be drawn.</p>`}
                <figcaption>The unit: ${c.layer}, channel ${c.unit}</figcaption>
              </figure>
            </div>
            <h4>Strongest positive weights (excite the unit)</h4>
            <div class="cards" data-list="positive">${c.positive.length ? c.positive.map((w) => this.card(c, w, 'positive')) : html`<p>None is positive.</p>`}</div>
            <h4>Strongest negative weights (inhibit the unit)</h4>
            <div class="cards" data-list="negative">${c.negative.length ? c.negative.map((w) => this.card(c, w, 'negative')) : html`<p>None is negative.</p>`}</div>`
        : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-circuit': CnnCircuit;
  }
}
