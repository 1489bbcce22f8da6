/**
 * `<cnn-activation-maps>`: every channel of a layer for the page's image, each
 * map scaled to [0, 1] (by the layer's range or its own, the reader's choice)
 * with the scale's numbers beside it, the strongest channel framed, and a
 * chart of each layer's sparsity and size across the network's depth. The
 * layer and scale are kept in the URL under the element's id.
 */
import { LitElement, css, html, nothing, svg } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { anyText, checkUrlFields, oneOf, readUrlFields, writeUrlState } from '../src/browser/url-state';
import { sampleTensor } from '../src/browser/workbench';
import { type ActivationMaps, type LayerProfile, MAP_SCALES, type MapScale, activationMaps, layerProfile, mapLayers } from '../src/core/activation-maps';
import { applyColormap } from '../src/core/colormap';
import { errorMessage } from '../src/core/errors';
import { formatNumber } from '../src/core/format';
import type { RgbaImage } from '../src/core/image';
import { mosaic } from '../src/core/mosaic';
import { paint, savePng } from './canvas';
import { layerSelect } from './layer-select';
import { RunSlot } from './run-slot';
import { WorkbenchLink } from './workbench-link';
import './cnn-input-bar';
import { baseStyles, controlRowStyles, numberTableStyles } from './theme';

const SCALE_LABELS: Record<MapScale, string> = { layer: 'one range for the whole layer', channel: 'each channel by its own range' };

/** 0 to 1 in 256 steps: the colour bar. */
const RAMP = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/** The maps as one picture: viridis tiles in rows, the strongest framed. */
function picture(maps: ActivationMaps): RgbaImage {
  const zoom = Math.max(1, Math.floor(64 / maps.width));
  const columns = Math.min(maps.channels, Math.max(4, Math.round(520 / (maps.width * zoom + 2))));
  const tiles = maps.maps.map((m) => ({
    width: maps.width,
    height: maps.height,
    channels: 4 as const,
    data: applyColormap(m, 'viridis', { min: 0, max: 1 }),
  }));
  return mosaic(tiles, { columns, zoom, gap: 2, highlight: maps.strongest });
}

/**
 * @summary Every channel of a layer as an activation map for the page's image, with the layer's depth profile.
 */
@customElement('cnn-activation-maps')
export class CnnActivationMaps extends LitElement {
  static override styles = [
    baseStyles,
    controlRowStyles,
    numberTableStyles,
    css`
      .result {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr));
        gap: 1rem;
        align-items: start;
      }
      .scroll {
        overflow: auto;
        max-height: 32rem;
        max-width: 100%;
      }
      canvas {
        display: block;
        image-rendering: pixelated;
      }
      .bar {
        display: grid;
        grid-template-columns: auto 1fr auto;
        gap: 0.4rem;
        align-items: center;
        font-size: 0.8rem;
        max-width: 20rem;
        font-variant-numeric: tabular-nums;
      }
      .bar canvas {
        width: 100%;
        height: 0.8rem;
        border: 1px solid var(--_border);
      }
      ul {
        font-size: 0.875rem;
        padding-left: 1.1rem;
      }
      svg {
        width: 100%;
        max-width: 34rem;
        height: auto;
        font-size: 10px;
      }
      .status {
        font-size: 0.875rem;
        min-height: 1.3rem;
      }
      th[scope='row'] {
        text-align: left;
      }
    `,
  ];

  /** The layer shown; the network's first layer with feature maps when empty or unknown. */
  @state() private layer = '';
  @state() private scale: MapScale = 'layer';
  @state() private maps: ActivationMaps | null = null;
  @state() private image: RgbaImage | null = null;
  @state() private profile: LayerProfile[] = [];
  @state() private busy = false;
  @state() private error: string | null = null;

  /** The link's fields not yet checked against the network, until it loads. */
  private unchecked: Record<string, unknown> | null = null;

  private readonly runs = new RunSlot();
  private readonly workbench = new WorkbenchLink(this, () => void this.compute(), [this.runs]);

