/**
 * `<cnn-attribution method="grad-cam">`: one attribution method of the
 * registry, live on the page's network and image. The reader picks the class
 * (the predicted one by default; logits, not softmax), the layer for methods
 * that explain one, and the method's options; the map is drawn over the
 * network's input with a text readout, and, on the colour scenes, scored
 * against the true object mask.
 *
 * Attributes: `method` (a registry id), optional `layer`, `target` (class
 * index). With an `id`, the reader's choices are kept in the URL.
 */
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import {
  describeRegions,
  energyInsideMask,
  pointingGame,
  topRegions,
  upsampleMap,
} from '../src/core/attribution/maps';
import { explainableLayer, explainedLayer } from '../src/core/attribution/pipeline';
import { ATTRIBUTION_METHODS, isAttributionMethodId } from '../src/core/attribution/registry';
import type { AttributionMap, AttributionMethod, AttributionOptions } from '../src/core/attribution/types';
import { type RgbaImage, tensorToImage } from '../src/core/image';
import { type ClassScores, type ConvNet, chosenClass, classScores } from '../src/core/convnet';
import { formatNumber } from '../src/core/format';
import { anyText, checkUrlFields, indexText, indexTextBelow, readUrlFields, writeUrlState } from '../src/browser/url-state';
import { sampleTensor } from '../src/browser/workbench';
import { RunSlot } from './run-slot';
import { WorkbenchLink } from './workbench-link';
import type { ValueMap } from './cnn-heatmap';
import './cnn-heatmap';
import './cnn-input-bar';
import { baseStyles, controlRowStyles, numberTableStyles } from './theme';
import { errorMessage } from '../src/core/errors';

/** SmoothGrad defaults (Smilkov et al. 2017, §3: 10–20% noise; the map settles by about 50 samples). */
export const SMOOTH_DEFAULTS = { samples: 25, noise: 0.15 } as const;

/** The indices of the `count` values of largest magnitude, largest first (ties: the lower index first). */
function largestByMagnitude(values: ArrayLike<number>, count: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i]!);
    if (top.length === count && v <= Math.abs(values[top[count - 1]!]!)) continue;
    let at = top.length;
    while (at > 0 && Math.abs(values[top[at - 1]!]!) < v) at--;
    top.splice(at, 0, i);
    if (top.length > count) top.pop();
  }
  return top;
}

/**
 * @summary One attribution method of the registry (saliency, Grad-CAM, ...) live on the page's network and image.
 */
@customElement('cnn-attribution')
export class CnnAttribution extends LitElement {
  static override styles = [
    baseStyles,
    numberTableStyles,
    controlRowStyles,
    css`
      .result {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr));
        gap: 1rem;
        align-items: start;
      }
      .scores li[data-top] {
        font-weight: 700;
      }
      .status {
        font-size: 0.875rem;
        min-height: 1.3rem;
      }
    `,
  ];

  /** The registry id of the method shown. */
  @property() method = 'saliency';
  /** The layer explained by methods that need one (a convolution stands for its ReLU); the last of the network's convLayers by default. */
  @property() layer = '';
  /** Class explained, as an index; the predicted class when empty. */
  @property() target = '';

  @state() private input: RgbaImage | null = null;
  @state() private scores: ClassScores | null = null;
  @state() private map: AttributionMap | null = null;
  /** The class and layer the map on show explains. */
  private mapFor: { classIndex: number; layer: string | null } = { classIndex: 0, layer: null };
  @state() private view: ValueMap | null = null;
  @state() private readout: string[] = [];
  @state() private busy = false;
  @state() private error: string | null = null;
  @state() private elapsed = 0;
  @state() private options: AttributionOptions = { ...SMOOTH_DEFAULTS, seed: 1 };

  /** The link's class and layer, not yet checked against the network, until it loads. */
  private unchecked: Record<string, unknown> | null = null;
  private readonly runs = new RunSlot();
  private readonly workbench = new WorkbenchLink(this, () => void this.compute(), [this.runs]);