  override connectedCallback(): void {
    super.connectedCallback();
    const saved = this.id ? readUrlFields(this.id, 'the activation maps', { layer: anyText, scale: oneOf(...MAP_SCALES) }) : {};
    if (typeof saved['layer'] === 'string') this.layer = saved['layer'];
    if (saved['scale'] !== undefined) this.scale = saved['scale'] as MapScale;
    this.unchecked = saved['layer'] ? saved : null;
    void this.compute();
  }

  private get layers(): string[] {
    const net = this.workbench.state.net;
    return net ? mapLayers(net) : [];
  }

  private get shownLayer(): string {
    return this.layers.includes(this.layer) ? this.layer : (this.layers[0] ?? '');
  }

  private async compute(): Promise<void> {
    const { net, sample } = this.workbench.state;
    this.runs.abort();
    if (!net || !sample) return;
    if (!this.layers.length) {
      this.error = `${net.title} has no layer with feature maps to show.`;
      return;
    }
    if (this.unchecked && this.id) {
      const ok = checkUrlFields(this.id, 'the activation maps', this.unchecked, { layer: oneOf(...this.layers) });
      if (ok['layer'] === undefined) this.layer = '';
      this.unchecked = null;
    }
    const signal = this.runs.start();
    this.busy = true;
    this.error = null;
    const image = sampleTensor(net, sample);
    try {
      const maps = await activationMaps(net, image, this.shownLayer, this.scale);
      const profile = await layerProfile(net, image);
      if (signal.aborted) return;
      Object.assign(this, { maps, profile, image: picture(maps) });
    } catch (err) {
      if (!signal.aborted) this.error = errorMessage(err);
    } finally {
      image.dispose();
      if (this.runs.isCurrent(signal)) this.busy = false;
    }
  }

  private choose(patch: { layer?: string; scale?: MapScale }): void {
    Object.assign(this, patch);
    if (this.id) writeUrlState(this.id, { layer: this.layer, scale: this.scale });
    void this.compute();
  }

  protected override updated(): void {
    const canvas = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.maps');
    if (canvas && this.image) paint(canvas, this.image);
    const ramp = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.ramp');
    if (ramp) paint(ramp, { width: 256, height: 1, channels: 4, data: applyColormap(RAMP, 'viridis', { min: 0, max: 1 }) });
  }

  private readout(maps: ActivationMaps): string[] {
    const { strongest: k, peak, max, mean, ranges, channels } = maps;
    const silent = max.filter((m) => m <= 0).length;
    const ranked = max.map((m, i) => [m, i] as const).sort((a, b) => b[0] - a[0]).slice(0, 5);
    const range = maps.scale === 'layer'
      ? `Every map: ${formatNumber(ranges[0]!.lo)} is 0 (dark), ${formatNumber(ranges[0]!.hi)} is 1 (yellow).`
      : `Each map from its own minimum (0, dark) to its own maximum (1, yellow); the strongest channel's range is ${formatNumber(ranges[k]!.lo)} to ${formatNumber(ranges[k]!.hi)}.`;
    return [
      `Strongest channel: ${k} (framed), peaking at ${formatNumber(max[k]!)} at cell (row ${peak.y}, column ${peak.x}); its mean is ${formatNumber(mean[k]!)}.`,
      `Next strongest: ${ranked.slice(1).map(([m, i]) => `${i} (${formatNumber(m)})`).join(', ')}.`,
      `${silent} of ${channels} channels do not fire at all on this image (maximum ≤ 0).`,
      range,
    ];
  }