  override connectedCallback(): void {
    super.connectedCallback();
    const saved = this.id ? readUrlFields(this.id, 'this map', { target: indexText, layer: anyText }) : {};
    if (typeof saved['target'] === 'string') this.target = saved['target'];
    if (typeof saved['layer'] === 'string') this.layer = saved['layer'];
    this.unchecked = Object.keys(saved).length ? saved : null;
    void this.compute();
  }

  /**
   * The map on show as plain data, at the method's own resolution (a layer's cells for the CAM family,
   * before upsampling), with the class it explains and the layer chosen for methods that explain one
   * (null for the others); null until a map is computed. For pages that embed the figure and read its
   * numbers, and for the browser tests that check them.
   */
  get result(): { map: AttributionMap; classIndex: number; layer: string | null } | null {
    return this.map && { map: this.map, ...this.mapFor };
  }

  private get methodDef(): AttributionMethod | null {
    return isAttributionMethodId(this.method) ? (ATTRIBUTION_METHODS[this.method] as AttributionMethod) : null;
  }

  private saveState(): void {
    if (this.id) writeUrlState(this.id, { target: this.target, layer: this.layer });
  }

  /** Checks the link's class against the class count and its layer against the explainable layers, once the network has loaded. */
  private checkLink(net: ConvNet): void {
    if (!this.unchecked || !this.id) return;
    const ok = checkUrlFields(this.id, 'this map', this.unchecked, {
      target: indexTextBelow(net.classNames.length),
      layer: (v) => v === '' || (typeof v === 'string' && explainableLayer(net, v) !== undefined),
    });
    if (ok['target'] === undefined) this.target = '';
    if (ok['layer'] === undefined) this.layer = '';
    this.unchecked = null;
  }

  private async compute(): Promise<void> {
    const { net, sample } = this.workbench.state;
    const method = this.methodDef;
    this.runs.abort();
    if (!method) {
      this.error = `Unknown method “${this.method}”.`;
      return;
    }
    if (!net || !sample) return;
    this.checkLink(net);
    const missing = (method.requires ?? []).filter((c) => !net.capabilities[c]);
    if (missing.length) {
      this.error = `${method.title} cannot run on ${net.title}: ${net.capabilities.notes.join(' ') || `it needs ${missing.join(' and ')}`}`;
      this.map = null;
      return;
    }
    const signal = this.runs.start();
    this.busy = true;
    this.error = null;
    const image = sampleTensor(net, sample);
    try {
      const scores = await classScores(net, image);
      const index = chosenClass(this.target, scores);
      const layer = method.needsLayer ? explainableLayer(net, this.layer) : undefined;
      const input = { net, image, target: { kind: 'class', index } as const, layer, options: this.options, signal };
      const t0 = performance.now();
      const map = await method.attribute(input);
      const elapsed = performance.now() - t0;
      const [height, width] = net.inputShape;
      const full = map.width === width && map.height === height ? map : await upsampleMap(map, width, height);
      const shown = await tensorToImage(image, { range: net.inputRange });
      if (signal.aborted) return;
      const lines = [`Strongest regions: ${describeRegions(topRegions(full))}.`];
      const mask = sample.mask;
      if (mask && mask.width === width && mask.height === height) {
        lines.push(
          `Pointing game: the maximum is ${pointingGame(full, mask) ? 'inside' : 'outside'} the object.`,
          `Energy inside the object mask: ${Math.round(energyInsideMask(full, mask) * 100)}%.`,
        );
      }
      this.mapFor = { classIndex: index, layer: method.needsLayer ? explainedLayer(input) : null };
      Object.assign(this, { scores, map, view: full, readout: lines, input: shown, elapsed });
    } catch (err) {
      if (!signal.aborted) this.error = errorMessage(err);
    } finally {
      image.dispose();
      if (this.runs.isCurrent(signal)) this.busy = false;
    }
  }

  private renderControls() {
    const net = this.workbench.state.net;
    const method = this.methodDef;
    if (!net || !method || !this.scores) return nothing;
    const { logits, predicted } = this.scores;
    const order = logits.map((v, i) => [v, i] as const).sort((a, b) => b[0] - a[0]);
    const smooth = this.method.startsWith('smooth-grad');
    return html`<div class="controls">
      <label
        >Class explained
        <select
          @change=${(e: Event) => {
            this.target = (e.target as HTMLSelectElement).value;
            this.saveState();
            void this.compute();
          }}
        >
          <option value="" ?selected=${this.target === ''}>predicted (${net.classNames[predicted]})</option>
          ${order.map(
            ([v, i]) => html`<option value=${i} ?selected=${this.target === String(i)}>${net.classNames[i]} (logit ${formatNumber(v)})</option>`,
          )}
        </select>
      </label>
      ${method.needsLayer
        ? html`<label
            >Layer
            <select
              @change=${(e: Event) => {
                this.layer = (e.target as HTMLSelectElement).value;
                this.saveState();
                void this.compute();
              }}
            >
              ${net.convLayers.map(
                (l) => html`<option value=${l} ?selected=${l === (explainableLayer(net, this.layer) ?? net.convLayers.at(-1))}>${l}</option>`,
              )}
            </select>
          </label>`
        : nothing}
      ${smooth
        ? html`<label
              >Samples: ${this.options.samples}
              <input
                type="range"
                min="1"
                max="100"
                .value=${String(this.options.samples)}
                @change=${(e: Event) => {
                  this.options = { ...this.options, samples: Number((e.target as HTMLInputElement).value) };
                  void this.compute();
                }}
            /></label>
            <label
              >Noise σ: ${Math.round((this.options.noise ?? 0) * 100)}% of the range
              <input
                type="range"
                min="0"
                max="0.5"
                step="0.01"
                .value=${String(this.options.noise)}
                @change=${(e: Event) => {
                  this.options = { ...this.options, noise: Number((e.target as HTMLInputElement).value) };
                  void this.compute();
                }}
            /></label>`
        : nothing}
    </div>`;
  }

  private renderExtras() {
    const extras = this.map?.extras;
    if (!extras || Object.keys(extras).length === 0) return nothing;
    return html`<details>
      <summary>Intermediate quantities</summary>
      ${Object.entries(extras).map(([name, value]) => {
        if (typeof value === 'number') return html`<p>${name} = ${formatNumber(value, 4)}</p>`;
        return html`<table>
          <caption>${name}: ${value.length} values, largest by magnitude</caption>
          <tr><th scope="col">index</th><th scope="col">value</th></tr>
          ${largestByMagnitude(value, 8).map((i) => html`<tr><td>${i}</td><td>${formatNumber(value[i]!, 4)}</td></tr>`)}
        </table>`;
      })}
    </details>`;
  }

  override render() {
    const method = this.methodDef;
    const title = method?.title ?? this.method;
    const net = this.workbench.state.net;
    const explained = this.scores && net ? net.classNames[chosenClass(this.target, this.scores)] : '';
    return html`<div class="panel" aria-busy=${this.busy ? 'true' : 'false'}>
      <cnn-input-bar></cnn-input-bar>
      ${this.workbench.state.error ? html`<p class="error" role="alert">${this.workbench.state.error}</p>` : nothing}
      ${this.renderControls()}
      <p class="status" role="status" aria-live="polite">
        ${this.workbench.state.loading || (!this.map && !this.error)
          ? 'Computing…'
          : this.busy
            ? 'Updating…'
            : this.map
              ? `${title} for “${explained}”, computed in ${this.elapsed.toFixed(0)} ms.`
              : ''}
      </p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.view && this.input
        ? html`<div class="result">
            <cnn-heatmap .image=${this.input} .map=${this.view} .readout=${this.readout} label="${title}: ${explained}"></cnn-heatmap>
            <div>
              <cnn-heatmap .image=${this.input} .map=${null} label="What the network sees" no-controls></cnn-heatmap>
              ${method ? html`<p class="muted">${method.paper.authors} (${method.paper.year}), <a href=${method.paper.url}>${method.paper.title}</a>.</p>` : nothing}
              ${this.renderExtras()}
            </div>
          </div>`
        : nothing}
    </div>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-attribution': CnnAttribution;
  }
}