  private renderProfile() {
    const profile = this.profile;
    if (!profile.length) return nothing;
    const rowH = 16;
    const left = 70;
    const width = 340;
    const height = profile.length * rowH + 24;
    const maxCells = Math.max(...profile.map((p) => p.height * p.width));
    return html`<figure>
      <figcaption>Sparsity (bars: fraction of values ≤ 0) and spatial size, layer by layer</figcaption>
      <svg viewBox="0 0 ${width + 110} ${height}" role="img" aria-label="Chart of sparsity and size across depth; the table below has the numbers.">
        ${profile.map((p, i) => {
          const y = i * rowH + 4;
          const side = 2 + 10 * Math.sqrt((p.height * p.width) / maxCells);
          return svg`<text x=${left - 4} y=${y + 10} text-anchor="end" fill="currentColor">${p.layer}</text>
            <rect x=${left} y=${y} width=${p.sparsity * width} height=${rowH - 4} fill=${p.layer === this.shownLayer ? 'var(--_warn)' : 'var(--_accent)'}></rect>
            <rect x=${left + width + 8} y=${y + 6 - side / 2} width=${side} height=${side} fill="none" stroke="currentColor"></rect>
            <text x=${left + width + 24} y=${y + 10} fill="currentColor">${p.height}×${p.width}×${p.channels}</text>`;
        })}
        <text x=${left} y=${height - 4} fill="currentColor">0</text>
        <text x=${left + width} y=${height - 4} text-anchor="end" fill="currentColor">1</text>
      </svg>
      <table data-profile>
        <caption>Per layer, for this image</caption>
        <tr><th scope="col">layer</th><th scope="col">height × width × channels</th><th scope="col">sparsity</th></tr>
        ${profile.map(
          (p) => html`<tr data-layer=${p.layer}><th scope="row">${p.layer}</th><td>${p.height}×${p.width}×${p.channels}</td><td data-sparsity=${p.sparsity}>${formatNumber(p.sparsity * 100)}%</td></tr>`,
        )}
      </table>
    </figure>`;
  }

  override render() {
    const { net, loading, error } = this.workbench.state;
    const layer = this.shownLayer;
    const maps = this.maps;
    const lines = maps ? this.readout(maps) : [];
    return html`<div class="panel" aria-busy=${this.busy ? 'true' : 'false'}>
      <cnn-input-bar></cnn-input-bar>
      ${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
      ${net && this.layers.length
        ? html`<div class="controls">
            ${layerSelect(this.layers, layer, (l) => this.choose({ layer: l }))}
            <label
              >Scale
              <select @change=${(e: Event) => this.choose({ scale: (e.target as HTMLSelectElement).value as MapScale })}>
                ${MAP_SCALES.map((s) => html`<option value=${s} ?selected=${s === this.scale}>${SCALE_LABELS[s]}</option>`)}
              </select>
            </label>
          </div>`
        : nothing}
      <p class="status" role="status" aria-live="polite">
        ${loading || (this.busy && !maps) ? 'Computing…' : this.busy ? 'Updating…' : maps ? `${maps.channels} channels of ${maps.layer}, ${maps.height}×${maps.width} each.` : ''}
      </p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${maps
        ? html`<div class="result">
            <figure data-maps data-layer=${maps.layer} data-channels=${maps.channels} data-strongest=${maps.strongest} data-peak=${maps.max[maps.strongest]!}>
              <figcaption>Every channel of ${maps.layer}</figcaption>
              <div class="scroll" tabindex="0" aria-label="Feature maps, scrollable">
                <canvas class="maps" role="img" aria-label=${`Feature maps of ${maps.layer}. ${lines.join(' ')}`}></canvas>
              </div>
              <div class="bar" aria-label="Colour scale">
                <span>0</span><canvas class="ramp" aria-hidden="true"></canvas><span>1</span>
              </div>
              <ul aria-label="Text readout of the maps">
                ${lines.map((l) => html`<li>${l}</li>`)}
              </ul>
              <button type="button" @click=${() => this.save()}>Save PNG</button>
            </figure>
            ${this.renderProfile()}
          </div>`
        : nothing}
    </div>`;
  }

  private save(): void {
    const canvas = this.renderRoot.querySelector<HTMLCanvasElement>('canvas.maps');
    if (canvas && this.maps) savePng(canvas, `activations ${this.maps.layer}`);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'cnn-activation-maps': CnnActivationMaps;
  }
}
